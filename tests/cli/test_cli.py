"""The commands as a user runs them: exit statuses, one-line errors, data on stdout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import on_a_terminal, voiceguide, voiceguide_process

pytestmark = pytest.mark.slow


def write(tmp_path: Path, text: str, name: str = "hip.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """\
title = "Hips"

[[move]]
name = "Clamshell"
hold = "30s"
"""


def test_check_accepts_a_good_script(tmp_path: Path) -> None:
    result = voiceguide("check", str(write(tmp_path, GOOD)), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{tmp_path / 'hip.toml'}: ok: 1 move, ")


def test_a_bad_script_is_one_line_and_status_2(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace('hold = "30s"', 'hlod = "30s"'))
    for command in ("check", "plan", "export"):
        extra = ["-o", "out.wav"] if command == "export" else []
        result = voiceguide(command, "hip.toml", *extra, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr == (
            'hip.toml:5: move 1 "Clamshell": unknown key "hlod"; did you mean "hold"?\n'
        )
        assert result.stdout == ""
    assert not (tmp_path / "out.wav").exists()


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    write(tmp_path, 'title = "Hips"\n[[move]]\nname "Clamshell"\n')
    result = voiceguide("check", "hip.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("hip.toml:3: invalid TOML: ")
    assert len(result.stderr.splitlines()) == 1


def test_a_routine_that_does_not_exist(tmp_path: Path) -> None:
    result = voiceguide("plan", "knees", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "knees: no such file, and no bundled routine of that name (bundled: "
        "hip-mobility, hip-mobility-de, seven-minute, tabata); see `voiceguide list`\n"
    )


def test_an_unknown_voice_names_the_closest_and_exits_2(tmp_path: Path) -> None:
    result = voiceguide("plan", "tabata", "--voice", "englsh", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith('no voice "englsh"; closest: ')
    assert "English" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_grown_rest_warns_on_stderr_and_strict_refuses(tmp_path: Path) -> None:
    script = GOOD + 'sides = "each"\nrest_between_sides = "1s"\n'
    write(tmp_path, script)
    result = voiceguide("plan", "hip.toml", "--json", cwd=tmp_path)
    assert result.returncode == 0
    (warning,) = result.stderr.splitlines()
    assert warning.startswith('warning: hip.toml: move 1 "Clamshell": the switch to the right ')
    assert json.loads(result.stdout)["warnings"] == [warning.removeprefix("warning: ")]
    write(tmp_path, script + "\n[settings]\nstrict = true\n")
    result = voiceguide("plan", "hip.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.endswith("(strict = true: make the rest longer)\n")


def test_plan_json_has_exactly_the_documented_fields(tmp_path: Path) -> None:
    result = voiceguide("plan", "tabata", "--json", cwd=tmp_path)
    document = json.loads(result.stdout)
    assert set(document) == {
        "title", "sample_rate", "duration", "voice", "rate", "warnings", "events", "phases"
    }
    assert {key for event in document["events"] for key in event} == {
        "start", "end", "kind", "cue", "text", "move", "set", "side"
    }
    assert {key for phase in document["phases"] for key in phase} == {
        "start", "end", "kind", "move", "set", "side", "reps"
    }
    starts = [event["start"] for event in document["events"]]
    assert starts == sorted(starts)
    assert {phase["kind"] for phase in document["phases"]} == {"intro", "window", "work", "outro"}
    assert document["rate"] == 150


def test_voice_and_rate_options_override_the_script(tmp_path: Path) -> None:
    # a one-move script of its own voice and rate: the options change what the script says,
    # and its speech is a few clips, not a whole bundled routine's at three settings
    write(tmp_path, GOOD + '\n[settings]\nrate = 200\nvoice = "en"\n')
    own = json.loads(voiceguide("plan", "hip.toml", "--json", cwd=tmp_path).stdout)
    slow = json.loads(
        voiceguide("plan", "hip.toml", "--json", "--rate", "120", cwd=tmp_path).stdout)
    fast = json.loads(
        voiceguide("plan", "hip.toml", "--json", "--rate", "300", cwd=tmp_path).stdout)
    assert own["rate"] == 200 and slow["rate"] == 120 and fast["rate"] == 300
    assert slow["duration"] > own["duration"] > fast["duration"]
    assert "German" not in own["voice"]
    german = json.loads(
        voiceguide("plan", "hip.toml", "--json", "--voice", "de", cwd=tmp_path).stdout)
    assert "German" in german["voice"] or "de" in german["voice"].lower()


def test_sample_rate_option(tmp_path: Path) -> None:
    document = json.loads(voiceguide("plan", "tabata", "--json", "--sample-rate", "48000").stdout)
    assert document["sample_rate"] == 48000
    result = voiceguide("plan", "tabata", "--sample-rate", "12345")
    assert result.returncode == 2


def test_list_and_voices(bundled_routines_spoken: None) -> None:
    listed = voiceguide("list")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [
        "hip-mobility", "hip-mobility-de", "seven-minute", "tabata"
    ]
    voices = voiceguide("voices")
    assert voices.returncode == 0
    assert "German" in voices.stdout and "English" in voices.stdout


def _commands() -> list[str]:
    from voiceguide.cli.main import cli

    return sorted(cli.commands)


def test_the_commands_are_the_documented_ones() -> None:
    assert _commands() == ["check", "export", "list", "new", "plan", "play", "share", "voices"]


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = voiceguide(command, "--help")
    assert result.returncode == 0
    example = result.stdout.split("Example:\n", 1)[1]
    # the example is a real command line of this command
    assert example.lstrip().startswith(f"voiceguide {command}")
    assert "-h, --help" in result.stdout


def test_session_options_have_the_same_names_everywhere() -> None:
    from voiceguide.cli.main import cli

    def options(name: str) -> set[str]:
        return {
            option for param in cli.commands[name].params for option in param.opts
            if option.startswith("-")
        }

    shared = {"--voice", "--rate", "--sample-rate"}
    for name in ("check", "plan", "export", "play", "share"):
        assert shared <= options(name), name
    # the same meaning has the same name: --quiet, -o/--output, --json
    assert "--quiet" in options("export") and "--quiet" in options("play")
    assert {"-o", "--output"} <= options("export")


def test_shell_completion_scripts() -> None:
    import os

    for shell, marker in (
        ("bash", "complete -o default -o filenames -o nosort -F _voiceguide_completion voiceguide"),
        ("zsh", "compdef _voiceguide_completion voiceguide"),
        ("fish", "complete --no-files --command voiceguide"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "voiceguide"], capture_output=True, text=True, timeout=60,
            env={**os.environ, "_VOICEGUIDE_COMPLETE": f"{shell}_source"},
        )
        assert result.returncode == 0, result.stderr
        assert marker in result.stdout, shell


def test_bash_completion_completes_commands_and_options() -> None:
    import os

    def complete(words: str) -> list[str]:
        result = subprocess.run(
            [sys.executable, "-m", "voiceguide"], capture_output=True, text=True, timeout=60,
            env={**os.environ, "_VOICEGUIDE_COMPLETE": "bash_complete",
                 "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)},
        )
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]

    assert "plan" in complete("voiceguide pl")
    assert complete("voiceguide plan --sa") == ["--sample-rate"]


def in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What a user sees: the command's stdout and stderr on a pseudo-terminal."""
    status, seen = on_a_terminal(args, env, cwd=cwd)
    assert status in (0, 2), seen
    return seen


