"""The WAV writer, checked by readers we did not write: wave, soxi, ffprobe, wavinfo."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from voiceguide.errors import ExportError
from voiceguide.output.wav_writer import SOFTWARE, Marker, Tags, WavWriter, check_wav_fits, wav_size

RATE = 8000
# odd and even label/tag lengths, so both padded and unpadded chunks occur
MARKERS = [
    Marker(0, "Intro"),
    Marker(1234, "Move 1: Side-lying clamshell"),
    Marker(5001, "Move 1: Side-lying clamshell, left, set 1"),
    Marker(9999, "ab"),
    Marker(15000, "Move 2: Übung, round 2"),
]
TAGS = Tags(title="Hip mobility for runners", artist="voiceguide", comment="4 moves, 12 min")


def tone(frames: int, seed: int = 1) -> np.ndarray:
    generator = np.random.default_rng(seed)
    return generator.integers(-32768, 32767, frames, dtype=np.int16)


def write_file(
    path: Path,
    samples: np.ndarray,
    block: int = 777,
    markers: list[Marker] = MARKERS,
    tags: Tags = TAGS,
) -> None:
    with path.open("wb") as file, WavWriter(file, RATE, len(samples), markers, tags) as writer:
        for start in range(0, len(samples), block):
            writer.write(samples[start : start + block])


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Walk a RIFF file: (id, body) of each top-level chunk; asserts sizes and padding."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    found = []
    position = 12
    while position < len(data):
        chunk_id = data[position : position + 4]
        (size,) = struct.unpack("<I", data[position + 4 : position + 8])
        body = data[position + 8 : position + 8 + size]
        assert len(body) == size
        if size % 2:
            assert data[position + 8 + size] == 0  # the pad byte
        found.append((chunk_id, body))
        position += 8 + size + size % 2
    assert position == len(data)
    return found


def sub_chunks(body: bytes) -> list[tuple[bytes, bytes]]:
    found = []
    position = 0
    while position < len(body):
        chunk_id = body[position : position + 4]
        (size,) = struct.unpack("<I", body[position + 4 : position + 8])
        found.append((chunk_id, body[position + 8 : position + 8 + size]))
        if size % 2:
            assert body[position + 8 + size] == 0
        position += 8 + size + size % 2
    assert position == len(body)
    return found


def test_chunk_layout_sizes_padding_and_strings(tmp_path: Path) -> None:
    samples = tone(20001)
    path = tmp_path / "a.wav"
    write_file(path, samples)
    data = path.read_bytes()
    assert len(data) == wav_size(len(samples), MARKERS, TAGS)
    found = chunks(data)
    assert [chunk_id for chunk_id, _ in found] == [b"fmt ", b"data", b"cue ", b"LIST", b"LIST"]
    assert data[36:40] == b"data"  # canonical 44-byte header
    assert np.array_equal(np.frombuffer(found[1][1], "<i2"), samples)

    cue = found[2][1]
    assert struct.unpack("<I", cue[:4])[0] == len(MARKERS)
    points = [struct.unpack("<II4sIII", cue[4 + 24 * i : 28 + 24 * i]) for i in range(5)]
    assert [(p[0], p[1], p[2], p[5]) for p in points] == [
        (n, m.frame, b"data", m.frame) for n, m in enumerate(MARKERS, start=1)
    ]

    adtl = found[3][1]
    assert adtl[:4] == b"adtl"
    labels = sub_chunks(adtl[4:])
    assert [chunk_id for chunk_id, _ in labels] == [b"labl"] * 5
    assert [(struct.unpack("<I", body[:4])[0], body[4:]) for _, body in labels] == [
        (n, m.label.encode() + b"\0") for n, m in enumerate(MARKERS, start=1)
    ]
    assert any(len(body) % 2 for _, body in labels)  # the padding case is exercised

    info = found[4][1]
    assert info[:4] == b"INFO"
    assert dict(sub_chunks(info[4:])) == {
        b"INAM": b"Hip mobility for runners\0",
        b"IART": b"voiceguide\0",
        b"ICMT": b"4 moves, 12 min\0",
        b"ISFT": b"voiceguide 0.1.0\0",
    }
    assert SOFTWARE == "voiceguide 0.1.0"


def test_python_wave_reads_rate_format_and_every_frame(tmp_path: Path) -> None:
    samples = tone(16001, seed=7)
    path = tmp_path / "b.wav"
    write_file(path, samples, block=4096)
    with wave.open(str(path), "rb") as reader:
        assert reader.getframerate() == RATE
        assert reader.getnchannels() == 1
        assert reader.getsampwidth() == 2
        assert reader.getnframes() == 16001
        assert np.array_equal(np.frombuffer(reader.readframes(30000), "<i2"), samples)


def test_without_markers_and_with_empty_tags(tmp_path: Path) -> None:
    path = tmp_path / "c.wav"
    write_file(path, tone(100), markers=[], tags=Tags("", "", "Odd"))
    found = chunks(path.read_bytes())
    assert [chunk_id for chunk_id, _ in found] == [b"fmt ", b"data", b"LIST"]
    assert dict(sub_chunks(found[2][1][4:])) == {b"ICMT": b"Odd\0", b"ISFT": b"voiceguide 0.1.0\0"}


def test_more_frames_than_announced_is_refused() -> None:
    writer = WavWriter(io.BytesIO(), RATE, 10)
    writer.write(tone(6))
    with pytest.raises(ValueError, match="11 frames written, 10 announced"):
        writer.write(tone(5))


def test_wrong_sample_type_is_refused() -> None:
    writer = WavWriter(io.BytesIO(), RATE, 10)
    with pytest.raises(ValueError, match="int16"):
        writer.write(np.zeros(4, dtype=np.float32))


def test_marker_outside_the_audio_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the audio"):
        WavWriter(io.BytesIO(), RATE, 10, [Marker(11, "late")])


def test_fewer_frames_than_announced_get_true_sizes_at_close(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    with path.open("wb") as file, WavWriter(file, RATE, 20000, MARKERS, TAGS) as writer:
        writer.write(tone(16001))
    data = path.read_bytes()
    chunks(data)  # RIFF size and every chunk size are consistent
    with wave.open(str(path), "rb") as reader:
        assert reader.getnframes() == 16001


def test_an_error_leaves_the_file_unfinished(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with pytest.raises(RuntimeError), WavWriter(buffer, RATE, 100, MARKERS[:1], TAGS) as writer:
        writer.write(tone(50))
        raise RuntimeError("render failed")
    assert len(buffer.getvalue()) == 44 + 100  # no trailer: the caller throws the file away


def test_the_4_gib_limit_is_refused_before_writing() -> None:
    buffer = io.BytesIO()
    # 5 hours at 192 kHz: 6.9 GB of samples
    with pytest.raises(ExportError) as caught:
        WavWriter(buffer, 192000, 5 * 3600 * 192000, MARKERS, TAGS)
    assert buffer.getvalue() == b""
    assert str(caught.value) == (
        "the session is 5:00:00.0 long, and a WAV file at 192000 Hz holds at most 3:06:24.8 "
        "(the 4 GiB limit of WAV); use a lower --sample-rate, or export .m4a or .mp3"
    )


def test_the_limit_sits_exactly_at_the_riff_size_field() -> None:
    overhead = wav_size(0, MARKERS, TAGS)
    largest = (0xFFFF_FFFF + 8 - overhead) // 2
    check_wav_fits(largest, 22050, MARKERS, TAGS)
    assert wav_size(largest, MARKERS, TAGS) - 8 <= 0xFFFF_FFFF
    with pytest.raises(ExportError):
        check_wav_fits(largest + 1, 22050, MARKERS, TAGS)


# --- real readers -------------------------------------------------------------------------


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    frames = 3 * RATE + 4321
    path = tmp_path_factory.mktemp("wav") / "hip.wav"
    write_file(path, tone(frames, seed=3), block=1000)
    return path, frames


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soxi") is None, reason="needs sox")
def test_soxi_agrees(written: tuple[Path, int]) -> None:
    path, frames = written
    assert run("soxi", "-s", str(path)).strip() == str(frames)
    assert run("soxi", "-r", str(path)).strip() == str(RATE)
    assert run("soxi", "-c", str(path)).strip() == "1"
    assert run("soxi", "-b", str(path)).strip() == "16"
    assert run("sox", "--i", "-s", str(path)).strip() == str(frames)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="needs ffmpeg")
def test_ffprobe_reads_duration_tags_and_cue_chapters(written: tuple[Path, int]) -> None:
    path, frames = written
    report = json.loads(run("ffprobe", "-v", "error", "-show_format", "-show_streams",
                            "-show_chapters", "-of", "json", str(path)))
    stream = report["streams"][0]
    assert stream["duration_ts"] == frames
    assert stream["sample_rate"] == str(RATE)
    assert stream["codec_name"] == "pcm_s16le"
    assert report["format"]["tags"] == {
        "title": TAGS.title, "artist": TAGS.artist, "comment": TAGS.comment,
        "encoder": "voiceguide 0.1.0",
    }
    # ffmpeg 5.1 turns cue points into chapters and labl texts into their titles
    chapters = report["chapters"]
    assert [(c["start"], c["tags"]["title"]) for c in chapters] == [
        (m.frame, m.label) for m in MARKERS
    ]
    assert chapters[-1]["end"] == frames


@pytest.mark.slow
def test_wavinfo_reads_cue_labels_and_info(written: tuple[Path, int]) -> None:
    wavinfo = pytest.importorskip("wavinfo")
    path, frames = written
    info = wavinfo.WavInfoReader(str(path), info_encoding="utf-8")
    assert info.data.frame_count == frames
    assert info.fmt.sample_rate == RATE
    assert info.fmt.channel_count == 1
    assert info.fmt.bits_per_sample == 16
    assert info.info.title == TAGS.title
    assert info.info.artist == TAGS.artist
    assert info.info.comment == TAGS.comment
    assert info.info.software == "voiceguide 0.1.0"
    cues = {cue.name: cue.sample_offset for cue in info.cues.cues}
    labels = {label.name: label.text for label in info.cues.labels}
    assert [(cues[n], labels[n]) for n in sorted(cues)] == [(m.frame, m.label) for m in MARKERS]
