"""Ctrl-C during `voiceguide play` says where to continue, as `q` does: in a real terminal (a pty),
through a real audio server, with a real SIGINT (from the terminal's Ctrl-C and from kill)."""

from __future__ import annotations

import os
import pty
import re
import signal
from pathlib import Path

import pytest
from pulse_null_sink import PulseServer, available

from tests.support.live_play import close_terminal, in_terminal, read_until, write_routine

pytestmark = [
    pytest.mark.slow,
    pytest.mark.realtime,
    pytest.mark.skipif(available() is not None, reason=str(available())),
]


def _stop_during_move_2(server: PulseServer, script: Path, how: str) -> tuple[int, str, str]:
    """Play from move 2, stop it `how` once move 2 shows; (status, terminal output, stderr)."""
    master, terminal = pty.openpty()
    process = in_terminal(["play", str(script), "--from", "2"], terminal, server.env())
    os.close(terminal)
    seen: list[str] = []
    try:
        read_until(master, "Bridge", 60, seen)
        if how == "q":
            os.write(master, b"q")
        elif how == "ctrl-c":
            os.write(master, b"\x03")  # the terminal turns it into SIGINT
        else:
            process.send_signal(signal.SIGINT)
        status = process.wait(timeout=30)
        read_until(master, "\n", 10, seen)  # what is left of the output
        while True:
            try:
                chunk = os.read(master, 4096).decode(errors="replace")
            except OSError:  # the terminal's other end closed: all is read
                break
            if not chunk:
                break
            seen.append(chunk)
    finally:
        errors = close_terminal(process, master)
    return status, "".join(seen), errors


@pytest.mark.parametrize("how", ["ctrl-c", "kill -INT"])
def test_an_interrupt_says_where_to_continue_as_q_does(
    server: PulseServer, tmp_path: Path, how: str
) -> None:
    script = write_routine(tmp_path)
    continue_line = f"Continue with: voiceguide play {script} --from 2"

    status, output, errors = _stop_during_move_2(server, script, how)
    assert status == 130
    assert errors == "interrupted\n"
    assert continue_line in output
    assert re.search(r"Stopped at 0:\d\d\.\d of 0:\d\d\.\d: 0 of \d work phases done", output)

    quit_status, quit_output, quit_errors = _stop_during_move_2(server, script, "q")
    assert quit_status == 0 and quit_errors == ""
    assert continue_line in quit_output
