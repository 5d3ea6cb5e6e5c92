"""Shared by the tests that interrupt an export or write onto a small disk."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

# a short routine (about a minute) that the fault tests export again and again
SHORT_ROUTINE = """\
title = "Short"
[settings]
rest_between_moves = "15s"
[[move]]
name = "Clamshell"
hold = "20s"
[[move]]
name = "Bridge"
reps = 3
tempo = 3
"""


def wait_for_partial_file(
    process: subprocess.Popen[str], folder: Path, destination: str, *, timeout: float = 120
) -> None:
    """Block until the export has started writing its hidden partial file next to destination."""
    deadline = time.monotonic() + timeout
    while not any(path.name.startswith(f".{destination}.partial") for path in folder.iterdir()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.05)


def stopped_mid_export(
    process: subprocess.Popen[str], folder: Path, destination: str, *, timeout: float = 120
) -> bool:
    """Stop the export (SIGSTOP) the moment its hidden partial file appears.

    True when it is stopped with the partial file still there: a signal sent now lands in the
    middle of the export however fast the export and however busy this machine. False when the
    export finished first (a WAV can take under a second): the caller tries again.
    """
    deadline = time.monotonic() + timeout

    def writing() -> bool:
        return any(path.name.startswith(f".{destination}.partial") for path in folder.iterdir())

    while not writing():
        if process.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.002)
    process.send_signal(signal.SIGSTOP)
    if writing():
        return True
    process.send_signal(signal.SIGCONT)
    return False


def children_named(parent: int, name: str) -> list[tuple[int, str]]:
    """(pid, start time) of the running children of `parent` called `name` (ffmpeg, say)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue
        # after the ")" that ends the command: state, ppid, ...; field 22 is the start time
        if int(fields[1]) == parent and command == name:
            found.append((int(entry.name), fields[19]))
    return found


def still_there(process: tuple[int, str]) -> bool:
    """Whether that process (pid and start time) still exists, even as a zombie."""
    pid, started = process
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == started


def in_private_mounts(
    shell: str, cwd: Path, env: dict[str, str], *, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `shell` (sh) as root in a private mount namespace, so no mount outlives it."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private mount namespace")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no private mount namespaces here")
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", shell],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env,
    )
