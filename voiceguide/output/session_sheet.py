"""The session sheet: one printable, self-contained HTML page for reviewing a routine.

It lists the moves (spoken summary, setup, timing details) and draws the whole session to scale:
work phases, the windows between them (rests, with their announcement and countdown), every
spoken text and every beep. Inline CSS and SVG only: no scripts, fonts or images from elsewhere,
so it opens offline and prints on A4 or Letter.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path
from typing import TypeVar

from voiceguide import __version__
from voiceguide.output.atomic import write_text_atomically
from voiceguide.script.model import Move, Routine
from voiceguide.timeline import Event, Phase, Timeline
from voiceguide.units import format_clock
from voiceguide.wording import move_summary

# the timeline's colours; tests find them in a screenshot, so each is used for one thing only
WORK_COLOUR = "#e4572e"
WINDOW_COLOUR = "#a8dadc"
INTRO_OUTRO_COLOUR = "#d3d3d3"
SPEECH_COLOUR = "#6a4c93"
BEEP_COLOUR = "#1d3557"

_PHASE_COLOURS = {
    "work": WORK_COLOUR,
    "window": WINDOW_COLOUR,
    "intro": INTRO_OUTRO_COLOUR,
    "outro": INTRO_OUTRO_COLOUR,
}

# seconds per drawn row: the smallest that keeps the drawing at most _MAX_ROWS rows
_ROW_SECONDS = (30, 60, 120, 300, 600, 900, 1200, 1800)
_MAX_ROWS = 16

# one row's SVG coordinates (user units; CSS scales the row to the page width)
_WIDTH = 1000
_PLOT_X = 58  # left of it: the clock time at which the row starts
_PLOT_WIDTH = _WIDTH - _PLOT_X - 4
_SPEECH_Y, _SPEECH_H = 3, 9
_BAR_Y, _BAR_H = 14, 20
_BEEP_Y, _BEEP_H = 36, 9
_ROW_HEIGHT = 48
_MIN_MARK = 1.6  # a beep lasts a fraction of a unit: draw it at least this wide


def write_session_sheet(
    routine: Routine, timeline: Timeline, destination: str | os.PathLike[str], *, source: str
) -> Path:
    """Write the session sheet atomically; `source` names the script on the page."""
    return write_text_atomically(destination, session_sheet_html(routine, timeline, source=source))


def session_sheet_html(routine: Routine, timeline: Timeline, *, source: str) -> str:
    """The whole page as one string."""
    title = escape(timeline.title)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_language(routine)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}: session sheet</title>",
        f"<style>\n{_css()}</style>",
        "</head>",
        "<body>",
        _header(routine, timeline),
        _moves(routine, timeline),
        _drawing(timeline),
        _warnings(timeline),
        f"<footer>Session sheet made by voiceguide {__version__} from "
        f"{escape(source)}. Check the timing with <code>voiceguide plan "
        f"{escape(source)}</code>.</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


# -- the header and the moves -------------------------------------------------------------------


@dataclass(frozen=True)
class _Totals:
    work: int  # frames
    windows: int
    speech: int  # count of spoken texts
    beeps: int


def _totals(timeline: Timeline) -> _Totals:
    phases, events = timeline.phases, timeline.events
    return _Totals(
        work=sum(phase.end - phase.start for phase in phases if phase.kind == "work"),
        windows=sum(phase.end - phase.start for phase in phases if phase.kind == "window"),
        speech=sum(1 for event in events if event.kind == "speech"),
        beeps=sum(1 for event in events if event.kind == "beep"),
    )


def _header(routine: Routine, timeline: Timeline) -> str:
    totals = _totals(timeline)
    clock = _clock_of(timeline)
    rounds = f", {routine.rounds} rounds" if routine.rounds > 1 else ""
    facts = [
        ("Length", clock(timeline.duration)),
        ("Moves", f"{len(routine.moves)}{rounds}"),
        ("Work", f"{clock(totals.work)} ({_percent(totals.work, timeline.duration)})"),
        ("Rests and get-ready", f"{clock(totals.windows)}"),
        ("Voice", f"{timeline.voice or 'engine default'}, {timeline.wpm} words a minute"),
        ("Sounds", f"{totals.speech} spoken, {totals.beeps} beeps"),
    ]
    if routine.equipment:
        facts.append(("Equipment", ", ".join(routine.equipment)))
    # the equipment list is the one long fact: it gets a whole line
    rows = "".join(
        f'<div{" class=wide" if k == "Equipment" else ""}><dt>{escape(k)}</dt>'
        f"<dd>{escape(v)}</dd></div>"
        for k, v in facts
    )
    intro = f'<p class="intro">{escape(routine.intro)}</p>' if routine.intro else ""
    return (
        f'<header><p class="kicker">Session sheet</p><h1>{escape(timeline.title)}</h1>{intro}'
        f'<dl class="facts">{rows}</dl></header>'
    )


def _moves(routine: Routine, timeline: Timeline) -> str:
    clock = _clock_of(timeline)
    items = []
    for move in routine.moves:
        phases = [phase for phase in timeline.phases if phase.move_number == move.number]
        work = [phase for phase in phases if phase.kind == "work"]
        first_go = clock(work[0].start) if work else "?"
        work_total = clock(sum(phase.end - phase.start for phase in work))
        setup = f'<p class="setup">{escape(move.setup)}</p>' if move.setup else ""
        items.append(
            '<li class="move">'
            f'<h3><span class="number">{move.number}</span>{escape(move.name)}</h3>'
            f'<p class="summary">{escape(move_summary(move, routine.phrases))}</p>'
            f"{setup}"
            f'<p class="details">{escape(" · ".join(_details(move)))}</p>'
            f'<p class="when">First go at {first_go} · {len(work)} work phases, '
            f"{work_total} in all</p>"
            "</li>"
        )
    return f'<section class="moves"><h2>Moves</h2><ol>{"".join(items)}</ol></section>'


def _details(move: Move) -> list[str]:
    """The numbers a physiotherapist checks, in the script's own terms."""
    details = []
    if move.kind == "reps":
        assert move.tempo is not None
        tempo = "-".join(f"{part:g}" for part in move.tempo)
        details.append(
            f"{move.reps} reps, tempo {tempo} ({move.rep_seconds:g} s a rep, "
            f"{move.work_seconds:g} s a set)"
        )
    else:
        details.append(f"{move.kind} {move.work_seconds:g} s")
    if move.sets > 1:
        details.append(f"{move.sets} sets, rest {move.rest_between_sets:g} s between")
    if move.sides == "each":
        order = "all left sets first" if move.side_order == "block" else "left, then right"
        details.append(f"each side ({order}), {move.rest_between_sides:g} s to switch")
    elif move.sides != "none":
        details.append(f"{move.sides} side only")
    details.append(f"rest after {move.rest_after:g} s")
    if move.equipment:
        details.append("needs " + ", ".join(move.equipment))
    details.extend(f'at {cue.at}: "{cue.say}"' for cue in move.cues)
    return details


