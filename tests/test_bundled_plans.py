"""The bundled routines, planned with the real speech engine (pyttsx3 over espeak-ng)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.cli import voiceguide

# the bundled routines' speech is made once per run, by whichever test asks first
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("bundled_routines_spoken")]


def plan(name: str, *extra: str) -> dict[str, Any]:
    result = voiceguide("plan", name, "--json", *extra)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warning
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def work_phases(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [phase for phase in document["phases"] if phase["kind"] == "work"]


def frames(seconds: float, rate: int) -> int:
    return round(seconds * rate)


@pytest.mark.parametrize(
    ("name", "phases", "seconds", "first_go_to_last_end"),
    [("seven-minute", 12, 30, 470), ("tabata", 8, 20, 230)],
)
def test_interval_routines_keep_their_exact_timing(
    name: str, phases: int, seconds: int, first_go_to_last_end: int
) -> None:
    document = plan(name)
    rate = document["sample_rate"]
    works = work_phases(document)
    assert len(works) == phases
    for phase in works:
        assert frames(phase["end"], rate) - frames(phase["start"], rate) == seconds * rate
    span = frames(works[-1]["end"], rate) - frames(works[0]["start"], rate)
    assert span == first_go_to_last_end * rate
    assert document["warnings"] == []


def test_hip_routine_plan_follows_the_physiotherapists_sheet() -> None:
    document = plan("hip-mobility")
    assert document["warnings"] == []
    works = work_phases(document)
    # clamshell 2 sets x 2 sides, bridge 2 sets, fire hydrant 2 sides, lunge 2 sets x 2 sides
    assert [(w["move"], w["set"], w["side"]) for w in works] == [
        ("Side-lying clamshell", 1, "left"),
        ("Side-lying clamshell", 1, "right"),
        ("Side-lying clamshell", 2, "left"),
        ("Side-lying clamshell", 2, "right"),
        ("Glute bridge", 1, None),
        ("Glute bridge", 2, None),
        ("Standing banded fire hydrant", 1, "left"),
        ("Standing banded fire hydrant", 1, "right"),
        ("Wall lunge with foam roller", 1, "left"),
        ("Wall lunge with foam roller", 1, "right"),
        ("Wall lunge with foam roller", 2, "left"),
        ("Wall lunge with foam roller", 2, "right"),
    ]
    said = [e["text"] for e in document["events"] if e["kind"] == "speech"]
    assert said[0] == "Hip mobility for runners"
    assert said[1].startswith("Four moves for stable hips. The two standing moves")
    assert said[2] == (
        "You will need: an exercise mat (or towels or a blanket), a resistance band, a foam "
        "roller (or a firm cushion) and a clear bit of wall."
    )
    hydrant = said.index("Move 3 of 4.")
    assert said[hydrant - 4 : hydrant + 4] == [
        "Rest.",
        "Get the resistance band.",
        "Take 30 seconds.",
        "10 seconds left.",
        "Move 3 of 4.",
        "Standing banded fire hydrant.",
        "One set of 30 seconds, each side.",
        "You need the resistance band.",
    ]
    assert said[hydrant + 4].startswith("Loop the band just above your knees")
    assert said[hydrant + 5] == "Left leg works: left foot against the wall."
    assert "Change legs: press the other foot back against the wall." in said
    assert "Keep the hips level." in said
    assert said[-1] == "That's all four moves. Well done. Walk around for a minute before your run."
    # the hydrant holds: halfway and the cue 10 s before the end, in each side's 30 s
    hydrant_works = [w for w in works if w["move"] == "Standing banded fire hydrant"]
    for work in hydrant_works:
        inside = {
            e["text"]: e["start"] - work["start"]
            for e in document["events"]
            if work["start"] <= e["start"] < work["end"] and e["kind"] == "speech"
        }
        expected = {
            "Knee out against the band, and hold.": 3.0,
            "Halfway.": 15.0,
            "Keep the hips level.": 20.0,
        }
        assert inside == pytest.approx(expected, abs=1e-4)


def test_speech_lengths_in_the_plan_match_the_synthesized_audio_to_the_frame() -> None:
    import voiceguide

    session = voiceguide.load("hip-mobility")
    for event in session.timeline.events:
        if event.kind == "speech":
            assert event.text is not None
            clip = session.clips.speech(event.text)
            assert event.end - event.start == len(clip), event.text


def test_plan_table_reads_as_a_session() -> None:
    result = voiceguide("plan", "hip-mobility")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Hip mobility for runners: ")
    assert any("work    Move 3 Standing banded fire hydrant, set 1, left (30 s)" in line
               for line in lines)
    assert any('"Move 2 of 4."' in line for line in lines)
    assert any("[go]" in line for line in lines)
