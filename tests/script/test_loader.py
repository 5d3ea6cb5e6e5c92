"""The routine loader: every rule of the format pins the exact line a user sees."""

from __future__ import annotations

import math
import struct
import subprocess
import wave
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.sound_scripts import sound_error, sounds_script
from voiceguide.errors import ScriptError
from voiceguide.script.model import Cue, Phrases, Routine, Settings
from voiceguide.script.reader import load_routine, parse_routine

HIP = """\
format = "voiceguide/1"
title = "Hip mobility for runners"
intro = "Four moves for stable hips. Take your time and breathe."
equipment = ["an exercise mat", "a resistance band", "a foam roller"]

[settings]
rate = 165                    # speech, words per minute
countdown = 3                 # short beeps before every work phase
rest_between_moves = "20s"

[[move]]
name = "Side-lying clamshell"
setup = "Lie on your side, knees bent, feet together. Lift the top knee, keep the feet touching."
sides = "each"
sets = 2
reps = 10
tempo = "2-1-2"               # 2 s up, 1 s hold, 2 s down: 5 s per rep

[[move]]
name = "Standing banded fire hydrant"
setup = "Loop the band just above your knees. Stand tall, and press the working foot back \
against the wall behind you."
switch = "Turn around. Other foot against the wall."
sides = "each"
hold = "30s"
cues = [{ at = "-10s", say = "Keep the hips level." }]

[[move]]
name = "Wall lunge with foam roller"
setup = "Put the foam roller between your front knee and the wall. Bend and lunge, driving \
the knee into the roller."
sides = "each"
sets = 2
reps = 8
tempo = 4
"""

# a title line, then one move whose body the cases append to
PLANK = 'title = "T"\n[[move]]\nname = "Plank"\n'
SCRIPT = Path("/nowhere/r.toml")


def parse(text: str | bytes, path: Path = SCRIPT) -> Routine:
    return parse_routine(text, path, display_name="r.toml")


def error_of(text: str | bytes, path: Path = SCRIPT) -> str:
    with pytest.raises(ScriptError) as caught:
        parse(text, path)
    return str(caught.value)


# --- the example of the format -------------------------------------------------------------


def test_the_example_routine_loads_with_its_values() -> None:
    routine = parse(HIP)
    assert routine.title == "Hip mobility for runners"
    assert routine.path == SCRIPT
    assert routine.intro == "Four moves for stable hips. Take your time and breathe."
    assert routine.equipment == ("an exercise mat", "a resistance band", "a foam roller")
    assert routine.outro is None
    assert routine.rounds == 1
    assert routine.settings == Settings(rate=165, countdown=3, rest_between_moves=20.0)
    assert routine.phrases == Phrases()
    clamshell, hydrant, lunge = routine.moves
    assert (clamshell.number, clamshell.line, clamshell.kind) == (1, 11, "reps")
    assert (clamshell.reps, clamshell.tempo, clamshell.sets) == (10, (2.0, 1.0, 2.0), 2)
    assert clamshell.work_seconds == 50.0
    assert (clamshell.sides, clamshell.side_order, clamshell.switch) == ("each", "alternate", None)
    assert (hydrant.number, hydrant.line, hydrant.kind, hydrant.duration) == (2, 19, "hold", 30.0)
    assert hydrant.setup == (
        "Loop the band just above your knees. Stand tall, and press the working foot back "
        "against the wall behind you."
    )
    assert hydrant.switch == "Turn around. Other foot against the wall."
    assert hydrant.cues == (Cue("-10s", "end", 10.0, "Keep the hips level."),)
    assert hydrant.cues[0].offset(hydrant.work_seconds) == 20.0
    assert (hydrant.sets, hydrant.reps, hydrant.tempo) == (1, None, None)
    assert (lunge.number, lunge.line, lunge.reps, lunge.tempo) == (3, 27, 8, (4.0,))
    assert lunge.work_seconds == 32.0


def test_load_routine_reads_a_file_and_names_it_as_given(tmp_path: Path) -> None:
    script = tmp_path / "hip.toml"
    script.write_text(HIP, encoding="utf-8")
    assert load_routine(script).moves[1].name == "Standing banded fire hydrant"
    script.write_text(HIP.replace("hold =", "hlod ="), encoding="utf-8")
    with pytest.raises(ScriptError) as caught:
        load_routine(script, display_name="hip.toml")
    assert str(caught.value) == (
        'hip.toml:24: move 2 "Standing banded fire hydrant": unknown key "hlod"; '
        'did you mean "hold"?'
    )
    with pytest.raises(ScriptError) as caught:
        load_routine(script)
    assert str(caught.value).startswith(f"{script}:24: move 2 ")


def test_a_missing_file_is_a_script_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError) as caught:
        load_routine(tmp_path / "gone.toml", display_name="gone.toml")
    assert str(caught.value) == "gone.toml: cannot read the file: No such file or directory"


# --- defaults -------------------------------------------------------------------------------


def test_defaults_are_resolved() -> None:
    routine = parse('title = "T"\n[[move]]\nname = "Plank"\nhold = 30\n')
    assert routine.settings == Settings()
    assert routine.phrases == Phrases()
    (move,) = routine.moves
    assert (move.number, move.line, move.kind, move.duration) == (1, 2, "hold", 30.0)
    assert (move.sets, move.sides, move.side_order) == (1, "none", "alternate")
    assert (move.setup, move.equipment, move.switch, move.cues) == (None, (), None, ())
    assert (move.rest_between_sets, move.rest_between_sides, move.rest_after) == (15.0, 5.0, 20.0)
    assert (routine.intro, routine.outro, routine.equipment, routine.rounds) == (None, None, (), 1)


def test_move_rests_default_to_the_settings_and_can_be_overridden() -> None:
    text = """\
title = "T"
[settings]
rest_between_sets = "40s"
rest_between_sides = "8s"
rest_between_moves = "1m"
[[move]]
name = "Plank"
hold = 30
[[move]]
name = "Bridge"
work = 20
rest_between_sets = 10
rest_between_sides = "2s"
rest_after = "1:30"
"""
    first, second = parse(text).moves
    assert (first.rest_between_sets, first.rest_between_sides, first.rest_after) == (40, 8, 60)
    assert (second.rest_between_sets, second.rest_between_sides, second.rest_after) == (10, 2, 90)
    assert (second.number, second.line, second.kind, second.duration) == (2, 9, "work", 20.0)


