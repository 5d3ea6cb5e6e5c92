"""Loudness: clips measured per ITU-R BS.1770 and brought to one level under a true-peak ceiling.

Every speech clip is stored at REFERENCE_LUFS, whatever engine made it, when the speech bank
makes it (the clip cache keeps it so); the bundled sounds are made at that level too. A session
then needs one gain for all of them (`loudness` minus the reference), so its loudness is decided
before anything is rendered, and live playback and export play the same samples.

The rule for short clips. BS.1770 measures 400 ms blocks every 100 ms and leaves out the blocks
more than 10 LU under the mean. "Go." (0.3 s) is shorter than one block, and in a session every
block that holds it also holds the silence around it. So a clip is measured as the session's
meter sees it: standing alone in silence, its blocks reaching into that silence. A short word is
then set as loud as its blocks are in the session, and since every clip's blocks average the
reference, so do the session's: the whole session measures the reference too (tests pin it on
routines of long announcements and of nothing but short words).
"""

from __future__ import annotations

import math

import numpy as np

from voiceguide.audio.samples import Float32Array, Float64Array, Int16Array

# podcasts and spoken-word apps: -16 LUFS integrated
REFERENCE_LUFS = -16.0
# True peak promised: at most -1 dBTP. The limiter aims 1.5 dB lower: an AAC encoder (.m4a)
# overshoots by about 1 dB (measured: -1.5 dBTP in, -0.6 out), and rounding to int16, resampling
# to the session rate and meters that oversample more than 4x add a little more.
PROMISED_PEAK_DBTP = -1.0
CEILING_DBTP = -2.5
# silence around a clip while it is measured: one whole block on each side
_MARGIN_SECONDS = 0.4
_OVERSAMPLE = 4
# what the limiter took off a clip's loudness is made up, in at most a few rounds (each limits
# a little more), until the clip is this close to its target
_CLOSE_ENOUGH_LU = 0.1
_MAKE_UP_ROUNDS = 3
# true peaks are found a chunk at a time, each with this much of its neighbours for the filter
_CHUNK = 1 << 16
_CONTEXT = 512
# the limiter's gain never changes faster than over this much time (no clicks, no distortion)
_LIMITER_SECONDS = 0.005


def loudness(samples: Float32Array | Float64Array, sample_rate: int) -> float:
    """BS.1770 integrated loudness (LUFS) of a clip standing alone in silence; -inf if silent."""
    # pyloudnorm: a well-kept BS.1770-4 meter (K-weighting, 400 ms blocks, both gates); it
    # brings scipy, so it is imported only where a clip is made or a script's own sound is read
    import pyloudnorm

    margin = np.zeros(round(_MARGIN_SECONDS * sample_rate))
    padded = np.concatenate([margin, np.asarray(samples, dtype=np.float64), margin])
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(padded))


def true_peak(samples: Float32Array | Float64Array, sample_rate: int) -> float:
    """The highest absolute value between and on the samples (4x oversampled), linear."""
    if len(samples) == 0:
        return 0.0
    up = _oversampled(samples, sample_rate)
    # the largest magnitude without an array of magnitudes: the same number, less work
    return float(max(up.max(initial=0.0), -up.min(initial=0.0)))


def decibels(linear: float) -> float:
    return 20 * math.log10(linear) if linear > 0 else -math.inf


def gain_of(db: float) -> float:
    return float(10 ** (db / 20))


def normalise(
    samples: Float32Array | Float64Array, sample_rate: int, target: float = REFERENCE_LUFS
) -> Float32Array:
    """The clip at `target` LUFS (as `loudness` measures it) under the ceiling; silence as is."""
    signal = np.asarray(samples, dtype=np.float64)
    measured = loudness(signal, sample_rate)
    if not math.isfinite(measured):
        return signal.astype(np.float32)
    gain_db = target - measured
    # the peaks of a scaled clip are the clip's peaks scaled: found once, whatever the gain
    peaks = _peak_per_sample(signal, sample_rate)
    made = limit(signal * gain_of(gain_db), sample_rate, peaks=peaks * gain_of(gain_db))
    if peaks.max() * gain_of(gain_db) <= gain_of(CEILING_DBTP):
        return made  # nothing was limited: it measures the target
    # the limiter takes a little loudness off the peaks: measured again, that much made up
    for _ in range(_MAKE_UP_ROUNDS):
        short = target - loudness(made, sample_rate)
        if abs(short) < _CLOSE_ENOUGH_LU:
            break
        gain_db += short
        made = limit(signal * gain_of(gain_db), sample_rate, peaks=peaks * gain_of(gain_db))
    return made


