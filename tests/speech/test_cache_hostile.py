"""The clip cache meets what a cache folder can hold, and a machine without a home.

Real FIFOs, symlinks, device nodes and sparse 3 GB files where entries should be; a uid without a
passwd entry (a user namespace that maps ours to 12345) and an empty HOME, through the CLI.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support.export_helpers import SHORT_ROUTINE
from tests.support.made_once import made_once
from voiceguide.speech.cache import ENTRY_LIMIT, ClipCache, default_cache_folder

PYTHON = sys.executable
KEY = "c" * 64
ROUTINE = SHORT_ROUTINE


def clip(frames: int = 4000) -> np.ndarray:
    return np.round(np.sin(np.arange(frames) / 7.0) * 9000).astype(np.int16)


READ_ENTRY = """\
import resource, sys
from pathlib import Path
from voiceguide.speech.cache import ClipCache
resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
print("miss" if ClipCache(Path(sys.argv[1])).get(sys.argv[2]) is None else "hit")
"""
# a read that never ends (/dev/zero) fails the test with a MemoryError, not the machine
ADDRESS_SPACE = 3 << 30


def get_in_child(cache: ClipCache, key: str) -> str:
    """cache.get(key) in a child process: a read that blocks (a FIFO) times out there."""
    done = subprocess.run(
        [PYTHON, "-c", READ_ENTRY.replace("ADDRESS_SPACE", str(ADDRESS_SPACE)),
         str(cache.folder), key],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-1000:]
    return done.stdout.strip()


def assert_rebuilt(cache: ClipCache, key: str) -> None:
    cache.put(key, clip(), 22050)
    entry = cache.path(key)
    assert stat.S_ISREG(entry.lstat().st_mode)
    stored = cache.get(key)
    assert stored is not None and np.array_equal(stored[0], clip())


# ---------------------------------------------------------------- entries that are not entries


def test_a_fifo_where_an_entry_should_be_is_a_miss_at_once(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    os.mkfifo(cache.path(KEY))
    assert get_in_child(cache, KEY) == "miss"  # no writer will ever come: it must not wait
    assert_rebuilt(cache, KEY)


def test_a_symlink_to_dev_zero_is_a_miss_and_is_replaced_not_followed(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    cache.path(KEY).symlink_to("/dev/zero")
    assert get_in_child(cache, KEY) == "miss"
    assert_rebuilt(cache, KEY)
    assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)


def test_a_symlink_to_a_good_entry_elsewhere_is_never_followed(tmp_path: Path) -> None:
    elsewhere = ClipCache(tmp_path / "elsewhere")
    elsewhere.put(KEY, clip(3000), 22050)
    outside = elsewhere.path(KEY)
    before = outside.read_bytes()
    cache = ClipCache(tmp_path / "cache")
    cache.folder.mkdir()  # type: ignore[union-attr]
    cache.path(KEY).symlink_to(outside)
    assert get_in_child(cache, KEY) == "miss"  # it would be a hit if followed
    assert_rebuilt(cache, KEY)
    assert outside.read_bytes() == before  # the link was replaced, its target untouched


def test_a_device_node_is_a_miss_and_never_opened(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    try:
        os.mknod(cache.path(KEY), stat.S_IFCHR | 0o600, os.makedev(1, 5))  # what /dev/zero is
    except PermissionError:
        pytest.skip("making a device node needs root")
    assert get_in_child(cache, KEY) == "miss"
    assert_rebuilt(cache, KEY)


def test_a_sparse_3_gb_file_is_a_miss_without_being_read(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    with open(cache.path(KEY), "wb") as big:
        big.truncate(3 << 30)
    assert get_in_child(cache, KEY) == "miss"  # in 3 GB of address space: it was not read
    assert_rebuilt(cache, KEY)


def test_an_entry_one_byte_over_the_limit_is_a_miss_and_is_never_written(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    with open(cache.path(KEY), "wb") as big:
        big.truncate(ENTRY_LIMIT + 1)
    assert cache.get(KEY) is None
    cache.put("d" * 64, np.zeros(ENTRY_LIMIT // 2, dtype=np.int16), 22050)  # header + this > limit
    assert not cache.path("d" * 64).exists()


def test_a_folder_where_an_entry_should_be_is_a_miss_and_no_error(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    cache.path(KEY).mkdir()
    assert cache.get(KEY) is None
    cache.put(KEY, clip(), 22050)  # cannot replace a folder: no caching, no error
    assert cache.path(KEY).is_dir()


# ---------------------------------------------------------------- where the cache goes


def test_a_relative_xdg_cache_home_is_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("VOICEGUIDE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_folder() == tmp_path / ".cache" / "voiceguide" / "speech"


def test_an_empty_or_relative_home_means_the_passwd_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICEGUIDE_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    expected = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "voiceguide" / "speech"
    for home in ("", "relative/home"):
        monkeypatch.setenv("HOME", home)
        assert default_cache_folder() == expected
    monkeypatch.delenv("HOME")
    assert default_cache_folder() == expected


def test_no_home_at_all_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """A uid without a passwd entry (the real one is in the CLI test below)."""

    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.delenv("VOICEGUIDE_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert default_cache_folder() is None
    cache = ClipCache()
    assert cache.folder is None
    cache.put(KEY, clip(), 22050)
    assert cache.get(KEY) is None


# ---------------------------------------------------------------- through the CLI


def run_plan(
    cwd: Path, env: dict[str, str], *prefix: str, routine: str = "short.toml"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, PYTHON, "-m", "voiceguide", "plan", routine, "--json"],
        capture_output=True, text=True, timeout=300, cwd=cwd, env=env,
    )  # fmt: skip


def without(*names: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in names}
    return {**env, **extra}


@pytest.fixture
def short(tmp_path: Path) -> Path:
    (tmp_path / "short.toml").write_text(ROUTINE)
    return tmp_path


@pytest.fixture
def reference(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The plan of a cold run with a cache of its own, made once for the run's tests."""

    def make(folder: Path) -> None:
        (folder / "short.toml").write_text(ROUTINE)
        done = run_plan(folder, without(VOICEGUIDE_CACHE=str(folder / "cache")))
        assert done.returncode == 0 and done.stderr == "", done.stderr
        (folder / "plan.json").write_text(done.stdout)

    return (made_once(tmp_path_factory, "hostile-cache-reference", make) / "plan.json").read_text()


