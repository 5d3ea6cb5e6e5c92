"""Shared by the tests that interrupt an export through the CLI."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def wait_for_partial_file(
    process: subprocess.Popen[str], folder: Path, destination: str, *, timeout: float = 120
) -> None:
    """Block until the export has started writing its hidden partial file next to destination."""
    deadline = time.monotonic() + timeout
    while not any(path.name.startswith(f".{destination}.partial") for path in folder.iterdir()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.05)
