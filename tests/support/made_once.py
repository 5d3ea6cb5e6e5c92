"""What a test run makes once for all of its tests, whichever pytest-xdist worker asks first.

A full-length session costs seconds to speak and to encode, so the tests that read the same
export, or need the bundled routines' speech in the run's cache, share one making of it: the first
test to ask makes it under a file lock in the run's folder, the others wait for the lock and read
what it made.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's base folder; with pytest-xdist each worker has its own inside it."""
    run = tmp_path_factory.getbasetemp()
    return run.parent if os.environ.get("PYTEST_XDIST_WORKER") else run


def run_speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The speech cache every test of the run shares (tests/conftest.py points VOICEGUIDE_CACHE
    at it), so the clips of the bundled routines are made once."""
    return run_folder(tmp_path_factory) / "speech-cache"


def made_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]
) -> Path:
    """The folder `make` filled, made by the first caller of the run and shared with the rest.

    A `make` that fails leaves nothing marked done, so the next caller tries again and fails
    in its own test too.
    """
    base = run_folder(tmp_path_factory) / "made-once"
    base.mkdir(exist_ok=True)
    folder = base / name
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".done").touch()
    return folder


def bundled_speech(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Speak every bundled routine at its own settings into the run's speech cache, once.

    `voiceguide list` times each bundled routine, which makes every clip they speak.
    """

    def speak(_: Path) -> None:
        subprocess.run(
            [sys.executable, "-m", "voiceguide", "list"],
            env={**os.environ, "VOICEGUIDE_CACHE": str(run_speech_cache(tmp_path_factory))},
            check=True, capture_output=True, timeout=600,
        )

    made_once(tmp_path_factory, "bundled-speech", speak)


def piper_hip_speech(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Speak the bundled hip routine with the Piper voice at the routine's own settings into the
    run's speech cache, once (cold, that is the dearest speech a test asks for)."""

    def speak(_: Path) -> None:
        subprocess.run(
            [sys.executable, "-m", "voiceguide", "plan", "hip-mobility",
             "--voice", "piper:en_US-joe-medium"],
            env={**os.environ, "VOICEGUIDE_CACHE": str(run_speech_cache(tmp_path_factory))},
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip

    made_once(tmp_path_factory, "piper-hip", speak)
