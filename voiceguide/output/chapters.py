"""Where the moves are in an exported file: markers (WAV), chapters (m4a, m4b, mp3), WAV tags.

A marker sits where every move starts (its first window, after the end beep of the move before)
and at every work phase; a chapter covers one move, from where it starts to where the next one
does, after an "Intro" chapter. Titles are in the routine's language (`output/labels`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from voiceguide.output.file_tags import DEFAULT_ARTIST
from voiceguide.output.labels import Labels, labels_for
from voiceguide.output.wav_writer import Marker, Tags
from voiceguide.timeline import Phase, Timeline


@dataclass(frozen=True)
class Chapter:
    """One chapter of an m4a or mp3 file, in frames of the session."""

    start: int  # frames
    end: int
    title: str


def markers_for(timeline: Timeline) -> list[Marker]:
    """A marker where every move starts (its first window, after the end beep of the move
    before: a player that jumps to a move does not start on the last move's beep) and at every
    work phase.

    Labels: "Move 2: Standing banded fire hydrant" and "Move 2: Standing banded fire hydrant,
    left, set 1"; side and set only where they apply, ", round 2" only with several rounds.
    """
    return [marker for _, marker in _marks(timeline)]


def chapters_for(timeline: Timeline) -> list[Chapter]:
    """One chapter per move (per round), from where the move starts to where the next starts.

    The intro before the first move is a chapter of its own, so the chapters cover the file
    from 0:00 (phone players list chapters from the start); the outro ends the last move's.
    """
    starts = [marker for move_start, marker in _marks(timeline) if move_start]
    chapters = []
    if starts and starts[0].frame > 0:
        intro = labels_for(timeline.language).intro_chapter
        chapters.append(Chapter(0, starts[0].frame, intro))
    for index, marker in enumerate(starts):
        end = starts[index + 1].frame if index + 1 < len(starts) else timeline.duration
        chapters.append(Chapter(marker.frame, end, marker.label))
    return chapters


def _marks(timeline: Timeline) -> list[tuple[bool, Marker]]:
    """(starts a move, marker) for every move start and every work phase, in order."""
    labels = labels_for(timeline.language)
    many_rounds = any((phase.round or 1) > 1 for phase in timeline.phases)
    # the end beep of a work phase sits at the start of the window after it
    end_beeps = {event.start: event.end for event in timeline.events
                 if event.kind == "beep" and event.role == "end"}
    most_sets: dict[tuple[int | None, str | None], int] = {}
    for phase in timeline.phases:
        if phase.kind == "work":
            key = (phase.move_number, phase.move)
            most_sets[key] = max(most_sets.get(key, 1), phase.set or 1)
    marks = []
    started: set[tuple[int | None, int | None, str | None]] = set()
    before: Phase | None = None
    for phase in timeline.phases:
        if phase.kind == "work":
            if (phase.round, phase.move_number, phase.move) not in started:
                started.add((phase.round, phase.move_number, phase.move))
                # the move starts with the window that announces it
                opens = before.start if before is not None and before.kind == "window" else None
                frame = phase.start if opens is None else end_beeps.get(opens, opens)
                marks.append((True, Marker(frame, _label(phase, labels, many_rounds))))
            several_sets = most_sets[(phase.move_number, phase.move)] > 1
            label = _label(phase, labels, many_rounds, work=True, with_set=several_sets)
            marks.append((False, Marker(phase.start, label)))
        before = phase
    return marks


def _label(
    phase: Phase, labels: Labels, many_rounds: bool, *, work: bool = False, with_set: bool = False
) -> str:
    name = phase.move or "Move"
    parts = [labels.move_chapter.format(n=phase.move_number, name=name)
             if phase.move_number else name]
    if work and phase.side:
        parts.append(labels.left if phase.side == "left" else labels.right)
    if work and with_set and phase.set:
        parts.append(labels.set_n.format(n=phase.set))
    if many_rounds and phase.round:
        parts.append(labels.round_n.format(n=phase.round))
    return ", ".join(parts)


def tags_for(timeline: Timeline, author: str | None = None) -> Tags:
    """A WAV file's tags: the routine's title, its author (or voiceguide), the summary."""
    return Tags(title=timeline.title, artist=author or DEFAULT_ARTIST, comment=timeline.summary)


def ffmetadata(
    tags: Iterable[tuple[str, str]], chapters: Iterable[Chapter], sample_rate: int
) -> str:
    """An ffmetadata file: the tags and one [CHAPTER] per move, in frames of the session."""
    lines = [";FFMETADATA1"]
    lines += [f"{key}={_escape(value)}" for key, value in tags if value]
    for chapter in chapters:
        lines += [
            "",
            "[CHAPTER]",
            f"TIMEBASE=1/{sample_rate}",
            f"START={chapter.start}",
            f"END={chapter.end}",
            f"title={_escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    # ffmetadata: '=', ';', '#', '\' and newlines are escaped with a backslash
    for special in ("\\", "=", ";", "#", "\n"):
        value = value.replace(special, "\\" + special)
    return value
