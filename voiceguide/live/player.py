"""Live playback: the rendered session as long sample-clocked stretches on an audio sink.

Why it is built this way:
- The sound card's clock places every sound: a stretch is one buffer handed to the sink once,
  so nothing inside it can drift or drop. No cue is scheduled with sleep.
- The first stretch is short (quick start); the rest is rendered while it plays and follows as
  long stretches. A gapless sink (live/alsa.py) is handed each stretch to follow the one before
  it as soon as it is cut, so the device itself joins them, to the frame. Other sinks
  (simpleaudio) start each stretch on the monotonic clock at the frame where the one before it
  ends; so stretches are joined only at cut points in the middle of silences, and a session has
  very few joins.
- A buffer stays referenced and unchanged while it plays (simpleaudio does not copy it).
- Position for the status line and keys comes from a monotonic clock anchored where a stretch
  started. A sink whose handles tell how far the device has got (`TrackedHandle`) lets a device
  that stops taking sound be noticed within seconds, and reported at the frame where it stopped.
"""

from __future__ import annotations

import bisect
import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from voiceguide.errors import PlaybackError
from voiceguide.live.keys import KeySource, NoKeys, someone_can_press
from voiceguide.live.live_holds import past_skips, stop_after
from voiceguide.live.outcome import PlayResult, stopped_message
from voiceguide.live.render_ahead import RenderAhead, RenderFrom
from voiceguide.live.signals import Interrupted
from voiceguide.live.sinks import EXPORT_HINT, GaplessSink, Sink
from voiceguide.live.status import SilentView, Snapshot, StatusView
from voiceguide.live.stretch_watch import DeviceFailed, Stretch, device_position, still_playing

if TYPE_CHECKING:
    import numpy as np

    from voiceguide.timeline import Timeline

__all__ = ["PlayResult", "Player"]


def _here(frame: int) -> int:
    return frame


