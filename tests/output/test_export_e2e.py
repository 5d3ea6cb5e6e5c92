"""`voiceguide export` end to end: real speech, and readers we did not write, agree with the plan.

The samples are read back with sox; beeps are found in the signal by correlation with the cue
files (resampled by sox), speech by where the signal is and is not silent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.export_helpers import children_named, still_there, wait_for_partial_file
from tests.support.made_once import hip_wav
from voiceguide.resources import cues_dir

pytestmark = pytest.mark.slow


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voiceguide", *args], capture_output=True, text=True,
        timeout=timeout,
    )


def sox_samples(path: Path, rate: int | None = None) -> np.ndarray:
    """The samples as sox decodes them (optionally resampled by sox), as float in [-1, 1]."""
    effects = ["rate", "-v", str(rate)] if rate else []
    raw = subprocess.run(
        ["sox", str(path), "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-", *effects],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768


@pytest.fixture
def hip_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """`voiceguide export hip-mobility -o hip.wav` and `plan hip-mobility --json`, run once per
    run as processes (tests/test_loudness.py measures the same file)."""
    wav = hip_wav(tmp_path_factory)
    return wav, json.loads(wav.with_suffix(".json").read_text())


def test_readers_agree_with_the_plan_to_the_frame(hip_export: tuple[Path, dict[str, Any]]) -> None:
    wav, plan = hip_export
    rate = plan["sample_rate"]
    expected_frames = round(plan["duration"] * rate)
    soxi = subprocess.run(["soxi", "-s", str(wav)], capture_output=True, text=True, check=True)
    assert int(soxi.stdout) == expected_frames
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-show_chapters",
         "-of", "json", str(wav)], capture_output=True, text=True, check=True).stdout)
    stream = probe["streams"][0]
    assert int(stream["sample_rate"]) == rate and stream["channels"] == 1
    assert int(stream["duration_ts"]) == expected_frames
    assert probe["format"]["tags"]["title"] == "Hip mobility for runners"
    titles = [chapter["tags"]["title"] for chapter in probe["chapters"]]
    assert "Move 3: Standing banded fire hydrant" in titles
    assert "Move 3: Standing banded fire hydrant, right" in titles
    assert "Move 4: Wall lunge with foam roller, left, set 2" in titles


def test_every_beep_starts_at_its_planned_frame(hip_export: tuple[Path, dict[str, Any]]) -> None:
    wav, plan = hip_export
    rate = plan["sample_rate"]
    audio = sox_samples(wav)
    references = {name: sox_samples(cues_dir() / f"{name}.wav", rate) for name in
                  ("tick", "go", "end", "rep", "done")}
    beeps = [e for e in plan["events"] if e["kind"] == "beep"]
    assert len(beeps) > 100
    for event in beeps:
        reference = references[event["cue"]]
        planned = round(event["start"] * rate)
        # search +-20 ms around the plan for the best match of the cue sound
        window = int(0.02 * rate)
        segment = audio[planned - window : planned + window + len(reference)]
        scores = np.correlate(segment, reference, mode="valid")
        found = planned - window + int(np.argmax(scores))
        assert abs(found - planned) <= 1, (event, found - planned)
        match = audio[found : found + len(reference)]
        similarity = np.dot(match, reference) / (np.linalg.norm(match) * np.linalg.norm(reference))
        assert similarity > 0.99, event


def test_speech_sits_at_its_planned_time_and_silence_elsewhere(
    hip_export: tuple[Path, dict[str, Any]],
) -> None:
    wav, plan = hip_export
    rate = plan["sample_rate"]
    audio = sox_samples(wav)
    sounding = np.zeros(len(audio), dtype=bool)
    for event in plan["events"]:
        start, end = round(event["start"] * rate), round(event["end"] * rate)
        sounding[start:end] = True
        if event["kind"] != "speech":
            continue
        loud = np.flatnonzero(np.abs(audio[start:end]) > 0.01)
        assert len(loud), event
        # trimmed speech begins and ends within 30 ms of its planned edges
        assert loud[0] <= 0.03 * rate, (event, loud[0])
        assert (end - start) - loud[-1] <= 0.03 * rate, event
    assert not np.any(audio[~sounding]), "sound outside every planned event"


@pytest.mark.parametrize("rate", [44100, 48000])
def test_other_sample_rates_keep_every_beep_on_its_frame(tmp_path: Path, rate: int) -> None:
    wav = tmp_path / "tabata.wav"
    result = run("export", "tabata", "-o", str(wav), "--sample-rate", str(rate))
    assert result.returncode == 0, result.stderr
    plan = json.loads(run("plan", "tabata", "--json", "--sample-rate", str(rate)).stdout)
    soxi = subprocess.run(["soxi", "-r", str(wav)], capture_output=True, text=True, check=True)
    assert int(soxi.stdout) == rate
    audio = sox_samples(wav)
    assert len(audio) == round(plan["duration"] * rate)
    go = sox_samples(cues_dir() / "go.wav", rate)
    gos = [event for event in plan["events"] if event["cue"] == "go"]
    assert len(gos) == 8
    for event in gos:
        planned = round(event["start"] * rate)
        segment = audio[planned - 200 : planned + 200 + len(go)]
        found = planned - 200 + int(np.argmax(np.correlate(segment, go, mode="valid")))
        assert abs(found - planned) <= 1, (event, found - planned)


# a title, a move with sides and sets (still one chapter) and another move: what the chapters
# need, in a minute and a half of audio, as every second of it is encoded
PHONE_ROUTINE = """\
title = "Sides and sets"
[settings]
rest_between_moves = "15s"
rest_between_sets = "10s"
rest_between_sides = "10s"
[[move]]
name = "Clamshell"
sides = "each"
sets = 2
hold = "5s"
[[move]]
name = "Bridge"
reps = 3
tempo = 2
"""


@pytest.mark.parametrize("suffix", [".m4a", ".mp3"])
def test_phone_formats_carry_a_chapter_per_move_and_the_title(tmp_path: Path, suffix: str) -> None:
    script = tmp_path / "sides.toml"
    script.write_text(PHONE_ROUTINE)
    planned = run("plan", str(script), "--json")
    assert planned.returncode == 0 and not planned.stderr, planned.stderr
    plan = json.loads(planned.stdout)
    destination = tmp_path / f"sides{suffix}"
    result = run("export", str(script), "-o", str(destination))
    assert result.returncode == 0, result.stderr
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_chapters", "-of", "json",
         str(destination)], capture_output=True, text=True, check=True).stdout)
    assert probe["format"]["tags"]["title"] == "Sides and sets"
    assert [chapter["tags"]["title"] for chapter in probe["chapters"]] == [
        "Intro", "Move 1: Clamshell", "Move 2: Bridge",
    ]
    # a chapter starts where its move's first announcement window starts, once the previous
    # move's end beep (at the start of that window) is over
    end_beeps = {event["start"]: event["end"] for event in plan["events"]
                 if event["kind"] == "beep" and event["cue"] == "end"}
    windows = {}
    for phase in plan["phases"]:
        if phase["kind"] == "window":
            windows.setdefault(phase["move"], end_beeps.get(phase["start"], phase["start"]))
    for chapter in probe["chapters"][1:]:
        name = chapter["tags"]["title"].split(": ", 1)[1]
        assert float(chapter["start_time"]) == pytest.approx(windows[name], abs=0.001)
    assert float(probe["format"]["duration"]) == pytest.approx(plan["duration"], abs=0.1)


def test_an_interrupted_export_leaves_no_file_and_keeps_the_earlier_one(tmp_path: Path) -> None:
    long_routine = tmp_path / "long.toml"
    long_routine.write_text(
        'title = "Long"\n[settings]\nrest_between_sets = "10s"\n'
        '[[move]]\nname = "Plank"\nhold = "50m"\nsets = 4\n'
    )
    destination = tmp_path / "long.m4a"
    destination.write_bytes(b"an earlier export")
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "export", str(long_routine), "-o", str(destination)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    wait_for_partial_file(process, tmp_path, "long.m4a")
    deadline = time.monotonic() + 60
    while not (encoders := children_named(process.pid, "ffmpeg")):
        assert time.monotonic() < deadline, "ffmpeg never started"
        time.sleep(0.01)
    assert len(encoders) == 1
    time.sleep(0.5)  # well into the encoding
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    # ffmpeg was ended and waited for before voiceguide exited
    assert not still_there(encoders[0])
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in stderr
    assert destination.read_bytes() == b"an earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.m4a", "long.toml"]


def test_an_unwritable_destination_is_one_line_and_status_1(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    os.chmod(folder, 0o500)
    # as root, mode bits do not stop a write: make the folder immutable instead
    immutable = os.access(folder, os.W_OK) and subprocess.run(
        ["chattr", "+i", str(folder)], capture_output=True
    ).returncode == 0
    if not immutable and os.access(folder, os.W_OK):
        pytest.skip("cannot make a folder unwritable here")
    try:
        result = run("export", "tabata", "-o", str(folder / "tabata.wav"))
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        os.chmod(folder, 0o700)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"cannot write to the folder {folder}")
    assert list(folder.iterdir()) == []
