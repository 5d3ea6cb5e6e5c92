"""Broken and hostile scripts through the CLI, as a user runs them: status 2, one line, no file.

The small cases live in tests/script/corpus/ with their messages in
tests/script/corpus/expected.txt; the big ones (megabytes, 10,000 moves) are generated here so
the repository stays small.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import voiceguide

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "corpus"


def expected_messages() -> dict[str, str]:
    messages = {}
    for line in (CORPUS / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            messages[line.split(":", 1)[0]] = line
    return messages


def assert_refused(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    if expected.endswith("*"):
        assert line.startswith(expected[:-1]), line
    else:
        assert line == expected


def test_every_corpus_file_has_exactly_one_pinned_message() -> None:
    files = sorted(path.name for path in CORPUS.glob("*.toml"))
    assert len(files) >= 40
    assert sorted(expected_messages()) == files


@pytest.mark.parametrize("name", sorted(expected_messages()))
def test_check_refuses_the_corpus_file_in_one_line(name: str) -> None:
    assert_refused(voiceguide("check", name, cwd=CORPUS), expected_messages()[name])


@pytest.mark.parametrize(
    "name", ["hold-nan.toml", "binary-junk.toml", "deep-nesting-arrays.toml", "sound-missing.toml"]
)
def test_plan_and_export_refuse_the_same_way_and_write_nothing(name: str, tmp_path: Path) -> None:
    script = tmp_path / name
    script.write_bytes((CORPUS / name).read_bytes())
    expected = expected_messages()[name]
    assert_refused(voiceguide("plan", name, cwd=tmp_path), expected)
    assert_refused(voiceguide("export", name, "-o", "out.wav", cwd=tmp_path), expected)
    assert sorted(os.listdir(tmp_path)) == [name]


MOVE = '[[move]]\nname = "Clamshell"\nhold = "30s"\n'


def generated_cases() -> dict[str, tuple[bytes, str]]:
    """name -> (contents, expected line); each is too big or too long to keep in the repository."""
    filler = ("# " + "x" * 1021 + "\n").encode()  # 1 KiB comment lines
    return {
        "two-megabytes.toml": (
            b'title = "Hips"\n' + MOVE.encode() + filler * 2048,
            "two-megabytes.toml: the file is over 1 MiB; a routine script is at most "
            "1,048,576 bytes",
        ),
        "one-byte-over.toml": (
            (b'title = "Hips"\n' + MOVE.encode()).ljust(1024 * 1024 + 1, b" "),
            "one-byte-over.toml: the file is over 1 MiB; a routine script is at most "
            "1,048,576 bytes",
        ),
        "ten-thousand-moves.toml": (
            ('title = "Hips"\n' + MOVE * 10_000).encode(),
            "ten-thousand-moves.toml:3002: too many moves (10,000); a routine has at most 1,000",
        ),
        "long-setup.toml": (
            ('title = "Hips"\n' + MOVE + 'setup = "' + "Lie down. " * 10_000 + '"\n').encode(),
            'long-setup.toml:5: move 1 "Clamshell": "setup" is longer than 1,000 characters '
            "(99,999); shorten it",
        ),
        "long-voice.toml": (
            ('title = "Hips"\n[settings]\nvoice = "' + "en" * 101 + '"\n' + MOVE).encode(),
            'long-voice.toml:3: "settings.voice" is longer than 200 characters; shorten it',
        ),
        "many-reps.toml": (
            b'title = "Hips"\n[[move]]\nname = "Squat"\nreps = 1e9\ntempo = 3\n',
            'many-reps.toml:4: move 1 "Squat": "reps" must be a whole number from 1 to 500, '
            "not 1000000000.0",
        ),
    }


@pytest.mark.parametrize("name", sorted(generated_cases()))
def test_check_refuses_big_generated_scripts(name: str, tmp_path: Path) -> None:
    contents, expected = generated_cases()[name]
    (tmp_path / name).write_bytes(contents)
    assert_refused(voiceguide("check", name, cwd=tmp_path), expected)


def test_a_thousand_moves_is_the_limit_and_passes_the_loader(tmp_path: Path) -> None:
    # 1,000 moves of 30 s with their rests are over 4 hours: refused before any speech is made
    script = tmp_path / "thousand.toml"
    script.write_text('title = "Hips"\n' + MOVE * 1000)
    result = voiceguide("check", script.name, cwd=tmp_path)
    assert_refused(
        result,
        "thousand.toml: the session would last at least 13 h 53 min 8 s; the limit is 4 hours: "
        "8 h 20 min 0 s of it is work: use fewer rounds, sets or moves, or shorter work phases",
    )


@pytest.mark.parametrize("name", sorted(path.name for path in (CORPUS / "accepted").glob("*.toml")))
def test_every_accepted_script_passes(name: str) -> None:
    result = voiceguide("check", name, cwd=CORPUS / "accepted")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{name}: ok: 1 move, ")


def test_a_session_of_about_a_minute_says_one_minute() -> None:
    result = voiceguide("plan", "one-minute.toml", "--json", cwd=CORPUS / "accepted")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    said = [event["text"] for event in plan["events"] if event["kind"] == "speech"]
    assert "About 1 minute." in said
    assert round(plan["duration"] / 60) == 1


def test_a_long_gap_without_countdowns_is_accepted() -> None:
    result = voiceguide("plan", "gap-without-countdowns.toml", "--json", cwd=CORPUS / "accepted")
    assert result.returncode == 0, result.stderr
    assert "tick" not in [event["cue"] for event in json.loads(result.stdout)["events"]]


def test_markup_in_spoken_text_is_accepted_as_plain_words() -> None:
    result = voiceguide("check", "markup-in-spoken-text.toml", cwd=CORPUS / "accepted")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("markup-in-spoken-text.toml: ok: 1 move, ")


def test_a_symlink_out_of_the_script_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    real = Path(__file__).resolve().parents[2] / "audio_cues" / "go.wav"
    (outside / "go.wav").write_bytes(real.read_bytes())
    folder = tmp_path / "routine"
    folder.mkdir()
    (folder / "go.wav").symlink_to(outside / "go.wav")
    (folder / "r.toml").write_text(
        'title = "Hips"\n[settings]\nsounds = { go = "go.wav" }\n' + MOVE
    )
    result = voiceguide("check", "r.toml", cwd=folder)
    assert_refused(
        result,
        'r.toml:3: "settings.sounds.go": "go.wav" lies outside the script\'s folder; put it there',
    )
    # the same file copied inside the folder is accepted
    (folder / "go.wav").unlink()
    (folder / "go.wav").write_bytes(real.read_bytes())
    assert voiceguide("check", "r.toml", cwd=folder).returncode == 0


def test_a_cue_that_cannot_fit_before_the_end_beep_is_dropped_not_moved_past_it() -> None:
    result = voiceguide("plan", "late-cue-with-gap-0.toml", "--json", cwd=CORPUS / "accepted")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [event["cue"] for event in plan["events"]].count("cue") == 0
    assert any('"Breathe." at 1.0 s into the work phase is dropped' in w for w in plan["warnings"])
    events = plan["events"]
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(events))
