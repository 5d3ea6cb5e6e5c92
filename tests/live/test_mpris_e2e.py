"""`voiceguide play` pressed through the desktop's media controls, end to end: a private
dbus-daemon as the session bus, `busctl` as the media keys, a private PulseAudio null sink as
the sound card. The recording shows what the buttons did, found by matched filtering against
the export of the same routine (never by the player's own bookkeeping); the player's Position
is read only to know when to press."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tests.support import live_play as live
from tests.support.session_bus import MPRIS_NAME, NEEDS_BUS, SessionBus, without_bus

pytestmark = [*live.REALTIME, NEEDS_BUS]


@contextlib.contextmanager
def playing(script: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`voiceguide play` as a user starts it, with no terminal: only the media keys. Killed
    when the block ends with it still running (a failed check must not leave it playing)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", str(script)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def wait_for_position(bus: SessionBus, seconds: float, timeout: float = 60) -> None:
    """Until the player says it has reached `seconds` of the session."""
    deadline = time.monotonic() + timeout
    while bus.get("Position") < seconds * 1_000_000:
        assert time.monotonic() < deadline, f"the session never reached {seconds} s"
        time.sleep(0.1)


def wait_for(bus: SessionBus, prop: str, wanted: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (value := bus.get(prop)) != wanted:
        assert time.monotonic() < deadline, f"{prop} is {value!r}, never {wanted!r}"
        time.sleep(0.05)


def press(bus: SessionBus, method: str) -> tuple[float, float]:
    """A media key: the monotonic times just before the call and once it was answered."""
    before = time.monotonic()
    bus.call(method)
    return before, time.monotonic()


def test_pause_and_next_pressed_on_the_bus_show_up_in_the_recording(
    server: live.PulseServer, bus: SessionBus, tmp_path: Path
) -> None:
    script = live.write_routine(tmp_path)
    export, plan = live.export_of(script, tmp_path)
    events, phases = plan["events"], plan["phases"]
    window1, work1, window2 = phases[1], phases[2], phases[3]
    recorder = live.start_recording(server)
    with playing(script, bus.env(server.env())) as process:
        bus.wait_for_name(MPRIS_NAME, timeout=120)
        metadata = bus.get("Metadata")
        assert metadata["xesam:album"] == "Playback test"
        # whole microseconds of the session's live.frames (the plan's seconds are rounded)
        assert abs(metadata["mpris:length"] - plan["duration"] * 1_000_000) < 1.5

        wait_for_position(bus, work1["start"] + 2.5)  # inside the first work phase
        assert bus.get("Metadata")["xesam:title"] == "Move 1/2 Clamshell"
        pause_before, pause_after = press(bus, "PlayPause")
        wait_for(bus, "PlaybackStatus", "Paused")
        time.sleep(2.5)
        resume_before, resume_after = press(bus, "PlayPause")
        wait_for(bus, "PlaybackStatus", "Playing")

        # the second window's silent wait, its announcement over, well before the countdown
        wait_for_position(bus, window2["start"] + 5.0)
        assert bus.get("Metadata")["xesam:title"] == "Move 2/2 Bridge"
        skip_before, skip_after = press(bus, "Next")

        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
        assert errors == ""
    time.sleep(0.3)
    recording = recorder.stop()
    assert MPRIS_NAME not in bus.names()  # the player left the bus with the session

    offset = live.find_offset(recording, export, live.RATE)
    go1 = next(e for e in events if e["cue"] == "go" and e["start"] == work1["start"])
    found_go, score = live.locate(recording, export, go1, offset + live.frames(go1["start"]), 0.02)
    assert score > 0.99

    # the pause: silence from the press until the resume, where the first run had more sound
    pause_at = recorder.frame_at(pause_after)
    resume_at = recorder.frame_at(resume_before)
    assert found_go < recorder.frame_at(pause_before)  # pressed inside the work phase
    assert np.max(np.abs(recording[pause_at + live.frames(0.3) : resume_at])) < 0.002
    cut_off = next(
        e for e in events if live.frames(e["start"]) > recorder.frame_at(pause_after) - offset
        + live.frames(0.3)
    )
    assert cut_off["start"] < work1["end"]
    _, score = live.locate(recording, export, cut_off, offset + live.frames(cut_off["start"]), 0.01)
    assert score < 0.5, cut_off  # not heard where it would have been

    # the resume: the first window again from its announcement, just after the second press
    announce = next(e for e in events if e["start"] == window1["start"])
    first, last = recorder.frame_at(resume_before), recorder.frame_at(resume_after)
    again, score = live.locate(
        recording, export, announce, (first + last) // 2, reach=(last - first) / 2 / live.RATE + 0.5
    )
    assert score > 0.99, score
    shift = again - live.frames(announce["start"])  # the resumed run's offset
    for event in events:
        if window1["start"] <= event["start"] < window2["start"]:
            at = shift + live.frames(event["start"])
            _, score = live.locate(recording, export, event, at, 0.01)
            assert score > 0.99, event

    # the skip: the countdown's first tick about 1 s after Next, far earlier than without it
    tick = next(e for e in events if e["cue"] == "tick" and e["start"] >= window2["start"])
    unskipped = shift + live.frames(tick["start"])
    first, last = recorder.frame_at(skip_before), recorder.frame_at(skip_after)
    assert last < unskipped - live.frames(2.0)  # pressed in the wait, 2 s or more before the tick
    found, score = live.locate(
        recording, export, tick, (first + last) // 2 + live.frames(1.0),
        reach=(last - first) / 2 / live.RATE + 0.4,
    )
    assert score > 0.99
    assert found < unskipped - live.frames(1.0)
    assert np.max(np.abs(recording[last + live.frames(0.05) : found - live.frames(0.01)])) < 0.002
    later_shift = found - live.frames(tick["start"])  # everything after comes that much earlier
    for event in events:
        if event["start"] >= tick["start"]:
            at = later_shift + live.frames(event["start"])
            _, score = live.locate(recording, export, event, at, 0.01)
            assert score > 0.99, event


def test_with_no_session_bus_play_plays_as_it_always_has(
    server: live.PulseServer, tmp_path: Path
) -> None:
    script = live.write_routine(tmp_path)
    export, plan = live.export_of(script, tmp_path)
    recorder = live.start_recording(server)
    with playing(script, without_bus(server.env())) as process:
        output, errors = process.communicate(timeout=180)
    time.sleep(0.3)
    recording = recorder.stop()
    assert process.returncode == 0, errors
    assert errors == ""  # not a word about media keys
    assert output.splitlines()[-1].startswith("Finished")

    live.assert_plays_as_exported(recording, export, plan)


def test_sigterm_while_on_the_bus_ends_play_at_once_and_leaves_the_bus(
    server: live.PulseServer, bus: SessionBus, tmp_path: Path
) -> None:
    script = live.write_routine(tmp_path)
    recorder = live.start_recording(server)
    with playing(script, bus.env(server.env())) as process:
        bus.wait_for_name(MPRIS_NAME, timeout=120)
        wait_for_position(bus, 2.0)  # inside the title
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
        ended = time.monotonic() - sent
    time.sleep(1.0)
    recording = recorder.stop()
    assert process.returncode == -signal.SIGTERM, errors
    assert errors == ""
    assert ended < 5  # (the same bound as without the bus would allow 3 s; this is loose)
    assert np.max(np.abs(recording[recorder.frame_at(sent) + live.RATE // 2 :])) < 0.002
    assert MPRIS_NAME not in bus.names()


def test_a_bus_that_goes_away_mid_session_leaves_the_session_as_it_was(
    server: live.PulseServer, bus: SessionBus, tmp_path: Path
) -> None:
    script = live.write_routine(tmp_path)
    export, plan = live.export_of(script, tmp_path)
    recorder = live.start_recording(server)
    with playing(script, bus.env(server.env())) as process:
        bus.wait_for_name(MPRIS_NAME, timeout=120)
        wait_for_position(bus, 3.0)
        bus.stop()  # the desktop's session bus is gone (dbus-daemon ended)
        output, errors = process.communicate(timeout=180)
    time.sleep(0.3)
    recording = recorder.stop()
    assert process.returncode == 0, errors
    assert errors == ""
    assert output.splitlines()[-1].startswith("Finished")
    live.assert_plays_as_exported(recording, export, plan)
