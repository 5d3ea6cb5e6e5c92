"""Stand-ins for the player's unit tests: a fake clock, scripted keys, a recording sink and
status view, and a hand-built timeline whose every frame has a value of its own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from voiceguide.errors import PlaybackError
from voiceguide.live.status import Snapshot
from voiceguide.timeline import Event, Phase, Timeline

RATE = 800  # frames per second: small arrays; 40 s fit in distinct int16 values


def s(seconds: float) -> int:
    return round(seconds * RATE)


def frames_pcm(first: int, last: int) -> np.ndarray:
    """The 'rendered' session: frame f has the value f + 1, so a sample tells its frame."""
    return (np.arange(first, last) + 1).astype(np.int16)


def hand_timeline() -> Timeline:
    """Intro, two moves (window + work each), outro; 40 s at 800 frames/s."""

    def speech(start: float, end: float, text: str, move: str | None = None) -> Event:
        return Event(s(start), s(end), "speech", "announce", text, move=move)

    def beep(at: float, cue: str, move: str | None = None) -> Event:
        return Event(s(at), s(at + 0.2), "beep", cue, None, move=move)

    events = [
        speech(1.0, 2.5, "Test routine"),
        speech(3.0, 5.0, "Move 1 of 2. Plank.", "Plank"),
        beep(7.0, "tick", "Plank"),
        beep(8.0, "tick", "Plank"),
        beep(9.0, "tick", "Plank"),
        beep(10.0, "go", "Plank"),
        speech(14.0, 15.0, "Halfway.", "Plank"),
        beep(20.0, "end", "Plank"),
        speech(21.0, 23.0, "Move 2 of 2. Bridge.", "Bridge"),
        beep(26.0, "tick", "Bridge"),
        beep(27.0, "tick", "Bridge"),
        beep(28.0, "tick", "Bridge"),
        beep(29.0, "go", "Bridge"),
        beep(35.0, "end", "Bridge"),
        speech(35.5, 37.0, "Well done."),
        beep(37.5, "done"),
    ]
    phases = [
        Phase(0, s(3.0), "intro"),
        Phase(s(3.0), s(10.0), "window", "Plank", 1, None, None, 1, 1),
        Phase(s(10.0), s(20.0), "work", "Plank", 1, None, None, 1, 1),
        Phase(s(20.0), s(29.0), "window", "Bridge", 1, "left", None, 2, 1),
        Phase(s(29.0), s(35.0), "work", "Bridge", 1, "left", 6, 2, 1),
        Phase(s(35.0), s(40.0), "outro"),
    ]
    return Timeline(
        title="Test routine",
        sample_rate=RATE,
        duration=s(40.0),
        events=tuple(events),
        phases=tuple(phases),
        warnings=(),
        voice=None,
        wpm=170,
        speech_gain=1.0,
        beep_gain=0.6,
        move_count=2,
        summary="2 moves, 40 s",
    )


def render_from(timeline: Timeline, block: int = 700) -> object:
    def blocks(first: int) -> Iterator[np.ndarray]:
        for start in range(first, timeline.duration, block):
            yield frames_pcm(start, min(start + block, timeline.duration))

    return blocks


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ScriptedKeys:
    """Keys pressed at given clock times; reading waits on the fake clock."""

    def __init__(self, clock: FakeClock, script: list[tuple[float, str]]) -> None:
        self._clock = clock
        self._script = sorted(script)

    def read(self, timeout: float) -> str | None:
        if self._script and self._script[0][0] <= self._clock.now + timeout:
            at, key = self._script.pop(0)
            self._clock.now = max(self._clock.now, at)
            if key == "^C":
                raise KeyboardInterrupt
            return key
        self._clock.now += max(timeout, 0.0)
        return None


@dataclass
class FakeHandle:
    clock: FakeClock
    pcm: np.ndarray
    snapshot: np.ndarray  # a copy made at play time: the buffer must stay unchanged
    started: float
    rate: int
    stopped_at: float | None = None
    fails_at: float | None = None  # the device dies then
    hangs: bool = False

    @property
    def natural_end(self) -> float:
        return self.started + len(self.pcm) / self.rate

    def is_playing(self) -> bool:
        now = self.clock.now
        if self.stopped_at is not None or (self.fails_at is not None and now >= self.fails_at):
            return False
        return self.hangs or now < self.natural_end

    def stop(self) -> None:
        if self.stopped_at is None:
            self.stopped_at = self.clock.now

    def wait(self) -> None:
        self.clock.now = max(self.clock.now, self.natural_end)

    def heard(self) -> np.ndarray:
        """The frames that came out before a stop (or failure)."""
        ends = [t for t in (self.stopped_at, self.fails_at) if t is not None]
        end = min([self.natural_end, *ends])
        return self.pcm[: max(0, round((end - self.started) * self.rate))]


@dataclass
class RecordingSink:
    clock: FakeClock
    opened: int = 0
    closed: int = 0
    handles: list[FakeHandle] = field(default_factory=list)
    open_error: str | None = None
    fail_after: float | None = None  # device dies this many seconds into the session
    hang: bool = False

    def open(self) -> None:
        self.opened += 1
        if self.open_error:
            raise PlaybackError(self.open_error)

    def play(self, pcm: np.ndarray, sample_rate: int) -> FakeHandle:
        if self.fail_after is not None and self.clock.now >= self.fail_after:
            raise PlaybackError("cannot play: the device is gone")
        handle = FakeHandle(
            self.clock, pcm, pcm.copy(), self.clock.now, sample_rate,
            fails_at=self.fail_after, hangs=self.hang,
        )
        self.handles.append(handle)
        return handle

    def close(self) -> None:
        self.closed += 1

    def first_frame(self, index: int) -> int:
        """Which timeline frame a played buffer starts at (read off its first sample)."""
        return int(self.handles[index].pcm[0]) - 1


@dataclass
class TrackedFakeHandle(FakeHandle):
    """A handle that tells how far the device has got; the device may stall (stops taking
    sound, never finishes) at `stalls_at`."""

    stalls_at: float | None = None

    def is_playing(self) -> bool:
        if self.stalls_at is not None and self.clock.now >= self.stalls_at:
            return self.stopped_at is None  # a stalled device never finishes
        return super().is_playing()

    def progress(self) -> tuple[int, float]:
        now = self.clock.now
        idle = 0.0
        if self.stalls_at is not None and now > self.stalls_at:
            now, idle = self.stalls_at, now - self.stalls_at
        if self.stopped_at is not None:
            now = min(now, self.stopped_at)
        played = min(max(round((now - self.started) * self.rate), 0), len(self.pcm))
        return played, idle


@dataclass
class GaplessRecordingSink(RecordingSink):
    """A sink that queues buffers back to back (as the ALSA sink does), with tracked handles."""

    stall_after: float | None = None  # the device stops taking sound this far into the session
    queued_at: list[float] = field(default_factory=list)  # clock time of each play/play_after

    def play(self, pcm: np.ndarray, sample_rate: int) -> TrackedFakeHandle:
        return self._handle(pcm, sample_rate, self.clock.now)

    def play_after(
        self, before: FakeHandle, pcm: np.ndarray, sample_rate: int
    ) -> TrackedFakeHandle:
        assert any(handle is before for handle in self.handles)
        start = self.clock.now if before.stopped_at is not None else before.natural_end
        return self._handle(pcm, sample_rate, max(start, self.clock.now))

    def _handle(self, pcm: np.ndarray, sample_rate: int, start: float) -> TrackedFakeHandle:
        handle = TrackedFakeHandle(
            self.clock, pcm, pcm.copy(), start, sample_rate, stalls_at=self.stall_after
        )
        self.handles.append(handle)
        self.queued_at.append(self.clock.now)
        return handle


class RecordingView:
    """A status view that keeps every snapshot it is shown."""

    def __init__(self) -> None:
        self.snapshots: list[Snapshot] = []
        self.closed = False

    def update(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)

    def close(self) -> None:
        self.closed = True
