"""Read a routine script (format voiceguide/1, see docs/ROUTINE_FORMAT.md) into a `Routine`.

Every mistake raises ScriptError with one line: file, line, move, what is wrong and the fix:

    hip.toml:14: move 2 "Standing banded fire hydrant": unknown key "hlod"; did you mean "hold"?
    hip.toml: move 3 "Wall lunge": "reps" needs "tempo" (seconds per rep, e.g. tempo = 3)

The line is the one of the key, list item or table header where the problem sits; a key that is
missing from a move has no line of its own, the move's number and name find it (a move without
a name gets the line of its [[move]] header). Rules of this module beyond the format text
(spoken-text folding and limits are in `fieldchecks`):
- a UTF-8 byte order mark at the start of the file is accepted;
- every duration is at most 4 hours, the longest session;
- `tempo` goes only with `reps`;
- a move's `left`/`right` words need a side they are said for;
- a `wait` move without `prepare` gets WAIT_PREPARE seconds of it in an export and the plan.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NoReturn, cast

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, before it joined the standard library
    import tomli as tomllib

from voiceguide.bounds import FASTEST_RATE, check_bounds
from voiceguide.errors import ScriptError
from voiceguide.script import fieldchecks as fc
from voiceguide.script.handout import handout_from, routine_language
from voiceguide.script.model import SOUND_NAMES, Cue, Move, Phrases, Routine, Settings
from voiceguide.script.schema import CUE, MOVE, PHRASE_FIELDS, PHRASES, SETTINGS, TOP
from voiceguide.script.source import MAX_BYTES, decode, toml_message
from voiceguide.script.tomlpos import KeyLines, KeyPath, key_lines
from voiceguide.units import parse_duration, spoken_duration
from voiceguide.wording import join_items, move_summary

MAX_MOVES = 1000
# the prepare time an export gives a `wait` move that names none: live play holds instead
WAIT_PREPARE = 30.0

_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]+)?)%")  # ASCII digits only, as in durations


def load_routine(path: Path, *, display_name: str | None = None) -> Routine:
    """Read and validate the routine script at `path`."""
    name = str(path) if display_name is None else display_name
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise ScriptError(f"{name}: cannot read the file: {error.strerror or error}") from None
    return parse_routine(data, path, display_name=name)


def parse_routine(text: str | bytes, path: Path, *, display_name: str | None = None) -> Routine:
    """Validate a routine script's text; `path` places it (messages, relative sound paths)."""
    name = str(path) if display_name is None else display_name
    source = decode(text, name)
    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise ScriptError(toml_message(str(error), source, name)) from None
    except RecursionError:
        raise ScriptError(f"{name}: invalid TOML: lists or tables nested too deeply") from None
    return _Reader(name, key_lines(source), path).routine(document)


