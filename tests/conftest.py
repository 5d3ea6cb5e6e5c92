"""Shared fixtures. The tests share one speech cache of their own, never the user's."""

from __future__ import annotations

import os
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


def pytest_configure(config: pytest.Config) -> None:
    from _pytest.mark.expression import Expression

    from tests.support import budget

    # property tests try their thorough budgets only in a run that includes the fuzz tests
    selection = config.getoption("markexpr")
    budget.thorough = not selection or Expression.compile(selection).evaluate(
        lambda name, /, **_: name == "fuzz"
    )


def pytest_itemcollected(item: pytest.Item) -> None:
    # marked as each test is collected, before pytest-xdist reads the groups to send each group
    # to one worker (in its own pytest_collection_modifyitems)
    if not item.config.pluginmanager.hasplugin("xdist"):
        return
    if item.get_closest_marker("realtime"):
        # one worker plays them one after another: two at once would compete for the same
        # cores at the moments they must keep time, beyond the load these tests are made for
        item.add_marker(pytest.mark.xdist_group("realtime"))
    elif any(
        definitions[-1].scope == "module"
        for definitions in item._fixtureinfo.name2fixturedefs.values()
    ):
        # the tests of a module that share an expensive module fixture (an export, a build)
        # stay on one worker, so the fixture is made once
        item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's base folder; with pytest-xdist each worker has its own inside it."""
    run = tmp_path_factory.getbasetemp()
    return run.parent if os.environ.get("PYTEST_XDIST_WORKER") else run


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    # one cache for the whole run, workers included, so the clips of the bundled routines are
    # made once
    monkeypatch.setenv("VOICEGUIDE_CACHE", str(_run_folder(tmp_path_factory) / "speech-cache"))
    yield


@pytest.fixture(autouse=True)
def _one_realtime_test_at_a_time(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """A real-time test holds the run's lock from before its audio server starts to its end,
    so two never play at once, whichever pytest-xdist workers they run on."""
    if request.node.get_closest_marker("realtime") is None:
        yield
        return
    import fcntl

    with open(_run_folder(tmp_path_factory) / "realtime.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
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
