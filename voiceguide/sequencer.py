"""The sequencer: a Routine and measured speech lengths -> a Timeline at integer frames.

Pure: it knows nothing of engines, devices or files. Sounds are placed by the rules of section 3
of the routine format (docs/ROUTINE_FORMAT.md): the session by `session_layout`, the inside of a
work phase by `work_phase_layout`. Here: the "About N minutes" figure settled, the session's
limit, and the texts to synthesize in one batch before the real lengths are known.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

from voiceguide.bounds import MAX_SESSION_HOURS, check_bounds
from voiceguide.errors import ScriptError
from voiceguide.output.labels import labels_for
from voiceguide.script.model import Routine
from voiceguide.sequence_checks import SoundLengths, check_sounds
from voiceguide.session_layout import MeasureSpeech, SessionLayout
from voiceguide.timeline import Timeline
from voiceguide.units import about_minutes, format_length, length_clock

__all__ = ["MeasureSpeech", "build_timeline", "spoken_texts"]


def build_timeline(
    routine: Routine,
    measure: MeasureSpeech,
    sounds: SoundLengths,
    sample_rate: int,
    *,
    voice: str | None = None,
) -> Timeline:
    """Place every sound of the session. Raises ScriptError where the rules cannot be met."""
    check_bounds(routine)
    check_sounds(routine, sounds, sample_rate)
    # "About N minutes." is part of the session it measures: a first pass without it gives N,
    # then a few rebuilds settle it (N rarely moves: the phrase adds a second or two). Starting
    # from no phrase rather than a guess means no phrase is measured (synthesized) in vain.
    minutes: int | None = None
    sequence = None
    for _ in range(5):
        sequence = SessionLayout(routine, measure, sounds, sample_rate, minutes).run()
        settled = about_minutes(sequence.duration / sample_rate)
        if settled == minutes:
            break
        minutes = settled
    assert sequence is not None
    seconds = sequence.duration / sample_rate
    if seconds > MAX_SESSION_HOURS * 3600:
        # cut to whole seconds: a session a fraction of a second over would read "4 h 0 min 0 s"
        length = format_length(seconds) if int(seconds) > MAX_SESSION_HOURS * 3600 else (
            f"just over {MAX_SESSION_HOURS} hours"
        )
        raise ScriptError(
            f"{routine.file_label}: the session lasts {length}; the limit is "
            f"{MAX_SESSION_HOURS} hours: use fewer rounds, sets or moves, or shorter rests"
        )
    if routine.settings.strict and sequence.grown:
        raise ScriptError(sequence.grown[0] + ' (strict = true: make the rest longer)')
    return Timeline(
        title=routine.title,
        sample_rate=sample_rate,
        duration=sequence.duration,
        events=tuple(sorted(sequence.events, key=lambda event: event.start)),
        phases=tuple(sequence.phases),
        warnings=tuple(dict.fromkeys(sequence.warnings)),
        voice=voice,
        wpm=routine.settings.rate,
        speech_gain=routine.settings.volume,
        beep_gain=routine.settings.beep_volume,
        move_count=len(routine.moves),
        summary=_summary_line(routine, sequence.duration / sample_rate),
        language=routine.language,
        holds=tuple(sequence.holds),
    )


def _summary_line(routine: Routine, seconds: float) -> str:
    """The tags' one line, in the routine's language: "4 moves: Clamshell, .... 11:40 long." """
    labels = labels_for(routine.language)
    count = len(routine.moves)
    return labels.summary.format(
        moves=labels.one_move if count == 1 else labels.n_moves.format(n=count),
        rounds=labels.times_rounds.format(n=routine.rounds) if routine.rounds > 1 else "",
        names=", ".join(move.name for move in routine.moves),
        length=length_clock(seconds),
    )


def spoken_texts(routine: Routine, sounds: SoundLengths, sample_rate: int) -> list[str]:
    """Every text the session will likely speak, found by a dry run with estimated lengths.

    Lets the speech engine synthesize them in one batch. Texts whose fate depends on the real
    lengths (a dropped cue, the minutes in "About N minutes") are synthesized on demand later.
    """
    seen: dict[str, None] = {}

    def estimate(text: str) -> int:
        seen.setdefault(text)
        return len(text) * sample_rate // _ESTIMATED_CHARS_PER_SECOND

    # what can be refused before speech is made is refused here, not after the synthesis
    check_bounds(routine)
    check_sounds(routine, sounds, sample_rate)
    relaxed = replace(routine, settings=replace(routine.settings, strict=False))
    with contextlib.suppress(ScriptError):  # the real build reports the rest
        build_timeline(relaxed, estimate, sounds, sample_rate)
    return list(seen)


_ESTIMATED_CHARS_PER_SECOND = 14
