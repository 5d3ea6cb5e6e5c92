"""Properties of every timeline, over generated routines (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.support.budget import examples
from tests.support.timeline_helpers import RATE, SOUNDS, fake_measure, move, routine
from voiceguide.errors import ScriptError
from voiceguide.script.model import Cue, Move, Routine, Settings
from voiceguide.sequencer import build_timeline
from voiceguide.timeline import Timeline
from voiceguide.units import to_frames
from voiceguide.work_order import transition, work_slots

seconds = st.integers(min_value=0, max_value=600).map(lambda tenths: tenths / 10)


@st.composite
def cues(draw: st.DrawFn, work: float) -> tuple[Cue, ...]:
    found = []
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["percent", "start", "end"]))
        if kind == "percent":
            value = float(draw(st.integers(1, 99)))
        else:
            value = draw(st.floats(min_value=0.1, max_value=max(0.1, work - 0.1)))
        text = draw(st.sampled_from(["Breathe.", "Hips level."]))
        found.append(Cue(f"{value}", kind, value, text))
    return tuple(found)


@st.composite
def moves(draw: st.DrawFn) -> Move:
    kind = draw(st.sampled_from(["reps", "hold", "work"]))
    fields: dict[str, object] = {"kind": kind}
    if kind == "reps":
        fields["reps"] = draw(st.integers(1, 12))
        fields["tempo"] = draw(
            st.one_of(
                st.tuples(st.floats(min_value=1.0, max_value=6.0)),
                st.lists(st.integers(0, 4), min_size=2, max_size=4)
                .filter(lambda phases: sum(phases) > 0)
                .map(lambda phases: tuple(float(p) for p in phases)),
            )
        )
        work = fields["reps"] * sum(fields["tempo"])  # type: ignore[operator, arg-type]
    else:
        fields["duration"] = work = draw(st.floats(min_value=1.0, max_value=90.0))
    fields["sets"] = draw(st.integers(1, 3))
    fields["sides"] = draw(st.sampled_from(["none", "each", "left", "right"]))
    if fields["sides"] == "each":
        fields["side_order"] = draw(st.sampled_from(["alternate", "block"]))
    fields["rest_between_sets"] = draw(seconds)
    fields["rest_between_sides"] = draw(seconds)
    fields["rest_after"] = draw(seconds)
    fields["cues"] = draw(cues(work))
    fields["setup"] = draw(st.sampled_from([None, "Lie down.", "Stand tall by the wall."]))
    fields["prepare"] = draw(st.sampled_from([0.0, 0.0, 2.0, 7.5, 12.0, 30.0]))
    fields["wait"] = draw(st.booleans()) and fields["prepare"] > 0
    fields["equipment"] = draw(st.sampled_from([(), ("a band",), ("a mat", "a roller")]))
    if fields["sides"] in ("each", "left"):
        fields["left"] = draw(st.sampled_from([None, "Right side down, left leg on top."]))
    return move(**fields)  # type: ignore[arg-type]


@st.composite
def routines(draw: st.DrawFn) -> Routine:
    countdown = draw(st.integers(0, 5))
    settings = Settings(
        countdown=countdown,
        final_countdown=draw(st.integers(0, 5)),
        get_ready=countdown + draw(st.floats(min_value=0.1, max_value=5.0)),
        gap=draw(st.floats(min_value=0.05, max_value=0.5)),
        lead_in=draw(st.floats(min_value=0.0, max_value=3.0)),
        halfway=draw(st.booleans()),
        count_reps=draw(st.booleans()),
        rest_between_rounds=draw(seconds),
    )
    found = draw(st.lists(moves(), min_size=1, max_size=4))
    return routine(*found, settings=settings, rounds=draw(st.integers(1, 2)))


def build(r: Routine) -> Timeline:
    # every generated work phase outlasts the go beep and the session stays far below 4 h, so
    # no generated routine is refused, but for a rep too short to hold its count
    try:
        return build_timeline(r, fake_measure, SOUNDS, RATE)
    except ScriptError as error:
        assert "does not fit in its rep" in str(error), error
        assume(False)
        raise


common = settings(
    max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@common
@given(routines())
def test_phases_tile_the_session(r: Routine) -> None:
    timeline = build(r)
    assert timeline.phases[0].start == 0
    assert timeline.phases[-1].end == timeline.duration
    for before, after in zip(timeline.phases, timeline.phases[1:], strict=False):
        assert before.end == after.start
        assert before.start < before.end


@common
@given(routines())
def test_each_work_phase_lasts_exactly_its_duration(r: Routine) -> None:
    timeline = build(r)
    slots = work_slots(r)
    phases = [phase for phase in timeline.phases if phase.kind == "work"]
    assert len(phases) == len(slots)
    starts = {(e.start, e.role) for e in timeline.events}
    for slot, phase in zip(slots, phases, strict=True):
        assert phase.end - phase.start == to_frames(slot.move.work_seconds, RATE)
        assert (phase.start, "go") in starts and (phase.end, "end") in starts


@common
@given(routines())
def test_no_two_sounds_overlap_and_the_gap_holds(r: Routine) -> None:
    timeline = build(r)
    gap = to_frames(r.settings.gap, RATE)
    assert timeline.events[0].start >= to_frames(r.settings.lead_in, RATE)
    for before, after in zip(timeline.events, timeline.events[1:], strict=False):
        assert after.start >= before.end + gap, (before, after)
    for event in timeline.events:
        if event.kind == "speech":
            assert event.text is not None
            assert event.end - event.start == fake_measure(event.text)
        else:
            assert event.end - event.start == SOUNDS[event.role]


@common
@given(routines())
def test_rests_never_shrink(r: Routine) -> None:
    timeline = build(r)
    slots = work_slots(r)
    windows = [phase for phase in timeline.phases if phase.kind == "window"]
    for index, (slot, window) in enumerate(zip(slots, windows, strict=True)):
        if index == 0:
            continue
        before = slots[index - 1]
        level = transition(before, slot)
        rest = {
            "round": r.settings.rest_between_rounds,
            "move": before.move.rest_after,
            "set": slot.move.rest_between_sets,
            "side": slot.move.rest_between_sides,
        }[level]
        assert window.end - window.start >= to_frames(rest, RATE)


@settings(max_examples=100, deadline=None)
@given(routines())
def test_the_same_input_gives_the_same_timeline(r: Routine) -> None:
    assert build(r) == build(r)


@common
@given(routines())
def test_every_rep_is_counted_or_the_routine_is_refused(r: Routine) -> None:
    try:
        timeline = build_timeline(r, fake_measure, SOUNDS, RATE)
    except ScriptError as error:
        # one line that names the move and the fix
        assert "does not fit in its rep" in str(error) and "make the tempo slower" in str(error)
        assert "\n" not in str(error)
        return
    if not r.settings.count_reps:
        return
    works = [phase for phase in timeline.phases if phase.kind == "work" and phase.reps]
    for phase in works:
        counts = [
            e.text for e in timeline.events
            if e.role == "count" and phase.start <= e.start < phase.end
        ]
        assert counts == [str(n) for n in range(1, (phase.reps or 0) + 1)]
    assert not [w for w in timeline.warnings if "dropped" in w and '"1"' in w]


@common
@given(routines())
def test_holds_lie_in_the_window_of_a_waiting_move_before_its_countdown(r: Routine) -> None:
    timeline = build(r)
    waiting = sum(r.rounds for move in r.moves if move.wait and move.prepare > 0)
    assert len(timeline.holds) == waiting
    for hold in timeline.holds:
        window = timeline.phases[timeline.phase_index_at(hold.skip_from)]
        assert window.kind == "window"
        assert window.start <= hold.skip_from < hold.skip_to < hold.at <= window.end
        # the announcement is heard, the countdown is not yet: nothing sounds at the hold
        assert not [e for e in timeline.events if e.start < hold.at < e.end]
        ticks = [e.start for e in timeline.events if e.role == "tick" and window.start <= e.start]
        assert all(hold.at <= tick for tick in ticks if tick < window.end)
