"""Bounds on the work a script asks for: bombs are refused at once, big legal scripts pass.

Every bomb goes through the real CLI, as a user meets it. The command's own peak memory and
CPU time come from the kernel (os.wait4), so each test shows what refusing the bomb costs:
before the bounds, the first one here took 3.8 GB and minutes, and ended in a MemoryError.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cli import voiceguide
from voiceguide.bounds import least_session_seconds
from voiceguide.resources import bundled_scripts
from voiceguide.script.reader import load_routine

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "corpus"
ACCEPTED = CORPUS / "accepted"
MB = 1024 * 1024
# what refusing a bomb may cost at most; measured: 17-36 MB and 0.1-0.4 s of CPU (see
# docs/RELIABILITY.md). The CPU limit is loose so that a busy machine does not fail the test.
PEAK_LIMIT = 200 * MB
CPU_LIMIT = 5.0


@dataclass(frozen=True)
class Run:
    status: int
    stdout: str
    stderr: str
    peak_bytes: int
    cpu_seconds: float


# Runs the command and writes its peak memory and CPU time to the file named first. The kernel
# counts the memory of the process a child forked from into the child's peak, so the command is
# started from this small process, not from pytest (hundreds of MB after a full run).
_MEASURE = """
import os, subprocess, sys, threading
child = subprocess.Popen(sys.argv[2:])
# a bound that no longer holds runs for minutes and takes gigabytes: stop it in time
watchdog = threading.Timer(120, child.kill)
watchdog.start()
_, status, usage = os.wait4(child.pid, 0)
watchdog.cancel()
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as report:
    report.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(child.returncode)
