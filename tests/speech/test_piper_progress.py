"""Progress while speech is made: the library reports each clip through a callback; only the
command line draws a bar, and only on a terminal. Cold Piper synthesis is where it matters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import voiceguide
from tests.support.cli import on_a_terminal
from voiceguide.speech.bank import FakeEngine
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.piper_voices import bundled_model

SCRIPT = """\
title = "Plank"
intro = "Hold a straight line."
[[move]]
name = "Plank"
hold = "20s"
"""


def test_the_library_reports_each_clip_made_and_none_when_all_are_cached(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))

    engine = FakeEngine()
    cache = ClipCache(tmp_path)
    voiceguide.loads(SCRIPT, engine=engine, cache=cache, progress=progress)
    made = len(engine.batches[0])
    assert made >= 4 and calls[: made] == [(n, made) for n in range(1, made + 1)]
    calls.clear()
    voiceguide.loads(SCRIPT, engine=FakeEngine(), cache=cache, progress=progress)
    assert calls == []


def seen_on(terminal: bool, args: list[str], env: dict[str, str]) -> str:
    """stderr of `python -m voiceguide ARGS`, on a pseudo-terminal or a pipe."""
    if not terminal:
        return subprocess.run([sys.executable, "-m", "voiceguide", *args], capture_output=True,
                              text=True, env=env, stdin=subprocess.DEVNULL, timeout=300).stderr
    status, seen = on_a_terminal(args, env, stdout_too=False)
    assert status == 0, seen
    return seen


@pytest.mark.slow
@pytest.mark.skipif(bundled_model() is None, reason="the piper extra is not installed")
def test_the_command_line_draws_a_bar_on_a_terminal_only(tmp_path: Path) -> None:
    script = tmp_path / "plank.toml"  # a few phrases: every cold run draws its bar all the same
    script.write_text(SCRIPT)
    args = ["plan", str(script), "--voice", "piper:en_US-joe-medium"]
    env = {**os.environ, "VOICEGUIDE_CACHE": str(tmp_path / "on-a-pipe")}
    assert seen_on(False, args, env) == ""
    env["VOICEGUIDE_CACHE"] = str(tmp_path / "on-a-terminal")
    drawn = seen_on(True, args, env)
    assert "Making speech" in drawn and "100%" in drawn
    assert seen_on(True, args, env) == ""  # warm: nothing to make, no bar
    assert seen_on(True, [*args[:2], "--voice", "en-gb"], env) != ""  # every engine: the same bar
