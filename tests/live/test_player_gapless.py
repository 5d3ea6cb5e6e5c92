"""The player on a gapless, tracked sink (as the ALSA sink is), with a fake clock; and how it
ends when the device stalls or the status output goes away."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.support.player_fakes import (
    FakeClock,
    GaplessRecordingSink,
    RecordingSink,
    ScriptedKeys,
    frames_pcm,
    hand_timeline,
    render_from,
    s,
)
from voiceguide.errors import PlaybackError
from voiceguide.live.player import Player, PlayResult
from voiceguide.live.status import Snapshot


def play(
    sink: RecordingSink | None = None,
    keys: list[tuple[float, str]] | None = None,
    render: Any = None,
    view: Any = None,
    **options: Any,
) -> tuple[PlayResult, RecordingSink, FakeClock]:
    timeline = hand_timeline()
    clock = sink.clock if sink is not None else FakeClock()
    sink = sink or GaplessRecordingSink(clock)
    player = Player(
        timeline,
        sink,
        render or render_from(timeline),  # type: ignore[arg-type]
        keys=ScriptedKeys(clock, keys or []),
        view=view,
        clock=clock,
        **options,
    )
    return player.run(), sink, clock


def assert_back_to_back(sink: RecordingSink) -> None:
    for before, after in zip(sink.handles, sink.handles[1:], strict=False):
        if before.stopped_at is None:
            assert after.started == pytest.approx(before.natural_end, abs=1e-9)


def test_every_stretch_is_queued_behind_the_last_well_before_it_is_due() -> None:
    timeline = hand_timeline()
    result, sink, clock = play(max_stretch=8.0)
    assert isinstance(sink, GaplessRecordingSink)
    heard = np.concatenate([handle.heard() for handle in sink.handles])
    assert np.array_equal(heard, frames_pcm(0, timeline.duration))
    assert len(sink.handles) >= 5 and all(len(h.pcm) <= s(8) for h in sink.handles)
    assert_back_to_back(sink)
    for queued, handle in zip(sink.queued_at[1:], sink.handles[1:], strict=True):
        assert queued <= handle.started - 1.0  # handed over a second or more before it plays
    assert result.finished and result.heard_frames == timeline.duration
    assert clock.now == pytest.approx(40.0, abs=0.05)


def test_rendering_slower_than_the_clock_still_plays_back_to_back() -> None:
    timeline = hand_timeline()
    clock = FakeClock()
    blocks = render_from(timeline, block=80)

    def slow(first: int) -> Iterator[np.ndarray]:
        for block in blocks(first):  # type: ignore[operator]
            clock.now += 0.004  # 0.1 s of audio costs 4 ms: 25x real time
            yield block

    result, sink, _ = play(GaplessRecordingSink(clock), render=slow, max_stretch=8.0)
    assert result.finished
    heard = np.concatenate([handle.heard() for handle in sink.handles])
    assert np.array_equal(heard, frames_pcm(0, timeline.duration))
    assert_back_to_back(sink)


def test_pause_resume_and_skip_start_fresh_runs_on_a_gapless_sink() -> None:
    # paused in the first work phase, resumed at its window (3 s); 2.5 s later (at 5.5 s, after
    # the announcement) n goes to 1 s before the countdown (6 s)
    result, sink, _ = play(keys=[(12.0, " "), (30.0, " "), (32.5, "n")])
    fresh = [i for i, handle in enumerate(sink.handles) if handle.started in (30.0, 32.5)]
    assert [sink.first_frame(i) for i in fresh] == [s(3.0), s(6.0)]
    assert all(handle.stopped_at in (None, 12.0, 32.5) for handle in sink.handles)
    assert_back_to_back(sink)
    assert result.finished
    assert result.heard_frames == s(12.0) + s(2.5) + (s(40.0) - s(6.0))


def test_a_stalled_device_is_noticed_within_seconds_where_the_sound_stopped() -> None:
    clock = FakeClock()
    with pytest.raises(PlaybackError) as caught:
        play(GaplessRecordingSink(clock, stall_after=15.3), stall_timeout=3.0)
    assert 18.3 < clock.now < 18.3 + 0.5  # not when the stretch would have ended (40 s)
    assert str(caught.value) == (
        "playback stopped at 0:15: the audio device stopped responding; continue later with "
        "--from 1; use `voiceguide export` to write the session to a file and play that instead"
    )


class ClosingView:
    """A status output whose reader goes away after the first phase (`play | head -1`)."""

    def __init__(self) -> None:
        self.lines = 0
        self.closed = False

    def update(self, snapshot: Snapshot) -> None:
        if snapshot.position >= s(3.0):
            raise BrokenPipeError(32, "Broken pipe")

    def close(self) -> None:
        self.closed = True
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_status_output_stops_play_with_one_line_saying_where() -> None:
    clock = FakeClock()
    sink = GaplessRecordingSink(clock)
    view = ClosingView()
    with pytest.raises(PlaybackError) as caught:
        play(sink, view=view)
    assert str(caught.value).startswith(
        "playback stopped at 0:03: the status output was closed; continue later with --from 1"
    )
    assert view.closed and all(not handle.is_playing() for handle in sink.handles)
    assert clock.now == pytest.approx(3.0, abs=0.25)
