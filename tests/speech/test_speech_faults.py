"""Faults met while speech is made, caused for real: signals, a small /dev/shm, no room, a crash.

The runs that need their own /dev/shm or a small disk happen in a private mount namespace
(`unshare -rm`), so nothing stays mounted whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.made_once import made_once
from tests.support.processes import children, open_files, processes_with_arg
from voiceguide.errors import VoiceError
from voiceguide.speech.bank import SpeechBank
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.pyttsx3_engine import Pyttsx3Engine

pytestmark = pytest.mark.slow

PYTHON = sys.executable
WORKER = "voiceguide.speech.pyttsx3_worker"
MOVES = 200  # about 400 phrases, 27 MB of clips: long enough that each of three runs can be
# interrupted while its worker is still making clips


def many_phrases(moves: int) -> str:
    """A routine whose announcements are all different: one phrase to make per move."""
    parts = ['title = "Many phrases"\n[settings]\nrest_between_moves = "20s"\ncountdown = 0\n']
    for number in range(moves):
        parts.append(f'[[move]]\nname = "Lunge number {number} with a long name"\nhold = "5s"\n')
    return "\n".join(parts)


def needs_private_mounts() -> None:
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare")
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("no private mount namespaces here")


def clean_env(cache: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "VOICEGUIDE_CACHE": str(cache), **extra}


def whole_entries(cache: Path) -> int:
    """How many entries the cache holds; fails on anything that is not a whole entry."""
    folder = cache / "speech"
    if not folder.exists():
        return 0
    names = sorted(path.name for path in folder.iterdir())
    assert all(name.endswith(".clip") and not name.startswith(".") for name in names), names
    reader = ClipCache(folder)
    assert all(reader.get(name.removesuffix(".clip")) is not None for name in names)
    return len(names)


@pytest.fixture
def routine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The routine, at one path for the whole run (a plan is compared with the reference's)."""

    def make(folder: Path) -> None:
        (folder / "many.toml").write_text(many_phrases(MOVES))

    return made_once(tmp_path_factory, "many-phrases", make) / "many.toml"


