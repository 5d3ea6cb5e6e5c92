"""Shared fixtures. The tests share one speech cache of their own, never the user's."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.made_once import bundled_speech, run_folder, run_speech_cache

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


def _hangup_while_nohup(number: int, frame: object) -> None:
    """The run goes on through a hangup, as `nohup` asked."""


# Likewise SIGHUP under `nohup pytest`: the tests that hang up on a program would wait for an
# exit that never comes. A handler of our own keeps the run as deaf to a hangup as nohup made
# it, while the programs it starts begin with the default action, as they would in a terminal
# (a caught signal is reset to its default in a new program; an ignored one stays ignored).
if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
    signal.signal(signal.SIGHUP, _hangup_while_nohup)


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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # --dist loadgroup sends a group to one worker by a suffix pytest-xdist adds to each test's
    # id ("...@group") in the worker; pytest-xdist 3.8 writes it into a field pytest 9.2 no
    # longer reads (it keeps a structured id), so every group would be spread over the workers
    # without a word. Put the suffix where this pytest reads it, where it is missing.
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # a pytest before 9.2: pytest-xdist's own suffix is read
        return
    for item in items:
        groups = sorted({
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        })
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = NodeId.parse(item.nodeid + suffix)


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # one cache for the whole run, workers included, so the clips of the bundled routines are
    # made once; set for the session, before any module fixture speaks, so nothing a test
    # makes lands in the user's own cache (a test that points elsewhere is undone after it)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VOICEGUIDE_CACHE", str(run_speech_cache(tmp_path_factory)))
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

    with open(run_folder(tmp_path_factory) / "realtime.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def bundled_routines_spoken(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The bundled routines' clips at their own settings are in the run's speech cache."""
    bundled_speech(tmp_path_factory)


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
