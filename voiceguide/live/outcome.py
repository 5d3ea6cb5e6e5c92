"""How a live session ended: the result of `play`, and the one line that says where the sound
stopped and where to go on from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceguide.timeline import Timeline


@dataclass(frozen=True)
class PlayResult:
    """How a live session ended."""

    finished: bool  # played to the end; False when the user quit
    position: int  # frame reached
    completed_work: int  # work phases heard from go to end
    total_work: int
    move_number: int | None  # the move at `position`
    heard_frames: int  # frames played, pauses and skips left out


def stopped_message(timeline: Timeline, position: int, why: str) -> str:
    """'playback stopped at 1:05: WHY; continue later with --from 2'"""
    phase = timeline.phases[timeline.phase_index_at(position)]
    where = f"; continue later with --from {phase.move_number}" if phase.move_number else ""
    minutes, seconds = divmod(int(timeline.seconds(position)), 60)
    return f"playback stopped at {minutes}:{seconds:02d}: {why}{where}"
