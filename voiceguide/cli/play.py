"""`voiceguide play`: the session live, hands-free, with keys and a status line.

`cli` registers this command; errors propagate to `cli.main`, which prints
them as one line (PlaybackError: exit status 1; Ctrl-C: 130).
"""

from __future__ import annotations

import shutil
import sys
from typing import TYPE_CHECKING, TextIO

import click

from voiceguide.cli.completion import complete_move, complete_script
from voiceguide.cli.options import load_session, session_options
from voiceguide.errors import ScriptError

if TYPE_CHECKING:


    from voiceguide.live.player import PlayResult
    from voiceguide.live.status import Snapshot, StatusText, StatusView
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
            self._stream.write("\n")
            self._stream.flush()
            self._shown = ""


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


def make_view(timeline: Timeline, quiet: bool, stream: TextIO) -> StatusView:
    from voiceguide.live.status import SilentView, StatusText

    if quiet:
        return SilentView()
    text = StatusText(timeline)
    if stream.isatty():
        return TerminalStatus(text, stream, shutil.get_terminal_size().columns)
    return PhaseLog(text, stream)


def summary(result: PlayResult, timeline: Timeline, script: str) -> str:
    from voiceguide.units import format_clock

    total = format_clock(timeline.seconds(timeline.duration))
    heard = format_clock(timeline.seconds(result.heard_frames))
    work = f"{result.completed_work} of {result.total_work} work phases done"
    if result.finished:
        return f"Finished: {work}, {heard} played."
    at = format_clock(timeline.seconds(result.position))
    again = ""
    if result.move_number is not None:
        again = f" Continue with: voiceguide play {script} --from {result.move_number}"
    return f"Stopped at {at} of {total}: {work}, {heard} played.{again}"


@click.command()
@click.argument("script", shell_complete=complete_script)
@session_options
@click.option(
    "--from", "from_move", metavar="MOVE", shell_complete=complete_move,
    help="Start at a move: its number or name.",
)
@click.option("--quiet", is_flag=True, help="No status line and no summary.")
def play(
    script: str,
    voice: str | None,
    rate: int | None,
    sample_rate: str,
    from_move: str | None,
    quiet: bool,
) -> None:
    """Play a routine live, hands-free.

    Keys while playing: space pauses and resumes (the phase restarts from its get-ready
    window), n skips to the next phase, b goes back to the start of the move, q quits.

    \b
    Example:
        voiceguide play hip-mobility
        voiceguide play hip-mobility --from 3
    """
    from voiceguide.live.player import SimpleaudioSink

    # the sink checks the device in a child process from now on, while the session is prepared
    sink = SimpleaudioSink(int(sample_rate))
    try:
        session = load_session(script, voice, rate, sample_rate)
        timeline = session.timeline
        start = 0
        if from_move is not None:
            try:
                start = session.start_of(from_move)
            except ScriptError as error:
                raise click.BadParameter(str(error), param_hint="'--from'") from None
        result = session.play(start=start, sink=sink, view=make_view(timeline, quiet, sys.stdout))
    finally:
        sink.close()
    if not quiet:
        click.echo(summary(result, timeline, script))
