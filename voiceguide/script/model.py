"""The validated routine: frozen dataclasses with every default resolved.

`loader` builds these from a script; `timeline` reads them. Times are seconds (float).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from voiceguide.script.echo import quote

FORMAT = "voiceguide/1"

SOUND_NAMES = ("tick", "go", "end", "rep", "done")

Side = Literal["left", "right"]


@dataclass(frozen=True)
class Phrases:
    """The built-in words (section 5 of the format), each overridable under [phrases]."""

    move_of: str = "Move {n} of {total}."
    set_of: str = "Set {n} of {total}."
    round_of: str = "Round {n} of {total}."
    left: str = "Left leg."  # names the working leg: "Left side." could mean lie on it
    right: str = "Right leg."
    switch: str = "Switch sides."
    rest: str = "Rest."
    halfway: str = "Halfway."
    need: str = "You will need: {items}."
    need_move: str = "You need {items}."
    about: str = "About {minutes} minutes."
    about_one_minute: str = "About 1 minute."  # `about` for a session of about a minute
    done: str = "Routine complete. Well done."
    # extensions of the format (docs/ROUTINE_FORMAT.md, section 7), so that a routine in
    # another language needs no English word
    and_: str = "and"  # TOML key "and": joins the last two items of a list
    one_set: str = "One set of {work}"  # the move summary: "One set of 30 seconds, each side."
    sets: str = "{n} sets of {work}"
    reps: str = "{n} reps"
    one_rep: str = "1 rep"
    seconds: str = "{n} seconds"
    one_second: str = "1 second"
    minutes: str = "{n} minutes"
    one_minute: str = "1 minute"
    each_side: str = "each side"
    left_only: str = "left side"
    right_only: str = "right side"
    # a move's `prepare` time: "Get the resistance band. Take 30 seconds." ... "10 seconds left."
    get: str = "Get {items}."
    prepare_next: str = "Get ready for the next move."  # `get` for a move without equipment
    take: str = "Take {time}."
    time_left: str = "{time} left."


@dataclass(frozen=True)
class Settings:
    voice: str | None = None
    rate: int = 150
    volume: float = 1.0
    # a gain on the beeps as matched to the voice (1.0: as loud as the voice; the rep tick softer)
    beep_volume: float = 1.0
    loudness: float = -16.0  # LUFS (ITU-R BS.1770) of the voice, and so of the session
    countdown: int = 3
    final_countdown: int = 3
    halfway: bool = True
    count_reps: bool = True
    get_ready: float = 5.0
    lead_in: float = 1.0
    gap: float = 0.3
    rest_between_moves: float = 20.0
    rest_between_sets: float = 15.0
    rest_between_sides: float = 5.0
    rest_between_rounds: float = 60.0
    strict: bool = False
    # cue name -> WAV file; absent names use the bundled sounds
    sounds: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class Cue:
    """Extra speech inside each work phase of a move."""

    at: str  # as written, for messages
    anchor: Literal["percent", "start", "end"]
    value: float  # percent (0..100) or seconds
    say: str

    def offset(self, work_seconds: float) -> float:
        """Seconds from the go beep at which the cue is spoken."""
        if self.anchor == "percent":
            return work_seconds * self.value / 100
        if self.anchor == "start":
            return self.value
        return work_seconds - self.value


@dataclass(frozen=True)
class Move:
    number: int  # 1-based position in the move list
    name: str
    kind: Literal["reps", "hold", "work"]
    setup: str | None = None
    equipment: tuple[str, ...] = ()
    reps: int | None = None
    tempo: tuple[float, ...] | None = None  # seconds of each phase of one rep
    duration: float | None = None  # seconds of a hold/work phase
    sets: int = 1
    sides: Literal["none", "each", "left", "right"] = "none"
    side_order: Literal["alternate", "block"] = "alternate"
    switch: str | None = None  # None: the `switch` phrase
    rest_between_sets: float = 15.0
    rest_between_sides: float = 5.0
    rest_after: float = 20.0
    cues: tuple[Cue, ...] = ()
    prepare: float = 0.0  # seconds to change equipment before its announcement
    wait: bool = False  # live play holds before its go countdown until the user is ready
    left: str | None = None  # said for its left side; None: the `left` phrase
    right: str | None = None
    line: int | None = None  # line of its [[move]] header, for messages

    @property
    def rep_seconds(self) -> float:
        assert self.tempo is not None
        return sum(self.tempo)

    @property
    def work_seconds(self) -> float:
        """Length of one work phase."""
        if self.kind == "reps":
            assert self.reps is not None
            return self.reps * self.rep_seconds
        assert self.duration is not None
        return self.duration

    def side_word(self, side: Side) -> str | None:
        """What the move says for `side`, when the script gives it a word of its own."""
        return self.left if side == "left" else self.right

    def label(self) -> str:
        """How messages name the move: 'move 2 "Side plank"' (the name escaped and cut short)."""
        return f"move {self.number} {quote(self.name)}"


# -- the handout: what the printed sheet tells a patient; never spoken (script/handout.py)


@dataclass(frozen=True)
class Handout:
    how_often: str | None = None  # "Once a day"
    weeks: int | None = None  # for how many weeks
    notes: str | None = None
    prescribed_by: str | None = None


@dataclass(frozen=True)
class Routine:
    path: Path  # the script file (relative sound paths)
    title: str
    moves: tuple[Move, ...]
    name: str = ""  # how messages name the file ("hip-mobility.toml"); the path when empty
    intro: str | None = None
    equipment: tuple[str, ...] = ()
    outro: str | None = None  # None: the `done` phrase
    rounds: int = 1
    author: str | None = None  # who made the routine (the artist tag of an export), never said
    settings: Settings = field(default_factory=Settings)
    phrases: Phrases = field(default_factory=Phrases)
    # the handout keys: the language of the sheet and labels ("en", "de"), the sheet's facts
    language: str = "en"
    handout: Handout = field(default_factory=Handout)

    @property
    def file_label(self) -> str:
        """The script as messages name it."""
        return self.name or str(self.path)
