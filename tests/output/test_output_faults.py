"""Faults met while writing output, caused for real and met through the command line.

A nearly full disk under an m4a/mp3 export (a private tmpfs, `unshare -m`), SIGHUP during an
export, standard output on a full disk or /dev/full, a long legal file name.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import voiceguide
from tests.support.export_helpers import SHORT_ROUTINE as ROUTINE
from tests.support.export_helpers import (
    children_named,
    in_private_mounts,
    still_there,
    stopped_mid_export,
)
from tests.support.made_once import made_once, run_speech_cache

pytestmark = pytest.mark.slow

PYTHON = sys.executable
PAGE = 4096  # tmpfs counts whole pages
EARLIER_ROUTINE = 'title = "Earlier"\n[[move]]\nname = "Side plank"\nhold = "25s"\n'
LONG_ROUTINE = 'title = "Long"\n[[move]]\nname = "Plank"\nhold = "1h50m"\nsets = 2\n'


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def mounted(shell: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICEGUIDE_CACHE": str(cache),
           "VG": f"{shlex.quote(PYTHON)} -m voiceguide"}
    return in_private_mounts(shell, cwd, env)


def shared_cache() -> Path:
    """The run's speech cache (tests/conftest.py): the short routine is spoken once per run,
    as these tests are about the disk, the signal and the name, not about speaking."""
    return Path(os.environ["VOICEGUIDE_CACHE"])  # set for each test by tests/conftest.py


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """short.m4a/.mp3 (the size a new export needs) and earlier.m4a/.mp3 (good earlier files),
    made once per run in this process: they are the tests' inputs (which only read them), and
    the exports under test run as real processes."""
    cache = run_speech_cache(tmp_path_factory)

    def make(folder: Path) -> None:
        (folder / "short.toml").write_text(ROUTINE)
        (folder / "earlier.toml").write_text(EARLIER_ROUTINE)
        for name in ("short", "earlier"):
            for suffix in (".m4a", ".mp3"):
                # made before any test's VOICEGUIDE_CACHE is set: name the run's cache
                result = voiceguide("export", f"{name}.toml", "-o", f"{name}{suffix}",
                                    cwd=folder, env={"VOICEGUIDE_CACHE": str(cache)})
                assert result.returncode == 0, result.stderr

    return made_once(tmp_path_factory, "output-faults-exports", make)


def pages(size: int) -> int:
    return math.ceil(size / PAGE)


@pytest.mark.parametrize("suffix", [".m4a", ".mp3"])
@pytest.mark.parametrize("short_by", [1, 3, "half"])
def test_a_nearly_full_disk_fails_the_export_and_keeps_the_earlier_file(
    made: Path, tmp_path: Path, suffix: str, short_by: int | str
) -> None:
    earlier = made / f"earlier{suffix}"
    needed = pages((made / f"short{suffix}").stat().st_size)
    missing = needed // 2 if short_by == "half" else int(short_by)
    # room for the earlier file, the one-page chapter list beside the export, and all of the
    # new file but `missing` pages: with one page missing only ffmpeg's trailer fails
    size = (pages(earlier.stat().st_size) + 1 + needed - missing) * PAGE
    (tmp_path / "short.toml").write_text(ROUTINE)
    shell = (
        f"mkdir disk && mount -t tmpfs -o size={size} tmpfs disk && "
        f"cp {shlex.quote(str(earlier))} disk/short{suffix} && "
        f"$VG export short.toml -o disk/short{suffix}; echo status $? >&2; "
        f"ls -A disk >&2; cmp -s disk/short{suffix} {shlex.quote(str(earlier))} && "
        f"echo kept >&2"
    )
    result = mounted(shell, tmp_path, shared_cache())
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"cannot write disk/short{suffix}: No space left on device; free some space, or export "
        "to another disk",
        "status 1",
        f"short{suffix}",  # the earlier file and nothing else: no hidden partial file
        "kept",
    ], result.stderr
    assert "wrote" not in result.stderr


def test_a_disk_that_fills_while_the_mp3_tag_is_rewritten_keeps_the_earlier_file(
    made: Path, tmp_path: Path
) -> None:
    from voiceguide.output.cover import cover_png

    earlier = made / "earlier.mp3"
    needed = pages((made / "short.mp3").stat().st_size)
    cover = pages(len(cover_png("Short")))
    # room for the earlier file, the chapter list, the cover and the whole of ffmpeg's file,
    # but not for the copy that carries the COMM frame: the disk fills in the middle of it
    size = (pages(earlier.stat().st_size) + 1 + cover + needed + needed // 2) * PAGE
    (tmp_path / "short.toml").write_text(ROUTINE)
    shell = (
        f"mkdir disk && mount -t tmpfs -o size={size} tmpfs disk && "
        f"cp {shlex.quote(str(earlier))} disk/short.mp3 && "
        f"$VG export short.toml -o disk/short.mp3; echo status $? >&2; "
        f"ls -A disk >&2; cmp -s disk/short.mp3 {shlex.quote(str(earlier))} && echo kept >&2"
    )
    result = mounted(shell, tmp_path, shared_cache())
    assert result.stderr.strip().splitlines() == [
        "cannot write disk/short.mp3: No space left on device; free some space, or export to "
        "another disk",
        "status 1",
        "short.mp3",
        "kept",
    ], result.stderr


@pytest.mark.parametrize("suffix", [".wav", ".m4a"])
def test_sighup_during_export_leaves_no_hidden_file_and_no_ffmpeg(
    tmp_path: Path, suffix: str
) -> None:
    (tmp_path / "long.toml").write_text(LONG_ROUTINE)
    destination = tmp_path / f"long{suffix}"
    for _ in range(3):  # a WAV export can end before the test sees it start: try again
        destination.write_bytes(b"an earlier export")
        process = subprocess.Popen(
            [PYTHON, "-m", "voiceguide", "export", "long.toml", "-o", destination.name],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        if stopped_mid_export(process, tmp_path, destination.name):
            break
        process.communicate(timeout=60)
    else:
        pytest.fail("three exports in a row ended before they could be interrupted")
    encoders = children_named(process.pid, "ffmpeg")
    if suffix == ".m4a":  # an m4a export is slow: let it go on until ffmpeg is encoding
        process.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 60
        while not (encoders := children_named(process.pid, "ffmpeg")):
            assert time.monotonic() < deadline, "ffmpeg never started"
            time.sleep(0.01)
        process.send_signal(signal.SIGSTOP)
    process.send_signal(signal.SIGHUP)
    process.send_signal(signal.SIGCONT)  # the SIGHUP is delivered as the export goes on
    _, stderr = process.communicate(timeout=60)
    assert not any(still_there(encoder) for encoder in encoders)  # waited for, not left
    assert "Traceback" not in stderr
    assert process.returncode == -signal.SIGHUP
    assert destination.read_bytes() == b"an earlier export"
    # neither the hidden partial file nor the hidden chapter list (.ffmeta) is left
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [destination.name, "long.toml"]
    )


# -- standard output ----------------------------------------------------------------------------


def test_plan_json_onto_a_full_disk_is_one_line_and_status_1(tmp_path: Path) -> None:
    (tmp_path / "short.toml").write_text(ROUTINE)
    # the plan is about 7 KB: a 4 KiB disk takes the first part of it
    shell = (
        "mkdir disk && mount -t tmpfs -o size=4k tmpfs disk && "
        "$VG plan short.toml --json > disk/plan.json; echo status $? >&2; "
        "wc -c < disk/plan.json >&2"
    )
    result = mounted(shell, tmp_path, shared_cache())
    assert "Traceback" not in result.stderr
    message, status, written = result.stderr.strip().splitlines()
    assert message == "cannot write the output: No space left on device"
    assert status == "status 1"
    assert int(written) == 4096  # the disk took what it could; the status says it is not whole


@pytest.mark.parametrize(
    "args",
    [("plan", "short.toml"), ("plan", "short.toml", "--json"), ("check", "short.toml"),
     ("list",)],
    ids=["plan", "plan-json", "check", "list"],
)
def test_output_into_dev_full_is_one_line_and_status_1(
    tmp_path: Path, args: tuple[str, ...], bundled_routines_spoken: None
) -> None:
    # the run's cache has the bundled routines' speech (`list` times them all): the command
    # gets to its output at once, and that output goes nowhere
    (tmp_path / "short.toml").write_text(ROUTINE)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [PYTHON, "-m", "voiceguide", *args], stdout=full, stderr=subprocess.PIPE, text=True,
            timeout=300, cwd=tmp_path,
        )
    assert result.returncode == 1
    assert one_line(result.stderr) == "cannot write the output: No space left on device"


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".wav", ".m4a"])
def test_a_legal_240_character_name_is_exported(tmp_path: Path, suffix: str) -> None:
    (tmp_path / "short.toml").write_text(ROUTINE)
    name = "n" * (240 - len(suffix)) + suffix
    result = voiceguide("export", "short.toml", "-o", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert one_line(result.stderr) == f"wrote {name}"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", name],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    planned = voiceguide("plan", "short.toml", "--json", cwd=tmp_path)
    seconds = json.loads(planned.stdout)["duration"]
    assert float(json.loads(probe.stdout)["format"]["duration"]) == pytest.approx(seconds, abs=0.2)
    assert sorted(path.name for path in tmp_path.iterdir()) == [name, "short.toml"]
