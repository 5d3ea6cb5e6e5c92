"""Where voiceguide writes: a regular file or a new name, nothing else, and names of every size.

Real FIFOs, symbolic links and device nodes are made in a temporary folder; each is met through
the command line (`export -o`, `plan --html`, `new`) and must be refused with one line and exit
status 2, and be exactly as it was afterwards. A FIFO opened by mistake would block, so those
cases run in a real process with a timeout.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.support.cli import voiceguide, voiceguide_process
from voiceguide.errors import DestinationError, ExportDestinationError, OutputError
from voiceguide.output.atomic import destination_refusal, write_atomically, write_text_atomically
from voiceguide.output.export import check_destination, export_blocks
from voiceguide.script.template import write_new_routine
from voiceguide.timeline import Timeline

ROUTINE = 'title = "Tiny"\n[[move]]\nname = "Plank"\nhold = "5s"\n'


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def snapshot(path: Path) -> tuple[object, ...]:
    """What a refusal must leave alone: the kind, device, link target and contents."""
    found = os.lstat(path)
    kind = stat.S_IFMT(found.st_mode)
    target = os.readlink(path) if stat.S_ISLNK(found.st_mode) else None
    content = path.read_bytes() if stat.S_ISREG(found.st_mode) else None
    return kind, found.st_rdev, found.st_ino, target, content


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_link(path: Path) -> None:
    target = path.with_name("target.txt")
    target.write_text("the file the link points at")
    path.symlink_to(target.name)


def make_dangling_link(path: Path) -> None:
    path.symlink_to("nowhere.txt")


def make_null_device(path: Path) -> None:
    # a real character device: the null device's numbers (needs root)
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")


SPECIALS: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (make_fifo, "it is a named pipe (FIFO)"),
    "symlink": (make_link, "it is a symbolic link"),
    "dangling-symlink": (make_dangling_link, "it is a symbolic link"),
    "device": (make_null_device, "it is a device"),
}


def prepared(tmp_path: Path, kind: str, name: str) -> tuple[Path, str, dict[str, object]]:
    make, reason = SPECIALS[kind]
    destination = tmp_path / name
    make(destination)
    before = {entry.name: snapshot(entry) for entry in tmp_path.iterdir()}
    return destination, reason, before


def command_for(kind: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The command line in a real process with a timeout where a mistake would block (a FIFO
    opened for writing waits for a reader), in this process for the other kinds."""
    if kind == "fifo":
        return lambda *args, cwd: voiceguide_process(*args, cwd=cwd, timeout=60)
    return voiceguide


def after(tmp_path: Path) -> dict[str, object]:
    return {entry.name: snapshot(entry) for entry in tmp_path.iterdir()
            if entry.name != "tiny.toml"}