def test_every_setting_is_read() -> None:
    text = """\
title = "T"
outro = "Bye."
rounds = 3
[settings]
voice = " en-gb "
rate = 80
volume = 0
beep_volume = 1
countdown = 0
final_countdown = 10
halfway = false
count_reps = false
get_ready = "500ms"
lead_in = 0
gap = 0.25
rest_between_rounds = "2m"
strict = true
[phrases]
and = "und"
move_of = "Übung {n} von {total}."
need = "{items}"
[[move]]
name = "Plank"
hold = 30
"""
    routine = parse(text)
    assert routine.settings == Settings(
        voice="en-gb",
        rate=80,
        volume=0.0,
        beep_volume=1.0,
        countdown=0,
        final_countdown=10,
        halfway=False,
        count_reps=False,
        get_ready=0.5,
        lead_in=0.0,
        gap=0.25,
        rest_between_rounds=120.0,
        strict=True,
    )
    assert (routine.outro, routine.rounds) == ("Bye.", 3)
    assert routine.phrases == Phrases(and_="und", move_of="Übung {n} von {total}.", need="{items}")


def test_moves_written_as_an_inline_list_load_with_their_lines() -> None:
    text = 'title = "T"\nmove = [\n  { name = "A", hold = 5 },\n  { name = "B", work = 6 },\n]\n'
    first, second = parse(text).moves
    assert (first.name, first.line, second.name, second.line) == ("A", 3, "B", 4)


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("30", 30.0),
        ("2.5", 2.5),
        ('"30s"', 30.0),
        ('"500ms"', 0.5),
        ('"2m"', 120.0),
        ('"1m30s"', 90.0),
        ('"1:30"', 90.0),
        ('"1h"', 3600.0),
        ('"1:00:00"', 3600.0),
        ('" 45s "', 45.0),
    ],
)
def test_every_duration_form(written: str, seconds: float) -> None:
    (move,) = parse(f"{PLANK}hold = {written}\nrest_after = {written}\n").moves
    assert (move.duration, move.rest_after) == (seconds, seconds)


@pytest.mark.parametrize(
    ("written", "phases"),
    [
        ("4", (4.0,)),
        ("2.5", (2.5,)),
        ('"4s"', (4.0,)),
        ('"2-1-2"', (2.0, 1.0, 2.0)),
        ('"3-1-1-0"', (3.0, 1.0, 1.0, 0.0)),
        ('"0-20"', (0.0, 20.0)),
    ],
)
def test_every_tempo_form(written: str, phases: tuple[float, ...]) -> None:
    (move,) = parse(f"{PLANK}reps = 2\ntempo = {written}\n").moves
    assert move.tempo == phases


def test_spoken_text_folds_line_breaks_and_collapses_spaces() -> None:
    text = f'{PLANK}hold = 5\nsetup = """\n  Lie down.\n\tBreathe   out.\r\n"""\n'
    assert parse(text).moves[0].setup == "Lie down. Breathe out."


def test_a_byte_order_mark_is_accepted() -> None:
    assert parse(b"\xef\xbb\xbf" + HIP.encode()).title == "Hip mobility for runners"


@pytest.mark.parametrize(
    ("at", "anchor", "value", "offset"),
    [
        ('"0%"', "percent", 0.0, 0.0),
        ('"50%"', "percent", 50.0, 15.0),
        ('"99.5%"', "percent", 99.5, 29.85),
        ('"0s"', "start", 0.0, 0.0),
        ('"15s"', "start", 15.0, 15.0),
        ('"29.5s"', "start", 29.5, 29.5),
        ('"-30s"', "end", 30.0, 0.0),
        ('"-10s"', "end", 10.0, 20.0),
        ('"-500ms"', "end", 0.5, 29.5),
    ],
)
def test_cue_times_inside_the_phase(at: str, anchor: str, value: float, offset: float) -> None:
    (move,) = parse(f'{PLANK}hold = "30s"\ncues = [{{ at = {at}, say = "Breathe." }}]\n').moves
    (cue,) = move.cues
    assert (cue.anchor, cue.value, cue.say) == (anchor, value, "Breathe.")
    assert math.isclose(cue.offset(move.work_seconds), offset)


# --- refused scripts: the exact line a user sees ---------------------------------------------

TOP_CASES = [
    ("titel = 'T'\n", 'r.toml:1: unknown key "titel"; did you mean "title"?'),
    (
        'title = "T"\nzzz = 1\n',
        'r.toml:2: unknown key "zzz"; known keys: format, title, intro, equipment, outro, '
        "rounds, settings, phrases, move, language, how_often, weeks, notes, prescribed_by, author",
    ),
    (
        'title = "T"\n"a\\nb" = 1\n',
        'r.toml:2: unknown key "a\\u000ab"; known keys: format, title, intro, equipment, outro, '
        "rounds, settings, phrases, move, language, how_often, weeks, notes, prescribed_by, author",
    ),
    ('format = "voiceguide/2"\n', 'r.toml:1: "format" must be "voiceguide/1", not "voiceguide/2"'),
    ("format = 1\n", 'r.toml:1: "format" must be "voiceguide/1", not 1'),
    ("rounds = 2\n", 'r.toml: missing "title" (e.g. title = "Morning mobility")'),
    ('title = ""\n', 'r.toml:1: "title" is empty; write the words to speak'),
    ('title = """\n   \n"""\n', 'r.toml:1: "title" is empty; write the words to speak'),
    ("title = 3\n", 'r.toml:1: "title" must be text in quotes, not 3'),
    ("title = ['T']\n", 'r.toml:1: "title" must be text in quotes, not a list'),
    ('title = "T"\nintro = ""\n', 'r.toml:2: "intro" is empty; write the words to speak'),
    ('title = "T"\noutro = ""\n', 'r.toml:2: "outro" is empty; write the words to speak'),
    (
        'title = "T"\nintro = "Go\\u0007"\n',
        'r.toml:2: "intro" contains a control character (U+0007); remove it',
    ),
    (
        'title = "T"\noutro = "\\u001b[1m"\n',
        'r.toml:2: "outro" contains a control character (U+001B); remove it',
    ),
    (
        'title = "T"\noutro = "' + "x" * 1001 + '"\n',
        'r.toml:2: "outro" is longer than 1,000 characters (1,001); shorten it',
    ),
    (
        'title = "T"\nequipment = "a mat"\n',
        'r.toml:2: "equipment" must be a list of texts, like ["a mat", "a band"]',
    ),
    (
        'title = "T"\nequipment = [\n  "a mat",\n  "",\n]\n',
        'r.toml:4: "equipment" item 2 is empty; write the words to speak',
    ),
    (
        'title = "T"\nequipment = ["a mat", 3]\n',
        'r.toml:2: "equipment" item 2 must be text in quotes, not 3',
    ),
    ('title = "T"\nrounds = 0\n', 'r.toml:2: "rounds" must be a whole number from 1 to 20, not 0'),
    (
        'title = "T"\nrounds = 21\n',
        'r.toml:2: "rounds" must be a whole number from 1 to 20, not 21',
    ),
    ('title = "T"\nsettings = 3\n', 'r.toml:2: "settings" must be a table ([settings])'),
    ('title = "T"\nphrases = "x"\n', 'r.toml:2: "phrases" must be a table ([phrases])'),
]


