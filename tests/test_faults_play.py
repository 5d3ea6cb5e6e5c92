"""SIGTERM during `voiceguide play`, through a private PulseAudio null sink.

Ctrl-C, a missing server and a server killed mid-session are in test_player_e2e.py; this adds
the signal a service manager or `kill` sends: play ends at once, quietly, and the sound stops.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from pulse_null_sink import PulseServer, Recorder, available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(available() is not None, reason=str(available())),
]

RATE = 22050
ROUTINE = """\
title = "Signal test"
intro = "A long introduction, so that speech is playing when the signal comes."
[[move]]
name = "Clamshell"
hold = "30s"
"""


def test_sigterm_during_play_stops_the_sound_at_once(server: PulseServer, tmp_path: Path) -> None:
    script = tmp_path / "signal.toml"
    script.write_text(ROUTINE)
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 10)
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", str(script)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=server.env(), text=True,
    )
    assert process.stdout is not None
    assert "Intro" in process.stdout.readline()  # playing
    time.sleep(2.5)  # inside the intro's speech
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=10)
    assert time.monotonic() - sent < 3
    assert process.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
    assert "Traceback" not in errors
    time.sleep(1.0)
    recording = recorder.stop()
    signalled = recorder.frame_at(sent)
    assert np.max(np.abs(recording[signalled - RATE : signalled])) > 0.01  # it was sounding
    assert np.max(np.abs(recording[signalled + RATE // 2 :])) < 0.002  # and then it was not
