"""`voiceguide play`: the session live, hands-free, with keys and a status line.

`cli` registers this command; errors propagate to `cli.main`, which prints
them as one line (PlaybackError: exit status 1; Ctrl-C: 130, after the summary that says where
to continue, as `q` gives).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

import click

from voiceguide.cli.completion import complete_move, complete_script
from voiceguide.cli.options import load_session, session_options
from voiceguide.errors import PlaybackError, ScriptError


@click.command()
@click.argument("script", shell_complete=complete_script)
@session_options
@click.option(
    "--from", "from_move", metavar="MOVE", shell_complete=complete_move,
    help="Start at a move: its number or name.",
)
@click.option("--quiet", is_flag=True, help="No status line and no summary.")
@click.option(
    "--no-media-keys", is_flag=True,
    help="Linux: leave the desktop's media keys and headset buttons alone (no MPRIS player).",
)
def play(
    script: str,
    voice: str | None,
    rate: int | None,
    sample_rate: str,
    from_move: str | None,
    quiet: bool,
    no_media_keys: bool,
) -> None:
    """Play a routine live, hands-free.

    Keys while playing: space pauses and resumes (the phase restarts from its get-ready
    window), n skips to the next phase, b goes back to the start of the move, q quits.
    On Linux the media keys and a headset's buttons do the same (play/pause, next,
    previous, stop), and the desktop's media controls show the move playing.

    \b
    Example:
        voiceguide play hip-mobility
        voiceguide play hip-mobility --from 3
    """
    from voiceguide.live import (
        Interrupted,
        MprisRemote,
        Stopped,
        default_sink,
        make_view,
        play_timeline,
        summary,
    )

    # the sink opens the device from now on, while the session is prepared
    sink = default_sink(int(sample_rate))
    ending: int | None = None
    try:
        session = load_session(script, voice, rate, sample_rate)
        timeline = session.timeline
        start = 0
        if from_move is not None:
            try:
                start = session.start_of(from_move)
            except ScriptError as error:
                raise click.BadParameter(str(error), param_hint="'--from'") from None
        view = make_view(timeline, sys.stdout, quiet=quiet)
        try:
            # media keys where a desktop may have them; without a session bus, nothing happens
            remote = None if no_media_keys or sys.platform != "linux" else MprisRemote()
            result = play_timeline(
                timeline, session.clips, start=start, sink=sink, view=view, remote=remote
            )
        except PlaybackError:
            _forget_closed_stdout()
            raise
        except Interrupted as interrupted:
            if not quiet:
                with contextlib.suppress(OSError):
                    click.echo(summary(interrupted.result, timeline, script))
            raise
    except Stopped as stopped:  # SIGTERM, SIGHUP, SIGQUIT: sound stopped, terminal restored
        ending = stopped.signum
    finally:
        sink.close()
    if ending is not None:
        _end_by(ending)
    if not quiet:
        try:
            click.echo(summary(result, timeline, script))
        except BrokenPipeError:
            _forget_closed_stdout()
            raise PlaybackError("the summary was not shown: standard output was closed") from None


def _forget_closed_stdout() -> None:
    """After a write into a pipe whose reader left: point stdout at /dev/null, so the flush at
    exit does not fail a second time with a traceback."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        with contextlib.suppress(OSError, ValueError):
            descriptor = os.open(os.devnull, os.O_WRONLY)
            os.dup2(descriptor, sys.stdout.fileno())
            os.close(descriptor)


def _end_by(signum: int) -> None:
    """End as the signal would have ended the process, now that everything is tidied up."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    sys.exit(128 + signum)  # the signal is blocked: the status a shell would show
