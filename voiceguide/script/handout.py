"""The handout keys of a script: what the printed session sheet tells a patient beyond the moves
(how often, for how many weeks, notes, who prescribed it) and the routine's language.

None of them is spoken. The language names the language of the page, the chapter titles and the
labels voiceguide adds; without it, the voice setting when that is a language code (`voice =
"de"`), else English.
"""

from __future__ import annotations

import re

from voiceguide.script import fieldchecks as fc
from voiceguide.script.model import Handout

# a language tag as HTML's lang takes it: "en", "de", "en-GB", "pt-BR", "zh-Hans"
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", re.IGNORECASE)
MAX_WEEKS = 104  # two years: a longer programme is reviewed before then


def language(value: object, subject: str) -> str:
    """A language tag, kept as written but lower-case: "de", "en-gb"."""
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value.strip()):
        raise fc.Invalid(
            f'{subject} must be a language code such as "en", "de" or "en-gb", not {fc.show(value)}'
        )
    return value.strip().lower()


# top-level keys (checked as the rest of the top level is)
HANDOUT_KEYS: dict[str, fc.Check] = {
    "language": language,
    "how_often": fc.text,
    "weeks": fc.whole(1, MAX_WEEKS),
    "notes": fc.text,
    "prescribed_by": fc.text,
}


def handout_from(top: dict[str, object]) -> Handout:
    """The checked handout values of the top level."""
    weeks = top.get("weeks")
    return Handout(
        how_often=_text(top.get("how_often")),
        weeks=weeks if isinstance(weeks, int) else None,
        notes=_text(top.get("notes")),
        prescribed_by=_text(top.get("prescribed_by")),
    )


def routine_language(top: dict[str, object], voice: str | None) -> str:
    """The `language` key; else the voice when it is a language code; else English."""
    given = top.get("language")
    if isinstance(given, str):
        return given
    if voice is not None and _LANGUAGE.fullmatch(voice):
        return voice.lower()
    return "en"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
