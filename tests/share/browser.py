"""Headless Chromium driven over the DevTools protocol, as a phone's browser uses a page.

Chromium runs with `--remote-debugging-pipe`: it reads commands on its fd 3 and writes answers
and events on its fd 4, JSON messages ended by a NUL byte. No port is opened, so nothing else on
the machine can talk to it. Only what the tests need: open a page, run a script in it (awaiting
its promise), let downloads go to a folder and wait for one to complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# a browser that talks to nothing but the page it is given
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # a page may start playing without a tap, and sound goes to a fake device (none here)
    "--autoplay-policy=no-user-gesture-required", "--disable-audio-output",
)
WAIT_SECONDS = 60.0  # generous: the machine is shared


def _above_4(fd: int) -> int:
    """The same pipe end on a descriptor above 4, so that moving it to 3 or 4 clobbers none."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: run tools/setup.sh --test (Debian: chromium)")
    return found


class Browser:
    """One Chromium process with a fresh profile, and one page in it."""

    def __init__(self, profile: Path) -> None:
        to_chromium, self._commands = map(_above_4, os.pipe())
        self._answers, from_chromium = map(_above_4, os.pipe())
        # chromium wants the pipe on fds 3 and 4: the shell puts them there
        shell = (f"exec 3<&{to_chromium} 4>&{from_chromium} {to_chromium}<&- {from_chromium}>&-; "
                 'exec "$@"')
        self.process = subprocess.Popen(
            ["bash", "-c", shell, "bash", chromium_path(), *FLAGS, "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_chromium, from_chromium), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_chromium)
        os.close(from_chromium)
        self._next_id = 0
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.page("Page.enable")

    # -- the protocol ----------------------------------------------------------------------------

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """A command to the browser (or, with `session`, to the page); its result."""
        with self._lock:
            self._next_id += 1
            number = self._next_id
            reply: queue.Queue[dict[str, Any]] = queue.Queue()
            self._replies[number] = reply
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        answer = reply.get(timeout=WAIT_SECONDS)
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer["result"]
        return result

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        return self.send(method, self.session, **params)

    def event(self, method: str, match: dict[str, Any] | None = None) -> dict[str, Any]:
        """Wait for an event (whose params contain `match`); earlier other events are dropped."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {method} {match or ''} within {WAIT_SECONDS} s")
            try:
                event = self._events.get(timeout=left)
            except queue.Empty:
                continue
            params: dict[str, Any] = event.get("params", {})
            if event["method"] == method and all(params.get(k) == v for k, v in
                                                  (match or {}).items()):
                return params

    def _read(self) -> None:
        buffer = b""
        while True:
            data = os.read(self._answers, 65536)
            if not data:
                return
            buffer += data
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        waiting = self._replies.pop(message["id"], None)
                    if waiting is not None:
                        waiting.put(message)
                else:
                    self._events.put(message)

    # -- what the tests do -----------------------------------------------------------------------

    def open(self, url: str) -> None:
        """Go to `url` and wait until it has loaded."""
        self.page("Page.navigate", url=url)
        self.event("Page.loadEventFired")

    def run(self, script: str) -> Any:
        """Evaluate a script in the page (a promise is awaited); its value."""
        answer = self.page(
            "Runtime.evaluate", expression=script, awaitPromise=True, returnByValue=True,
            timeout=WAIT_SECONDS * 1000,
        )
        if "exceptionDetails" in answer:
            raise AssertionError(f"the page's script failed: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def downloads_to(self, folder: Path) -> None:
        self.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder),
                  eventsEnabled=True)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._commands)  # chromium exits when its pipe closes
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=10)
        with contextlib.suppress(OSError):
            os.close(self._answers)


@contextlib.contextmanager
def browser(profile: Path) -> Iterator[Browser]:
    """A fresh Chromium (its profile in `profile`, made new), closed afterwards."""
    profile.mkdir()
    opened = Browser(profile)
    try:
        yield opened
    finally:
        opened.close()
