"""The atomic writer: hidden partial files, their cleanup, and signals met while writing.

Real signals are sent to this process (SIGINT only: SIGTERM and SIGHUP end a process, and are
met in the export tests' child processes and in tests/output/test_output_faults.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from voiceguide.errors import OutputError
from voiceguide.output.atomic import PartialFiles, write_atomically, write_text_atomically
from voiceguide.output.interrupts import Interrupts


def ctrl_c_now() -> None:
    """A real SIGINT to this process; its handler runs at the next bytecode boundary."""
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(1000):
        time.sleep(0.001)
    raise AssertionError("the SIGINT never arrived")


def test_ctrl_c_while_writing_removes_the_hidden_files_and_keeps_the_earlier_file(
    tmp_path: Path,
) -> None:
    destination = tmp_path / "sheet.html"
    destination.write_text("earlier")
    made: list[Path] = []

    def write(files: PartialFiles) -> None:
        files.path.write_text("half a sheet")
        made.extend([files.path, files.companion(".extra")])
        ctrl_c_now()

    with pytest.raises(KeyboardInterrupt):
        write_atomically(destination, write)
    assert destination.read_text() == "earlier"
    assert made and not any(path.exists() for path in made)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["sheet.html"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # given back


def test_a_child_writing_the_file_is_ended_and_waited_for(tmp_path: Path) -> None:
    children: list[subprocess.Popen[bytes]] = []

    def write(files: PartialFiles) -> None:
        with files.held():
            child = subprocess.Popen(["sleep", "60"])
            files.adopt(child)
        children.append(child)
        ctrl_c_now()

    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "out.bin", write)
    assert children[0].returncode == -signal.SIGKILL  # reaped: no zombie, no orphan
    assert list(tmp_path.iterdir()) == []


def test_a_signal_while_held_waits_until_the_step_is_done(tmp_path: Path) -> None:
    steps: list[str] = []

    def write(files: PartialFiles) -> None:
        with files.held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler runs in here, and must not raise
            steps.append("the held step finished")
        steps.append("never")

    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "out.bin", write)
    assert steps == ["the held step finished"]
    assert list(tmp_path.iterdir()) == []


def test_outside_the_main_thread_no_handler_is_touched(tmp_path: Path) -> None:
    handlers = {number: signal.getsignal(number)
                for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    seen: list[object] = []

    def write(files: PartialFiles) -> None:
        seen.append(signal.getsignal(signal.SIGINT))
        files.path.write_bytes(b"data")

    worker = threading.Thread(target=write_atomically, args=(tmp_path / "out.bin", write))
    worker.start()
    worker.join()
    assert (tmp_path / "out.bin").read_bytes() == b"data"
    assert seen == [signal.default_int_handler]
    assert handlers == {number: signal.getsignal(number) for number in handlers}


def test_an_application_handler_stays_in_charge(tmp_path: Path) -> None:
    got: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: got.append(number))
    try:
        def write(files: PartialFiles) -> None:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            files.path.write_bytes(b"data")

        write_atomically(tmp_path / "out.bin", write)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert got == [signal.SIGINT]
    assert (tmp_path / "out.bin").read_bytes() == b"data"


def test_a_hidden_name_taken_already_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import voiceguide.output.atomic as atomic

    names = iter(["aaaaaaaa", "aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda size: next(names))
    (tmp_path / ".out.txt.partial-aaaaaaaa").write_text("someone else's")
    write_text_atomically(tmp_path / "out.txt", "mine")
    assert (tmp_path / "out.txt").read_text() == "mine"
    assert (tmp_path / ".out.txt.partial-aaaaaaaa").read_text() == "someone else's"


def test_a_write_error_is_one_output_error(tmp_path: Path) -> None:
    def write(files: PartialFiles) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError) as caught:
        write_atomically(tmp_path / "out.bin", write, space_advice="free some space")
    assert str(caught.value) == (
        f"cannot write {tmp_path / 'out.bin'}: No space left on device; free some space"
    )
    assert list(tmp_path.iterdir()) == []


def test_interrupts_outside_a_write_do_nothing() -> None:
    interrupts = Interrupts()
    interrupts.release()  # never watched: nothing to give back, nothing to deliver
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
