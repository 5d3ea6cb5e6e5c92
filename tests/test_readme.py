"""Every command the README shows runs, as a user types it, in an empty folder.

Shell lines come from the README's ```sh, ```bash, ```zsh and ```fish blocks (indented ones
too). Skipped: the set-up commands (tests/test_project.py ties them to CI) and `voiceguide play`,
which needs an audio device.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from voiceguide.loader import load_routine, parse_routine
from voiceguide.resources import bundled_scripts
from voiceguide.routine import Routine

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BIN = Path(sys.executable).parent
_FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```$", re.S | re.M)


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


def _skipped(line: str) -> bool:
    return line.startswith("tools/setup.sh") or line.startswith("voiceguide play ")


def user_env() -> dict[str, str]:
    """The venv's voiceguide on PATH, as after `. .venv/bin/activate`."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}


def run(shell: str, line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shell, "-c", line], capture_output=True, text=True, timeout=300, cwd=cwd,
        env=user_env(),
    )


def test_the_readme_shows_the_tour_and_what_is_skipped_is_only_setup_and_play() -> None:
    lines = shell_lines("sh", "bash")
    skipped = [line for line in lines if _skipped(line)]
    assert len(skipped) == 3  # the two set-up commands and `voiceguide play hip-mobility`
    commands = {line.split()[1] for line in lines if line.startswith("voiceguide ")}
    assert commands >= {"list", "plan", "play", "export", "new", "check", "voices", "--version"}


def test_every_shell_command_of_the_readme_runs(tmp_path: Path) -> None:
    ran = []
    for line in shell_lines("sh"):
        if _skipped(line):
            continue
        result = run("bash", line, tmp_path)
        assert result.returncode == 0, (line, result.stderr)
        assert "Traceback" not in result.stderr, line
        ran.append(line)
    assert len(ran) >= 12
    made = {path.name for path in tmp_path.iterdir()}
    assert made >= {
        "hip-mobility.m4a", "hip-mobility.mp3", "knee-routine.toml", "knee-routine.html",
        "hip-mobility.html", "hueftmobilitaet.m4a", "plan.json",
    }
    assert not [name for name in made if ".partial-" in name]
    assert json.loads((tmp_path / "plan.json").read_text())["title"] == "Hip mobility for runners"
    for audio in ("hip-mobility.m4a", "hip-mobility.mp3", "hueftmobilitaet.m4a"):
        assert (tmp_path / audio).stat().st_size > 100_000, audio


def test_bash_completion_from_the_readme_completes(tmp_path: Path) -> None:
    (line,) = shell_lines("bash")
    script = (
        f"{line}\nCOMP_WORDS=(voiceguide pl); COMP_CWORD=1\n"
        # bash calls a completion function with the command name as $1
        "_voiceguide_completion voiceguide\n"
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = run("bash", script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["plan", "play"]


def test_zsh_completion_from_the_readme_loads(tmp_path: Path) -> None:
    (line,) = shell_lines("zsh")
    # ~/.zshrc runs compinit before the line; do the same
    script = f"autoload -Uz compinit && compinit -u\n{line}\nwhence -w _voiceguide_completion"
    result = run("zsh", script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "_voiceguide_completion: function"


def test_fish_completion_from_the_readme_completes(tmp_path: Path) -> None:
    (line,) = shell_lines("fish")
    result = run("fish", f"{line}; complete --do-complete 'voiceguide pl'", tmp_path)
    assert result.returncode == 0, result.stderr
    assert [entry.split("\t")[0] for entry in result.stdout.splitlines()] == ["plan", "play"]


def test_the_complete_example_is_the_bundled_hip_routine(tmp_path: Path) -> None:
    (example,) = blocks("toml")
    bundled = load_routine(bundled_scripts()["hip-mobility"])
    shown = parse_routine(example, bundled.path)

    def without_lines(routine: Routine) -> Routine:
        # the bundled file has a comment header, so its moves start on other lines
        moves = tuple(dataclasses.replace(move, line=None) for move in routine.moves)
        return dataclasses.replace(routine, moves=moves)

    assert without_lines(shown) == without_lines(bundled)


def test_the_error_the_readme_shows_is_the_one_a_user_gets(tmp_path: Path) -> None:
    (example,) = blocks("toml")
    shown_error = next(
        block for block in blocks("") if "did you mean" in block
    ).strip()
    (tmp_path / "hip.toml").write_text(example.replace('hold = "30s"', 'hlod = "30s"'))
    result = run("bash", "voiceguide check hip.toml", tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == shown_error
