"""A hand-built export timeline (intro, windows, work phases, outro) and a fake clip source.

Shared by the export tests and by the child processes they interrupt, so no speech engine is
needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from voiceguide.timeline import Event, EventKind, Phase, Timeline

RATE = 8000
HYDRANT = "Standing banded fire hydrant"


@dataclass(frozen=True)
class MoveSpec:
    name: str
    sets: int = 1
    sides: tuple[str | None, ...] = (None,)
    work: float = 6.0  # seconds


@dataclass(frozen=True)
class Where:
    move: str | None = None
    set: int | None = None
    side: str | None = None
    move_number: int | None = None


@dataclass
class Builder:
    """Lays out intro, windows, work phases and outro the way the sequencer does."""

    rate: int
    events: list[Event] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    cursor: int = 0

    def frames(self, seconds: float) -> int:
        return round(seconds * self.rate)

    def sound(self, at: int, kind: EventKind, cue: str, text: str | None, seconds: float,
              where: Where | None = None) -> None:
        where = where or Where()
        self.events.append(Event(at, at + self.frames(seconds), kind, cue, text, where.move,
                                 where.set, where.side, where.move_number))

    def build(self, moves: list[MoveSpec], rounds: int = 1, window: float = 4.0,
              title: str = "Hip mobility") -> Timeline:
        self.sound(self.frames(1), "speech", "title", title, 1.5)
        self.cursor = self.frames(3)
        self.phases.append(Phase(0, self.cursor, "intro"))
        for round_number in range(1, rounds + 1):
            for number, spec in enumerate(moves, start=1):
                for set_number in range(1, spec.sets + 1):
                    for side in spec.sides:
                        where = Where(spec.name, set_number, side, number)
                        start = self.cursor
                        if self.events[-1].role == "go":  # the last work phase ends here
                            self.sound(start, "beep", "end", None, 0.2, where)
                        self.sound(start + self.frames(0.5), "speech", "announce",
                                   f"{spec.name}, set {set_number}", 1.0, where)
                        go = start + self.frames(window)
                        self.sound(go - self.frames(1), "beep", "tick", None, 0.1, where)
                        self.phases.append(Phase(start, go, "window", spec.name, set_number,
                                                 side, None, number, round_number))
                        self.sound(go, "beep", "go", None, 0.3, where)
                        self.cursor = go + self.frames(spec.work)
                        self.phases.append(Phase(go, self.cursor, "work", spec.name,
                                                 set_number, side, None, number, round_number))
        end = self.cursor
        self.sound(end, "beep", "end", None, 0.2)
        self.sound(end + self.frames(0.5), "speech", "outro", "Well done.", 1.0)
        self.sound(end + self.frames(2), "beep", "done", None, 0.5)
        duration = end + self.frames(3.5)
        self.phases.append(Phase(end, duration, "outro"))
        return Timeline(
            title=title, sample_rate=self.rate, duration=duration,
            events=tuple(sorted(self.events, key=lambda event: event.start)),
            phases=tuple(self.phases), warnings=(), voice=None, wpm=170, speech_gain=1.0,
            beep_gain=0.6, move_count=len(moves), summary=f"{len(moves)} moves",
        )


def hip_timeline(rate: int = RATE, rounds: int = 1) -> Timeline:
    return Builder(rate).build(
        [MoveSpec("Side-lying clamshell", sets=2), MoveSpec(HYDRANT, sides=("left", "right"))],
        rounds=rounds,
    )


def long_timeline(minutes: int, rate: int = RATE) -> Timeline:
    """A session of about `minutes` minutes, for interrupting mid-way."""
    return Builder(rate).build([MoveSpec("Plank", sets=minutes, work=56.0)])


class FakeClips:
    """Tones instead of speech: a pitch per text, a fixed length per word."""

    def __init__(self, rate: int = RATE, fail_on: str | None = None) -> None:
        self.rate = rate
        self.fail_on = fail_on

    def _tone(self, pitch: float, seconds: float) -> npt.NDArray[np.float32]:
        time_axis = np.arange(round(seconds * self.rate)) / self.rate
        return (0.4 * np.sin(2 * np.pi * pitch * time_axis)).astype(np.float32)

    def speech(self, text: str) -> npt.NDArray[np.float32]:
        if self.fail_on is not None and self.fail_on in text:
            raise RuntimeError(f"speech engine failed on {text!r}")
        return self._tone(200 + 10 * (len(text) % 30), 0.3 * len(text.split()))

    def sound(self, name: str) -> npt.NDArray[np.float32]:
        return self._tone({"tick": 1000, "go": 1500, "end": 800, "done": 600}.get(name, 400), 0.2)
