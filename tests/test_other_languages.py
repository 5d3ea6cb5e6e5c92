"""A routine in another language: the bundled German hip routine says no English word, keeps
the English routine's timing, and its export is spoken by the German voice."""

from __future__ import annotations

import dataclasses
import json
import re
import wave
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import voiceguide
from voiceguide.resources import bundled_scripts
from voiceguide.script.model import Phrases
from voiceguide.script.reader import load_routine

# the bundled routines' speech is made once per run, by whichever test asks first
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("bundled_routines_spoken")]

# German words spelled like a word of the English routine: "an die Wand", "den Arm", "das Band",
# "in", "leg dich", "eine Minute", "diese Routine", "im Stand"
GERMAN_TOO = {"an", "arm", "band", "in", "leg", "minute", "routine", "stand"}


def plan(name: str) -> dict[str, Any]:
    result = voiceguide("plan", name, "--json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", text.lower()))


def spoken_words(document: dict[str, Any]) -> set[str]:
    return set().union(*(words(event["text"]) for event in document["events"] if event["text"]))


def test_every_phrase_is_given_in_german() -> None:
    routine = load_routine(bundled_scripts()["hip-mobility-de"])
    english = Phrases()
    for field in dataclasses.fields(Phrases):
        assert getattr(routine.phrases, field.name) != getattr(english, field.name), field.name
    assert routine.settings.voice == "de"


def test_the_german_plan_says_no_english_word() -> None:
    german = plan("hip-mobility-de")
    english = plan("hip-mobility")
    phrase_words = set().union(
        *(words(re.sub(r"\{\w+\}", "", value)) for value in dataclasses.astuple(Phrases()))
    )
    english_words = (phrase_words | spoken_words(english)) - GERMAN_TOO
    said = spoken_words(german)
    assert said & english_words == set()
    # the phrases really were used, in every place the format speaks them
    assert {"übung", "satz", "pause", "seite", "linke", "rechte", "wiederholungen", "sekunden",
            "halbzeit", "brauchst", "etwa", "minuten", "und", "jede"} <= said
    counts = [event["text"] for event in german["events"] if event["cue"] == "count"]
    assert counts[:3] == ["1", "2", "3"]  # numbers: the German voice says them in German
    assert german["warnings"] == []


def test_the_german_routine_keeps_the_english_timing_of_the_work() -> None:
    def work(document: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (round(phase["end"] - phase["start"], 3), phase["set"], phase["side"], phase["reps"])
            for phase in document["phases"] if phase["kind"] == "work"
        ]

    assert work(plan("hip-mobility-de")) == work(plan("hip-mobility"))


def test_the_german_export_is_the_plan_spoken_by_the_german_voice(tmp_path: Path) -> None:
    document = plan("hip-mobility-de")
    assert document["voice"] == "German"
    result = voiceguide("export", "hip-mobility-de", "-o", "hueften.wav", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with wave.open(str(tmp_path / "hueften.wav")) as audio:
        assert audio.getframerate() == document["sample_rate"]
        assert audio.getnframes() == round(document["duration"] * document["sample_rate"])
        rate = audio.getframerate()
        title = next(event for event in document["events"] if event["cue"] == "title")
        audio.setpos(round(title["start"] * rate))
        frames = audio.readframes(round((title["end"] - title["start"]) * rate))
    # the German title is heard where the plan puts it
    samples = memoryview(frames).cast("h")
    assert max(abs(value) for value in samples) > 3000
    assert document["title"] == "Hüftmobilität für Läufer"
