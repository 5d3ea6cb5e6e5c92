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
    """A path that exists wins; otherwise a bundled routine by name (with or without .toml)."""
    candidate = Path(name_or_path)
    if candidate.is_file():
        return candidate
    stem = name_or_path[:-5] if name_or_path.endswith(".toml") else name_or_path
    return bundled_scripts().get(stem)
