"""Reading audio files, for speech clips the engine wrote and for sounds (the beeps).

One reader on python-soundfile (libsndfile): WAV (plain or WAVE_FORMAT_EXTENSIBLE; PCM of 8 to 32
bits, float, A-law and the other encodings libsndfile decodes), AIFF and AIFF-C, FLAC, and OGG
(Vorbis, Opus). Other containers libsndfile knows (MP3, AU, CAF, ...) are refused, so what is
accepted is what the format document promises. soundfile is imported inside the functions, so
`import voiceguide` stays light.

Problems are raised as `Unreadable` with the tail of a message ("is not a WAV, ... file"); callers
put the file and the fix around it, as a SoundError or a VoiceError.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

import numpy as np

from voiceguide.audio.samples import Float32Array, Float64Array, Int16Array
from voiceguide.errors import VoiceError

if TYPE_CHECKING:
    import soundfile

# libsndfile's container names -> ours; WAVEX is WAV with the extensible header
CONTAINERS = {"WAV": "WAV", "WAVEX": "WAV", "AIFF": "AIFF", "FLAC": "FLAC", "OGG": "OGG"}
ACCEPTED = "WAV, AIFF, FLAC or OGG"
# rates outside these are a damaged or hostile header, not a recording (a WAV may claim
# 4,294,967,295 Hz, which would shrink any sound to nothing)
LOWEST_RATE = 8_000
HIGHEST_RATE = 384_000
_BLOCK_SAMPLES = 1 << 16  # decoded and mixed to mono a block at a time, whatever the channels
_NOT_RECOGNISED = 1  # libsndfile's SFE_BAD_OPEN_FORMAT
_BAD_INFO = 24  # SFE_BAD_SF_INFO: on reading, a rate of 0 or of 2**31 Hz and more
_DETAIL_LIMIT = 80  # characters of libsndfile's own words kept in a message

_Out = TypeVar("_Out", Float32Array, Int16Array)


class Unreadable(Exception):
    """The file cannot be used; the text is the tail of a message, to follow the file name."""


class NotAudio(Unreadable):
    """libsndfile recognises no audio format at all in the file (text, junk, an empty file)."""

    def __init__(self) -> None:
        super().__init__(f"is not a {ACCEPTED} file")


class BadRate(Unreadable):
    """The header's sample rate is impossible or absurd."""

    def __init__(self, claim: str) -> None:
        super().__init__(f"{claim}; the rate must be from {LOWEST_RATE:,} to {HIGHEST_RATE:,} Hz")


@dataclass(frozen=True)
class Header:
    container: str  # one of CONTAINERS' values
    sample_rate: int
    channels: int
    frames: int  # as the header says; a damaged file may hold fewer


def read_header(path: Path) -> Header:
    """What the file's header says, checked: an accepted container and a sane rate.

    Raises OSError when the file cannot be opened and Unreadable when it is not usable audio.
    """
    with path.open("rb") as handle, _opened(handle) as sound:
        return _header(sound)


def read_mono(path: Path, max_seconds: float | None = None) -> tuple[Float32Array, Header]:
    """The samples as float32 mono in [-1, 1] (channels averaged) and the header.

    With max_seconds, at most that many seconds and one frame more are decoded, whatever the
    header claims: a caller sees a file that is too long without reading all of it. Raises
    OSError and Unreadable as read_header does.
    """
    return _read(path, max_seconds, _to_float32)


def decode_audio_file(path: Path) -> tuple[Int16Array, int]:
    """A speech clip the engine wrote: int16 mono and the rate in the file's own header.

    16-bit files come back exactly, deeper ones rounded to the nearest int16. Raises VoiceError,
    one line naming the file.
    """
    try:
        samples, header = _read(path, None, _to_int16)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise VoiceError(f"cannot read the speech clip {path}: {reason}") from None
    except NotAudio:
        raise VoiceError(f"the speech engine wrote an unknown audio format to {path}") from None
    except Unreadable as problem:
        raise VoiceError(f"the speech clip {path} {problem}") from None
    return samples, header.sample_rate


def decode_clip_bytes(data: bytes) -> tuple[Int16Array, int]:
    """A speech clip held in memory (the worker reads it from a file without a name): int16 mono
    and the rate in its header, as decode_audio_file. Raises Unreadable."""
    samples, header = _decoded(io.BytesIO(data), None, _to_int16)
    return samples, header.sample_rate


def _read(
    path: Path, max_seconds: float | None, convert: Callable[[Float64Array], _Out]
) -> tuple[_Out, Header]:
    # opened here, not by libsndfile, so a missing or unreadable file is an OSError with its
    # reason rather than libsndfile's "System error"
    with path.open("rb") as handle:
        return _decoded(handle, max_seconds, convert)


def _decoded(
    handle: BinaryIO, max_seconds: float | None, convert: Callable[[Float64Array], _Out]
) -> tuple[_Out, Header]:
    """Decode a block at a time, mixed to mono and converted, so a long or many-channel file
    never sits in memory as float64."""
    with _opened(handle) as sound:
        header = _header(sound)
        limit = None if max_seconds is None else int(max_seconds * header.sample_rate) + 1
        block_frames = max(1, _BLOCK_SAMPLES // header.channels)
        parts: list[_Out] = []
        taken = 0
        try:
            while limit is None or taken < limit:
                want = block_frames if limit is None else min(block_frames, limit - taken)
                block = sound.read(want, dtype="float64", always_2d=True)
                if len(block) == 0:
                    break
                # float files may hold NaN or values past full scale: keep the mix finite
                np.clip(np.nan_to_num(block, copy=False), -1.0, 1.0, out=block)
                parts.append(convert(block.mean(axis=1)))
                taken += len(block)
        except RuntimeError as error:  # LibsndfileError: damaged audio data
            raise Unreadable(_damaged(error)) from None
    return (np.concatenate(parts) if parts else convert(np.zeros(0))), header


def _to_float32(mono: Float64Array) -> Float32Array:
    return mono.astype(np.float32)


def _to_int16(mono: Float64Array) -> Int16Array:
    return np.clip(np.round(mono * 32768.0), -32768, 32767).astype(np.int16)


@contextmanager
def _opened(handle: BinaryIO) -> Iterator[soundfile.SoundFile]:
    import soundfile

    try:
        sound = soundfile.SoundFile(handle)
    except soundfile.LibsndfileError as error:
        if error.code == _NOT_RECOGNISED:
            raise NotAudio from None
        if error.code == _BAD_INFO:
            raise BadRate("claims an impossible sample rate") from None
        raise Unreadable(_damaged(error)) from None
    except (RuntimeError, TypeError, ValueError) as error:
        raise Unreadable(_damaged(error)) from None
    with sound:
        yield sound


def _header(sound: soundfile.SoundFile) -> Header:
    container = CONTAINERS.get(str(sound.format))
    if container is None:
        raise Unreadable(f"is {sound.format}, not {ACCEPTED}")
    rate = int(sound.samplerate)
    if not LOWEST_RATE <= rate <= HIGHEST_RATE:
        raise BadRate(f"claims a sample rate of {rate:,} Hz")
    return Header(container, rate, int(sound.channels), max(0, int(sound.frames)))


def _damaged(error: Exception) -> str:
    """`is damaged (...)` with libsndfile's own words, short and on one line."""
    detail = " ".join(str(getattr(error, "error_string", "") or error).split()).rstrip(".")
    if len(detail) > _DETAIL_LIMIT:
        detail = detail[: _DETAIL_LIMIT - 3] + "..."
    return f"is damaged or in an encoding that cannot be read ({detail})"
