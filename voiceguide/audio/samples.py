"""Sample arrays: the types speech clips and sounds travel in, and the one resampler.

Every clip the renderer mixes is float32 mono in [-1, 1] at the session rate. Speech arrives as
int16 at the engine's rate, sounds as float at their file's rate; both reach the session rate
through `resample`, whose length rule (`resampled_length`) is ours, not soxr's, so a clip's
length in frames is known before it is resampled and never changes with soxr's version.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Int16Array = NDArray[np.int16]
Float32Array = NDArray[np.float32]
Float64Array = NDArray[np.float64]

# int16 full scale: -32768 maps to exactly -1.0
_INT16_SCALE = np.float32(32768.0)


def int16_to_float(samples: Int16Array) -> Float32Array:
    """int16 samples as float32 in [-1, 1)."""
    values: Float32Array = samples.astype(np.float32) / _INT16_SCALE
    return values


def resampled_length(frames: int, from_rate: int, to_rate: int) -> int:
    """round(frames x to_rate / from_rate), a half rounding up: the length `resample` gives."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, not {from_rate} and {to_rate}")
    return (frames * to_rate + from_rate // 2) // from_rate


def resample(signal: Float32Array, from_rate: int, to_rate: int) -> Float32Array:
    """float32 mono from from_rate to to_rate, exactly resampled_length() frames long.

    Equal rates return the samples as they are. Otherwise soxr (high quality) resamples; its
    output is cut or padded with silence to our length rule, and clipped to [-1, 1], as the
    filter may overshoot a little on a full-scale signal.
    """
    frames = resampled_length(len(signal), from_rate, to_rate)
    if from_rate == to_rate:
        return np.ascontiguousarray(signal, dtype=np.float32)
    if len(signal) == 0:
        return np.zeros(0, dtype=np.float32)
    import soxr  # lazily: sessions at the engine's and the sounds' rate never resample

    made = np.asarray(soxr.resample(signal, from_rate, to_rate, quality="HQ"), dtype=np.float32)
    out = np.zeros(frames, dtype=np.float32)
    kept = min(frames, len(made))
    np.clip(made[:kept], -1.0, 1.0, out=out[:kept])
    return out