def _warnings(timeline: Timeline) -> str:
    if not timeline.warnings:
        return ""
    items = "".join(f"<li>{escape(warning)}</li>" for warning in timeline.warnings)
    return f'<section class="warnings"><h2>Warnings</h2><ul>{items}</ul></section>'


# -- the drawing --------------------------------------------------------------------------------


def row_seconds(duration_seconds: float) -> int:
    """Seconds per drawn row: the smallest choice that keeps the drawing short enough."""
    for seconds in _ROW_SECONDS:
        if duration_seconds <= seconds * _MAX_ROWS:
            return seconds
    return _ROW_SECONDS[-1]


def _drawing(timeline: Timeline) -> str:
    rate = timeline.sample_rate
    span = row_seconds(timeline.duration / rate) * rate
    rows = [
        _row(timeline, start, min(start + span, timeline.duration), span)
        for start in range(0, timeline.duration, span)
    ]
    return (
        '<section class="drawing"><h2>The session, to scale</h2>'
        f'<p class="scale">One line is {format_clock(span / rate)[:-2]} (minutes:seconds); '
        "hover over a mark to read it.</p>"
        f"{_legend()}{''.join(rows)}</section>"
    )


def _legend() -> str:
    entries = [
        (WORK_COLOUR, "work (go beep to end beep)"),
        (WINDOW_COLOUR, "rest and get ready: announcement, then countdown"),
        (INTRO_OUTRO_COLOUR, "intro and outro"),
        (SPEECH_COLOUR, "speech (top lane)"),
        (BEEP_COLOUR, "beeps (bottom lane)"),
    ]
    items = "".join(
        f'<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{colour}"/></svg>{escape(text)}</li>'
        for colour, text in entries
    )
    return f'<ul class="legend">{items}</ul>'


