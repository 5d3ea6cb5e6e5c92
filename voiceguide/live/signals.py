"""The signals that end a process (SIGTERM, SIGHUP, SIGQUIT) as an exception while a session
plays, so the sound stops and the terminal gets its mode back on the way out, as with Ctrl-C."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceguide.live.player import PlayResult

_ENDING = ("SIGTERM", "SIGHUP", "SIGQUIT")  # those a platform has


class Interrupted(KeyboardInterrupt):
    """Ctrl-C ended a session: still a KeyboardInterrupt, with how far it got (a PlayResult)."""

    def __init__(self, result: PlayResult) -> None:
        super().__init__()
        self.result = result


class Stopped(BaseException):
    """A signal asked the process to end. Like KeyboardInterrupt, not an Exception: a plain
    `except Exception` does not swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def signals_stop_play() -> Iterator[None]:
    """Within the block, an ending signal raises `Stopped` (once; a second one during the
    clean-up is ignored). Signals the program handles or ignores (nohup) are left alone, and
    outside the main thread nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise Stopped(signum)

    previous = {}
    for name in _ENDING:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            previous[number] = signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
