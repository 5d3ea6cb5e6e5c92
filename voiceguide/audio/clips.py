"""Speech clip audio: decode engine files (WAV, AIFF), trim silence, resample.

Decoding reads the real header of the file; the engines write WAV (espeak, SAPI5) or AIFF (macOS).
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from voiceguide.errors import VoiceError

Int16Array = NDArray[np.int16]
Float32Array = NDArray[np.float32]

# Trimming: a sample counts as sound above this share of the clip's peak (and above a floor, so
# dither or a near-silent clip is not mistaken for speech).
_SOUND_SHARE = 0.01
_SOUND_FLOOR = 16
# Kept around the sound, so no onset or release is cut; these margins are faded to zero so the
# clip starts and ends without a click.
LEAD_SECONDS = 0.005
TAIL_SECONDS = 0.015
MIN_FADE_SECONDS = 0.001


def decode_audio_file(path: Path) -> tuple[Int16Array, int]:
    """Mono int16 samples and the sample rate written in the file's own header."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise VoiceError(f"cannot read the speech clip {path}: {error.strerror}") from error
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _decode_wav(data, path)
    if data[:4] == b"FORM" and data[8:12] in (b"AIFF", b"AIFC"):
        return _decode_aiff(data, path)
    raise VoiceError(f"the speech engine wrote an unknown audio format to {path}")


