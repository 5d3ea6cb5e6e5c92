"""Checks of single script values, the vocabulary of the loader's schemas.

A check takes the value tomllib produced and the subject of the message (`"settings.rate"`) and
returns the value the Routine stores, or raises `Invalid` with the message tail (what is wrong and
the fix). The loader adds file, line and move.

Spoken text: line breaks and tabs inside it (TOML multi-line strings) fold to single spaces and
runs of whitespace collapse, so a long `setup` may be wrapped over lines; other control characters
are refused; text that is empty after that, longer than `TEXT_LIMIT` characters, or without a
letter or digit (it would make no sound) is refused.
"""

from __future__ import annotations

import difflib
import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from voiceguide.script.echo import quote as quote  # the loader quotes through fieldchecks
from voiceguide.units import parse_duration, parse_tempo

TEXT_LIMIT = 1000  # characters of one spoken text
AUTHOR_LIMIT = 200  # characters of the author: a tag, shown on one line
VOICE_LIMIT = 200  # characters of a voice name
PATH_LIMIT = 4096  # characters of a sound's path (Linux's PATH_MAX is 4,096 bytes)
LONGEST_DURATION = 4 * 3600.0  # seconds: no duration may exceed the longest session

Check = Callable[[object, str], Any]


class Invalid(Exception):
    """A value is wrong. `subpath` leads from the checked key to the wrong part (a list item)."""

    def __init__(self, message: str, subpath: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.subpath = subpath


def show(value: object) -> str:
    """A value as the user wrote it in TOML, short and on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def unknown_key(key: str, known: Iterable[str], prefix: str = "") -> str:
    """'unknown key "hlod"; did you mean "hold"?' (or the known keys when none is close)."""
    names = list(known)
    # no known key is near a long one, and comparing a megabyte key would take a second
    close = difflib.get_close_matches(key, names, n=1) if len(key) <= _CLOSE_KEY_LIMIT else []
    if close:
        return f"unknown key {quote(prefix + key)}; did you mean {quote(prefix + close[0])}?"
    return f"unknown key {quote(prefix + key)}; known keys: {', '.join(names)}"


_CLOSE_KEY_LIMIT = 100


def later(value: object, subject: str) -> object:
    """A known key whose value the loader checks on its own (tables, cues)."""
    return value


def whole(low: int, high: int) -> Check:
    def check(value: object, subject: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(
                f"{subject} must be a whole number from {low} to {high}, not {show(value)}"
            )
        return value

    return check


def number(low: float, high: float) -> Check:
    def check(value: object, subject: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high  # also refuses nan
        ):
            raise Invalid(f"{subject} must be a number from {low:g} to {high:g}, not {show(value)}")
        return float(value)

    return check


def gain_or_decibels(low_db: float, high_db: float) -> Check:
    """A gain from 0 to 1, or decibels as a string ("-6dB", "+3 dB"); either way a linear gain."""

    def check(value: object, subject: str) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
            return float(value)
        if isinstance(value, str):
            written = re.fullmatch(r"\s*([+-]?[0-9]+(?:\.[0-9]+)?)\s*dB\s*", value, re.IGNORECASE)
            if written is not None and low_db <= float(written[1]) <= high_db:
                return float(10 ** (float(written[1]) / 20))
        raise Invalid(
            f'{subject} must be a number from 0 to 1, or decibels from "{low_db:g}dB" to '
            f'"+{high_db:g}dB" (e.g. "-6dB"), not {show(value)}'
        )

    return check


def flag(value: object, subject: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{subject} must be true or false, not {show(value)}")
    return value


def choice(*options: str) -> Check:
    def check(value: object, subject: str) -> str:
        if not isinstance(value, str) or value not in options:
            allowed = ", ".join(quote(option) for option in options)
            one_of = "" if len(options) == 1 else "one of "
            raise Invalid(f"{subject} must be {one_of}{allowed}, not {show(value)}")
        return value

    return check


def text(value: object, subject: str) -> str:
    """Spoken text: folded to one line, not empty, no control characters, not too long, and
    something to say (a letter or a digit: punctuation, zero-width and private-use characters
    alone make no sound)."""
    folded = joiner(value, subject)
    if not any(char.isalnum() for char in folded):
        raise Invalid(
            f"{subject} has no letter or digit, so nothing would be said; write the words to speak"
        )
    return folded


def joiner(value: object, subject: str) -> str:
    """Spoken text said only between other words (the `and` of a list): "&" is enough."""
    if not isinstance(value, str):
        raise Invalid(f"{subject} must be text in quotes, not {show(value)}")
    for char in value:
        if char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cs"):
            raise Invalid(f"{subject} contains a control character (U+{ord(char):04X}); remove it")
    folded = " ".join(value.split())
    if not folded:
        raise Invalid(f"{subject} is empty; write the words to speak")
    if len(folded) > TEXT_LIMIT:
        raise Invalid(
            f"{subject} is longer than {TEXT_LIMIT:,} characters ({len(folded):,}); shorten it"
        )
    return folded


def voice_name(value: object, subject: str) -> str:
    """A voice id, language code or part of a voice name (matched against the engine later)."""
    if not isinstance(value, str):
        raise Invalid(f"{subject} must be text in quotes, not {show(value)}")
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise Invalid(f"{subject} contains a control character; remove it")
    name = value.strip()
    if not name:
        raise Invalid(f"{subject} is empty; remove it to use the engine's default voice")
    if len(name) > VOICE_LIMIT:
        raise Invalid(f"{subject} is longer than {VOICE_LIMIT} characters; shorten it")
    return name


def author(value: object, subject: str) -> str:
    """Who wrote the routine: a tag in exported files, never spoken. One line, no controls."""
    if not isinstance(value, str):
        raise Invalid(f'{subject} must be text in quotes, like "Dr. Jane Doe", not {show(value)}')
    for char in value:
        if char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cs"):
            raise Invalid(f"{subject} contains a control character (U+{ord(char):04X}); remove it")
    name = " ".join(value.split())  # line breaks and tabs fold into spaces, as in spoken text
    if not name:
        raise Invalid(f"{subject} is empty; remove it, or write who made the routine")
    if len(name) > AUTHOR_LIMIT:
        raise Invalid(f"{subject} is longer than {AUTHOR_LIMIT} characters; shorten it")
    return name


def texts(value: object, subject: str) -> tuple[str, ...]:
    """A list of spoken texts, such as equipment."""
    if not isinstance(value, list):
        raise Invalid(f'{subject} must be a list of texts, like ["a mat", "a band"]')
    items = []
    for index, item in enumerate(value):
        try:
            items.append(text(item, f"{subject} item {index + 1}"))
        except Invalid as error:
            raise Invalid(str(error), (index,)) from None
    return tuple(items)


def duration(*, positive: bool = False) -> Check:
    """Seconds from 30, 2.5, "30s", "500ms", "2m", "1m30s" or "1:30" (units.parse_duration)."""

    def check(value: object, subject: str) -> float:
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if positive and is_number and value <= 0:  # type: ignore[operator]
            raise Invalid(f"{subject} must be more than 0 seconds, not {show(value)}")
        try:
            seconds = parse_duration(value)
        except ValueError as error:
            raise Invalid(f"{subject}: {error}") from None
        if positive and seconds <= 0:
            raise Invalid(f"{subject} must be more than 0 seconds, not {show(value)}")
        return _not_too_long(seconds, subject)

    return check


def tempo(value: object, subject: str) -> tuple[float, ...]:
    try:
        phases = parse_tempo(value)
    except ValueError as error:
        raise Invalid(f"{subject}: {error}") from None
    _not_too_long(sum(phases), subject)
    return phases


def _not_too_long(seconds: float, subject: str) -> float:
    if seconds > LONGEST_DURATION:
        raise Invalid(f"{subject} is longer than 4 hours, the longest session")
    return seconds


def placeholders(phrase: str) -> set[str] | None:
    """The {names} in a phrase, or None when it is not a plain format string ({n:>3}, "{")."""
    names = set()
    try:
        for _literal, field, spec, conversion in string.Formatter().parse(phrase):
            if field is None:
                continue
            if not field.isidentifier() or spec or conversion:
                return None
            names.add(field)
    except ValueError:
        return None
    return names


def sound_file(folder: Path) -> Check:
    """A usable sound file (WAV, AIFF, FLAC or OGG) inside `folder` (the script's), symlinks
    resolved. Only its header is read here; the samples are decoded when the session starts."""

    def check(value: object, subject: str) -> Path:
        if not isinstance(value, str):
            raise Invalid(f"{subject} must be the path of a sound file, relative to the script")
        shown = quote(value)
        if len(value) > PATH_LIMIT:  # resolving 400,000 folders one by one takes half a minute
            raise Invalid(
                f"{subject}: {shown} is longer than {PATH_LIMIT:,} characters; "
                "put the sound next to the script"
            )
        try:
            base = folder.resolve()
            file = (base / value).resolve()
        except (OSError, ValueError, RuntimeError):  # a NUL in the path, a symlink loop
            raise Invalid(f"{subject}: cannot find {shown}") from None
        if not file.is_relative_to(base):
            raise Invalid(f"{subject}: {shown} lies outside the script's folder; put it there")
        try:
            exists = file.is_file()
        except (OSError, ValueError):
            exists = False
        if not exists:
            raise Invalid(f"{subject}: no file {shown} next to the script")
        # here, not at the top: the audio libraries load only for scripts with their own sounds
        from voiceguide.audio.sounds import sound_file_problem

        problem = sound_file_problem(file)
        if problem is not None:
            raise Invalid(f"{subject}: {shown} {problem}")
        return file

    return check
