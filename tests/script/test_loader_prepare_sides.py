"""The move keys `prepare`, `wait`, `left` and `right`: defaults, values and the one line a
mistake gets; and the command line's exit status 2 for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import voiceguide
from voiceguide.errors import ScriptError
from voiceguide.script.model import Routine
from voiceguide.script.reader import WAIT_PREPARE, parse_routine

PLANK = 'title = "T"\n[[move]]\nname = "Plank"\nhold = 30\n'


def parse(text: str) -> Routine:
    return parse_routine(text, Path("/nowhere/r.toml"), display_name="r.toml")


def error_of(text: str) -> str:
    with pytest.raises(ScriptError) as caught:
        parse(text)
    return str(caught.value)


def test_defaults_say_nothing_new() -> None:
    (plank,) = parse(PLANK).moves
    assert (plank.prepare, plank.wait, plank.left, plank.right) == (0.0, False, None, None)


def test_values_are_read() -> None:
    text = PLANK + (
        'prepare = "45s"\nwait = true\nsides = "each"\n'
        'left = "Right side down, left leg on top."\n'
        'right = "Left side down,\\tright leg on top."\n'
    )
    (plank,) = parse(text).moves
    assert plank.prepare == 45.0 and plank.wait
    assert plank.left == "Right side down, left leg on top."
    assert plank.right == "Left side down, right leg on top."  # folded like any spoken text


def test_a_wait_without_prepare_gets_the_default_prepare_for_exports() -> None:
    (plank,) = parse(PLANK + "wait = true\n").moves
    assert plank.prepare == WAIT_PREPARE == 30.0
    (plank,) = parse(PLANK + "wait = true\nprepare = 0\n").moves
    assert plank.prepare == 0.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('prepare = "30"\n', 'r.toml:5: move 1 "Plank": "prepare": duration \'30\' has no unit; '
         'write 30 or "30s"'),
        ("prepare = -5\n", 'r.toml:5: move 1 "Plank": "prepare": a duration cannot be negative'),
        ('prepare = "5h"\n', 'r.toml:5: move 1 "Plank": "prepare" is longer than 4 hours, the '
         "longest session"),
        ('wait = "yes"\n', 'r.toml:5: move 1 "Plank": "wait" must be true or false, not "yes"'),
        ('left = "Left leg."\n', 'r.toml:5: move 1 "Plank": "left" is said only when the move '
         'works its left side: it needs sides = "each" or sides = "left"'),
        ('sides = "left"\nright = "Right leg."\n', 'r.toml:6: move 1 "Plank": "right" is said '
         'only when the move works its right side: it needs sides = "each" or sides = "right"'),
        ('sides = "each"\nleft = ""\n', 'r.toml:6: move 1 "Plank": "left" is empty; write the '
         "words to speak"),
        ('sides = "each"\nright = 3\n', 'r.toml:6: move 1 "Plank": "right" must be text in '
         "quotes, not 3"),
        ('prepar = "30s"\n', 'r.toml:5: move 1 "Plank": unknown key "prepar"; did you mean '
         '"prepare"?'),
    ],
)
def test_mistakes_get_one_line_with_file_line_move_and_fix(body: str, message: str) -> None:
    assert error_of(PLANK + body) == message


def test_the_command_refuses_with_status_2_and_one_line(tmp_path: Path) -> None:
    (tmp_path / "r.toml").write_text(PLANK + 'left = "Left leg."\n')
    result = voiceguide("check", "r.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith('r.toml:5: move 1 "Plank": "left" is said only when')


@pytest.mark.slow
def test_tempo_1_2_1_counts_every_rep_with_the_real_engine(tmp_path: Path) -> None:
    (tmp_path / "r.toml").write_text(
        'title = "T"\n[[move]]\nname = "Squat"\nsets = 2\nreps = 6\ntempo = "1-2-1"\n'
    )
    result = voiceguide("plan", "r.toml", "--json", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    document = json.loads(result.stdout)
    assert document["warnings"] == []
    counts = [event["text"] for event in document["events"] if event["cue"] == "count"]
    assert counts == [str(n) for n in range(1, 7)] * 2
