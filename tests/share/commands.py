"""`voiceguide share` run as a real process: the URL read from what it prints, as a user would."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# a private network namespace with 198.51.100.7 on its lo behind a default route: a network of
# its own, that nothing outside reaches and that reaches nothing outside
NAMESPACE_WITH_ROUTE = (
    "ip link set lo up && ip addr add 198.51.100.7/32 dev lo && "
    "ip route add default dev lo src 198.51.100.7"
)
WAIT_SECONDS = 300.0  # preparing speaks the whole routine first; the machine is shared

PLANK = """\
title = "Plank"

[[move]]
name = "Plank"
hold = "10s"
"""


@dataclass
class Sharing:
    process: subprocess.Popen[str]
    url: str
    code: list[str]  # the lines printed before the URL: the QR code
    stdout_lines: queue.Queue[str | None] = field(repr=False)

    def finish(self, seconds: float = 60.0) -> tuple[int, str]:
        """Wait for the process to end by itself; its status and all it wrote on stderr."""
        try:
            status = self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            stop(self.process)
            raise AssertionError("voiceguide share did not stop by itself") from None
        assert self.process.stderr is not None
        return status, self.process.stderr.read()

    def signal(self, number: int) -> None:
        os.killpg(self.process.pid, number)  # as a terminal sends Ctrl-C to the foreground


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def sharing(command: Sequence[str], cwd: Path, env: dict[str, str]) -> Iterator[Sharing]:
    """Start the command and wait for the URL it prints (the line after the QR code)."""
    process = subprocess.Popen(
        list(command), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code: list[str] = []
        while True:
            line = lines.get(timeout=WAIT_SECONDS)
            if line is None:
                process.wait(timeout=60)
                assert process.stderr is not None
                raise AssertionError(f"no URL printed; stderr: {process.stderr.read()}")
            if line.startswith("http://"):
                yield Sharing(process, line.strip(), code, lines)
                return
            code.append(line.rstrip("\n"))
    finally:
        stop(process)
        reader.join(30)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def in_private_network(setup: str, command: Sequence[str]) -> list[str]:
    """The command run in a new network namespace, after `setup` (ip commands) there."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs root, unshare and ip for a private network namespace")
    return ["unshare", "--net", "bash", "-c", f'{setup or "true"} && exec "$@"', "bash",
            *command]


def share_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "voiceguide", "share", *args]


def user_env(tmp_path: Path) -> dict[str, str]:
    """The environment, with a temporary folder of the test's own to see what is left in it."""
    temporary = tmp_path / "tmp"
    temporary.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(temporary), "NO_COLOR": "1"}
