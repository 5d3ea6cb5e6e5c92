"""The sequencer: a Routine and measured speech lengths -> a Timeline at integer frames.

Pure: it knows nothing of engines, devices or files. Sounds are placed by the rules of section 3
of the routine format; see docs/ROUTINE_FORMAT.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


# text -> length in frames at the session rate, measured from the real (trimmed) clip
MeasureSpeech = Callable[[str], int]
# cue sound name (tick, go, end, rep, done) -> length in frames at the session rate
SoundLengths = Mapping[str, int]
