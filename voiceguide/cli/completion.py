"""Shell completion: routine names and .toml files for SCRIPT, voices for --voice, moves for --from.

Each function runs on every Tab in a fresh process, so it stays light: a routine is read, never
planned, and the only slow call is asking the speech engine for its list of voices (nothing is
synthesized). Each returns what fits the typed prefix; a failure gives no completions, never a
message in the middle of the user's command line.

bash gets its own script (`VoiceguideBash`): registered with `-o default -o filenames`, so
file-name completion still works where voiceguide offers nothing and names with spaces are
quoted, and directories are listed beside the routines so a path can be walked into.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.shell_completion import BashComplete, CompletionItem, add_completion_class

from voiceguide.errors import VoiceguideError


def complete_script(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The bundled routines by name (with their titles), then .toml files and folders."""
    from voiceguide.resources import bundled_scripts

    items = [
        CompletionItem(name, help=_title(path))
        for name, path in bundled_scripts().items()
        if name.startswith(incomplete)
    ]
    head = incomplete[: incomplete.rfind("/") + 1]  # "routines/" of "routines/kn"
    prefix = incomplete[len(head):]
    folder = Path(os.path.expanduser(head)) if head else Path(".")
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return items
    hidden_too = prefix.startswith(".")
    visible = [
        entry for entry in entries
        if entry.name.startswith(prefix) and (hidden_too or not entry.name.startswith("."))
    ]
    items += [
        CompletionItem(head + entry.name)
        for entry in visible
        if entry.suffix == ".toml" and entry.is_file()
    ]
    if any(entry.is_dir() for entry in visible):
        # the shell lists the folders itself, so they end in "/" and take no space after them
        items.append(CompletionItem(incomplete, type="dir"))
    return items


def _title(path: Path) -> str:
    from voiceguide.script.reader import load_routine

    try:
        return load_routine(path).title
    except VoiceguideError:
        return "a bundled routine"


def complete_voice(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Language codes (de, en-gb) with the voice's name; voice ids once a "/" is typed; Piper
    voices (piper:NAME) once a "p" is typed."""
    from voiceguide.catalogue import voices as all_voices

    try:
        voices = all_voices()
    except (VoiceguideError, OSError):
        return []
    typed = incomplete.casefold()
    items: dict[str, CompletionItem] = {}
    for voice in voices:
        keys = [*voice.languages, voice.id] if "/" in incomplete else list(voice.languages)
        if voice.id.startswith("piper:"):
            keys = [voice.id] if typed else []
        for key in keys:
            if key.casefold().startswith(typed) and key not in items:
                items[key] = CompletionItem(key, help=voice.name)
    return sorted(items.values(), key=lambda item: str(item.value))


def complete_move(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The moves of the SCRIPT given before: their numbers (named) and their names."""
    from voiceguide.resources import find_script
    from voiceguide.script.reader import load_routine

    # while the option being completed has no value yet, click's lenient parse stops before it
    # fills ctx.params; the arguments it read up to there are left in ctx.args
    script = ctx.params.get("script") or next(iter(ctx.args), None)
    path = find_script(script) if isinstance(script, str) else None
    if path is None:
        return []
    try:
        moves = load_routine(path).moves
    except VoiceguideError:
        return []
    typed = incomplete.casefold()
    numbers = [
        CompletionItem(str(move.number), help=move.name)
        for move in moves
        if str(move.number).startswith(incomplete)
    ]
    names = [
        CompletionItem(move.name, help=f"move {move.number}")
        for move in moves
        if move.name.casefold().startswith(typed)
    ]
    return numbers + names


# click's bash script with two changes: `complete -o default -o filenames` (bash completes file
# names when voiceguide offers none, marks folders with "/" and quotes what it inserts), and a
# "dir" answer adds the matching folders instead of replacing every other answer with them.
_SOURCE_BASH = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response

    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \
%(complete_var)s=bash_complete $1)

    for completion in $response; do
        IFS=',' read type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            COMPREPLY+=($(compgen -d -- "$value"))
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=("$value")
        fi
    done

    return 0
}

%(complete_func)s_setup() {
    complete -o default -o filenames -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""


class VoiceguideBash(BashComplete):
    source_template = _SOURCE_BASH


add_completion_class(VoiceguideBash)
