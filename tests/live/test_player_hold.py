"""The hold of a `wait` move, with a fake clock, scripted keys and a recording sink: live play
leaves out the prepare time an export gives and stops before the go countdown until space.

The same hold played for real into a PulseAudio null sink: tests/live/test_player_hold_e2e.py.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from tests.support.player_fakes import (
    FakeClock,
    GaplessRecordingSink,
    RecordingSink,
    RecordingView,
    ScriptedKeys,
    frames_pcm,
    hand_timeline,
    render_from,
    s,
)
from voiceguide.live.player import Player, PlayResult
from voiceguide.live.status import READY, Snapshot, StatusText
from voiceguide.live.views import PhaseLog
from voiceguide.timeline import Hold, Timeline

# move 2's window runs 20..29 s: its end beep at 20 s, the prepare time an export gives
# (20.5..21 s here), the announcement to 23 s, the countdown ticks from 26 s, go at 29 s
HOLD = Hold(skip_from=s(20.5), skip_to=s(21.0), at=s(23.5))


def held_timeline() -> Timeline:
    return dataclasses.replace(hand_timeline(), holds=(HOLD,))


def play(
    keys: list[tuple[float, str]], start: int = 0, gapless: bool = False, **options: Any
) -> tuple[PlayResult, RecordingSink, FakeClock, RecordingView]:
    timeline = held_timeline()
    clock = FakeClock()
    sink = GaplessRecordingSink(clock) if gapless else RecordingSink(clock)
    view = RecordingView()
    player = Player(
        timeline,
        sink,
        render_from(timeline),  # type: ignore[arg-type]
        keys=ScriptedKeys(clock, keys),
        view=view,
        clock=clock,
        **options,
    )
    return player.run(start), sink, clock, view


def heard(sink: RecordingSink) -> np.ndarray:
    return np.concatenate([handle.heard() for handle in sink.handles])


@pytest.mark.parametrize("gapless", [False, True])
def test_live_play_leaves_out_the_prepare_time_and_holds_until_space(gapless: bool) -> None:
    timeline = held_timeline()
    result, sink, clock, view = play([(60.0, " ")], gapless=gapless)
    # every frame once, in order, but the prepare time: nothing cut, nothing twice
    expected = np.concatenate(
        [frames_pcm(0, HOLD.skip_from), frames_pcm(HOLD.skip_to, timeline.duration)]
    )
    assert np.array_equal(heard(sink), expected)
    assert result.finished and result.completed_work == 2
    assert result.heard_frames == timeline.duration - (HOLD.skip_to - HOLD.skip_from)
    # the countdown began only when space was pressed: the stretch with it started at 60 s
    index = next(i for i, handle in enumerate(sink.handles) if sink.first_frame(i) == HOLD.at)
    assert sink.handles[index].started == pytest.approx(60.0)
    assert clock.now == pytest.approx(60.0 + (timeline.duration - HOLD.at) / 800, abs=0.05)
    # while it held, the status said so, at the hold
    waiting = [snap for snap in view.snapshots if snap.waiting]
    assert waiting and {snap.position for snap in waiting} == {HOLD.at}
    assert len(waiting) >= 4 * 30  # refreshed several times a second for half a minute


def test_the_status_line_and_the_log_say_press_space() -> None:
    text = StatusText(held_timeline())
    line = text.line(Snapshot(HOLD.at, paused=True, waiting=True))
    assert line.startswith(f"{READY} | Move 2/2 Bridge")
    assert READY == "Press space when you are ready"
    lines: list[str] = []

    class Stream:
        def write(self, chunk: str) -> None:
            lines.append(chunk)

        def flush(self) -> None:
            pass

    log = PhaseLog(text, Stream())  # type: ignore[arg-type]
    log.update(Snapshot(HOLD.at, paused=True, waiting=True))
    log.update(Snapshot(HOLD.at, paused=True, waiting=True))
    assert lines == [line + "\n"]


def test_q_while_held_quits_at_the_hold() -> None:
    result, sink, _, _ = play([(40.0, "q")])
    assert not result.finished
    assert result.position == HOLD.at and result.move_number == 2
    assert heard(sink)[-1] == HOLD.at  # the last frame heard is the one before the hold


def test_n_while_held_goes_on_to_the_countdown() -> None:
    timeline = held_timeline()
    result, sink, _, _ = play([(40.0, "n")])
    assert result.finished
    target = timeline.next_point(HOLD.at)
    assert HOLD.at < target <= s(29.0)
    index = next(i for i, handle in enumerate(sink.handles) if handle.started == 40.0)
    assert sink.first_frame(index) == target


def test_a_start_inside_the_prepare_time_starts_after_it_and_still_holds() -> None:
    result, sink, _, view = play([(30.0, " ")], start=s(20.7))
    assert sink.first_frame(0) == HOLD.skip_to
    assert any(snap.waiting for snap in view.snapshots)
    assert result.finished


def test_a_run_that_starts_past_the_hold_does_not_hold() -> None:
    result, _, clock, view = play([], start=s(25.0))
    assert result.finished and not any(snap.waiting for snap in view.snapshots)
    assert clock.now == pytest.approx(15.0, abs=0.05)


def test_without_holds_the_session_plays_as_before() -> None:
    timeline = hand_timeline()
    clock = FakeClock()
    sink = RecordingSink(clock)
    Player(
        timeline, sink, render_from(timeline), keys=ScriptedKeys(clock, []),  # type: ignore[arg-type]
        clock=clock,
    ).run()
    assert np.array_equal(heard(sink), frames_pcm(0, timeline.duration))


def test_with_no_keys_to_press_it_plays_as_exported_and_never_holds() -> None:
    # `voiceguide play` with stdin not a terminal: nobody could press space
    from voiceguide.live.keys import NoKeys

    timeline = held_timeline()
    clock = FakeClock()

    class NoKeysOnTheFakeClock(NoKeys):
        def read(self, timeout: float) -> str | None:
            clock.now += max(timeout, 0.0)
            return None

    sink = RecordingSink(clock)
    view = RecordingView()
    player = Player(
        timeline, sink, render_from(timeline),  # type: ignore[arg-type]
        keys=NoKeysOnTheFakeClock(), view=view, clock=clock,
    )
    result = player.run()
    assert result.finished and not any(snap.waiting for snap in view.snapshots)
    assert np.array_equal(heard(sink), frames_pcm(0, timeline.duration))


def test_media_keys_beside_no_terminal_still_never_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    # the hold asks for space; with no terminal nobody sees it, headset or not: play_timeline
    # decides from the keys it was given, before the media keys join them
    import voiceguide.live.playback as playback
    from voiceguide.live.keys import NoKeys

    class Quiet:
        def start(self, timeline: object) -> None: ...
        def fileno(self) -> int: return -1
        def command(self) -> None: return None
        def update(self, snapshot: object) -> None: ...
        def close(self) -> None: ...

    asked: list[bool | None] = []

    class Recorded(Player):
        def run(self, start: int = 0) -> PlayResult:
            asked.append(bool(self._holds))
            return PlayResult(True, 0, 0, 0, None, 0)

    monkeypatch.setattr(playback, "Player", Recorded)
    timeline = held_timeline()
    clock = FakeClock()
    for keys in (NoKeys(), ScriptedKeys(clock, [])):
        playback.play_timeline(
            timeline, None, sink=RecordingSink(clock), keys=keys,  # type: ignore[arg-type]
            remote=Quiet(),  # type: ignore[arg-type]
        )
    assert asked == [False, True]
