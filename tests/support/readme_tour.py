"""The README's tour: every shell line it shows, run once per test run as a user types it.

The tour exports the bundled hip routine as every file the README promises (.m4a, .mp3, .m4b,
a split set, the Piper voice's .m4a, the German .m4a) in a folder that starts empty.
tests/cli/test_readme.py checks that every line ran; the tests whose subject is the hip
routine's full-length files (its loudness, the size of its mp3) read the tour's files rather
than export the routine again. They share the pytest-xdist group TOUR, so one worker walks the
tour while the other runs the rest of the suite.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.made_once import bundled_speech, made_once, piper_hip_speech

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BIN = Path(sys.executable).parent
_FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```$", re.S | re.M)

# the pytest-xdist group of the tour and of the tests that read its files
TOUR = "readme-tour"


def blocks(*languages: str) -> list[str]:
    return [
        "\n".join(line[len(indent):] for line in body.splitlines())
        for indent, language, body in _FENCE.findall(README)
        if language in languages
    ]


def shell_lines(*languages: str) -> list[str]:
    return [
        line for block in blocks(*languages) for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def skipped(line: str) -> bool:
    # `voiceguide share` serves until the file is downloaded: tests/share/test_share_cli.py runs
    # the README's line for real, in a private network, and downloads the file
    return line.startswith(("tools/setup.sh", "voiceguide play ", "voiceguide share "))


def user_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The venv's voiceguide on PATH, as after `. .venv/bin/activate`."""
    base = dict(os.environ) if base is None else base
    return {**base, "PATH": f"{BIN}{os.pathsep}{base['PATH']}", "NO_COLOR": "1"}


def run(shell: str, line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shell, "-c", line], capture_output=True, text=True, timeout=300, cwd=cwd,
        env=user_env(),
    )


@dataclass(frozen=True)
class Ran:
    line: str
    status: int
    stderr: str


@dataclass(frozen=True)
class Tour:
    folder: Path  # what the tour made, in the folder it started in, empty
    ran: list[Ran]  # every line run, in the README's order


def readme_tour(tmp_path_factory: pytest.TempPathFactory) -> Tour:
    """The tour, walked by the first test of the run to ask; the files are for reading only.

    A line that fails fails the test that walks the tour, with the line and what it printed,
    and the next test to ask walks it again.
    """

    def walk(base: Path) -> None:
        # the speech the lines need is made by the run's shared makers, so that a test on
        # another worker that needs the same speech waits for it instead of making it again
        bundled_speech(tmp_path_factory)
        piper_hip_speech(tmp_path_factory)
        folder = base / "tour"
        folder.mkdir()
        ran = []
        for line in shell_lines("sh"):
            if skipped(line):
                continue
            result = run("bash", line, folder)
            assert result.returncode == 0, (line, result.stderr)
            ran.append({"line": line, "status": result.returncode, "stderr": result.stderr})
        (base / "ran.json").write_text(json.dumps(ran))

    base = made_once(tmp_path_factory, "readme-tour", walk)
    ran = [Ran(**entry) for entry in json.loads((base / "ran.json").read_text())]
    return Tour(base / "tour", ran)
