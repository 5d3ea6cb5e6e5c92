"""The sequencer's prepare time, wait holds, side words, switch in block order and rep counts at
any tempo, with a fake speech measure (fast). The bundled hip routine with the real engine:
tests/test_hip_routine_as_heard.py."""

from __future__ import annotations

import re

import pytest

from tests.support.timeline_helpers import RATE, SOUNDS, fake_measure, move, routine
from voiceguide.errors import ScriptError
from voiceguide.resources import bundled_scripts
from voiceguide.script.model import Phrases, Settings
from voiceguide.script.reader import load_routine
from voiceguide.sequencer import build_timeline
from voiceguide.timeline import Event, Phase, Timeline


def build(r: object) -> Timeline:
    return build_timeline(r, fake_measure, SOUNDS, RATE)  # type: ignore[arg-type]


def windows(timeline: Timeline) -> list[Phase]:
    return [phase for phase in timeline.phases if phase.kind == "window"]


def inside(timeline: Timeline, phase: Phase) -> list[Event]:
    return [event for event in timeline.events if phase.start <= event.start < phase.end]


def said(timeline: Timeline, phase: Phase) -> list[str]:
    return [event.text for event in inside(timeline, phase) if event.text]


def two_moves(**second: object) -> Timeline:
    return build(routine(move(), move(name="Fire hydrant", **second)))


def test_a_prepare_time_comes_before_the_announcement_with_its_words_and_a_reminder() -> None:
    timeline = two_moves(prepare=30.0, equipment=("the band",))
    window = windows(timeline)[1]
    assert said(timeline, window)[:7] == [
        "Rest.",
        "Get the band.",
        "Take 30 seconds.",
        "10 seconds left.",
        "Move 2 of 2.",
        "Fire hydrant.",
        "One set of 30 seconds.",
    ]
    events = {event.text: event for event in inside(timeline, window) if event.text}
    # 30 s from the end of "Take 30 seconds." to the announcement; the reminder 10 s before
    announce = events["Move 2 of 2."].start
    assert announce - events["Take 30 seconds."].end == 30 * RATE
    assert announce - events["10 seconds left."].start == 10 * RATE
    assert [event.role for event in inside(timeline, window)][2:5] == [
        "prepare", "prepare", "prepare"
    ]
    # asked for on top of the announcement: the rest does not grow, so no warning
    assert timeline.warnings == ()
    assert timeline.holds == ()  # no wait: live play plays it as exported


def test_without_equipment_a_prepare_says_get_ready_and_a_short_one_reminds_at_5_s() -> None:
    timeline = two_moves(prepare=12.0)
    texts = said(timeline, windows(timeline)[1])
    assert texts[1:4] == ["Get ready for the next move.", "Take 12 seconds.", "5 seconds left."]
    short = two_moves(prepare=4.0)
    assert said(short, windows(short)[1])[1:4] == [
        "Get ready for the next move.", "Take 4 seconds.", "Move 2 of 2."
    ]


def test_a_prepare_comes_before_the_moves_first_phase_only_in_every_round() -> None:
    r = routine(
        move(), move(name="Lunge", prepare=20.0, sets=2, sides="each"),
        settings=Settings(rest_between_rounds=30.0), rounds=2,
    )
    timeline = build(r)
    prepared = [w.move for w in windows(timeline) if "Take 20 seconds." in said(timeline, w)]
    assert prepared == ["Lunge", "Lunge"]  # once a round, never between its sets or sides


def one_of_each(phrases: Phrases | None = None) -> list[str]:
    """Everything said in a session whose every number is 1: a hold of 1 s after a prepare
    time of 1 s, and one set of 1 rep."""
    one = routine(
        move(),
        move(name="Plank", duration=1.0, prepare=1.0),
        move(name="Squat", reps=1, tempo=(2.0, 1.0)),
        phrases=phrases or Phrases(),
        settings=Settings(final_countdown=0, halfway=False),
    )
    return [event.text for event in build(one).events if event.text]


def test_one_second_and_one_rep_are_said_in_the_singular() -> None:
    texts = one_of_each()
    assert "Take 1 second." in texts
    assert "One set of 1 second." in texts
    assert "One set of 1 rep." in texts
    assert [text for text in texts if re.search(r"\b1 [a-z]+s\b", text)] == []


