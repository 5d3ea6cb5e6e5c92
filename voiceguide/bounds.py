"""Bounds on the work a routine asks for, checked from the Routine alone, before the work.

Each key of a script has its limit, yet together they can ask for a session of hundreds of hours
and ten million sounds (20 rounds x 50 sets x 2 sides x 500 reps of a 10-phase tempo): laying
that out takes gigabytes and minutes, only to be refused at the end. These checks take
milliseconds and come before any speech is made or timeline built (docs/ROUTINE_FORMAT.md,
section 7, "Bounds"):

- at most MAX_WORK_PHASES work phases (rounds x sets x sides);
- the session's length, counted from below, at most 4 hours: the lead-in and intro, every work
  phase, every window (its rest, or its prepare time, announcement and get_ready when that is
  longer) and the outro with its closing second. Speech is counted as if said about twice as
  fast as espeak-ng says it, so a session that fits is not refused; the sequencer checks the
  exact length once the speech is measured;
- at most MAX_SOUNDS sounds: beeps, and speech placed or tried;
- at most MAX_PHRASES different phrases to synthesize, MAX_SPEECH_CHARACTERS characters in all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

from voiceguide.errors import ScriptError
from voiceguide.script.model import Move, Routine, Settings
from voiceguide.units import format_length
from voiceguide.wording import announcement, intro_texts, prepare_reminder, prepare_texts
from voiceguide.work_order import (
    WorkSlot,
    prepare_seconds,
    rep_tick_offsets,
    rest_seconds,
    transition,
    work_slots,
)

MAX_SESSION_HOURS = 4
MAX_WORK_PHASES = 20_000
MAX_SOUNDS = 100_000
MAX_PHRASES = 10_000
MAX_SPEECH_CHARACTERS = 100_000
FASTEST_RATE = 400  # words per minute: the fastest speech a script or --rate may ask for

# espeak-ng says at most about 50 letters or digits a second at 400 words per minute and 18 at
# 170 (measured on plain words, repeated short words and long German compounds). The estimate
# counts 15 letters a word, about twice as fast, so that it errs short.
_LETTERS_PER_WORD = 15
# every time the sequencer turns into frames is rounded on its own, by up to half a frame; this
# much per rounded time keeps the count below the real length at any rate from 8,000 Hz up
_ROUNDING_SLACK = 0.5 / 8000


def check_bounds(routine: Routine, wpm: int | None = None) -> None:
    """Raise ScriptError with one line when the routine asks for more than a session may hold.

    `wpm` is the speech rate the length estimate assumes: the routine's own by default. The
    loader passes FASTEST_RATE, since --rate may still speed the speech up.
    """
    _check_work_phases(routine)
    tally = _Tally(routine, wpm or routine.settings.rate)
    tally.count()
    tally.check_length()
    tally.check_sounds()
    tally.check_phrases()


def least_session_seconds(routine: Routine, wpm: int | None = None) -> float:
    """The length the bounds count for the session: never more than the real one."""
    _check_work_phases(routine)
    tally = _Tally(routine, wpm or routine.settings.rate)
    tally.count()
    return tally.least_length


def work_phase_count(routine: Routine) -> int:
    """rounds x sets x sides, counted without listing them."""
    per_round = sum(move.sets * (2 if move.sides == "each" else 1) for move in routine.moves)
    return routine.rounds * per_round


def _check_work_phases(routine: Routine) -> None:
    phases = work_phase_count(routine)
    if phases > MAX_WORK_PHASES:
        raise ScriptError(
            f"{routine.file_label}: the session would have {phases:,} work phases (rounds x sets "
            f"x sides); the limit is {MAX_WORK_PHASES:,}: use fewer rounds, sets or moves"
        )


@dataclass
class _Tally:
    """The session counted slot by slot, the way the sequencer will lay it out."""

    routine: Routine
    wpm: int
    work: float = 0.0  # seconds of work phases
    rests: float = 0.0  # seconds of rest and get_ready in the windows
    speech: float = 0.0  # seconds of speech the windows, intro and outro must hold
    rounded: int = 0  # times the sequencer rounds to frames
    sounds: int = 0
    work_by_move: dict[int, float] = field(default_factory=dict)
    sounds_by_move: dict[int, int] = field(default_factory=dict)
    phrases: dict[str, None] = field(default_factory=dict)
    _letters: dict[str, int] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.routine.settings

    def talk(self, texts: list[str]) -> float:
        """Least seconds to say `texts` one after another, a gap apart."""
        letters = 0
        for text in texts:
            self.phrases.setdefault(text)
            if text not in self._letters:
                self._letters[text] = sum(char.isalnum() for char in text)
            letters += self._letters[text]
        gaps = max(0, len(texts) - 1) * self.settings.gap
        return letters * 60 / (self.wpm * _LETTERS_PER_WORD) + gaps

    def count(self) -> None:
        settings = self.settings
        intro = [text for _, text in intro_texts(self.routine, None)]
        self.speech += self.talk(intro) + settings.gap  # each intro text is followed by a gap
        outro = [self.routine.outro or self.routine.phrases.done]
        self.speech += self.talk(outro) + 2 * settings.gap  # end beep, gap, outro, gap, done
        self.rests += settings.lead_in + 1  # the outro closes with a second of silence
        self.sounds += len(intro) + 1 + 2  # "About N minutes", the outro and its done sound
        self.rounded += len(intro) + 4
        inside = {move.number: self._work_sounds(move) for move in self.routine.moves}
        before: WorkSlot | None = None
        for slot in work_slots(self.routine):
            level = transition(before, slot)
            said = [text for _, text in announcement(self.routine, level, slot, before)]
            talk = self.talk(said)
            rest = rest_seconds(self.routine, level, before, slot)
            # a prepare time comes before the announcement, its own words inside it
            prepare = prepare_seconds(level, slot)
            if prepare > 0:
                prepared = self._prepare_words(slot.move)
                self.talk(prepared)
                self.sounds += len(prepared)
                self.rounded += len(prepared)
            if rest >= prepare + talk + settings.get_ready:
                self.rests += rest
            else:
                self.speech += talk
                self.rests += prepare + settings.get_ready
            number = slot.move.number
            self.work += slot.move.work_seconds
            self.work_by_move[number] = self.work_by_move.get(number, 0.0) + slot.move.work_seconds
            # the end beep before it, the announcement, the countdown, go, what is inside
            sounds = (before is not None) + len(said) + settings.countdown + 1 + inside[number]
            self.sounds += sounds
            self.sounds_by_move[number] = self.sounds_by_move.get(number, 0) + sounds
            self.rounded += 3 + len(said)
            before = slot

    def _prepare_words(self, move: Move) -> list[str]:
        words = [text for _, text in prepare_texts(self.routine, move)]
        reminder = prepare_reminder(self.routine, move)
        return words if reminder is None else [*words, reminder[1]]

    def _work_sounds(self, move: Move) -> int:
        """Beeps and speech inside one work phase of `move`, placed or tried; notes its phrases."""
        settings = self.settings
        said = [cue.say for cue in move.cues]
        sounds = len(move.cues)
        if move.kind == "reps":
            assert move.reps is not None
            per_rep = len(rep_tick_offsets(move))
            if settings.count_reps:
                per_rep += 1
                said += [str(number) for number in range(1, move.reps + 1)]
            sounds += move.reps * per_rep
        else:
            sounds += settings.final_countdown
            if settings.halfway and move.work_seconds >= 20:
                sounds += 1
                said.append(self.routine.phrases.halfway)
        self.phrases.update(dict.fromkeys(said))
        return sounds

    @property
    def least_length(self) -> float:
        return self.work + self.rests + self.speech - self.rounded * _ROUNDING_SLACK

    def check_length(self) -> None:
        length = self.least_length
        if length <= MAX_SESSION_HOURS * 3600:
            return
        biggest = max(self.work, self.rests, self.speech)
        number, seconds = max(self.work_by_move.items(), key=lambda item: item[1])
        if biggest == self.work and seconds >= self.work / 2:
            advice = (
                f"{self.routine.moves[number - 1].label()} alone works {format_length(seconds)} "
                "of it: use fewer rounds, sets or reps, or shorter work phases"
            )
        elif biggest == self.work:
            advice = (
                f"{format_length(self.work)} of it is work: use fewer rounds, sets or moves, or "
                "shorter work phases"
            )
        elif biggest == self.rests:
            advice = (
                f"{format_length(self.rests)} of it is rest, prepare or get_ready: use shorter "
                "rests or prepare times, or fewer rounds, sets or moves"
            )
        else:
            advice = (
                f"at least {format_length(self.speech)} of it is spoken: shorten the setup texts, "
                "or use fewer rounds, sets or moves"
            )
        self.fail(
            f"the session would last at least {format_length(length)}; the limit is "
            f"{MAX_SESSION_HOURS} hours: {advice}"
        )

    def check_sounds(self) -> None:
        if self.sounds <= MAX_SOUNDS:
            return
        number, sounds = max(self.sounds_by_move.items(), key=lambda item: item[1])
        self.fail(
            f"the session would hold {self.sounds:,} sounds (beeps, counts and other speech); "
            f"the limit is {MAX_SOUNDS:,}: {self.routine.moves[number - 1].label()} has "
            f"{sounds:,} of them: use fewer rounds, sets or reps, or fewer tempo phases"
        )

    def check_phrases(self) -> None:
        if len(self.phrases) > MAX_PHRASES:
            self.fail(
                f"the session would say {len(self.phrases):,} different phrases; the limit is "
                f"{MAX_PHRASES:,}: use fewer moves, sets or cues"
            )
        characters = sum(len(text) for text in self.phrases)
        if characters > MAX_SPEECH_CHARACTERS:
            self.fail(
                f"the session would say {characters:,} characters of different text; the limit "
                f"is {MAX_SPEECH_CHARACTERS:,} (about 2 hours of speech): shorten the setup "
                "texts, or use fewer moves or cues"
            )

    def fail(self, message: str) -> NoReturn:
        raise ScriptError(f"{self.routine.file_label}: {message}")