@pytest.mark.parametrize(("text", "message"), TOP_CASES)
def test_top_level_mistakes(text: str, message: str) -> None:
    assert error_of(text) == message


MOVE_LIST_CASES = [
    (
        'title = "T"\n',
        "r.toml: no moves; add a [[move]] table with a name and reps, hold or work",
    ),
    (
        'title = "T"\nmove = []\n',
        "r.toml:2: no moves; add a [[move]] table with a name and reps, hold or work",
    ),
    (
        'title = "T"\n[move]\nname = "Plank"\n',
        'r.toml:2: "move" must be a list of tables: write [[move]] with two brackets',
    ),
    ('title = "T"\nmove = 3\n', 'r.toml:2: "move" must be a list of tables, not 3'),
    ('title = "T"\nmove = [1]\n', "r.toml:2: move 1 must be a table ([[move]]), not 1"),
    (
        'title = "T"\n[[moves]]\nname = "Plank"\n',
        'r.toml:2: unknown key "moves"; did you mean "move"?',
    ),
    (
        'title = "T"\n' + '[[move]]\nname = "P"\nhold = 1\n' * 1001,
        "r.toml:3002: too many moves (1,001); a routine has at most 1,000",
    ),
]


@pytest.mark.parametrize(("text", "message"), MOVE_LIST_CASES)
def test_move_list_mistakes(text: str, message: str) -> None:
    assert error_of(text) == message


def test_a_thousand_moves_are_fine() -> None:
    # without rests between them: 1,000 rests of 20 s would be over 4 hours (test_bounds.py)
    moves = '[[move]]\nname = "P"\nhold = 1\n' * 1000
    text = 'title = "T"\n[settings]\nrest_between_moves = 0\n' + moves
    assert len(parse(text).moves) == 1000


def test_the_examples_of_the_format_word_for_word() -> None:
    hydrant = (
        'title = "T"\n'
        + "\n" * 5
        + '[[move]]\nname = "M"\nhold = 5\n\n'
        + ('[[move]]\nname = "Standing banded fire hydrant"\nsides = "each"\nhlod = "30s"\n')
    )
    with pytest.raises(ScriptError) as caught:
        parse_routine(hydrant, Path("hip.toml"))
    assert str(caught.value) == (
        'hip.toml:14: move 2 "Standing banded fire hydrant": unknown key "hlod"; '
        'did you mean "hold"?'
    )
    lunge = (
        'title = "T"\n'
        + '[[move]]\nname = "M"\nhold = 5\n' * 2
        + ('[[move]]\nname = "Wall lunge"\nreps = 8\n')
    )
    with pytest.raises(ScriptError) as caught:
        parse_routine(lunge, Path("hip.toml"))
    assert str(caught.value) == (
        'hip.toml: move 3 "Wall lunge": "reps" needs "tempo" (seconds per rep, e.g. tempo = 3)'
    )
    broken = 'title = "T"\n' + "\n" * 7 + 'sides "each"\n'
    with pytest.raises(ScriptError) as caught:
        parse_routine(broken, Path("hip.toml"))
    assert str(caught.value) == "hip.toml:9: invalid TOML: expected '=' after a key (column 7)"


