"""The command line: each command parses, calls one library function, prints.

Errors from the library become one line on stderr and an exit status (2 bad input, 1 runtime
failure, 130 interrupted); warnings go to stderr, data to stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from voiceguide import __version__
from voiceguide.cli.completion import complete_script
from voiceguide.cli.options import session_options
from voiceguide.cli.play import play
from voiceguide.errors import VoiceguideError

if TYPE_CHECKING:
    from voiceguide.session import Session

def _prepare(script: str, voice: str | None, rate: int | None, sample_rate: str) -> Session:
    from voiceguide.session import prepare_session

    session = prepare_session(script, voice=voice, rate=rate, sample_rate=int(sample_rate))
    for warning in session.timeline.warnings:
        click.echo(f"warning: {warning}", err=True)
    return session


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voiceguide")
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
    from voiceguide.units import format_clock

    session = _prepare(script, voice, rate, sample_rate)
    timeline = session.timeline
    click.echo(
        f"{script}: ok: {timeline.move_count} moves, "
        f"{format_clock(timeline.seconds(timeline.duration))[:-2]}"
    )


@cli.command()
@click.argument("script", shell_complete=complete_script)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a printable session sheet (one HTML page) instead of printing the table.",
)
@session_options
def plan(
    script: str,
    as_json: bool,
    html_file: Path | None,
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
    from voiceguide.output.plan_text import plan_json, plan_table

    if html_file is not None:
        from voiceguide.output.atomic import check_text_destination
        from voiceguide.output.session_sheet import write_session_sheet

        # refuse a bad destination before any speech is made
        check_text_destination(html_file, overwrite=True)
        session = _prepare(script, voice, rate, sample_rate)
        written = write_session_sheet(session.routine, session.timeline, html_file, source=script)
        click.echo(f"wrote {written}", err=True)
        if as_json:
            click.echo(plan_json(session.timeline))
        return
    session = _prepare(script, voice, rate, sample_rate)
    click.echo(plan_json(session.timeline) if as_json else plan_table(session.timeline))


@cli.command()
@click.argument("name")
def new(name: str) -> None:
    """Write NAME.toml, a commented routine script to start from (never overwrites a file).

    \b
    Example:
        voiceguide new knee-routine
        voiceguide check knee-routine.toml
    """
    from voiceguide.script.template import write_new_routine

    written = write_new_routine(name)
    click.echo(f"wrote {written}: edit it, then try voiceguide plan {written}", err=True)


@cli.command()
def voices() -> None:
    """List the voices the speech engine offers.

    \b
    Example:
        voiceguide voices
    """
    from voiceguide.speech.bank import default_engine

    for voice in default_engine().voices():
        languages = ", ".join(voice.languages)
        click.echo(f"{voice.id:<28} {voice.name:<36} {languages}")


@cli.command(name="list")
def list_routines() -> None:
    """List the bundled routines.

    \b
    Example:
        voiceguide list
    """
    from voiceguide.resources import bundled_scripts
    from voiceguide.script.reader import load_routine

    for name, path in bundled_scripts().items():
        routine = load_routine(path, display_name=path.name)
        click.echo(f"{name:<16} {routine.title} ({len(routine.moves)} moves)")


@cli.command()
@click.argument("script", shell_complete=complete_script)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write: .wav, .m4a or .mp3.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@session_options
def export(
    script: str,
    output: Path,
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
    """
    from voiceguide.output.export import check_destination, export_session

    check_destination(output)
    session = _prepare(script, voice, rate, sample_rate)
    timeline = session.timeline
    if quiet or not sys.stderr.isatty():
        written = export_session(timeline, session.clips, output)
    else:
        with click.progressbar(
            length=timeline.duration, label=f"Exporting {output.name}", file=sys.stderr
        ) as bar:
            written = export_session(
                timeline, session.clips, output, progress=lambda done, _: bar.update(done - bar.pos)
            )
    click.echo(f"wrote {written}", err=True)


cli.add_command(play)


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place where errors become messages and exit statuses."""
    try:
        result = cli.main(args=argv, prog_name="voiceguide", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except VoiceguideError as error:
        click.echo(str(error), err=True)
        sys.exit(error.exit_status)
    sys.exit(result if isinstance(result, int) else 0)
