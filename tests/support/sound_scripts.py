"""A routine script naming sounds of its own, and the one-line error the loader gives for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiceguide.errors import ScriptError
from voiceguide.script.reader import load_routine


def sounds_script(folder: Path, lines: str) -> Path:
    """r.toml in `folder`, with `lines` under [settings.sounds] (on line 3) and one move."""
    script = folder / "r.toml"
    script.write_text(
        f'title = "T"\n[settings.sounds]\n{lines}\n[[move]]\nname = "P"\nhold = 5\n',
        encoding="utf-8",
    )
    return script


def sound_error(folder: Path, lines: str) -> str:
    """The ScriptError line loading such a script gives."""
    with pytest.raises(ScriptError) as caught:
        load_routine(sounds_script(folder, lines), display_name="r.toml")
    return str(caught.value)
