"""Every command the README shows runs, as a user types it, in an empty folder.

The tour is walked once per test run (tests/support/readme_tour.py); the tests of the hip
routine's full-length files read what it made.

Shell lines come from the README's ```sh, ```bash, ```zsh and ```fish blocks (indented ones
too). The set-up commands are left to CI (tests/test_project.py ties them to .ci/run);
`voiceguide play` plays into a private PulseAudio null sink (tools/pulse_null_sink.py) until
the first words are heard, then is stopped with Ctrl-C; `voiceguide share` serves until a
download, so tests/share/test_share_cli.py runs it and downloads the file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from pulse_null_sink import PulseServer, Recorder, available

from tests.support.readme_tour import TOUR, blocks, readme_tour, run, shell_lines, skipped, user_env
from voiceguide.resources import bundled_scripts
from voiceguide.script.model import Routine
from voiceguide.script.reader import load_routine, parse_routine

pytestmark = pytest.mark.slow


def test_the_readme_shows_the_tour_and_what_is_skipped_is_only_setup_play_and_share() -> None:
    lines = shell_lines("sh", "bash")
    left_out = [line for line in lines if skipped(line)]
    # the two set-up commands, `voiceguide play hip-mobility` and `voiceguide share hip-mobility`
    assert len(left_out) == 4
    commands = {line.split()[1] for line in lines if line.startswith("voiceguide ")}
    assert commands >= {
        "list", "plan", "play", "export", "share", "new", "check", "voices", "--version"
    }


@pytest.mark.xdist_group(TOUR)
def test_every_shell_command_of_the_readme_runs(tmp_path_factory: pytest.TempPathFactory) -> None:
    tour = readme_tour(tmp_path_factory)
    assert [entry.line for entry in tour.ran] == [
        line for line in shell_lines("sh") if not skipped(line)
    ]
    for entry in tour.ran:
        assert entry.status == 0, (entry.line, entry.stderr)
        assert "Traceback" not in entry.stderr, entry.line
    assert len(tour.ran) >= 12
    made = {path.name for path in tour.folder.iterdir()}
    assert made >= {
        "hip-mobility.m4a", "hip-mobility.mp3", "knee-routine.toml", "knee-routine.html",
        "hip-mobility.html", "hueftmobilitaet.m4a", "plan.json", "hip-mobility.m4b",
        "hip-mobility.m3u8", "hip-mobility-01-intro.mp3", "hip-mobility-joe.m4a",
    }
    assert not [name for name in made if ".partial-" in name]
    plan = json.loads((tour.folder / "plan.json").read_text())
    assert plan["title"] == "Hip mobility for runners"
    for audio in ("hip-mobility.m4a", "hip-mobility.mp3", "hueftmobilitaet.m4a",
                  "hip-mobility-joe.m4a"):
        assert (tour.folder / audio).stat().st_size > 100_000, audio


def test_bash_completion_from_the_readme_completes(tmp_path: Path) -> None:
    (line,) = shell_lines("bash")
    script = (
        f"{line}\nCOMP_WORDS=(voiceguide pl); COMP_CWORD=1\n"
        # bash calls a completion function with the command name as $1
        "_voiceguide_completion voiceguide\n"
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = run("bash", script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["plan", "play"]


def test_zsh_completion_from_the_readme_loads(tmp_path: Path) -> None:
    (line,) = shell_lines("zsh")
    # ~/.zshrc runs compinit before the line; do the same
    script = f"autoload -Uz compinit && compinit -u\n{line}\nwhence -w _voiceguide_completion"
    result = run("zsh", script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "_voiceguide_completion: function"


def test_fish_completion_from_the_readme_completes(tmp_path: Path) -> None:
    (line,) = shell_lines("fish")
    result = run("fish", f"{line}; complete --do-complete 'voiceguide pl'", tmp_path)
    assert result.returncode == 0, result.stderr
    assert [entry.split("\t")[0] for entry in result.stdout.splitlines()] == ["plan", "play"]


def test_the_complete_example_is_the_bundled_hip_routine(tmp_path: Path) -> None:
    (example,) = blocks("toml")
    bundled = load_routine(bundled_scripts()["hip-mobility"])
    shown = parse_routine(example, bundled.path)

    def without_lines(routine: Routine) -> Routine:
        # the bundled file has a comment header, so its moves start on other lines
        moves = tuple(dataclasses.replace(move, line=None) for move in routine.moves)
        return dataclasses.replace(routine, moves=moves)

    assert without_lines(shown) == without_lines(bundled)


def test_the_error_the_readme_shows_is_the_one_a_user_gets(tmp_path: Path) -> None:
    (example,) = blocks("toml")
    shown_error = next(
        block for block in blocks("") if "did you mean" in block
    ).strip()
    (tmp_path / "hip.toml").write_text(example.replace('hold = "30s"', 'hlod = "30s"'))
    result = run("bash", "voiceguide check hip.toml", tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == shown_error


@pytest.mark.realtime
@pytest.mark.skipif(available() is not None, reason=str(available()))
def test_play_from_the_readme_is_heard_on_an_audio_device(tmp_path: Path) -> None:
    (line,) = [line for line in shell_lines("sh") if line.startswith("voiceguide play ")]
    server = PulseServer(tmp_path / "pulse", 22050)
    server.start()
    try:
        recorder = Recorder(server)
        recorder.wait_for_frames(2205)
        process = subprocess.Popen(
            ["bash", "-c", line], cwd=tmp_path, env=user_env(server.env()),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        try:
            # the first phase line comes when playing starts; the title is spoken 1 s later
            # (lead_in) and lasts about 1.4 s
            assert process.stdout is not None
            first = process.stdout.readline()
            time.sleep(3.0)
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the user's terminal
            _, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        time.sleep(0.3)
        recording = recorder.stop()
    finally:
        server.stop()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert first.startswith("0:00"), (first, err)
    loud = np.flatnonzero(np.abs(recording) > 0.05)
    # the title was heard, for more than a moment
    assert len(loud) > 0 and (loud[-1] - loud[0]) / 22050 > 0.8, err
