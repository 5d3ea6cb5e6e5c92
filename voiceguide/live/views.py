"""Where the status goes: one line redrawn on a terminal, or a line per phase on a pipe or file;
and the summary once the session ends."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, TextIO

from voiceguide.live.status import SilentView, Snapshot, StatusText, StatusView

if TYPE_CHECKING:
    from voiceguide.live.player import PlayResult
    from voiceguide.timeline import Timeline


class TerminalStatus:
    """One status line, redrawn in place; cut to the terminal width so it never wraps."""

    def __init__(self, text: StatusText, stream: TextIO, width: int) -> None:
        self._text = text
        self._stream = stream
        self._width = max(width - 1, 20)
        self._shown = ""

    def update(self, snapshot: Snapshot) -> None:
        line = self._text.line(snapshot)[: self._width]
        if line != self._shown:
            self._stream.write("\r" + line + "\x1b[K")
            self._stream.flush()
            self._shown = line

    def close(self) -> None:
        if self._shown:
            self._shown = ""
            self._stream.write("\n")
            self._stream.flush()


class PhaseLog:
    """Not a terminal: one line when a phase starts, and one per pause."""

    def __init__(self, text: StatusText, stream: TextIO) -> None:
        self._text = text
        self._stream = stream
        self._last: tuple[int, bool] | None = None

    def update(self, snapshot: Snapshot) -> None:
        index, _ = self._text.phase_at(snapshot.position)
        if self._last == (index, snapshot.paused):
            return
        if snapshot.paused:
            line = f"paused at {self._text.line(snapshot).split(' | ', 1)[1]}"
        else:
            line = self._text.phase_line(index)
        self._last = (index, snapshot.paused)
        self._stream.write(line + "\n")
        self._stream.flush()

    def close(self) -> None:
        pass


def make_view(timeline: Timeline, stream: TextIO, *, quiet: bool = False) -> StatusView:
    """The view `voiceguide play` shows on `stream`: nothing when quiet, the status line on a
    terminal, the phase log on anything else."""
    if quiet:
        return SilentView()
    text = StatusText(timeline)
    if stream.isatty():
        return TerminalStatus(text, stream, shutil.get_terminal_size().columns)
    return PhaseLog(text, stream)


def summary(result: PlayResult, timeline: Timeline, script: str) -> str:
    """The line after a session: the work done and the time played; where to continue."""
    from voiceguide.units import format_clock, plural

    total = format_clock(timeline.seconds(timeline.duration))
    heard = format_clock(timeline.seconds(result.heard_frames))
    work = f"{result.completed_work} of {plural(result.total_work, 'work phase')} done"
    if result.finished:
        return f"Finished: {work}, {heard} played."
    at = format_clock(timeline.seconds(result.position))
    again = ""
    if result.move_number is not None:
        again = f" Continue with: voiceguide play {script} --from {result.move_number}"
    return f"Stopped at {at} of {total}: {work}, {heard} played.{again}"
