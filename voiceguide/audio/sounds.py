"""Sounds (the beeps tick, go, end, rep, done) as float32 mono clips at the session rate.

The bundled sounds live in audio_cues/; a routine may replace any of them with its own WAV,
AIFF, FLAC or OGG file (settings.sounds). Files are read by audio.read and brought to the session
rate by the one resampler (audio.samples).

The bundled sounds are made at the voice's loudness (tools/make_cues.py); a routine's own sound
is measured when it is read and brought to that level, so a beep is as loud as the voice
whatever file it comes from. The rep tick, a soft mark inside a rep, sits REP_BELOW_DB lower.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from voiceguide.audio.loudness import REFERENCE_LUFS, normalise
from voiceguide.audio.read import BadRate, Header, Unreadable, read_header, read_mono
from voiceguide.audio.samples import Float32Array, resample
from voiceguide.errors import SoundError
from voiceguide.resources import cues_dir
from voiceguide.script.model import SOUND_NAMES

# a sound is a short signal; a longer file is almost surely the wrong file
MAX_SECONDS = 30.0
FIX = "use a PCM WAV file, e.g. `sox input -b 16 output.wav`"
# the rep tick marks tempo inside a rep: softer than the voice and the other beeps
REP_BELOW_DB = 14.0
RATE_FIX = "convert it, e.g. `sox input -r 44100 output.wav`"


class Sounds:
    """The five sounds at one sample rate; `overrides` replaces bundled files by name."""

    def __init__(self, overrides: Mapping[str, Path], sample_rate: int) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, not {sample_rate}")
        self.sample_rate = sample_rate
        paths = {name: cues_dir() / f"{name}.wav" for name in SOUND_NAMES}
        paths.update(overrides)
        # load everything now, so a bad file is reported before the session starts
        self._clips = {
            name: _load(path, sample_rate, level_of(name) if name in overrides else None)
            for name, path in paths.items()
        }

    def samples(self, name: str) -> Float32Array:
        """The named sound, float32 mono at sample_rate (read-only: it is shared)."""
        try:
            return self._clips[name]
        except KeyError:
            known = ", ".join(sorted(self._clips))
            raise SoundError(f"no sound named {name!r}; the sounds are {known}") from None

    def lengths(self) -> dict[str, int]:
        """Sound name -> length in frames at sample_rate, for the sequencer."""
        return {name: len(clip) for name, clip in self._clips.items()}


def level_of(name: str) -> float:
    """The loudness (LUFS, as audio.loudness measures it) a sound is kept at."""
    return REFERENCE_LUFS - (REP_BELOW_DB if name == "rep" else 0.0)


def _load(path: Path, sample_rate: int, level: float | None) -> Float32Array:
    """The sound at sample_rate; a script's own file (with its `level`) brought to that level."""
    signal, rate = read_sound(path)
    if level is not None:
        signal = normalise(signal, rate, level)
    clip = resample(signal, rate, sample_rate)
    clip.flags.writeable = False
    return clip


def read_sound(path: Path) -> tuple[Float32Array, int]:
    """A sound file as float32 mono in [-1, 1] (channels averaged) and its sample rate.

    Raises SoundError, one line naming the file and the fix, when it cannot be used.
    """
    try:
        mono, header = read_mono(path, MAX_SECONDS)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise SoundError(f"cannot read sound {path}: {reason.lower()}") from None
    except Unreadable as problem:
        raise SoundError(f"sound {path} {_with_fix(problem)}") from None
    wrong = _problem(header, len(mono))
    if wrong is not None:
        raise SoundError(f"sound {path} {wrong}")
    return mono, header.sample_rate


def sound_file_problem(path: Path) -> str | None:
    """What keeps a sound file from being used, from its header alone; None when it will load.

    For the loader: `is 31 s long; a sound must be under 30 s`, to follow the file's name.
    """
    try:
        header = read_header(path)
    except OSError as error:
        return f"cannot be read: {(error.strerror or type(error).__name__).lower()}"
    except Unreadable as problem:
        return _with_fix(problem)
    return _problem(header, header.frames)


def _with_fix(problem: Unreadable) -> str:
    return f"{problem}; {RATE_FIX if isinstance(problem, BadRate) else FIX}"


def _problem(header: Header, frames: int) -> str | None:
    if frames == 0:
        return f"holds no audio; {FIX}"
    seconds = max(frames, header.frames) / header.sample_rate
    if seconds > MAX_SECONDS:
        return f"is {seconds:.0f} s long; a sound must be under {MAX_SECONDS:.0f} s"
    return None
