"""The session sheet: the routine as a handout a patient takes home, one self-contained HTML page.

What the patient needs comes first, in the routine's language: how long, how often, for how many
weeks, who prescribed it, notes, a safety line, then every move with what is said about it, its
setup, its tempo in words and its rests. The whole session drawn to scale follows on screen (a
reviewer's view, left out of print so the handout stays one page on A4 and Letter), and a small
technical footer names the voice, the counts of sounds and the script. Inline CSS and SVG only:
no scripts, fonts or images from elsewhere, so it opens offline.
"""

from __future__ import annotations

import os
from html import escape
from importlib import resources
from pathlib import Path

from voiceguide import __version__
from voiceguide.output.atomic import write_text_atomically
from voiceguide.output.labels import Labels, labels_for, tempo_in_words
from voiceguide.output.session_sheet_drawing import (
    BEEP_COLOUR,
    INTRO_OUTRO_COLOUR,
    PLOT_WIDTH,
    SPEECH_COLOUR,
    WINDOW_COLOUR,
    WORK_COLOUR,
    drawing_html,
    row_seconds,
)
from voiceguide.script.model import Move, Routine
from voiceguide.timeline import Timeline
from voiceguide.units import about_minutes, length_clock
from voiceguide.wording import move_summary

__all__ = [
    "BEEP_COLOUR",
    "INTRO_OUTRO_COLOUR",
    "PLOT_WIDTH",
    "SPEECH_COLOUR",
    "WINDOW_COLOUR",
    "WORK_COLOUR",
    "row_seconds",
    "session_sheet_html",
    "write_session_sheet",
]


def write_session_sheet(
    routine: Routine, timeline: Timeline, destination: str | os.PathLike[str], *, source: str
) -> Path:
    """Write the session sheet atomically; `source` names the script on the page."""
    return write_text_atomically(destination, session_sheet_html(routine, timeline, source=source))


def session_sheet_html(routine: Routine, timeline: Timeline, *, source: str) -> str:
    """The whole page as one string."""
    labels = labels_for(routine.language)
    title = escape(labels.page_title.format(title=timeline.title))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(routine.language, quote=True)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>\n{_css()}</style>",
        "</head>",
        "<body>",
        _header(routine, timeline, labels),
        _moves(routine, labels),
        drawing_html(timeline, labels),
        _warnings(timeline, labels),
        _footer(timeline, labels, source),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def length_text(seconds: float, labels: Labels) -> str:
    """ "about 12 minutes (11:40)": the rounding the voice uses, and the length to the second."""
    minutes = about_minutes(seconds)
    about = labels.about_one if minutes == 1 else labels.about.format(n=minutes)
    return f"{about} ({length_clock(seconds)})"


# -- what the patient reads ---------------------------------------------------------------------


def _header(routine: Routine, timeline: Timeline, labels: Labels) -> str:
    handout = routine.handout
    exercises = str(len(routine.moves))
    if routine.rounds > 1:
        exercises += ", " + labels.rounds.format(n=routine.rounds)
    facts = [(labels.length, length_text(timeline.seconds(timeline.duration), labels)),
             (labels.exercises, exercises)]
    if handout.how_often:
        facts.append((labels.how_often, handout.how_often))
    if handout.weeks:
        weeks = labels.one_week if handout.weeks == 1 else labels.n_weeks.format(n=handout.weeks)
        facts.append((labels.weeks, weeks))
    if handout.prescribed_by:
        facts.append((labels.prescribed_by, handout.prescribed_by))
    if routine.equipment:
        facts.append((labels.equipment, ", ".join(routine.equipment)))
    rows = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
    intro = f'<p class="intro">{escape(routine.intro)}</p>' if routine.intro else ""
    notes = (
        f'<p class="notes"><strong>{escape(labels.notes)}:</strong> {escape(handout.notes)}</p>'
        if handout.notes
        else ""
    )
    return (
        f'<header><p class="kicker">{escape(labels.kicker)}</p>'
        f"<h1>{escape(timeline.title)}</h1>{intro}"
        f'<dl class="facts">{rows}</dl>{notes}'
        f'<p class="safety">{escape(labels.safety)}</p></header>'
    )


def _moves(routine: Routine, labels: Labels) -> str:
    items = []
    for move in routine.moves:
        setup = f'<p class="setup">{escape(move.setup)}</p>' if move.setup else ""
        last = move.number == len(routine.moves)
        details = "".join(
            f"<li>{escape(line)}</li>" for line in move_details(move, labels, last=last)
        )
        items.append(
            '<li class="move">'
            f'<h3><span class="number">{move.number}</span>{escape(move.name)}</h3>'
            f'<p class="summary">{escape(move_summary(move, routine.phrases))}</p>'
            f'{setup}<ul class="details">{details}</ul>'
            "</li>"
        )
    heading = escape(labels.exercises)
    return f'<section class="moves"><h2>{heading}</h2><ol>{"".join(items)}</ol></section>'


def move_details(move: Move, labels: Labels, *, last: bool = False) -> list[str]:
    """What a patient needs beyond the spoken summary, in words: the tempo of a rep, the rests,
    the order of the sides, the equipment and the reminders spoken during the move. The last
    move has no rest before a next one."""
    details = []
    if move.kind == "reps":
        assert move.tempo is not None
        details.append(f"{labels.rep}: {tempo_in_words(move.tempo, labels)}.")
    rests = []
    if move.sets > 1:
        rests.append(labels.rest_sets.format(s=f"{move.rest_between_sets:g}"))
    if move.sides == "each":
        rests.append(labels.rest_sides.format(s=f"{move.rest_between_sides:g}"))
    if not last:
        rests.append(labels.rest_after.format(s=f"{move.rest_after:g}"))
    if rests:
        details.append(f"{labels.rest}: {', '.join(rests)}.")
    if move.sides == "each":
        details.append(labels.block_first if move.side_order == "block" else labels.left_first)
    if move.equipment:
        details.append(f"{labels.needs}: {', '.join(move.equipment)}.")
    if move.cues:
        details.append(f"{labels.reminders}: " + " ".join(cue.say for cue in move.cues))
    return details


def _warnings(timeline: Timeline, labels: Labels) -> str:
    if not timeline.warnings:
        return ""
    items = "".join(f"<li>{escape(warning)}</li>" for warning in timeline.warnings)
    return f'<section class="warnings"><h2>{escape(labels.warnings)}</h2><ul>{items}</ul></section>'


# -- out of the patient's way -------------------------------------------------------------------


def _footer(timeline: Timeline, labels: Labels, source: str) -> str:
    """The technical facts, small: the voice, the counts of sounds, the script it came from."""
    events = timeline.events
    work = sum(phase.end - phase.start for phase in timeline.phases if phase.kind == "work")
    percent = round(100 * work / timeline.duration) if timeline.duration else 0
    facts = [
        labels.footer.format(version=__version__, source=source).rstrip("."),
        labels.voice.format(voice=timeline.voice or labels.default_voice, wpm=timeline.wpm),
        labels.sounds.format(
            speech=sum(1 for event in events if event.kind == "speech"),
            beeps=sum(1 for event in events if event.kind == "beep"),
        ),
        labels.work_share.format(clock=length_clock(timeline.seconds(work)), percent=percent),
    ]
    check = f"{labels.check} <code>voiceguide plan {escape(source)}</code>."
    return f'<footer>{escape(" · ".join(facts))}. {check}</footer>'


def _css() -> str:
    """The style sheet, a data file beside this module (inside the wheel too)."""
    return (resources.files("voiceguide.output") / "session_sheet.css").read_text("utf-8")
