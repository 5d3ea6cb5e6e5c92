"""Small things a user meets: a routine named as `new` wrote it, a near miss of a name, and the
session's length rounded the same way in `list`, `check`, `plan`, the sheet and the voice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import voiceguide
from tests.support.cli import voiceguide as run
from voiceguide.units import about_length, about_minutes, length_clock, plural, whole_seconds


def test_new_then_check_by_the_same_name(tmp_path: Path) -> None:
    assert run("new", "knee", cwd=tmp_path).returncode == 0
    checked = run("check", "knee", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert re.fullmatch(r"knee: ok: 3 moves, about \d+ minutes \(\d+:\d\d\)\n", checked.stdout)
    # the file is named as the user will find it, in messages too
    (tmp_path / "knee.toml").write_text(
        (tmp_path / "knee.toml").read_text().replace("[[move]]", "[[move]]\nhlod = 3", 1)
    )
    bad = run("check", "knee", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("knee.toml:")


def test_a_file_of_that_name_wins_over_a_bundled_routine(tmp_path: Path) -> None:
    (tmp_path / "tabata.toml").write_text('title = "Mine"\n[[move]]\nname = "Plank"\nhold = 20\n')
    assert run("check", "tabata", cwd=tmp_path).stdout.startswith("tabata: ok: 1 move, ")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("hip-mobilty", "hip-mobility"), ("Tabata", "tabata"), ("seven-minutes", "seven-minute"),
     ("knee-routin", "knee-routine.toml"), ("knee-routin.toml", "knee-routine.toml")],
)
def test_a_near_miss_gets_a_did_you_mean(tmp_path: Path, typed: str, meant: str) -> None:
    (tmp_path / "knee-routine.toml").write_text("")
    result = run("plan", typed, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f'{typed}: no such file, and no bundled routine of that name; did you mean "{meant}"?\n'
    )


def test_a_near_miss_in_another_folder_names_the_file_there(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "knee.toml").write_text("")
    result = run("check", "plans/kne.toml", cwd=tmp_path)
    assert result.stderr.endswith('did you mean "plans/knee.toml"?\n')


# -- one rounding of the length -----------------------------------------------------------------


def test_the_rounding_is_half_up_to_the_second_then_to_the_minute() -> None:
    assert whole_seconds(90.5) == 91 and whole_seconds(91.5) == 92  # not half to even
    assert length_clock(689.5) == "11:30" and about_minutes(689.5) == 12
    assert length_clock(689.4) == "11:29" and about_minutes(689.4) == 11
    assert length_clock(3725.0) == "1:02:05"
    assert about_minutes(10.0) == 1 and about_length(10.0) == "about 1 minute (0:10)"
    assert about_length(699.55) == "about 12 minutes (11:40)"
    assert plural(1, "rep") == "1 rep" and plural(2, "rep") == "2 reps"
    assert plural(2, "Wiederholung", "Wiederholungen") == "2 Wiederholungen"


@pytest.mark.slow
def test_list_check_plan_sheet_and_voice_say_the_same_length(
    tmp_path: Path, bundled_routines_spoken: None
) -> None:
    listed = run("list")
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    for name in ("hip-mobility", "tabata"):
        session = voiceguide.load(name)
        length = about_length(session.seconds)
        assert lines[name].endswith(f" moves, {length})") or lines[name].endswith(
            f" move, {length})"
        )
        assert run("check", name).stdout.endswith(f", {length}\n")
        assert run("plan", name).stdout.splitlines()[0].startswith(f"{session.title}: {length},")
        said = [event["text"] for event in session.plan()["events"] if event["kind"] == "speech"]
        minutes = about_minutes(session.seconds)
        assert f"About {minutes} minutes." in said
        assert run("plan", name, "--html", "sheet.html", cwd=tmp_path).returncode == 0
        assert length in (tmp_path / "sheet.html").read_text()


# -- one and many -------------------------------------------------------------------------------

ONE_OF_EACH = """title = "Once"
[[move]]
name = "Squat"
reps = 1
tempo = 3
"""


def test_one_of_a_thing_is_singular_in_the_output(tmp_path: Path) -> None:
    from voiceguide.live import summary
    from voiceguide.live.player import PlayResult
    from voiceguide.live.status import phase_label

    (tmp_path / "once.toml").write_text(ONE_OF_EACH)
    assert run("check", "once", cwd=tmp_path).stdout.startswith("once: ok: 1 move, ")
    table = run("plan", "once", cwd=tmp_path).stdout
    assert "(1 rep, 3 s)" in table
    session = voiceguide.load(tmp_path / "once.toml")
    assert session.timeline.summary.startswith("1 move: Squat.")
    said = [event["text"] for event in session.plan()["events"] if event["kind"] == "speech"]
    assert "One set of 1 rep." in said and "About 1 minute." in said
    work = next(phase for phase in session.timeline.phases if phase.kind == "work")
    assert phase_label(work) == "1 rep"
    stopped = PlayResult(finished=False, position=0, completed_work=0, total_work=1,
                         move_number=1, heard_frames=0)
    assert "0 of 1 work phase done" in summary(stopped, session.timeline, "once")
    assert re.search(r"\b1 [a-z]+s\b", table + session.timeline.summary) is None