MAX_RSS = """\
import resource, subprocess, sys
limit = ADDRESS_SPACE
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # for voiceguide and its workers
status = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(status)
"""


@pytest.mark.slow
def test_hostile_entries_are_rebuilt_through_the_cli(
    short: Path, reference: str, tmp_path: Path
) -> None:
    """A FIFO, links to /dev/zero and to a good entry elsewhere, a sparse 3 GB file, a device."""
    cache = tmp_path / "cache"
    env = without(VOICEGUIDE_CACHE=str(cache))
    assert run_plan(short, env).returncode == 0
    entries = sorted((cache / "speech").iterdir())
    assert len(entries) >= 5
    fifo, to_zero, to_elsewhere, sparse, device = entries[:5]
    elsewhere = tmp_path / "elsewhere.clip"
    shutil.copyfile(to_elsewhere, elsewhere)
    before = elsewhere.read_bytes()
    for entry in (fifo, to_zero, to_elsewhere, sparse, device):
        entry.unlink()
    os.mkfifo(fifo)
    to_zero.symlink_to("/dev/zero")
    to_elsewhere.symlink_to(elsewhere)
    with open(sparse, "wb") as big:
        big.truncate(3 << 30)
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        os.mkfifo(device)  # not root: a second FIFO instead

    measure = MAX_RSS.replace("ADDRESS_SPACE", str(ADDRESS_SPACE))
    done = run_plan(short, {**env, "OPENBLAS_NUM_THREADS": "1"}, PYTHON, "-c", measure)
    *messages, max_rss = done.stderr.splitlines()
    assert done.returncode == 0 and messages == [], done.stderr
    assert done.stdout == reference
    assert int(max_rss) < 1_000_000  # KiB: the 3 GB file was not read
    reader = ClipCache(cache / "speech")
    for entry in (fifo, to_zero, to_elsewhere, sparse, device):
        assert stat.S_ISREG(entry.lstat().st_mode) and entry.stat().st_size < 1 << 20
        assert reader.get(entry.stem) is not None
    assert elsewhere.read_bytes() == before


def needs_user_namespaces() -> None:
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare")
    probe = subprocess.run(["unshare", "-U", "--map-user=12345", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no user namespaces here")


@pytest.mark.slow
def test_a_uid_without_a_passwd_entry_and_no_home_runs_without_a_cache(
    short: Path, reference: str
) -> None:
    """Our uid shows as 12345 in a user namespace; 12345 has no passwd entry, HOME is unset."""
    needs_user_namespaces()
    try:
        pwd.getpwuid(12345)
        pytest.skip("uid 12345 has a passwd entry here")
    except KeyError:
        pass
    before = sorted(short.iterdir())
    env = without("HOME", "XDG_CACHE_HOME", "VOICEGUIDE_CACHE")
    done = run_plan(short, env, "unshare", "-U", "--map-user=12345", "--map-group=12345")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == reference
    assert sorted(short.iterdir()) == before  # no cache made here either


@pytest.mark.slow
def test_an_empty_home_puts_the_cache_in_the_passwd_home_not_in_root(
    short: Path, reference: str, tmp_path: Path
) -> None:
    """In a private mount namespace: / read-only, and a passwd whose root home is a tmpfs here."""
    needs_user_namespaces()
    home, scratch = tmp_path / "home", tmp_path / "scratch"
    home.mkdir()
    scratch.mkdir()
    passwd = tmp_path / "passwd"
    lines = [line for line in Path("/etc/passwd").read_text().splitlines() if line]
    passwd.write_text(
        "".join(f"{line}\n" for line in lines if not line.startswith("root:"))
        + f"root:x:0:0:root:{home}:/bin/sh\n"
    )
    shell = (
        f'mount -t tmpfs tmpfs "{home}" && mount -t tmpfs tmpfs "{scratch}" && '
        f'mount --bind "{passwd}" /etc/passwd && mount -o remount,bind,ro / || exit 3; '
        f'"{PYTHON}" -m voiceguide plan short.toml --json; echo status $? >&2; '
        f'find "{home}" -name "*.clip" | wc -l >&2'
    )
    env = without("XDG_CACHE_HOME", "VOICEGUIDE_CACHE", HOME="", TMPDIR=str(scratch))
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", shell],
        capture_output=True, text=True, timeout=300, cwd=short, env=env,
    )  # fmt: skip
    status, cached = done.stderr.splitlines()
    assert status == "status 0"
    assert done.stdout == reference
    assert int(cached) >= 5  # not in /.cache (/ is read-only here, so nothing can hide there)


@pytest.mark.slow
def test_a_relative_xdg_cache_home_is_ignored_through_the_cli(
    short: Path, reference: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = without("VOICEGUIDE_CACHE", XDG_CACHE_HOME="relative-cache", HOME=str(home))
    done = run_plan(short, env)
    assert (done.returncode, done.stderr, done.stdout) == (0, "", reference)
    assert not (short / "relative-cache").exists()
    assert len(list((home / ".cache" / "voiceguide" / "speech").iterdir())) >= 5
