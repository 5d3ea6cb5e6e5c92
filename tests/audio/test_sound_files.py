"""A script's own sounds: what the loader accepts from a file's header, and a real export with
FLAC and OGG sounds, checked against sox."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.support.sound_scripts import sound_error, sounds_script
from voiceguide.script.reader import load_routine

FIX = "; use a PCM WAV file, e.g. `sox input -b 16 output.wav`"
RATE_FIX = "; convert it, e.g. `sox input -r 44100 output.wav`"


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


def wav_claiming(path: Path, rate: int, frames: int = 4) -> Path:
    """A 16-bit mono WAV of `frames` frames whose header claims `rate` samples per second."""
    pcm = b"\x10\x00" * frames
    fmt = struct.pack("<HHIIHH", 1, 1, rate, (rate * 2) & 0xFFFFFFFF, 2, 16)
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


@pytest.mark.slow
def test_the_loader_accepts_every_promised_container_and_encoding(tmp_path: Path) -> None:
    made = {
        "tick": ("tick.flac", []),
        "go": ("go.ogg", []),
        "end": ("end.aiff", []),
        "rep": ("rep.wav", ["-e", "floating-point", "-b", "32"]),  # float32: once refused
        "done": ("done.wav", ["-c", "3"]),  # channels are mixed to mono
    }
    for name, encoding in made.values():
        sox("-n", "-r", "44100", *encoding, str(tmp_path / name), "synth", "0.1", "sine", "900")
    lines = "\n".join(f'{sound} = "{name}"' for sound, (name, _) in made.items())
    routine = load_routine(sounds_script(tmp_path, lines), display_name="r.toml")
    assert routine.settings.sounds == {
        sound: (tmp_path / name).resolve() for sound, (name, _) in made.items()
    }


@pytest.mark.parametrize(
    ("rate", "problem"),
    [
        (4_294_967_295, "claims an impossible sample rate"),
        (1, "claims a sample rate of 1 Hz"),
        (7_999, "claims a sample rate of 7,999 Hz"),
        (384_001, "claims a sample rate of 384,001 Hz"),
    ],
)
def test_the_loader_refuses_an_absurd_rate_with_one_line(
    tmp_path: Path, rate: int, problem: str
) -> None:
    wav_claiming(tmp_path / "odd.wav", rate)
    assert sound_error(tmp_path, 'go = "odd.wav"') == (
        f'r.toml:3: "settings.sounds.go": "odd.wav" {problem}; the rate must be from 8,000 to '
        f"384,000 Hz{RATE_FIX}"
    )


def test_the_loader_takes_the_rates_at_both_ends(tmp_path: Path) -> None:
    wav_claiming(tmp_path / "low.wav", 8_000)
    wav_claiming(tmp_path / "high.wav", 384_000)
    script = sounds_script(tmp_path, 'tick = "low.wav"\ngo = "high.wav"')
    assert load_routine(script).settings.sounds["go"] == (tmp_path / "high.wav").resolve()


def test_the_loader_refuses_a_sound_over_30_seconds_from_its_header(tmp_path: Path) -> None:
    wav_claiming(tmp_path / "song.wav", 8_000, frames=8_000 * 31)
    assert sound_error(tmp_path, 'done = "song.wav"') == (
        'r.toml:3: "settings.sounds.done": "song.wav" is 31 s long; a sound must be under 30 s'
    )


@pytest.mark.slow
def test_the_loader_names_a_container_it_does_not_take(tmp_path: Path) -> None:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=800:duration=0.3",
         str(tmp_path / "go.mp3")],
        check=True,
    )  # fmt: skip
    assert sound_error(tmp_path, 'go = "go.mp3"') == (
        f'r.toml:3: "settings.sounds.go": "go.mp3" is MP3, not WAV, AIFF, FLAC or OGG{FIX}'
    )


@pytest.mark.slow
def test_an_ogg_opus_sound_loads_at_its_length(tmp_path: Path) -> None:
    from voiceguide.audio.sounds import Sounds

    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=800:duration=0.3",
         "-c:a", "libopus", str(tmp_path / "go.ogg")],
        check=True,
    )  # fmt: skip
    script = sounds_script(tmp_path, 'go = "go.ogg"')
    path = load_routine(script).settings.sounds["go"]
    assert Sounds({"go": path}, 48000).lengths()["go"] == 14400  # 0.3 s, Opus's pre-skip gone


# --- a real export with FLAC and OGG sounds ---


SCRIPT = """\
title = "Sounds"
[settings]
lead_in = "1s"
countdown = 3
[settings.sounds]
go = "go.flac"
tick = "tick.ogg"
[[move]]
name = "Plank"
hold = "5s"
"""


def sox_samples(path: Path, rate: int) -> npt.NDArray[np.float64]:
    """What sox makes of the file at `rate`, mono: the reference, decoded by a reader we did
    not write."""
    out = subprocess.run(
        ["sox", str(path), "-t", "f32", "-c", "1", "-r", str(rate), "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(out, "<f4").astype(np.float64)


def voiceguide(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voiceguide", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip


@pytest.mark.slow
def test_an_export_plays_flac_and_ogg_sounds_where_the_plan_puts_them(tmp_path: Path) -> None:
    sox("-n", "-r", "48000", "-c", "2", str(tmp_path / "go.flac"), "synth", "0.4", "sine", "600",
        "vol", "0.5")  # fmt: skip
    sox("-n", "-r", "16000", str(tmp_path / "tick.ogg"), "synth", "0.08", "sine", "1500",
        "vol", "0.5")  # fmt: skip
    (tmp_path / "s.toml").write_text(SCRIPT, encoding="utf-8")
    planned = voiceguide("plan", "s.toml", "--json", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    exported = voiceguide("export", "s.toml", "-o", "s.wav", "--quiet", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    with wave.open(str(tmp_path / "s.wav"), "rb") as file:
        rate = file.getframerate()
        audio = np.frombuffer(file.readframes(file.getnframes()), "<i2") / 32767.0
    beeps = [event for event in plan["events"] if event["kind"] == "beep"]
    for name, source in (("go", "go.flac"), ("tick", "tick.ogg")):
        reference = sox_samples(tmp_path / source, rate)
        events = [event for event in beeps if event["cue"] == name]
        assert events, name
        for event in events:
            start, end = round(event["start"] * rate), round(event["end"] * rate)
            assert abs((end - start) - len(reference)) <= 1  # the length of the file, resampled
            heard = audio[start : start + len(reference) - 1]
            expected = reference[: len(heard)]
            # the sound itself at this very frame (scaled by the beep gain): fully correlated
            correlation = np.corrcoef(heard, expected)[0, 1]
            assert correlation > 0.99, (name, event["start"], correlation)
            assert np.all(np.abs(audio[start - 50 : start]) < 1e-3)  # silence just before
