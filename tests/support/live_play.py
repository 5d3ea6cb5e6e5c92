"""Shared by the tests that play a session for real into a private PulseAudio null sink: the
short routine they play, its export as the reference, and a terminal to play it in."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pulse_null_sink import PulseServer, Recorder, available, best_lag, find_offset

from tests.support.cli import voiceguide

__all__ = [
    "RATE",
    "REALTIME",
    "PulseServer",
    "assert_plays_as_exported",
    "close_terminal",
    "export_of",
    "find_offset",
    "frames",
    "locate",
    "play_in_terminal",
    "read_until",
    "start_recording",
    "write_routine",
]

# the marks of every test that plays for real into a private PulseAudio null sink
REALTIME = [
    pytest.mark.slow,
    pytest.mark.realtime,
    pytest.mark.skipif(available() is not None, reason=str(available())),
]

RATE = 22050
ROUTINE = """format = "voiceguide/1"
title = "Playback test"

[settings]
rate = 200
countdown = 3
final_countdown = 2
halfway = false
get_ready = "4s"
rest_between_moves = "16s"

[[move]]
name = "Clamshell"
reps = 3
tempo = "2-1"

[[move]]
name = "Bridge"
hold = "6s"
"""


def write_routine(folder: Path, text: str = ROUTINE) -> Path:
    path = folder / "short.toml"
    path.write_text(text)
    return path


def export_of(script: Path, folder: Path) -> tuple[np.ndarray, dict[str, Any]]:
    """The export's samples (float) and the plan, made by the real commands."""
    wav = folder / "export.wav"
    done = voiceguide("export", str(script), "-o", str(wav), "--quiet")
    assert done.returncode == 0, done.stderr
    with wave.open(str(wav)) as reader:
        assert reader.getframerate() == RATE and reader.getnchannels() == 1
        raw = reader.readframes(reader.getnframes())
    plan = json.loads(voiceguide("plan", str(script), "--json").stdout)
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768, plan


def frames(seconds: float) -> int:
    return round(seconds * RATE)


def locate(
    recording: np.ndarray, export: np.ndarray, event: dict[str, Any], guess: int, reach: float
) -> tuple[int, float]:
    """Where an event's sound (as exported) lies in the recording near `guess`."""
    start, end = frames(event["start"]), frames(event["end"])
    return best_lag(recording, export[start:end], guess, frames(reach))


def assert_plays_as_exported(
    recording: np.ndarray, export: np.ndarray, plan: dict[str, Any]
) -> None:
    """Every sound of the export is in the recording, the same samples, each beep within 5 ms
    of its place relative to the first; and nothing else is."""
    offset = find_offset(recording, export, RATE)
    assert offset >= 0
    onsets: list[tuple[int, int]] = []
    for event in plan["events"]:
        start = frames(event["start"])
        found, score = locate(recording, export, event, offset + start, reach=0.02)
        # the same samples: no server resampling here (sink and session both at 22,050 Hz)
        assert score > 0.999, (event, score)
        template = export[start : frames(event["end"])]
        heard = recording[found : found + len(template)]
        assert np.max(np.abs(heard - template)) < 0.002, event
        if event["kind"] == "beep":
            onsets.append((start, found))
    planned0, found0 = onsets[0]
    errors_ms = [
        ((found - found0) - (planned - planned0)) / RATE * 1000 for planned, found in onsets
    ]
    assert max(abs(error) for error in errors_ms) <= 5.0, errors_ms
    # and nothing else: the recording is silent wherever the export is (20 ms from any sound,
    # as a join may move what follows by a few frames)
    margin = frames(0.02)
    near_sound = np.convolve(np.abs(export) > 1e-4, np.ones(2 * margin + 1), "same") > 0
    quiet = ~near_sound
    span = recording[offset : offset + len(export)]
    assert len(span) == len(export)
    assert np.max(np.abs(span[quiet])) < 0.002


def start_recording(server: PulseServer) -> Recorder:
    """A recording of the null sink, once sound has begun to arrive."""
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 10)
    return recorder


def play_in_terminal(args: list[str], env: dict[str, str]) -> tuple[Any, int]:
    """`voiceguide ARGS` in a fresh pseudo-terminal (see `in_terminal`): the process and the
    terminal's side that the test types into and reads."""
    master, slave = pty.openpty()
    process = in_terminal(args, slave, env)
    os.close(slave)
    return process, master


def in_terminal(args: list[str], terminal: int, env: dict[str, str]) -> Any:
    """`voiceguide ARGS` in a session of its own whose controlling terminal is the pty
    `terminal`, as in a shell: keys arrive unbuffered and Ctrl-C becomes SIGINT. (No core
    file: SIGQUIT's default action would write one.)"""
    return subprocess.Popen(
        ["prlimit", "--core=0", "setsid", "--ctty", sys.executable, "-m", "voiceguide", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=env,
    )


def close_terminal(process: Any, master: int) -> str:
    """Kill the command if it still runs, close the pty; what it wrote to stderr."""
    if process.poll() is None:
        process.kill()
        process.wait()
    assert process.stderr is not None
    errors: str = process.stderr.read().decode()
    process.stderr.close()
    os.close(master)
    return errors


def read_until(master: int, wanted: str, timeout: float, seen: list[str]) -> float:
    """Read the pty until `wanted` shows up in the output; the monotonic time it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(master, 4096).decode(errors="replace")
            except OSError:
                break
            seen.append(chunk)
            if wanted in "".join(seen)[-400:]:
                return time.monotonic()
    raise AssertionError(f"{wanted!r} never showed; output: {''.join(seen)[-600:]!r}")