# (lines appended to PLANK, whose body starts on line 4) -> the message
MOVE_CASES = [
    ("hlod = 30\n", 'r.toml:4: move 1 "Plank": unknown key "hlod"; did you mean "hold"?'),
    (
        "hold = 30\nrep_after = 5\n",
        'r.toml:5: move 1 "Plank": unknown key "rep_after"; did you mean "rest_after"?',
    ),
    (
        "hold = 30\nqqq = 5\n",
        'r.toml:5: move 1 "Plank": unknown key "qqq"; known keys: name, setup, equipment, reps, '
        "tempo, hold, work, sets, sides, side_order, switch, rest_between_sets, "
        "rest_between_sides, rest_after, cues",
    ),
    ("", 'r.toml: move 1 "Plank": needs one of "reps", "hold" or "work" (e.g. hold = "30s")'),
    (
        "reps = 5\ntempo = 2\nhold = 30\n",
        'r.toml:6: move 1 "Plank": has both "reps" and "hold"; '
        'keep one of "reps", "hold" or "work"',
    ),
    (
        "work = 5\nhold = 30\n",
        'r.toml:5: move 1 "Plank": has both "work" and "hold"; '
        'keep one of "reps", "hold" or "work"',
    ),
    (
        "reps = 5\n",
        'r.toml: move 1 "Plank": "reps" needs "tempo" (seconds per rep, e.g. tempo = 3)',
    ),
    ("hold = 5\ntempo = 2\n", 'r.toml:5: move 1 "Plank": "tempo" goes only with "reps"; remove it'),
    (
        'reps = 5\ntempo = "2-1-30"\n',
        'r.toml:5: move 1 "Plank": "tempo": each tempo phase is 0 to 20 seconds',
    ),
    (
        'reps = 5\ntempo = "0-0-0"\n',
        'r.toml:5: move 1 "Plank": "tempo": a tempo needs more than 0 seconds per rep',
    ),
    (
        "reps = 5\ntempo = 0\n",
        'r.toml:5: move 1 "Plank": "tempo": a tempo needs more than 0 seconds per rep',
    ),
    (
        'reps = 5\ntempo = "fast"\n',
        'r.toml:5: move 1 "Plank": "tempo": tempo is seconds per rep (tempo = 4, "4s") or phase '
        'seconds ("2-1-2")',
    ),
    (
        'reps = 5\ntempo = "4"\n',
        'r.toml:5: move 1 "Plank": "tempo": tempo is seconds per rep (tempo = 4, "4s") or phase '
        'seconds ("2-1-2")',
    ),
    (
        "reps = 5\ntempo = true\n",
        'r.toml:5: move 1 "Plank": "tempo": tempo is seconds per rep (tempo = 4, "4s") or phase '
        'seconds ("2-1-2")',
    ),
    (
        "reps = 5\ntempo = 15000\n",
        'r.toml:5: move 1 "Plank": "tempo" is longer than 4 hours, the longest session',
    ),
    ("reps = 0\n", 'r.toml:4: move 1 "Plank": "reps" must be a whole number from 1 to 500, not 0'),
    (
        "reps = 501\n",
        'r.toml:4: move 1 "Plank": "reps" must be a whole number from 1 to 500, not 501',
    ),
    (
        "reps = 2.0\n",
        'r.toml:4: move 1 "Plank": "reps" must be a whole number from 1 to 500, not 2.0',
    ),
    (
        'reps = "8"\n',
        'r.toml:4: move 1 "Plank": "reps" must be a whole number from 1 to 500, not "8"',
    ),
    (
        "hold = 5\nsets = 51\n",
        'r.toml:5: move 1 "Plank": "sets" must be a whole number from 1 to 50, not 51',
    ),
    (
        "hold = 5\nsets = true\n",
        'r.toml:5: move 1 "Plank": "sets" must be a whole number from 1 to 50, not true',
    ),
    ("hold = 0\n", 'r.toml:4: move 1 "Plank": "hold" must be more than 0 seconds, not 0'),
    ("hold = -5\n", 'r.toml:4: move 1 "Plank": "hold" must be more than 0 seconds, not -5'),
    ('work = "0s"\n', 'r.toml:4: move 1 "Plank": "work" must be more than 0 seconds, not "0s"'),
    ("work = 0.0\n", 'r.toml:4: move 1 "Plank": "work" must be more than 0 seconds, not 0.0'),
    (
        'hold = "30"\n',
        'r.toml:4: move 1 "Plank": "hold": duration \'30\' has no unit; write 30 or "30s"',
    ),
    (
        'work = "half a minute"\n',
        'r.toml:4: move 1 "Plank": "work": cannot read duration \'half a minute\'; write it like '
        '"30s", "500ms", "2m", "1m30s" or "1:30"',
    ),
    (
        "hold = nan\n",
        'r.toml:4: move 1 "Plank": "hold": a duration must be a finite number of seconds',
    ),
    (
        "hold = inf\n",
        'r.toml:4: move 1 "Plank": "hold": a duration must be a finite number of seconds',
    ),
    (
        "hold = true\n",
        'r.toml:4: move 1 "Plank": "hold": expected a duration such as 30, "30s", "1m30s" or '
        '"1:30"',
    ),
    (
        'hold = "5h"\n',
        'r.toml:4: move 1 "Plank": "hold" is longer than 4 hours, the longest session',
    ),
    (
        'hold = 5\nsides = "both"\n',
        'r.toml:5: move 1 "Plank": "sides" must be one of "none", "each", "left", "right", '
        'not "both"',
    ),
    (
        'hold = 5\nsides = "each"\nside_order = "zigzag"\n',
        'r.toml:6: move 1 "Plank": "side_order" must be one of "alternate", "block", not "zigzag"',
    ),
    ('hold = 5\nswitch = "Turn."\n', 'r.toml:5: move 1 "Plank": "switch" needs sides = "each"'),
    (
        'hold = 5\nsides = "left"\nside_order = "block"\n',
        'r.toml:6: move 1 "Plank": "side_order" needs sides = "each"',
    ),
    (
        'hold = 5\nsides = "each"\nswitch = ""\n',
        'r.toml:6: move 1 "Plank": "switch" is empty; write the words to speak',
    ),
    (
        'hold = 5\nsetup = "Lie\\u0000down"\n',
        'r.toml:5: move 1 "Plank": "setup" contains a control character (U+0000); remove it',
    ),
    (
        'hold = 5\nsetup = "' + "y" * 1500 + '"\n',
        'r.toml:5: move 1 "Plank": "setup" is longer than 1,000 characters (1,500); shorten it',
    ),
    (
        'hold = 5\nequipment = ["a mat", " "]\n',
        'r.toml:5: move 1 "Plank": "equipment" item 2 is empty; write the words to speak',
    ),
    (
        'hold = 5\nrest_after = "20"\n',
        'r.toml:5: move 1 "Plank": "rest_after": duration \'20\' has no unit; write 20 or "20s"',
    ),
    (
        "hold = 5\nrest_between_sets = -1\n",
        'r.toml:5: move 1 "Plank": "rest_between_sets": a duration cannot be negative',
    ),
    # digits are ASCII: float() would read fullwidth and Arabic-Indic ones too
    (
        'hold = "\\uff13\\uff10s"\n',
        'r.toml:4: move 1 "Plank": "hold": cannot read duration \'\uff13\uff10s\'; write it like '
        '"30s", "500ms", "2m", "1m30s" or "1:30"',
    ),
    (
        'hold = "1:\\u0663\\u0660"\n',
        'r.toml:4: move 1 "Plank": "hold": cannot read duration \'1:\u0663\u0660\'; write it like '
        '"30s", "500ms", "2m", "1m30s" or "1:30"',
    ),
    (
        'reps = 3\ntempo = "\\uff12-\\uff11"\n',
        'r.toml:5: move 1 "Plank": "tempo": tempo is seconds per rep (tempo = 4, "4s") or phase '
        'seconds ("2-1-2")',
    ),
    (
        'hold = "' + "1s" * 500_000 + '"\n',
        'r.toml:4: move 1 "Plank": "hold": cannot read duration \'' + "1s" * 18 + "1...'; "
        'write it like "30s", "500ms", "2m", "1m30s" or "1:30"',
    ),
    (
        'reps = 3\ntempo = "' + "-".join(["1"] * 21) + '"\n',
        'r.toml:5: move 1 "Plank": "tempo": a tempo has at most 20 phases, not 21',
    ),
    (
        'hold = 5\nequipment = [' + ", ".join(f'"item {n} {"x" * 90}"' for n in range(11)) + "]\n",
        'r.toml:5: move 1 "Plank": "equipment" is said as one list of 1,091 characters, over '
        "1,000: use fewer or shorter items",
    ),
]


@pytest.mark.parametrize(("body", "message"), MOVE_CASES)
def test_move_mistakes(body: str, message: str) -> None:
    assert error_of(PLANK + body) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'title = "T"\n[[move]]\nhold = 5\n',
            'r.toml:2: move 1: missing "name" (e.g. name = "Side plank")',
        ),
        (
            'title = "T"\n[[move]]\nname = ""\n',
            'r.toml:3: move 1: "name" is empty; write the words to speak',
        ),
        (
            'title = "T"\n[[move]]\nname = 7\nhlod = 1\n',
            'r.toml:4: move 1: unknown key "hlod"; did you mean "hold"?',
        ),
        (
            'title = "T"\n[[move]]\nname = "A"\nhold = 1\n\n[[move]]\nname = "B\\tC"\nwork = 0\n',
            'r.toml:8: move 2 "B C": "work" must be more than 0 seconds, not 0',
        ),
    ],
)
def test_move_names_in_messages(text: str, message: str) -> None:
    assert error_of(text) == message