def _chunks(data: bytes, start: int, big_endian: bool) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    fmt = ">I" if big_endian else "<I"
    pos = start
    while pos + 8 <= len(data):
        name = data[pos : pos + 4]
        (size,) = struct.unpack(fmt, data[pos + 4 : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        found.setdefault(name, body)
        pos += 8 + size + (size & 1)  # chunks are padded to an even length
    return found


def _decode_wav(data: bytes, path: Path) -> tuple[Int16Array, int]:
    chunks = _chunks(data, 12, big_endian=False)
    fmt, body = chunks.get(b"fmt "), chunks.get(b"data")
    if fmt is None or body is None or len(fmt) < 16:
        raise VoiceError(f"the speech clip {path} is not a complete WAV file")
    tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag is in the GUID
        (tag,) = struct.unpack("<H", fmt[24:26])
    if tag == 3 and bits == 32:
        frames = np.frombuffer(body[: len(body) // 4 * 4], dtype="<f4").astype(np.float64)
        return _to_int16_mono(frames * 32767.0, channels), rate
    if tag != 1:
        raise VoiceError(f"the speech clip {path} uses an unsupported WAV encoding ({tag})")
    return _pcm(body, bits, channels, little_endian=True, path=path), rate


def _decode_aiff(data: bytes, path: Path) -> tuple[Int16Array, int]:
    chunks = _chunks(data, 12, big_endian=True)
    comm, ssnd = chunks.get(b"COMM"), chunks.get(b"SSND")
    if comm is None or ssnd is None or len(comm) < 18 or len(ssnd) < 8:
        raise VoiceError(f"the speech clip {path} is not a complete AIFF file")
    channels, _, bits = struct.unpack(">hIh", comm[:8])
    rate = round(_extended_to_float(comm[8:18]))
    compression = comm[18:22] if data[8:12] == b"AIFC" and len(comm) >= 22 else b"NONE"
    if compression not in (b"NONE", b"twos", b"sowt"):
        raise VoiceError(f"the speech clip {path} uses an unsupported AIFF encoding")
    (offset,) = struct.unpack(">I", ssnd[:4])
    body = ssnd[8 + offset :]
    little = compression == b"sowt"
    return _pcm(body, bits, channels, little_endian=little, path=path), rate


def _extended_to_float(raw: bytes) -> float:
    """The 80-bit IEEE extended float AIFF uses for its sample rate."""
    exponent, mantissa = struct.unpack(">HQ", raw)
    sign = -1.0 if exponent & 0x8000 else 1.0
    exponent &= 0x7FFF
    if exponent == 0 and mantissa == 0:
        return 0.0
    return float(sign * mantissa * math.pow(2.0, exponent - 16383 - 63))


def _pcm(body: bytes, bits: int, channels: int, little_endian: bool, path: Path) -> Int16Array:
    width = (bits + 7) // 8
    if channels < 1 or width not in (1, 2, 3, 4):
        raise VoiceError(f"the speech clip {path} has an unsupported layout ({bits} bit)")
    usable = len(body) // (width * channels) * width * channels
    raw = np.frombuffer(body[:usable], dtype=np.uint8)
    if width == 1:  # 8-bit PCM is unsigned in WAV, signed in AIFF
        centred = raw.astype(np.float64) - 128.0 if little_endian else raw.view(np.int8) * 1.0
        return _to_int16_mono(np.asarray(centred * 256.0, dtype=np.float64), channels)
    if width == 3:
        triplets = raw.reshape(-1, 3).astype(np.int32)
        if not little_endian:
            triplets = triplets[:, ::-1]
        joined = triplets[:, 0] | (triplets[:, 1] << 8) | (triplets[:, 2] << 16)
        joined = np.where(joined >= 1 << 23, joined - (1 << 24), joined)
        return _to_int16_mono(joined / 256.0, channels)
    dtype = np.dtype(f"{'<' if little_endian else '>'}i{width}")
    ints = np.frombuffer(body[:usable], dtype=dtype)
    if width == 2 and channels == 1:
        return ints.astype(np.int16)
    scale = 1.0 if width == 2 else 1.0 / 65536.0
    return _to_int16_mono(ints * scale, channels)


def _to_int16_mono(values: NDArray[np.float64], channels: int) -> Int16Array:
    if channels > 1:
        values = values.reshape(-1, channels).mean(axis=1)
    return np.clip(np.round(values), -32768, 32767).astype(np.int16)


def trim_silence(samples: Int16Array, sample_rate: int) -> Int16Array:
    """The clip without leading and trailing silence, a few faded ms kept at each end."""
    if samples.size == 0:
        return samples.astype(np.int16)
    peak = max(int(samples.max()), -int(samples.min()))
    threshold = max(_SOUND_FLOOR, int(peak * _SOUND_SHARE))
    loud = (samples > threshold) | (samples < -threshold)
    if not loud.any():
        return np.zeros(0, dtype=np.int16)
    first = int(loud.argmax())
    last = samples.size - 1 - int(loud[::-1].argmax())
    start = max(0, first - round(LEAD_SECONDS * sample_rate))
    end = min(samples.size, last + 1 + round(TAIL_SECONDS * sample_rate))
    clip = samples[start:end].astype(np.int16)  # a copy: the fades below must not touch samples
    # raised-cosine ramps over the quiet margins, at least 1 ms even where the engine gave no
    # margin: the first and last samples are exactly zero, so no click
    least = max(1, round(MIN_FADE_SECONDS * sample_rate))
    fade_in = min(max(first - start, least), clip.size)
    fade_out = min(max(end - last - 1, least), clip.size)
    clip[:fade_in] = np.round(clip[:fade_in] * _ramp(fade_in))
    tail = clip.size - fade_out
    clip[tail:] = np.round(clip[tail:] * _ramp(fade_out)[::-1])
    return clip


def _ramp(length: int) -> NDArray[np.float64]:
    return 0.5 - 0.5 * np.cos(np.pi * np.arange(length) / length)


def to_float(samples: Int16Array, from_rate: int, to_rate: int) -> Float32Array:
    """float32 in [-1, 1] at to_rate; soxr resamples when the rates differ."""
    values: Float32Array = samples.astype(np.float32) / np.float32(32768.0)
    if from_rate != to_rate and values.size:
        import soxr  # lazily: only sessions whose rate differs from the engine's need it

        values = np.asarray(soxr.resample(values, from_rate, to_rate, quality="HQ"))
        values = np.clip(values, -1.0, 1.0).astype(np.float32)
    return values
