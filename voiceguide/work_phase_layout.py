"""One work phase laid out from its go beep: the go and end beeps, rep counts and tempo ticks
or the final countdown, the move's cues and "halfway", each slipped clear of the others or
dropped with a warning (section 3 of docs/ROUTINE_FORMAT.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voiceguide.errors import ScriptError
from voiceguide.placement import Placement
from voiceguide.script.echo import quote
from voiceguide.script.model import Move
from voiceguide.sequence_checks import slower_tempo
from voiceguide.work_order import WorkSlot, rep_tick_offsets

if TYPE_CHECKING:
    from voiceguide.session_layout import SessionLayout

# speech inside a work phase may slip this far behind its moment to get clear of a beep
MAX_SPEECH_DELAY = 0.5


class WorkPhaseLayout:
    """Places the sounds inside work phases into a session's layout."""

    def __init__(self, layout: SessionLayout) -> None:
        self.layout = layout
        self.routine = layout.routine
        self.settings = layout.settings
        self.sounds = layout.sounds
        self.gap = layout.gap
        self.measure = layout.measure
        self.frames = layout.frames
        self.say = layout.say
        self.beep = layout.beep

    def run(self, go: int, slot: WorkSlot) -> int:
        """One work phase from the go beep; returns its end (the onset of the end beep)."""
        move = slot.move
        length = self.frames(move.work_seconds)
        end = go + length
        placed = Placement(self.gap)
        placed.add(go, go + self.sounds["go"])
        self.beep(go, "go", slot)
        # the end beep of this phase is fixed too: nothing may run into it
        placed.add(end, end + self.sounds["end"])
        speech = self._work_speech(go, slot)
        if move.kind == "reps":
            # every rep is counted: the counts come before the soft tempo ticks, which give
            # way to them (a count that still does not fit refuses the script)
            counts = [item for item in speech if item[1] == "count"]
            speech = speech[len(counts):]
            for nominal, role, text in counts:
                if not self._fit_speech(nominal, role, text, slot, placed, go, end):
                    self._count_does_not_fit(slot, text)
            self._rep_ticks(go, slot, placed)
        else:
            self._final_countdown(go, end, slot, placed)
        for nominal, role, text in speech:
            self._fit_speech(nominal, role, text, slot, placed, go, end)
        self.layout.phase(go, end, "work", slot)
        return end

    def _rep_starts(self, go: int, move: Move) -> list[int]:
        assert move.reps is not None
        return [go + self.frames(rep * move.rep_seconds) for rep in range(move.reps)]

    def _rep_ticks(self, go: int, slot: WorkSlot, placed: Placement) -> None:
        move = slot.move
        boundaries = rep_tick_offsets(move)
        assert move.reps is not None
        length = self.sounds["rep"]
        for rep in range(move.reps):
            for offset in boundaries:
                at = go + self.frames(rep * move.rep_seconds + offset)
                if placed.free(at, at + length):
                    placed.add(at, at + length)
                    self.beep(at, "rep", slot)

    def _final_countdown(self, go: int, end: int, slot: WorkSlot, placed: Placement) -> None:
        length = self.sounds["tick"]
        for remaining in range(self.settings.final_countdown, 0, -1):
            at = end - self.frames(remaining)
            if at > go and placed.free(at, at + length):
                placed.add(at, at + length)
                self.beep(at, "tick", slot)

    def _work_speech(self, go: int, slot: WorkSlot) -> list[tuple[int, str, str]]:
        """Speech inside a work phase, in order of priority: rep counts, cues, halfway."""
        move = slot.move
        speech: list[tuple[int, str, str]] = []
        if move.kind == "reps" and self.settings.count_reps:
            starts = self._rep_starts(go, move)
            # the first count comes right after the go beep, the others on their rep's start
            starts[0] = go + self.sounds["go"] + self.gap
            for number, start in enumerate(starts, start=1):
                speech.append((start, "count", str(number)))
        seconds = move.work_seconds
        for cue in move.cues:
            speech.append((go + self.frames(cue.offset(seconds)), "cue", cue.say))
        if self.settings.halfway and move.kind != "reps" and seconds >= 20:
            speech.append((go + self.frames(seconds / 2), "halfway", self.layout.phrases.halfway))
        return speech

    def _count_does_not_fit(self, slot: WorkSlot, count: str) -> None:
        move = slot.move
        raise ScriptError(
            f"{self.routine.file_label}: {move.label()}: the count of rep {count} does not fit "
            f"in its rep of {move.rep_seconds:g} s at this speech rate: make the tempo slower "
            f"(e.g. tempo = {slower_tempo(move)}), or set count_reps = false"
        )

    def _fit_speech(
        self, nominal: int, role: str, text: str, slot: WorkSlot, placed: Placement, go: int,
        end: int,
    ) -> bool:
        """Speech inside a work phase near `nominal`; False (with a warning) when dropped."""
        length = self.measure(text)
        # it must also end a gap before the end beep: with a small gap, slipping past the end
        # beep would put it outside the phase, over the next announcement (found by fuzzing)
        latest = min(nominal + self.frames(MAX_SPEECH_DELAY), end - self.gap - length)
        at = placed.earliest(nominal, length, latest)
        if at is None:
            self.layout.warnings.append(
                f"{self.routine.file_label}: {slot.move.label()}: {quote(text)} at "
                f"{(nominal - go) / self.layout.sample_rate:.1f} s into the work phase is dropped: "
                "no room between the beeps and other speech"
            )
            return False
        placed.add(at, at + length)
        self.say(at, role, text, slot)
        return True
