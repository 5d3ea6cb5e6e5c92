"""The playback controller with a fake clock, scripted keys and a recording sink."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.support.player_fakes import (
    RATE,
    FakeClock,
    RecordingSink,
    RecordingView,
    ScriptedKeys,
    frames_pcm,
    hand_timeline,
    render_from,
    s,
)
from voiceguide.errors import PlaybackError, ScriptError
from voiceguide.live.player import Player, PlayResult
from voiceguide.timeline import Timeline


def player_for(
    keys: list[tuple[float, str]] | None = None,
    timeline: Timeline | None = None,
    **options: Any,
) -> tuple[Player, RecordingSink, FakeClock, RecordingView]:
    """A player of the hand timeline (or `timeline`) on fakes, with the fakes to inspect."""
    timeline = timeline or hand_timeline()
    clock = FakeClock()
    sink = RecordingSink(clock, **options.pop("sink", {}))
    view = RecordingView()
    player = Player(
        timeline,
        sink,
        render_from(timeline),  # type: ignore[arg-type]
        keys=ScriptedKeys(clock, keys or []),
        view=view,
        clock=clock,
        **options,
    )
    return player, sink, clock, view


def run(
    keys: list[tuple[float, str]] | None = None,
    start: int = 0,
    timeline: Timeline | None = None,
    **options: Any,
) -> tuple[PlayResult, RecordingSink, FakeClock, RecordingView]:
    player, sink, clock, view = player_for(keys, timeline, **options)
    return player.run(start), sink, clock, view


def inside_sound(timeline: Timeline, frame: int) -> bool:
    return any(event.start <= frame < event.end for event in timeline.events)


def test_plays_the_whole_session_as_a_short_then_a_long_stretch_joined_in_silence() -> None:
    timeline = hand_timeline()
    result, sink, clock, view = run()
    heard = np.concatenate([handle.heard() for handle in sink.handles])
    assert np.array_equal(heard, frames_pcm(0, timeline.duration))
    assert len(sink.handles) == 2
    first, second = sink.handles
    assert len(first.pcm) <= s(6) < len(second.pcm)
    join = sink.first_frame(1)
    assert not inside_sound(timeline, join) and not inside_sound(timeline, join - 1)
    # the second stretch starts exactly when the first one's last frame is due
    assert second.started == pytest.approx(first.started + len(first.pcm) / RATE, abs=1e-9)
    assert result == PlayResult(
        finished=True,
        position=timeline.duration,
        completed_work=2,
        total_work=2,
        move_number=None,
        heard_frames=timeline.duration,
    )
    assert clock.now == pytest.approx(40.0, abs=0.05)
    assert sink.opened == 1 and view.closed
    # several status updates a second, positions never running backwards
    positions = [snap.position for snap in view.snapshots]
    assert positions == sorted(positions)
    assert len(positions) >= 4 * 40


def test_buffers_stay_unchanged_while_they_play() -> None:
    _, sink, _, _ = run(keys=[(12.0, " "), (13.0, " "), (15.0, "n")])
    assert len(sink.handles) >= 4
    for handle in sink.handles:
        assert np.array_equal(handle.pcm, handle.snapshot)


def test_long_sessions_are_cut_into_stretches_no_longer_than_the_limit() -> None:
    timeline = hand_timeline()
    _, sink, _, _ = run(max_stretch=8.0)
    heard = np.concatenate([handle.heard() for handle in sink.handles])
    assert np.array_equal(heard, frames_pcm(0, timeline.duration))
    assert len(sink.handles) >= 5
    assert all(len(handle.pcm) <= s(8) for handle in sink.handles)
    for index in range(1, len(sink.handles)):
        assert not inside_sound(timeline, sink.first_frame(index))
        before, after = sink.handles[index - 1], sink.handles[index]
        assert after.started == pytest.approx(before.natural_end, abs=1e-9)


def test_space_stops_at_once_and_resumes_at_the_window_before_the_work() -> None:
    # 12 s is inside the first work phase [10, 20); its window starts at 3 s
    result, sink, _, view = run(keys=[(12.0, " "), (30.0, " ")])
    stopped = [handle for handle in sink.handles if handle.stopped_at is not None]
    assert [handle.stopped_at for handle in stopped] == [12.0] * len(stopped)
    assert all(not handle.is_playing() for handle in sink.handles if handle.started < 12.0)
    resumed = [index for index, handle in enumerate(sink.handles) if handle.started == 30.0]
    assert len(resumed) == 1
    assert sink.first_frame(resumed[0]) == s(3.0)
    assert any(
        snap.paused and snap.position == pytest.approx(s(12.0), abs=2) for snap in view.snapshots
    )
    assert result.finished
    # nothing played between the pause and the resume
    assert all(not (12.0 <= handle.started < 30.0) for handle in sink.handles)
    # 12 s heard, then everything from the window at 3 s: 37 s more
    assert result.heard_frames == s(12.0) + s(37.0)


def test_pause_in_a_window_resumes_at_that_window() -> None:
    _, sink, _, _ = run(keys=[(25.0, " "), (26.0, " ")])
    index = next(i for i, handle in enumerate(sink.handles) if handle.started == 26.0)
    assert sink.first_frame(index) == s(20.0)


def test_n_in_a_window_goes_to_just_before_the_countdown_then_to_the_go() -> None:
    timeline = hand_timeline()
    # window [3, 10): speech ends at 5 s, ticks from 7 s: 1 s before the countdown is 6 s
    assert timeline.next_point(s(5.5)) == s(6.0)
    assert timeline.next_point(s(6.5)) == s(10.0)
    # window [20, 29) opens with the end beep of the work before it; speech to 23 s, ticks from
    # 26 s
    assert timeline.next_point(s(20.1)) == s(25.0)
    assert timeline.next_point(s(24.0)) == s(25.0)
    assert timeline.next_point(s(25.5)) == s(29.0)
    _, sink, _, _ = run(keys=[(4.0, "n"), (6.0, "n")])
    starts = [sink.first_frame(i) for i in range(len(sink.handles))]
    assert s(6.0) in starts
    jump = starts.index(s(6.0))
    assert sink.handles[jump].started == 4.0
    # 2 s later (at the 6 s mark, frame 8 s) n again: straight to the go beep
    assert sink.first_frame(jump + 1) == s(10.0)


def test_n_in_a_work_phase_goes_to_the_next_window_and_from_the_outro_ends() -> None:
    timeline = hand_timeline()
    assert timeline.next_point(s(12.0)) == s(20.0)
    assert timeline.next_point(s(1.0)) == s(3.0)
    assert timeline.next_point(s(36.0)) == timeline.duration
    keys = [(12.0, "n"), (14.0, "n"), (16.0, "n"), (18.0, "n"), (20.0, "n")]
    result, sink, clock, _ = run(keys=keys)
    # 12 s: work -> window at 20; 14 s (at 22): -> 25, before the ticks; 16 s (at 26): -> go at
    # 29; 18 s (at 31): -> outro at 35; 20 s (at 36): the end
    jumps = [i for i, handle in enumerate(sink.handles) if handle.started in (12, 14, 16, 18)]
    assert [sink.first_frame(i) for i in jumps] == [s(20.0), s(25.0), s(29.0), s(35.0)]
    assert result.finished
    assert clock.now == 20.0
    assert all(handle.stopped_at is not None or not handle.is_playing() for handle in sink.handles)


def test_b_goes_back_to_the_start_of_the_move() -> None:
    timeline = hand_timeline()
    assert timeline.move_start(s(30.0)) == s(20.0)
    assert timeline.move_start(s(21.0)) == s(20.0)
    assert timeline.move_start(s(1.0)) == 0
    _, sink, _, _ = run(keys=[(15.0, "b")])
    index = next(i for i, handle in enumerate(sink.handles) if handle.started == 15.0)
    assert sink.first_frame(index) == s(3.0)


def test_q_quits_with_the_position_and_the_work_done() -> None:
    result, sink, clock, view = run(keys=[(25.0, "q")])
    assert result == PlayResult(
        finished=False,
        position=s(25.0),
        completed_work=1,
        total_work=2,
        move_number=2,
        heard_frames=s(25.0),
    )
    assert all(not handle.is_playing() for handle in sink.handles)
    assert clock.now == 25.0 and view.closed


def test_keys_while_paused_quit_or_jump_and_play_on() -> None:
    result, _, _, _ = run(keys=[(12.0, " "), (14.0, "q")])
    assert not result.finished and result.position == pytest.approx(s(12.0), abs=2)
    _, sink, _, _ = run(keys=[(12.0, " "), (14.0, "n")])
    index = next(i for i, handle in enumerate(sink.handles) if handle.started == 14.0)
    assert sink.first_frame(index) == s(20.0)


def test_a_restarted_work_phase_counts_only_when_heard_to_the_end() -> None:
    result, _, _, _ = run(keys=[(12.0, "n")])
    assert result.completed_work == 1  # the first one was cut short by the skip


def test_ctrl_c_stops_the_sound_and_propagates() -> None:
    player, sink, _, view = player_for(keys=[(7.5, "^C")])
    with pytest.raises(KeyboardInterrupt):
        player.run()
    assert sink.handles and all(not handle.is_playing() for handle in sink.handles)
    assert view.closed


def test_starting_from_a_frame_plays_from_there() -> None:
    timeline = hand_timeline()
    result, sink, _, _ = run(start=s(20.0))
    assert sink.first_frame(0) == s(20.0)
    assert result.heard_frames == timeline.duration - s(20.0)
    assert result.completed_work == 1


def test_no_device_raises_before_anything_plays() -> None:
    with pytest.raises(PlaybackError, match="no device"):
        run(sink={"open_error": "cannot play: no device"})


def test_a_device_that_dies_mid_session_gives_one_clear_line() -> None:
    with pytest.raises(PlaybackError) as caught:
        run(sink={"fail_after": 15.0})
    message = str(caught.value)
    assert "\n" not in message
    assert "audio device failed" in message and "voiceguide export" in message
    assert "--from 1" in message


def test_a_device_that_never_finishes_is_not_waited_for_forever() -> None:
    with pytest.raises(PlaybackError, match="stopped responding"):
        run(sink={"hang": True}, hang_timeout=3.0)


def test_silent_cuts_lie_in_the_middle_of_silences() -> None:
    timeline = hand_timeline()
    cuts = timeline.silent_cuts()
    assert cuts == sorted(cuts)
    assert s(0.5) in cuts  # lead-in [0, 1)
    assert s(2.75) in cuts  # between the title and the announcement
    assert all(not inside_sound(timeline, cut) for cut in cuts)
    assert cuts[-1] == (s(37.7) + s(40.0)) // 2  # after the done beep, before the end


def test_resume_points() -> None:
    timeline = hand_timeline()
    assert timeline.resume_point(s(15.0)) == s(3.0)
    assert timeline.resume_point(s(5.0)) == s(3.0)
    assert timeline.resume_point(s(2.0)) == 0
    assert timeline.resume_point(s(36.0)) == s(35.0)


@pytest.mark.parametrize(
    ("spec", "frame"),
    [("1", 3.0), ("2", 20.0), ("plank", 3.0), ("BRIDGE", 20.0), ("rid", 20.0), (" 2 ", 20.0)],
)
def test_find_move_by_number_or_name(spec: str, frame: float) -> None:
    assert hand_timeline().find_move(spec) == s(frame)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("3", "no move 3: the routine has 2 (1 Plank, 2 Bridge)"),
        ("0", "no move 0: the routine has 2 (1 Plank, 2 Bridge)"),
        ("squat", 'no move named "squat"; the moves are: 1 Plank, 2 Bridge'),
        ("", 'no move named ""; the moves are: 1 Plank, 2 Bridge'),
    ],
)
def test_find_move_names_the_moves_when_it_cannot(spec: str, message: str) -> None:
    with pytest.raises(ScriptError) as caught:
        hand_timeline().find_move(spec)
    assert str(caught.value) == message


def test_joins_stay_on_time_when_rendering_takes_time() -> None:
    timeline = hand_timeline()
    clock = FakeClock()
    sink = RecordingSink(clock)
    blocks = render_from(timeline, block=80)

    def slow(first: int) -> Any:
        for block in blocks(first):  # type: ignore[operator]
            clock.now += 0.004  # 0.1 s of audio costs 4 ms: 25x real time
            yield block

    player = Player(timeline, sink, slow, keys=ScriptedKeys(clock, []), clock=clock)
    result = player.run()
    assert result.finished
    heard = np.concatenate([handle.heard() for handle in sink.handles])
    assert np.array_equal(heard, frames_pcm(0, timeline.duration))
    for before, after in zip(sink.handles, sink.handles[1:], strict=False):
        assert after.started == pytest.approx(before.natural_end, abs=1e-9)
