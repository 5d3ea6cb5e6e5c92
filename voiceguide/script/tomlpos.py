"""Line numbers of the keys in a TOML text: tomllib gives values but no positions.

`key_lines` scans a text that tomllib has already accepted and records the line of every key,
table header, array-of-tables entry and array item under the same path tomllib's result uses:
`("move", 1, "hold")` is the `hold` key of the second `[[move]]`, `("move", 0, "cues", 2)` the
third item of the first move's `cues`. The scan is lenient: on anything it does not understand it
stops and keeps what it found, so asking for a line never fails (it may give None).
"""

from __future__ import annotations

import bisect
import contextlib
import re
import sys
from collections.abc import Iterable

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, before it joined the standard library
    import tomli as tomllib

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class KeyLines:
    """Path -> 1-based line; a path not found falls back to its longest recorded prefix."""

    def __init__(self, lines: dict[KeyPath, int]) -> None:
        self._lines = lines

    def line(self, path: Iterable[str | int]) -> int | None:
        parts = tuple(path)
        for end in range(len(parts), 0, -1):
            found = self._lines.get(parts[:end])
            if found is not None:
                return found
        return None


def key_lines(text: str) -> KeyLines:
    scanner = _Scanner(text)
    with contextlib.suppress(_Stop, RecursionError):  # keep the positions found so far
        scanner.scan()
    newlines = [found.start() for found in re.finditer("\n", text)]
    return KeyLines(
        {path: bisect.bisect_left(newlines, offset) + 1 for path, offset in scanner.found.items()}
    )


# the rest of a one-line basic string (escapes skip the next character) and literal string
_BASIC_TAIL = re.compile(r'[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_LITERAL_TAIL = re.compile(r"[^'\n]*'")


class _Stop(Exception):
    """The scanner met something it does not understand."""


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.found: dict[KeyPath, int] = {}  # path -> character offset
        self.array_counts: dict[KeyPath, int] = {}  # arrays of tables: entries so far

    def scan(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip_blank()
            if self.i >= len(self.text):
                return
            if self.text.startswith("[", self.i):
                table = self.header()
            else:
                self.key_value(table)

    def header(self) -> KeyPath:
        start = self.i
        is_array = self.text.startswith("[[", self.i)
        self.i += 2 if is_array else 1
        keys = self.key()
        path: list[str | int] = []
        for index, key in enumerate(keys):
            path.append(key)
            prefix = tuple(path)
            if is_array and index == len(keys) - 1:
                count = self.array_counts.get(prefix, 0)
                self.array_counts[prefix] = count + 1
                path.append(count)
            elif prefix in self.array_counts:  # a header inside the latest entry of an array
                path.append(self.array_counts[prefix] - 1)
        self.found.setdefault(tuple(path), start)
        if is_array:
            self.found.setdefault(tuple(path[:-1]), start)  # the array: its first entry
        closing = "]]" if is_array else "]"
        self.skip_spaces()
        if not self.text.startswith(closing, self.i):
            raise _Stop
        self.i += len(closing)
        return tuple(path)

    def key_value(self, table: KeyPath) -> None:
        start = self.i
        keys = self.key()
        for end in range(1, len(keys) + 1):
            self.found.setdefault(table + tuple(keys[:end]), start)
        self.skip_spaces()
        if not self.text.startswith("=", self.i):
            raise _Stop
        self.i += 1
        self.value(table + tuple(keys))

    def key(self) -> list[str]:
        keys: list[str] = []
        while True:
            self.skip_spaces()
            char = self.text[self.i : self.i + 1]
            if char == '"':
                end = self.string_end('"')
                keys.append(self.decode_basic(self.text[self.i : end]))
                self.i = end
            elif char == "'":
                end = self.string_end("'")
                keys.append(self.text[self.i + 1 : end - 1])
                self.i = end
            else:
                bare = _BARE_KEY.match(self.text, self.i)
                if bare is None:
                    raise _Stop
                keys.append(bare.group())
                self.i = bare.end()
            self.skip_spaces()
            if not self.text.startswith(".", self.i):
                return keys
            self.i += 1

    def value(self, path: KeyPath) -> None:
        self.skip_spaces()
        text = self.text
        if text.startswith('"""', self.i) or text.startswith("'''", self.i):
            self.i = self.multiline_end(text[self.i])
        elif text.startswith('"', self.i):
            self.i = self.string_end('"')
        elif text.startswith("'", self.i):
            self.i = self.string_end("'")
        elif text.startswith("[", self.i):
            self.array(path)
        elif text.startswith("{", self.i):
            self.inline_table(path)
        else:  # number, bool, date: up to the next separator
            scalar = re.compile(r"[^,\]}\n#]+").match(text, self.i)
            if scalar is None:
                raise _Stop
            self.i = scalar.end()

    def array(self, path: KeyPath) -> None:
        self.i += 1
        index = 0
        while True:
            self.skip_blank()
            if self.text.startswith("]", self.i):
                self.i += 1
                return
            if self.i >= len(self.text):
                raise _Stop
            self.found.setdefault((*path, index), self.i)
            self.value((*path, index))
            self.skip_blank()
            if self.text.startswith(",", self.i):
                self.i += 1
                index += 1
            elif not self.text.startswith("]", self.i):
                raise _Stop

    def inline_table(self, path: KeyPath) -> None:
        self.i += 1
        while True:
            self.skip_blank()
            if self.text.startswith("}", self.i):
                self.i += 1
                return
            if self.i >= len(self.text):
                raise _Stop
            self.key_value(path)
            self.skip_blank()
            if self.text.startswith(",", self.i):
                self.i += 1
            elif not self.text.startswith("}", self.i):
                raise _Stop

    def string_end(self, quote: str) -> int:
        """Offset just past a one-line string (basic '"' or literal "'") that starts at self.i."""
        # a regular expression, not a loop over characters: a string may be a megabyte long
        found = (_BASIC_TAIL if quote == '"' else _LITERAL_TAIL).match(self.text, self.i + 1)
        if found is None:
            raise _Stop
        return found.end()

    def multiline_end(self, quote: str) -> int:
        """Offset just past a multi-line string; up to two extra quotes belong to its text."""
        delimiter = quote * 3
        index = self.i + 3
        while index < len(self.text):
            if quote == '"' and self.text[index] == "\\":
                index += 2
                continue
            if self.text.startswith(delimiter, index):
                index += 3
                extra = 0
                while extra < 2 and self.text.startswith(quote, index):
                    index += 1
                    extra += 1
                return index
            index += 1
        raise _Stop

    @staticmethod
    def decode_basic(quoted: str) -> str:
        try:
            decoded = tomllib.loads(f"k = {quoted}")["k"]
        except tomllib.TOMLDecodeError:
            raise _Stop from None
        if not isinstance(decoded, str):
            raise _Stop
        return decoded

    def skip_spaces(self) -> None:
        while self.text.startswith((" ", "\t"), self.i):
            self.i += 1

    def skip_blank(self) -> None:
        """Spaces, line breaks and comments."""
        while self.i < len(self.text):
            char = self.text[self.i]
            if char in " \t\r\n":
                self.i += 1
            elif char == "#":
                newline = self.text.find("\n", self.i)
                self.i = len(self.text) if newline < 0 else newline + 1
            else:
                return
