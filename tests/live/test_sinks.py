"""The sinks themselves, through a real PulseAudio server (a null sink recorded with parec):
what goes in comes out, back to back, stops at once; and a stalled server is noticed."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pulse_null_sink import PulseServer, Recorder, best_lag

from tests.support.live_play import REALTIME
from voiceguide.errors import PlaybackError
from voiceguide.live.alsa import AlsaSink
from voiceguide.live.sinks import GaplessSink, SimpleaudioSink, TrackedHandle

pytestmark = REALTIME

RATE = 22050


@pytest.fixture
def pulse(server: PulseServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[PulseServer]:
    """This process plays into the test's private server."""
    for name, value in server.env({}).items():
        monkeypatch.setenv(name, value)
    yield server


def noise(seconds: float, seed: int) -> np.ndarray:
    """A buffer every frame of which can be told apart, after 0.1 s of silence (a stream's
    first few milliseconds are not always recorded)."""
    rng = np.random.default_rng(seed)
    sound = (rng.standard_normal(round(seconds * RATE)) * 3000).clip(-32000, 32000)
    return np.concatenate([np.zeros(RATE // 10), sound]).astype(np.int16)


def found(recording: np.ndarray, pcm: np.ndarray, around: int, reach: int) -> tuple[int, float]:
    return best_lag(recording, pcm.astype(np.float64) / 32768, around, reach)


def test_alsa_sink_plays_buffers_back_to_back_sample_for_sample(pulse: PulseServer) -> None:
    first, second = noise(2.0, 1), noise(3.0, 2)
    recorder = Recorder(pulse)
    recorder.wait_for_frames(RATE // 10)
    sink = AlsaSink(RATE)
    assert isinstance(sink, GaplessSink)
    try:
        sink.open()
        began = time.monotonic()
        one = sink.play(first, RATE)
        two = sink.play_after(one, second, RATE)
        assert isinstance(two, TrackedHandle)
        two.wait()
        took = time.monotonic() - began
        assert not one.is_playing() and two.progress()[0] == len(second)
    finally:
        sink.close()
    time.sleep(0.2)
    recording = recorder.stop()
    at, score = found(recording, first, recorder.frame_at(began), RATE)
    assert score > 0.999
    heard = np.round(recording[at : at + len(first) + len(second)] * 32768)
    assert np.array_equal(heard, np.concatenate([first, second]))  # no gap, no click, no loss
    assert 5.0 < took < 5.0 + 1.0  # played in real time, the tail included


def test_alsa_sink_stops_at_once(pulse: PulseServer) -> None:
    recorder = Recorder(pulse)
    recorder.wait_for_frames(RATE // 10)
    sink = AlsaSink(RATE)
    try:
        sink.open()
        handle = sink.play(noise(5.0, 3), RATE)
        time.sleep(1.5)
        stopped = time.monotonic()
        handle.stop()
        assert not handle.is_playing()
        time.sleep(0.5)
    finally:
        sink.close()
    recording = recorder.stop()
    at = recorder.frame_at(stopped)
    assert np.max(np.abs(recording[at - RATE // 2 : at])) > 0.01  # it was sounding
    assert np.max(np.abs(recording[at + round(0.15 * RATE) :])) == 0  # and then it was not


def test_alsa_sink_notices_a_stalled_server_where_the_sound_stopped(pulse: PulseServer) -> None:
    process = pulse._process
    assert process is not None
    sink = AlsaSink(RATE)
    try:
        sink.open()
        began = time.monotonic()
        handle = sink.play(noise(20.0, 4), RATE)
        assert isinstance(handle, TrackedHandle)
        time.sleep(4.0)  # past the start, when the server takes its first seconds at once
        os.kill(process.pid, signal.SIGSTOP)
        stalled = time.monotonic()
        try:
            while handle.progress()[1] < 2.0 and time.monotonic() - stalled < 30:
                time.sleep(0.05)
            noticed = time.monotonic() - stalled
            played, _ = handle.progress()
            assert handle.is_playing()  # a stalled device never says it has finished
        finally:
            os.kill(process.pid, signal.SIGCONT)
    finally:
        sink.close()
    assert noticed < 2.0 + 1.0
    # the device had taken the sound up to the stall, and no further (to a period or two)
    assert abs(played / RATE - (stalled - began)) < 0.25, (played / RATE, stalled - began)


def test_alsa_sink_without_a_server_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nowhere = PulseServer(tmp_path / "none", RATE)
    nowhere.prepare_home()
    for name, value in nowhere.env({}, server=False).items():
        monkeypatch.setenv(name, value)
    sink = AlsaSink(RATE)
    try:
        with pytest.raises(PlaybackError) as caught:
            sink.open()
    finally:
        sink.close()
    message = str(caught.value)
    assert message.startswith('cannot play: no working audio output device (cannot open "default"')
    assert "\n" not in message and "voiceguide export" in message


def test_simpleaudio_sink_plays_a_buffer(pulse: PulseServer) -> None:
    pcm = noise(1.0, 5)
    recorder = Recorder(pulse)
    recorder.wait_for_frames(RATE // 10)
    sink = SimpleaudioSink(RATE)
    try:
        sink.open()
        began = time.monotonic()
        sink.play(pcm, RATE).wait()
    finally:
        sink.close()
    time.sleep(0.2)
    recording = recorder.stop()
    at, score = found(recording, pcm, recorder.frame_at(began), RATE)
    assert score > 0.999
    assert np.array_equal(np.round(recording[at : at + len(pcm)] * 32768), pcm)
