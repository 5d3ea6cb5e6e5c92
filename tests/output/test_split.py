"""`export --split`: one file per chapter and an .m3u8 playlist, written as one set or not at all.

The set is read back by ffprobe and mutagen; a failure, a refused name and a real signal in the
middle of the set leave every earlier file as it was and none of the new ones.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import voiceguide
from tests.support.cli import voiceguide as run_voiceguide
from tests.support.export_builders import RATE, Builder, FakeClips, MoveSpec
from tests.support.export_helpers import SHORT_ROUTINE
from voiceguide.errors import ExportDestinationError, ExportError
from voiceguide.output import atomic_set
from voiceguide.output.chapters import chapters_for
from voiceguide.output.cover import cover_png
from voiceguide.output.export import export_session
from voiceguide.output.split import track_paths

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg"),
]

TITLE = "Kurz & gut: Hüfte"
ROUTINE = SHORT_ROUTINE.replace('title = "Short"', f'title = "{TITLE}"')
ROOT = Path(__file__).resolve().parent.parent.parent
NAMES = ["short-01-intro", "short-02-clamshell", "short-03-bridge"]


def duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_format", str(path)],
                         capture_output=True, text=True, check=True)
    report: dict[str, Any] = json.loads(out.stdout)
    return float(report["format"]["duration"])


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def three_moves() -> voiceguide.Timeline:
    return Builder(RATE).build([MoveSpec("Clamshell", work=3), MoveSpec("Bridge", work=3),
                                MoveSpec("Wall lunge", work=3)], title="Hips")


@pytest.mark.parametrize("suffix", [".m4a", ".mp3"])
def test_a_split_set_reads_back_whole(tmp_path: Path, suffix: str) -> None:
    from mutagen import File

    session = voiceguide.loads(ROUTINE, name="short.toml")
    playlist = session.export(tmp_path / f"short{suffix}", split=True)
    assert playlist == tmp_path / "short.m3u8"
    tracks = [f"{name}{suffix}" for name in NAMES]
    assert listing(tmp_path) == sorted([*tracks, "short.m3u8"])  # no partial file, no .m4a
    chapters = chapters_for(session.timeline)
    rate = session.timeline.sample_rate
    lines = playlist.read_bytes().decode("utf-8").splitlines()
    assert lines[:2] == ["#EXTM3U", f"#PLAYLIST:{TITLE}"]
    entries = list(zip(lines[2::2], lines[3::2], strict=True))
    assert [name for _, name in entries] == tracks  # relative names, in the order played
    total = 0.0
    for number, ((info, name), chapter) in enumerate(zip(entries, chapters, strict=True), 1):
        seconds = (chapter.end - chapter.start) / rate
        assert info == f"#EXTINF:{round(seconds)},{chapter.title}"
        found = duration(tmp_path / name)  # ffprobe reads every file whole
        assert abs(found - seconds) < 0.2
        total += found
        tags = File(tmp_path / name)
        assert tags is not None
        if suffix == ".mp3":
            assert str(tags["TIT2"]) == chapter.title
            assert str(tags["TALB"]) == TITLE
            assert str(tags["TRCK"]) == f"{number}/{len(chapters)}"
            assert tags["APIC:"].data == cover_png(TITLE)
        else:
            assert tags["\xa9nam"] == [chapter.title]
            assert tags["\xa9alb"] == [TITLE]
            assert tags["trkn"] == [(number, len(chapters))]
            assert [bytes(cover) for cover in tags["covr"]] == [cover_png(TITLE)]
    assert abs(total - session.timeline.duration / rate) < 0.5


def test_a_failure_in_the_middle_keeps_every_earlier_file(tmp_path: Path) -> None:
    timeline = three_moves()
    paths = track_paths(tmp_path / "hips.m4a", chapters_for(timeline))
    earlier = {paths[0]: b"earlier intro", paths[3]: b"earlier lunge",
               tmp_path / "hips.m3u8": b"#EXTM3U\nearlier\n"}
    for path, content in earlier.items():
        path.write_bytes(content)
    # the second move cannot be rendered: the intro and the first move are already encoded
    with pytest.raises(RuntimeError):
        export_session(timeline, FakeClips(RATE, fail_on="Bridge"), tmp_path / "hips.m4a",
                       split=True)
    assert {path: path.read_bytes() for path in earlier} == earlier
    assert listing(tmp_path) == sorted(path.name for path in earlier)


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "no-hard-links"])
def test_a_failure_while_the_names_are_taken_puts_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    if not links:  # a file system without hard links (FAT): the earlier file is moved aside

        def no_link(source: Any, target: Any) -> None:
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(atomic_set.os, "link", no_link)
    timeline = three_moves()
    paths = track_paths(tmp_path / "hips.mp3", chapters_for(timeline))
    paths[0].write_bytes(b"earlier intro")
    real_replace = os.replace
    calls: list[Path] = []

    def replace(source: Any, target: Any) -> None:
        if not Path(target).name.startswith("."):  # a file taking its name, not a scratch file
            calls.append(Path(target))
        # the intro and the first move have their names; the disk fails on the next
        if len(calls) == 3 and Path(target) == calls[-1]:
            raise OSError(5, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(atomic_set.os, "replace", replace)
    with pytest.raises(ExportError, match="Input/output error"):
        export_session(timeline, FakeClips(RATE), tmp_path / "hips.mp3", split=True)
    assert calls[:2] == paths[:2]
    assert listing(tmp_path) == [paths[0].name]
    assert paths[0].read_bytes() == b"earlier intro"


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_a_track_name_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    timeline = three_moves()
    paths = track_paths(tmp_path / "hips.m4a", chapters_for(timeline))
    other = tmp_path / "other.txt"
    other.write_text("mine")
    if kind == "symlink":
        paths[2].symlink_to(other)
    elif kind == "fifo":
        os.mkfifo(paths[2])
    else:
        paths[2].mkdir()
    before = listing(tmp_path)
    with pytest.raises(ExportDestinationError) as caught:
        export_session(timeline, FakeClips(RATE), tmp_path / "hips.m4a", split=True)
    assert str(caught.value).startswith(f"cannot export to {paths[2]}: it is a")
    assert caught.value.exit_status == 2
    assert listing(tmp_path) == before
    assert other.read_text() == "mine"


def test_a_playlist_name_that_is_a_symlink_is_refused_on_the_command_line(
    tmp_path: Path
) -> None:
    (tmp_path / "hip.m3u8").symlink_to(tmp_path / "elsewhere.m3u8")
    result = run_voiceguide("export", "hip-mobility", "-o", "hip.mp3", "--split", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("cannot export to hip.m3u8: it is a symbolic link, and voiceguide "
                             "replaces only regular files; choose another name\n")
    assert listing(tmp_path) == ["hip.m3u8"]


CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.support.export_builders import RATE, Builder, FakeClips, MoveSpec
from voiceguide.output.chapters import chapters_for
from voiceguide.output.export import export_session

timeline = Builder(RATE).build([MoveSpec(f"Move {{n}}", sets=2, work=30) for n in range(4)])
third = chapters_for(timeline)[2].start
said = False

def progress(done, total):
    global said
    if done > third and not said:
        print("two files made", flush=True)
        said = True
    time.sleep(0.01)

export_session(timeline, FakeClips(RATE), Path({destination!r}), split=True, progress=progress)
print("finished", flush=True)
"""


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_in_the_middle_of_the_set_leaves_the_earlier_set(
    tmp_path: Path, number: signal.Signals
) -> None:
    earlier = {tmp_path / "hips.m3u8": b"#EXTM3U\nhips-01-intro.m4a\n",
               tmp_path / "hips-01-intro.m4a": b"earlier intro"}
    for path, content in earlier.items():
        path.write_bytes(content)
    code = CHILD.format(root=str(ROOT), destination=str(tmp_path / "hips.m4a"))
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline() == "two files made\n"
    time.sleep(0.2)
    assert len([p for p in tmp_path.iterdir() if ".partial-" in p.name]) >= 3
    process.send_signal(number)
    stdout, stderr = process.communicate(timeout=60)
    assert "finished" not in stdout
    assert process.returncode == -number, stderr
    assert {path: path.read_bytes() for path in earlier} == earlier
    assert listing(tmp_path) == sorted(path.name for path in earlier)