@pytest.mark.parametrize("kind", list(SPECIALS))
@pytest.mark.parametrize(
    ("command", "name"),
    [(("export", "tiny.toml", "-o"), "out.wav"), (("export", "tiny.toml", "-o"), "out.m4a"),
     (("plan", "tiny.toml", "--html"), "sheet.html")],
    ids=["export-wav", "export-m4a", "plan-html"],
)
def test_a_special_destination_is_refused_and_left_alone(
    tmp_path: Path, kind: str, command: tuple[str, ...], name: str
) -> None:
    _, reason, before = prepared(tmp_path, kind, name)
    (tmp_path / "tiny.toml").write_text(ROUTINE)
    result = command_for(kind)(*command, name, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    verb = "export to" if command[0] == "export" else "write"
    assert one_line(result.stderr) == (
        f"cannot {verb} {name}: {reason}, and voiceguide replaces only regular files; "
        "choose another name"
    )
    assert result.stdout == ""
    assert after(tmp_path) == before


@pytest.mark.parametrize("kind", list(SPECIALS))
def test_new_refuses_a_special_file_in_the_way(tmp_path: Path, kind: str) -> None:
    _, reason, before = prepared(tmp_path, kind, "knee.toml")
    result = command_for(kind)("new", "knee", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert one_line(result.stderr) == (
        f"cannot write knee.toml: {reason}, and voiceguide replaces only regular files; "
        "choose another name"
    )
    assert after(tmp_path) == before


def test_a_null_device_is_refused_and_stays_a_device(tmp_path: Path) -> None:
    # a null device of our own (the same major and minor as /dev/null), so a broken check could
    # never replace the machine's /dev/null while the tests run as root
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.lstat("/dev/null").st_rdev)
    except PermissionError:
        pytest.skip("making a device node needs root")
    before = os.lstat(device)
    (tmp_path / "tiny.toml").write_text(ROUTINE)
    result = voiceguide("plan", "tiny.toml", "--html", str(device), cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"cannot write {device}: it is a device, and voiceguide replaces only regular files; "
        "choose another name"
    )
    now = os.lstat(device)
    assert stat.S_ISCHR(now.st_mode)
    assert (now.st_rdev, now.st_ino) == (before.st_rdev, before.st_ino)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["null", "tiny.toml"]


def test_a_link_that_appears_during_the_write_is_not_replaced(tmp_path: Path) -> None:
    destination = tmp_path / "sheet.html"
    target = tmp_path / "target.txt"
    target.write_text("keep me")

    def write(files: object) -> None:
        destination.symlink_to(target.name)  # someone else's link, made while we write

    with pytest.raises(DestinationError, match="it is a symbolic link"):
        write_atomically(destination, write)
    assert destination.is_symlink() and target.read_text() == "keep me"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["sheet.html", "target.txt"]


# -- names --------------------------------------------------------------------------------------


def tiny_timeline(rate: int = 8000) -> Timeline:
    return Timeline(
        title="Tiny", sample_rate=rate, duration=rate, events=(), phases=(), warnings=(),
        voice=None, wpm=170, speech_gain=1.0, beep_gain=0.6, move_count=0, summary="",
    )


def test_a_legal_long_name_is_written_through_a_shorter_hidden_name(tmp_path: Path) -> None:
    destination = tmp_path / ("n" * 236 + ".wav")  # 240 bytes: legal, 15 short of the limit
    timeline = tiny_timeline()
    hidden: list[str] = []

    def progress(done: int, total: int) -> None:
        hidden.extend(path.name for path in tmp_path.iterdir() if ".partial-" in path.name)

    written = export_blocks(timeline, [np.zeros(timeline.duration, np.int16)], destination,
                            progress=progress)
    assert written == destination and destination.stat().st_size > timeline.duration * 2
    assert hidden and all(len(name.encode()) <= 255 for name in hidden)
    assert all(name.startswith(".nnnn") for name in hidden)
    assert sorted(path.name for path in tmp_path.iterdir()) == [destination.name]


def test_a_long_utf8_name_is_cut_between_characters(tmp_path: Path) -> None:
    destination = tmp_path / ("é" * 118 + ".html")  # 241 bytes
    seen: list[str] = []

    def write(files: object) -> None:
        seen.extend(os.listdir(tmp_path))

    write_atomically(destination, write)
    assert destination.exists()
    assert len(seen) == 1 and len(seen[0].encode()) <= 255
    seen[0].encode("utf-8")  # whole characters only


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", 'cannot write "": the file name is empty'),
        ("sheet/", "cannot write sheet/: a name ending in / is a folder; give a file name"),
        ("missing/sheet.html",
         "cannot write missing/sheet.html: the folder missing does not exist"),
        ("tiny.toml/sheet.html", "cannot write tiny.toml/sheet.html: tiny.toml is not a folder"),
        ("s" * 300 + ".html", "cannot write " + "s" * 179 + "..." + "s" * 13 + ".html: the "
         "file name is 305 bytes long, and the folder allows at most 255; choose a shorter name"),
    ],
    ids=["empty", "trailing-slash", "missing-folder", "file-as-folder", "too-long"],
)
def test_plan_html_refuses_names_that_cannot_be_a_file(
    tmp_path: Path, given: str, message: str
) -> None:
    (tmp_path / "tiny.toml").write_text(ROUTINE)
    result = voiceguide("plan", "tiny.toml", "--html", given, cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == message
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tiny.toml"]


def test_export_refuses_a_trailing_slash_and_a_name_too_long(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(ROUTINE)
    slash = voiceguide("export", "tiny.toml", "-o", "out.wav/", cwd=tmp_path)
    assert slash.returncode == 2
    assert one_line(slash.stderr) == (
        "cannot export to out.wav/: a name ending in / is a folder; give a file name"
    )
    long = voiceguide("export", "tiny.toml", "-o", "x" * 300 + ".m4a", cwd=tmp_path)
    assert long.returncode == 2
    assert one_line(long.stderr).endswith(
        ": the file name is 304 bytes long, and the folder allows at most 255; "
        "choose a shorter name"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tiny.toml"]
    with pytest.raises(ExportDestinationError):
        check_destination(str(tmp_path / "out.wav") + "/")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", 'cannot write "": give the routine a name, such as knee-routine'),
        ("   ", 'cannot write "   ": give the routine a name, such as knee-routine'),
        (".toml", 'cannot write ".toml": give the routine a name, such as knee-routine'),
        ("plans/", 'cannot write "plans/": give the routine a name, such as knee-routine'),
        ("k" * 300, "cannot write " + "k" * 179 + "..." + "k" * 13 + ".toml: the file name is "
         "305 bytes long, and the folder allows at most 255; choose a shorter name"),
    ],
    ids=["empty", "blank", "only-the-extension", "a-folder", "too-long"],
)
def test_new_refuses_a_name_that_cannot_be_a_script(
    tmp_path: Path, name: str, message: str
) -> None:
    (tmp_path / "plans").mkdir()
    result = voiceguide("new", name, cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == message
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plans"]
    assert list((tmp_path / "plans").iterdir()) == []


def test_new_with_a_byte_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"voiceguide", b"new", b"caf\xe9"],
        capture_output=True, cwd=tmp_path, timeout=60,
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, stderr
    assert one_line(stderr) == (
        "cannot write caf\\xe9: the name is not UTF-8 text; choose another name"
    )
    assert list(tmp_path.iterdir()) == []


def test_new_never_replaces_and_is_not_an_export_error(tmp_path: Path) -> None:
    (tmp_path / "knee.toml").write_text("mine")
    with pytest.raises(DestinationError) as refused:
        write_new_routine(str(tmp_path / "knee"))
    assert type(refused.value) is DestinationError and refused.value.exit_status == 2
    assert (tmp_path / "knee.toml").read_text() == "mine"


def test_text_and_refusals_through_the_library(tmp_path: Path) -> None:
    written = write_text_atomically(tmp_path / "a.txt", "hello\n")
    assert written.read_text() == "hello\n"
    assert destination_refusal(written, overwrite=True) is None
    assert destination_refusal(written, overwrite=False) == (
        f"{written} already exists; choose another name, or remove it first"
    )
    with pytest.raises(OutputError):
        write_text_atomically(tmp_path / "missing" / "a.txt", "x")
