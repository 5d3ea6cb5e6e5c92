"""The hold of a `wait` move, end to end: `voiceguide play` in a terminal into a private
PulseAudio null sink (tools/pulse_null_sink.py), keys sent through the pty, the sink's monitor
recorded with parec. Sounds are found in the recording by matched filtering against the export
of the same routine, never by the player's own bookkeeping.

Live play leaves out the prepare time the export gives, plays the move's announcement, then
stays silent until space; the countdown follows the key.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from tests.support import live_play as live
from tests.support.session_bus import NEEDS_BUS, SessionBus

pytestmark = live.REALTIME

ROUTINE = """format = "voiceguide/1"
title = "Hold test"

[settings]
rate = 200
countdown = 3
final_countdown = 2
halfway = false
get_ready = "4s"
rest_between_moves = "6s"

[[move]]
name = "Clamshell"
reps = 2
tempo = "2-1"

[[move]]
name = "Bridge"
equipment = ["the band"]
prepare = "8s"
wait = true
hold = "5s"
"""

HELD = 3.0  # seconds the test waits before pressing space
# how much later than the export the announcement after the left-out prepare time may come
LAG = 0.6


def test_play_skips_the_prepare_time_and_holds_silent_until_space(
    server: live.PulseServer, tmp_path: Path
) -> None:
    script = live.write_routine(tmp_path, ROUTINE)
    export, plan = live.export_of(script, tmp_path)
    events: list[dict[str, Any]] = plan["events"]
    bridge = [e for e in events if e["move"] == "Bridge"]
    prepare = [e for e in bridge if e["cue"] == "prepare"]
    assert [e["text"] for e in prepare] == [
        "Get the band.", "Take 8 seconds.", "5 seconds left."
    ]
    rest = next(e for e in bridge if e["cue"] == "rest")
    announce = [e for e in bridge if e["cue"] == "announce"]
    ticks = [e for e in bridge if e["cue"] == "tick" and e["start"] < announce[-1]["end"] + 10]
    skipped = announce[0]["start"] - (rest["end"] + 0.3)  # the prepare time left out live

    recorder = live.start_recording(server)
    process, master = live.play_in_terminal(["play", str(script)], server.env())
    seen: list[str] = []
    try:
        live.read_until(master, "Press space when you are ready", 90, seen)
        time.sleep(HELD)
        pressed = time.monotonic()
        os.write(master, b" ")
        live.read_until(master, "Finished", 60, seen)
        assert process.wait(timeout=10) == 0
    finally:
        errors = live.close_terminal(process, master)
    recording = recorder.stop()
    assert errors == ""
    assert "Press space when you are ready | Move 2/2 Bridge" in "".join(seen)

    # up to "Rest." everything is heard as exported. (The latency is found near the first loud
    # frame: live.find_offset's search of the whole recording takes minutes on a busy machine.)
    title = events[0]
    guess = int(np.flatnonzero(np.abs(recording) > 0.01)[0])
    guess -= int(np.flatnonzero(np.abs(export) > 0.01)[0])
    found, score = live.locate(recording, export, title, guess + live.frames(title["start"]), 0.1)
    assert score > 0.99
    offset = found - live.frames(title["start"])
    for event in events:
        if event["start"] <= rest["start"]:
            at = offset + live.frames(event["start"])
            _, score = live.locate(recording, export, event, at, 0.02)
            assert score > 0.99, event
    # the announcement follows "Rest." at once, earlier by the prepare time left out. (A new
    # run starts there, as after a pause: a moment later, in the silence after "Rest.", up to
    # LAG later on a busy machine; it is looked for over all that window.)
    expected = offset + live.frames(announce[0]["start"] - skipped)
    first, score = live.locate(
        recording, export, announce[0], expected + live.frames(LAG / 2), reach=LAG / 2 + 0.05
    )
    assert score > 0.99, score
    shift = first - live.frames(announce[0]["start"])
    lag = (first - expected) / live.RATE
    assert -0.05 < lag < LAG, lag
    for event in announce:
        _, score = live.locate(recording, export, event, shift + live.frames(event["start"]), 0.02)
        assert score > 0.99, event
    # with nothing between them: the prepare time's words were never played
    rest_heard = offset + live.frames(rest["end"])
    between = recording[rest_heard + live.frames(0.05) : first - live.frames(0.05)]
    assert np.max(np.abs(between)) < 0.002
    # then silence until the key: no countdown while it holds
    said_end = shift + live.frames(announce[-1]["end"])
    key = recorder.frame_at(pressed)
    assert (key - said_end) / live.RATE > HELD - 0.5
    assert np.max(np.abs(recording[said_end + live.frames(0.05) : key - live.frames(0.05)])) < 0.002
    # the countdown comes after the key, as far after it as the ticks lie after the hold
    hold_at = announce[-1]["end"] + 0.3
    tick, score = live.locate(
        recording, export, ticks[0], key + live.frames(ticks[0]["start"] - hold_at), reach=0.4
    )
    assert score > 0.99
    assert -0.1 < (tick - key) / live.RATE - (ticks[0]["start"] - hold_at) < 0.4
    # and from there the session plays as exported: every beep within 5 ms of its place
    late = tick - live.frames(ticks[0]["start"])
    for event in events:
        if event["start"] >= ticks[0]["start"]:
            at = late + live.frames(event["start"])
            found, score = live.locate(recording, export, event, at, 0.02)
            assert score > 0.99, event
            if event["kind"] == "beep":
                assert abs(found - late - live.frames(event["start"])) <= live.frames(0.005), event


@NEEDS_BUS
def test_without_a_terminal_it_plays_as_exported_though_media_keys_are_heard(
    server: live.PulseServer, bus: SessionBus, tmp_path: Path
) -> None:
    # stdin is not a terminal, but a session bus is there, so the media keys are taken: still
    # nobody is asked to press space, so there is no hold and the session plays as exported
    script = live.write_routine(tmp_path, ROUTINE)
    export, plan = live.export_of(script, tmp_path)
    recorder = live.start_recording(server)
    done = subprocess.run(
        [sys.executable, "-m", "voiceguide", "play", str(script)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        env=bus.env(server.env()), timeout=len(export) / live.RATE + 90,
    )
    time.sleep(0.3)
    recording = recorder.stop()
    assert done.returncode == 0, done.stderr
    assert "Press space" not in done.stdout
    live.assert_plays_as_exported(recording, export, plan)
