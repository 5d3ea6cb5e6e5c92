"""A built wheel, installed into a fresh virtual environment, runs from an empty folder.

The source is copied first, so building writes nothing into the checkout; the new environment
takes voiceguide's dependencies from PyPI (or pip's cache), not from the project's .venv.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".mypy_cache", ".ruff_cache", "tests",
)


def run(*command: str | Path, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd,
        timeout=timeout,
    )
    assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
    return result


def test_the_wheel_installs_into_a_fresh_venv_and_runs_from_an_empty_folder(
    tmp_path: Path,
) -> None:
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
        "--disable-pip-version-check", "--wheel-dir", wheels, ".", cwd=source)
    (wheel,) = wheels.glob("voiceguide-*.whl")

    names = zipfile.ZipFile(wheel).namelist()
    bundled = {name for name in names if name.startswith("voiceguide/scripts/")}
    assert bundled == {
        f"voiceguide/scripts/{path.name}" for path in (ROOT / "scripts").glob("*.toml")
    }
    cues = {name for name in names if name.startswith("voiceguide/audio_cues/")}
    assert cues == {f"voiceguide/audio_cues/{name}.wav"
                    for name in ("tick", "go", "end", "rep", "done")}
    assert not [name for name in names if name.startswith(("tests/", "tools/"))]

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet",
        "--disable-pip-version-check", wheel, cwd=tmp_path)

    empty = tmp_path / "empty"
    empty.mkdir()
    where = run(venv / "bin" / "python", "-c", "import voiceguide; print(voiceguide.__file__)",
                cwd=empty)
    assert Path(where.stdout.strip()).is_relative_to(venv)
    voiceguide = venv / "bin" / "voiceguide"
    listed = run(voiceguide, "list", cwd=empty)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == list(
        sorted(path.stem for path in (ROOT / "scripts").glob("*.toml"))
    )
    planned = run(voiceguide, "plan", "hip-mobility", cwd=empty)
    assert planned.stdout.startswith("Hip mobility for runners: ")
    document = json.loads(run(voiceguide, "plan", "hip-mobility", "--json", cwd=empty).stdout)
    run(voiceguide, "export", "hip-mobility", "-o", "x.wav", cwd=empty)
    assert sorted(path.name for path in empty.iterdir()) == ["x.wav"]
    with wave.open(str(empty / "x.wav")) as audio:
        assert audio.getnframes() == round(document["duration"] * document["sample_rate"])
