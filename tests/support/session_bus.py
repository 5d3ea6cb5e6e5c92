"""A private D-Bus session bus for a test (a real `dbus-daemon`), and real clients of it:
`busctl` for calls and properties, `dbus-send` as a second, independent client."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

MPRIS_NAME = "org.mpris.MediaPlayer2.voiceguide"
MPRIS_PATH = "/org/mpris/MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"


def missing_tools() -> str | None:
    """Why a private bus cannot be used here, or None when it can."""
    for tool, package in (
        ("dbus-daemon", "dbus-daemon"),
        ("busctl", "systemd"),
        ("dbus-send", "dbus-bin"),
    ):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: {package})"
    return None


# tests that need dbus-daemon, busctl and dbus-send are skipped, with the reason, without them
NEEDS_BUS = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))

class SessionBus:
    """`dbus-daemon --session` listening on a socket in `folder`, stopped by `stop()`."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.address = f"unix:path={folder / 'bus'}"
        self._process = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1",
             f"--address={self.address}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # (as root it says it cannot raise its descriptor limit)
            text=True,
        )
        assert self._process.stdout is not None
        printed = self._process.stdout.readline().strip()  # printed once it listens
        if not printed.startswith("unix:"):
            self.stop()
            raise RuntimeError(f"dbus-daemon did not start: {printed!r}")

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """`base` with this bus as the session bus."""
        return {**base, "DBUS_SESSION_BUS_ADDRESS": self.address}

    def busctl(self, *args: str, timeout: float = 20) -> str:
        done = subprocess.run(
            ["busctl", f"--address={self.address}", "--no-pager", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    def call(self, method: str, name: str = MPRIS_NAME) -> None:
        """A method of the player, called as a media key does."""
        self.busctl("call", name, MPRIS_PATH, PLAYER, method)

    def get(self, prop: str, interface: str = PLAYER, name: str = MPRIS_NAME) -> Any:
        """A property's value as busctl reads it (its JSON, with variants unwrapped):
        "Playing", True, {"xesam:title": "Intro", ...}."""
        printed = self.busctl("--json=short", "get-property", name, MPRIS_PATH, interface, prop)
        return _unwrap(json.loads(printed))

    def get_all(self, interface: str = PLAYER, name: str = MPRIS_NAME) -> dict[str, Any]:
        """Properties.GetAll, as a desktop's media widget reads them on first sight."""
        printed = self.busctl(
            "--json=short", "call", name, MPRIS_PATH, "org.freedesktop.DBus.Properties",
            "GetAll", "s", interface,
        )
        values: dict[str, Any] = _unwrap(json.loads(printed)["data"][0])
        return values

    def names(self) -> list[str]:
        return [line.split()[0] for line in self.busctl("list", "--acquired").splitlines()[1:]]

    def wait_for_name(self, name: str = MPRIS_NAME, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while name not in self.names():
            assert time.monotonic() < deadline, f"{name} never appeared on the bus"
            time.sleep(0.1)

    def dbus_send(self, *args: str) -> str:
        done = subprocess.run(
            ["dbus-send", f"--bus={self.address}", "--print-reply", *args],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    def freeze(self) -> None:
        """Stop the daemon where it is (SIGSTOP): connections are taken, nothing answered."""
        self._process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.thaw()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


def without_bus(env: dict[str, str] | None = None) -> dict[str, str]:
    """An environment with no session bus at all."""
    base = dict(os.environ if env is None else env)
    base.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return base


def _unwrap(value: Any) -> Any:
    """busctl's JSON of a D-Bus value, as plain data: {"type": T, "data": D} -> D, in depth."""
    if isinstance(value, dict):
        if set(value) == {"type", "data"}:
            return _unwrap(value["data"])
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    return value
