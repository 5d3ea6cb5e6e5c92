"""What the player shows and reads: status text, the two views, terminal keys, the summary."""

from __future__ import annotations

import io
import os
import pty
import termios

import pytest

from tests.support.player_fakes import hand_timeline, s
from voiceguide.live.keys import TerminalKeys
from voiceguide.live.player import PlayResult
from voiceguide.live.status import Snapshot, StatusText, clock
from voiceguide.live.views import PhaseLog, TerminalStatus, summary


def test_status_line_names_move_set_side_phase_countdown_and_time_left() -> None:
    text = StatusText(hand_timeline())
    assert text.line(Snapshot(s(30.5))) == "Move 2/2 Bridge · left | 6 reps 0:05 | 0:10 left"
    assert text.line(Snapshot(s(12.0))) == "Move 1/2 Plank | Work 0:08 | 0:28 left"
    assert text.line(Snapshot(s(4.0))) == "Move 1/2 Plank | Get ready 0:06 | 0:36 left"
    assert text.line(Snapshot(0)) == "Intro 0:03 | 0:40 left"
    assert text.line(Snapshot(s(12.0), paused=True)) == (
        "Paused (space resumes) | Move 1/2 Plank | Work 0:08 | 0:28 left"
    )


def test_phase_lines() -> None:
    text = StatusText(hand_timeline())
    assert text.phase_line(0) == "0:00.0  Intro  (3 s)"
    assert text.phase_line(3) == "0:20.0  Get ready  Move 2/2 Bridge · left  (9 s)"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.0, "0:00"), (0.2, "0:01"), (59.0, "0:59"), (61.5, "1:02"), (3600.0, "1:00:00")],
)
def test_countdown_clock_rounds_up(seconds: float, shown: str) -> None:
    assert clock(seconds) == shown


def test_terminal_status_redraws_one_line_cut_to_the_width() -> None:
    stream = io.StringIO()
    view = TerminalStatus(StatusText(hand_timeline()), stream, width=30)
    view.update(Snapshot(s(12.0)))
    view.update(Snapshot(s(12.0) + 1))  # same text: nothing written
    view.update(Snapshot(s(13.0)))
    view.close()
    written = stream.getvalue()
    assert written == (
        "\rMove 1/2 Plank | Work 0:08 | \x1b[K" + "\rMove 1/2 Plank | Work 0:07 | \x1b[K" + "\n"
    )


def test_phase_log_writes_a_line_per_phase_and_per_pause() -> None:
    stream = io.StringIO()
    view = PhaseLog(StatusText(hand_timeline()), stream)
    for second in (0.0, 1.0, 3.5, 9.0, 12.0):
        view.update(Snapshot(s(second)))
    view.update(Snapshot(s(12.0), paused=True))
    view.update(Snapshot(s(12.0), paused=True))
    view.update(Snapshot(s(3.0)))
    assert stream.getvalue().splitlines() == [
        "0:00.0  Intro  (3 s)",
        "0:03.0  Get ready  Move 1/2 Plank  (7 s)",
        "0:10.0  Work  Move 1/2 Plank  (10 s)",
        "paused at Move 1/2 Plank | Work 0:08 | 0:28 left",
        "0:03.0  Get ready  Move 1/2 Plank  (7 s)",
    ]


def test_summary_after_quitting_says_where_and_how_to_continue() -> None:
    timeline = hand_timeline()
    result = PlayResult(False, s(25.0), 1, 2, 2, s(25.0))
    assert summary(result, timeline, "hip-mobility") == (
        "Stopped at 0:25.0 of 0:40.0: 1 of 2 work phases done, 0:25.0 played. "
        "Continue with: voiceguide play hip-mobility --from 2"
    )
    done = PlayResult(True, s(40.0), 2, 2, None, s(40.0))
    assert summary(done, timeline, "x") == "Finished: 2 of 2 work phases done, 0:40.0 played."


def test_terminal_keys_read_single_keys_and_restore_the_terminal() -> None:
    master, slave = pty.openpty()
    try:
        before = termios.tcgetattr(slave)
        with open(slave, closefd=False) as stream, TerminalKeys(stream) as keys:
            assert termios.tcgetattr(slave)[3] & termios.ICANON == 0  # no Enter needed
            assert keys.read(0.01) is None
            os.write(master, b"n")
            assert keys.read(1.0) == "n"
            os.write(master, b" q")
            assert keys.read(1.0) == " "
            assert keys.read(1.0) == "q"
            os.write(master, b"\x1b[A")  # an arrow key is ignored whole
            assert keys.read(0.2) is None
            assert keys.read(0.01) is None
        assert termios.tcgetattr(slave) == before
        with (
            open(slave, closefd=False) as stream,
            pytest.raises(RuntimeError),
            TerminalKeys(stream),
        ):
            raise RuntimeError("boom")
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


def test_play_from_an_unknown_move_is_bad_input_naming_the_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    import voiceguide
    import voiceguide.live
    from voiceguide.cli.play import play

    opened: list[str] = []

    class NoSink:
        def __init__(self, sample_rate: int) -> None:
            opened.append("made")

        def close(self) -> None:
            opened.append("closed")

    session = voiceguide.Session(None, hand_timeline(), None, "test.toml")  # type: ignore[arg-type]
    monkeypatch.setattr(voiceguide, "load", lambda *a, **k: session)
    monkeypatch.setattr(voiceguide.live, "default_sink", NoSink)
    result = CliRunner().invoke(play, ["test.toml", "--from", "squat"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--from': no move named \"squat\"; the moves are: "
        "1 Plank, 2 Bridge"
    )
    assert opened == ["made", "closed"]  # the device check is not left running
