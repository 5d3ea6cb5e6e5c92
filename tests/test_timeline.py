"""The sequencer against the rules of section 3, with a fake speech measure (fast)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.timeline_helpers import RATE, SOUNDS, fake_measure, move, routine
from voiceguide.errors import ScriptError
from voiceguide.script.model import Cue, Settings
from voiceguide.sequencer import build_timeline, spoken_texts
from voiceguide.timeline import Timeline
from voiceguide.units import format_length


def build(r: object, measure: object = fake_measure) -> Timeline:
    return build_timeline(r, measure, SOUNDS, RATE)  # type: ignore[arg-type]


def works(timeline: Timeline) -> list:
    return [phase for phase in timeline.phases if phase.kind == "work"]


def spoken(timeline: Timeline) -> list[str]:
    return [event.text for event in timeline.events if event.kind == "speech"]


def test_intro_starts_after_lead_in_and_speaks_title_intro_equipment_and_length() -> None:
    timeline = build(
        routine(move(), intro="Breathe.", equipment=("a mat", "a band", "a roller"))
    )
    first = timeline.events[0]
    assert first.start == RATE  # lead_in 1 s
    assert spoken(timeline)[:4] == [
        "Test routine",
        "Breathe.",
        "You will need: a mat, a band and a roller.",
        "About 1 minute.",
    ]
    assert timeline.phases[0].kind == "intro" and timeline.phases[0].start == 0


def test_about_minutes_matches_the_real_length() -> None:
    long_hold = move(duration=600.0)
    timeline = build(routine(long_hold))
    minutes = round(timeline.duration / RATE / 60)
    assert f"About {minutes} minutes." in spoken(timeline)


def test_first_window_is_announcement_plus_get_ready() -> None:
    timeline = build(routine(move(setup="Lie on your side.")))
    window = timeline.phases[1]
    assert window.kind == "window"
    announce = [e for e in timeline.events if window.start <= e.start < window.end]
    speech = [e for e in announce if e.kind == "speech"]
    assert [e.text for e in speech] == [
        "Move 1 of 1.",
        "Clamshell.",
        "One set of 30 seconds.",
        "Lie on your side.",
    ]
    assert window.end - speech[-1].end == 5 * RATE  # get_ready
    ticks = [e.start for e in announce if e.role == "tick"]
    assert ticks == [window.end - 3 * RATE, window.end - 2 * RATE, window.end - RATE]


def test_work_phase_lasts_exactly_its_duration_between_go_and_end_onsets() -> None:
    timeline = build(routine(move(duration=2.5 * 12), move(reps=7, tempo=(2.0, 1.0, 2.0))))
    first, second = works(timeline)
    assert first.end - first.start == round(30.0 * RATE)
    assert second.end - second.start == 7 * 5 * RATE
    for phase in (first, second):
        go = [e for e in timeline.events if e.start == phase.start and e.kind == "beep"]
        end = [e for e in timeline.events if e.start == phase.end and e.kind == "beep"]
        assert [e.role for e in go] == ["go"] and [e.role for e in end] == ["end"]


def test_timed_phase_final_countdown_halfway_and_cues() -> None:
    hold = move(duration=30.0, cues=(Cue("-10s", "end", 10.0, "Keep the hips level."),))
    timeline = build(routine(hold))
    (work,) = works(timeline)
    inside = [e for e in timeline.events if work.start <= e.start < work.end]
    at = {(e.role, e.text): (e.start - work.start) / RATE for e in inside}
    assert at[("halfway", "Halfway.")] == 15.0
    assert at[("cue", "Keep the hips level.")] == 20.0
    ticks = sorted((e.start - work.start) / RATE for e in inside if e.role == "tick")
    assert ticks == [27.0, 28.0, 29.0]


def test_no_halfway_under_twenty_seconds() -> None:
    timeline = build(routine(move(duration=19.0)))
    assert "Halfway." not in spoken(timeline)


def test_rep_phase_counts_every_rep_and_ticks_each_later_tempo_phase() -> None:
    timeline = build(routine(move(reps=3, tempo=(2.0, 1.0, 2.0))))
    (work,) = works(timeline)
    inside = [e for e in timeline.events if work.start <= e.start < work.end]
    counts = [(e.text, e.start - work.start) for e in inside if e.role == "count"]
    go_end = SOUNDS["go"] + round(0.3 * RATE)
    assert counts == [("1", go_end), ("2", 5 * RATE), ("3", 10 * RATE)]
    ticks = [(e.start - work.start) / RATE for e in inside if e.role == "rep"]
    assert ticks == [2.0, 3.0, 7.0, 8.0, 12.0, 13.0]


def test_sides_alternate_and_block_orders() -> None:
    alternate = build(routine(move(sets=2, sides="each")))
    block = build(routine(move(sets=2, sides="each", side_order="block")))
    assert [(p.set, p.side) for p in works(alternate)] == [
        (1, "left"), (1, "right"), (2, "left"), (2, "right")
    ]
    assert [(p.set, p.side) for p in works(block)] == [
        (1, "left"), (2, "left"), (1, "right"), (2, "right")
    ]


def _window_texts(timeline: Timeline, index: int) -> list[str]:
    window = [p for p in timeline.phases if p.kind == "window"][index]
    return [
        e.text for e in timeline.events
        if window.start <= e.start < window.end and e.kind == "speech" and e.text
    ]


def test_announcements_between_sides_sets_moves_and_rounds() -> None:
    settings = Settings(rest_between_sides=20.0, rest_between_rounds=60.0)
    r = routine(
        move(sets=2, sides="each", switch="Roll over."),
        move(name="Bridge"),
        settings=settings,
        rounds=2,
    )
    timeline = build(r)
    assert _window_texts(timeline, 0)[:3] == ["Round 1 of 2.", "Move 1 of 2.", "Clamshell."]
    assert _window_texts(timeline, 1) == ["Roll over.", "Right leg."]
    assert _window_texts(timeline, 2) == ["Rest.", "Set 2 of 2.", "Left leg."]
    assert _window_texts(timeline, 4)[:3] == ["Rest.", "Move 2 of 2.", "Bridge."]
    assert _window_texts(timeline, 5)[:3] == ["Rest.", "Round 2 of 2.", "Move 1 of 2."]


def test_only_the_largest_rest_applies() -> None:
    settings = Settings(rest_between_moves=40.0, rest_between_sets=30.0, rest_between_sides=25.0,
                        rest_between_rounds=90.0)
    r = routine(move(sets=2, sides="each"), move(name="Bridge"), settings=settings, rounds=2)
    r = replace(r, moves=tuple(replace(m, rest_between_sets=30.0, rest_between_sides=25.0,
                                       rest_after=40.0) for m in r.moves))
    timeline = build(r)
    windows = [p for p in timeline.phases if p.kind == "window"][1:]
    lengths = [(w.end - w.start) / RATE for w in windows]
    # side, set, side, move, round, side, set, side, move
    assert lengths == [25.0, 30.0, 25.0, 40.0, 90.0, 25.0, 30.0, 25.0, 40.0]
    assert timeline.warnings == ()


def test_a_rest_too_short_for_its_announcement_grows_with_a_warning() -> None:
    short = Settings(rest_between_sides=2.0)
    r = routine(move(sides="each", rest_between_sides=2.0), settings=short)
    timeline = build(r)
    right_window = [p for p in timeline.phases if p.kind == "window"][1]
    assert right_window.end - right_window.start > 2 * RATE
    (warning,) = timeline.warnings
    grown = (right_window.end - right_window.start) / RATE - 2.0
    assert warning == (
        f'test.toml: move 1 "Clamshell": the switch to the right side grows by {grown:.1f} s '
        "to fit its announcement and get_ready"
    )


def test_strict_turns_a_grown_rest_into_an_error() -> None:
    strict = Settings(rest_between_sides=2.0, strict=True)
    r = routine(move(sides="each", rest_between_sides=2.0), settings=strict)
    with pytest.raises(ScriptError, match=r"grows by .* \(strict = true: make the rest longer\)"):
        build(r)


def test_speech_that_does_not_fit_is_dropped_with_a_warning_lowest_priority_first() -> None:
    crowded = move(duration=20.0, cues=(Cue("50%", "percent", 50.0, "Squeeze the glutes."),))
    timeline = build(routine(crowded))
    assert "Squeeze the glutes." in spoken(timeline)
    assert "Halfway." not in spoken(timeline)
    (warning,) = timeline.warnings
    assert '"Halfway." at 10.0 s into the work phase is dropped' in warning


def test_outro_done_sound_and_a_second_of_silence() -> None:
    timeline = build(routine(move(), outro="Well done, runner."))
    last = timeline.events[-1]
    assert last.role == "done"
    assert timeline.duration == last.end + RATE
    assert timeline.events[-2].text == "Well done, runner."
    assert timeline.phases[-1].kind == "outro"


def test_a_session_over_four_hours_is_refused() -> None:
    r = routine(move(duration=3600.0, sets=5))
    with pytest.raises(ScriptError, match=r"the limit is 4 hours"):
        build(r)


def test_a_work_phase_shorter_than_the_go_beep_is_refused() -> None:
    with pytest.raises(ScriptError, match="not longer than the go beep and the gap after it"):
        build(routine(move(duration=0.2)))


def test_spoken_texts_covers_what_the_real_build_says() -> None:
    r = routine(move(reps=4, tempo=(3.0,), sides="each"), intro="Hi.")
    texts = set(spoken_texts(r, SOUNDS, RATE))
    assert set(spoken(build(r))) <= texts


def test_only_the_said_length_phrase_is_measured() -> None:
    # every measured text may cost a synthesis: no "About 0 minutes." on the way to the answer
    measured: list[str] = []

    def recording(text: str) -> int:
        measured.append(text)
        return fake_measure(text)

    timeline = build(routine(move(duration=300.0)), recording)
    said = [text for text in spoken(timeline) if text.startswith("About")]
    assert said == ["About 5 minutes."]
    assert {text for text in measured if text.startswith("About")} == set(said)


def test_about_one_minute_is_said_in_the_singular_and_can_be_overridden() -> None:
    short = routine(move(duration=20.0))
    assert round(build(short).duration / RATE / 60) == 1
    assert "About 1 minute." in spoken(build(short))
    german = replace(short, phrases=replace(short.phrases, about_one_minute="Etwa eine Minute."))
    assert "Etwa eine Minute." in spoken(build(german))
    assert not [text for text in spoken(build(german)) if text.startswith("About")]


def test_a_long_gap_is_fine_when_no_ticks_come_a_second_apart() -> None:
    quiet = Settings(gap=1.5, countdown=0, final_countdown=0)
    timeline = build(routine(move(duration=30.0), settings=quiet))
    assert not [event for event in timeline.events if event.role == "tick"]
    # a final countdown is no matter for reps, which have none
    reps_only = Settings(gap=0.95, countdown=0, final_countdown=3)
    build(routine(move(reps=4, tempo=(3.0,)), settings=reps_only))


@pytest.mark.parametrize("gap", [0.9, 1.0, 2.5])
def test_a_gap_too_long_for_ticks_a_second_apart_is_refused_without_a_negative_number(
    gap: float,
) -> None:
    with pytest.raises(ScriptError) as caught:
        build(routine(move(), settings=Settings(gap=gap)))
    assert str(caught.value) == (
        f'test.toml: the tick sound (0.10 s) and "settings.gap" ({gap:.2f} s) together must be '
        "shorter than 1 s, since countdown ticks come 1 s apart: lower gap, or set countdown "
        "and final_countdown to 0"
    )


def test_a_session_just_over_four_hours_says_so_and_not_4_h_0_min() -> None:
    # a session 20 s under the limit, then its hold lengthened to make it one frame too long;
    # every text lasts the same, so that the longer hold said in the summary changes nothing else
    def even(text: str) -> int:
        return 15_000

    under = routine(move(duration=4 * 3600 - 20.0))
    short = build(under, even).duration
    frames = round(4 * 3600 * RATE - 20 * RATE) + 4 * 3600 * RATE + 1 - short
    with pytest.raises(ScriptError) as caught:
        build(routine(move(duration=frames / RATE)), even)
    assert str(caught.value) == (
        "test.toml: the session lasts just over 4 hours; the limit is 4 hours: use fewer rounds, "
        "sets or moves, or shorter rests"
    )
    assert format_length(4 * 3600 + 12.9) == "4 h 0 min 12 s"  # cut, never rounded up
    assert format_length(3 * 3600 - 0.5) == "2 h 59 min 59 s"
    assert format_length(125.0) == "2 min 5 s"
    assert format_length(10_000 * 3600.0) == "10,000 h 0 min 0 s"


def test_a_dropped_text_is_escaped_in_its_warning() -> None:
    cue = Cue("50%", "percent", 50.0, "Keep\u202e it \u200bsteady.")
    timeline = build(routine(move(duration=2.0, cues=(cue,))))
    (warning,) = timeline.warnings
    assert '"Keep\\u202e it \\u200bsteady." at 1.0 s' in warning


def test_spoken_texts_refuses_a_bomb_before_anything_is_measured() -> None:
    bomb = routine(move(reps=500, tempo=(1.0,) * 10, sets=50, sides="each"), rounds=20)
    with pytest.raises(ScriptError, match="the session would last at least 2,783 h "):
        spoken_texts(bomb, SOUNDS, RATE)
