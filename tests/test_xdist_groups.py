"""The suite's pytest-xdist groups hold: the tests of one group run on one worker.

tests/conftest.py marks groups (the real-time tests, the tests sharing a module fixture, the
README tour) and makes pytest 9.2 read them; should that stop working, every group would be
spread over the workers without a word, as it once was.
"""

from __future__ import annotations

import os

import pytest

from tests.support.made_once import run_folder


@pytest.mark.xdist_group("group-check")
@pytest.mark.parametrize("which", ["first", "second"])
def test_the_tests_of_a_group_run_on_one_worker(
    which: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # each writes its worker before it looks, so whichever looks last sees the other's
    folder = run_folder(tmp_path_factory) / "group-check"
    folder.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    (folder / which).write_text(worker)
    other = folder / ("second" if which == "first" else "first")
    if other.exists():
        assert other.read_text() == worker, "a pytest-xdist group was spread over two workers"
