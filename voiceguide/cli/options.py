"""What every command that makes a session shares: its options, so their names never drift
apart, and how it loads the session."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

import voiceguide
from voiceguide.cli.completion import complete_voice
from voiceguide.session import (
    DEFAULT_SAMPLE_RATE,
    LOUDNESS_RANGE,
    SAMPLE_RATES,
    WPM_RANGE,
    Session,
)

F = TypeVar("F", bound=Callable[..., Any])

SAMPLE_RATE_CHOICES = tuple(str(rate) for rate in SAMPLE_RATES)


def session_options(command: F) -> F:
    """--voice, --rate, --loudness and --sample-rate, the same on every command that makes a
    session. --loudness reaches `load_session` through the context, not the command's
    parameters."""
    command = click.option(
        "--loudness",
        type=click.FloatRange(*LOUDNESS_RANGE),
        expose_value=False,
        callback=_remember_loudness,
        help="Loudness of the voice in LUFS, e.g. -16 (overrides the script).",
    )(command)
    command = click.option(
        "--sample-rate",
        type=click.Choice(SAMPLE_RATE_CHOICES),
        default=str(DEFAULT_SAMPLE_RATE),
        show_default=True,
        help="Samples per second of the session audio.",
    )(command)
    command = click.option(
        "--rate",
        type=click.IntRange(*WPM_RANGE),
        help="Speech rate in words per minute (overrides the script).",
    )(command)
    command = click.option(
        "--voice",
        shell_complete=complete_voice,
        help="A voice id, a language code (de, en-gb), part of a voice name, or piper:NAME "
        "(a neural voice; piper:PATH.onnx for a voice file).",
    )(command)
    return command


def _remember_loudness(context: click.Context, _: click.Parameter, value: float | None) -> None:
    context.meta[_LOUDNESS] = value


_LOUDNESS = "voiceguide.loudness"


def load_session(
    script: str, voice: str | None, rate: int | None, sample_rate: str, quiet: bool = False
) -> Session:
    """The session for a command, its warnings shown on stderr, with a progress bar while
    speech is made when stderr is a terminal (unless quiet)."""
    context = click.get_current_context(silent=True)
    loudness = context.meta.get(_LOUDNESS) if context is not None else None
    bar = SpeechBar() if not quiet and sys.stderr.isatty() else None
    try:
        session = voiceguide.load(
            script,
            voice=voice,
            wpm=rate,
            sample_rate=int(sample_rate),
            progress=bar,
            loudness=loudness,
        )
    finally:
        if bar is not None:
            bar.close()
    for warning in session.warnings:
        click.echo(f"warning: {warning}", err=True)
    return session


class SpeechBar:
    """A progress bar on stderr, drawn from the first clip made (none when all are cached); a
    new bar for each batch of clips (`list` makes one a routine)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is not None and (done <= self._bar.pos or total != self._bar.length):
            self.close()  # the next batch has begun
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="Making speech", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