def test_a_name_is_escaped_and_cut_in_messages() -> None:
    # a bidi override would turn the rest of the line around; a long name would hide the fix
    bidi = 'title = "T"\n[[move]]\nname = "Clam\\u202eshell\\u2066"\nhlod = 1\n'
    assert error_of(bidi) == (
        'r.toml:4: move 1 "Clam\\u202eshell\\u2066": unknown key "hlod"; did you mean "hold"?'
    )
    long = 'title = "T"\n[[move]]\nname = "' + "Plank " * 100 + '"\nhlod = 1\n'
    assert error_of(long) == (
        'r.toml:4: move 1 "' + ("Plank " * 10)[:57] + '...": unknown key "hlod"; did you mean '
        '"hold"?'
    )


def test_a_long_unknown_key_is_cut_and_answered_at_once() -> None:
    message = error_of('title = "T"\n' + "x" * 1_000_000 + " = 1\n")
    assert message == (
        'r.toml:2: unknown key "' + "x" * 57 + '..."; known keys: format, title, intro, '
        "equipment, outro, rounds, settings, phrases, move, language, how_often, weeks, notes, "
        "prescribed_by, author"
    )


@pytest.mark.parametrize(
    ("value", "subject"),
    [
        ('"..."', '"name"'),
        ('"\\u200b\\u200c\\u200d\\u2060\\ufeff"', '"name"'),  # zero-width only
        ('"\\ue000\\U000f0000"', '"name"'),  # private use only
        ('"- ! ?"', '"name"'),
    ],
)
def test_text_that_would_say_nothing_is_refused(value: str, subject: str) -> None:
    assert error_of(f'title = "T"\n[[move]]\nname = {value}\nhold = 1\n') == (
        f"r.toml:3: move 1: {subject} has no letter or digit, so nothing would be said; write "
        "the words to speak"
    )


def test_text_with_a_letter_or_digit_among_signs_is_spoken() -> None:
    routine = parse('title = "T"\n[[move]]\nname = "1 \\u200b!"\nhold = 1\n')
    assert routine.moves[0].name == "1 \u200b!"


CUE_CASES = [
    (
        'cues = [{ at = "50 %", say = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: cannot read at "50 %"; write a share of the phase '
        '("50%"), a time from its start ("15s") or before its end ("-10s")',
    ),
    (
        'cues = [{ at = "15", say = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: cannot read at "15"; write a share of the phase '
        '("50%"), a time from its start ("15s") or before its end ("-10s")',
    ),
    (
        'cues = [{ at = "-10", say = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: cannot read at "-10"; write a share of the phase '
        '("50%"), a time from its start ("15s") or before its end ("-10s")',
    ),
    (
        'cues = [{ at = 15, say = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: cannot read at 15; write a share of the phase '
        '("50%"), a time from its start ("15s") or before its end ("-10s")',
    ),
    (
        'cues = [{ at = "30s", say = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: at "30s" lies outside the work phase of 30 seconds',
    ),
    (
        'cues = [{ at = "-31s", say = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: at "-31s" lies outside the work phase of 30 seconds',
    ),
    (
        'cues = [{ at = "-0s", say = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: at "-0s" lies outside the work phase of 30 seconds',
    ),
    (
        'cues = [{ at = "100%", say = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: at "100%" lies outside the work phase of 30 seconds',
    ),
    (
        'cues = [\n  { at = "10s", say = "x" },\n  { at = "1m", say = "y" },\n]',
        'r.toml:7: move 1 "Plank": cue 2: at "1m" lies outside the work phase of 30 seconds',
    ),
    (
        'cues = [{ at = "50%", say = "" }]',
        'r.toml:5: move 1 "Plank": cue 1: "say" is empty; write the words to speak',
    ),
    (
        'cues = [{ at = "50%", sya = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: unknown key "sya"; did you mean "say"?',
    ),
    (
        'cues = [{ say = "x" }]',
        'r.toml:5: move 1 "Plank": cue 1: missing "at" (e.g. at = "50%")',
    ),
    (
        'cues = [{ at = "5s" }]',
        'r.toml:5: move 1 "Plank": cue 1: missing "say" (e.g. say = "Keep breathing.")',
    ),
    (
        'cues = "Breathe"',
        'r.toml:5: move 1 "Plank": "cues" must be a list of tables like '
        '[{ at = "50%", say = "Keep breathing." }]',
    ),
    (
        'cues = ["Breathe"]',
        'r.toml:5: move 1 "Plank": cue 1: must be a table like '
        '{ at = "50%", say = "Keep breathing." }',
    ),
]


@pytest.mark.parametrize(("cues", "message"), CUE_CASES)
def test_cue_mistakes(cues: str, message: str) -> None:
    assert error_of(f'{PLANK}hold = "30s"\n{cues}\n') == message


def test_a_cue_is_checked_against_the_length_of_a_rep_phase() -> None:
    body = 'reps = 8\ntempo = 4\ncues = [{ at = "40s", say = "x" }]\n'
    assert error_of(PLANK + body) == (
        'r.toml:6: move 1 "Plank": cue 1: at "40s" lies outside the work phase of 32 seconds'
    )
    body = 'reps = 8\ntempo = 4\ncues = [{ at = "31s", say = "x" }]\n'
    assert parse(PLANK + body).moves[0].cues[0].offset(32.0) == 31.0