class _Reader:
    """Checks a parsed document against the schemas; knows the file name and key lines."""

    def __init__(self, name: str, lines: KeyLines, path: Path) -> None:
        self.name = name
        self.lines = lines
        self.path = path

    def fail(self, path: KeyPath | None, message: str, move: str | None = None) -> NoReturn:
        line = None if path is None else self.lines.line(path)
        where = self.name if line is None else f"{self.name}:{line}"
        label = "" if move is None else f"{move}: "
        raise ScriptError(f"{where}: {label}{message}")

    def table(
        self,
        table: Mapping[str, Any],
        schema: Mapping[str, fc.Check],
        path: KeyPath,
        move: str | None = None,
        prefix: str = "",
    ) -> dict[str, Any]:
        """Checked values of the keys present; unknown keys are refused."""
        for key in table:
            if key not in schema:
                self.fail((*path, key), fc.unknown_key(key, schema, prefix), move)
        values = {}
        for key, check in schema.items():
            if key in table:
                try:
                    values[key] = check(table[key], fc.quote(prefix + key))
                except fc.Invalid as error:
                    self.fail((*path, key, *error.subpath), str(error), move)
        return values

    def subtable(self, value: object, path: KeyPath, header: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"{fc.quote(header)} must be a table ([{header}])")
        return value

    def routine(self, document: dict[str, Any]) -> Routine:
        top = self.table(document, TOP, ())
        if "title" not in top:
            self.fail(None, 'missing "title" (e.g. title = "Morning mobility")')
        settings = self.settings(document.get("settings", {}))
        phrases = self.phrases(document.get("phrases", {}))
        moves = self.moves(document.get("move"), settings)
        routine = Routine(
            path=self.path,
            name=self.name,
            title=top["title"],
            author=top.get("author"),
            moves=moves,
            intro=top.get("intro"),
            equipment=top.get("equipment", ()),
            outro=top.get("outro"),
            rounds=top.get("rounds", 1),
            settings=settings,
            phrases=phrases,
            # the handout keys: never spoken
            language=routine_language(top, settings.voice),
            handout=handout_from(top),
        )
        self.sentences(routine)
        check_bounds(routine, FASTEST_RATE)  # the script's own rate may be overridden: --rate
        return routine

    def sentences(self, routine: Routine) -> None:
        """A sentence built from several texts is limited like one text (format, section 7)."""
        phrases = routine.phrases
        self.joined(routine.equipment, ("equipment",), phrases.and_, None)
        for index, move in enumerate(routine.moves):
            self.joined(move.equipment, ("move", index, "equipment"), phrases.and_, move.label())
            summary = move_summary(move, phrases)
            if len(summary) > fc.TEXT_LIMIT:
                self.fail(
                    ("phrases",),
                    f"its summary is {len(summary):,} characters long, over {fc.TEXT_LIMIT:,}: "
                    "shorten the phrases it is made of (one_set, sets, reps, one_rep, seconds, "
                    "one_second, minutes, one_minute, each_side, left_only, right_only)",
                    move.label(),
                )

    def joined(self, items: tuple[str, ...], path: KeyPath, and_: str, move: str | None) -> None:
        if not items:
            return
        length = len(join_items(items, and_))
        if length > fc.TEXT_LIMIT:
            self.fail(
                path,
                f'"equipment" is said as one list of {length:,} characters, over '
                f"{fc.TEXT_LIMIT:,}: use fewer or shorter items",
                move,
            )

    def settings(self, value: object) -> Settings:
        table = self.subtable(value, ("settings",), "settings")
        values = self.table(table, SETTINGS, ("settings",), prefix="settings.")
        if "sounds" in values:
            values["sounds"] = self.sounds(values["sounds"])
        settings = Settings(**values)
        if settings.get_ready <= settings.countdown:
            key = "get_ready" if "get_ready" in values else "countdown"
            self.fail(
                ("settings", key),
                f'"settings.get_ready" ({spoken_duration(settings.get_ready)}) must be longer '
                f'than "settings.countdown" ({spoken_duration(settings.countdown)}); '
                "raise get_ready or lower countdown",
            )
        return settings

    def sounds(self, value: object) -> dict[str, Path]:
        path: KeyPath = ("settings", "sounds")
        table = self.subtable(value, path, "settings.sounds")
        schema = dict.fromkeys(SOUND_NAMES, fc.sound_file(self.path.parent))
        return self.table(table, schema, path, prefix="settings.sounds.")

    def phrases(self, value: object) -> Phrases:
        table = self.subtable(value, ("phrases",), "phrases")
        values = self.table(table, PHRASES, ("phrases",), prefix="phrases.")
        defaults = Phrases()
        for key, phrase in values.items():
            default = getattr(defaults, PHRASE_FIELDS[key])
            expected = fc.placeholders(default) or set()
            # "{{" is an escaped brace to str.format: it would be said, so it is refused too
            rest = phrase
            for name in expected:
                rest = rest.replace("{" + name + "}", "")
            if fc.placeholders(phrase) != expected or "{" in rest or "}" in rest:
                if not expected:
                    self.fail(("phrases", key), f'"phrases.{key}" cannot contain {{ or }}')
                names = " and ".join("{" + name + "}" for name in sorted(expected))
                plural = "s" if len(expected) > 1 else ""
                self.fail(
                    ("phrases", key),
                    f'"phrases.{key}" must use exactly the placeholder{plural} {names}, '
                    f"like {fc.quote(default)}",
                )
        return Phrases(**{PHRASE_FIELDS[key]: phrase for key, phrase in values.items()})

    def moves(self, value: object, settings: Settings) -> tuple[Move, ...]:
        example = "add a [[move]] table with a name and reps, hold or work"
        if value is None:
            self.fail(None, f"no moves; {example}")
        if isinstance(value, dict):
            self.fail(
                ("move",), '"move" must be a list of tables: write [[move]] with two brackets'
            )
        if not isinstance(value, list):
            self.fail(("move",), f'"move" must be a list of tables, not {fc.show(value)}')
        if not value:
            self.fail(("move",), f"no moves; {example}")
        if len(value) > MAX_MOVES:
            self.fail(
                ("move", MAX_MOVES),
                f"too many moves ({len(value):,}); a routine has at most {MAX_MOVES:,}",
            )
        return tuple(self.move(index, table, settings) for index, table in enumerate(value))

    def move(self, index: int, table: object, settings: Settings) -> Move:
        path: KeyPath = ("move", index)
        number = index + 1
        if not isinstance(table, dict):
            self.fail(path, f"move {number} must be a table ([[move]]), not {fc.show(table)}")
        try:
            label = Move(number, fc.text(table.get("name"), ""), "hold").label()
        except fc.Invalid:
            label = f"move {number}"
        values = self.table(table, MOVE, path, label)
        if "name" not in values:
            self.fail(path, 'missing "name" (e.g. name = "Side plank")', label)
        kinds = [key for key in table if key in ("reps", "hold", "work")]
        if not kinds:
            self.fail(None, 'needs one of "reps", "hold" or "work" (e.g. hold = "30s")', label)
        if len(kinds) > 1:
            self.fail(
                (*path, kinds[1]),
                f'has both "{kinds[0]}" and "{kinds[1]}"; keep one of "reps", "hold" or "work"',
                label,
            )
        kind = cast(Literal["reps", "hold", "work"], kinds[0])
        if kind == "reps" and "tempo" not in values:
            self.fail(None, '"reps" needs "tempo" (seconds per rep, e.g. tempo = 3)', label)
        if kind != "reps" and "tempo" in values:
            self.fail((*path, "tempo"), '"tempo" goes only with "reps"; remove it', label)
        if values.get("sides", "none") != "each":
            for key in ("switch", "side_order"):
                if key in values:
                    self.fail((*path, key), f'"{key}" needs sides = "each"', label)
        sides = values.get("sides", "none")
        for side in ("left", "right"):
            if side in values and sides not in ("each", side):
                self.fail(
                    (*path, side),
                    f'"{side}" is said only when the move works its {side} side: it needs '
                    f'sides = "each" or sides = "{side}"',
                    label,
                )
        waits = values.get("wait", False)
        move = Move(
            number=number,
            name=values["name"],
            kind=kind,
            setup=values.get("setup"),
            equipment=values.get("equipment", ()),
            reps=values.get("reps"),
            tempo=values.get("tempo"),
            duration=values.get(kind) if kind != "reps" else None,
            sets=values.get("sets", 1),
            sides=values.get("sides", "none"),
            side_order=values.get("side_order", "alternate"),
            switch=values.get("switch"),
            rest_between_sets=values.get("rest_between_sets", settings.rest_between_sets),
            rest_between_sides=values.get("rest_between_sides", settings.rest_between_sides),
            rest_after=values.get("rest_after", settings.rest_between_moves),
            prepare=values.get("prepare", WAIT_PREPARE if waits else 0.0),
            wait=waits,
            left=values.get("left"),
            right=values.get("right"),
            line=self.lines.line(path),
        )
        if "cues" in values:
            move = dataclasses.replace(move, cues=self.cues(values["cues"], move, path))
        return move

    def cues(self, value: object, move: Move, path: KeyPath) -> tuple[Cue, ...]:
        path = (*path, "cues")
        label = move.label()
        example = '{ at = "50%", say = "Keep breathing." }'
        if not isinstance(value, list):
            self.fail(path, f'"cues" must be a list of tables like [{example}]', label)
        cues = []
        for index, item in enumerate(value):
            where = f"{label}: cue {index + 1}"
            if not isinstance(item, dict):
                self.fail((*path, index), f"must be a table like {example}", where)
            values = self.table(item, CUE, (*path, index), where)
            for key, sample in (("at", 'at = "50%"'), ("say", 'say = "Keep breathing."')):
                if key not in values:
                    self.fail((*path, index), f'missing "{key}" (e.g. {sample})', where)
            cue = _cue(values["at"], values["say"])
            if cue is None:
                self.fail(
                    (*path, index, "at"),
                    f"cannot read at {fc.show(values['at'])}; write a share of the phase "
                    '("50%"), a time from its start ("15s") or before its end ("-10s")',
                    where,
                )
            offset = cue.offset(move.work_seconds)
            if not 0 <= offset < move.work_seconds:
                self.fail(
                    (*path, index, "at"),
                    f"at {fc.show(cue.at)} lies outside the work phase of "
                    f"{spoken_duration(move.work_seconds)}",
                    where,
                )
            cues.append(cue)
        return tuple(cues)


def _cue(at: object, say: str) -> Cue | None:
    """A cue at "50%", "15s" (from the start) or "-10s" (before the end); None if unread."""
    if not isinstance(at, str):
        return None
    written = at.strip()
    percent = _PERCENT.fullmatch(written)
    if percent:
        return Cue(at, "percent", float(percent.group(1)), say)
    anchor: Literal["start", "end"] = "end" if written.startswith("-") else "start"
    try:
        seconds = parse_duration(written.removeprefix("-"))
    except ValueError:
        return None
    return Cue(at, anchor, seconds, say)
