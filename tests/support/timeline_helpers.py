"""Building blocks for timeline tests: routines made directly, and a fake speech measure."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from voiceguide.script.model import Move, Routine, Settings

RATE = 22050
SOUNDS = {"tick": 2205, "go": 7717, "end": 8820, "rep": 1102, "done": 17640}


def fake_measure(text: str) -> int:
    """About 0.35 s a word, varied by a hash so lengths are not all alike, and deterministic."""
    wobble = int(hashlib.sha256(text.encode()).hexdigest()[:4], 16) % 2000
    return 4000 + 7700 * len(text.split()) + wobble


def move(number: int = 1, name: str = "Clamshell", **fields: Any) -> Move:
    fields.setdefault("kind", "hold" if "reps" not in fields else "reps")
    if fields["kind"] in ("hold", "work"):
        fields.setdefault("duration", 30.0)
    return Move(number=number, name=name, **fields)


def routine(*moves: Move, settings: Settings | None = None, **fields: Any) -> Routine:
    numbered = tuple(replace(item, number=index) for index, item in enumerate(moves, start=1))
    return Routine(
        path=Path("test.toml"),
        title=fields.pop("title", "Test routine"),
        moves=numbered,
        settings=settings or Settings(),
        **fields,
    )
