"""What ffmpeg wrote is read back before it may replace anything: damaged files are caught.

ffmpeg 5.1 can exit 0 after failing to write the end of the file; the export then relies on
its messages (tests/output/test_output_faults.py fills a real disk) and, as a second line of
defence, on ffprobe reading the file back. Here real m4a and mp3 files are damaged by hand.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.export_builders import FakeClips, hip_timeline
from voiceguide.errors import ExportError
from voiceguide.output.atomic import PartialFiles
from voiceguide.output.export import export_session, session_piece
from voiceguide.output.ffmpeg import _raise_ffmpeg_error, check_encoded, missing_tool
from voiceguide.output.interrupts import Interrupts
from voiceguide.timeline import Timeline

pytestmark = pytest.mark.slow

RATE = 22050


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    folder = tmp_path_factory.mktemp("good")
    timeline = hip_timeline(rate=RATE)
    return {suffix: export_session(timeline, FakeClips(RATE), folder / f"hip{suffix}").read_bytes()
            for suffix in (".m4a", ".mp3", ".m4b")}


@pytest.fixture
def files(tmp_path: Path) -> Iterator[PartialFiles]:
    partial = PartialFiles(tmp_path / "hip.m4a", Interrupts())
    partial.start()
    yield partial
    partial.end()


def checked(files: PartialFiles, content: bytes, suffix: str,
            timeline: Timeline | None = None) -> None:
    files.path.write_bytes(content)
    piece = session_piece(timeline or hip_timeline(rate=RATE), None)
    check_encoded(files, piece, files.destination.with_suffix(suffix))


@pytest.mark.parametrize("suffix", [".m4a", ".mp3", ".m4b"])
def test_a_whole_file_passes(good: dict[str, bytes], files: PartialFiles, suffix: str) -> None:
    checked(files, good[suffix], suffix)


@pytest.mark.parametrize(
    ("suffix", "damage", "reason"),
    [
        (".m4a", lambda data: data[:-20], "it says it holds"),
        (".mp3", lambda data: data[:-20], "it says it holds"),
        (".m4a", lambda data: data[: len(data) // 2], "Invalid data found"),
        (".mp3", lambda data: data[: len(data) // 2], "it says it holds"),
        (".mp3", lambda data: data[:-2000], "it says it holds"),
        (".m4a", lambda data: b"", "ffmpeg wrote an empty file"),
    ],
    ids=["m4a-tail-cut", "mp3-tail-cut-20", "m4a-half", "mp3-half", "mp3-tail-cut", "empty"],
)
def test_a_damaged_file_is_caught(
    good: dict[str, bytes], files: PartialFiles, suffix: str, damage: object, reason: str
) -> None:
    assert callable(damage)
    with pytest.raises(ExportError, match=reason) as caught:
        checked(files, damage(good[suffix]), suffix)
    assert str(caught.value).startswith(f"cannot export to {files.destination.with_suffix(suffix)}")
    assert ".partial-" not in str(caught.value)


def test_the_wrong_length_or_format_is_caught(
    good: dict[str, bytes], files: PartialFiles
) -> None:
    with pytest.raises(ExportError, match="expected one aac audio stream"):
        checked(files, good[".mp3"], ".m4a")
    longer = hip_timeline(rate=RATE, rounds=2)
    with pytest.raises(ExportError, match="audio packets where"):
        checked(files, good[".m4a"], ".m4a", longer)


@pytest.mark.parametrize(
    ("status", "stderr", "expected"),
    [
        (0, "Error writing trailer of x.m4a: No space left on device\n", errno.ENOSPC),
        (1, "av_interleaved_write_frame(): File too large\n", errno.EFBIG),
        (-25, "", errno.EFBIG),  # SIGXFSZ: past ulimit -f
        (0, "Disk quota exceeded\n", errno.EDQUOT),
    ],
)
def test_ffmpeg_space_messages_become_space_errors(
    status: int, stderr: str, expected: int
) -> None:
    with pytest.raises(OSError) as caught:
        _raise_ffmpeg_error(status, stderr, Path("hip.m4a"))
    assert caught.value.errno == expected


def test_any_other_ffmpeg_message_fails_the_export_even_with_status_0() -> None:
    with pytest.raises(ExportError) as caught:
        _raise_ffmpeg_error(0, "[ipod @ 0x1] something went wrong\n", Path("hip.m4a"))
    assert str(caught.value) == "ffmpeg could not write hip.m4a: [ipod @ 0x1] something went wrong"


def test_ffprobe_is_needed_beside_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None
    (tmp_path / "ffmpeg").symlink_to(ffmpeg)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert missing_tool(".m4a") == (
        "exporting .m4a needs ffprobe, which comes with ffmpeg: install it with "
        "sudo apt-get install ffmpeg, or export .wav"
    )
