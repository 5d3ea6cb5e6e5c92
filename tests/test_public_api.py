"""The package as a library: the README's Python runs, the API is documented, and it agrees
with the command line (the same plan, the same file)."""

from __future__ import annotations

import doctest
import json
import pydoc
import runpy
from pathlib import Path

import pytest

import voiceguide
from tests.support.cli import voiceguide as run_cli
from tests.support.readme_tour import blocks

# the bundled routines' speech is made once per run, by whichever test asks first
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("bundled_routines_spoken")]


def test_every_python_example_of_the_readme_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = blocks("python")
    assert len(examples) >= 2
    monkeypatch.chdir(tmp_path)
    for number, code in enumerate(examples):
        script = tmp_path / f"example_{number}.py"
        script.write_text(code)
        runpy.run_path(str(script), run_name="__main__")
    printed = capsys.readouterr().out
    assert "Hip mobility for runners 15 minutes" in printed
    assert "['intro', 'window', 'work', 'outro']" in printed
    assert 'desk.toml:6: move 1 "Wall sit": unknown key "hlod"; did you mean "hold"?' in printed
    # the files the first example wrote are the real thing
    assert (tmp_path / "hip-mobility.wav").stat().st_size > 1_000_000
    assert "<html" in (tmp_path / "hip-mobility.html").read_text()


def test_help_shows_the_api() -> None:
    text = pydoc.render_doc(voiceguide, renderer=pydoc.plaintext)
    for name in ("load", "loads", "Session", "ScriptError", "bundled_routines", "voices"):
        assert name in text


def test_every_public_name_has_a_docstring_with_an_example() -> None:
    constants = {"__version__", "DEFAULT_SAMPLE_RATE", "SAMPLE_RATES"}
    for name in voiceguide.__all__:
        if name in constants:
            continue
        doc = getattr(voiceguide, name).__doc__ or ""
        assert "Example" in doc, name


def test_the_docstring_examples_hold() -> None:
    import voiceguide.catalogue
    import voiceguide.errors
    import voiceguide.session

    failed = 0
    for module in (voiceguide.session, voiceguide.catalogue, voiceguide.errors):
        result = doctest.testmod(module, extraglobs={"voiceguide": voiceguide})
        failed += result.failed
    assert failed == 0


def test_the_library_plan_is_what_plan_json_prints() -> None:
    result = run_cli("plan", "tabata", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == voiceguide.load("tabata").plan()
    assert result.stdout.rstrip("\n") == json.dumps(
        voiceguide.load("tabata").plan(), indent=2, ensure_ascii=False
    )


def test_the_library_export_is_the_file_the_command_writes(tmp_path: Path) -> None:
    by_command = tmp_path / "command.wav"
    result = run_cli("export", "tabata", "-o", str(by_command))
    assert result.returncode == 0, result.stderr
    by_library = voiceguide.load("tabata").export(tmp_path / "library.wav")
    assert by_library.read_bytes() == by_command.read_bytes()


def test_library_options_are_those_of_the_command_line() -> None:
    result = run_cli("plan", "tabata", "--json", "--voice", "en-gb", "--rate", "150",
                     "--sample-rate", "44100")
    assert result.returncode == 0, result.stderr
    session = voiceguide.load("tabata", voice="en-gb", wpm=150, sample_rate=44100)
    assert json.loads(result.stdout) == session.plan()
    assert session.plan()["sample_rate"] == 44100 and session.plan()["rate"] == 150


def test_a_bad_script_is_a_script_error_with_the_line_check_prints(tmp_path: Path) -> None:
    script = tmp_path / "bad.toml"
    script.write_text('title = "T"\n[[move]]\nname = "Plank"\nhlod = "30s"\n')
    with pytest.raises(voiceguide.ScriptError) as caught:
        voiceguide.load(script)
    result = run_cli("check", str(script))
    assert result.returncode == 2
    assert result.stderr.strip() == str(caught.value)
    assert isinstance(caught.value, voiceguide.VoiceguideError)


def test_bad_library_arguments_are_refused_before_any_work() -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        voiceguide.load("tabata", sample_rate=8000)
    with pytest.raises(ValueError, match="wpm"):
        voiceguide.load("tabata", wpm=5)
