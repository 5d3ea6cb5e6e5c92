"""The work phases of a routine in the order they are done, and which rest comes between two."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voiceguide.script.model import Move, Routine, Side


@dataclass(frozen=True)
class WorkSlot:
    """One work phase of the session, before placement."""

    round: int
    move: Move
    set: int
    side: Side | None


def work_slots(routine: Routine) -> list[WorkSlot]:
    """Every work phase in the order it is done: rounds, moves, then sets and sides."""
    slots = []
    for round_number in range(1, routine.rounds + 1):
        for move in routine.moves:
            for set_number, side in _sets_and_sides(move):
                slots.append(WorkSlot(round_number, move, set_number, side))
    return slots


def _sets_and_sides(move: Move) -> list[tuple[int, Side | None]]:
    sets = range(1, move.sets + 1)
    if move.sides == "none":
        return [(number, None) for number in sets]
    left: Side = "left"
    right: Side = "right"
    if move.sides != "each":
        only = left if move.sides == "left" else right
        return [(number, only) for number in sets]
    if move.side_order == "block":
        lefts: list[tuple[int, Side | None]] = [(number, left) for number in sets]
        return lefts + [(number, right) for number in sets]
    return [(number, side) for number in sets for side in (left, right)]


Level = Literal["start", "round", "move", "set", "side"]


def transition(before: WorkSlot | None, after: WorkSlot) -> Level:
    """Which rest applies between two work phases: the largest level that changes."""
    if before is None:
        return "start"
    if before.round != after.round:
        return "round"
    if before.move.number != after.move.number:
        return "move"
    if before.set != after.set:
        return "set"
    return "side"


def rest_seconds(routine: Routine, level: Level, before: WorkSlot | None, slot: WorkSlot) -> float:
    """The rest a window before `slot` lasts at least: the one of the level that changed."""
    if level == "round":
        return routine.settings.rest_between_rounds
    if level == "move":
        assert before is not None
        return before.move.rest_after
    if level == "set":
        return slot.move.rest_between_sets
    if level == "side":
        return slot.move.rest_between_sides
    return 0.0


def prepare_seconds(level: Level, slot: WorkSlot) -> float:
    """The prepare time in the window before `slot`: the move's own, before its first phase
    (in every round); none between its sets and sides."""
    return slot.move.prepare if level in ("start", "round", "move") else 0.0


def rep_tick_offsets(move: Move) -> list[float]:
    """Seconds into a rep where a soft `rep` tick marks a tempo phase: every phase boundary
    after the first phase, without repeats (phases of 0 s add none)."""
    assert move.tempo is not None
    offsets: dict[float, None] = {}
    elapsed = 0.0
    for seconds in move.tempo[:-1]:
        elapsed += seconds
        if 0 < elapsed < move.rep_seconds:
            offsets.setdefault(elapsed)
    return list(offsets)
