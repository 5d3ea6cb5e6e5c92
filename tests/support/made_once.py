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

    _spoken_once(tmp_path_factory, "bundled-speech", "list")


PIPER_VOICE = "piper:en_US-joe-medium"  # the neural voice the README shows


def piper_hip_speech(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Speak the bundled hip routine with the README's Piper voice into the run's speech cache,
    once: a cold Piper synthesis of the whole routine is the most expensive speech of a run.

    `voiceguide plan` times every phrase of the routine, which makes every clip it speaks.
    """

    _spoken_once(tmp_path_factory, "piper-hip", "plan", "hip-mobility", "--voice", PIPER_VOICE)


def hip_wav(tmp_path_factory: pytest.TempPathFactory, voice: str | None = None) -> Path:
    """The bundled hip routine as `voiceguide export hip-mobility -o hip.wav [--voice VOICE]`
    writes it, and its `plan --json` beside it as hip.json, made once per run for each voice
    from the run's shared speech."""
    if voice is None:
        bundled_speech(tmp_path_factory)
    elif voice == PIPER_VOICE:
        piper_hip_speech(tmp_path_factory)
    voice_args = ["--voice", voice] if voice is not None else []

    def voiceguide(*args: str) -> str:
        from tests.support.cli import voiceguide_process

        done = voiceguide_process(*args, *voice_args, timeout=600)
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    def export(folder: Path) -> None:
        voiceguide("export", "hip-mobility", "-o", str(folder / "hip.wav"))
        (folder / "hip.json").write_text(voiceguide("plan", "hip-mobility", "--json"))

    name = "hip-wav" if voice is None else f"hip-wav-{voice.replace(':', '-')}"
    return made_once(tmp_path_factory, name, export) / "hip.wav"


def _spoken_once(tmp_path_factory: pytest.TempPathFactory, name: str, *args: str) -> None:
    """`voiceguide ARGS`, as a process speaking into the run's speech cache, once per run."""

    def speak(_: Path) -> None:
        from tests.support.cli import voiceguide_process  # click and the CLI: only when used

        cache = str(run_speech_cache(tmp_path_factory))
        done = voiceguide_process(*args, env={**os.environ, "VOICEGUIDE_CACHE": cache}, timeout=600)
        assert done.returncode == 0, (args, done.stderr)

    made_once(tmp_path_factory, name, speak)
