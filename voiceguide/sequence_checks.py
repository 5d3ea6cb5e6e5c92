"""What the sequencer checks of a routine before and while laying it out, apart from the
bounds (`bounds`): sounds that fit the gap and the work phases; and the slower tempo it offers
when a rep is too short for its count."""

from __future__ import annotations

from collections.abc import Mapping

from voiceguide.errors import ScriptError
from voiceguide.script.model import Move, Routine
from voiceguide.units import to_frames

# sound name (tick, go, end, rep, done) -> length in frames at the session rate
SoundLengths = Mapping[str, int]


def check_sounds(routine: Routine, sounds: SoundLengths, sample_rate: int) -> None:
    """Ticks placed 1 s apart must end a gap before the next one; go and gap fit a work phase."""
    settings = routine.settings
    gap = to_frames(settings.gap, sample_rate)
    timed = any(move.kind != "reps" for move in routine.moves)
    ticks_a_second_apart = settings.countdown > 0 or (settings.final_countdown > 0 and timed)
    if ticks_a_second_apart and sounds["tick"] + gap >= sample_rate:
        raise ScriptError(
            f"{routine.file_label}: the tick sound ({sounds['tick'] / sample_rate:.2f} s) and "
            f'"settings.gap" ({gap / sample_rate:.2f} s) together must be shorter than 1 s, since '
            "countdown ticks come 1 s apart: lower gap, or set countdown and final_countdown to 0"
        )
    for move in routine.moves:
        if to_frames(move.work_seconds, sample_rate) <= sounds["go"] + gap:
            raise ScriptError(
                f"{routine.file_label}: {move.label()}: a work phase of {move.work_seconds:g} s is "
                f"not longer than the go beep and the gap after it "
                f"({(sounds['go'] + gap) / sample_rate:.2f} s); make it longer"
            )


def slower_tempo(move: Move) -> str:
    """A tempo one second longer per rep, written as the script wrote its tempo."""
    assert move.tempo is not None
    if len(move.tempo) == 1:
        return f"{move.tempo[0] + 1:g}"
    return '"' + "-".join(f"{seconds:g}" for seconds in (move.tempo[0] + 1, *move.tempo[1:])) + '"'
