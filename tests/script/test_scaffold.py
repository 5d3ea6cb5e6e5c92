"""`voiceguide new`: the starting script loads, its commented settings are the real defaults,
and an existing file is never overwritten."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import voiceguide
from voiceguide.errors import DestinationError, ExportError
from voiceguide.script.model import Settings
from voiceguide.script.reader import parse_routine
from voiceguide.script.template import (
    new_routine_path,
    routine_template,
    title_from_path,
    write_new_routine,
)

_COMMENTED_SETTING = re.compile(r"^# (\w+) = (.*?)\s*(#.*)?$")


def test_the_template_is_a_valid_routine_with_every_kind_of_move() -> None:
    routine = parse_routine(routine_template("Knee routine", "knee.toml"), Path("knee.toml"))
    assert routine.title == "Knee routine"
    assert [move.kind for move in routine.moves] == ["reps", "hold", "work"]
    assert routine.moves[1].sides == "each" and routine.moves[1].cues
    assert routine.settings == Settings()


def _uncommented_settings(text: str) -> tuple[str, list[str]]:
    """The template with every "# key = value" line of [settings] made live."""
    lines = text.splitlines()
    start = lines.index("[settings]")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("[["))
    keys = []
    for index in range(start + 1, end):
        found = _COMMENTED_SETTING.match(lines[index])
        if found:
            keys.append(found.group(1))
            lines[index] = lines[index][2:]
    return "\n".join(lines) + "\n", keys


def test_the_commented_settings_are_the_defaults_they_claim_to_be() -> None:
    text, keys = _uncommented_settings(routine_template("Knee routine", "knee.toml"))
    assert len(keys) >= 12 and "lead_in" in keys and "voice" in keys
    routine = parse_routine(text, Path("knee.toml"))
    # voice is an example, not a default: every other value is the built-in one
    assert dataclasses.replace(routine.settings, voice=None) == Settings()
    assert routine.settings.voice == "en-gb"


def test_the_commented_move_keys_load_as_they_say() -> None:
    text = routine_template("Knee routine", "knee.toml")
    for key in ("equipment", "prepare", "wait"):
        text = re.sub(rf"^# ({key} = )", r"\1", text, count=1, flags=re.MULTILINE)
    plank = parse_routine(text, Path("knee.toml")).moves[1]
    assert plank.equipment == ("a resistance band",)
    assert (plank.prepare, plank.wait) == (30.0, True)
    assert (plank.left, plank.right) == ("Left elbow down.", "Right elbow down.")


def test_names_become_paths_and_titles() -> None:
    assert new_routine_path("knee") == Path("knee.toml")
    assert new_routine_path("plans/Knee.TOML") == Path("plans/Knee.TOML")
    assert title_from_path(Path("plans/my-knee_routine.toml")) == "My knee routine"
    assert title_from_path(Path("---.toml")) == "My routine"


def test_a_title_with_quotes_and_backslashes_stays_valid_toml() -> None:
    title = 'Coach "Sam" \\ knees'
    routine = parse_routine(routine_template(title, "x.toml"), Path("x.toml"))
    assert routine.title == title


def test_write_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert write_new_routine("knee") == Path("knee.toml")
    first = (tmp_path / "knee.toml").read_text()
    (tmp_path / "knee.toml").write_text("mine")
    with pytest.raises(DestinationError) as refused:
        write_new_routine("knee.toml")
    assert str(refused.value) == (
        "knee.toml already exists; choose another name, or remove it first"
    )
    assert not isinstance(refused.value, ExportError)  # `new` exports nothing
    assert refused.value.exit_status == 2
    assert (tmp_path / "knee.toml").read_text() == "mine"
    assert "Knee" in first
    assert sorted(path.name for path in tmp_path.iterdir()) == ["knee.toml"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return voiceguide(*args, cwd=cwd)


@pytest.mark.slow
def test_new_then_check_as_a_user_does(tmp_path: Path) -> None:
    made = run("new", "knee-routine", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout == ""
    assert made.stderr == (
        "wrote knee-routine.toml: edit it, then try voiceguide plan knee-routine.toml\n"
    )
    checked = run("check", "knee-routine.toml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr == ""  # no warnings: the template's rests fit their words
    assert checked.stdout.startswith("knee-routine.toml: ok: 3 moves, ")
    before = (tmp_path / "knee-routine.toml").read_bytes()
    again = run("new", "knee-routine", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr == (
        "knee-routine.toml already exists; choose another name, or remove it first\n"
    )
    assert (tmp_path / "knee-routine.toml").read_bytes() == before
    missing = run("new", "no/such/folder/knee", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == (
        "cannot write no/such/folder/knee.toml: the folder no/such/folder does not exist\n"
    )
