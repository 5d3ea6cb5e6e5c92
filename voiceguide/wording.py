"""The spoken wording the sequencer builds from a routine's phrases: summaries, lists, sentences."""

from __future__ import annotations

from voiceguide.script.model import Move, Phrases, Routine, Side
from voiceguide.work_order import Level, WorkSlot

# (role, text): what is said and the role it plays in the plan ("title", "announce", ...)
Said = tuple[str, str]


def intro_texts(routine: Routine, minutes: int | None) -> list[Said]:
    """The intro: title, intro, equipment and, once known, the session's length in minutes."""
    phrases = routine.phrases
    texts = [("title", routine.title)]
    if routine.intro:
        texts.append(("announce", routine.intro))
    if routine.equipment:
        items = join_items(routine.equipment, phrases.and_)
        texts.append(("announce", phrases.need.format(items=items)))
    if minutes == 1:
        texts.append(("announce", phrases.about_one_minute))
    elif minutes is not None:
        texts.append(("announce", phrases.about.format(minutes=minutes)))
    return texts


def announcement(
    routine: Routine, level: Level, slot: WorkSlot, before: WorkSlot | None = None
) -> list[Said]:
    """What is said in the window before a work phase, reached by a change of `level` from
    the phase `before` it."""
    phrases = routine.phrases
    move = slot.move
    texts: list[Said] = []
    if level in ("round", "move", "set"):
        texts.append(("rest", phrases.rest))
    if level in ("start", "round") and routine.rounds > 1:
        texts.append(("announce", phrases.round_of.format(n=slot.round, total=routine.rounds)))
    if level in ("start", "round", "move"):
        texts.append(("announce", phrases.move_of.format(n=move.number, total=len(routine.moves))))
        texts.append(("announce", sentence(move.name)))
        texts.append(("announce", move_summary(move, phrases)))
        if move.equipment:
            items = join_items(move.equipment, phrases.and_)
            texts.append(("announce", phrases.need_move.format(items=items)))
        if move.setup:
            texts.append(("announce", move.setup))
    elif level == "set":
        texts.append(("announce", phrases.set_of.format(n=slot.set, total=move.sets)))
        # side_order = "block": the first set of the right side is a change of sides too
        # (in alternate order a set starts where the one before it started: no switch)
        changes_side = before is not None and before.side not in (None, slot.side)
        if move.side_order == "block" and changes_side:
            texts.append(("switch", move.switch or phrases.switch))
    else:
        texts.append(("switch", move.switch or phrases.switch))
    if slot.side is not None:
        texts.append(("announce", side_word(routine, move, slot.side)))
    return texts


def side_word(routine: Routine, move: Move, side: Side) -> str:
    """The move's own word for a side, or the routine's phrase ("Left leg.")."""
    own = move.side_word(side)
    if own is not None:
        return own
    return routine.phrases.left if side == "left" else routine.phrases.right


def prepare_texts(routine: Routine, move: Move) -> list[Said]:
    """Said at the start of a move's `prepare` time: "Get a band. Take 30 seconds." """
    phrases = routine.phrases
    if move.equipment:
        get = phrases.get.format(items=join_items(move.equipment, phrases.and_))
    else:
        get = phrases.prepare_next
    take = phrases.take.format(time=_spoken_duration(move.prepare, phrases))
    return [("prepare", get), ("prepare", take)]


def prepare_reminder(routine: Routine, move: Move) -> tuple[float, str] | None:
    """The reminder shortly before a prepare time ends: (seconds before its end, text), as
    "10 seconds left." 10 s before the end of a prepare of 20 s or more, 5 s before the end
    of a shorter one; none for a prepare of 5 s or less."""
    if move.prepare <= _SHORT_REMINDER:
        return None
    before = _LONG_REMINDER if move.prepare >= 2 * _LONG_REMINDER else _SHORT_REMINDER
    time = _spoken_duration(before, routine.phrases)
    return before, routine.phrases.time_left.format(time=time)


_LONG_REMINDER = 10.0
_SHORT_REMINDER = 5.0


def move_summary(move: Move, phrases: Phrases) -> str:
    """The summary spoken in a move's announcement (the session sheet prints it too):
    "One set of 30 seconds, each side." / "2 sets of 10 reps." in the routine's phrases."""
    if move.kind == "reps":
        assert move.reps is not None
        work = phrases.one_rep if move.reps == 1 else phrases.reps.format(n=move.reps)
    else:
        work = _spoken_duration(move.work_seconds, phrases)
    if move.sets == 1:
        text = phrases.one_set.format(work=work)
    else:
        text = phrases.sets.format(n=move.sets, work=work)
    sides = {"each": phrases.each_side, "left": phrases.left_only, "right": phrases.right_only}
    if move.sides in sides:
        text += ", " + sides[move.sides]
    return sentence(text)


def _spoken_duration(seconds: float, phrases: Phrases) -> str:
    """Whole minutes as minutes, anything else as seconds: "2 minutes", "90 seconds",
    "1 second"."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return phrases.one_minute if minutes == 1 else phrases.minutes.format(n=minutes)
    return phrases.one_second if seconds == 1 else phrases.seconds.format(n=f"{seconds:g}")


def join_items(items: tuple[str, ...], and_word: str) -> str:
    """ "a, b and c" """
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {and_word} {items[-1]}"


def sentence(text: str) -> str:
    return text if text[-1:] in ".!?" else text + "."