def _row(timeline: Timeline, start: int, end: int, span: int) -> str:
    """One line of the drawing: [start, end) of the session; `span` frames fill the width."""
    rate = timeline.sample_rate
    scale = _PLOT_WIDTH / span

    def x(frame: int) -> float:
        return _PLOT_X + (frame - start) * scale

    shapes = [
        f'<text class="clock" x="{_PLOT_X - 6}" y="{_BAR_Y + 14}" text-anchor="end">'
        f"{format_clock(start / rate)[:-2]}</text>"
    ]
    # a faint line every 10 s
    for second in range(0, round((end - start) / rate) + 1, 10):
        grid_x = x(start + second * rate)
        shapes.append(
            f'<line class="grid" x1="{grid_x:.1f}" x2="{grid_x:.1f}" y1="1" '
            f'y2="{_ROW_HEIGHT - 1}"/>'
        )
    for phase in _overlapping(timeline.phases, start, end):
        left, right = max(phase.start, start), min(phase.end, end)
        width = (right - left) * scale
        tip = escape(_phase_tip(phase, rate))
        shapes.append(
            f'<rect x="{x(left):.2f}" y="{_BAR_Y}" width="{width:.2f}" height="{_BAR_H}" '
            f'fill="{_PHASE_COLOURS[phase.kind]}"><title>{tip}</title></rect>'
        )
        label = _phase_label(phase)
        if phase.kind == "work" and label and width >= 9 * len(label):
            shapes.append(
                f'<text class="label" x="{x(left) + 4:.2f}" y="{_BAR_Y + 14}">{escape(label)}'
                "</text>"
            )
    for event in _overlapping(timeline.events, start, end):
        left, right = max(event.start, start), min(event.end, end)
        width = max((right - left) * scale, _MIN_MARK)
        y, height, colour = (
            (_SPEECH_Y, _SPEECH_H, SPEECH_COLOUR)
            if event.kind == "speech"
            else (_BEEP_Y, _BEEP_H, BEEP_COLOUR)
        )
        tip = escape(f"{format_clock(event.start / rate)} " + _event_text(event))
        shapes.append(
            f'<rect x="{x(left):.2f}" y="{y}" width="{width:.2f}" height="{height}" '
            f'fill="{colour}"><title>{tip}</title></rect>'
        )
    # a partial last row keeps the full scale, so every row reads the same
    return (
        f'<svg class="row" viewBox="0 0 {_WIDTH} {_ROW_HEIGHT}" role="img" '
        f'aria-label="{format_clock(start / rate)} to {format_clock(end / rate)}">'
        f"{''.join(shapes)}</svg>"
    )


_Span = TypeVar("_Span", Phase, Event)


def _overlapping(items: tuple[_Span, ...], start: int, end: int) -> Iterator[_Span]:
    return (item for item in items if item.start < end and item.end > start)


def _phase_label(phase: Phase) -> str:
    """ "1 · 2 · L": move, set, side; short enough to sit inside a work bar."""
    parts = [str(phase.move_number)] if phase.move_number is not None else []
    if phase.set is not None:
        parts.append(f"set {phase.set}")
    if phase.side is not None:
        parts.append(phase.side[0].upper())
    return " · ".join(parts)


def _phase_tip(phase: Phase, rate: int) -> str:
    when = f"{format_clock(phase.start / rate)}-{format_clock(phase.end / rate)}"
    length = f"{(phase.end - phase.start) / rate:.1f} s"
    where = []
    if phase.move is not None:
        where.append(f"move {phase.move_number} {phase.move}")
    if phase.set is not None:
        where.append(f"set {phase.set}")
    if phase.side is not None:
        where.append(phase.side)
    return f"{when} {phase.kind} ({length}) " + ", ".join(where)


def _event_text(event: Event) -> str:
    return f'"{event.text}"' if event.kind == "speech" else f"[{event.role}]"


def _clock_of(timeline: Timeline) -> Callable[[int], str]:
    """Frames -> "m:ss" (whole seconds), for lengths on the page."""
    rate = timeline.sample_rate
    return lambda frames: format_clock(round(frames / rate))[:-2]


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "0 %"


def _css() -> str:
    """The style sheet, a data file beside this module (inside the wheel too)."""
    return (resources.files("voiceguide.output") / "session_sheet.css").read_text("utf-8")


def _language(routine: Routine) -> str:
    """The page's language: the script's voice when it is a language code, else English."""
    voice = routine.settings.voice or ""
    return voice.lower() if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", voice, re.I) else "en"
