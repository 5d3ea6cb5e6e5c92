"""Options shared by every command that makes a session, so their names never drift apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from voiceguide.cli.completion import complete_voice
from voiceguide.session import DEFAULT_SAMPLE_RATE, SAMPLE_RATES

F = TypeVar("F", bound=Callable[..., Any])

SAMPLE_RATE_CHOICES = tuple(str(rate) for rate in SAMPLE_RATES)


def session_options(command: F) -> F:
    """--voice, --rate and --sample-rate, the same on every command that makes a session."""
    command = click.option(
        "--sample-rate",
        type=click.Choice(SAMPLE_RATE_CHOICES),
        default=str(DEFAULT_SAMPLE_RATE),
        show_default=True,
        help="Samples per second of the session audio.",
    )(command)
    command = click.option(
        "--rate",
        type=click.IntRange(80, 400),
        help="Speech rate in words per minute (overrides the script).",
    )(command)
    command = click.option(
        "--voice",
        shell_complete=complete_voice,
        help="A voice id, a language code (de, en-gb) or part of a voice name.",
    )(command)
    return command