@pytest.fixture
def reference_plan(routine: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The plan of an uninterrupted cold run: what every other run must print (made once for
    the run, whichever test or worker asks first)."""

    def make(folder: Path) -> None:
        cache = folder / "cache"
        done = subprocess.run(
            [PYTHON, "-m", "voiceguide", "plan", str(routine), "--json"],
            capture_output=True, text=True, timeout=600, env=clean_env(cache),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert whole_entries(cache) >= MOVES
        (folder / "plan.json").write_text(done.stdout)

    return (made_once(tmp_path_factory, "many-phrases-plan", make) / "plan.json").read_text()


def clips_made(pid: int, cache: Path) -> int:
    """Clips in the cache, plus any file in the /dev/shm that process pid sees."""
    shm = Path(f"/proc/{pid}/root/dev/shm")
    try:
        in_shm = sum(1 for path in shm.rglob("*") if path.is_file())
    except OSError:
        in_shm = 0
    return len(list(cache.glob("speech/*.clip"))) + in_shm


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until(condition: object, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGKILL)
# clips each interrupted run must have cached before it is signalled: a few, since the worker
# makes clips faster than voiceguide levels and caches them (on a busy machine it finished the
# routine before 20 were cached)
KEPT = 3


def interrupted_run(routine: Path, cache: Path, sig: signal.Signals, tmp_path: Path) -> None:
    """A cold `voiceguide plan` with its own /dev/shm, signalled once it has cached KEPT more
    clips while its worker is still making others: nothing in that /dev/shm afterwards, no
    worker or fork left, only whole entries in the cache, and every one made so far kept."""
    before = whole_entries(cache)
    release = tmp_path / f"release-{sig.name}"
    shell = (
        "mount -t tmpfs -o size=64m tmpfs /dev/shm || exit 3; "
        f"{shlex.quote(PYTHON)} -m voiceguide plan {shlex.quote(str(routine))} "
        ">/dev/null 2>&1 & echo $!; wait $!; "
        f"while [ ! -e {shlex.quote(str(release))} ]; do sleep 0.05; done; "
        "ls -A /dev/shm"
    )
    holder = subprocess.Popen(
        ["unshare", "-rm", "sh", "-c", shell],
        stdout=subprocess.PIPE, text=True, env=clean_env(cache),
    )  # fmt: skip
    voiceguide = None
    try:
        assert holder.stdout is not None
        voiceguide = int(holder.stdout.readline())
        # signalled by progress seen, not after a time: KEPT clips cached (wherever clips are
        # while they are made, they count too) and the worker still there, making more
        workers: list[int] = []

        def under_way() -> bool:
            if clips_made(voiceguide, cache) < before + KEPT:
                return False
            workers[:] = processes_with_arg(WORKER, parent=voiceguide)
            assert workers, f"{sig.name}: the worker finished before {KEPT} clips were cached"
            return True

        wait_until(under_way, f"{sig.name}: synthesis never started")
        (worker,) = workers
        forks = children(worker)
        os.kill(voiceguide, sig)
        wait_until(
            lambda: not any(alive(pid) for pid in [worker, *forks]),
            f"{sig.name}: the worker or a fork outlived voiceguide",
            timeout=30,
        )
        release.touch()
        left_in_shm, _ = holder.communicate(timeout=60)
    finally:
        # a failed check must not leave the run behind it (nor a pipe for a later test to find)
        release.touch()
        if voiceguide is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(voiceguide, signal.SIGKILL)
        if holder.poll() is None:
            holder.kill()
        holder.communicate(timeout=60)
    assert left_in_shm == "", sig.name
    kept = whole_entries(cache)
    # interrupted in the middle, and what was done is kept
    assert before + KEPT <= kept < MOVES, (sig.name, before, kept)


def test_a_signal_during_cold_synthesis_leaves_nothing_behind(
    routine: Path, reference_plan: str, tmp_path: Path
) -> None:
    """SIGTERM, SIGHUP and SIGKILL, each in the middle of a run that makes the clips the runs
    before it did not (one cache, so the whole routine is made once over the four runs): each
    leaves nothing in /dev/shm (a private one, so only that run can fill it), no worker, only
    whole entries, and the next run finishes the job.

    That last run has a /dev/shm of 4 MB, as small as a container's can be (64 MB is usual):
    it holds a seventh of these clips, and none go there, so it changes nothing. (One run for
    both claims: each needs most of the routine made, which is most of the test's time.)"""
    needs_private_mounts()
    cache = tmp_path / "cache"
    for sig in SIGNALS:
        interrupted_run(routine, cache, sig, tmp_path)
    assert whole_entries(cache) < MOVES / 2  # the last run makes most of the clips
    shell = (
        "mount -t tmpfs -o size=4m tmpfs /dev/shm || exit 3; "
        f"{shlex.quote(PYTHON)} -m voiceguide plan {shlex.quote(str(routine))} --json; "
        "echo status $? >&2; ls -A /dev/shm >&2"
    )
    again = subprocess.run(
        ["unshare", "-rm", "sh", "-c", shell],
        capture_output=True, text=True, timeout=600, env=clean_env(cache),
    )  # fmt: skip
    assert again.stderr == "status 0\n"  # no warning, no error, and nothing in /dev/shm
    assert again.stdout == reference_plan
    assert whole_entries(cache) >= MOVES


NO_MEMFD = """\
import os

# as on a kernel or in a sandbox without memfd_create: clips go to unlinked files in TMPDIR
del os.memfd_create
"""


def test_no_room_for_the_clips_is_one_true_line(routine: Path, tmp_path: Path) -> None:
    """Without memfd, clips go to unnamed files in TMPDIR; a full TMPDIR says so, in one line."""
    needs_private_mounts()
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_MEMFD)
    small = tmp_path / "small"
    small.mkdir()
    cache = tmp_path / "cache"
    shell = (
        f"mount -t tmpfs -o size=256k tmpfs {shlex.quote(str(small))} || exit 3; "
        f"{shlex.quote(PYTHON)} -m voiceguide plan {shlex.quote(str(routine))}; "
        f"echo status $? >&2; ls -A {shlex.quote(str(small))} >&2"
    )
    env = clean_env(cache, PYTHONPATH=str(site), TMPDIR=str(small))
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", shell],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    message, status = done.stderr.splitlines()  # and nothing left in the small folder
    assert status == "status 1"
    assert message.startswith('cannot synthesize "')
    assert message.endswith(
        f": no space left for the speech clips in {small}; free some space there, "
        "or set TMPDIR to a folder with room"
    )
    assert whole_entries(cache) < MOVES  # whatever was finished is kept, whole


LONG = " ".join(f"Lift the top knee number {n} and keep the feet together." for n in range(100))


@pytest.fixture
def crash_the_clip(request: pytest.FixtureRequest) -> Iterator[list[int]]:
    """In the background: the fork making clip `index` is found and sent SIGSEGV."""
    index: int = request.param
    crashed: list[int] = []
    stop = threading.Event()

    def crash() -> None:
        marker = f"voiceguide-clip-{index} "
        while not stop.is_set():
            for worker in processes_with_arg(WORKER, parent=os.getpid()):
                for fork in children(worker):
                    if any(marker in target for target in open_files(fork)):
                        os.kill(fork, signal.SIGSEGV)
                        crashed.append(fork)
                        return
            time.sleep(0.005)

    thread = threading.Thread(target=crash, daemon=True)
    thread.start()
    yield crashed
    stop.set()
    thread.join(timeout=5)


@pytest.mark.parametrize("crash_the_clip", [5], indirect=True)
def test_a_crashing_engine_is_one_short_line_and_the_clips_before_are_kept(
    crash_the_clip: list[int], tmp_path: Path
) -> None:
    """espeak-ng segfaults on some texts (24 long equipment items did): here a real SIGSEGV
    kills the fork making the sixth clip, a 5,589-character text."""
    texts = ["Rest.", "Halfway.", "Switch sides.", "Set 2 of 3.", "Left side.", LONG]
    cache = ClipCache(tmp_path / "cache" / "speech")
    bank = SpeechBank(Pyttsx3Engine(), None, 170, 22050, cache)
    with pytest.raises(VoiceError) as caught:
        bank.prepare(texts)
    assert crash_the_clip, "the fork of the long text was never found"
    message = str(caught.value)
    assert message == (
        'cannot synthesize "Lift the top knee number 0 and keep the feet together. Li..." '
        f"({len(LONG):,} characters): espeak-ng crashed (Segmentation fault); "
        "shorten or reword that text"
    )
    assert whole_entries(tmp_path / "cache") == 5  # the five made before it are kept
    assert processes_with_arg(WORKER, parent=os.getpid()) == []
    unusable = Pyttsx3Engine(command=["false"])  # would fail: every clip comes from the cache
    again = SpeechBank(unusable, None, 170, 22050, cache)
    assert all(again.frames(text) > 0 for text in texts[:5])


def test_clips_waiting_behind_a_slow_one_are_bounded() -> None:
    """Clips are sent in text order; behind a slow first clip at most 4 x parallel others are
    made and held (as memfds in the worker), not the whole batch."""
    texts = [LONG] + [f"Set {n} of 60." for n in range(1, 61)]
    most = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal most
        while not done.is_set():
            for worker in processes_with_arg(WORKER, parent=os.getpid()):
                held = sum("voiceguide-clip-" in target for target in open_files(worker))
                most = max(most, held)
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        clips = list(Pyttsx3Engine(parallel=2).synthesize(texts, None, 170))
    finally:
        done.set()
        watcher.join(timeout=5)
    assert len(clips) == len(texts)
    assert 2 <= most <= 8
