"""`rate` is words a minute as a listener counts them: the calibration and the real pace."""

from __future__ import annotations

import sys

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser before Python 3.11
    import tomli as tomllib

from voiceguide.resources import scripts_dir
from voiceguide.speech.pyttsx3_engine import (
    CALIBRATION_TEXTS,
    ESPEAK_PACE,
    Pyttsx3Engine,
    espeak_rate,
    measured_pace,
)
from voiceguide.speech.trim import trim_silence


def setup_phrases() -> list[str]:
    """The setup texts of the bundled English routines: instructions a listener must follow."""
    texts = []
    for name in ("hip-mobility", "seven-minute"):
        with (scripts_dir() / f"{name}.toml").open("rb") as script:
            texts += [move["setup"] for move in tomllib.load(script)["move"] if "setup" in move]
    assert len(texts) >= 4
    return texts


def words_a_minute(engine: Pyttsx3Engine, texts: list[str], wpm: int) -> float:
    """Words divided by the seconds of speech, each clip's leading and trailing silence cut."""
    seconds = sum(len(trim_silence(clip, rate)) / rate for clip, rate in
                  engine.synthesize(texts, None, wpm))
    return sum(len(text.split()) for text in texts) / seconds * 60


def test_the_native_rate_of_each_measured_pace_is_the_one_that_gave_it() -> None:
    for native, heard in ESPEAK_PACE:
        assert espeak_rate(round(heard)) == pytest.approx(native, abs=1)


def test_faster_listener_paces_never_get_a_slower_native_rate() -> None:
    natives = [espeak_rate(wpm) for wpm in range(80, 401)]
    assert natives == sorted(natives)
    # espeak-ng speaks no slower than at 80: slower asks get its slowest
    assert espeak_rate(80) == 80
    assert espeak_rate(150) < 150  # espeak-ng's own number runs faster than it says


@pytest.mark.slow
def test_setup_phrases_at_rate_150_measure_150_words_a_minute_within_10_percent() -> None:
    pace = words_a_minute(Pyttsx3Engine(), setup_phrases(), 150)
    assert 135 <= pace <= 165, pace


@pytest.mark.slow
def test_setup_phrases_follow_the_rate_asked_for() -> None:
    engine = Pyttsx3Engine()
    texts = setup_phrases()
    for wpm in (110, 220):
        assert words_a_minute(engine, texts, wpm) == pytest.approx(wpm, rel=0.1)


@pytest.mark.slow
def test_the_calibration_is_what_espeak_ng_measures_today() -> None:
    """The recorded table against a new measurement of two of its points (same command)."""
    table = dict(ESPEAK_PACE)
    for native, pace in measured_pace(Pyttsx3Engine(), [130, 200]):
        assert pace == pytest.approx(table[native], rel=0.03)
    assert len(CALIBRATION_TEXTS) == 4
