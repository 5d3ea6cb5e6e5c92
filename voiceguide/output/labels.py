"""The words voiceguide itself prints on a session sheet and in chapter titles, per language.

A script's spoken words are its own (its texts and [phrases]); these are the labels around them,
chosen by the routine's `language`: German for "de" and "de-..." (the bundled German routine),
English for every other language until someone adds theirs here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Labels:
    # the sheet's head
    kicker: str = "Your exercise plan"
    length: str = "Length"
    about: str = "about {n} minutes"
    about_one: str = "about 1 minute"
    exercises: str = "Exercises"
    rounds: str = "{n} rounds"
    how_often: str = "How often"
    weeks: str = "For"
    n_weeks: str = "{n} weeks"
    one_week: str = "1 week"
    equipment: str = "You need"
    prescribed_by: str = "Prescribed by"
    notes: str = "Notes"
    safety: str = (
        "Move slowly and keep breathing. Stop if an exercise causes sharp pain, and ask your "
        "physiotherapist or doctor before you go on."
    )
    # a move
    rep: str = "Each rep"
    tempo_parts: tuple[str, ...] = ("up", "hold", "down", "pause")
    per_rep: str = "{s} s"
    rest: str = "Rest"
    rest_sets: str = "{s} s between sets"
    rest_sides: str = "{s} s to change sides"
    rest_after: str = "{s} s before the next exercise"
    left_first: str = "Left side first, then right."
    block_first: str = "All sets on the left side, then all on the right."
    needs: str = "You need"
    reminders: str = "Reminders"
    # the drawing
    drawing: str = "The session, to scale"
    scale: str = "One line is {clock} (minutes:seconds); hover over a mark to read it."
    legend_work: str = "work (go beep to end beep)"
    legend_window: str = "rest and get ready: announcement, then countdown"
    legend_intro: str = "intro and outro"
    legend_speech: str = "speech (top lane)"
    legend_beeps: str = "beeps (bottom lane)"
    set_n: str = "set {n}"
    warnings: str = "Warnings"
    # the technical footer
    footer: str = "Made by voiceguide {version} from {source}."
    voice: str = "Voice {voice}, {wpm} words a minute"
    default_voice: str = "engine default"
    sounds: str = "{speech} spoken texts, {beeps} beeps"
    work_share: str = "work {clock} ({percent}\u00a0%)"
    check: str = "Check the timing with"
    page_title: str = "{title}: exercise plan"
    # an exported file's chapter titles, and its tags' one-line summary
    intro_chapter: str = "Intro"
    move_chapter: str = "Move {n}: {name}"
    left: str = "left"
    right: str = "right"
    round_n: str = "round {n}"
    n_moves: str = "{n} moves"
    one_move: str = "1 move"
    times_rounds: str = " x {n} rounds"
    summary: str = "{moves}{rounds}: {names}. {length} long."


ENGLISH = Labels()

GERMAN = Labels(
    kicker="Dein Übungsplan",
    length="Dauer",
    about="etwa {n} Minuten",
    about_one="etwa 1 Minute",
    exercises="Übungen",
    rounds="{n} Runden",
    how_often="Wie oft",
    weeks="Wie lange",
    n_weeks="{n} Wochen",
    one_week="1 Woche",
    equipment="Du brauchst",
    prescribed_by="Verordnet von",
    notes="Hinweise",
    safety=(
        "Bewege dich langsam und atme weiter. Hör auf, wenn eine Übung stechende Schmerzen "
        "macht, und frag in deiner Physiotherapie- oder Arztpraxis nach, bevor du weitermachst."
    ),
    rep="Jede Wiederholung",
    tempo_parts=("hoch", "halten", "runter", "Pause"),
    per_rep="{s} s",
    rest="Pause",
    rest_sets="{s} s zwischen den Sätzen",
    rest_sides="{s} s zum Seitenwechsel",
    rest_after="{s} s bis zur nächsten Übung",
    left_first="Erst die linke Seite, dann die rechte.",
    block_first="Alle Sätze links, dann alle rechts.",
    needs="Du brauchst",
    reminders="Achte darauf",
    drawing="Der Ablauf, maßstabsgetreu",
    scale="Eine Zeile sind {clock} (Minuten:Sekunden); zeig auf eine Marke, um sie zu lesen.",
    legend_work="Übung (Startton bis Endton)",
    legend_window="Pause und Vorbereitung: Ansage, dann Countdown",
    legend_intro="Einleitung und Schluss",
    legend_speech="Sprache (obere Spur)",
    legend_beeps="Töne (untere Spur)",
    set_n="Satz {n}",
    warnings="Warnungen",
    footer="Erstellt mit voiceguide {version} aus {source}.",
    voice="Stimme {voice}, {wpm} Wörter pro Minute",
    default_voice="Standard der Sprachausgabe",
    sounds="{speech} gesprochene Texte, {beeps} Töne",
    work_share="Übungszeit {clock} ({percent}\u00a0%)",
    check="Den Zeitplan zeigt",
    page_title="{title}: Übungsplan",
    intro_chapter="Einleitung",
    move_chapter="Übung {n}: {name}",
    left="links",
    right="rechts",
    round_n="Runde {n}",
    n_moves="{n} Übungen",
    one_move="1 Übung",
    times_rounds=" x {n} Runden",
    summary="{moves}{rounds}: {names}. {length} lang.",
)


def labels_for(language: str) -> Labels:
    """The labels of a language tag ("de", "de-at", "en-gb"); English when there are none."""
    return GERMAN if language.lower().split("-")[0] == "de" else ENGLISH


def tempo_in_words(tempo: tuple[float, ...], labels: Labels) -> str:
    """ "2 s up, 1 s hold, 2 s down"; a one-number tempo is "4 s". Phases of 0 s are
    left out; a tempo of more phases than there are words lists its seconds."""
    if len(tempo) == 1:
        return labels.per_rep.format(s=f"{tempo[0]:g}")
    if len(tempo) == 2:
        words: tuple[str, ...] = (labels.tempo_parts[0], labels.tempo_parts[2])
    elif len(tempo) <= len(labels.tempo_parts):
        words = labels.tempo_parts
    else:
        return ", ".join(f"{part:g} s" for part in tempo)
    named = zip(tempo, words[: len(tempo)], strict=True)
    return ", ".join(f"{part:g} s {word}" for part, word in named if part > 0)
