"""The project keeps its promises: light import, clean lint and types, README == CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_voiceguide_loads_neither_numpy_nor_pyttsx3() -> None:
    code = (
        "import sys, voiceguide, voiceguide.cli.main, voiceguide.script.model, "
        "voiceguide.script.reader, voiceguide.timeline\n"
        "heavy = [m for m in ('numpy', 'pyttsx3', 'simpleaudio', 'soxr') if m in sys.modules]\n"
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_help_does_not_import_audio_libraries() -> None:
    code = (
        "import sys\nfrom voiceguide.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('numpy', 'pyttsx3', 'simpleaudio') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "voiceguide", "tests", "tools"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(tools/setup\.sh[^\n]*)\n```", readme)


def test_ci_runs_the_readme_test_command() -> None:
    run_command, test_command = _readme_commands()
    assert "voiceguide" in run_command and "hip-mobility" in run_command
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_the_architecture_names_every_module() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"`([a-z_0-9/]+)`", text))
    package = ROOT / "voiceguide"
    modules = {
        path.relative_to(package).with_suffix("").as_posix()
        for path in package.rglob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    }
    assert sorted(modules - named) == []