"""


def measured(*args: str, cwd: Path) -> Run:
    """`python -m voiceguide ARGS`, with the peak memory and CPU time of that process."""
    with tempfile.NamedTemporaryFile("r") as report:
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, report.name, sys.executable, "-m", "voiceguide",
             *args],
            cwd=cwd, capture_output=True, text=True, timeout=300,
        )
        peak_kilobytes, cpu_seconds = report.read().split()
    return Run(
        result.returncode, result.stdout, result.stderr, int(peak_kilobytes) * 1024,
        float(cpu_seconds),
    )


def sentence(number: int, length: int) -> str:
    """A setup text of about `length` characters, different for every `number`."""
    words = f"Move {number}: lie on your side, knees bent, lift the top knee and breathe. "
    return (words * (length // len(words) + 1))[:length].strip() + "."


def generated_bombs() -> dict[str, tuple[str, str]]:
    """name -> (script, pattern of the one line it must be refused with)."""
    talk = "".join(
        f'[[move]]\nname = "Move {i}"\nsetup = "{sentence(i, 990)}"\nhold = 1\nrest_after = 0\n'
        for i in range(1, 251)
    )
    fast = '[settings]\ncountdown = 0\nget_ready = "0.5s"\nrest_between_rounds = 0\n'
    many_phrases = "".join(
        f'[[move]]\nname = "Move {i}"\nhold = 1\nrest_after = 0\ncues = ['
        + ", ".join(f'{{ at = "{n}%", say = "Cue {n} of {i}." }}' for n in range(1, 12))
        + "]\n"
        for i in range(1, 1001)
    )
    items = ", ".join(f'"{sentence(i, 900)}"' for i in range(24))
    return {
        # 252 KB of different words to synthesize
        "talk.toml": (
            'title = "Talk"\n' + fast + talk,
            r"talk\.toml: the session would say 2\d\d,\d\d\d characters of different text; the "
            r"limit is 100,000 \(about 2 hours of speech\): shorten the setup texts, or use fewer "
            r"moves or cues",
        ),
        # 50 long setups said in each of 20 rounds: few words to make, far too many to say
        "talk-in-rounds.toml": (
            'title = "Talk"\nrounds = 20\n' + fast + talk.split("[[move]]\nname = \"Move 51\"")[0],
            r"talk-in-rounds\.toml: the session would last at least \d+ h \d+ min \d+ s; the limit "
            r"is 4 hours: at least \d+ h \d+ min \d+ s of it is spoken: shorten the setup texts, "
            r"or use fewer rounds, sets or moves",
        ),
        # every duration within its limit: 20 rounds of 10 moves that each take 4 h to set up
        "prepare.toml": (
            'title = "Setup"\nrounds = 20\n'
            + "".join(
                f'[[move]]\nname = "Move {i}"\nprepare = "4h"\nhold = 1\n' for i in range(10)
            ),
            r"prepare\.toml: the session would last at least 8\d\d h \d+ min \d+ s; the limit is "
            r"4 hours: 8\d\d h \d+ min \d+ s of it is rest, prepare or get_ready: use shorter "
            r"rests or prepare times, or fewer rounds, sets or moves",
        ),
        "phrases.toml": (
            'title = "Cues"\n' + fast + many_phrases,
            r"phrases\.toml: the session would say 1\d,\d\d\d different phrases; the limit is "
            r"10,000: use fewer moves, sets or cues",
        ),
        # 24 items of 900 characters made espeak-ng crash; 16 were one 12-minute sentence
        "equipment.toml": (
            f'title = "Kit"\nequipment = [{items}]\n[[move]]\nname = "Plank"\nhold = 30\n',
            r'equipment\.toml:2: "equipment" is said as one list of 21,\d\d\d characters, over '
            r"1,000: use fewer or shorter items",
        ),
        "long-key.toml": (
            'title = "Key"\n' + "k" * 1_000_000 + ' = 1\n[[move]]\nname = "Plank"\nhold = 30\n',
            r'long-key\.toml:2: unknown key "k{57}\.\.\."; known keys: format, title, intro, '
            r"equipment, outro, rounds, settings, phrases, move, language, how_often, weeks, "
            r"notes, prescribed_by, author",
        ),
        # 400,000 folders: resolving them took half a minute
        "long-sound-path.toml": (
            'title = "Path"\n[settings]\nsounds = { go = "' + "a/" * 400_000 + 'go.wav" }\n'
            '[[move]]\nname = "Plank"\nhold = 30\n',
            r'long-sound-path\.toml:3: "settings\.sounds\.go": "(a/){28}a\.\.\." is longer than '
            r"4,096 characters; put the sound next to the script",
        ),
    }


CORPUS_BOMBS = [
    "bomb-rounds-sets-reps.toml",
    "bomb-too-many-sounds.toml",
    "bomb-too-many-work-phases.toml",
]


def expected_line(name: str) -> str:
    for line in (CORPUS / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith(name + ":"):
            return re.escape(line)
    raise AssertionError(f"{name} has no line in expected.txt")


def assert_refused_cheaply(run: Run, pattern: str) -> None:
    assert run.status == 2, run.stderr[:500]
    assert run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert re.fullmatch(pattern, line), line
    assert run.peak_bytes < PEAK_LIMIT, f"{run.peak_bytes / MB:.0f} MB"
    assert run.cpu_seconds < CPU_LIMIT, f"{run.cpu_seconds:.2f} s of CPU"


@pytest.mark.parametrize("command", ["check", "plan"])
@pytest.mark.parametrize("name", CORPUS_BOMBS)
def test_bombs_of_the_corpus_are_refused_at_once(name: str, command: str) -> None:
    assert_refused_cheaply(measured(command, name, cwd=CORPUS), expected_line(name))


@pytest.mark.parametrize("command", ["check", "plan"])
@pytest.mark.parametrize("name", sorted(generated_bombs()))
def test_big_bombs_are_refused_at_once(name: str, command: str, tmp_path: Path) -> None:
    script, pattern = generated_bombs()[name]
    (tmp_path / name).write_text(script, encoding="utf-8")
    assert_refused_cheaply(measured(command, name, cwd=tmp_path), pattern)
    assert sorted(os.listdir(tmp_path)) == [name]


def test_an_export_of_a_bomb_writes_nothing(tmp_path: Path) -> None:
    name = "bomb-rounds-sets-reps.toml"
    (tmp_path / name).write_bytes((CORPUS / name).read_bytes())
    run = measured("export", name, "-o", "bomb.m4a", cwd=tmp_path)
    assert_refused_cheaply(run, expected_line(name))
    assert sorted(os.listdir(tmp_path)) == [name]


def plan_json(script: str, cwd: Path) -> dict[str, object]:
    """The real session's plan, from the real speech engine, in this process."""
    result = voiceguide("plan", script, "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


BUNDLED = bundled_scripts()
LEGAL = [(name, path) for name, path in BUNDLED.items()] + [
    (path.name, path) for path in sorted(ACCEPTED.glob("*.toml"))
]


@pytest.mark.parametrize(("name", "path"), LEGAL, ids=[name for name, _ in LEGAL])
def test_the_bounds_count_less_than_the_real_session(
    name: str, path: Path, request: pytest.FixtureRequest
) -> None:
    # the loader counts speech at the fastest rate, the sequencer at the script's: both must
    # stay below what the real engine makes of it, or a legal script would be refused
    if name in BUNDLED:  # their speech is in the run's cache, spoken once for all tests
        request.getfixturevalue("bundled_routines_spoken")
    routine = load_routine(path)
    duration = plan_json(str(path), path.parent)["duration"]
    assert isinstance(duration, float)
    assert least_session_seconds(routine) <= duration
    assert least_session_seconds(routine, 400) <= least_session_seconds(routine)


def test_a_session_over_by_seconds_once_spoken_says_by_how_much(tmp_path: Path) -> None:
    # the bounds pass it (their count errs short), the measured session is refused with a true
    # length, not "4 h 0 min"
    script = (ACCEPTED / "just-under-four-hours.toml").read_text(encoding="utf-8")
    (tmp_path / "over.toml").write_text(script.replace("3h59m15s", "3h59m40s"), encoding="utf-8")
    routine = load_routine(tmp_path / "over.toml")
    assert least_session_seconds(routine) < 4 * 3600
    run = measured("check", "over.toml", cwd=tmp_path)
    assert run.status == 2
    (line,) = run.stderr.splitlines()
    assert re.fullmatch(
        r"over\.toml: the session lasts 4 h 0 min ([1-9]|[1-5]\d) s; the limit is 4 hours: use "
        r"fewer rounds, sets or moves, or shorter rests",
        line,
    ), line
