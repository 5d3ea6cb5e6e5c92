"""Signals during a file write: unwind so the partial files go, then end as the signal asked.

While a write is under way, SIGINT, SIGTERM and SIGHUP raise an exception in the main thread,
once: it unwinds the work, and the cleanup after it is never cut short by a second signal. When
the cleanup is done the signal takes effect as it would have without us: SIGINT raises
KeyboardInterrupt, SIGTERM and SIGHUP end the process by that signal. A signal whose handler the
application set, or that is ignored (as under nohup), is left alone; so is every signal when the
write runs outside the main thread.

The code that cleans up starts its `finally` with `interrupts.armed = False`: an attribute store
runs no Python code, so no signal handler can run (and raise) before it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType

# SIGHUP: a closed terminal or ssh session (it does not exist on Windows)
_WATCHED = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

_Handler = Callable[[int, FrameType | None], object] | int | None


class Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds the write; the signal is delivered afterwards."""


class Interrupts:
    """Watches SIGINT, SIGTERM and SIGHUP for the length of one write."""

    def __init__(self) -> None:
        self.armed = False  # a signal raises (once) only while armed
        self.received: int | None = None
        self._taken: dict[int, _Handler] = {}

    def watch(self) -> None:
        """Take over the signals that still have their default action (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return
        self.armed = True  # before the first handler: no signal may wait for the whole write
        for number in _WATCHED:
            current = signal.getsignal(number)
            default = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
            if current is default:
                self._taken[number] = current
                signal.signal(number, self._arrived)

    def _arrived(self, number: int, frame: FrameType | None) -> None:
        # SIGTERM or SIGHUP after a Ctrl-C: the stronger one is delivered in the end
        if self.received is None or self.received == signal.SIGINT:
            self.received = number
        if self.armed:
            self.armed = False
            raise self._exception(number)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """A step that must not be cut in half (starting a child): a signal waits until after."""
        armed, self.armed = self.armed, False
        try:
            yield
        finally:
            if armed:
                self.armed = True  # from here a signal raises by itself; one that came, now
                received = self.received
                if received is not None and self.armed:
                    self.armed = False
                    raise self._exception(received)

    def release(self) -> None:
        """Give the signals back; one that came meanwhile takes effect now."""
        self.armed = False
        taken, self._taken = self._taken, {}
        for number, handler in taken.items():
            signal.signal(number, handler)
        received, self.received = self.received, None
        if received is None:
            return
        if received == signal.SIGINT:
            if isinstance(sys.exc_info()[1], KeyboardInterrupt):
                return  # already on its way out (release runs in a `finally`)
            raise KeyboardInterrupt from None
        os.kill(os.getpid(), received)  # the default action: the process ends here
        raise SystemExit(128 + received)  # only if the signal is blocked in this thread

    @staticmethod
    def _exception(number: int) -> BaseException:
        return KeyboardInterrupt() if number == signal.SIGINT else Interrupted(number)
