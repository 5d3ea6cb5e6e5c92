"""The sequencer: a Routine and measured speech lengths -> a Timeline at integer frames.

Pure: it knows nothing of engines, devices or files. Sounds are placed by the rules of section 3
of the routine format; see docs/ROUTINE_FORMAT.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import replace

from voiceguide.bounds import MAX_SESSION_HOURS, check_bounds
from voiceguide.errors import ScriptError
from voiceguide.output.labels import labels_for
from voiceguide.placement import Placement
from voiceguide.script.echo import quote
from voiceguide.script.model import Move, Routine
from voiceguide.timeline import Event, EventKind, Phase, PhaseKind, Timeline
from voiceguide.units import about_minutes, format_length, length_clock, to_frames
from voiceguide.wording import announcement, intro_texts
from voiceguide.work_order import (
    Level,
    WorkSlot,
    rep_tick_offsets,
    rest_seconds,
    transition,
    work_slots,
)

# text -> length in frames at the session rate, measured from the real (trimmed) clip
MeasureSpeech = Callable[[str], int]
# sound name (tick, go, end, rep, done) -> length in frames at the session rate
SoundLengths = Mapping[str, int]


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
    _check_sounds(routine, sounds, sample_rate)
    # "About N minutes." is part of the session it measures: a first pass without it gives N,
    # then a few rebuilds settle it (N rarely moves: the phrase adds a second or two). Starting
    # from no phrase rather than a guess means no phrase is measured (synthesized) in vain.
    minutes: int | None = None
    sequence = None
    for _ in range(5):
        sequence = _Sequencer(routine, measure, sounds, sample_rate, minutes).run()
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
    )


class _Sequencer:
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
        self.duration = 0

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

    def run(self) -> _Sequencer:
        cursor = self.frames(self.settings.lead_in)
        for role, text in intro_texts(self.routine, self.minutes):
            cursor = self.say(cursor, role, text, None)
        self.phase(0, cursor, "intro", None)
        before: WorkSlot | None = None
        for slot in work_slots(self.routine):
            go = self._window(cursor, before, slot)
            cursor = self._work(go, slot)
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
        for role, text in announcement(self.routine, level, slot):
            cursor = self.say(cursor, role, text, slot)
        last_sound_end = cursor - self.gap
        countdown = self.settings.countdown
        needed = max(
            last_sound_end + self.frames(self.settings.get_ready),
            # the first countdown tick keeps its gap from the announcement too
            last_sound_end + self.gap + self.frames(countdown) if countdown else cursor,
        ) - start
        rest = self.frames(rest_seconds(self.routine, level, before, slot))
        if before is not None and needed > rest:
            self._rest_grew(level, slot, needed - rest)
        go = start + max(rest, needed)
        for remaining in range(countdown, 0, -1):
            self.beep(go - self.frames(remaining), "tick", slot)
        self.phase(start, go, "window", slot)
        return go

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

    def _work(self, go: int, slot: WorkSlot) -> int:
        """One work phase from the go beep; returns its end (the onset of the end beep)."""
        move = slot.move
        length = self.frames(move.work_seconds)
        end = go + length
        placed = Placement(self.gap)
        placed.add(go, go + self.sounds["go"])
        self.beep(go, "go", slot)
        # the end beep of this phase is fixed too: nothing may run into it
        placed.add(end, end + self.sounds["end"])
        if move.kind == "reps":
            self._rep_ticks(go, slot, placed)
        else:
            self._final_countdown(go, end, slot, placed)
        for nominal, role, text in self._work_speech(go, slot):
            self._fit_speech(nominal, role, text, slot, placed, go, end)
        self.phase(go, end, "work", slot)
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
            speech.append((go + self.frames(seconds / 2), "halfway", self.phrases.halfway))
        return speech

    def _fit_speech(
        self, nominal: int, role: str, text: str, slot: WorkSlot, placed: Placement, go: int,
        end: int,
    ) -> None:
        length = self.measure(text)
        # it must also end a gap before the end beep: with a small gap, slipping past the end
        # beep would put it outside the phase, over the next announcement (found by fuzzing)
        latest = min(nominal + self.frames(MAX_SPEECH_DELAY), end - self.gap - length)
        at = placed.earliest(nominal, length, latest)
        if at is None:
            self.warnings.append(
                f"{self.routine.file_label}: {slot.move.label()}: {quote(text)} at "
                f"{(nominal - go) / self.sample_rate:.1f} s into the work phase is dropped: "
                "no room between the beeps and other speech"
            )
            return
        placed.add(at, at + length)
        self.say(at, role, text, slot)

    def _outro(self, end: int, last: WorkSlot) -> None:
        cursor = self.beep(end, "end", last)
        cursor = self.say(cursor, "outro", self.routine.outro or self.phrases.done, None)
        cursor = self.beep(cursor, "done", None) - self.gap
        self.duration = cursor + self.sample_rate  # one second of silence closes the session
        self.phase(end, self.duration, "outro", None)


# speech inside a work phase may slip this far behind its moment to get clear of a beep
MAX_SPEECH_DELAY = 0.5


def _check_sounds(routine: Routine, sounds: SoundLengths, sample_rate: int) -> None:
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
    _check_sounds(routine, sounds, sample_rate)
    relaxed = replace(routine, settings=replace(routine.settings, strict=False))
    with contextlib.suppress(ScriptError):  # the real build reports the rest
        build_timeline(relaxed, estimate, sounds, sample_rate)
    return list(seen)


_ESTIMATED_CHARS_PER_SECOND = 14