def normalise_int16(clip: Int16Array, sample_rate: int) -> Int16Array:
    """A speech clip as the bank keeps it: int16 at REFERENCE_LUFS under the ceiling."""
    if clip.size == 0:
        return clip
    levelled = normalise(clip.astype(np.float64) / 32768.0, sample_rate)
    pcm: Int16Array = np.clip(np.rint(levelled * 32768.0), -32768, 32767).astype(np.int16)
    return pcm


def limit(
    samples: Float32Array | Float64Array,
    sample_rate: int,
    ceiling_db: float = CEILING_DBTP,
    *,
    peaks: Float64Array | None = None,
) -> Float32Array:
    """The clip with its true peak at most `ceiling_db` dBTP; untouched where already under.

    Look-ahead gain riding: the gain each sample needs (from the oversampled peaks around it) is
    taken as the least over +/- 5 ms, then smoothed by a window of the same width, so the gain
    is never above what any sample within reach needs and never changes abruptly. A last check
    scales the whole clip down should the smoothed result still peak a hair over. `peaks`, when
    known, are `_peak_per_sample` of these samples.
    """
    signal = np.asarray(samples, dtype=np.float64)
    ceiling = gain_of(ceiling_db)
    if len(signal) == 0:
        return signal.astype(np.float32)
    if peaks is None:
        peaks = _peak_per_sample(signal, sample_rate)
    if peaks.max() <= ceiling:
        return signal.astype(np.float32)
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    radius = max(1, round(_LIMITER_SECONDS * sample_rate))
    gain = _smooth(_running_min(needed, radius), radius)
    limited = signal * gain
    over = true_peak(limited, sample_rate)
    if over > ceiling:
        limited *= ceiling / over
    return limited.astype(np.float32)


def _oversampled(samples: Float32Array | Float64Array, sample_rate: int) -> Float64Array:
    import soxr

    signal = np.asarray(samples, dtype=np.float64)
    # silence around it, so the resampler's filter rings out inside the array
    pad = np.zeros(64)
    made: Float64Array = soxr.resample(
        np.concatenate([pad, signal, pad]), sample_rate, sample_rate * _OVERSAMPLE, quality="HQ"
    )
    return made


def _peak_per_sample(signal: Float64Array, sample_rate: int) -> Float64Array:
    """For each sample, the largest oversampled magnitude within one sample of it.

    In chunks with context on both sides, so a long clip never needs its whole oversampled
    copy at once."""
    per_sample = np.empty(len(signal))
    for first in range(0, len(signal), _CHUNK):
        last = min(first + _CHUNK, len(signal))
        begin, end = max(0, first - _CONTEXT), min(len(signal), last + _CONTEXT)
        up = np.abs(_oversampled(signal[begin:end], sample_rate))
        offset = (64 + first - begin) * _OVERSAMPLE
        body = up[offset : offset + (last - first) * _OVERSAMPLE]
        per_sample[first:last] = body.reshape(last - first, _OVERSAMPLE).max(axis=1)
    # the stretch between two samples belongs to both
    neighbours = np.maximum(per_sample, np.concatenate([per_sample[1:], [0.0]]))
    result: Float64Array = np.maximum(neighbours, np.concatenate([[0.0], per_sample[:-1]]))
    return np.maximum(result, np.abs(signal))


def _running_min(values: Float64Array, radius: int) -> Float64Array:
    """Each value replaced by the least within +/- radius (1.0 beyond the ends: no limit needed).

    scipy's running minimum (van Herk/Gil-Werman, a few comparisons a sample); the values are
    only compared, never computed, so the result is exactly the least of each window."""
    from scipy.ndimage import minimum_filter1d  # scipy comes with pyloudnorm

    least: Float64Array = minimum_filter1d(values, size=2 * radius + 1, mode="constant", cval=1.0)
    return least


def _smooth(gain: Float64Array, radius: int) -> Float64Array:
    """Two moving averages of half the radius each (a triangle of +/- radius): never above the
    least within reach, which the running minimum put everywhere within reach."""
    half = max(1, radius // 2)
    smoothed = gain
    for _ in range(2):
        padded = np.concatenate([np.ones(half), smoothed, np.ones(half)])
        sums = np.concatenate([[0.0], np.cumsum(padded)])
        smoothed = (sums[2 * half + 1 :] - sums[: -2 * half - 1]) / (2 * half + 1)
    result: Float64Array = np.minimum(smoothed, gain)
    return result
