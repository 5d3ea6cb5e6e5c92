"""The text of a routine script: at most 1 MiB of UTF-8, and tomllib's errors as one line."""

from __future__ import annotations

import re

from voiceguide.errors import ScriptError

MAX_BYTES = 1024 * 1024


def decode(text: str | bytes, name: str) -> str:
    """The text of a file of at most 1 MiB of UTF-8 (a leading byte order mark is dropped)."""
    if isinstance(text, str):
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ScriptError(
                f"{name}: not UTF-8 text (character {error.start} cannot be encoded)"
            ) from None
    else:
        data = text
    if len(data) > MAX_BYTES:
        raise ScriptError(
            f"{name}: the file is over 1 MiB; a routine script is at most {MAX_BYTES:,} bytes"
        )
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ScriptError(
            f"{name}:{line}: not UTF-8 text (byte offset {error.start}); save the file as UTF-8"
        ) from None
    return decoded.removeprefix("\ufeff")


def toml_message(message: str, source: str, name: str) -> str:
    """tomllib's "Expected ... (at line 9, column 7)" -> "x.toml:9: invalid TOML: expected ..."."""
    found = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, re.DOTALL)
    if found:
        reason, line, where = found.group(1), found.group(2), f" (column {found.group(3)})"
    else:
        reason = message.removesuffix(" (at end of document)")
        line = str(max(1, len(source.rstrip().splitlines())))
        where = " (at the end of the file)" if reason != message else ""
    reason = reason.removesuffix(" in a key/value pair")
    reason = reason[:1].lower() + reason[1:]
    return f"{name}:{line}: invalid TOML: {reason}{where}"
