"""The one audio reader (libsndfile through python-soundfile): speech clips as the engine wrote
them, headers, and decoding a block at a time."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from voiceguide.audio.read import (
    HIGHEST_RATE,
    LOWEST_RATE,
    Header,
    Unreadable,
    decode_audio_file,
    read_header,
    read_mono,
)
from voiceguide.errors import VoiceError


def tone(frames: int, rate: int = 22050, pitch: float = 220.0) -> np.ndarray:
    t = np.arange(frames) / rate
    return np.round(np.sin(2 * np.pi * pitch * t) * 12000).astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int, channels: int = 1) -> Path:
    """A 16-bit WAV written by the stdlib, not by the code under test."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())
    return path


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


# --- speech clips ---


def test_decode_wav_reads_its_own_header(tmp_path: Path) -> None:
    samples = tone(1000, 16000)
    path = write_wav(tmp_path / "clip.wav", samples, 16000)
    decoded, rate = decode_audio_file(path)
    assert rate == 16000 and decoded.dtype == np.int16 and np.array_equal(decoded, samples)


def test_decode_mixes_stereo_to_mono_exactly(tmp_path: Path) -> None:
    left, right = tone(500), tone(500, pitch=330)
    interleaved = np.stack([left, right], axis=1).ravel()
    decoded, _ = decode_audio_file(write_wav(tmp_path / "s.wav", interleaved, 22050, channels=2))
    expected = np.round((left.astype(float) + right.astype(float)) / 2).astype(np.int16)
    assert np.array_equal(decoded, expected)


def test_decode_refuses_junk_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "junk.wav"
    path.write_bytes(b"this is not audio at all")
    with pytest.raises(VoiceError) as caught:
        decode_audio_file(path)
    assert str(caught.value) == f"the speech engine wrote an unknown audio format to {path}"


def test_decode_of_a_damaged_or_missing_clip_names_it(tmp_path: Path) -> None:
    good = write_wav(tmp_path / "good.wav", tone(100), 22050)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:30])
    with pytest.raises(VoiceError) as caught:
        decode_audio_file(cut)
    assert str(caught.value).startswith(
        f"the speech clip {cut} is damaged or in an encoding that cannot be read ("
    )
    with pytest.raises(VoiceError) as caught:
        decode_audio_file(tmp_path / "gone.wav")
    assert str(caught.value) == (
        f"cannot read the speech clip {tmp_path / 'gone.wav'}: No such file or directory"
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["aiff", "aifc", "wav", "flac"])
def test_decode_files_written_by_sox(tmp_path: Path, kind: str) -> None:
    """AIFF is what macOS writes; sox makes real ones (and a stereo 24-bit WAV)."""
    samples = tone(2205, 22050)
    source = write_wav(tmp_path / "source.wav", samples, 22050)
    target = tmp_path / f"out.{kind}"
    extra = ["-b", "24", "-c", "2"] if kind == "wav" else []
    subprocess.run(["sox", str(source), *extra, str(target)], check=True)
    decoded, rate = decode_audio_file(target)
    assert rate == 22050 and len(decoded) == len(samples)
    assert np.abs(decoded.astype(int) - samples.astype(int)).max() <= 1


# --- headers ---


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "options", "container"),
    [
        ("a.wav", [], "WAV"),
        ("b.wav", ["-b", "24"], "WAV"),  # sox writes WAVE_FORMAT_EXTENSIBLE for 24 bit
        ("c.aiff", [], "AIFF"),
        ("d.flac", [], "FLAC"),
        ("e.ogg", [], "OGG"),
    ],
)
def test_the_header_names_the_container(
    tmp_path: Path, name: str, options: list[str], container: str
) -> None:
    path = tmp_path / name
    sox("-n", "-r", "32000", "-c", "2", *options, str(path), "synth", "0.5", "sine", "440")
    assert read_header(path) == Header(container, 32000, 2, 16000)


def test_the_rate_limits_are_the_documented_ones() -> None:
    assert (LOWEST_RATE, HIGHEST_RATE) == (8_000, 384_000)
    text = (Path(__file__).parents[2] / "docs" / "ROUTINE_FORMAT.md").read_text()
    assert "8,000 to 384,000 Hz" in text


# --- decoding a block at a time ---


@pytest.mark.slow
def test_many_channels_over_many_blocks_mix_as_sox_mixes_them(tmp_path: Path) -> None:
    # 6 channels x 3 s at 44.1 kHz: many decode blocks, a ragged last one
    path = tmp_path / "six.wav"
    sox("-n", "-r", "44100", "-c", "6", "-b", "24", str(path), "synth", "3.01", "sine", "300",
        "sine", "500", "sine", "700", "sine", "900", "sine", "1100", "sine", "1300",
        "vol", "0.9")  # fmt: skip
    mono, header = read_mono(path)
    assert header == Header("WAV", 44100, 6, 132741)
    reference = subprocess.run(
        ["sox", str(path), "-t", "f32", "-c", "1", "-"], capture_output=True, check=True
    ).stdout
    np.testing.assert_allclose(mono, np.frombuffer(reference, "<f4"), atol=2e-6)


def test_a_limit_stops_decoding_one_frame_past_it(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "long.wav", np.ones(8000 * 40, dtype=np.int16), 8000)
    mono, header = read_mono(path, max_seconds=30)
    assert header.frames == 8000 * 40
    assert len(mono) == 8000 * 30 + 1


def test_a_folder_is_an_os_error_and_junk_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        read_header(tmp_path)
    (tmp_path / "junk").write_bytes(b"\0" * 100)
    with pytest.raises(Unreadable, match="is not a WAV, AIFF, FLAC or OGG file"):
        read_mono(tmp_path / "junk")
