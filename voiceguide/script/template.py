"""`voiceguide new`: a commented routine script to start from.

The template uses every kind of move (reps with a tempo, a hold on each side, timed work) and
lists the settings with their defaults as comments, so a newcomer learns the format by editing
it. It passes `voiceguide check` as written (tests/test_scaffold.py), and with the settings
uncommented too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from voiceguide.errors import DestinationError
from voiceguide.output.atomic import shown, write_text_atomically

_TEMPLATE = """\
# {title}: a voiceguide routine script (TOML). Edit it, then try it:
#   voiceguide check {file}      is it right?
#   voiceguide plan {file}       what is said when
#   voiceguide play {file}       hear it
# Every key and timing rule: docs/ROUTINE_FORMAT.md in voiceguide's source.
format = "voiceguide/1"
title = {title_toml}
intro = "Three moves. Breathe, and take your time."
equipment = ["an exercise mat"]       # said in the intro: "You will need: an exercise mat."
# For the printed handout (voiceguide plan {file} --html sheet.html); never spoken:
# how_often = "Once a day"
# weeks = 6                     # for how many weeks
# prescribed_by = "Your physiotherapist"
# notes = "Small, slow movements; stop if it hurts."
# language = "en"               # of the sheet and chapter titles; default: the voice's language

[settings]
# Every setting is optional; these are the defaults. Remove the "#" to change one.
# voice = "en-gb"               # a language code (de, fr, en-us), a voice id or part of its name
# rate = 150                    # speech, words per minute
# volume = 1.0                  # speech, 0 to 1
# loudness = -16                # LUFS: the voice's loudness, and so the whole session's
# beep_volume = 1.0             # beeps as loud as the voice: 0 to 1, or "-6dB" to "+6dB"
# countdown = 3                 # short beeps before every go
# final_countdown = 3           # short beeps before the end of a hold or timed work
# halfway = true                # say "Halfway." in holds of 20 s or more
# count_reps = true             # say the rep number at the start of every rep
# get_ready = "5s"              # from the end of an announcement to the go beep
# lead_in = "1s"                # silence at the start: raise it if a Bluetooth speaker eats words
# rest_between_moves = "20s"
# rest_between_sets = "15s"
# rest_between_sides = "5s"

# A move with reps: the tempo is the seconds of each part of one rep (up, hold, down).
[[move]]
name = "Glute bridge"
setup = "Lie on your back, knees bent, feet flat. Lift your hips into a straight line."
sets = 2
reps = 8
tempo = "2-1-2"                 # 2 s up, 1 s hold, 2 s down: 5 s per rep

# A hold on each side (left, then right), with an extra cue 10 s before the end.
[[move]]
name = "Side plank"
setup = "Lie on your side, elbow under the shoulder. Lift your hips off the mat."
sides = "each"                  # none, each, left or right
hold = "30s"                    # durations: 30, "30s", "1m30s", "1:30"
switch = "Roll over onto your other side."
rest_between_sides = "10s"      # time to roll over (a rest too short for its words grows)
cues = [{{ at = "-10s", say = "Keep breathing." }}]

# Timed work: as many as you like in the time.
[[move]]
name = "Marching on the spot"
work = "1m"
rest_after = "10s"              # the rest after this move (default: rest_between_moves)
"""


def routine_template(title: str, file_name: str) -> str:
    """The text of a new routine script titled `title`, saved as `file_name`."""
    # a JSON string is a valid TOML basic string: quotes, backslashes and control characters
    # are escaped the same way
    title_toml = json.dumps(title, ensure_ascii=False)
    return _TEMPLATE.format(title=title, title_toml=title_toml, file=file_name)


def new_routine_path(name: str) -> Path:
    """NAME -> NAME.toml; a name that already ends in .toml is used as it is."""
    return Path(name if name.lower().endswith(".toml") else name + ".toml")


def title_from_path(path: Path) -> str:
    """ "my-hip_routine.toml" -> "My hip routine" """
    words = path.stem.replace("-", " ").replace("_", " ").split()
    text = " ".join(words) or "My routine"
    return text[0].upper() + text[1:]


def write_new_routine(name: str) -> Path:
    """Write a new routine script for NAME (or the given .toml path); never overwrites.

    Raises DestinationError (exit status 2) for a name that cannot be a script's file name or
    a file that exists, OutputError when the disk refuses.
    """
    _check_name(name)
    path = new_routine_path(name)
    text = routine_template(title_from_path(path), str(path))
    return write_text_atomically(path, text, overwrite=False)


def _check_name(name: str) -> None:
    stem = name[:-len(".toml")] if name.lower().endswith(".toml") else name
    if not os.path.basename(stem).strip():
        raise DestinationError(
            f'cannot write "{shown(name)}": give the routine a name, such as knee-routine'
        )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        # a byte that is not UTF-8 reached us as a lone surrogate: it cannot go into the script
        raise DestinationError(
            f"cannot write {shown(name)}: the name is not UTF-8 text; choose another name"
        ) from None
