"""Standard output that fails loudly: every byte is written, or the write raises.

Python's buffered stdout drops the rest of a large write when the disk fills: the kernel takes
part of it and Python does not try again, so `plan --json > file` on a full disk left half a
JSON document and exit status 0. Here a short write is continued until it completes or fails
with the error (ENOSPC, EIO, EPIPE) that the command line then reports. After one failure the
rest is discarded, so the interpreter's last flush on exit stays quiet.
"""

from __future__ import annotations

import io
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


class _WholeWrites(io.RawIOBase):
    """A file descriptor written whole: a short write is continued, an error raised once."""

    def __init__(self, descriptor: int) -> None:
        super().__init__()
        self._descriptor = descriptor
        self._failed = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._descriptor

    def isatty(self) -> bool:
        return os.isatty(self._descriptor)

    def write(self, data: ReadableBuffer) -> int:
        view = memoryview(data).cast("B")
        size = len(view)
        if self._failed:
            return size  # discarded: the first failure has been reported
        try:
            while view:
                view = view[os.write(self._descriptor, view):]
        except OSError:
            self._failed = True
            raise
        return size


def write_stdout_whole() -> None:
    """Make sys.stdout write whole or raise, when it is a real file descriptor."""
    stream = sys.stdout
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # replaced already (a test capturing output): leave it
    stream.flush()
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_WholeWrites(descriptor)),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=bool(stream.line_buffering),
    )