def test_tracks_of_an_earlier_set_that_the_new_one_has_not_are_removed(tmp_path: Path) -> None:
    """The routine loses a move and renames one: the folder then holds just the new set. Only
    what the earlier playlist named as a track goes; a file of the user's stays."""
    destination = tmp_path / "hips.mp3"
    export_session(three_moves(), FakeClips(RATE), destination, split=True)
    before = listing(tmp_path)
    assert before == ["hips-01-intro.mp3", "hips-02-clamshell.mp3", "hips-03-bridge.mp3",
                      "hips-04-wall-lunge.mp3", "hips.m3u8"]
    mine = tmp_path / "hips-09-my-notes.mp3"  # named like a track, but no playlist lists it
    mine.write_bytes(b"mine")
    two = Builder(RATE).build([MoveSpec("Clamshell", work=3), MoveSpec("Glute bridge", work=3)],
                              title="Hips")
    export_session(two, FakeClips(RATE), destination, split=True)
    assert listing(tmp_path) == ["hips-01-intro.mp3", "hips-02-clamshell.mp3",
                                 "hips-03-glute-bridge.mp3", "hips-09-my-notes.mp3", "hips.m3u8"]
    assert mine.read_bytes() == b"mine"
    playlist = (tmp_path / "hips.m3u8").read_text().splitlines()
    assert [line for line in playlist if not line.startswith("#")] == [
        "hips-01-intro.mp3", "hips-02-clamshell.mp3", "hips-03-glute-bridge.mp3"]


def test_what_an_earlier_playlist_names_beyond_its_tracks_is_left_alone(tmp_path: Path) -> None:
    """A playlist edited by hand may name anything: only regular files named as tracks go, never
    a folder, a symbolic link (nor what it points to) or another file."""
    destination = tmp_path / "hips.mp3"
    export_session(three_moves(), FakeClips(RATE), destination, split=True)
    outside = tmp_path / "elsewhere.mp3"
    outside.write_bytes(b"kept")
    (tmp_path / "hips-04-wall-lunge.mp3").unlink()
    (tmp_path / "hips-04-wall-lunge.mp3").symlink_to(outside)
    (tmp_path / "hips-03-bridge.mp3").unlink()
    (tmp_path / "hips-03-bridge.mp3").mkdir()
    with (tmp_path / "hips.m3u8").open("a") as playlist:
        playlist.write("elsewhere.mp3\n../hips-05-x.mp3\n")
    two = Builder(RATE).build([MoveSpec("Clamshell", work=3), MoveSpec("Glute bridge", work=3)],
                              title="Hips")
    export_session(two, FakeClips(RATE), destination, split=True)
    assert (tmp_path / "hips-04-wall-lunge.mp3").is_symlink()
    assert outside.read_bytes() == b"kept" and (tmp_path / "hips-03-bridge.mp3").is_dir()
    assert (tmp_path / "hips-03-glute-bridge.mp3").is_file()
