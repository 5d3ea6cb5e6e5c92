"""The timeline: every sound of a session and the phases that tile it, at integer frames.

A plain value, made by the sequencer (`sequencer.build_timeline`) and read by the renderer, the
player and the outputs. It knows nothing of engines, devices or files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EventKind = Literal["speech", "beep"]
PhaseKind = Literal["intro", "window", "work", "outro"]


@dataclass(frozen=True)
class Event:
    """One sound: speech (text) or a beep (cue names the sound), frames [start, end)."""

    start: int
    end: int
    kind: EventKind
    cue: str
    text: str | None
    move: str | None = None
    set: int | None = None
    side: str | None = None
    move_number: int | None = None


@dataclass(frozen=True)
class Phase:
    """A stretch of the session, frames [start, end). Phases tile the session."""

    start: int
    end: int
    kind: PhaseKind
    move: str | None = None
    set: int | None = None
    side: str | None = None
    reps: int | None = None
    move_number: int | None = None
    round: int | None = None


@dataclass(frozen=True)
class Timeline:
    title: str
    sample_rate: int
    duration: int  # frames
    events: tuple[Event, ...]  # sorted by start
    phases: tuple[Phase, ...]  # sorted, tiling [0, duration)
    warnings: tuple[str, ...]
    voice: str | None
    rate: int
    speech_gain: float
    beep_gain: float
    move_count: int
    summary: str  # one line: moves and length, for tags

    def seconds(self, frames: int) -> float:
        return frames / self.sample_rate
