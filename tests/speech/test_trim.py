"""Trimming speech clips: the engine's silence cut, a faded margin kept, the onset untouched."""

from __future__ import annotations

import numpy as np

from voiceguide.speech.trim import LEAD_SECONDS, TAIL_SECONDS, trim_silence


def tone(frames: int, rate: int = 22050, pitch: float = 220.0) -> np.ndarray:
    t = np.arange(frames) / rate
    return np.round(np.sin(2 * np.pi * pitch * t) * 12000).astype(np.int16)


def test_trim_keeps_a_faded_margin_and_never_cuts_the_onset() -> None:
    rate = 22050
    silence = np.zeros(rate // 2, dtype=np.int16)
    sound = tone(rate // 4, rate)
    trimmed = trim_silence(np.concatenate([silence, sound, silence]), rate)
    lead, tail = round(LEAD_SECONDS * rate), round(TAIL_SECONDS * rate)
    assert len(trimmed) == len(sound) + lead + tail - 1  # sound's first sample is 0 (sin 0)
    assert trimmed[0] == 0 and trimmed[-1] == 0
    assert np.array_equal(trimmed[lead : lead + 200], sound[1:201])  # the onset is untouched


def test_trim_fades_a_clip_that_starts_and_ends_loud() -> None:
    loud = np.full(2000, 20000, dtype=np.int16)
    trimmed = trim_silence(loud, 22050)
    assert len(trimmed) == 2000 and trimmed[0] == 0 and trimmed[-1] == 0
    fade = round(0.001 * 22050)
    assert np.all(np.diff(trimmed[:fade].astype(int)) >= 0) and trimmed[fade] == 20000


def test_trim_of_silence_is_empty_and_of_nothing_is_nothing() -> None:
    assert len(trim_silence(np.zeros(5000, dtype=np.int16), 22050)) == 0
    assert len(trim_silence(np.full(5000, 3, dtype=np.int16), 22050)) == 0  # below the floor
    assert len(trim_silence(np.zeros(0, dtype=np.int16), 22050)) == 0


def test_trim_leaves_the_clip_it_was_given_alone() -> None:
    clip = np.concatenate([np.zeros(500, dtype=np.int16), tone(2000), np.zeros(500, np.int16)])
    before = clip.copy()
    trim_silence(clip, 22050)
    assert np.array_equal(clip, before)
