"""Live playback: the rendered session as long sample-clocked stretches on an audio sink.

Why it is built this way:
- The sound card's clock places every sound: a stretch is one buffer handed to the sink once,
  so nothing inside it can drift or drop. No cue is scheduled with sleep.
- Stretches are joined only at cut points in the middle of silences. The first stretch is short
  (quick start); the rest is rendered while it plays and follows as one long stretch, so a
  session has very few joins. A join is started on the monotonic clock at the frame where the
  stretch before it ends.
- A buffer stays referenced and unchanged while it plays (simpleaudio does not copy it).
- Position for the status line and keys comes from a monotonic clock anchored where a stretch
  started; the sink has no position query.
"""

from __future__ import annotations

import bisect
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from voiceguide.errors import PlaybackError, ScriptError
from voiceguide.live.keys import KeySource, NoKeys
from voiceguide.live.status import SilentView, Snapshot, StatusView, phase_index_at
from voiceguide.timeline import Timeline

EXPORT_HINT = "use `voiceguide export` to write the session to a file and play that instead"

# blocks of rendered PCM from a frame to the end of the session (render.render_blocks)
RenderFrom = Callable[[int], Iterator[np.ndarray]]


# --- sinks -----------------------------------------------------------------------------------


class PlayHandle(Protocol):
    def is_playing(self) -> bool: ...

    def stop(self) -> None: ...

    def wait(self) -> None: ...


class Sink(Protocol):
    """Where PCM goes: int16 mono at a sample rate, one buffer per call, played at once."""

    def open(self) -> None:
        """Check the device (bounded in time); raise PlaybackError when there is none."""

    def play(self, pcm: np.ndarray, sample_rate: int) -> PlayHandle:
        """Start playing `pcm` now. The caller keeps `pcm` alive and unchanged meanwhile."""

    def close(self) -> None: ...


_PROBE = """
import sys
try:
    import simpleaudio
    play = simpleaudio.play_buffer(bytes(2 * int(sys.argv[1]) // 50), 1, 2, int(sys.argv[1]))
    play.stop()
except Exception as error:
    print(str(error).splitlines()[0] if str(error) else type(error).__name__)
    sys.exit(1)
"""


