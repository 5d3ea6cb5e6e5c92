"""The command line: each command parses, makes one call into voiceguide's public API, prints.

Errors from the library become one line on stderr and an exit status (2 bad input, 1 runtime
failure, 130 interrupted) in `Commands.invoke`, so a command run in-process (click's CliRunner)
ends exactly as it does from a shell; warnings go to stderr, data to stdout.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import click

import voiceguide
from voiceguide.cli.completion import complete_script
from voiceguide.cli.options import SpeechBar, load_session, session_options
from voiceguide.cli.play import play
from voiceguide.cli.share import share
from voiceguide.errors import VoiceguideError
from voiceguide.units import plural


class Commands(click.Group):
    """The command group; the one place where errors become messages and exit statuses."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VoiceguideError as error:
            click.echo(str(error), err=True)
            ctx.exit(error.exit_status)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(voiceguide.__version__, prog_name="voiceguide")
def cli() -> None:
    """A voice coach for routines done with your eyes off the screen.

    \b
    Example:
        voiceguide plan hip-mobility
        voiceguide export hip-mobility -o hip.wav
    """


@cli.command()
@click.argument("script", shell_complete=complete_script)
@session_options
def check(script: str, voice: str | None, rate: int | None, sample_rate: str) -> None:
    """Check a routine script: exit 0 when it is right, 2 with one line saying what is wrong.

    \b
    Example:
        voiceguide check my-routine.toml
    """
    from voiceguide.units import about_length

    session = load_session(script, voice, rate, sample_rate)
    moves = plural(session.timeline.move_count, "move")
    click.echo(f"{script}: ok: {moves}, {about_length(session.seconds)}")


@cli.command()
@click.argument("script", shell_complete=complete_script)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option(
    "--html",
    "html_file",
    # a str, as typed: "sheet/" (a folder) must not lose its slash and become a file
    type=click.Path(dir_okay=False),
    help="Write a printable session sheet (one HTML page) instead of printing the table.",
)
@session_options
def plan(
    script: str,
    as_json: bool,
    html_file: str | None,
    voice: str | None,
    rate: int | None,
    sample_rate: str,
) -> None:
    """Show what is heard when: every spoken cue and beep, to the frame.

    \b
    Example:
        voiceguide plan hip-mobility
        voiceguide plan seven-minute --json
        voiceguide plan hip-mobility --html hip-mobility.html
    """
    import json

    if html_file is not None:
        from voiceguide.output.atomic import check_text_destination

        # refuse a bad destination before any speech is made
        check_text_destination(html_file, overwrite=True)
    session = load_session(script, voice, rate, sample_rate)
    if html_file is not None:
        click.echo(f"wrote {session.write_sheet(html_file)}", err=True)
    if as_json:
        click.echo(json.dumps(session.plan(), indent=2, ensure_ascii=False))
    elif html_file is None:
        click.echo(session.plan_table())


@cli.command()
@click.argument("name")
def new(name: str) -> None:
    """Write NAME.toml, a commented routine script to start from (never overwrites a file).

    \b
    Example:
        voiceguide new knee-routine
        voiceguide check knee-routine
    """
    written = voiceguide.new_routine(name)
    click.echo(f"wrote {written}: edit it, then try voiceguide plan {written}", err=True)


@cli.command()
def voices() -> None:
    """List the voices the speech engine offers.

    \b
    Example:
        voiceguide voices
    """
    for voice in voiceguide.voices():
        languages = ", ".join(voice.languages)
        click.echo(f"{voice.id:<28} {voice.name:<36} {languages}")


@cli.command(name="list")
def list_routines() -> None:
    """List the bundled routines, each with its length.

    The first time, each routine's speech is made to know its length (a progress bar shows
    on a terminal); after that it comes from the speech cache.

    \b
    Example:
        voiceguide list
    """
    from voiceguide.units import about_length

    bar = SpeechBar() if sys.stderr.isatty() else None
    try:
        routines = voiceguide.bundled_routines(lengths=True, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    for routine in routines:
        length = "length unknown" if routine.seconds is None else about_length(routine.seconds)
        moves = plural(routine.moves, "move")
        click.echo(f"{routine.name:<16} {routine.title} ({moves}, {length})")


@cli.command()
@click.argument("script", shell_complete=complete_script)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),  # a str, as typed, like --html
    required=True,
    help="The file to write: .wav, .m4a, .m4b (an audiobook) or .mp3.",
)
@click.option(
    "--split",
    is_flag=True,
    help="One .m4a or .mp3 file per move and an .m3u8 playlist, for players without chapters.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@session_options
def export(
    script: str,
    output: str,
    split: bool,
    quiet: bool,
    voice: str | None,
    rate: int | None,
    sample_rate: str,
) -> None:
    """Write the whole session as an audio file for a phone.

    \b
    Example:
        voiceguide export hip-mobility -o hip.wav
        voiceguide export hip-mobility -o hip.m4a
        voiceguide export hip-mobility -o hip.m4b
        voiceguide export hip-mobility -o hip.mp3 --split
    """
    from voiceguide.output.export import check_destination

    # refuse a bad destination before any speech is made
    check_destination(output, split=split)
    session = load_session(script, voice, rate, sample_rate, quiet=quiet)
    if quiet or not sys.stderr.isatty():
        written = session.export(output, split=split)
    else:
        with click.progressbar(
            length=session.timeline.duration,
            label=f"Exporting {Path(output).name}",
            file=sys.stderr,
        ) as bar:
            written = session.export(
                output, split=split, progress=lambda done, _: bar.update(done - bar.pos)
            )
    click.echo(f"wrote {written}", err=True)


cli.add_command(play)
cli.add_command(share)


def main(argv: list[str] | None = None) -> None:
    """The console script: runs the command group and exits with its status.

    Output that cannot be written (a full disk, /dev/full) is one line and status 1.
    """
    from voiceguide.output.stdout import write_stdout_whole

    write_stdout_whole()
    try:
        try:
            cli.main(args=argv, prog_name="voiceguide")
        finally:
            sys.stdout.flush()
    except OSError as error:
        if error.filename is not None:  # not a write to stdout or stderr
            raise
        with contextlib.suppress(OSError):
            click.echo(f"cannot write the output: {error.strerror or error}", err=True)
        sys.exit(1)
