"""Shared fixtures. Every test gets its own speech cache, so none writes into the user's."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# the audio-server helpers the end-to-end tests share live in tools/, beside the benchmarks
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

if TYPE_CHECKING:
    from pulse_null_sink import PulseServer

PULSE_RATE = 22050

# Ctrl-C and SIGQUIT reach the programs the tests start, as they reach a command run in a
# terminal. A shell without job control starts its background commands (`pytest ... &`, a CI
# step run that way) with SIGINT and SIGQUIT ignored, and every child inherits that: voiceguide
# rightly leaves an ignored signal alone, so the tests that press Ctrl-C or send SIGQUIT would
# wait for an exit that never comes.
for _number, _default in ((signal.SIGINT, signal.default_int_handler),
                          (signal.SIGQUIT, signal.SIG_DFL)):
    if signal.getsignal(_number) is signal.SIG_IGN:
        signal.signal(_number, _default)


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("VOICEGUIDE_CACHE", str(tmp_path_factory.getbasetemp() / "speech-cache"))
    yield


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PulseServer]:
    """A private PulseAudio with a null sink at 22,050 Hz, stopped after the test."""
    from pulse_null_sink import PulseServer  # numpy: only for the tests that want a server

    pulse = PulseServer(tmp_path / "pulse", PULSE_RATE)
    pulse.start()
    try:
        yield pulse
    finally:
        pulse.stop()