SETTINGS_CASES = [
    ("rte = 170", 'unknown key "settings.rte"; did you mean "settings.rate"?'),
    ("rate = 500", '"settings.rate" must be a whole number from 80 to 400, not 500'),
    ("rate = 79", '"settings.rate" must be a whole number from 80 to 400, not 79'),
    ("rate = true", '"settings.rate" must be a whole number from 80 to 400, not true'),
    ("rate = 170.0", '"settings.rate" must be a whole number from 80 to 400, not 170.0'),
    ('rate = "fast"', '"settings.rate" must be a whole number from 80 to 400, not "fast"'),
    ("volume = 1.5", '"settings.volume" must be a number from 0 to 1, not 1.5'),
    ("volume = nan", '"settings.volume" must be a number from 0 to 1, not nan'),
    ("volume = inf", '"settings.volume" must be a number from 0 to 1, not inf'),
    ("volume = false", '"settings.volume" must be a number from 0 to 1, not false'),
    (
        "beep_volume = -0.1",
        '"settings.beep_volume" must be a number from 0 to 1, or decibels from "-30dB" to '
        '"+6dB" (e.g. "-6dB"), not -0.1',
    ),
    (
        'beep_volume = "+9dB"',
        '"settings.beep_volume" must be a number from 0 to 1, or decibels from "-30dB" to '
        '"+6dB" (e.g. "-6dB"), not "+9dB"',
    ),
    ("loudness = -8", '"settings.loudness" must be a number from -30 to -14, not -8'),
    ("countdown = 11", '"settings.countdown" must be a whole number from 0 to 10, not 11'),
    (
        "final_countdown = -1",
        '"settings.final_countdown" must be a whole number from 0 to 10, not -1',
    ),
    ("halfway = 1", '"settings.halfway" must be true or false, not 1'),
    ("count_reps = 'no'", '"settings.count_reps" must be true or false, not "no"'),
    ('strict = "yes"', '"settings.strict" must be true or false, not "yes"'),
    ('get_ready = "30"', '"settings.get_ready": duration \'30\' has no unit; write 30 or "30s"'),
    (
        'lead_in = "fast"',
        '"settings.lead_in": cannot read duration \'fast\'; write it like "30s", "500ms", "2m", '
        '"1m30s" or "1:30"',
    ),
    ("gap = -1", '"settings.gap": a duration cannot be negative'),
    (
        "rest_between_moves = inf",
        '"settings.rest_between_moves": a duration must be a finite number of seconds',
    ),
    (
        "rest_between_sets = -nan",
        '"settings.rest_between_sets": a duration must be a finite number of seconds',
    ),
    (
        "rest_between_sides = [1]",
        '"settings.rest_between_sides": expected a duration such as 30, "30s", "1m30s" or "1:30"',
    ),
    (
        'rest_between_rounds = "4h1s"',
        '"settings.rest_between_rounds" is longer than 4 hours, the longest session',
    ),
    ('voice = " "', '"settings.voice" is empty; remove it to use the engine\'s default voice'),
    ("voice = 3", '"settings.voice" must be text in quotes, not 3'),
    ('voice = "en\\u0001"', '"settings.voice" contains a control character; remove it'),
    ('voice = "' + "v" * 201 + '"', '"settings.voice" is longer than 200 characters; shorten it'),
    ("sounds = 1", '"settings.sounds" must be a table ([settings.sounds])'),
    (
        'get_ready = "3s"',
        '"settings.get_ready" (3 seconds) must be longer than "settings.countdown" (3 seconds); '
        "raise get_ready or lower countdown",
    ),
    (
        "countdown = 6",
        '"settings.get_ready" (5 seconds) must be longer than "settings.countdown" (6 seconds); '
        "raise get_ready or lower countdown",
    ),
]


@pytest.mark.parametrize(("line", "message"), SETTINGS_CASES)
def test_settings_mistakes(line: str, message: str) -> None:
    text = f'title = "T"\n[settings]\n{line}\n[[move]]\nname = "Plank"\nhold = 5\n'
    assert error_of(text) == f"r.toml:3: {message}"


def test_settings_written_as_dotted_keys_are_found_on_their_line() -> None:
    text = 'title = "T"\nsettings.rate = 1\n[[move]]\nname = "Plank"\nhold = 5\n'
    assert error_of(text) == (
        'r.toml:2: "settings.rate" must be a whole number from 80 to 400, not 1'
    )


PHRASE_CASES = [
    ('reest = "Pause."', 'unknown key "phrases.reest"; did you mean "phrases.rest"?'),
    (
        'move_of = "Move {n}."',
        '"phrases.move_of" must use exactly the placeholders {n} and {total}, '
        'like "Move {n} of {total}."',
    ),
    (
        'set_of = "Set {n} of {total} {x}."',
        '"phrases.set_of" must use exactly the placeholders {n} and {total}, '
        'like "Set {n} of {total}."',
    ),
    (
        'need = "Bring {things}."',
        '"phrases.need" must use exactly the placeholder {items}, like "You will need: {items}."',
    ),
    (
        'about = "About {minutes:>3} minutes."',
        '"phrases.about" must use exactly the placeholder {minutes}, '
        'like "About {minutes} minutes."',
    ),
    (
        'round_of = "Round {n} of {total"',
        '"phrases.round_of" must use exactly the placeholders {n} and {total}, '
        'like "Round {n} of {total}."',
    ),
    ('rest = "Rest {n}."', '"phrases.rest" cannot contain { or }'),
    # "{{" is an escaped brace to str.format: it would be said, braces and all
    ('rest = "{{Rest}}"', '"phrases.rest" cannot contain { or }'),
    (
        'need = "Bring {items} {{x}}."',
        '"phrases.need" must use exactly the placeholder {items}, like "You will need: {items}."',
    ),
    (
        'about_one_minute = "About {minutes} minute."',
        '"phrases.about_one_minute" cannot contain { or }',
    ),
    (
        'halfway = "..."',
        '"phrases.halfway" has no letter or digit, so nothing would be said; write the words '
        "to speak",
    ),
    ('left = "Left }"', '"phrases.left" cannot contain { or }'),
    ('and = ""', '"phrases.and" is empty; write the words to speak'),
    ("done = 1", '"phrases.done" must be text in quotes, not 1'),
    ('halfway = "Half\\nway"', None),  # folded, fine
]


@pytest.mark.parametrize(("line", "message"), PHRASE_CASES)
def test_phrase_mistakes(line: str, message: str | None) -> None:
    text = f'title = "T"\n[phrases]\n{line}\n[[move]]\nname = "Plank"\nhold = 5\n'
    if message is None:
        assert parse(text).phrases.halfway == "Half way"
    else:
        assert error_of(text) == f"r.toml:3: {message}"


def test_every_phrase_key_can_be_set() -> None:
    keys = {
        "move_of": "M {n}/{total}",
        "set_of": "S {n}/{total}",
        "round_of": "R {n}/{total}",
        "left": "L",
        "right": "R",
        "switch": "Sw",
        "rest": "Re",
        "halfway": "H",
        "need": "N {items}",
        "need_move": "NM {items}",
        "about": "A {minutes}",
        "about_one_minute": "A 1",
        "done": "D",
        "and": "&",  # said only between two items: a sign is enough
    }
    lines = "".join(f'"{key}" = "{value}"\n' for key, value in keys.items())
    phrases = parse(f'title = "T"\n[phrases]\n{lines}[[move]]\nname = "P"\nhold = 5\n').phrases
    assert phrases == Phrases(**{key.replace("and", "and_"): v for key, v in keys.items()})


