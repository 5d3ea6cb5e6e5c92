"""Voices: what an engine offers, and finding the one a script asks for. No audio libraries."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from voiceguide.errors import UnknownVoiceError


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]

    def label(self) -> str:
        """'"English (Great Britain)" (en-gb)': how messages name a voice."""
        detail = self.languages[0] if self.languages else self.id
        return f'"{self.name}" ({detail})'


class HasVoices(Protocol):
    def voices(self) -> list[VoiceInfo]: ...


def _norm(code: str) -> str:
    return code.strip().lower().replace("_", "-")


def resolve_voice(engine: HasVoices, wanted: str | None) -> VoiceInfo | None:
    """A voice by id, language code ("de", "en-gb") or a case-insensitive part of its name.

    None means the engine's default voice. Tried in this order, first hit wins: exact id, exact
    language code, an id ending in the code ("en" -> "gmw/en", espeak names voice files by
    language), a language of that family ("en" -> "en-gb", shortest code first), exact name,
    part of a name (shortest name first).
    """
    if wanted is None:
        return None
    key = _norm(wanted)
    voices = engine.voices()
    ordered: list[list[VoiceInfo]] = [
        [v for v in voices if v.id.lower() in (key, wanted.strip().lower())],
        [v for v in voices if key in (_norm(code) for code in v.languages)],
        [v for v in voices if v.id.lower().rsplit("/", 1)[-1] == key],
        sorted(
            (v for v in voices if any(_norm(c).startswith(key + "-") for c in v.languages)),
            key=lambda v: min(len(c) for c in v.languages),
        ),
        [v for v in voices if v.name.lower() == key],
        sorted((v for v in voices if key and key in v.name.lower()), key=lambda v: len(v.name)),
    ]
    for candidates in ordered:
        if candidates:
            return candidates[0]
    raise UnknownVoiceError(_unknown_message(wanted, voices))


def _unknown_message(wanted: str, voices: Sequence[VoiceInfo]) -> str:
    if not voices:
        return f'no voice "{wanted}"; the speech engine offers no voices; see `voiceguide voices`'
    key = _norm(wanted)

    def likeness(voice: VoiceInfo) -> float:
        names = [voice.name.lower(), voice.id.lower(), *(_norm(c) for c in voice.languages)]
        return max(difflib.SequenceMatcher(None, key, name).ratio() for name in names)

    closest = sorted(voices, key=lambda v: (-likeness(v), v.name))[:3]
    listed = ", ".join(voice.label() for voice in closest)
    return f'no voice "{wanted}"; closest: {listed}; see `voiceguide voices`'
