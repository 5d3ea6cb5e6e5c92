"""The keys of the format, each with the check of its value (`fieldchecks`).

Tables of the loader's schema: top level, [settings], [[move]], a move's cues and [phrases].
"""

from __future__ import annotations

import dataclasses

from voiceguide.script import fieldchecks as fc
from voiceguide.script.handout import HANDOUT_KEYS
from voiceguide.script.model import FORMAT, Phrases

TOP: dict[str, fc.Check] = {
    "format": fc.choice(FORMAT),
    "title": fc.text,
    "intro": fc.text,
    "equipment": fc.texts,
    "outro": fc.text,
    "rounds": fc.whole(1, 20),
    "settings": fc.later,
    "phrases": fc.later,
    "move": fc.later,
    # the handout keys (language, how_often, weeks, notes, prescribed_by): never spoken
    **HANDOUT_KEYS,
    "author": fc.author,  # an extension: only the exported files' tags carry it
}

SETTINGS: dict[str, fc.Check] = {
    "voice": fc.voice_name,
    "rate": fc.whole(80, 400),
    "volume": fc.number(0, 1),
    "beep_volume": fc.gain_or_decibels(-30, 6),
    "loudness": fc.number(-30, -14),
    "countdown": fc.whole(0, 10),
    "final_countdown": fc.whole(0, 10),
    "halfway": fc.flag,
    "count_reps": fc.flag,
    "get_ready": fc.duration(),
    "lead_in": fc.duration(),
    "gap": fc.duration(),
    "rest_between_moves": fc.duration(),
    "rest_between_sets": fc.duration(),
    "rest_between_sides": fc.duration(),
    "rest_between_rounds": fc.duration(),
    "strict": fc.flag,
    "sounds": fc.later,
}

MOVE: dict[str, fc.Check] = {
    "name": fc.text,
    "setup": fc.text,
    "equipment": fc.texts,
    "reps": fc.whole(1, 500),
    "tempo": fc.tempo,
    "hold": fc.duration(positive=True),
    "work": fc.duration(positive=True),
    "sets": fc.whole(1, 50),
    "sides": fc.choice("none", "each", "left", "right"),
    "side_order": fc.choice("alternate", "block"),
    "switch": fc.text,
    "rest_between_sets": fc.duration(),
    "rest_between_sides": fc.duration(),
    "rest_after": fc.duration(),
    "cues": fc.later,
}

CUE: dict[str, fc.Check] = {"at": fc.later, "say": fc.text}

# TOML key -> Phrases field ("and" is a Python keyword)
PHRASE_FIELDS = {f.name.rstrip("_"): f.name for f in dataclasses.fields(Phrases)}
PHRASES: dict[str, fc.Check] = {key: fc.text for key in PHRASE_FIELDS}
PHRASES["and"] = fc.joiner  # said only between items: "&" is enough
