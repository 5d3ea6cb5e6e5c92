"""Trimming speech clips: the engine's leading and trailing silence cut, a faded margin kept.

Engines pad their clips with silence of their own choosing (espeak-ng ends on a long pause);
the timeline places speech by its sound, so the padding goes before a clip is measured or cached.
"""

from __future__ import annotations

import numpy as np

from voiceguide.audio.samples import Float64Array, Int16Array

# A sample counts as sound above this share of the clip's peak (and above a floor, so dither or
# a near-silent clip is not mistaken for speech).
_SOUND_SHARE = 0.01
_SOUND_FLOOR = 16
# Kept around the sound, so no onset or release is cut; these margins are faded to zero so the
# clip starts and ends without a click.
LEAD_SECONDS = 0.005
TAIL_SECONDS = 0.015
MIN_FADE_SECONDS = 0.001


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


def _ramp(length: int) -> Float64Array:
    return 0.5 - 0.5 * np.cos(np.pi * np.arange(length) / length)
