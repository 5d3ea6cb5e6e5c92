"""The sounds already placed in one work phase: an interval set with a gap between members."""

from __future__ import annotations

import bisect


class Placement:
    """Sounds already placed in one work phase, kept sorted, with `gap` frames between them."""

    def __init__(self, gap: int) -> None:
        self.gap = gap
        self.spans: list[tuple[int, int]] = []

    def add(self, start: int, end: int) -> None:
        bisect.insort(self.spans, (start, end))

    def free(self, start: int, end: int) -> bool:
        return self._clash(start, end) is None

    def _clash(self, start: int, end: int) -> tuple[int, int] | None:
        """The placed span that [start, end) would touch (within the gap), if any.

        Spans are disjoint, so only the last one starting before end + gap can reach start.
        """
        index = bisect.bisect_left(self.spans, (end + self.gap,))
        if index and self.spans[index - 1][1] + self.gap > start:
            return self.spans[index - 1]
        return None

    def earliest(self, start: int, length: int, latest: int) -> int | None:
        """The first free start in [start, latest] for a sound of `length` frames."""
        at = start
        while at <= latest:
            clash = self._clash(at, at + length)
            if clash is None:
                return at
            at = clash[1] + self.gap
        return None
