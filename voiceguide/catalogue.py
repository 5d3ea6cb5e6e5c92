"""What there is to choose from: the bundled routines, the voices, a new script to start from."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.resources import bundled_scripts

if TYPE_CHECKING:
    from voiceguide.speech.bank import SpeechEngine
    from voiceguide.speech.voices import VoiceInfo


@dataclass(frozen=True)
class RoutineInfo:
    """A bundled routine: the name to load it by, its title, how many moves it has and, when
    asked for, the session's length in seconds (None when its voice cannot be had here).

    Example:
        >>> tabata = voiceguide.bundled_routines()[-1]
        >>> (tabata.name, tabata.title, tabata.moves)
        ('tabata', 'Tabata intervals', 1)
    """

    name: str
    title: str
    moves: int
    path: Path
    seconds: float | None = None


def bundled_routines(
    *, lengths: bool = False, progress: Callable[[int, int], None] | None = None
) -> list[RoutineInfo]:
    """The routines that come with voiceguide, by name. No speech is made, unless `lengths`
    asks for each session's length: that needs the length of every spoken text (synthesized
    once, then taken from the speech cache). `progress(done, total)` is called after each clip
    made, routine by routine (`done` starts again at 1 for each), as `load` calls it.

    Example:
        >>> [routine.name for routine in voiceguide.bundled_routines()]
        ['hip-mobility', 'hip-mobility-de', 'seven-minute', 'tabata']
        >>> voiceguide.bundled_routines(lengths=True)[-1].seconds   # doctest: +ELLIPSIS
        259.4...
    """
    from voiceguide.errors import VoiceError
    from voiceguide.script.reader import load_routine
    from voiceguide.session import load

    found = []
    for name, path in bundled_scripts().items():
        routine = load_routine(path, display_name=path.name)
        seconds = None
        if lengths:
            try:
                seconds = load(path, progress=progress).seconds
            except VoiceError:  # the routine's voice is not installed: listed all the same
                seconds = None
        found.append(RoutineInfo(name, routine.title, len(routine.moves), path, seconds))
    return found


def voices(engine: SpeechEngine | None = None) -> list[VoiceInfo]:
    """The voices the speech engine offers (on Linux, espeak-ng's), each with its languages,
    then (without an engine given) the Piper voices installed, as "piper:NAME".

    Example:
        >>> any("en-gb" in voice.languages for voice in voiceguide.voices())
        True
    """
    from voiceguide.speech.bank import default_engine
    from voiceguide.speech.piper_voices import voice_infos

    if engine is not None:
        return engine.voices()
    return default_engine().voices() + voice_infos()


def new_routine(name: str | os.PathLike[str]) -> Path:
    """Write NAME.toml, a commented routine script to start from; never overwrites a file.

    Example:
        >>> voiceguide.new_routine("knee-routine")   # doctest: +SKIP
        PosixPath('knee-routine.toml')
    """
    from voiceguide.script.template import write_new_routine

    return write_new_routine(os.fspath(name))
