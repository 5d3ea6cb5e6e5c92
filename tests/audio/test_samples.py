"""The one resampler and its length rule: round(n x to / from), a half rounding up."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from voiceguide.audio.samples import int16_to_float, resample, resampled_length

RATES = [8000, 16000, 22050, 32000, 44100, 48000]


def rule(frames: int, from_rate: int, to_rate: int) -> int:
    """The rule in exact arithmetic, written out independently of the code."""
    exact = Fraction(frames * to_rate, from_rate)
    whole = int(exact)
    return whole + 1 if exact - whole >= Fraction(1, 2) else whole


@pytest.mark.parametrize(
    ("frames", "from_rate", "to_rate", "length"),
    [
        (2080, 48000, 22050, 956),  # 955.5: a half rounds up (soxr alone gives 955)
        (11025, 44100, 22050, 5513),  # 5512.5
        (1, 44100, 22050, 1),  # 0.5 rounds up
        (1, 48000, 22050, 0),  # 0.459 rounds down
        (0, 22050, 44100, 0),
        (1000, 22050, 44100, 2000),
        (147, 22050, 48000, 320),
    ],
)
def test_the_length_rule_pinned(frames: int, from_rate: int, to_rate: int, length: int) -> None:
    assert resampled_length(frames, from_rate, to_rate) == length
    assert rule(frames, from_rate, to_rate) == length


def test_resample_gives_the_rule_s_length_for_every_pair_and_many_lengths() -> None:
    rng = np.random.default_rng(7)
    for from_rate in RATES:
        for to_rate in RATES:
            for frames in [0, 1, 2, 3, 7, 147, 160, 441, 2080, 4410, *rng.integers(1, 9000, 12)]:
                signal = (rng.standard_normal(int(frames)) * 0.1).astype(np.float32)
                out = resample(signal, from_rate, to_rate)
                assert out.dtype == np.float32
                assert len(out) == resampled_length(int(frames), from_rate, to_rate) == rule(
                    int(frames), from_rate, to_rate
                ), (frames, from_rate, to_rate)


def test_equal_rates_keep_the_samples_exactly() -> None:
    signal = np.array([0.0, 0.5, -1.0, 0.25], dtype=np.float32)
    assert resample(signal, 22050, 22050).tolist() == signal.tolist()


def test_a_tone_keeps_its_pitch_and_level() -> None:
    t = np.arange(44100) / 44100
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    out = resample(tone, 44100, 22050)
    spectrum = np.abs(np.fft.rfft(out))
    assert np.fft.rfftfreq(len(out), 1 / 22050)[np.argmax(spectrum)] == pytest.approx(1000, abs=1)
    assert float(np.abs(out[1000:-1000]).max()) == pytest.approx(0.5, abs=0.01)


def test_the_filter_s_overshoot_is_clipped_to_full_scale() -> None:
    square = np.tile(np.repeat(np.array([1.0, -1.0], dtype=np.float32), 20), 500)
    import soxr

    assert float(np.abs(soxr.resample(square, 44100, 48000, quality="HQ")).max()) > 1.05
    out = resample(square, 44100, 48000)
    assert float(out.max()) == 1.0 and float(out.min()) == -1.0


def test_int16_maps_to_minus_one_up_to_just_under_one() -> None:
    values = np.array([-32768, -16384, 0, 16384, 32767], dtype=np.int16)
    assert int16_to_float(values).tolist() == [-1.0, -0.5, 0.0, 0.5, 32767 / 32768]


def test_a_rate_of_zero_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="sample rates must be positive"):
        resampled_length(10, 0, 22050)