# --- file-level mistakes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'title = "T"\ntitle = "U"\n',
            "r.toml:2: invalid TOML: cannot overwrite a value (column 12)",
        ),
        (
            'title = "T"\nx = 1 y = 2\n',
            "r.toml:2: invalid TOML: expected newline or end of "
            "document after a statement (column 7)",
        ),
        ('title = "T\n', "r.toml:1: invalid TOML: illegal character '\\n' (column 11)"),
        (
            'title = """T\n\n',
            "r.toml:1: invalid TOML: unterminated string (at the end of the file)",
        ),
        ("x = [1,\n\n\n", "r.toml:1: invalid TOML: invalid value (at the end of the file)"),
        (
            "x = " + "[" * 5000 + "]" * 5000,
            "r.toml: invalid TOML: lists or tables nested too deeply",
        ),
    ],
)
def test_invalid_toml(text: str, message: str) -> None:
    assert error_of(text) == message


def test_not_utf8_names_the_line_and_byte_offset() -> None:
    assert error_of(b'title = "T"\nintro = "caf\xe9"\n') == (
        "r.toml:2: not UTF-8 text (byte offset 24); save the file as UTF-8"
    )


def test_a_string_that_cannot_be_utf8_is_refused() -> None:
    assert error_of('title = "\ud800"\n') == (
        "r.toml: not UTF-8 text (character 9 cannot be encoded)"
    )


def test_at_most_one_mebibyte() -> None:
    valid = PLANK + "hold = 5\n"
    padded = valid + "#" * (1024 * 1024 - len(valid) - 1) + "\n"
    assert len(padded.encode()) == 1024 * 1024
    assert parse(padded).title == "T"
    assert error_of(padded + "\n") == (
        "r.toml: the file is over 1 MiB; a routine script is at most 1,048,576 bytes"
    )
    assert error_of((padded + "\n").encode()) == (
        "r.toml: the file is over 1 MiB; a routine script is at most 1,048,576 bytes"
    )


def test_load_routine_refuses_a_large_file_without_reading_it_all(tmp_path: Path) -> None:
    script = tmp_path / "big.toml"
    script.write_bytes(b"#" * (3 * 1024 * 1024))
    with pytest.raises(ScriptError) as caught:
        load_routine(script, display_name="big.toml")
    assert str(caught.value) == (
        "big.toml: the file is over 1 MiB; a routine script is at most 1,048,576 bytes"
    )


# --- sounds -----------------------------------------------------------------------------------


def write_wav(path: Path, *, channels: int = 1, width: int = 2, frames: int = 100) -> Path:
    with wave.open(str(path), "wb") as sound:
        sound.setnchannels(channels)
        sound.setsampwidth(width)
        sound.setframerate(22050)
        sound.writeframes(b"\x01" * channels * width * frames)
    return path


def test_sounds_resolve_to_absolute_paths_inside_the_script_folder(tmp_path: Path) -> None:
    (tmp_path / "cues").mkdir()
    write_wav(tmp_path / "tick.wav")
    write_wav(tmp_path / "cues" / "go.wav", channels=2, width=3)
    write_wav(tmp_path / "cues" / "end.wav", width=1)
    write_wav(tmp_path / "cues" / "rep.wav", width=4)
    (tmp_path / "cues" / "done.wav").symlink_to(tmp_path / "tick.wav")
    lines = (
        'tick = "tick.wav"\ngo = "cues/go.wav"\nend = "./cues/../cues/end.wav"\n'
        'rep = "cues/rep.wav"\ndone = "cues/done.wav"'
    )
    script = sounds_script(tmp_path, lines)
    routine = parse_routine(script.read_text(encoding="utf-8"), script)
    folder = tmp_path.resolve()
    assert routine.settings.sounds == {
        "tick": folder / "tick.wav",
        "go": folder / "cues" / "go.wav",
        "end": folder / "cues" / "end.wav",
        "rep": folder / "cues" / "rep.wav",
        "done": folder / "tick.wav",
    }


@pytest.mark.slow
def test_sounds_written_by_sox_in_the_extensible_header_are_accepted(tmp_path: Path) -> None:
    # sox writes 24-bit and 32-bit files with WAVE_FORMAT_EXTENSIBLE, which the stdlib `wave`
    # of Python 3.11 refuses; the loader must accept what the sound reader plays
    for bits in ("24", "32"):
        made = tmp_path / f"tick{bits}.wav"
        subprocess.run(
            ["sox", "-n", "-r", "22050", "-b", bits, "-c", "2", str(made), "synth", "0.1",
             "sine", "880"],
            check=True,
        )
        assert made.read_bytes()[20:22] == b"\xfe\xff"  # the extensible format tag
        script = sounds_script(tmp_path, f'tick = "{made.name}"')
        routine = parse_routine(script.read_text(encoding="utf-8"), script)
        assert routine.settings.sounds["tick"] == made.resolve()


def test_a_missing_sound(tmp_path: Path) -> None:
    assert sound_error(tmp_path, 'tick = "beep.wav"') == (
        'r.toml:3: "settings.sounds.tick": no file "beep.wav" next to the script'
    )
    (tmp_path / "folder.wav").mkdir()
    assert sound_error(tmp_path, 'go = "folder.wav"') == (
        'r.toml:3: "settings.sounds.go": no file "folder.wav" next to the script'
    )


def test_sounds_outside_the_script_folder(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    outside = write_wav(tmp_path / "out.wav")
    (inner / "link.wav").symlink_to(outside)
    for written in ("../out.wav", str(outside), "link.wav"):
        shown = written if len(written) <= 60 else written[:57] + "..."  # a long path is cut
        assert sound_error(inner, f'end = "{written}"') == (
            f'r.toml:3: "settings.sounds.end": "{shown}" lies outside the script\'s folder; '
            "put it there"
        )


def test_sounds_that_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "text.wav").write_text("not audio", encoding="utf-8")
    write_wav(tmp_path / "empty.wav", frames=0)
    data = bytearray(write_wav(tmp_path / "float.wav").read_bytes())
    struct.pack_into("<H", data, 20, 3)  # format tag 3, IEEE float, with 16-bit samples
    (tmp_path / "float.wav").write_bytes(bytes(data))
    fix = "; use a PCM WAV file, e.g. `sox input -b 16 output.wav`"
    for name, problem in [
        ("text.wav", "is not a WAV, AIFF, FLAC or OGG file"),
        ("empty.wav", "holds no audio"),
    ]:
        assert sound_error(tmp_path, f'rep = "{name}"') == (
            f'r.toml:3: "settings.sounds.rep": "{name}" {problem}{fix}'
        )
    # libsndfile's own words name what is wrong
    message = sound_error(tmp_path, 'rep = "float.wav"')
    assert message.startswith(
        'r.toml:3: "settings.sounds.rep": "float.wav" is damaged or in an encoding that cannot '
        "be read ("
    )
    assert message.endswith(")" + fix)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "tick = 3",
            '"settings.sounds.tick" must be the path of a sound file, relative to the script',
        ),
        (
            'tik = "a.wav"',
            'unknown key "settings.sounds.tik"; did you mean "settings.sounds.tick"?',
        ),
        ('done = "a\\u0000.wav"', '"settings.sounds.done": cannot find "a\\u0000.wav"'),
    ],
)
def test_sound_entry_mistakes(tmp_path: Path, line: str, message: str) -> None:
    assert sound_error(tmp_path, line) == f"r.toml:3: {message}"


