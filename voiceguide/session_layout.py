"""The session laid out once at integer frames: the intro, the window before each work phase
(end beep, rest, announcement, prepare time, countdown), the work phases (`work_phase_layout`)
and the outro, as events, phases and the holds of `wait` moves."""

from __future__ import annotations

from collections.abc import Callable

from voiceguide.script.model import Routine
from voiceguide.sequence_checks import SoundLengths
from voiceguide.timeline import Event, EventKind, Hold, Phase, PhaseKind
from voiceguide.units import to_frames
from voiceguide.wording import announcement, intro_texts, prepare_reminder, prepare_texts
from voiceguide.work_order import (
    Level,
    WorkSlot,
    prepare_seconds,
    rest_seconds,
    transition,
    work_slots,
)
from voiceguide.work_phase_layout import WorkPhaseLayout

# text -> length in frames at the session rate, measured from the real (trimmed) clip
MeasureSpeech = Callable[[str], int]


class SessionLayout:
    """Lays the session out once, for a given "About N minutes" figure (None: not said)."""

    def __init__(
        self,
        routine: Routine,
        measure: MeasureSpeech,
        sounds: SoundLengths,
        sample_rate: int,
        minutes: int | None,
    ) -> None:
        self.routine = routine
        self.settings = routine.settings
        self.phrases = routine.phrases
        self.measure = measure
        self.sounds = sounds
        self.sample_rate = sample_rate
        self.minutes = minutes
        self.gap = self.frames(self.settings.gap)
        self.events: list[Event] = []
        self.phases: list[Phase] = []
        self.warnings: list[str] = []
        self.grown: list[str] = []
        self.holds: list[Hold] = []
        self.duration = 0
        self.work_phase = WorkPhaseLayout(self)

    def frames(self, seconds: float) -> int:
        return to_frames(seconds, self.sample_rate)

    # -- placing sounds one after another --------------------------------------------------

    def say(self, at: int, role: str, text: str, slot: WorkSlot | None) -> int:
        """Speech at `at`; returns the frame where the next sound may start."""
        end = at + self.measure(text)
        self.events.append(self._event(at, end, "speech", role, text, slot))
        return end + self.gap

    def beep(self, at: int, sound: str, slot: WorkSlot | None) -> int:
        end = at + self.sounds[sound]
        self.events.append(self._event(at, end, "beep", sound, None, slot))
        return end + self.gap

    @staticmethod
    def _event(
        start: int, end: int, kind: EventKind, role: str, text: str | None, slot: WorkSlot | None
    ) -> Event:
        if slot is None:
            return Event(start, end, kind, role, text)
        return Event(
            start, end, kind, role, text, slot.move.name, slot.set, slot.side, slot.move.number
        )

    def phase(self, start: int, end: int, kind: PhaseKind, slot: WorkSlot | None) -> None:
        if slot is None:
            self.phases.append(Phase(start, end, kind))
            return
        reps = slot.move.reps if kind == "work" else None
        self.phases.append(
            Phase(
                start, end, kind, slot.move.name, slot.set, slot.side, reps,
                slot.move.number, slot.round,
            )
        )

    # -- the session --------------------------------------------------------------------------

    def run(self) -> SessionLayout:
        cursor = self.frames(self.settings.lead_in)
        for role, text in intro_texts(self.routine, self.minutes):
            cursor = self.say(cursor, role, text, None)
        self.phase(0, cursor, "intro", None)
        before: WorkSlot | None = None
        for slot in work_slots(self.routine):
            go = self._window(cursor, before, slot)
            cursor = self.work_phase.run(go, slot)
            before = slot
        assert before is not None
        self._outro(cursor, before)
        return self

    def _window(self, start: int, before: WorkSlot | None, slot: WorkSlot) -> int:
        """The window before a work phase, from `start`; returns the frame of the go beep."""
        cursor = start
        if before is not None:
            cursor = self.beep(start, "end", before)
        level = transition(before, slot)
        texts = announcement(self.routine, level, slot, before)
        prepared = None
        if prepare_seconds(level, slot) > 0:
            if texts[0][0] == "rest":
                cursor = self.say(cursor, *texts.pop(0), slot)
            prepared = (cursor, self._prepare(cursor, slot))
            cursor = prepared[1]
        for role, text in texts:
            cursor = self.say(cursor, role, text, slot)
        last_sound_end = cursor - self.gap
        countdown = self.settings.countdown
        needed = max(
            last_sound_end + self.frames(self.settings.get_ready),
            # the first countdown tick keeps its gap from the announcement too
            last_sound_end + self.gap + self.frames(countdown) if countdown else cursor,
        ) - start
        rest = self.frames(rest_seconds(self.routine, level, before, slot))
        # a prepare time is asked for on top of the announcement: the rest does not grow then
        if before is not None and needed > rest and prepared is None:
            self._rest_grew(level, slot, needed - rest)
        go = start + max(rest, needed)
        for remaining in range(countdown, 0, -1):
            self.beep(go - self.frames(remaining), "tick", slot)
        if prepared is not None and slot.move.wait:
            self.holds.append(Hold(prepared[0], prepared[1], min(cursor, go)))
        self.phase(start, go, "window", slot)
        return go

    def _prepare(self, start: int, slot: WorkSlot) -> int:
        """The move's prepare time after its words ("Take 30 seconds."), with a reminder
        shortly before its end; returns where the announcement may start."""
        cursor = start
        for role, text in prepare_texts(self.routine, slot.move):
            cursor = self.say(cursor, role, text, slot)
        end = cursor - self.gap + self.frames(slot.move.prepare)
        reminder = prepare_reminder(self.routine, slot.move)
        if reminder is not None:
            before, text = reminder
            at = end - self.frames(before)
            # no room after the words (a short prepare with long words): it is left out
            if at >= cursor:
                cursor = self.say(at, "prepare", text, slot)
        return max(cursor, end)

    def _rest_grew(self, level: Level, slot: WorkSlot, frames: int) -> None:
        where = {
            "round": f"the rest before round {slot.round}",
            "move": "the rest before it",
            "set": f"the rest before set {slot.set}",
            "side": f"the switch to the {slot.side} side",
        }[level]
        message = (
            f'{self.routine.file_label}: {slot.move.label()}: {where} grows by '
            f'{frames / self.sample_rate:.1f} s to fit its announcement and get_ready'
        )
        self.grown.append(message)
        self.warnings.append(message)

    def _outro(self, end: int, last: WorkSlot) -> None:
        cursor = self.beep(end, "end", last)
        cursor = self.say(cursor, "outro", self.routine.outro or self.phrases.done, None)
        cursor = self.beep(cursor, "done", None) - self.gap
        self.duration = cursor + self.sample_rate  # one second of silence closes the session
        self.phase(end, self.duration, "outro", None)
