"""The sdist and the wheel, as a package index and a user get them.

The source is copied first, so building writes nothing into the checkout. `python -m build`
makes the sdist and then the wheel from that sdist (so the sdist is complete enough to build).
The build tools check what they made (twine, check-wheel-contents); the unpacked sdist runs some
of its own tests; and on each supported Python a fresh virtual environment installs the wheel,
taking voiceguide's dependencies from the package index (or pip's cache), and runs `plan`,
`export` and `play` from an empty folder, `play` into a private PulseAudio null sink.
"""

from __future__ import annotations

import email
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import wave
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from pulse_null_sink import PulseServer, Recorder, available, find_offset

from tests.support.made_once import made_once

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".mypy_cache", ".ruff_cache", ".hypothesis",
)
# what the sdist carries besides the package: the docs the README links to, the tests with
# their corpus and helpers, the tools they use, the bundled routines and sounds
_SDIST_FOLDERS = ("docs", "tests", "tools", "scripts", "audio_cues")
_SDIST_FILES = ("LICENSE", "README.md", "pyproject.toml", ".ci/run")


def run(
    *command: str | Path, cwd: Path, timeout: int = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd,
        timeout=timeout, env=env,
    )
    assert result.returncode == 0, (command, result.stdout[-3000:], result.stderr[-3000:])
    return result


@dataclass(frozen=True)
class Built:
    source: Path
    sdist: Path
    wheel: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Built once per run, whichever pytest-xdist worker asks first; the tests only read it."""

    def build(folder: Path) -> None:
        shutil.copytree(ROOT, folder / "source", ignore=_NOT_SOURCE)
        run(sys.executable, "-m", "build", "--outdir", folder / "dist", ".",
            cwd=folder / "source")

    folder = made_once(tmp_path_factory, "packaging-build", build)
    source = folder / "source"
    dist = folder / "dist"
    (sdist,) = dist.glob("voiceguide-*.tar.gz")
    (wheel,) = dist.glob("voiceguide-*.whl")
    return Built(source, sdist, wheel)


def test_twine_checks_the_sdist_and_the_wheel(built: Built) -> None:
    result = run(sys.executable, "-m", "twine", "check", "--strict", built.sdist, built.wheel,
                 cwd=built.source)
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_check_wheel_contents_finds_nothing(built: Built) -> None:
    checker = Path(sys.executable).parent / "check-wheel-contents"
    result = run(checker, built.wheel, cwd=built.source)
    assert result.stdout.strip().endswith(": OK"), result.stdout


def test_the_wheel_carries_the_package_its_data_types_and_license(built: Built) -> None:
    names = zipfile.ZipFile(built.wheel).namelist()
    bundled = {name for name in names if name.startswith("voiceguide/scripts/")}
    assert bundled == {
        f"voiceguide/scripts/{path.name}" for path in (ROOT / "scripts").glob("*.toml")
    }
    cues = {name for name in names if name.startswith("voiceguide/audio_cues/")}
    assert cues == {f"voiceguide/audio_cues/{path.name}"
                    for path in (ROOT / "audio_cues").glob("*.wav")}
    assert "voiceguide/py.typed" in names
    assert "voiceguide-0.1.0.dist-info/licenses/LICENSE" in names
    assert not [name for name in names if name.startswith(("tests/", "tools/", "docs/"))]


def test_the_metadata_names_the_license_and_the_supported_pythons(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        metadata = email.message_from_bytes(wheel.read("voiceguide-0.1.0.dist-info/METADATA"))
    assert metadata["License-Expression"] == "MIT"
    assert metadata["License-File"] == "LICENSE"
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["Author"]
    classifiers = metadata.get_all("Classifier") or []
    versions = {c.rsplit(" :: ", 1)[1] for c in classifiers
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert versions == set(SUPPORTED)
    # tools/setup.sh accepts the same versions
    accepted = re.search(r"^ +(3\.\d+(?: \| 3\.\d+)*)\) ;;$",
                         (ROOT / "tools" / "setup.sh").read_text(), re.M)
    assert accepted is not None
    assert tuple(accepted.group(1).split(" | ")) == SUPPORTED
    requires = metadata.get_all("Requires-Dist") or []
    assert "tomli>=1.1; python_version < \"3.11\"" in requires


def test_the_sdist_carries_the_docs_tests_tools_and_data(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    expected = {
        path.relative_to(built.source).as_posix()
        for folder in _SDIST_FOLDERS
        for path in (built.source / folder).rglob("*")
        if path.is_file()
    }
    assert {"docs/ROUTINE_FORMAT.md", "tests/conftest.py",
            "tools/pulse_null_sink.py"} <= expected
    assert any(name.startswith("tests/script/corpus/") for name in expected)
    assert any(name.startswith("tests/support/") for name in expected)
    assert expected | set(_SDIST_FILES) <= names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


# pytest in the unpacked sdist, with a plugin that says where voiceguide was imported from
_WHERE = (
    "import sys, pytest\n"
    "class Where:\n"
    "    def pytest_terminal_summary(self, terminalreporter):\n"
    "        import voiceguide\n"
    "        terminalreporter.write_line('voiceguide imported from ' + voiceguide.__file__)\n"
    "sys.exit(pytest.main(sys.argv[1:], plugins=[Where()]))\n"
)


def test_the_unpacked_sdist_runs_its_own_tests(built: Built, tmp_path: Path) -> None:
    with tarfile.open(built.sdist) as sdist:
        sdist.extractall(tmp_path, filter="data")
    (unpacked,) = tmp_path.iterdir()
    tests = [
        # the corpus of broken scripts and its pinned messages
        "tests/script/test_corpus.py::test_every_corpus_file_has_exactly_one_pinned_message",
        "tests/script/test_corpus.py::test_check_refuses_the_corpus_file_in_one_line",
        # the shared builders in tests/support
        "tests/test_timeline.py",
        # tools/make_cues.py makes the bundled sounds
        "tests/audio/test_sounds.py::test_the_committed_sounds_are_what_the_generator_makes",
        # the README and .ci/run
        "tests/test_project.py::test_ci_runs_the_readme_test_command",
    ]
    result = run(sys.executable, "-c", _WHERE, "-q", "-p", "no:cacheprovider", *tests,
                 cwd=unpacked)
    where = re.search(r"^voiceguide imported from (.+)$", result.stdout, re.M)
    assert where is not None, result.stdout
    assert Path(where.group(1)).is_relative_to(unpacked)
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None and int(passed.group(1)) >= 60, result.stdout[-2000:]
    assert " failed" not in result.stdout and " error" not in result.stdout


def interpreter(version: str) -> str | None:
    """A Python of this version that runs: this one, one under pyenv, or one on PATH."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        return sys.executable
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(glob.glob(str(pyenv / f"{version}.*" / "bin" / f"python{version}")))
    on_path = shutil.which(f"python{version}")  # may be a pyenv shim of a version not chosen
    for candidate in [*reversed(candidates), *([on_path] if on_path else [])]:
        answer = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60,
        )
        if answer.returncode == 0 and answer.stdout.strip() == version:
            return candidate
    return None


