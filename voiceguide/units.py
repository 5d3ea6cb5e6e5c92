"""Durations, tempo and time conversions. Pure functions, no I/O."""

from __future__ import annotations

import math
import re

# ASCII digits only: \d would also take fullwidth and Arabic-Indic digits (U+FF10, U+0660)
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_CLOCK = re.compile(r"^([0-9]+):([0-5][0-9])(?::([0-5][0-9]))?$")
_TEMPO_PHASES = re.compile(r"^[0-9]+(?:-[0-9]+)+$")
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def parse_duration(value: object) -> float:
    """Seconds from a number (30, 2.5) or a string: "30s", "500ms", "2m", "1m30s", "1:30".

    Raises ValueError with a short reason on anything else; the caller adds file, line and move.
    """
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30, \"30s\", \"1m30s\" or \"1:30\"")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_duration_text(value.strip())
    else:
        raise ValueError("expected a duration such as 30, \"30s\", \"1m30s\" or \"1:30\"")
    if not math.isfinite(seconds):
        raise ValueError("a duration must be a finite number of seconds")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def _parse_duration_text(text: str) -> float:
    if len(text) > _LONGEST_DURATION_TEXT:  # no duration is written so long; echo only its start
        raise ValueError(_unreadable(text))
    clock = _CLOCK.match(text)
    if clock:
        first, second, third = clock.groups()
        if third is None:
            return int(first) * 60 + int(second)
        return int(first) * 3600 + int(second) * 60 + int(third)
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    position = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * scale[match.group(2)]
        position = match.end()
    if _PLAIN_NUMBER.fullmatch(text):
        raise ValueError(f"duration {text!r} has no unit; write {text} or \"{text}s\"")
    if position != len(text) or not text:
        raise ValueError(_unreadable(text))
    return total


_LONGEST_DURATION_TEXT = 40


def _unreadable(text: str) -> str:
    shown = text if len(text) <= _LONGEST_DURATION_TEXT else text[:37] + "..."
    return (
        f"cannot read duration {shown!r}; write it like \"30s\", \"500ms\", \"2m\", "
        "\"1m30s\" or \"1:30\""
    )


MAX_TEMPO_PHASES = 20  # "3-1-1-0" has 4; a long list would only make ticks no one can follow


def parse_tempo(value: object) -> tuple[float, ...]:
    """The seconds of each phase of one rep: 4 or "4s" -> (4.0,); "2-1-2" -> (2.0, 1.0, 2.0).

    Phase lists hold at most 20 integers 0..20 with a sum above zero.
    """
    if isinstance(value, str) and _TEMPO_PHASES.match(value.strip()):
        parts = value.strip().split("-")
        if len(parts) > MAX_TEMPO_PHASES:
            raise ValueError(f"a tempo has at most {MAX_TEMPO_PHASES} phases, not {len(parts):,}")
        phases = tuple(float(part) for part in parts)
        if any(phase > 20 for phase in phases):
            raise ValueError("each tempo phase is 0 to 20 seconds")
        if sum(phases) <= 0:
            raise ValueError("a tempo needs more than 0 seconds per rep")
        return phases
    try:
        seconds = parse_duration(value)
    except ValueError:
        raise ValueError(
            "tempo is seconds per rep (tempo = 4, \"4s\") or phase seconds (\"2-1-2\")"
        ) from None
    if seconds <= 0:
        raise ValueError("a tempo needs more than 0 seconds per rep")
    return (seconds,)


def to_frames(seconds: float, sample_rate: int) -> int:
    """The frame a time sits at: round(t x rate), so nothing accumulates float error."""
    return round(seconds * sample_rate)


def format_clock(seconds: float) -> str:
    """12:05.3 style clock for plans and status lines (m:ss.t, or h:mm:ss.t past an hour)."""
    tenths = round(seconds * 10)
    whole, tenth = divmod(tenths, 10)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}.{tenth}"
    return f"{minutes}:{secs:02d}.{tenth}"


def spoken_duration(seconds: float) -> str:
    """How a duration is said in a summary: "30 seconds", "1 minute", "1 minute 30 seconds"."""
    whole = round(seconds)
    if abs(seconds - whole) > 1e-9 and seconds < 60:
        return f"{seconds:g} seconds"
    minutes, secs = divmod(whole, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute" + ("" if minutes == 1 else "s"))
    if secs or not minutes:
        parts.append(f"{secs} second" + ("" if secs == 1 else "s"))
    return " ".join(parts)


def format_length(seconds: float) -> str:
    """A session's length in messages: "4 h 0 min 12 s", "12 min 5 s". Cut to whole seconds, not
    rounded, so that "at least" stays true and a session just over a limit never reads as on it."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours:,} h {minutes} min {secs} s"
    return f"{minutes} min {secs} s"


# -- a session's length as people read and hear it: one rounding everywhere (list, check, plan,
# the session sheet, the share page and the spoken "About N minutes")


def whole_seconds(seconds: float) -> int:
    """Rounded half up (not to even), so 90.5 s and 91.5 s both round away from the half."""
    return math.floor(seconds + 0.5)


def length_clock(seconds: float) -> str:
    """A session's length to the second: "11:31", "1:02:05" past an hour."""
    minutes, secs = divmod(whole_seconds(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def about_minutes(seconds: float) -> int:
    """The minutes in "About N minutes": the length to the second, rounded half up, at least 1;
    so that "11:30" is about 12 minutes on every page and in the voice alike."""
    return max(1, math.floor(whole_seconds(seconds) / 60 + 0.5))


def about_length(seconds: float) -> str:
    """A session's length in English messages: "about 12 minutes (11:40)", "about 1 minute (0:58)";
    the sheet says it in the routine's language, the voice in its phrases, with the same figures."""
    minutes = about_minutes(seconds)
    return f"about {plural(minutes, 'minute')} ({length_clock(seconds)})"


def plural(count: int, word: str, words: str | None = None) -> str:
    """ "1 move", "2 moves"; `words` where adding an s is wrong ("1 rep", "2 reps")."""
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"