# --- nothing but ScriptError, whatever the input ----------------------------------------------

KEYS = [
    "format", "title", "intro", "equipment", "outro", "rounds", "settings", "phrases", "move",
    "voice", "rate", "volume", "countdown", "get_ready", "sounds", "tick", "name", "setup",
    "reps", "tempo", "hold", "work", "sets", "sides", "side_order", "switch", "rest_after",
    "cues", "at", "say", "and", "need", "move_of",
]  # fmt: skip
WORDS = [
    "voiceguide/1", "30s", "-10s", "50%", "2-1-2", "1:30", "each", "block", "30", "",
    "{n}", "{total}", "tick.wav", "../x.wav", "Move {n} of {total}.", "\n", "\x07",
]  # fmt: skip

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.sampled_from(WORDS),
    st.text(max_size=30),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5),
    ),
    max_leaves=20,
)
documents = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), values, max_size=8)


def toml_string(text: str) -> str:
    escaped = "".join(
        "\\" + char if char in '"\\' else f"\\u{ord(char):04x}" if ord(char) < 32 or
        ord(char) == 127 else char
        for char in text
    )  # fmt: skip
    return f'"{escaped}"'


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    items = (f"{toml_string(key)} = {toml_value(item)}" for key, item in value.items())
    return "{ " + ", ".join(items) + " }"


def to_toml(document: dict[str, object]) -> str:
    return "".join(f"{toml_string(key)} = {toml_value(value)}\n" for key, value in document.items())


def only_script_errors(text: str | bytes, path: Path) -> None:
    try:
        parse_routine(text, path)
    except ScriptError as error:
        assert "\n" not in str(error)
        assert str(error).startswith(str(path))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_a_routine_or_a_script_error(text: str) -> None:
    only_script_errors(text, SCRIPT)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_routine_or_a_script_error(data: bytes) -> None:
    only_script_errors(data, SCRIPT)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_any_toml_document_gives_a_routine_or_a_script_error(document: dict[str, object]) -> None:
    only_script_errors(to_toml(document), SCRIPT)


valid_durations = st.one_of(
    st.integers(1, 100), st.floats(0.5, 100), st.sampled_from(["30s", "1:30", "500ms", "1m5s"])
)
valid_cues = st.fixed_dictionaries(
    {"at": st.sampled_from(["0%", "50%", "99%", "0s", "-0.5s"]), "say": st.just("Breathe.")}
)
valid_moves = st.fixed_dictionaries(
    {"name": st.sampled_from(["Plank", "Side\nplank"])},
    optional={
        "setup": st.just("Lie down."),
        "equipment": st.lists(st.just("a mat"), max_size=2),
        "sets": st.integers(1, 50),
        "sides": st.sampled_from(["none", "left", "right"]),
        "rest_after": st.integers(0, 60) | st.just("0s"),
        "cues": st.lists(valid_cues, max_size=3),
    },
) | st.fixed_dictionaries(
    {"name": st.just("Lunge"), "sides": st.just("each")},
    optional={"switch": st.just("Turn."), "side_order": st.sampled_from(["alternate", "block"])},
)
kinds = st.one_of(
    st.fixed_dictionaries({"hold": valid_durations}),
    st.fixed_dictionaries({"work": valid_durations}),
    st.fixed_dictionaries(
        {"reps": st.integers(1, 500), "tempo": st.sampled_from([1, 2.5, "2-1-2", "4s", "0-1"])}
    ),
)
# one key, usually of a move, set to a value that is wrong more often than not
wrong_values = st.one_of(
    st.integers(-1, 600),
    st.floats(),
    st.sampled_from(["", " ", "30", "x", "-0s", "100%", "15", "both", "a\x07", "21-1"]),
    st.lists(st.fixed_dictionaries({"at": st.sampled_from(["1m", "-1m", "50 %"])}), max_size=2),
)
mutations = st.dictionaries(
    st.sampled_from(["name", "reps", "tempo", "hold", "work", "sets", "sides", "cues", "switch"])
    | st.sampled_from(["side_order", "equipment", "setup", "rest_after", "hlod"]),
    wrong_values,
    max_size=1,
)
valid_settings = st.fixed_dictionaries(
    {},
    optional={
        "rate": st.integers(80, 400),
        "volume": st.floats(0, 1),
        "countdown": st.integers(0, 4),
        "get_ready": st.integers(5, 10),
        "halfway": st.booleans(),
    },
)


@st.composite
def nearly_valid_moves(draw: st.DrawFn) -> dict[str, object]:
    move = {**draw(valid_moves), **draw(kinds)}
    if draw(st.integers(0, 3)) == 0:
        move.update(draw(mutations))
    return move


@settings(max_examples=400, deadline=None)
@given(
    st.lists(nearly_valid_moves(), min_size=1, max_size=3),
    valid_settings | st.dictionaries(st.sampled_from(KEYS), values, max_size=3),
)
def test_routines_close_to_valid_give_a_valid_routine_or_a_script_error(
    moves: list[dict[str, object]], settings_table: dict[str, object]
) -> None:
    text = f'title = "T"\nsettings = {toml_value(settings_table)}\n'
    for table in moves:
        text += "[[move]]\n" + to_toml(table)
    try:
        routine = parse_routine(text, SCRIPT)
    except ScriptError as error:
        assert "\n" not in str(error)
        return
    assert routine.settings.get_ready > routine.settings.countdown
    for move, table in zip(routine.moves, moves, strict=True):
        assert sum(key in ("reps", "hold", "work") for key in table) == 1
        assert move.kind in table
        assert move.work_seconds > 0
        assert move.name and "\n" not in move.name
        assert move.switch is None or move.sides == "each"
        for cue in move.cues:
            assert 0 <= cue.offset(move.work_seconds) < move.work_seconds
