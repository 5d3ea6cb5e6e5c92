"""Where live play parts from the export at the hold of a `wait` move: the prepare time the
export plays is left out, and play stops at the hold until space is pressed."""

from __future__ import annotations

from collections.abc import Sequence

from voiceguide.timeline import Hold


def past_skips(holds: Sequence[Hold], start: int) -> int:
    """A start inside the prepare time of a `wait` move moves to its end: live play holds
    instead."""
    for hold in holds:
        if hold.skip_from <= start < hold.skip_to:
            return hold.skip_to
    return start


def stop_after(holds: Sequence[Hold], start: int, duration: int) -> int:
    """Where a run from `start` stops: the next place live play parts from the export (a
    prepare time to leave out, a hold), or the end (`duration`)."""
    marks = [mark for hold in holds for mark in (hold.skip_from, hold.at)]
    return min([mark for mark in marks if mark > start], default=duration)
