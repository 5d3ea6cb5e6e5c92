"""What the player shows: the status line and the one-line-per-phase log. Pure text, no I/O.

The player reports a `Snapshot` several times a second to a `StatusView`; the views
(live/views.py) format it with the functions here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from voiceguide.timeline import Phase, Timeline
from voiceguide.units import format_clock, plural

_LABELS = {"intro": "Intro", "window": "Get ready", "work": "Work", "outro": "Outro"}


@dataclass(frozen=True)
class Snapshot:
    """Where playback is: a frame of the timeline, and whether it is paused there."""

    position: int
    paused: bool = False


class StatusView(Protocol):
    def update(self, snapshot: Snapshot) -> None:
        """Called several times a second while the session runs (and on every change)."""

    def close(self) -> None:
        """The session ended: leave the screen tidy."""


class SilentView:
    """Shows nothing (`voiceguide play --quiet`)."""

    def update(self, snapshot: Snapshot) -> None:
        pass

    def close(self) -> None:
        pass


def set_totals(timeline: Timeline) -> dict[tuple[int | None, int | None], int]:
    """(move number, round) -> number of sets, read off the work phases."""
    totals: dict[tuple[int | None, int | None], int] = {}
    for phase in timeline.phases:
        if phase.kind == "work" and phase.set is not None:
            key = (phase.move_number, phase.round)
            totals[key] = max(totals.get(key, 0), phase.set)
    return totals


def clock(seconds: float) -> str:
    """A countdown clock, rounded up so it never shows 0:00 while time is left: 1:05, 0:07."""
    whole = max(0, math.ceil(seconds - 1e-9))
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def describe_move(timeline: Timeline, phase: Phase, sets: int | None = None) -> str:
    """'Move 2/4 Standing banded fire hydrant · set 1/2 · left' (empty outside moves)."""
    if phase.move is None:
        return ""
    parts = []
    if phase.move_number is not None:
        parts.append(f"Move {phase.move_number}/{timeline.move_count} {phase.move}")
    else:
        parts.append(phase.move)
    if phase.set is not None and sets is not None and sets > 1:
        parts.append(f"set {phase.set}/{sets}")
    if phase.side is not None:
        parts.append(phase.side)
    return " · ".join(parts)


def phase_label(phase: Phase) -> str:
    if phase.kind == "work" and phase.reps is not None:
        return plural(phase.reps, "rep")
    return _LABELS.get(phase.kind, phase.kind)


class StatusText:
    """Formats snapshots of one timeline (precomputes the set counts once)."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._sets = set_totals(timeline)

    def phase_at(self, frame: int) -> tuple[int, Phase]:
        index = self.timeline.phase_index_at(frame)
        return index, self.timeline.phases[index]

    def _move(self, phase: Phase) -> str:
        return describe_move(self.timeline, phase, self._sets.get((phase.move_number, phase.round)))

    def line(self, snapshot: Snapshot) -> str:
        """The live status line: move, set and side; the phase and its countdown; time left."""
        timeline = self.timeline
        position = min(max(snapshot.position, 0), timeline.duration)
        _, phase = self.phase_at(position)
        phase_left = timeline.seconds(phase.end - position)
        session_left = timeline.seconds(timeline.duration - position)
        parts = [f"{phase_label(phase)} {clock(phase_left)}"]
        move = self._move(phase)
        if move:
            parts.insert(0, move)
        parts.append(f"{clock(session_left)} left")
        text = " | ".join(parts)
        return f"Paused (space resumes) | {text}" if snapshot.paused else text

    def phase_line(self, index: int) -> str:
        """One line when a phase starts: '3:05  Get ready  Move 1/3 Clamshell · left  (12 s)'."""
        phase = self.timeline.phases[index]
        at = self.timeline.seconds(phase.start)
        length = self.timeline.seconds(phase.end - phase.start)
        move = self._move(phase)
        middle = f"{phase_label(phase)}  {move}" if move else phase_label(phase)
        return f"{format_clock(at)}  {middle}  ({length:.0f} s)"
