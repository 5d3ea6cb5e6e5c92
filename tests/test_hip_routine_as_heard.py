"""The bundled hip routine read the way a patient hears it: its plan, made with the real speech
engine, English and German alike.

What a physiotherapist would check: the fire hydrant says what to do, no cue asks to turn around
while the wall must stay behind, every move that needs equipment leaves 30 s or more to fetch it
before its go beep, the sides name the working leg, and the intro says which moves come from the
physiotherapist's sheet and which are stand-ins, and when to stop.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.cli import voiceguide

# the bundled routines' speech is made once per run, by whichever test asks first
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("bundled_routines_spoken")]

HYDRANT = {"hip-mobility": "Standing banded fire hydrant",
           "hip-mobility-de": "Feuerhydrant im Stand mit Band"}
EQUIPMENT_MOVES = {
    "hip-mobility": ["Standing banded fire hydrant", "Wall lunge with foam roller"],
    "hip-mobility-de": ["Feuerhydrant im Stand mit Band",
                        "Ausfallschritt zur Wand mit Faszienrolle"],
}


def plan(name: str) -> dict[str, Any]:
    result = voiceguide("plan", name, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    document: dict[str, Any] = json.loads(result.stdout)
    assert document["warnings"] == []
    return document


@pytest.fixture(scope="module", params=["hip-mobility", "hip-mobility-de"])
def heard(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, plan(request.param)


def speech(document: dict[str, Any], move: str | None = None) -> list[dict[str, Any]]:
    return [
        event for event in document["events"]
        if event["kind"] == "speech" and (move is None or event["move"] == move)
    ]


def windows_before_work(
    document: dict[str, Any], move: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    phases = document["phases"]
    return [
        (phases[index - 1], phase) for index, phase in enumerate(phases)
        if phase["kind"] == "work" and phase["move"] == move
    ]


def test_the_fire_hydrant_says_what_to_do(heard: tuple[str, dict[str, Any]]) -> None:
    name, document = heard
    hydrant = HYDRANT[name]
    action = {
        "hip-mobility": ("open the working knee out to the side against the band, and hold it "
                         "there", "Keep the standing knee soft.", "hips level"),
        "hip-mobility-de": ("drück das Knie des Arbeitsbeins gegen das Band zur Seite auf und "
                            "halte es dort", "Das Standbein bleibt leicht gebeugt.",
                            "die Hüfte gerade"),
    }[name]
    (window, work), (_, second) = windows_before_work(document, hydrant)
    announced = " ".join(
        event["text"] for event in speech(document, hydrant)
        if window["start"] <= event["start"] < window["end"]
    )
    for words in action:
        assert words in announced
    # and inside every 30 s hold, right after the go: the action in a few words
    cue = {"hip-mobility": "Knee out against the band, and hold.",
           "hip-mobility-de": "Knie gegen das Band nach außen, und halten."}[name]
    for phase in (work, second):
        inside = [
            event for event in speech(document, hydrant)
            if phase["start"] <= event["start"] < phase["end"] and event["text"] == cue
        ]
        assert len(inside) == 1 and inside[0]["start"] - phase["start"] < 5


def test_nothing_asks_to_turn_around_while_the_wall_is_behind(
    heard: tuple[str, dict[str, Any]]
) -> None:
    name, document = heard
    said = " ".join(event["text"] for event in speech(document)).casefold()
    for words in ("turn around", "dreh dich um", "umdrehen"):
        assert words not in said
    switch = [event["text"] for event in speech(document, HYDRANT[name])
              if event["cue"] == "switch"]
    assert switch == [{
        "hip-mobility": "Change legs: press the other foot back against the wall.",
        "hip-mobility-de": "Beinwechsel: Drück den anderen Fuß nach hinten gegen die Wand.",
    }[name]]


def test_thirty_seconds_or_more_to_fetch_the_equipment_before_its_go_beep(
    heard: tuple[str, dict[str, Any]]
) -> None:
    name, document = heard
    for move in EQUIPMENT_MOVES[name]:
        window, work = windows_before_work(document, move)[0]
        inside = [
            event for event in document["events"]
            if window["start"] <= event["start"] < work["start"]
        ]
        # from the end beep of the move before to the go beep: the time free of speech and
        # beeps
        sounding = sum(event["end"] - event["start"] for event in inside)
        free = work["start"] - window["start"] - sounding
        assert free >= 30, (move, free)
        said = [event["text"] for event in inside if event["cue"] == "prepare"]
        assert said[1] == {"hip-mobility": "Take 30 seconds.",
                           "hip-mobility-de": "Nimm dir 30 Sekunden."}[name]
        assert said[0] in {
            "hip-mobility": ["Get the resistance band.", "Get the foam roller."],
            "hip-mobility-de": ["Hol das Widerstandsband.", "Hol die Faszienrolle."],
        }[name]
        # the reminder comes 10 s before the prepare time ends: at the announcement
        reminder = next(event for event in inside if event["cue"] == "prepare"
                        and event["text"] in ("10 seconds left.", "Noch 10 Sekunden."))
        take = next(event for event in inside if event["text"] == said[1])
        announce = next(event for event in inside if event["cue"] == "announce")
        assert announce["start"] - take["end"] == pytest.approx(30, abs=0.01)
        assert announce["start"] - reminder["start"] == pytest.approx(10, abs=0.01)


def test_the_intro_says_where_the_moves_come_from_and_when_to_stop(
    heard: tuple[str, dict[str, Any]]
) -> None:
    name, document = heard
    intro = " ".join(event["text"] for event in speech(document) if event["move"] is None)
    if name == "hip-mobility":
        assert ("The two standing moves, the banded fire hydrant and the wall lunge, come from "
                "the physiotherapist's sheet.") in intro
        assert ("The two floor moves, the clamshell and the glute bridge, are stand-ins chosen "
                "for this routine") in intro
        assert "if a move hurts, stop it" in intro
        assert "an exercise mat (or towels or a blanket)" in intro
        assert "a foam roller (or a firm cushion)" in intro
    else:
        assert "stammen vom Übungsblatt der Physiotherapeutin" in intro
        assert "die Muschel und das Beckenheben, sind Platzhalter" in intro
        assert "Wenn eine Übung wehtut, hör auf" in intro
        assert "eine Gymnastikmatte (oder Handtücher oder eine Decke)" in intro
        assert "eine Faszienrolle (oder ein festes Kissen)" in intro


def test_the_sides_name_the_working_leg(heard: tuple[str, dict[str, Any]]) -> None:
    name, document = heard
    said = {event["text"] for event in speech(document) if event["cue"] == "announce"}
    expected = {
        "hip-mobility": {"Right side down, left leg on top.", "Left side down, right leg on top.",
                         "Left leg works: left foot against the wall.",
                         "Right leg works: right foot against the wall.",
                         "Left foot in front.", "Right foot in front."},
        "hip-mobility-de": {"Rechte Seite unten, linkes Bein oben.",
                            "Linke Seite unten, rechtes Bein oben.",
                            "Linkes Bein arbeitet, linker Fuß an die Wand.",
                            "Rechtes Bein arbeitet, rechter Fuß an die Wand.",
                            "Linker Fuß vorn.", "Rechter Fuß vorn."},
    }[name]
    assert expected <= said
    assert not said & {"Left side.", "Right side.", "Linke Seite.", "Rechte Seite."}


def test_every_rep_is_counted(heard: tuple[str, dict[str, Any]]) -> None:
    _, document = heard
    for phase in document["phases"]:
        if phase["kind"] == "work" and phase["reps"]:
            counts = [
                event["text"] for event in document["events"]
                if event["cue"] == "count" and phase["start"] <= event["start"] < phase["end"]
            ]
            assert counts == [str(n) for n in range(1, phase["reps"] + 1)]
