"""Faults of the machine around voiceguide, caused for real and met through the CLI.

Each test runs `python -m voiceguide ...` as a user would. Mounts (a full tmpfs, a read-only
cache, a hidden espeak-ng library) are made inside a private mount namespace (`unshare -m`), so
nothing is left mounted whatever happens.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.export_helpers import SHORT_ROUTINE as ROUTINE
from tests.support.export_helpers import in_private_mounts as private_mounts
from tests.support.export_helpers import stopped_mid_export
from tests.support.made_once import made_once

pytestmark = pytest.mark.slow

PYTHON = sys.executable
OTHER_ROUTINE = """\
title = "Other"
[[move]]
name = "Side plank"
hold = "25s"
sides = "each"
"""


def env_with_cache(cache: Path) -> dict[str, str]:
    return {**os.environ, "VOICEGUIDE_CACHE": str(cache)}


def voiceguide(
    *args: str, cwd: Path, cache: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "voiceguide", *args],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env_with_cache(cache),
    )


def in_private_mounts(shell: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """Run `shell` (sh) as root in a private mount namespace; $VG runs voiceguide."""
    env = {**env_with_cache(cache), "VG": f"{shlex.quote(PYTHON)} -m voiceguide"}
    return private_mounts(shell, cwd, env)


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def routine(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(ROUTINE)
    return path


@dataclass(frozen=True)
class Reference:
    exports: dict[str, bytes]  # routine name -> the WAV every other export must match
    folder: Path  # a cache folder per routine name, holding that routine's clips

    def cache_of(self, name: str, copy_to: Path) -> Path:
        """A copy of the cache that routine `name` filled: its clips, and nothing else."""
        return Path(shutil.copytree(self.folder / name, copy_to))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """Each routine exported alone with a fresh cache: the bytes every other export must match.
    Made once per run; the tests only read it (and copy its caches)."""

    def make(folder: Path) -> None:
        for name, text in (("short", ROUTINE), ("other", OTHER_ROUTINE)):
            (folder / f"{name}.toml").write_text(text)
            result = voiceguide(
                "export", f"{name}.toml", "-o", f"{name}.wav", cwd=folder, cache=folder / name
            )
            assert result.returncode == 0, result.stderr

    folder = made_once(tmp_path_factory, "fault-references", make)
    exports = {name: (folder / f"{name}.wav").read_bytes() for name in ("short", "other")}
    return Reference(exports, folder)


def shared_cache() -> Path:
    """The run's speech cache (tests/conftest.py), for the tests whose fault is not in it."""
    return Path(os.environ["VOICEGUIDE_CACHE"])


def test_espeak_ng_missing_says_what_to_install(routine: Path, tmp_path: Path) -> None:
    library = next(
        (
            candidate.resolve()
            for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib")
            if (candidate := Path(folder) / "libespeak-ng.so.1").exists()
        ),
        None,
    )
    if library is None:
        pytest.skip("needs libespeak-ng")
    result = in_private_mounts(
        f"mount --bind /dev/null {shlex.quote(str(library))} && exec $VG check short.toml",
        cwd=tmp_path, cache=tmp_path / "cache",
    )
    assert result.returncode == 1
    assert one_line(result.stderr) == (
        "espeak-ng is missing; install espeak-ng: sudo apt-get install espeak-ng"
    )
    assert result.stdout == ""


def test_a_full_disk_is_one_line_and_keeps_the_earlier_file(routine: Path, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    shell = (
        "mount -t tmpfs -o size=256k tmpfs disk && printf earlier > disk/short.wav && "
        "$VG export short.toml -o disk/short.wav; echo status $? >&2; "
        "ls -A disk >&2; cat disk/short.wav >&2"
    )
    result = in_private_mounts(shell, cwd=tmp_path, cache=shared_cache())
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert len(lines) == 4, result.stderr
    message, status, listing, earlier = lines
    assert message == (
        "cannot write disk/short.wav: No space left on device; free some space, export to "
        "another disk, or export .m4a (about a quarter of the size)"
    )
    assert status == "status 1"
    assert listing == "short.wav"  # no partial file left
    assert earlier == "earlier"


def test_sigterm_during_export_keeps_the_earlier_file(tmp_path: Path) -> None:
    script = tmp_path / "long.toml"
    script.write_text('title = "Long"\n[[move]]\nname = "Plank"\nhold = "1h50m"\nsets = 2\n')
    destination = tmp_path / "long.wav"
    for _ in range(3):  # a WAV export can end before the test sees it start: try again
        destination.write_bytes(b"an earlier export")
        process = subprocess.Popen(
            [PYTHON, "-m", "voiceguide", "export", "long.toml", "-o", "long.wav"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env_with_cache(shared_cache()),
        )
        if stopped_mid_export(process, tmp_path, "long.wav"):
            break
        process.communicate(timeout=60)
    else:
        pytest.fail("three exports in a row ended before they could be interrupted")
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGCONT)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr
    assert process.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
    assert destination.read_bytes() == b"an earlier export"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["long.toml", "long.wav"]


def test_damaged_cache_entries_are_rebuilt_and_the_export_is_the_same(
    routine: Path, tmp_path: Path, reference: Reference
) -> None:
    # the cache the reference export filled, a private copy of it that is damaged below
    cache = reference.cache_of("short", tmp_path / "cache")
    first = voiceguide("export", "short.toml", "-o", "a.wav", cwd=tmp_path, cache=cache)
    assert first.returncode == 0, first.stderr
    entries = sorted(cache.rglob("*.clip"))
    assert len(entries) >= 4
    truncated, junk, emptied = entries[0], entries[1], entries[2]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    junk.write_bytes(os.urandom(junk.stat().st_size))
    emptied.write_bytes(b"")
    result = voiceguide("export", "short.toml", "-o", "b.wav", cwd=tmp_path, cache=cache)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b.wav").read_bytes() == reference.exports["short"]
    assert (tmp_path / "a.wav").read_bytes() == reference.exports["short"]
    for entry in (truncated, junk, emptied):
        assert entry.read_bytes()[:6] == b"VGCLIP"  # rewritten whole


def test_two_exports_sharing_one_cache_at_once_are_both_right(
    tmp_path: Path, reference: Reference
) -> None:
    (tmp_path / "short.toml").write_text(ROUTINE)
    (tmp_path / "other.toml").write_text(OTHER_ROUTINE)
    cache = tmp_path / "cache"
    processes = [
        subprocess.Popen(
            [PYTHON, "-m", "voiceguide", "export", f"{name}.toml", "-o", f"{name}.wav"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env_with_cache(cache),
        )
        for name in ("short", "other")
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    assert (tmp_path / "short.wav").read_bytes() == reference.exports["short"]
    assert (tmp_path / "other.wav").read_bytes() == reference.exports["other"]


def test_a_read_only_cache_folder_still_exports_the_same_bytes(
    routine: Path, tmp_path: Path, reference: Reference
) -> None:
    # half warm: the clips of the other routine's export, some shared ("Rest." and the like)
    cache = reference.cache_of("other", tmp_path / "cache")
    before = sorted(path.name for path in cache.rglob("*"))
    shell = (
        "mount --bind cache cache && mount -o remount,ro,bind cache && "
        "(touch cache/probe 2>/dev/null && echo writable >&2; "
        "exec $VG export short.toml -o short.wav)"
    )
    result = in_private_mounts(shell, cwd=tmp_path, cache=cache)
    assert result.returncode == 0, result.stderr
    assert "writable" not in result.stderr
    assert (tmp_path / "short.wav").read_bytes() == reference.exports["short"]
    assert sorted(path.name for path in cache.rglob("*")) == before
