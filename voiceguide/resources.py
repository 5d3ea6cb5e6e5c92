"""Where the bundled routine scripts and cue sounds live.

A wheel carries them inside the package (voiceguide/scripts, voiceguide/audio_cues, mapped by
pyproject.toml); a source checkout or editable install keeps them at the top of the project.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def scripts_dir() -> Path:
    return _bundled("scripts")


def cues_dir() -> Path:
    return _bundled("audio_cues")


def bundled_scripts() -> dict[str, Path]:
    """Routine name (file stem) -> path, sorted by name."""
    folder = scripts_dir()
    if not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.toml"), key=lambda p: p.stem)}


def find_script(name_or_path: str) -> Path | None:
    """A path that exists wins; then NAME.toml (what `voiceguide new NAME` wrote); otherwise a
    bundled routine by name (with or without .toml)."""
    candidate = Path(name_or_path)
    if candidate.is_file():
        return candidate
    if name_or_path and not name_or_path.endswith((".toml", "/")):
        with_suffix = Path(name_or_path + ".toml")
        if with_suffix.is_file():
            return with_suffix
    stem = name_or_path[:-5] if name_or_path.endswith(".toml") else name_or_path
    return bundled_scripts().get(stem)


def closest_script_name(name_or_path: str) -> str | None:
    """The bundled routine, or script in the named folder, whose name is closest to a name that
    found none: "hip-mobilty" -> "hip-mobility", "knee-routin" -> "knee-routine.toml"."""
    import difflib
    import itertools

    given = Path(name_or_path)
    folder = given.parent
    stem = given.name[:-5] if given.name.endswith(".toml") else given.name
    if not stem or len(stem) > 200:  # nothing is close to a very long name; don't compare it
        return None
    candidates: dict[str, str] = {}  # compared stem -> how to name it
    if folder == Path("."):
        candidates.update((name, name) for name in bundled_scripts())
    try:
        # a folder of a million files is not read to the end for a suggestion
        local = sorted(itertools.islice(folder.glob("*.toml"), 1000)) if folder.is_dir() else []
    except OSError:
        local = []
    for path in local:
        candidates.setdefault(path.stem, str(path))
    close = difflib.get_close_matches(stem, list(candidates), n=1, cutoff=0.75)
    return candidates[close[0]] if close else None
