"""The spoken wording the sequencer builds from a routine's phrases: summaries, lists, sentences."""

from __future__ import annotations

from voiceguide.script.model import Move, Phrases


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
    """Whole minutes as minutes, anything else as seconds: "2 minutes", "90 seconds"."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return phrases.one_minute if minutes == 1 else phrases.minutes.format(n=minutes)
    return phrases.seconds.format(n=f"{seconds:g}")


def join_items(items: tuple[str, ...], and_word: str) -> str:
    """ "a, b and c" """
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {and_word} {items[-1]}"


def sentence(text: str) -> str:
    return text if text[-1:] in ".!?" else text + "."
