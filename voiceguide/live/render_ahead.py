"""Rendering ahead of the sound: the session from a frame onwards, block by block, cut into
stretches for the sink while the stretch before them plays. Stretches end at cut points in
the middle of silences (`Timeline.silent_cuts`), so a join never falls inside a sound."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# blocks of rendered PCM from a frame to the end of the session (render.render_blocks)
RenderFrom = Callable[[int], Iterator["np.ndarray"]]


class RenderAhead:
    """Renders the session from a frame onwards, block by block, and hands out stretches."""

    def __init__(
        self, render_from: RenderFrom, start: int, cuts: list[int], duration: int
    ) -> None:
        self._blocks = render_from(start)
        self._cuts = cuts
        self._duration = duration
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

    def cut_after(self, frame: int) -> int:
        """The first cut at or after `frame` (or the session end)."""
        index = bisect.bisect_left(self._cuts, frame)
        return self._cuts[index] if index < len(self._cuts) else self._duration

    def cut_before(self, frame: int) -> int:
        """The last cut at or before `frame` (the session end from there on); `start` when
        there is none after it."""
        if frame >= self._duration:
            return self._duration
        index = bisect.bisect_right(self._cuts, frame) - 1
        cut = self._cuts[index] if index >= 0 else 0
        return cut if cut > self.start else self.start

    def take(self, end: int) -> np.ndarray:
        """A fresh array of frames [start, end); the rest stays for the next stretch."""
        import numpy as np

        count = end - self.start
        pcm = np.concatenate(self._pending) if self._pending else np.zeros(0, np.int16)
        stretch = np.zeros(count, dtype=np.int16)  # zero-padded should a renderer stop short
        stretch[: min(count, len(pcm))] = pcm[:count]
        self._pending = [pcm[count:].copy()] if len(pcm) > count else []
        self.start = end
        return stretch