def test_one_second_is_said_in_the_singular_in_german_too() -> None:
    german = load_routine(bundled_scripts()["hip-mobility-de"]).phrases
    texts = one_of_each(german)
    assert "Nimm dir 1 Sekunde." in texts
    assert "Ein Satz mit 1 Sekunde." in texts
    assert "Ein Satz mit 1 Wiederholung." in texts
    plural_of_one = r"\b1 (Sekunden|Minuten|Wiederholungen)\b"
    assert [text for text in texts if re.search(plural_of_one, text)] == []


def test_a_wait_move_holds_live_after_its_announcement_and_exports_its_prepare() -> None:
    timeline = two_moves(prepare=30.0, wait=True)
    window = windows(timeline)[1]
    (hold,) = timeline.holds
    events = inside(timeline, window)
    rest, take = events[1], next(e for e in events if e.text == "Take 30 seconds.")
    announcement = [e for e in events if e.role == "announce"]
    ticks = [e for e in events if e.role == "tick"]
    # live play leaves out the prepare time after "Rest." and holds before the countdown
    assert hold.skip_from == rest.end + round(0.3 * RATE)
    assert hold.skip_to == announcement[0].start > take.end
    assert announcement[-1].end < hold.at < ticks[0].start


def test_a_move_gives_its_own_words_for_each_side() -> None:
    timeline = build(routine(move(
        sides="each", left="Right side down, left leg on top.",
        right="Left side down, right leg on top.",
    )))
    assert said(timeline, windows(timeline)[0])[-1] == "Right side down, left leg on top."
    assert said(timeline, windows(timeline)[1])[-1] == "Left side down, right leg on top."


def test_the_default_side_words_name_the_working_leg() -> None:
    assert (Phrases().left, Phrases().right) == ("Left leg.", "Right leg.")
    timeline = build(routine(move(sides="right")))
    assert said(timeline, windows(timeline)[0])[-1] == "Right leg."


def test_block_order_says_the_switch_when_the_second_side_begins() -> None:
    timeline = build(routine(move(sets=2, sides="each", side_order="block", switch="Roll over.")))
    texts = [said(timeline, window) for window in windows(timeline)]
    # left 1, left 2, right 1, right 2
    assert texts[1] == ["Rest.", "Set 2 of 2.", "Left leg."]
    assert texts[2] == ["Rest.", "Set 1 of 2.", "Roll over.", "Right leg."]
    assert texts[3] == ["Rest.", "Set 2 of 2.", "Right leg."]
    switch = [e for e in inside(timeline, windows(timeline)[2]) if e.text == "Roll over."]
    assert switch[0].role == "switch"
    # without a switch text of its own: the phrase
    default = build(routine(move(sets=2, sides="each", side_order="block")))
    assert "Switch sides." in said(default, windows(default)[2])


def test_alternate_order_between_sets_stays_as_it_was() -> None:
    timeline = build(routine(move(sets=2, sides="each", switch="Roll over.")))
    assert said(timeline, windows(timeline)[2]) == ["Rest.", "Set 2 of 2.", "Left leg."]


@pytest.mark.parametrize("tempo", [(1.0, 2.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0), (2.0,)])
def test_every_rep_is_counted_at_a_fast_first_tempo_phase(tempo: tuple[float, ...]) -> None:
    timeline = build(routine(move(reps=5, sets=2, tempo=tempo)))
    for work in [phase for phase in timeline.phases if phase.kind == "work"]:
        counts = [e.text for e in inside(timeline, work) if e.role == "count"]
        assert counts == ["1", "2", "3", "4", "5"]
    assert timeline.warnings == ()


def test_a_count_that_cannot_fit_its_rep_refuses_the_script_with_the_fix() -> None:
    # fake speech: 0.35 s a word and more; "1" after the go beep and a long gap overruns 1 s
    r = routine(move(reps=20, tempo=(1.0,)), settings=Settings(gap=0.5, get_ready=5.0))
    with pytest.raises(ScriptError) as error:
        build(r)
    message = str(error.value)
    assert message.startswith('test.toml: move 1 "Clamshell": the count of rep ')
    assert message.endswith(
        "does not fit in its rep of 1 s at this speech rate: make the tempo slower "
        "(e.g. tempo = 2), or set count_reps = false"
    )
    r = routine(move(reps=20, tempo=(1.0, 0.0)), settings=Settings(gap=0.5))
    with pytest.raises(ScriptError, match=r'\(e\.g\. tempo = "2-0"\)'):
        build(r)
    # without counts it plays
    quiet = routine(move(reps=20, tempo=(1.0,)), settings=Settings(gap=0.5, count_reps=False))
    assert build(quiet).warnings == ()
