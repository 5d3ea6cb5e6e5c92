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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
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


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    # one cache for the whole run, so the clips of the bundled routines are made once; with
    # pytest-xdist each worker has a base folder of its own inside the run's, so they share that
    run = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run = run.parent
    monkeypatch.setenv("VOICEGUIDE_CACHE", str(run / "speech-cache"))
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
