"""Export: markers, chapters, atomic files, and the readers and encoders we did not write.

Timelines are built by hand and clips come from a fake source, so no speech engine is needed.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.support.export_builders import (
    HYDRANT,
    RATE,
    Builder,
    FakeClips,
    MoveSpec,
    hip_timeline,
    long_timeline,
)
from tests.support.export_helpers import children_named, still_there
from voiceguide.errors import ExportDestinationError, ExportError
from voiceguide.output.chapters import Chapter, chapters_for, ffmetadata, markers_for
from voiceguide.output.export import check_destination, export_blocks, export_session
from voiceguide.output.file_tags import export_year, session_tags
from voiceguide.output.wav_writer import Marker
from voiceguide.render import render_blocks
from voiceguide.timeline import Timeline

TESTS = Path(__file__).resolve().parent


def rendered(timeline: Timeline) -> npt.NDArray[np.int16]:
    return np.concatenate(list(render_blocks(timeline, FakeClips(timeline.sample_rate))))


def partials(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if ".partial-" in path.name)


# -- markers, chapters, metadata ----------------------------------------------------------------


def _after_end_beep(timeline: Timeline, frame: int) -> int:
    """Where the end beep that starts at `frame` ends."""
    [beep] = [event for event in timeline.events
              if event.role == "end" and event.kind == "beep" and event.start == frame]
    assert beep.end > frame
    return beep.end


def test_markers_at_every_move_start_and_every_work_phase() -> None:
    timeline = hip_timeline()
    windows = [phase for phase in timeline.phases if phase.kind == "window"]
    works = [phase for phase in timeline.phases if phase.kind == "work"]
    # a move after another starts once the other's end beep is over
    move_2 = _after_end_beep(timeline, windows[2].start)
    assert markers_for(timeline) == [
        Marker(windows[0].start, "Move 1: Side-lying clamshell"),
        Marker(works[0].start, "Move 1: Side-lying clamshell, set 1"),
        Marker(works[1].start, "Move 1: Side-lying clamshell, set 2"),
        Marker(move_2, f"Move 2: {HYDRANT}"),
        Marker(works[2].start, f"Move 2: {HYDRANT}, left"),
        Marker(works[3].start, f"Move 2: {HYDRANT}, right"),
    ]


def test_markers_name_the_round_when_there_are_several() -> None:
    timeline = Builder(RATE).build([MoveSpec("Plank"), MoveSpec(HYDRANT, sets=2, sides=("left",))],
                                   rounds=2)
    assert [marker.label for marker in markers_for(timeline)] == [
        "Move 1: Plank, round 1",
        "Move 1: Plank, round 1",
        f"Move 2: {HYDRANT}, round 1",
        f"Move 2: {HYDRANT}, left, set 1, round 1",
        f"Move 2: {HYDRANT}, left, set 2, round 1",
        "Move 1: Plank, round 2",
        "Move 1: Plank, round 2",
        f"Move 2: {HYDRANT}, round 2",
        f"Move 2: {HYDRANT}, left, set 1, round 2",
        f"Move 2: {HYDRANT}, left, set 2, round 2",
    ]


def test_one_chapter_per_move_after_an_intro_chapter_tiling_the_file() -> None:
    timeline = hip_timeline()
    windows = [phase for phase in timeline.phases if phase.kind == "window"]
    move_2 = _after_end_beep(timeline, windows[2].start)
    assert chapters_for(timeline) == [
        Chapter(0, windows[0].start, "Intro"),
        Chapter(windows[0].start, move_2, "Move 1: Side-lying clamshell"),
        Chapter(move_2, timeline.duration, f"Move 2: {HYDRANT}"),
    ]


def test_chapter_and_marker_titles_are_in_the_routines_language() -> None:
    timeline = dataclasses.replace(hip_timeline(), language="de")
    assert [chapter.title for chapter in chapters_for(timeline)] == [
        "Einleitung", "Übung 1: Side-lying clamshell", f"Übung 2: {HYDRANT}",
    ]
    assert [marker.label for marker in markers_for(timeline)][1:3] == [
        "Übung 1: Side-lying clamshell, Satz 1", "Übung 1: Side-lying clamshell, Satz 2",
    ]
    assert markers_for(timeline)[4].label == f"Übung 2: {HYDRANT}, links"


def test_ffmetadata_has_tags_chapters_in_session_frames_and_escapes() -> None:
    timeline = Builder(22050).build([MoveSpec("Lunge; slow = good #1")], title="Hips\\Knees")
    windows = [phase for phase in timeline.phases if phase.kind == "window"]
    tags = session_tags(timeline, "Dr. A=B").ffmpeg_keys()
    assert ffmetadata(tags, chapters_for(timeline), 22050) == textwrap.dedent(f"""\
        ;FFMETADATA1
        title=Hips\\\\Knees
        artist=Dr. A\\=B
        album_artist=Dr. A\\=B
        album=Hips\\\\Knees
        genre=Fitness
        date={export_year()}
        comment=1 moves

        [CHAPTER]
        TIMEBASE=1/22050
        START=0
        END={windows[0].start}
        title=Intro

        [CHAPTER]
        TIMEBASE=1/22050
        START={windows[0].start}
        END={timeline.duration}
        title=Move 1: Lunge\\; slow \\= good \\#1
        """)


# -- destinations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("hip.ogg",
         "cannot export to {dest}: unknown extension .ogg; use .wav, .m4a, .m4b or .mp3"),
        ("hip",
         "cannot export to {dest}: the extension picks the format; use .wav, .m4a, .m4b or .mp3"),
    ],
)
def test_unknown_extension_is_bad_input(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ExportDestinationError) as caught:
        export_session(hip_timeline(), FakeClips(), tmp_path / name)
    assert str(caught.value) == message.format(dest=tmp_path / name)
    assert caught.value.exit_status == 2
    assert list(tmp_path.iterdir()) == []


def test_a_folder_or_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "out.wav").mkdir()
    with pytest.raises(ExportDestinationError, match="it is a folder; give a file name such as"):
        check_destination(tmp_path / "out.wav")
    with pytest.raises(ExportDestinationError) as caught:
        check_destination(tmp_path / "nowhere" / "hip.wav")
    assert str(caught.value) == (
        f"cannot export to {tmp_path / 'nowhere' / 'hip.wav'}: "
        f"the folder {tmp_path / 'nowhere'} does not exist"
    )


def test_m4a_and_mp3_without_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without ffmpeg
    with pytest.raises(ExportError) as caught:
        export_session(hip_timeline(), FakeClips(), tmp_path / "hip.m4a")
    assert str(caught.value) == (
        "exporting .m4a needs ffmpeg: install it with sudo apt-get install ffmpeg, "
        "or export .wav"
    )
    assert caught.value.exit_status == 1
    with pytest.raises(ExportError, match=r"exporting \.mp3 needs ffmpeg"):
        check_destination(tmp_path / "hip.MP3")
    check_destination(tmp_path / "hip.wav")  # WAV needs no ffmpeg


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write to: immutable for root (who ignores modes), 0555 otherwise."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "hip.wav").write_bytes(b"earlier export")
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(folder)], capture_output=True
        ).returncode:
            pytest.skip("running as root without chattr +i: no folder is unwritable")
        try:
            yield folder
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)


def test_an_unwritable_folder_is_one_clear_line(unwritable: Path) -> None:
    with pytest.raises(ExportError) as caught:
        export_session(hip_timeline(), FakeClips(), unwritable / "hip.wav")
    assert str(caught.value) in (
        f"cannot write to the folder {unwritable}: Operation not permitted",
        f"cannot write to the folder {unwritable}: Permission denied",
    )
    assert (unwritable / "hip.wav").read_bytes() == b"earlier export"
    assert sorted(path.name for path in unwritable.iterdir()) == ["hip.wav"]


# -- WAV export -----------------------------------------------------------------------------


def test_wav_export_holds_the_rendered_samples_and_reports_progress(tmp_path: Path) -> None:
    timeline = hip_timeline()
    calls: list[tuple[int, int]] = []
    written = export_session(timeline, FakeClips(), tmp_path / "hip.wav",
                             progress=lambda done, total: calls.append((done, total)))
    assert written == tmp_path / "hip.wav"
    with wave.open(str(written), "rb") as reader:
        assert reader.getframerate() == RATE
        assert reader.getnframes() == timeline.duration
        samples = np.frombuffer(reader.readframes(timeline.duration), "<i2")
    assert np.array_equal(samples, rendered(timeline))
    assert np.abs(samples).max() > 1000  # not silence: the clips were mixed in
    assert calls[-1] == (timeline.duration, timeline.duration)
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})
    assert partials(tmp_path) == []
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask


def test_an_earlier_file_is_replaced_whole_and_keeps_its_mode(tmp_path: Path) -> None:
    destination = tmp_path / "hip.wav"
    destination.write_bytes(b"old")
    destination.chmod(0o640)
    export_session(hip_timeline(), FakeClips(), destination)
    assert destination.read_bytes()[:4] == b"RIFF"
    assert stat.S_IMODE(destination.stat().st_mode) == 0o640
    assert partials(tmp_path) == []


def test_a_render_failure_leaves_no_file_and_the_earlier_one_untouched(tmp_path: Path) -> None:
    timeline = hip_timeline()
    fresh = tmp_path / "fresh.wav"
    with pytest.raises(RuntimeError, match="speech engine failed"):
        export_session(timeline, FakeClips(fail_on=HYDRANT), fresh)
    assert not fresh.exists()
    earlier = tmp_path / "hip.wav"
    earlier.write_bytes(b"earlier export")
    with pytest.raises(RuntimeError, match="speech engine failed"):
        export_session(timeline, FakeClips(fail_on=HYDRANT), earlier)
    assert earlier.read_bytes() == b"earlier export"
    assert partials(tmp_path) == []


@pytest.mark.parametrize("suffix", [".wav", ".mp3"])
def test_blocks_short_of_the_timeline_are_refused(tmp_path: Path, suffix: str) -> None:
    if suffix == ".mp3" and shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    timeline = hip_timeline()
    short = iter([np.zeros(1000, dtype=np.int16)] * 3)
    destination = tmp_path / f"hip{suffix}"
    with pytest.raises(ExportError) as caught:
        export_blocks(timeline, short, destination)
    assert str(caught.value) == (
        f"cannot export to {destination}: rendered 3000 of {timeline.duration} frames"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_session_past_the_wav_limit_is_refused_before_writing(tmp_path: Path) -> None:
    timeline = long_timeline(minutes=200, rate=192000)  # 6.3 GB of samples
    destination = tmp_path / "hip.wav"
    destination.write_bytes(b"earlier export")
    with pytest.raises(ExportError, match=r"holds at most 3:06:2\d\.\d .* export .m4a or .mp3"):
        export_session(timeline, FakeClips(192000), destination)
    assert destination.read_bytes() == b"earlier export"
    assert partials(tmp_path) == []


# -- real readers and encoders --------------------------------------------------------------


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def probe(path: Path) -> dict[str, object]:
    report: dict[str, object] = json.loads(run(
        "ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters",
        "-of", "json", str(path),
    ))
    return report


@pytest.mark.slow
def test_wav_export_read_by_soxi_ffprobe_wavinfo_and_wave(tmp_path: Path) -> None:
    wavinfo = pytest.importorskip("wavinfo")
    timeline = hip_timeline(rate=22050, rounds=2)
    path = export_session(timeline, FakeClips(22050), tmp_path / "hip.wav")
    frames = timeline.duration
    assert run("soxi", "-s", str(path)).strip() == str(frames)
    assert run("soxi", "-r", str(path)).strip() == "22050"
    report = probe(path)
    assert report["streams"][0]["duration_ts"] == frames  # type: ignore[index]
    assert report["format"]["tags"]["title"] == "Hip mobility"  # type: ignore[index]
    markers = markers_for(timeline)
    assert [(c["start"], c["tags"]["title"]) for c in report["chapters"]] == [  # type: ignore[attr-defined]
        (marker.frame, marker.label) for marker in markers
    ]
    info = wavinfo.WavInfoReader(str(path), info_encoding="utf-8")
    assert info.data.frame_count == frames
    assert info.info.title == "Hip mobility"
    assert info.info.comment == "2 moves"
    labels = {label.name: label.text for label in info.cues.labels}
    assert [(cue.sample_offset, labels[cue.name]) for cue in info.cues.cues] == [
        (marker.frame, marker.label) for marker in markers
    ]
    with wave.open(str(path), "rb") as reader:
        assert reader.getnframes() == frames


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "codec", "frame_samples"),
                         [(".m4a", "aac", 1024), (".mp3", "mp3", 1152)])
def test_m4a_and_mp3_have_one_chapter_per_move_and_the_tags(
    tmp_path: Path, suffix: str, codec: str, frame_samples: int
) -> None:
    rate = 22050
    timeline = Builder(rate).build(
        [MoveSpec("Clamshell", sets=2), MoveSpec(HYDRANT, sides=("left", "right")),
         MoveSpec("Wall lunge", work=4.5)],
        title="Hip mobility for runners",
    )
    calls: list[int] = []
    path = export_session(timeline, FakeClips(rate), tmp_path / f"hip{suffix}",
                          progress=lambda done, _: calls.append(done))
    assert calls[-1] == timeline.duration
    report = probe(path)
    stream = report["streams"][0]  # type: ignore[index]
    assert stream["codec_name"] == codec
    tags = {key.lower(): value for key, value in report["format"]["tags"].items()}  # type: ignore[index]
    assert tags["title"] == "Hip mobility for runners"
    assert tags["artist"] == "voiceguide"
    assert tags["comment"] == "3 moves"
    one_frame = frame_samples / rate
    assert abs(float(report["format"]["duration"]) - timeline.duration / rate) <= 2 * one_frame  # type: ignore[index]
    expected = chapters_for(timeline)
    assert [chapter.title for chapter in expected] == [
        "Intro", "Move 1: Clamshell", f"Move 2: {HYDRANT}", "Move 3: Wall lunge"
    ]
    chapters = report["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [c.title for c in expected]  # type: ignore[attr-defined]
    for found, chapter in zip(chapters, expected, strict=True):  # type: ignore[call-overload]
        assert abs(float(found["start_time"]) - chapter.start / rate) <= one_frame
        assert abs(float(found["end_time"]) - chapter.end / rate) <= one_frame
    assert partials(tmp_path) == []


# -- interrupted and failing exports, for real, in a child process ----------------------------


CHILD = """
import os, resource, signal, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.support.export_builders import FakeClips, long_timeline
from voiceguide.errors import VoiceguideError
from voiceguide.output.export import export_session

