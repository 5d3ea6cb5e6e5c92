"""Single keys from a terminal while a session plays, and stand-ins when there is no terminal.

`KeySource.read(timeout)` is also how the player waits: it returns a key as soon as one is
pressed, or None once `timeout` seconds have passed.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time
from types import TracebackType
from typing import Any, Protocol, TextIO


class KeySource(Protocol):
    def read(self, timeout: float) -> str | None:
        """The next key pressed within `timeout` seconds, or None."""


class NoKeys:
    """No terminal to read from (stdin is a pipe or file): only waits."""

    def read(self, timeout: float) -> str | None:
        if timeout > 0:
            time.sleep(timeout)
        return None


def someone_can_press(keys: KeySource) -> bool:
    """Whether a person can answer "press space": not when there are no keys to read, so a
    `wait` move's hold, which would never end, is not made. Asked of the keys before media
    keys join them (live.playback): a headset's button does not count, since nothing on a
    screen asks for it and the headset may not be there."""
    return not isinstance(keys, NoKeys)


class TerminalKeys:
    """Reads keys one at a time from a terminal in cbreak mode.

    Cbreak, not raw: the terminal still turns Ctrl-C into SIGINT, so an interrupt stops the
    session the usual way. The previous terminal mode is restored on every exit path.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._fd = (stream or sys.stdin).fileno()
        self._saved: list[Any] | None = None
        self._pending = ""

    def __enter__(self) -> TerminalKeys:
        import termios
        import tty

        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd, termios.TCSANOW)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.restore()

    def fileno(self) -> int:
        """The terminal's descriptor, for a wait on it and on something else at once."""
        return self._fd

    def restore(self) -> None:
        """The terminal's mode as it was; at once (output stopped by Ctrl-S must not hold it
        up), and quietly when the terminal is gone (a hang-up)."""
        if self._saved is not None:
            import termios

            saved, self._saved = self._saved, None
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._fd, termios.TCSANOW, saved)

    def read(self, timeout: float) -> str | None:
        if not self._pending:
            ready, _, _ = select.select([self._fd], [], [], max(timeout, 0.0))
            if not ready:
                return None
            data = os.read(self._fd, 64)
            if not data:
                # the terminal went away (hang-up): from now on only wait
                time.sleep(max(timeout, 0.0))
                return None
            # arrow and function keys arrive as escape sequences: ignore them whole
            if not data.startswith(b"\x1b"):
                self._pending = data.decode("latin-1")
            if not self._pending:
                return None
        key, self._pending = self._pending[0], self._pending[1:]
        return key


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False
