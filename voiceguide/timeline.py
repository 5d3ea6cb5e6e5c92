"""The timeline: every sound of a session and the phases that tile it, at integer frames.

A plain value, made by the sequencer (`sequencer.build_timeline`) and read by the renderer, the
player and the outputs. It knows nothing of engines, devices or files. Its queries say where
things are (which phase holds a frame, where a silence is) and where a key takes the session.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Literal

from voiceguide.errors import ScriptError

EventKind = Literal["speech", "beep"]
PhaseKind = Literal["intro", "window", "work", "outro"]


@dataclass(frozen=True)
class Event:
    """One sound, frames [start, end): speech (its text) or a beep. `role` says what it is for:
    for speech "title", "announce", "rest", "switch", "count", "halfway", "cue" (a line the
    script gives under `cues`) or "outro"; for a beep the sound it plays ("tick", "go", "end",
    "rep", "done"). plan --json calls it "cue", as the format has always done."""

    start: int
    end: int
    kind: EventKind
    role: str
    text: str | None
    move: str | None = None
    set: int | None = None
    side: str | None = None
    move_number: int | None = None


@dataclass(frozen=True)
class Phase:
    """A stretch of the session, frames [start, end). Phases tile the session."""

    start: int
    end: int
    kind: PhaseKind
    move: str | None = None
    set: int | None = None
    side: str | None = None
    reps: int | None = None
    move_number: int | None = None
    round: int | None = None


@dataclass(frozen=True)
class Timeline:
    title: str
    sample_rate: int
    duration: int  # frames
    events: tuple[Event, ...]  # sorted by start
    phases: tuple[Phase, ...]  # sorted, tiling [0, duration)
    warnings: tuple[str, ...]
    voice: str | None
    wpm: int  # speech, words per minute
    speech_gain: float
    beep_gain: float
    move_count: int
    summary: str  # one line: moves and length, for tags
    language: str = "en"  # the routine's language: chapter titles and labels

    def seconds(self, frames: int) -> float:
        return frames / self.sample_rate

    # -- where things are

    def phase_index_at(self, frame: int) -> int:
        """Index of the phase that holds `frame` (the last phase for frames at or past the end)."""
        after = bisect.bisect_right(self.phases, frame, key=lambda phase: phase.start)
        return max(0, min(after - 1, len(self.phases) - 1))

    def silent_cuts(self, min_gap: float = 0.1) -> list[int]:
        """Frames in the middle of every silence of at least `min_gap` s: where stretches of
        live playback may join."""
        gap = round(min_gap * self.sample_rate)
        cuts = []
        sound_end = 0
        for event in sorted(self.events, key=lambda event: event.start):
            if event.start - sound_end >= gap:
                cuts.append((sound_end + event.start) // 2)
            sound_end = max(sound_end, event.end)
        if self.duration - sound_end >= gap:
            cuts.append((sound_end + self.duration) // 2)
        return [cut for cut in cuts if 0 < cut < self.duration]

    # -- where a key takes the session

    def resume_point(self, frame: int) -> int:
        """Where a pause resumes: the start of the phase, or for a work phase its window's
        start, so no hold is cut short and its countdown is heard again."""
        index = self.phase_index_at(frame)
        phase = self.phases[index]
        if phase.kind == "work" and index > 0 and self.phases[index - 1].kind == "window":
            return self.phases[index - 1].start
        return phase.start

    def next_point(self, frame: int) -> int:
        """Where `n` goes: the next phase. From a window, that is the work phase with its
        lead-in: the wait is cut to 1 s before the countdown (or to the end of the window's
        speech, if later); pressed again there, straight to the go beep. From the outro: the
        end."""
        phases = self.phases
        index = self.phase_index_at(frame)
        phase = phases[index]
        if phase.kind == "window" and index + 1 < len(phases) and phases[index + 1].kind == "work":
            work = phases[index + 1]
            inside = [e for e in self.events if phase.start <= e.start < work.start]
            # the window's speech, then its countdown: the beeps after the speech (a beep at the
            # window's very start is the end beep of the phase before)
            spoken = max([e.end for e in inside if e.kind == "speech"], default=phase.start)
            countdown = min(
                [e.start for e in inside if e.kind == "beep" and e.start >= spoken],
                default=work.start,
            )
            target = max(countdown - self.sample_rate, spoken)
            return target if target > frame else work.start
        return phases[index + 1].start if index + 1 < len(phases) else self.duration

    def move_start(self, frame: int) -> int:
        """Where `b` goes: the first phase of the current move (its first announcement)."""
        phases = self.phases
        index = self.phase_index_at(frame)
        phase = phases[index]
        if phase.move_number is None:
            return phase.start
        while index > 0 and (phases[index - 1].move_number, phases[index - 1].round) == (
            phase.move_number,
            phase.round,
        ):
            index -= 1
        return phases[index].start

    def find_move(self, spec: str) -> int:
        """The start frame of a move given by number ("2") or name (case-insensitive, or a part
        of the name that fits one move only). Raises ScriptError naming the moves."""
        names: dict[int, str] = {}
        starts: dict[int, int] = {}
        for phase in self.phases:
            if phase.move_number is not None and phase.move is not None:
                names.setdefault(phase.move_number, phase.move)
                starts.setdefault(phase.move_number, phase.start)
        listing = ", ".join(f"{number} {name}" for number, name in sorted(names.items()))
        text = spec.strip()
        if text.isdigit():
            number = int(text)
            if number in starts:
                return starts[number]
            raise ScriptError(f"no move {number}: the routine has {len(names)} ({listing})")
        wanted = text.casefold()
        exact = [number for number, name in names.items() if name.casefold() == wanted]
        partial = [number for number, name in names.items() if wanted in name.casefold()]
        matches = (exact or partial) if wanted else []
        if len(matches) == 1:
            return starts[matches[0]]
        if len(matches) > 1:
            which = ", ".join(f"{number} {names[number]}" for number in sorted(matches))
            raise ScriptError(f'"{spec}" fits several moves ({which}); give the number')
        raise ScriptError(f'no move named "{spec}"; the moves are: {listing}')
