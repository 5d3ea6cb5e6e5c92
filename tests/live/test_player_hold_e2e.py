"""The hold of a `wait` move, end to end: `voiceguide play` in a terminal into a private
PulseAudio null sink (tools/pulse_null_sink.py), keys sent through the pty, the sink's monitor
recorded with parec. Sounds are found in the recording by matched filtering against the export
of the same routine, never by the player's own bookkeeping.

Live play leaves out the prepare time the export gives, plays the move's announcement, then
stays silent until space; the countdown follows the key.
"""

from __future__ import annotations

import os
import pty
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pulse_null_sink import PulseServer, Recorder, available

from tests.support.live_play import (
    RATE,
    close_terminal,
    export_of,
    frames,
    in_terminal,
    locate,
    read_until,
    write_routine,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.realtime,
    pytest.mark.skipif(available() is not None, reason=str(available())),
]

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


def test_play_skips_the_prepare_time_and_holds_silent_until_space(
    server: PulseServer, tmp_path: Path
) -> None:
    script = write_routine(tmp_path, ROUTINE)
    export, plan = export_of(script, tmp_path)
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

    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 10)
    master, slave = pty.openpty()
    process = in_terminal(["play", str(script)], slave, server.env())
    os.close(slave)
    seen: list[str] = []
    try:
        read_until(master, "Press space when you are ready", 90, seen)
        time.sleep(HELD)
        pressed = time.monotonic()
        os.write(master, b" ")
        read_until(master, "Finished", 60, seen)
        assert process.wait(timeout=10) == 0
    finally:
        errors = close_terminal(process, master)
    recording = recorder.stop()
    assert errors == ""
    assert "Press space when you are ready | Move 2/2 Bridge" in "".join(seen)

    # up to "Rest." everything is heard as exported. (The latency is found near the first loud
    # frame: find_offset's search of the whole recording takes minutes on a busy machine.)
    title = events[0]
    guess = int(np.flatnonzero(np.abs(recording) > 0.01)[0])
    guess -= int(np.flatnonzero(np.abs(export) > 0.01)[0])
    found, score = locate(recording, export, title, guess + frames(title["start"]), 0.1)
    assert score > 0.99
    offset = found - frames(title["start"])
    for event in events:
        if event["start"] <= rest["start"]:
            _, score = locate(recording, export, event, offset + frames(event["start"]), 0.02)
            assert score > 0.99, event
    # the announcement follows "Rest." at once, earlier by the prepare time left out
    first, score = locate(
        recording, export, announce[0],
        offset + frames(announce[0]["start"] - skipped), reach=0.3,
    )
    assert score > 0.99
    shift = first - frames(announce[0]["start"])
    # (a new run starts there, as after a pause: a moment later, in the silence after "Rest.")
    lag = (shift - (offset - frames(skipped))) / RATE
    assert -0.05 < lag < 0.6, lag
    for event in announce:
        _, score = locate(recording, export, event, shift + frames(event["start"]), 0.02)
        assert score > 0.99, event
    # with nothing between them: the prepare time's words were never played
    rest_heard = offset + frames(rest["end"])
    assert np.max(np.abs(recording[rest_heard + frames(0.05) : first - frames(0.05)])) < 0.002
    # then silence until the key: no countdown while it holds
    said_end = shift + frames(announce[-1]["end"])
    key = recorder.frame_at(pressed)
    assert (key - said_end) / RATE > HELD - 0.5
    assert np.max(np.abs(recording[said_end + frames(0.05) : key - frames(0.05)])) < 0.002
    # the countdown comes after the key, as far after it as the ticks lie after the hold
    hold_at = announce[-1]["end"] + 0.3
    tick, score = locate(
        recording, export, ticks[0], key + frames(ticks[0]["start"] - hold_at), reach=0.4
    )
    assert score > 0.99
    assert -0.1 < (tick - key) / RATE - (ticks[0]["start"] - hold_at) < 0.4
    # and from there the session plays as exported: every beep within 5 ms of its place
    late = tick - frames(ticks[0]["start"])
    for event in events:
        if event["start"] >= ticks[0]["start"]:
            found, score = locate(recording, export, event, late + frames(event["start"]), 0.02)
            assert score > 0.99, event
            if event["kind"] == "beep":
                assert abs(found - late - frames(event["start"])) <= frames(0.005), event