def test_no_color_output_has_no_ansi_colour_codes(
    tmp_path: Path, bundled_routines_spoken: None
) -> None:
    import os

    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm-256color"}
    write(tmp_path, GOOD.replace('hold = "30s"', 'hlod = "30s"'), "bad.toml")
    runs = [
        ["list"], ["plan", "tabata"], ["check", "bad.toml"], ["plan", "nope"], ["--help"],
        ["export", "tabata", "-o", "t.wav"], ["new", "fresh"], ["new", "fresh"],
        ["plan", "tabata", "--sample-rate", "1"],
    ]
    for args in runs:
        seen = in_terminal(args, tmp_path, env)
        assert seen.strip(), args
        assert not re.search(r"\x1b\[[0-9;]*m", seen), (args, seen)
    # the terminal really showed the export's progress bar, where colour would be
    assert "Exporting u.wav" in in_terminal(["export", "tabata", "-o", "u.wav"], tmp_path, env)


def test_data_on_stdout_and_messages_on_stderr(tmp_path: Path) -> None:
    exported = voiceguide("export", "tabata", "-o", "t.wav", cwd=tmp_path)
    assert exported.stdout == "" and exported.stderr == "wrote t.wav\n"
    made = voiceguide("new", "mine", cwd=tmp_path)
    assert made.stdout == "" and made.stderr.startswith("wrote mine.toml")
    sheet = voiceguide("plan", "tabata", "--html", "t.html", cwd=tmp_path)
    assert sheet.stdout == "" and sheet.stderr == "wrote t.html\n"
    planned = voiceguide("plan", "tabata", cwd=tmp_path)
    assert planned.stderr == "" and planned.stdout.startswith("Tabata")


def test_version() -> None:
    result = voiceguide("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "voiceguide, version 0.1.0"


def test_an_unknown_export_format_is_bad_input(tmp_path: Path) -> None:
    result = voiceguide("export", "tabata", "-o", "tabata.ogg", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_list_draws_a_bar_while_it_makes_speech_on_a_terminal_only(
    bundled_routines_spoken: None, tmp_path: Path
) -> None:
    """The first `list` speaks every routine to know its length: seconds with nothing shown but
    for the bar. Here the run's cache less a few clips, so a little is made each time."""

    def cache_missing_clips(name: str) -> dict[str, str]:
        cache = tmp_path / name
        shutil.copytree(os.environ["VOICEGUIDE_CACHE"], cache)
        clips = sorted((cache / "speech").glob("*.clip"))
        for clip in clips[:: max(1, len(clips) // 6)]:
            clip.unlink()
        return {**os.environ, "VOICEGUIDE_CACHE": str(cache)}

    on_a_pipe = voiceguide_process("list", env=cache_missing_clips("on-a-pipe"))
    assert on_a_pipe.returncode == 0 and on_a_pipe.stderr == ""
    assert len(on_a_pipe.stdout.splitlines()) == 4
    env = cache_missing_clips("on-a-terminal")
    status, drawn = on_a_terminal(["list"], env, stdout_too=False)
    assert status == 0 and "Making speech" in drawn and "100%" in drawn
    assert on_a_terminal(["list"], env, stdout_too=False) == (0, "")  # all cached: no bar