file_limit = {file_limit!r}
if file_limit is not None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))
started = False

def progress(done, total):
    global started
    if not started:
        print("started", flush=True)
        started = True
    time.sleep({pause!r})  # keep the export going long enough to be interrupted

try:
    export_session(long_timeline({minutes!r}), FakeClips(), Path({destination!r}),
                   progress=progress)
except VoiceguideError as error:
    print(error, file=sys.stderr)
    sys.exit(error.exit_status)
print("finished", flush=True)
"""


def child(destination: Path, *, minutes: int = 60, pause: float = 0.005,
          file_limit: int | None = None) -> subprocess.Popen[str]:
    code = CHILD.format(root=str(TESTS.parent.parent),
                        destination=str(destination), minutes=minutes, pause=pause,
                        file_limit=file_limit)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".wav", ".m4a"])
@pytest.mark.parametrize(
    "sent",
    [(signal.SIGINT,), (signal.SIGTERM,), (signal.SIGHUP,), (signal.SIGKILL,),
     (signal.SIGINT, signal.SIGTERM), (signal.SIGINT, signal.SIGINT)],
    ids=["SIGINT", "SIGTERM", "SIGHUP", "SIGKILL", "SIGINT-then-SIGTERM", "SIGINT-twice"],
)
@pytest.mark.parametrize("earlier", [True, False], ids=["earlier-file", "no-file"])
def test_an_interrupted_export_leaves_the_destination_as_it_was(
    tmp_path: Path, suffix: str, sent: tuple[signal.Signals, ...], earlier: bool
) -> None:
    destination = tmp_path / f"hip{suffix}"
    if earlier:
        destination.write_bytes(b"earlier export")
    process = child(destination)
    assert process.stdout is not None
    assert process.stdout.readline() == "started\n"
    time.sleep(0.3)
    assert partials(tmp_path), "the export is under way in a partial file"
    encoders = children_named(process.pid, "ffmpeg")
    assert len(encoders) == (1 if suffix == ".m4a" else 0)
    for number in sent:
        process.send_signal(number)  # a second one lands while the first is being handled
    stdout, stderr = process.communicate(timeout=60)
    assert "finished" not in stdout
    if sent[-1] in (signal.SIGTERM, signal.SIGHUP):
        assert process.returncode == -sent[-1]  # cleaned up, then ended by that signal
    elif sent[0] == signal.SIGINT:
        # KeyboardInterrupt, uncaught in this child: Python ends by SIGINT
        assert process.returncode == -signal.SIGINT, stderr
        assert stderr.count("KeyboardInterrupt") == 1, stderr
    else:
        assert process.returncode != 0, stderr
    if sent != (signal.SIGKILL,):
        # ffmpeg was ended and waited for before the process exited, even on a busy machine
        assert not any(still_there(encoder) for encoder in encoders)
    if earlier:
        assert destination.read_bytes() == b"earlier export"
    else:
        assert not destination.exists()
    left = partials(tmp_path)
    if sent == (signal.SIGKILL,):
        # nothing can clean up after SIGKILL: the partial files stay, recognisable by name
        assert left and all(name.startswith(f".hip{suffix}.partial-") for name in left)
        for name in left:
            (tmp_path / name).unlink()
    else:
        assert left == []


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".wav", ".m4a", ".mp3"])
def test_a_full_disk_is_one_clear_line_and_no_file(tmp_path: Path, suffix: str) -> None:
    destination = tmp_path / f"hip{suffix}"
    destination.write_bytes(b"earlier export")
    # five minutes: 4.9 MB of WAV, 330 KB of mp3, 64 KB of m4a (42 KB of it audio). The limit
    # stops the WAV at its start, the mp3 a tenth of the way in and the m4a four fifths into
    # its audio, before the index at its end: where 200 KB stopped the 30 minutes this was once
    process = child(destination, minutes=5, pause=0, file_limit=33_000)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    assert "finished" not in stdout
    advice = ("free some space, export to another disk, or export .m4a (about a quarter of "
              "the size)") if suffix == ".wav" else "free some space, or export to another disk"
    assert stderr.strip() == f"cannot write {destination}: File too large; {advice}"
    assert destination.read_bytes() == b"earlier export"
    assert partials(tmp_path) == []


def test_a_disk_full_error_is_mapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC cannot be made for real without a small file system; fake the one write."""
    import voiceguide.output.atomic as atomic

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "sync", full)
    with pytest.raises(ExportError) as caught:
        export_session(hip_timeline(), FakeClips(), tmp_path / "hip.wav")
    assert str(caught.value).startswith(
        f"cannot write {tmp_path / 'hip.wav'}: No space left on device; free some space"
    )
    assert list(tmp_path.iterdir()) == []
