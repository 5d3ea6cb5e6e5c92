"""Byte ranges: the one `Range: bytes=` a phone's player sends to seek, and which bytes were sent.

Single ranges only (RFC 9110, section 14): `bytes=0-99`, `bytes=100-` and the suffix form
`bytes=-100`. A header that is malformed, names another unit or asks for several ranges is
ignored and the whole file is sent, as the RFC allows; players ask for one range at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SINGLE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.IGNORECASE | re.ASCII)  # unit: any case


@dataclass(frozen=True)
class ByteRange:
    """The bytes [start, end) of a file, to send with 206 Partial Content."""

    start: int
    end: int

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


class Unsatisfiable(Exception):
    """The range lies past the end of the file: answer 416 with `Content-Range: bytes */size`."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range a `Range` header asks for in a file of `size` bytes; None: send the whole file.

    Raises Unsatisfiable for a well-formed range that selects no byte of the file.
    """
    if header is None:
        return None
    match = _SINGLE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - suffix, 0), size)
    start = int(first)
    end = int(last) + 1 if last else size
    if last and end <= start:
        return None  # "bytes=5-2" is invalid: ignored, as the RFC says
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(end, size))


class Coverage:
    """The parts of a file sent so far: complete once every byte went out at least once.

    A download that was cut and resumed with a range, or fetched in parallel pieces, completes
    when its pieces together cover the file.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._spans: list[tuple[int, int]] = []  # sorted, disjoint, not touching

    def add(self, start: int, end: int) -> None:
        if end <= start:
            return
        merged: list[tuple[int, int]] = []
        for span in self._spans:
            if span[1] < start or span[0] > end:
                merged.append(span)
            else:
                start, end = min(start, span[0]), max(end, span[1])
        merged.append((start, end))
        self._spans = sorted(merged)

    @property
    def complete(self) -> bool:
        return self.size == 0 or self._spans[:1] == [(0, self.size)]

    @property
    def sent(self) -> int:
        return sum(end - start for start, end in self._spans)