class SimpleaudioSink:
    """The default sink: simpleaudio (ALSA on Linux, CoreAudio, WinMM).

    simpleaudio opens the device inside `play_buffer` while holding the GIL, so a device that
    hangs would hang the whole process. The first open is therefore tried in a child process
    with a time limit; it starts on construction so it overlaps the session's preparation.
    """

    def __init__(self, sample_rate: int = 22050, *, timeout: float = 5.0) -> None:
        self._sample_rate = sample_rate
        self._timeout = timeout
        self._probe: subprocess.Popen[str] | None = subprocess.Popen(
            [sys.executable, "-c", _PROBE, str(sample_rate)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._opened = False

    def open(self) -> None:
        if self._opened:
            return
        probe, self._probe = self._probe, None
        if probe is not None:
            try:
                output, _ = probe.communicate(timeout=self._timeout)
            except subprocess.TimeoutExpired:
                probe.kill()
                probe.wait()
                raise PlaybackError(
                    f"cannot play: the audio device did not answer within {self._timeout:g} s; "
                    + EXPORT_HINT
                ) from None
            if probe.returncode != 0:
                raise PlaybackError(_no_device(output.strip() or f"status {probe.returncode}"))
        _quiet_alsa()
        # one short silent buffer in this process: loads the audio libraries now, so the
        # first real stretch starts with the same latency as every later one
        handle = self.play(np.zeros(self._sample_rate // 100, dtype=np.int16), self._sample_rate)
        handle.stop()
        self._opened = True

    def play(self, pcm: np.ndarray, sample_rate: int) -> PlayHandle:
        import simpleaudio

        if pcm.dtype != np.int16 or pcm.ndim != 1 or not pcm.flags.c_contiguous:
            raise ValueError("the sink plays C-contiguous int16 mono arrays")
        try:
            play_object = simpleaudio.play_buffer(pcm, 1, 2, sample_rate)
        except Exception as error:  # SimpleaudioError, or ValueError for an odd rate
            raise PlaybackError(_no_device(str(error))) from None
        return _SimpleaudioHandle(play_object, pcm)

    def close(self) -> None:
        if self._probe is not None:
            self._probe.kill()
            self._probe.wait()
            self._probe = None


class _SimpleaudioHandle:
    def __init__(self, play_object: object, pcm: np.ndarray) -> None:
        self._play = play_object
        self.pcm = pcm  # keeps the buffer alive as long as the handle

    def is_playing(self) -> bool:
        return bool(self._play.is_playing())  # type: ignore[attr-defined]

    def stop(self) -> None:
        self._play.stop()  # type: ignore[attr-defined]

    def wait(self) -> None:
        self._play.wait_done()  # type: ignore[attr-defined]


def _no_device(detail: str) -> str:
    first = detail.splitlines()[0] if detail else "unknown error"
    return f"cannot play: no working audio output device ({first}); {EXPORT_HINT}"


_alsa_handler: object = None


def _quiet_alsa() -> None:
    """Keep libasound's own messages off stderr: a failure becomes one line of ours instead."""
    global _alsa_handler
    if _alsa_handler is not None or not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("asound")
    if name is None:
        return
    try:
        library = ctypes.CDLL(name)
        handler_type = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )

        def ignore(file: bytes, line: int, function: bytes, error: int, text: bytes) -> None:
            pass

        _alsa_handler = handler_type(ignore)  # referenced forever: C keeps calling it
        library.snd_lib_error_set_handler(_alsa_handler)
    except (OSError, AttributeError):
        pass


# --- where a key takes the session ------------------------------------------------------------


def silent_cuts(timeline: Timeline, min_gap: float = 0.1) -> list[int]:
    """Frames in the middle of every silence of at least `min_gap` s: where stretches may join."""
    gap = round(min_gap * timeline.sample_rate)
    cuts = []
    sound_end = 0
    for event in sorted(timeline.events, key=lambda event: event.start):
        if event.start - sound_end >= gap:
            cuts.append((sound_end + event.start) // 2)
        sound_end = max(sound_end, event.end)
    if timeline.duration - sound_end >= gap:
        cuts.append((sound_end + timeline.duration) // 2)
    return [cut for cut in cuts if 0 < cut < timeline.duration]


def resume_point(timeline: Timeline, frame: int) -> int:
    """Where a pause resumes: the start of the phase, or for a work phase its window's start,
    so no hold is cut short and its countdown is heard again."""
    index = phase_index_at(timeline, frame)
    phase = timeline.phases[index]
    if phase.kind == "work" and index > 0 and timeline.phases[index - 1].kind == "window":
        return timeline.phases[index - 1].start
    return phase.start


def next_point(timeline: Timeline, frame: int) -> int:
    """Where `n` goes: the next phase. From a window, that is the work phase with its lead-in:
    the wait is cut to 1 s before the countdown (or to the end of the window's speech, if later);
    pressed again there, straight to the go beep. From the outro: the end."""
    phases = timeline.phases
    index = phase_index_at(timeline, frame)
    phase = phases[index]
    if phase.kind == "window" and index + 1 < len(phases) and phases[index + 1].kind == "work":
        work = phases[index + 1]
        inside = [e for e in timeline.events if phase.start <= e.start < work.start]
        # the window's speech, then its countdown: the beeps after the speech (a beep at the
        # window's very start is the end beep of the phase before)
        spoken = max([e.end for e in inside if e.kind == "speech"], default=phase.start)
        countdown = min(
            [e.start for e in inside if e.kind == "beep" and e.start >= spoken],
            default=work.start,
        )
        target = max(countdown - timeline.sample_rate, spoken)
        return target if target > frame else work.start
    return phases[index + 1].start if index + 1 < len(phases) else timeline.duration


def move_start(timeline: Timeline, frame: int) -> int:
    """Where `b` goes: the first phase of the current move (its first announcement)."""
    phases = timeline.phases
    index = phase_index_at(timeline, frame)
    phase = phases[index]
    if phase.move_number is None:
        return phase.start
    while index > 0 and (phases[index - 1].move_number, phases[index - 1].round) == (
        phase.move_number,
        phase.round,
    ):
        index -= 1
    return phases[index].start


def find_move(timeline: Timeline, spec: str) -> int:
    """The start frame of a move given by number ("2") or name (case-insensitive, or a part of
    the name that fits one move only)."""
    names: dict[int, str] = {}
    starts: dict[int, int] = {}
    for phase in timeline.phases:
        if phase.move_number is not None and phase.move is not None:
            names.setdefault(phase.move_number, phase.move)
            starts.setdefault(phase.move_number, phase.start)
    listing = ", ".join(f"{number} {name}" for number, name in sorted(names.items()))
    text = spec.strip()
    if text.isdigit():
        number = int(text)
        if number in starts:
            return starts[number]
        raise ScriptError(f"no move {number}: the routine has {len(names)} ({listing})")
    wanted = text.casefold()
    exact = [number for number, name in names.items() if name.casefold() == wanted]
    partial = [number for number, name in names.items() if wanted in name.casefold()]
    matches = (exact or partial) if wanted else []
    if len(matches) == 1:
        return starts[matches[0]]
    if len(matches) > 1:
        which = ", ".join(f"{number} {names[number]}" for number in sorted(matches))
        raise ScriptError(f'"{spec}" fits several moves ({which}); give the number')
    raise ScriptError(f'no move named "{spec}"; the moves are: {listing}')


# --- rendering ahead -----------------------------------------------------------------------------


class _RenderAhead:
    """Renders the session from a frame onwards, block by block, and hands out stretches."""

    def __init__(self, render_from: RenderFrom, start: int) -> None:
        self._blocks = render_from(start)
        self._pending: list[np.ndarray] = []
        self.start = start  # first frame not handed out yet
        self.rendered = start  # frames up to here are in _pending
        self.exhausted = False

    def advance(self, until: int, budget: float, clock: Callable[[], float]) -> None:
        """Render blocks until frame `until` is covered or `budget` seconds are used."""
        deadline = clock() + budget
        while not self.exhausted and self.rendered < until:
            block = next(self._blocks, None)
            if block is None:
                self.exhausted = True
                break
            self._pending.append(block)
            self.rendered += len(block)
            if clock() >= deadline:
                break

    def take(self, end: int) -> np.ndarray:
        """A fresh array of frames [start, end); the rest stays for the next stretch."""
        count = end - self.start
        pcm = np.concatenate(self._pending) if self._pending else np.zeros(0, np.int16)
        stretch = np.zeros(count, dtype=np.int16)  # zero-padded should a renderer stop short
        stretch[: min(count, len(pcm))] = pcm[:count]
        self._pending = [pcm[count:].copy()] if len(pcm) > count else []
        self.start = end
        return stretch


# --- the player -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayResult:
    finished: bool  # played to the end; False when the user quit
    position: int  # frame reached
    completed_work: int  # work phases heard from go to end
    total_work: int
    move_number: int | None  # the move at `position`
    heard_frames: int  # frames played, pauses and skips left out


@dataclass
class _Playing:
    handle: PlayHandle
    pcm: np.ndarray  # referenced until the sink is done with it
    started: float  # clock time of the play call
    expected_end: float  # clock time its last frame is due


class Player:
    """Plays a timeline on a sink and follows the keys: space, n, b, q."""

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
        max_stretch: float = 1800.0,
        hang_timeout: float = 5.0,
    ) -> None:
        self.timeline = timeline
        self._sink = sink
        self._render_from = render_from
        self._keys = keys or NoKeys()
        self._view = view or SilentView()
        self._clock = clock
        self._refresh = refresh
        self._rate = timeline.sample_rate
        self._first = round(first_stretch * self._rate)
        self._max = round(max_stretch * self._rate)
        self._hang = hang_timeout
        self._cuts = silent_cuts(timeline)
        self._work = [
            (index, phase.start, phase.end)
            for index, phase in enumerate(timeline.phases)
            if phase.kind == "work"
        ]
        self._playing: list[_Playing] = []
        self._ahead: _RenderAhead | None = None
        self._next: tuple[int, np.ndarray] | None = None  # the next stretch, cut and ready
        self._stretch_end = 0  # frame where the stretch now playing ends
        self._anchor = (0.0, 0)  # (clock time, frame) of the continuous run now playing
        self._run_start = 0
        self._running = False
        self._completed: set[int] = set()
        self._heard = 0

    # -- public

    def run(self, start: int = 0) -> PlayResult:
        """Play from frame `start` to the end, or until the user quits. Raises PlaybackError."""
        timeline = self.timeline
        start = min(max(start, 0), timeline.duration)
        self._sink.open()
        try:
            position = self._loop(start)
        finally:
            self._stop_all()
            self._view.close()
        finished = position >= timeline.duration
        phase = timeline.phases[phase_index_at(timeline, position)] if timeline.phases else None
        return PlayResult(
            finished=finished,
            position=min(position, timeline.duration),
            completed_work=len(self._completed),
            total_work=len(self._work),
            move_number=phase.move_number if phase else None,
            heard_frames=self._heard,
        )

    # -- the loop

    def _loop(self, start: int) -> int:
        duration = self.timeline.duration
        if start >= duration:
            return duration
        self._begin(start)
        paused_at: int | None = None
        while True:
            if paused_at is not None:
                self._view.update(Snapshot(paused_at, paused=True))
                key = self._keys.read(self._refresh)
                if key in ("q", "Q"):
                    return paused_at
                # space resumes; n and b jump from where it paused and play on
                moves = {" ": resume_point, "n": next_point, "b": move_start}
                jump = moves.get(key.lower()) if key else None
                if jump is not None:
                    target = jump(self.timeline, paused_at)
                    if target >= duration:
                        return duration
                    self._begin(target)
                    paused_at = None
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
                self._note_completed(duration)
                self._heard += duration - self._run_start
                self._running = False
                return duration
            self._view.update(Snapshot(min(position, duration)))

            # render the next stretch while this one plays, in slices so keys stay responsive;
            # cut it ready well before the join, so the join itself is only the play call
            rendering = self._render_step(join_at - now)
            ready_to_cut = not rendering or join_at - self._clock() < 0.3
            if self._next is None and self._ahead is not None and ready_to_cut:
                self._prepare_next()
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
                self._view.update(Snapshot(paused_at, paused=True))
            elif key in ("n", "N"):
                target = next_point(self.timeline, position)
                if target >= duration:
                    self._stop_all()
                    return duration
                self._begin(target)
            elif key in ("b", "B"):
                self._begin(move_start(self.timeline, position))

    def _begin(self, start: int) -> None:
        """Start a continuous run at `start` (< duration): render a short first stretch, play it."""
        self._stop_all()
        ahead = _RenderAhead(self._render_from, start)
        first_end = self._cut_after(start + self._first)
        ahead.advance(first_end, float("inf"), self._clock)
        first_end = min(first_end, ahead.rendered)
        pcm = ahead.take(first_end)
        self._ahead = ahead if first_end < self.timeline.duration else None
        self._run_start = start
        self._running = True
        self._anchor = (self._clock(), start)
        self._start_stretch(first_end, pcm)

    def _join_time(self) -> float:
        anchor_time, anchor_frame = self._anchor
        return anchor_time + (self._stretch_end - anchor_frame) / self._rate

    def _prepare_next(self) -> None:
        """Cut the next stretch out of what is rendered: up to the last silence in it."""
        ahead = self._ahead
        assert ahead is not None
        end = self._cut_before(min(ahead.rendered, ahead.start + self._max), ahead)
        if end <= ahead.start:
            # not rendered far enough yet (a very slow machine): finish the next piece now
            ahead.advance(self._cut_after(ahead.start + 1), float("inf"), self._clock)
            end = self._cut_before(min(ahead.rendered, ahead.start + self._max), ahead)
        if end <= ahead.start:
            end = self.timeline.duration  # the renderer stopped short: play silence to the end
        self._next = (end, ahead.take(end))
        if end >= self.timeline.duration:
            self._ahead = None

    def _join(self, due: float) -> None:
        """Start the next stretch where the one playing ends (a cut in a silence)."""
        if self._next is None:
            self._prepare_next()
        assert self._next is not None
        (end, pcm), self._next = self._next, None
        late = self._clock() - due
        if late > 0.005:
            # started late: re-anchor, so the status line and later joins follow the sound
            self._anchor = (self._clock(), self._stretch_end)
        self._start_stretch(end, pcm)

    def _start_stretch(self, end: int, pcm: np.ndarray) -> None:
        handle = self._sink.play(pcm, self._rate)
        started = self._clock()
        anchor_time, anchor_frame = self._anchor
        expected_end = anchor_time + (end - anchor_frame) / self._rate
        self._playing.append(_Playing(handle, pcm, started, expected_end))
        self._stretch_end = end

    def _render_step(self, time_to_join: float) -> bool:
        """Render a slice of the next stretch; True while there is more to render."""
        ahead = self._ahead
        if ahead is None or ahead.exhausted or time_to_join < 0.05 or self._next is not None:
            return False
        target = min(ahead.start + self._max, self.timeline.duration)
        if ahead.rendered >= target:
            return False
        ahead.advance(target, 0.02, self._clock)
        return ahead.rendered < target and not ahead.exhausted

    def _cut_after(self, frame: int) -> int:
        index = bisect.bisect_left(self._cuts, frame)
        return self._cuts[index] if index < len(self._cuts) else self.timeline.duration

    def _cut_before(self, frame: int, ahead: _RenderAhead) -> int:
        """The last cut at or before `frame` (or the session end once it is all rendered)."""
        if frame >= self.timeline.duration:
            return self.timeline.duration
        index = bisect.bisect_right(self._cuts, frame) - 1
        cut = self._cuts[index] if index >= 0 else 0
        return cut if cut > ahead.start else ahead.start

    def _position(self, now: float) -> int:
        anchor_time, anchor_frame = self._anchor
        return anchor_frame + int((now - anchor_time) * self._rate)

    def _note_completed(self, position: int) -> None:
        for index, start, end in self._work:
            if self._run_start <= start and end <= position:
                self._completed.add(index)

    def _check_sink(self, now: float) -> None:
        """A stretch that ends early, or never ends, means the device failed."""
        still = []
        for playing in self._playing:
            length = playing.expected_end - playing.started
            slack = 0.5 + 0.002 * length
            if playing.handle.is_playing():
                if now > playing.expected_end + self._hang:
                    raise PlaybackError(self._failed("stopped responding"))
                still.append(playing)
            elif now < playing.expected_end - slack:
                raise PlaybackError(self._failed("failed"))
        self._playing = still

    def _failed(self, what: str) -> str:
        position = min(self._position(self._clock()), self.timeline.duration)
        phase = self.timeline.phases[phase_index_at(self.timeline, position)]
        where = f"; continue later with --from {phase.move_number}" if phase.move_number else ""
        at = self.timeline.seconds(position)
        minutes, seconds = divmod(int(at), 60)
        return f"playback stopped at {minutes}:{seconds:02d}: the audio device {what}{where}; " + (
            EXPORT_HINT
        )

    def _stop_all(self) -> None:
        """Stop the sound at once and end the continuous run (counting what was heard)."""
        if self._running:
            position = self._position(self._clock())
            self._heard += min(position, self.timeline.duration) - self._run_start
            self._running = False
        for playing in self._playing:
            playing.handle.stop()
        self._playing = []
        self._ahead = None
        self._next = None
