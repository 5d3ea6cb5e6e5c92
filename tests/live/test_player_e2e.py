"""`voiceguide play` end to end through a real audio server.

Each test starts its own PulseAudio with a null sink (tools/pulse_null_sink.py), plays a short
routine into it with the real command and real speech, and records the sink's monitor with
parec. Sounds are found in the recording by matched filtering against the export of the same
routine, never by the player's own bookkeeping.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.support import live_play as live
from tests.support.cli import voiceguide_process

pytestmark = live.REALTIME


@pytest.fixture
def script(tmp_path: Path) -> Path:
    return live.write_routine(tmp_path)


def test_play_matches_the_export_and_every_beep_is_on_time(
    server: live.PulseServer, script: Path, tmp_path: Path
) -> None:
    export, plan = live.export_of(script, tmp_path)
    recorder = live.start_recording(server)
    done = voiceguide_process("play", str(script), "--quiet", env=server.env())
    time.sleep(0.3)
    recording = recorder.stop()
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""

    live.assert_plays_as_exported(recording, export, plan)


def test_pause_and_skip_sent_as_keys_show_up_in_the_recording(
    server: live.PulseServer, script: Path, tmp_path: Path
) -> None:
    export, plan = live.export_of(script, tmp_path)
    phases = plan["phases"]
    window1, work1, window2 = phases[1], phases[2], phases[3]
    recorder = live.start_recording(server)
    process, master = live.play_in_terminal(["play", str(script)], server.env())
    seen: list[str] = []
    try:
        live.read_until(master, "reps", 60, seen)  # the first work phase has begun
        time.sleep(2.5)
        paused = time.monotonic()
        os.write(master, b" ")
        live.read_until(master, "Paused", 5, seen)
        time.sleep(2.0)
        resumed = time.monotonic()
        os.write(master, b" ")
        live.read_until(master, "Move 2/2", 40, seen)  # the second window: the rest before Bridge
        time.sleep(5.0)  # its announcement is over: a long silent wait
        skipped = time.monotonic()
        os.write(master, b"n")
        live.read_until(master, "Finished", 60, seen)
        assert process.wait(timeout=10) == 0
    finally:
        errors = live.close_terminal(process, master)
    recording = recorder.stop()
    assert errors == ""

    offset = live.find_offset(recording, export, live.RATE)
    go1 = next(e for e in plan["events"] if e["cue"] == "go" and e["start"] == work1["start"])
    found_go, score = live.locate(recording, export, go1, offset + live.frames(go1["start"]), 0.02)
    assert score > 0.99

    # the pause: nothing more of the first run is heard, silence until the resume
    pause_at = recorder.frame_at(paused)
    resume_at = recorder.frame_at(resumed)
    assert pause_at > found_go  # the pause came inside the work phase
    paused_span = recording[pause_at + live.frames(0.3) : resume_at - live.frames(0.05)]
    assert np.max(np.abs(paused_span)) < 0.002
    pause_position = pause_at - offset  # the timeline frame at the key
    next_sound = next(
        e for e in plan["events"] if live.frames(e["start"]) > pause_position + live.frames(0.3)
    )
    assert next_sound["start"] < work1["end"]
    at = offset + live.frames(next_sound["start"])
    _, score = live.locate(recording, export, next_sound, at, 0.01)
    assert score < 0.5, next_sound

    # the resume restarts at the first window's start: its announcement plays again
    announce = next(e for e in plan["events"] if e["start"] == window1["start"])
    again, score = live.locate(recording, export, announce, resume_at + live.frames(0.2), reach=0.4)
    assert score > 0.99, score
    resume_lag = (again - resume_at) / live.RATE
    assert -0.1 < resume_lag < 0.5, resume_lag  # (the key's frame is known to ~0.05 s)
    shift = again - live.frames(announce["start"])  # the offset of the resumed run
    for event in plan["events"]:
        if window1["start"] <= event["start"] < window2["start"]:
            at = shift + live.frames(event["start"])
            found, score = live.locate(recording, export, event, at, 0.01)
            assert score > 0.99, event
            if event["kind"] == "beep":
                assert abs(found - shift - live.frames(event["start"])) <= live.frames(0.005), event

    # the skip: n in the silent wait of the second window jumps to 1 s before its countdown
    events = plan["events"]
    ticks = [e for e in events if e["cue"] == "tick" and window2["start"] <= e["start"]]
    skip_at = recorder.frame_at(skipped)
    key_position = (skip_at - shift) / live.RATE  # where in the timeline the key was pressed
    announced = max(
        e["end"]
        for e in events
        if e["kind"] == "speech"
        and window2["start"] <= e["start"]
        and e["end"] <= ticks[0]["start"]
    )
    assert announced < key_position < ticks[0]["start"] - 2.0
    found, score = live.locate(recording, export, ticks[0], skip_at + live.frames(1.0), reach=0.3)
    assert score > 0.99
    assert abs((found - skip_at) / live.RATE - 1.0) < 0.3
    # the rest of the wait is gone: everything after it comes that much earlier
    later_shift = found - live.frames(ticks[0]["start"])
    skipped_seconds = (shift - later_shift) / live.RATE
    assert abs(skipped_seconds - (ticks[0]["start"] - 1.0 - key_position)) < 0.3
    skipped_span = recording[skip_at + live.frames(0.05) : found - live.frames(0.01)]
    assert np.max(np.abs(skipped_span)) < 0.002
    for event in events:
        if event["start"] >= ticks[0]["start"]:
            found, score = live.locate(
                recording, export, event, later_shift + live.frames(event["start"]), 0.01
            )
            assert score > 0.99, event


def test_without_a_device_play_says_so_in_one_line(script: Path, tmp_path: Path) -> None:
    pulse = live.PulseServer(tmp_path / "pulse", live.RATE)
    pulse.prepare_home()  # ALSA is pointed at a PulseAudio server that is not running
    began = time.monotonic()
    done = voiceguide_process("play", str(script), env=pulse.env(server=False), timeout=60)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("cannot play: no working audio output device (")
    assert "voiceguide export" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert time.monotonic() - began < 30


def test_a_device_that_dies_mid_session_ends_play_with_one_line(
    server: live.PulseServer, script: Path
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


def test_ctrl_c_stops_at_once_with_status_130(server: live.PulseServer, script: Path) -> None:
    recorder = live.start_recording(server)
    process, master = live.play_in_terminal(["play", str(script)], server.env())
    seen: list[str] = []
    try:
        live.read_until(master, "Intro", 60, seen)
        time.sleep(1.6)  # inside the title
        pressed = time.monotonic()
        os.write(master, b"\x03")  # the terminal turns it into SIGINT
        assert process.wait(timeout=10) == 130
    finally:
        errors = live.close_terminal(process, master)
    time.sleep(0.5)
    recording = recorder.stop()
    assert "Traceback" not in errors
    loud = np.flatnonzero(np.abs(recording) > 0.01)
    assert len(loud) > 0
    assert (loud[-1] - recorder.frame_at(pressed)) / live.RATE < 0.3
