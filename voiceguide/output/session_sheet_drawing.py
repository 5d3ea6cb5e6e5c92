"""The session sheet's drawing: the whole session to scale, a row of SVG per stretch of time.

Work phases, the windows between them (rests, with their announcement and countdown), every
spoken text (top lane) and every beep (bottom lane). The clock time of a row is HTML beside the
SVG, so that it stays readable when a phone shrinks the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import TypeVar

from voiceguide.output.labels import Labels
from voiceguide.timeline import Event, Phase, Timeline
from voiceguide.units import format_clock

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

# one row's SVG coordinates (user units; CSS scales the row to the width left of the clock)
PLOT_WIDTH = 940
_SPEECH_Y, _SPEECH_H = 3, 9
_BAR_Y, _BAR_H = 14, 20
_BEEP_Y, _BEEP_H = 36, 9
_ROW_HEIGHT = 48
_MIN_MARK = 1.6  # a beep lasts a fraction of a unit: draw it at least this wide

_T = TypeVar("_T", Phase, Event)


def row_seconds(duration_seconds: float) -> int:
    """Seconds per drawn row: the smallest choice that keeps the drawing short enough."""
    for seconds in _ROW_SECONDS:
        if duration_seconds <= seconds * _MAX_ROWS:
            return seconds
    return _ROW_SECONDS[-1]


def drawing_html(timeline: Timeline, labels: Labels) -> str:
    rate = timeline.sample_rate
    span = row_seconds(timeline.duration / rate) * rate
    rows = [
        _row(timeline, start, min(start + span, timeline.duration), span, labels)
        for start in range(0, timeline.duration, span)
    ]
    scale = labels.scale.format(clock=format_clock(span / rate)[:-2])
    return (
        f'<section class="drawing"><h2>{escape(labels.drawing)}</h2>'
        f'<p class="scale">{escape(scale)}</p>'
        f"{_legend(labels)}{''.join(rows)}</section>"
    )


def _legend(labels: Labels) -> str:
    entries = [
        (WORK_COLOUR, labels.legend_work),
        (WINDOW_COLOUR, labels.legend_window),
        (INTRO_OUTRO_COLOUR, labels.legend_intro),
        (SPEECH_COLOUR, labels.legend_speech),
        (BEEP_COLOUR, labels.legend_beeps),
    ]
    items = "".join(
        f'<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{colour}"/></svg>{escape(text)}</li>'
        for colour, text in entries
    )
    return f'<ul class="legend">{items}</ul>'


def _row(timeline: Timeline, start: int, end: int, span: int, labels: Labels) -> str:
    """One line of the drawing: [start, end) of the session; `span` frames fill the width."""
    rate = timeline.sample_rate
    scale = PLOT_WIDTH / span

    def x(frame: int) -> float:
        return (frame - start) * scale

    shapes = []
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
        tip = escape(_phase_tip(phase, rate, labels))
        shapes.append(
            f'<rect x="{x(left):.2f}" y="{_BAR_Y}" width="{width:.2f}" height="{_BAR_H}" '
            f'fill="{_PHASE_COLOURS[phase.kind]}"><title>{tip}</title></rect>'
        )
        label = _phase_label(phase, labels)
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
    clock = format_clock(start / rate)[:-2]
    return (
        f'<div class="row"><span class="clock">{clock}</span>'
        f'<svg viewBox="0 0 {PLOT_WIDTH} {_ROW_HEIGHT}" role="img" '
        f'aria-label="{format_clock(start / rate)} - {format_clock(end / rate)}">'
        f"{''.join(shapes)}</svg></div>"
    )


def _overlapping(items: tuple[_T, ...], start: int, end: int) -> Iterator[_T]:
    return (item for item in items if item.start < end and item.end > start)


def _phase_label(phase: Phase, labels: Labels) -> str:
    """ "1 · set 2 · L": move, set, side; short enough to sit inside a work bar."""
    parts = [str(phase.move_number)] if phase.move_number is not None else []
    if phase.set is not None:
        parts.append(labels.set_n.format(n=phase.set))
    if phase.side is not None:
        parts.append(_side(phase.side, labels)[0].upper())
    return " · ".join(parts)


def _phase_tip(phase: Phase, rate: int, labels: Labels) -> str:
    when = f"{format_clock(phase.start / rate)}-{format_clock(phase.end / rate)}"
    length = f"{(phase.end - phase.start) / rate:.1f} s"
    where = []
    if phase.move is not None and phase.move_number is not None:
        where.append(labels.move_chapter.format(n=phase.move_number, name=phase.move))
    if phase.set is not None:
        where.append(labels.set_n.format(n=phase.set))
    if phase.side is not None:
        where.append(_side(phase.side, labels))
    return f"{when} ({length}) " + ", ".join(where)


def _side(side: str, labels: Labels) -> str:
    return labels.left if side == "left" else labels.right


def _event_text(event: Event) -> str:
    return f'"{event.text}"' if event.kind == "speech" else f"[{event.role}]"
