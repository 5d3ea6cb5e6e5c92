"""Files a phone files properly: library tags, a cover, .m4b, variable-bitrate mp3, --split.

Every file is read back by readers we did not write: ffprobe (what a player decodes) and
mutagen (the ID3 frames and MP4 atoms a phone's library reads: COMM, not TXXX; covr; stik).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import voiceguide
from tests.support.cli import voiceguide as run_voiceguide
from tests.support.export_helpers import SHORT_ROUTINE
from tests.support.readme_tour import TOUR, readme_tour
from voiceguide.errors import ScriptError
from voiceguide.output.cover import SIZE, cover_png
from voiceguide.output.file_tags import export_year

AUTHOR = "Dr. Jane Doe"
TITLE = "Kurz & gut: Hüfte"
ROUTINE = SHORT_ROUTINE.replace('title = "Short"', f'title = "{TITLE}"\nauthor = "{AUTHOR}"')

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams",
         "-show_chapters", str(path)],
        capture_output=True, text=True, check=True,
    )
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def hidden(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


@pytest.fixture(scope="module")
def session() -> voiceguide.Session:
    return voiceguide.loads(ROUTINE, name="short.toml")


@pytest.fixture(scope="module")
def exported(session: voiceguide.Session, tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, Path]:
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    folder = tmp_path_factory.mktemp("phone")
    return {suffix: session.export(folder / f"short{suffix}")
            for suffix in (".m4a", ".m4b", ".mp3")}


# -- the cover -----------------------------------------------------------------------------------


def test_the_cover_is_a_600_square_png_the_same_for_the_same_title() -> None:
    from PIL import Image

    first = cover_png("Hip mobility for runners")
    assert first == cover_png("Hip mobility for runners")
    assert first != cover_png("Hip mobility for walkers")
    with Image.open(io.BytesIO(first)) as image:
        assert image.format == "PNG"
        assert image.size == (SIZE, SIZE) == (600, 600)
        # the title is drawn: white text on the background, not an empty square
        colours = image.getcolors(maxcolors=1 << 16)
        assert colours is not None
        assert any(colour == (255, 255, 255) for _, colour in colours)
    # a title far too long for the square still makes a cover of the same size
    with Image.open(io.BytesIO(cover_png("Donaudampfschifffahrt " * 40))) as image:
        assert image.size == (600, 600)


# -- tags, cover, chapters: m4a, m4b, mp3 --------------------------------------------------------


@pytest.mark.slow
def test_mp3_tags_a_phone_library_reads(session: voiceguide.Session,
                                        exported: dict[str, Path]) -> None:
    from mutagen.id3 import ID3

    tags = ID3(exported[".mp3"])
    assert str(tags["TIT2"]) == TITLE
    assert str(tags["TPE1"]) == AUTHOR
    assert str(tags["TALB"]) == TITLE
    assert str(tags["TCON"]) == "Fitness"
    assert str(tags["TDRC"]) == export_year()
    # the comment players show is a COMM frame; ffmpeg's TXXX:comment is gone
    comments = tags.getall("COMM")
    assert [str(comment) for comment in comments] == [session.timeline.summary]
    assert tags.getall("TXXX:comment") == []
    pictures = tags.getall("APIC")
    assert len(pictures) == 1 and pictures[0].data == cover_png(TITLE)
    # the chapters stay in the order they are played
    chapters = [frame for frame in tags.values() if frame.FrameID == "CHAP"]
    assert [chapter.start_time for chapter in chapters] == sorted(
        chapter.start_time for chapter in chapters)
    assert len(chapters) == 3  # the intro and two moves


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".m4a", ".m4b"])
def test_m4a_and_m4b_tags_a_phone_library_reads(
    session: voiceguide.Session, exported: dict[str, Path], suffix: str
) -> None:
    from mutagen.mp4 import MP4

    tags = MP4(exported[suffix]).tags
    assert tags is not None
    assert tags["\xa9nam"] == [TITLE]
    assert tags["\xa9ART"] == [AUTHOR]
    assert tags["\xa9alb"] == [TITLE]
    assert tags["\xa9gen"] == ["Fitness"]
    assert tags["\xa9day"] == [export_year()]
    assert tags["\xa9cmt"] == [session.timeline.summary]
    assert [bytes(cover) for cover in tags["covr"]] == [cover_png(TITLE)]
    # Apple Books files an .m4b as an audiobook (stik 2); an .m4a stays music
    assert tags.get("stik") == ([2] if suffix == ".m4b" else None)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".m4a", ".m4b", ".mp3"])
def test_ffprobe_reads_chapters_cover_and_comment(
    session: voiceguide.Session, exported: dict[str, Path], suffix: str
) -> None:
    report = probe(exported[suffix])
    kinds = sorted(stream["codec_type"] for stream in report["streams"])
    assert kinds == ["audio", "video"] or kinds == ["audio", "data", "video"]
    picture = next(s for s in report["streams"] if s["codec_type"] == "video")
    assert picture["disposition"]["attached_pic"] == 1
    assert (picture["width"], picture["height"]) == (600, 600)
    assert [chapter["tags"]["title"] for chapter in report["chapters"]] == [
        "Intro", "Move 1: Clamshell", "Move 2: Bridge"]
    tags = {key.lower(): value for key, value in report["format"]["tags"].items()}
    assert tags["comment"] == session.timeline.summary
    assert tags["artist"] == AUTHOR
    seconds = session.timeline.duration / session.timeline.sample_rate
    assert abs(float(report["format"]["duration"]) - seconds) < 0.2


@pytest.mark.slow
def test_mp3_is_variable_bitrate(exported: dict[str, Path]) -> None:
    with exported[".mp3"].open("rb") as file:
        head = file.read(1 << 16)
    assert b"Xing" in head and b"Info" not in head  # LAME's VBR header, not the CBR one


def test_without_an_author_the_artist_is_voiceguide() -> None:
    from voiceguide.output.file_tags import session_tags

    timeline = voiceguide.loads(SHORT_ROUTINE, name="short.toml").timeline
    assert session_tags(timeline, None).artist == "voiceguide"
    assert session_tags(timeline, AUTHOR).artist == AUTHOR


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("author = 5", 'short.toml:2: "author" must be text in quotes, like "Dr. Jane Doe", '
                       "not 5"),
        ('author = "  "', 'short.toml:2: "author" is empty; remove it, or write who made the '
                          "routine"),
        (f'author = "{"x" * 201}"', 'short.toml:2: "author" is longer than 200 characters; '
                                   "shorten it"),
        ('author = "a\\u0007b"', 'short.toml:2: "author" contains a control character (U+0007); '
                                 "remove it"),
    ],
)
def test_a_bad_author_is_one_line(line: str, message: str) -> None:
    text = SHORT_ROUTINE.replace('title = "Short"\n', f'title = "Short"\n{line}\n')
    with pytest.raises(ScriptError) as caught:
        voiceguide.loads(text, name="short.toml")
    assert str(caught.value) == message


def test_the_year_follows_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")  # 2000-01-01
    assert export_year() == "2000"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert export_year() not in ("", "2000")


# -- the size of a real session ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xdist_group(TOUR)
def test_the_hip_routine_as_mp3_is_about_a_third_of_64_kbits(
    tmp_path_factory: pytest.TempPathFactory
) -> None:
    # the mp3 the README's tour exported (`voiceguide export hip-mobility -o hip-mobility.mp3`)
    path = readme_tour(tmp_path_factory).folder / "hip-mobility.mp3"
    session = voiceguide.load("hip-mobility")
    seconds = session.timeline.duration / session.timeline.sample_rate
    constant_64k = seconds * 64000 / 8  # what the constant 64 kbit/s export took (5.6 MB)
    size = path.stat().st_size
    assert size < constant_64k * 0.4, f"{size:,} bytes for {seconds:.0f} s"
    report = probe(path)
    assert abs(float(report["format"]["duration"]) - seconds) < 0.2


# -- bad input on the command line ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-o", "hip.ogg"), "cannot export to hip.ogg: unknown extension .ogg; use .wav, .m4a, "
                            ".m4b or .mp3"),
        (("-o", "hip.wav", "--split"), "cannot split into .wav files: a WAV per move is large "
                                       "and carries no tags a phone reads; use .m4a or .mp3 "
                                       "with --split"),
        (("-o", "hip.m4b", "--split"), "cannot split into .m4b files: an audiobook is one file "
                                       "with chapters; use .m4a or .mp3 with --split"),
    ],
)
def test_bad_destinations_are_one_line_and_status_2(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = run_voiceguide("export", "hip-mobility", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == message + "\n"
    assert list(tmp_path.iterdir()) == []


# -- the COMM frame, by hand ---------------------------------------------------------------------


def _frame(frame_id: bytes, data: bytes) -> bytes:
    return frame_id + len(data).to_bytes(4, "big") + b"\x00\x00" + data


def _tag(frames: bytes, version: int = 3, padding: int = 10) -> bytes:
    size = len(frames) + padding
    syncsafe = bytes((size >> (7 * (3 - index))) & 0x7F for index in range(4))
    return b"ID3" + bytes([version, 0, 0]) + syncsafe + frames + b"\x00" * padding


def test_the_comment_replaces_the_txxx_frame_and_keeps_the_order(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    from voiceguide.output.mp3_comment import put_comment

    frames = (_frame(b"TIT2", b"\x00Title") + _frame(b"TXXX", b"\x00comment\x00old")
              + _frame(b"TALB", b"\x00Album"))
    audio = b"\xff\xfb" + bytes(range(256)) * 4
    path = tmp_path / "x.mp3"
    path.write_bytes(_tag(frames) + audio)
    assert put_comment(path, "Zwei Übungen, 3:05 lang.", tmp_path / "scratch")
    data = path.read_bytes()
    assert data.endswith(audio)  # the audio after the tag is copied unchanged
    tags = ID3(path)
    assert [frame.FrameID for frame in tags.values()] == ["TIT2", "TALB", "COMM"]
    assert str(tags["COMM::eng"]) == "Zwei Übungen, 3:05 lang."
    assert not (tmp_path / "scratch").exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfb no tag", _tag(_frame(b"TIT2", b"\x00T"), version=4),
     _tag(_frame(b"TIT2", b"\x00T"))[:-11], _tag(_frame(b"TIT2", b"\x00T"), padding=0)[:-1],
     _tag(_frame(b"TIT2", b"\x00T" * 9), padding=0).replace(b"\0\0\0\x12", b"\0\x01\0\0"),
     _tag(_frame(b"tit2", b"\x00T")), _tag(b"", padding=4)],
    ids=["empty", "no-tag", "id3v2.4", "tag-cut-short", "frame-cut-short", "frame-too-long",
         "not-a-frame-id", "no-frames"],
)
def test_a_tag_that_cannot_be_walked_is_left_alone(tmp_path: Path, content: bytes) -> None:
    from voiceguide.output.mp3_comment import put_comment

    path = tmp_path / "x.mp3"
    path.write_bytes(content)
    assert not put_comment(path, "comment", tmp_path / "scratch")
    assert path.read_bytes() == content