SHORT = """format = "voiceguide/1"
title = "Quick check"

[settings]
countdown = 2
get_ready = "3s"

[[move]]
name = "Stand tall"
work = "3s"
"""


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[PulseServer]:
    why = available()
    if why is not None:
        pytest.skip(why)
    server = PulseServer(tmp_path / "pulse", 22050)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.realtime
@pytest.mark.parametrize("version", SUPPORTED)
def test_the_wheel_installs_into_a_fresh_venv_and_plans_exports_and_plays(
    built: Built, version: str, tmp_path: Path, sink: PulseServer
) -> None:
    python = interpreter(version)
    if python is None:
        pytest.skip(f"Python {version} is not installed here")
    venv = tmp_path / "venv"
    run(python, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet",
        "--disable-pip-version-check", built.wheel, cwd=tmp_path)

    empty = tmp_path / "empty"
    empty.mkdir()
    where = run(venv / "bin" / "python", "-c",
                "import sys, voiceguide; print(sys.version_info[:2], voiceguide.__file__)",
                cwd=empty)
    assert where.stdout.startswith(f"({version.replace('.', ', ')})"), where.stdout
    assert Path(where.stdout.split()[-1]).is_relative_to(venv)
    voiceguide = venv / "bin" / "voiceguide"
    listed = run(voiceguide, "list", cwd=empty)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == sorted(
        path.stem for path in (ROOT / "scripts").glob("*.toml")
    )
    planned = run(voiceguide, "plan", "hip-mobility", cwd=empty)
    assert planned.stdout.startswith("Hip mobility for runners: ")

    (empty / "short.toml").write_text(SHORT)
    document = json.loads(run(voiceguide, "plan", "short.toml", "--json", cwd=empty).stdout)
    run(voiceguide, "export", "short.toml", "-o", "short.wav", cwd=empty)
    assert sorted(path.name for path in empty.iterdir()) == ["short.toml", "short.wav"]
    with wave.open(str(empty / "short.wav")) as audio:
        assert audio.getframerate() == document["sample_rate"] == 22050
        assert audio.getnframes() == round(document["duration"] * document["sample_rate"])
        exported = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2") / 32768

    recorder = Recorder(sink)
    recorder.wait_for_frames(2205)
    played = subprocess.run(
        [str(voiceguide), "play", "short.toml"], cwd=empty, env=sink.env(),
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=document["duration"] + 120,
    )
    recording = recorder.stop()
    assert played.returncode == 0, played.stderr
    assert "Traceback" not in played.stderr
    assert played.stdout.strip().splitlines()[-1].startswith("Finished: 1 of 1 work phase done")
    # what was heard is the export: its first second of sound is found in the recording
    offset = find_offset(recording, exported, 22050)
    assert 0 <= offset < len(recording)
