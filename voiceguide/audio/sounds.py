"""Cue sounds (tick, go, end, rep, done) as float32 mono clips at the session rate.

The bundled sounds live in audio_cues/; a routine may replace any of them with its own WAV file
(settings.sounds). Headers are read by wav_header (not the stdlib `wave`, which on Python 3.11
refuses the WAVE_FORMAT_EXTENSIBLE header sox writes for 24-bit files).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voiceguide.audio.wav_header import FIX as _FIX
from voiceguide.audio.wav_header import FLOAT as _FLOAT
from voiceguide.audio.wav_header import riff_chunks, wav_format
from voiceguide.errors import SoundError
from voiceguide.resources import cues_dir
from voiceguide.script.model import SOUND_NAMES

CUE_NAMES = SOUND_NAMES  # the names a script may map under settings.sounds

# a cue sound is a short signal; a longer file is almost surely the wrong file
MAX_SECONDS = 30.0
_MAX_BYTES = 64 * 2**20


Samples = npt.NDArray[np.float32]


class CueSounds:
    """The five cue sounds at one sample rate; `sounds` overrides the bundled files by name."""

    def __init__(self, sounds: Mapping[str, Path], sample_rate: int) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, not {sample_rate}")
        self.sample_rate = sample_rate
        paths = {name: cues_dir() / f"{name}.wav" for name in CUE_NAMES}
        paths.update(sounds)
        # load everything now, so a bad file is reported before the session starts
        self._clips = {name: _load(path, sample_rate) for name, path in paths.items()}

    def samples(self, name: str) -> Samples:
        """The named sound, float32 mono at sample_rate (read-only: it is shared)."""
        try:
            return self._clips[name]
        except KeyError:
            known = ", ".join(sorted(self._clips))
            raise SoundError(f"no cue sound named {name!r}; the sounds are {known}") from None

    def lengths(self) -> dict[str, int]:
        """Sound name -> length in frames at sample_rate, for the sequencer."""
        return {name: len(clip) for name, clip in self._clips.items()}


def _load(path: Path, sample_rate: int) -> Samples:
    signal, rate = read_wav(path)
    clip = resample(signal, rate, sample_rate)
    clip.flags.writeable = False
    return clip


def resample(signal: Samples, from_rate: int, to_rate: int) -> Samples:
    """float32 mono from from_rate to to_rate; the length is round(n * to_rate / from_rate)."""
    if from_rate == to_rate:
        return np.ascontiguousarray(signal, dtype=np.float32)
    import soxr  # only here: most sessions never resample

    out = np.asarray(soxr.resample(signal, from_rate, to_rate, quality="HQ"), dtype=np.float32)
    # pin the length to a rule of our own (half rounds up), whatever soxr's version does
    frames = (len(signal) * to_rate + from_rate // 2) // from_rate
    if len(out) >= frames:
        return np.ascontiguousarray(out[:frames])
    return np.concatenate([out, np.zeros(frames - len(out), dtype=np.float32)])


def read_wav(path: Path) -> tuple[Samples, int]:
    """A WAV file as float32 mono in [-1, 1] (channels averaged) and its sample rate.

    Reads PCM of 8, 16, 24 or 32 bits and 32/64-bit float, plain or WAVE_FORMAT_EXTENSIBLE.
    Raises SoundError, one line naming the file and the fix, on anything else.
    """
    try:
        with path.open("rb") as file:
            data = file.read(_MAX_BYTES + 1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise SoundError(f"cannot read sound {path}: {reason.lower()}") from None
    if len(data) > _MAX_BYTES:
        raise SoundError(f"sound {path} is too large for a cue sound; use a short WAV file")
    fmt, pcm = riff_chunks(path, data)
    tag, channels, rate, width = wav_format(path, fmt)
    block = channels * width
    frames = len(pcm) // block
    if frames == 0:
        raise SoundError(f"sound {path} holds no audio; {_FIX}")
    if frames > MAX_SECONDS * rate:
        raise SoundError(
            f"sound {path} is {frames / rate:.0f} s long; a cue sound must be under "
            f"{MAX_SECONDS:.0f} s"
        )
    interleaved = _decode(pcm[: frames * block], tag, width)
    mono = interleaved.reshape(frames, channels).mean(axis=1, dtype=np.float64)
    return mono.astype(np.float32), rate


def _decode(pcm: bytes, tag: int, width: int) -> npt.NDArray[np.float64]:
    """Interleaved samples as float64 in [-1, 1]."""
    if tag == _FLOAT:
        values = np.frombuffer(pcm, dtype=f"<f{width}").astype(np.float64)
        clipped: npt.NDArray[np.float64] = np.clip(np.nan_to_num(values), -1.0, 1.0)
        return clipped
    if width == 1:  # 8-bit WAV is unsigned, centred on 128
        return (np.frombuffer(pcm, dtype=np.uint8).astype(np.float64) - 128) / 128
    if width == 3:  # no numpy dtype: widen to 32 bits, the sample in the top three bytes
        padded = np.zeros((len(pcm) // 3, 4), dtype=np.uint8)
        padded[:, 1:] = np.frombuffer(pcm, dtype=np.uint8).reshape(-1, 3)
        return padded.view("<i4").ravel().astype(np.float64) / 2**31
    values = np.frombuffer(pcm, dtype=f"<i{width}").astype(np.float64)
    return values / float(1 << (8 * width - 1))
