"""`voiceguide play` end to end through a real audio server.

Each test starts its own PulseAudio with a null sink (tools/pulse_null_sink.py), plays a short
routine into it with the real command and real speech, and records the sink's monitor with
parec. Sounds are found in the recording by matched filtering against the export of the same
routine, never by the player's own bookkeeping.
"""

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
from pulse_null_sink import (
    PulseServer,
    Recorder,
    available,
    best_lag,
    find_offset,
)

pytestmark = [
    pytest.mark.slow,
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


def voiceguide(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "voiceguide", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(ROUTINE)
    return path


def export_of(script: Path, tmp_path: Path) -> tuple[np.ndarray, dict[str, Any]]:
    """The export's samples (float) and the plan, made by the real commands."""
    wav = tmp_path / "export.wav"
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


def test_play_matches_the_export_and_every_beep_is_on_time(
    server: PulseServer, script: Path, tmp_path: Path
) -> None:
    export, plan = export_of(script, tmp_path)
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 10)
    done = voiceguide("play", str(script), "--quiet", env=server.env())
    time.sleep(0.3)
    recording = recorder.stop()
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""

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


def in_terminal(args: list[str], terminal: int, env: dict[str, str]) -> Any:
    """The command in a session of its own whose controlling terminal is the pty `terminal`,
    as in a shell: keys arrive unbuffered and Ctrl-C becomes SIGINT."""
    return subprocess.Popen(
        ["setsid", "--ctty", sys.executable, "-m", "voiceguide", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=env,
    )


def _close_terminal(process: Any, master: int) -> str:
    """Kill the command if it still runs, close the pty; what it wrote to stderr."""
    if process.poll() is None:
        process.kill()
        process.wait()
    assert process.stderr is not None
    errors: str = process.stderr.read().decode()
    process.stderr.close()
    os.close(master)
    return errors


def _read_until(master: int, wanted: str, timeout: float, seen: list[str]) -> float:
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


def test_pause_and_skip_sent_as_keys_show_up_in_the_recording(
    server: PulseServer, script: Path, tmp_path: Path
) -> None:
    export, plan = export_of(script, tmp_path)
    phases = plan["phases"]
    window1, work1, window2 = phases[1], phases[2], phases[3]
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 10)
    master, slave = pty.openpty()
    process = in_terminal(["play", str(script)], slave, server.env())
    os.close(slave)
    seen: list[str] = []
    try:
        _read_until(master, "reps", 60, seen)  # the first work phase has begun
        time.sleep(2.5)
        paused = time.monotonic()
        os.write(master, b" ")
        _read_until(master, "Paused", 5, seen)
        time.sleep(2.0)
        resumed = time.monotonic()
        os.write(master, b" ")
        _read_until(master, "Move 2/2", 40, seen)  # the second window: the rest before Bridge
        time.sleep(5.0)  # its announcement is over: a long silent wait
        skipped = time.monotonic()
        os.write(master, b"n")
        _read_until(master, "Finished", 60, seen)
        assert process.wait(timeout=10) == 0
    finally:
        errors = _close_terminal(process, master)
    recording = recorder.stop()
    assert errors == ""

    offset = find_offset(recording, export, RATE)
    go1 = next(e for e in plan["events"] if e["cue"] == "go" and e["start"] == work1["start"])
    found_go, score = locate(recording, export, go1, offset + frames(go1["start"]), 0.02)
    assert score > 0.99

    # the pause: nothing more of the first run is heard, silence until the resume
    pause_at = recorder.frame_at(paused)
    resume_at = recorder.frame_at(resumed)
    assert pause_at > found_go  # the pause came inside the work phase
    assert np.max(np.abs(recording[pause_at + frames(0.3) : resume_at - frames(0.05)])) < 0.002
    pause_position = pause_at - offset  # the timeline frame at the key
    next_sound = next(
        e for e in plan["events"] if frames(e["start"]) > pause_position + frames(0.3)
    )
    assert next_sound["start"] < work1["end"]
    _, score = locate(recording, export, next_sound, offset + frames(next_sound["start"]), 0.01)
    assert score < 0.5, next_sound

    # the resume restarts at the first window's start: its announcement plays again
    announce = next(e for e in plan["events"] if e["start"] == window1["start"])
    again, score = locate(recording, export, announce, resume_at + frames(0.2), reach=0.4)
    assert score > 0.99, score
    resume_lag = (again - resume_at) / RATE
    assert -0.1 < resume_lag < 0.5, resume_lag  # (the key's frame is known to ~0.05 s)
    shift = again - frames(announce["start"])  # the offset of the resumed run
    for event in plan["events"]:
        if window1["start"] <= event["start"] < window2["start"]:
            found, score = locate(recording, export, event, shift + frames(event["start"]), 0.01)
            assert score > 0.99, event
            if event["kind"] == "beep":
                assert abs(found - shift - frames(event["start"])) <= frames(0.005), event

    # the skip: n in the silent wait of the second window jumps to 1 s before its countdown
    events = plan["events"]
    ticks = [e for e in events if e["cue"] == "tick" and window2["start"] <= e["start"]]
    skip_at = recorder.frame_at(skipped)
    key_position = (skip_at - shift) / RATE  # where in the timeline the key was pressed
    announced = max(
        e["end"]
        for e in events
        if e["kind"] == "speech"
        and window2["start"] <= e["start"]
        and e["end"] <= ticks[0]["start"]
    )
    assert announced < key_position < ticks[0]["start"] - 2.0
    found, score = locate(recording, export, ticks[0], skip_at + frames(1.0), reach=0.3)
    assert score > 0.99
    assert abs((found - skip_at) / RATE - 1.0) < 0.3
    # the rest of the wait is gone: everything after it comes that much earlier
    later_shift = found - frames(ticks[0]["start"])
    skipped_seconds = (shift - later_shift) / RATE
    assert abs(skipped_seconds - (ticks[0]["start"] - 1.0 - key_position)) < 0.3
    assert np.max(np.abs(recording[skip_at + frames(0.05) : found - frames(0.01)])) < 0.002
    for event in events:
        if event["start"] >= ticks[0]["start"]:
            found, score = locate(
                recording, export, event, later_shift + frames(event["start"]), 0.01
            )
            assert score > 0.99, event


def test_without_a_device_play_says_so_in_one_line(script: Path, tmp_path: Path) -> None:
    pulse = PulseServer(tmp_path / "pulse", RATE)
    pulse.prepare_home()  # ALSA is pointed at a PulseAudio server that is not running
    began = time.monotonic()
    done = voiceguide("play", str(script), env=pulse.env(server=False), timeout=60)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("cannot play: no working audio output device (")
    assert "voiceguide export" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert time.monotonic() - began < 30


def test_a_device_that_dies_mid_session_ends_play_with_one_line(
    server: PulseServer, script: Path
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", str(script)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=server.env(),
        text=True,
    )
    assert process.stdout is not None
    assert "Intro" in process.stdout.readline()  # playing
    time.sleep(2.0)
    server.kill()
    killed = time.monotonic()
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert time.monotonic() - killed < 10
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("playback stopped at 0:0")
    assert "audio device failed" in lines[0] and "voiceguide export" in lines[0]


def test_ctrl_c_stops_at_once_with_status_130(server: PulseServer, script: Path) -> None:
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 10)
    master, slave = pty.openpty()
    process = in_terminal(["play", str(script)], slave, server.env())
    os.close(slave)
    seen: list[str] = []
    try:
        _read_until(master, "Intro", 60, seen)
        time.sleep(1.6)  # inside the title
        pressed = time.monotonic()
        os.write(master, b"\x03")  # the terminal turns it into SIGINT
        assert process.wait(timeout=10) == 130
    finally:
        errors = _close_terminal(process, master)
    time.sleep(0.5)
    recording = recorder.stop()
    assert "Traceback" not in errors
    loud = np.flatnonzero(np.abs(recording) > 0.01)
    assert len(loud) > 0
    assert (loud[-1] - recorder.frame_at(pressed)) / RATE < 0.3
