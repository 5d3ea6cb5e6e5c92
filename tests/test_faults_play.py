"""Faults during `voiceguide play`, caused for real through a private PulseAudio null sink.

Ctrl-C, a missing server and a server killed mid-session are in tests/live/test_player_e2e.py;
here: the signals a service manager, `kill` or a closed terminal send; a player kept off the
CPU; an audio server that stalls; a status output whose reader goes away.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np
import pytest
from pulse_null_sink import PulseServer, Recorder, available, find_offset

from tests.support.cli import voiceguide
from tests.support.live_play import (
    RATE,
    assert_plays_as_exported,
    close_terminal,
    export_of,
    in_terminal,
    read_until,
    write_routine,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.realtime,
    pytest.mark.skipif(available() is not None, reason=str(available())),
]

ROUTINE = """\
title = "Signal test"
intro = "A long introduction, so that speech is playing when the signal comes."
[[move]]
name = "Clamshell"
hold = "30s"
"""


def play_process(script: Path, server: PulseServer, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", str(script), *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=server.env(), text=True,
    )


def wait_for_sound(recorder: Recorder, timeout: float = 120) -> float:
    """The monotonic time the first sound reached the sink."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        recording = recorder.peek()
        loud = np.flatnonzero(np.abs(recording) > 0.01)
        if len(loud):
            return recorder.time_at(int(loud[0]))
        time.sleep(0.05)
    raise AssertionError("no sound reached the sink")


def test_sigterm_during_play_stops_the_sound_at_once(server: PulseServer, tmp_path: Path) -> None:
    script = write_routine(tmp_path, ROUTINE)
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 10)
    process = play_process(script, server)
    assert process.stdout is not None
    assert "Intro" in process.stdout.readline()  # playing
    time.sleep(2.5)  # inside the intro's speech
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=10)
    assert time.monotonic() - sent < 3
    assert process.returncode == -signal.SIGTERM  # ended by the signal, once tidied up
    assert errors == ""
    time.sleep(1.0)
    recording = recorder.stop()
    signalled = recorder.frame_at(sent)
    assert np.max(np.abs(recording[signalled - RATE : signalled])) > 0.01  # it was sounding
    assert np.max(np.abs(recording[signalled + RATE // 2 :])) < 0.002  # and then it was not


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT])
def test_an_ending_signal_gives_the_terminal_its_mode_back(
    server: PulseServer, tmp_path: Path, signum: int
) -> None:
    script = write_routine(tmp_path, ROUTINE)
    master, terminal = pty.openpty()
    before = termios.tcgetattr(terminal)
    assert before[3] & termios.ECHO and before[3] & termios.ICANON
    process = in_terminal(["play", str(script)], terminal, server.env())
    seen: list[str] = []
    try:
        read_until(master, "Intro", 120, seen)
        playing = termios.tcgetattr(terminal)
        assert not playing[3] & termios.ICANON and not playing[3] & termios.ECHO  # keys mode
        process.send_signal(signum)
        assert process.wait(timeout=10) == -signum
        assert termios.tcgetattr(terminal) == before  # echo and line editing are back
    finally:
        errors = close_terminal(process, master)
        os.close(terminal)
    assert errors == ""


def test_a_player_kept_off_the_cpu_for_a_second_loses_nothing(
    server: PulseServer, tmp_path: Path
) -> None:
    """A busy machine can keep the player from running for a while; the device must not run dry
    meanwhile (it did with a 100 ms device buffer: a gap, and every sound after it late)."""
    script = write_routine(tmp_path)
    export, plan = export_of(script, tmp_path)
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 10)
    process = play_process(script, server, "--quiet")
    wait_for_sound(recorder)  # the title, 1 s in
    time.sleep(5.0)  # well inside the session, past the first stretch
    os.kill(process.pid, signal.SIGSTOP)
    time.sleep(1.0)
    os.kill(process.pid, signal.SIGCONT)
    _, errors = process.communicate(timeout=120)
    time.sleep(0.3)
    recording = recorder.stop()
    assert process.returncode == 0, errors
    assert_plays_as_exported(recording, export, plan)


def test_a_stalled_audio_server_is_noticed_within_seconds_where_the_sound_stopped(
    server: PulseServer, tmp_path: Path
) -> None:
    script = write_routine(tmp_path)
    export, _ = export_of(script, tmp_path)
    pulse = server._process
    assert pulse is not None
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 10)
    process = play_process(script, server, "--quiet")
    try:
        wait_for_sound(recorder)
        time.sleep(6.0)
        os.kill(pulse.pid, signal.SIGSTOP)
        stalled = time.monotonic()
        try:
            _, errors = process.communicate(timeout=60)
            noticed = time.monotonic() - stalled
        finally:
            os.kill(pulse.pid, signal.SIGCONT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    recording = recorder.stop()
    assert process.returncode == 1
    assert noticed < 8.0  # the stall timeout is 3 s: not when the stretch would have ended
    lines = errors.splitlines()
    assert len(lines) == 1, errors
    assert lines[0].startswith("playback stopped at 0:")
    assert "the audio device stopped responding; continue later with --from 1" in lines[0]
    # where the sound really stopped: the session's second when the server stalled
    began = recorder.time_at(find_offset(recording, export, RATE))
    reported = int(lines[0].split("at 0:", 1)[1][:2])
    assert stalled - began - 1.25 < reported <= stalled - began + 0.25


def test_play_into_a_pipe_whose_reader_leaves_says_why_it_stopped(
    server: PulseServer, tmp_path: Path
) -> None:
    script = write_routine(tmp_path)
    command = (
        f'"{sys.executable}" -m voiceguide play "{script}" | head -c1 > /dev/null;'
        ' echo "status ${PIPESTATUS[0]}" >&2'
    )
    done = subprocess.run(
        ["bash", "-c", command], stdin=subprocess.DEVNULL, capture_output=True, text=True,
        env=server.env(), timeout=180,
    )
    lines = done.stderr.splitlines()
    assert lines[-1] == "status 1"
    assert len(lines) == 2, done.stderr
    # the first line went into the pipe; the next, when the first move's window begins, did not
    plan = json.loads(voiceguide("plan", str(script), "--json").stdout)
    window = next(phase for phase in plan["phases"] if phase["kind"] == "window")
    assert lines[0] == (
        f"playback stopped at 0:{int(window['start']):02d}: the status output was closed; "
        "continue later with --from 1"
    )
