"""The plan as text: a table a person reads, and the JSON of section 4 of the format."""

from __future__ import annotations

import json
from typing import Any

from voiceguide.timeline import Event, Phase, Timeline
from voiceguide.units import about_length, format_clock, plural


def plan_dict(timeline: Timeline) -> dict[str, Any]:
    seconds = timeline.seconds
    return {
        "title": timeline.title,
        "sample_rate": timeline.sample_rate,
        "duration": seconds(timeline.duration),
        "voice": timeline.voice,
        "rate": timeline.wpm,
        "warnings": list(timeline.warnings),
        "events": [
            {
                "start": seconds(event.start),
                "end": seconds(event.end),
                "kind": event.kind,
                "cue": event.role,
                "text": event.text,
                "move": event.move,
                "set": event.set,
                "side": event.side,
            }
            for event in timeline.events
        ],
        "phases": [
            {
                "start": seconds(phase.start),
                "end": seconds(phase.end),
                "kind": phase.kind,
                "move": phase.move,
                "set": phase.set,
                "side": phase.side,
                "reps": phase.reps,
            }
            for phase in timeline.phases
        ],
    }


def plan_json(timeline: Timeline) -> str:
    return json.dumps(plan_dict(timeline), indent=2, ensure_ascii=False)


def plan_table(timeline: Timeline) -> str:
    """One line per sound, with a heading line per phase:

    \b
      2:41.3  work    Move 2 Standing banded fire hydrant, set 1, left (30 s)
      2:41.3            [go]
      2:56.3            "Halfway."
    """
    rate = timeline.sample_rate
    length = about_length(timeline.duration / rate)
    voice = timeline.voice or "engine default"
    lines = [f"{timeline.title}: {length}, voice {voice}, {timeline.wpm} words per minute"]
    events = iter(timeline.events)
    pending: Event | None = next(events, None)
    for phase in timeline.phases:
        where = _where(phase, rate)
        lines.append(f"{format_clock(phase.start / rate):>9}  {phase.kind:<6}  {where}")
        while pending is not None and pending.start < phase.end:
            lines.append(f"{format_clock(pending.start / rate):>9}            {_what(pending)}")
            pending = next(events, None)
    lines.append(f"{format_clock(timeline.duration / rate):>9}  end")
    return "\n".join(lines)


def _where(phase: Phase, rate: int) -> str:
    if phase.move is None:
        return ""
    parts = [f"Move {phase.move_number} {phase.move}"]
    if phase.round is not None and phase.round > 1:
        parts.append(f"round {phase.round}")
    if phase.set is not None:
        parts.append(f"set {phase.set}")
    if phase.side is not None:
        parts.append(phase.side)
    text = ", ".join(parts)
    if phase.kind == "work":
        seconds = f"{(phase.end - phase.start) / rate:g} s"
        text += f" ({plural(phase.reps, 'rep')}, {seconds})" if phase.reps else f" ({seconds})"
    return text


def _what(event: Event) -> str:
    if event.kind == "beep":
        return f"[{event.role}]"
    return f'"{event.text}"'