class Player:
    """Plays a timeline on a sink and follows the keys: space, n, b, q. At the hold of a `wait`
    move (`Timeline.holds`) it stops until space is pressed; `holds=False` plays them as
    exported (None: holds when there are keys to press)."""

    def __init__(
        self,
        timeline: Timeline,
        sink: Sink,
        render_from: RenderFrom,
        *,
        keys: KeySource | None = None,
        view: StatusView | None = None,
        clock: Callable[[], float] = time.monotonic,
        refresh: float = 0.2,
        first_stretch: float = 4.0,
        max_stretch: float | None = None,
        hang_timeout: float = 5.0,
        stall_timeout: float = 3.0,
        holds: bool | None = None,
    ) -> None:
        self.timeline = timeline
        self._sink = sink
        self._render_from = render_from
        self._keys = keys or NoKeys()
        self._view = view or SilentView()
        self._clock = clock
        self._refresh = refresh
        self._rate = timeline.sample_rate
        self._gapless = isinstance(sink, GaplessSink)
        # chained stretches cost nothing, so they stay short (memory); joined ones long (few joins)
        longest = max_stretch if max_stretch is not None else 300.0 if self._gapless else 1800.0
        self._first = round(first_stretch * self._rate)
        self._max = round(longest * self._rate)
        # a gapless sink needs the next stretch before the device reaches it
        self._lead = 1.0 if self._gapless else 0.3
        self._hang = hang_timeout
        self._stall = stall_timeout
        self._cuts = timeline.silent_cuts()  # where stretches may be cut
        self._run_end = timeline.duration  # where the continuous run now playing stops
        # with no keys to press space on (no terminal), a hold would never end: the session
        # plays as exported, with the prepare time
        if holds is None:
            holds = someone_can_press(self._keys)
        self._holds = timeline.holds if holds else ()
        self._work = [
            (index, phase.start, phase.end)
            for index, phase in enumerate(timeline.phases)
            if phase.kind == "work"
        ]
        self._playing: list[Stretch] = []
        self._last: Stretch | None = None  # the stretch handed to the sink last
        self._ahead: RenderAhead | None = None
        self._next: tuple[int, np.ndarray] | None = None  # the next stretch, cut and ready
        self._stretch_end = 0  # frame where the stretch handed over last ends
        self._anchor = (0.0, 0)  # (clock time, frame) of the continuous run now playing
        self._run_start = 0
        self._running = False
        self._completed: set[int] = set()
        self._heard = 0
        self.position = 0  # the frame reached, kept up to date for an error report

    # -- public

    def run(self, start: int = 0) -> PlayResult:
        """Play from frame `start` to the end, or until the user quits. Raises PlaybackError."""
        timeline = self.timeline
        start = min(max(start, 0), timeline.duration)
        self.position = start
        self._sink.open()
        try:
            position = self._loop(start)
        except KeyboardInterrupt:
            # Ctrl-C: where it got to goes with the interrupt, to say where to go on from
            raise Interrupted(self._result(self.position)) from None
        finally:
            self._stop_all()
            with contextlib.suppress(OSError):  # a closed output must not hide why play ended
                self._view.close()
        return self._result(position)

    def _result(self, position: int) -> PlayResult:
        timeline = self.timeline
        finished = position >= timeline.duration
        phase = timeline.phases[timeline.phase_index_at(position)] if timeline.phases else None
        self.position = min(position, timeline.duration)
        return PlayResult(
            finished=finished,
            position=self.position,
            completed_work=len(self._completed),
            total_work=len(self._work),
            move_number=phase.move_number if phase else None,
            heard_frames=self._heard,
        )

    # -- the loop

    def _loop(self, start: int) -> int:
        timeline = self.timeline
        duration = timeline.duration
        if start >= duration:
            return duration
        self._begin(start)
        paused_at: int | None = None
        waiting = False  # held for a `wait` move: space goes on from the hold itself
        while True:
            if paused_at is not None:
                self._show(paused_at, paused=True, waiting=waiting)
                key = self._keys.read(self._refresh)
                if key in ("q", "Q"):
                    return paused_at
                # space resumes; n and b jump from where it paused and play on
                moves = {
                    " ": _here if waiting else timeline.resume_point,
                    "n": timeline.next_point,
                    "b": timeline.move_start,
                }
                jump = moves.get(key.lower()) if key else None
                if jump is not None:
                    target = jump(paused_at)
                    if target >= duration:
                        return duration
                    self._begin(target)
                    paused_at = None
                    waiting = False
                continue

            now = self._clock()
            join_at = self._join_time()
            more = self._ahead is not None or self._next is not None
            if more and now >= join_at:
                self._join(join_at)
                continue
            position = self._position(now)
            self._check_sink(now)
            self._note_completed(position)
            if not more and not self._playing:
                end = self._run_end
                self._note_completed(end)
                self._heard += end - self._run_start
                self._running = False
                if end >= duration:
                    return duration
                # the run stopped where live play parts from the export (a `wait` move)
                hold = next(hold for hold in self._holds if end in (hold.skip_from, hold.at))
                if end == hold.skip_from:
                    self._begin(hold.skip_to)  # the export's prepare time: live play holds
                else:
                    paused_at, waiting = end, True
                continue
            self._show(min(position, duration))

            # render the next stretch while this one plays, in slices so keys stay responsive;
            # cut it ready well before the join, so the join itself is only the play call
            rendering = self._render_step(join_at - now)
            ready_to_cut = not rendering or join_at - self._clock() < self._lead
            if self._next is None and self._ahead is not None and ready_to_cut:
                self._prepare_next()
            if self._gapless and self._next is not None:
                self._join(join_at)  # queued now; the device starts it where the last one ends
                continue
            wait = 0.0 if rendering else self._refresh
            if more:
                wait = min(wait, max(join_at - self._clock(), 0.0))
            elif self._playing:
                wait = min(wait, max(self._playing[-1].expected_end - self._clock(), 0.0) + 0.01)
            key = self._keys.read(wait)
            if key is None:
                continue
            position = min(self._position(self._clock()), duration)
            if key in ("q", "Q"):
                self._stop_all()
                return position
            if key == " ":
                self._stop_all()
                paused_at = position
                self._show(paused_at, paused=True)
            elif key in ("n", "N"):
                target = timeline.next_point(position)
                if target >= duration:
                    self._stop_all()
                    return duration
                self._begin(target)
            elif key in ("b", "B"):
                self._begin(timeline.move_start(position))

    def _show(self, position: int, paused: bool = False, waiting: bool = False) -> None:
        self.position = position
        try:
            self._view.update(Snapshot(position, paused=paused, waiting=waiting))
        except OSError as error:  # the status goes to a pipe whose reader left, a full disk
            why = "was closed" if isinstance(error, BrokenPipeError) else f"failed ({error})"
            raise PlaybackError(self._stopped(position, f"the status output {why}")) from None

    def _begin(self, start: int) -> None:
        """Start a continuous run at `start` (< duration): render a short first stretch, play it."""
        self._stop_all()
        start = past_skips(self._holds, start)
        self._run_end = stop_after(self._holds, start, self.timeline.duration)
        cuts = self._cuts[bisect.bisect_right(self._cuts, start) :]
        cuts = cuts[: bisect.bisect_left(cuts, self._run_end)]
        ahead = RenderAhead(self._render_from, start, cuts, self._run_end)
        first_end = ahead.cut_after(start + self._first)
        ahead.advance(first_end, float("inf"), self._clock)
        first_end = min(first_end, ahead.rendered)
        pcm = ahead.take(first_end)
        self._ahead = ahead if first_end < self._run_end else None
        self._run_start = start
        self._running = True
        self._anchor = (self._clock(), start)
        self.position = start
        self._start_stretch(first_end, pcm, None)

    def _join_time(self) -> float:
        anchor_time, anchor_frame = self._anchor
        return anchor_time + (self._stretch_end - anchor_frame) / self._rate

    def _prepare_next(self) -> None:
        """Cut the next stretch out of what is rendered: up to the last silence in it."""
        ahead = self._ahead
        assert ahead is not None
        end = ahead.cut_before(min(ahead.rendered, ahead.start + self._max))
        if end <= ahead.start:
            # not rendered far enough yet (a very slow machine): finish the next piece now
            ahead.advance(ahead.cut_after(ahead.start + 1), float("inf"), self._clock)
            end = ahead.cut_before(min(ahead.rendered, ahead.start + self._max))
        if end <= ahead.start:
            end = self._run_end  # the renderer stopped short: play silence to the end
        self._next = (end, ahead.take(end))
        if end >= self._run_end:
            self._ahead = None

    def _join(self, due: float) -> None:
        """Hand over the next stretch: queued behind the last one on a gapless sink (early),
        or started where the one playing ends (a cut in a silence, `due` on the clock)."""
        if self._next is None:
            self._prepare_next()
        assert self._next is not None
        (end, pcm), self._next = self._next, None
        late = self._clock() - due
        if late > 0.005:
            # started late: re-anchor, so the status line and later joins follow the sound
            self._anchor = (self._clock(), self._stretch_end)
        self._start_stretch(end, pcm, self._last if self._gapless else None)

    def _start_stretch(self, end: int, pcm: np.ndarray, after: Stretch | None) -> None:
        if after is not None:
            assert isinstance(self._sink, GaplessSink)
            handle = self._sink.play_after(after.handle, pcm, self._rate)
        else:
            handle = self._sink.play(pcm, self._rate)
        started = self._clock()
        anchor_time, anchor_frame = self._anchor
        expected_end = anchor_time + (end - anchor_frame) / self._rate
        playing = Stretch(handle, pcm, end - len(pcm), started, expected_end)
        self._playing.append(playing)
        self._last = playing
        self._stretch_end = end

    def _render_step(self, time_to_join: float) -> bool:
        """Render a slice of the next stretch; True while there is more to render."""
        ahead = self._ahead
        if ahead is None or ahead.exhausted or time_to_join < 0.05 or self._next is not None:
            return False
        target = min(ahead.start + self._max, self._run_end)
        if ahead.rendered >= target:
            return False
        ahead.advance(target, 0.02, self._clock)
        return ahead.rendered < target and not ahead.exhausted

    def _position(self, now: float) -> int:
        anchor_time, anchor_frame = self._anchor
        return anchor_frame + int((now - anchor_time) * self._rate)

    def _note_completed(self, position: int) -> None:
        for index, start, end in self._work:
            if self._run_start <= start and end <= position:
                self._completed.add(index)

    def _check_sink(self, now: float) -> None:
        try:
            self._playing = still_playing(self._playing, now, hang=self._hang, stall=self._stall)
        except DeviceFailed as failure:
            # where the sound really got to: the device's count where the sink keeps one
            heard = device_position(self._playing)
            if heard is None:
                heard = min(self._position(self._clock()), self.timeline.duration)
            why = f"the audio device {failure.what}"
            raise PlaybackError(self._stopped(heard, why) + "; " + EXPORT_HINT) from None

    def _stopped(self, position: int, why: str) -> str:
        self.position = position
        return stopped_message(self.timeline, position, why)

    def _stop_all(self) -> None:
        """Stop the sound at once and end the continuous run (counting what was heard)."""
        if self._running:
            position = self._position(self._clock())
            self._heard += min(position, self.timeline.duration) - self._run_start
            self._running = False
        for playing in self._playing:
            playing.handle.stop()
        self._playing = []
        self._last = None
        self._ahead = None
        self._next = None
