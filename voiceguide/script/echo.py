"""User text as messages echo it: quoted, escaped and cut short.

A message is one line a person reads in a terminal. What a script holds must not break that:
a megabyte key is cut (the start is enough to find it), and control, bidi-override, zero-width
and other unprintable characters are shown as escapes, so a name cannot reorder or hide the
rest of the line.
"""

from __future__ import annotations

ECHO_LIMIT = 60  # characters of user text shown in a message, the ellipsis included


def quote(text: str, limit: int = ECHO_LIMIT) -> str:
    """Double-quoted, cut to `limit` characters, with quotes, backslashes and unprintable
    characters escaped: 'move 1 "Clam\\u202eshell"'."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        else:
            out.append(f"\\u{ord(char):04x}")
    return '"' + "".join(out) + '"'
