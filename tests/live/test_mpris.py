"""The MPRIS player on a real, private session bus (dbus-daemon), read and pressed by real
clients (busctl, dbus-send, dbus-monitor): what the desktop sees, what its buttons become, and
nothing at all where there is no bus. The session itself is played in test_mpris_e2e.py."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator

import numpy as np
import pytest

from tests.support.player_fakes import RATE, RecordingSink, hand_timeline, s
from tests.support.session_bus import (
    MPRIS_NAME,
    MPRIS_PATH,
    NEEDS_BUS,
    PLAYER,
    SessionBus,
)
from voiceguide.live.keys import NoKeys
from voiceguide.live.mpris import MprisRemote
from voiceguide.live.remote import RemoteKeys, RemoteView, with_remote
from voiceguide.live.status import SilentView, Snapshot

pytestmark = [pytest.mark.slow, NEEDS_BUS]


@pytest.fixture
def playing(bus: SessionBus) -> Iterator[tuple[MprisRemote, RemoteKeys, RemoteView]]:
    """The hand timeline's player on the bus, at its start, with the keys and view that feed
    a player (no terminal)."""
    remote = MprisRemote(bus.address)
    remote.start(hand_timeline())
    keys, view = with_remote(NoKeys(), SilentView(), remote)
    view.update(Snapshot(0))
    try:
        bus.wait_for_name()
        yield remote, keys, view
    finally:
        remote.close()


def eventually(read: object, wanted: object, timeout: float = 10) -> None:
    """The bus's thread announces on its own time: wait (loosely) for a value to show."""
    assert callable(read)
    deadline = time.monotonic() + timeout
    while (value := read()) != wanted:
        assert time.monotonic() < deadline, f"{value!r}, never {wanted!r}"
        time.sleep(0.05)


def test_the_desktop_sees_the_routine_the_move_and_whether_it_is_paused(
    bus: SessionBus, playing: tuple[MprisRemote, RemoteKeys, RemoteView]
) -> None:
    remote, _, view = playing
    assert remote.name == MPRIS_NAME
    root = bus.get_all("org.mpris.MediaPlayer2")
    assert root["Identity"] == "voiceguide"
    assert root["CanQuit"] is True and root["HasTrackList"] is False

    player = bus.get_all()
    assert player["PlaybackStatus"] == "Playing"
    assert player["CanPlay"] and player["CanPause"] and player["CanControl"]
    assert player["CanGoNext"] and player["CanGoPrevious"]
    assert player["CanSeek"] is False and player["Rate"] == 1.0
    metadata = player["Metadata"]
    assert metadata["mpris:trackid"] == "/org/voiceguide/Session"
    assert metadata["mpris:length"] == 40_000_000  # the session: 40 s, in microseconds
    assert metadata["xesam:album"] == "Test routine"
    assert metadata["xesam:title"] == "Intro"

    view.update(Snapshot(s(12.5)))  # Plank's work phase
    eventually(lambda: bus.get("Metadata")["xesam:title"], "Move 1/2 Plank")
    assert bus.get("Metadata")["xesam:trackNumber"] == 1
    assert bus.get("Position") == 12_500_000

    view.update(Snapshot(s(12.5), paused=True))
    eventually(lambda: bus.get("PlaybackStatus"), "Paused")
    view.update(Snapshot(s(21.0)))  # resumed, then skipped to the second window
    eventually(lambda: bus.get("PlaybackStatus"), "Playing")
    assert bus.get("Metadata")["xesam:title"] == "Move 2/2 Bridge · left"

    view.update(Snapshot(s(36.0)))  # the outro: Next would only end the session
    eventually(lambda: bus.get("CanGoNext"), False)
    assert bus.get("CanGoPrevious") is True


def test_a_second_client_reads_the_same_through_dbus_send_and_introspection(
    bus: SessionBus, playing: tuple[MprisRemote, RemoteKeys, RemoteView]
) -> None:
    reply = bus.dbus_send(
        f"--dest={MPRIS_NAME}", MPRIS_PATH, "org.freedesktop.DBus.Properties.Get",
        f"string:{PLAYER}", "string:PlaybackStatus",
    )
    assert 'variant       string "Playing"' in reply

    xml = bus.dbus_send(
        f"--dest={MPRIS_NAME}", MPRIS_PATH, "org.freedesktop.DBus.Introspectable.Introspect"
    )
    document = ElementTree.fromstring(xml[xml.index("<node") :].rsplit('"', 1)[0])
    interfaces = {node.get("name"): node for node in document.iter("interface")}
    assert {"org.mpris.MediaPlayer2", PLAYER, "org.freedesktop.DBus.Properties"} <= set(
        interfaces
    )
    methods = {node.get("name") for node in interfaces[PLAYER].iter("method")}
    assert {"PlayPause", "Play", "Pause", "Next", "Previous", "Stop"} <= methods
    properties = {node.get("name") for node in interfaces[PLAYER].iter("property")}
    assert {"PlaybackStatus", "Metadata", "Position", "CanGoNext"} <= properties

    # busctl finds the object from the root, as desktop tools do
    assert MPRIS_PATH in bus.busctl("tree", MPRIS_NAME)


def test_buttons_become_the_keys_that_do_the_same(
    bus: SessionBus, playing: tuple[MprisRemote, RemoteKeys, RemoteView]
) -> None:
    _, keys, view = playing
    for method, key in [("PlayPause", " "), ("Next", "n"), ("Previous", "b"), ("Stop", "q")]:
        bus.call(method)
        assert keys.read(10) == key, method

    # Play while playing and Pause while paused change nothing; the others are space
    bus.call("Play")
    assert keys.read(10) is None
    bus.call("Pause")
    assert keys.read(10) == " "
    view.update(Snapshot(s(12.0), paused=True))
    bus.call("Pause")
    assert keys.read(10) is None
    bus.call("Play")
    assert keys.read(10) == " "

    # several presses before the player looks: all of them, in order
    for method in ("Next", "Next", "Previous"):
        bus.call(method)
    assert [keys.read(10) for _ in range(3)] == ["n", "n", "b"]
    assert keys.read(0.2) is None


def test_pauses_and_jumps_are_signalled(
    bus: SessionBus, playing: tuple[MprisRemote, RemoteKeys, RemoteView]
) -> None:
    monitor = subprocess.Popen(
        ["dbus-monitor", "--address", bus.address, f"path='{MPRIS_PATH}'"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    assert monitor.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(monitor.stdout or []), daemon=True)
    reader.start()
    try:
        time.sleep(1.0)  # the monitor is listening (loosely)
        _, _, view = playing
        view.update(Snapshot(s(12.0)))
        view.update(Snapshot(s(12.0), paused=True))
        time.sleep(1.0)
        view.update(Snapshot(s(3.0)))  # resumed at the window: a jump back
        deadline = time.monotonic() + 10
        while "int64 3000000" not in "".join(lines) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        monitor.terminate()
        monitor.wait()
        reader.join(timeout=5)
        monitor.stdout.close()
    text = "".join(lines)
    assert "member=PropertiesChanged" in text
    assert 'string "Paused"' in text and 'string "Playing"' in text
    assert 'string "Move 1/2 Plank"' in text
    seeked = text[text.rindex("member=Seeked") :]  # the last jump: back to the window
    assert seeked.splitlines()[1].split() == ["int64", "3000000"]
    assert 'string "Position"' not in text  # never announced, as the specification says


def test_properties_are_read_only_and_unknown_calls_are_refused(
    bus: SessionBus, playing: tuple[MprisRemote, RemoteKeys, RemoteView]
) -> None:
    def refused(*args: str) -> str:
        done = subprocess.run(
            ["busctl", f"--address={bus.address}", *args], capture_output=True, text=True,
            timeout=20,
        )
        assert done.returncode != 0
        return done.stderr

    assert "read-only" in refused(
        "set-property", MPRIS_NAME, MPRIS_PATH, PLAYER, "Volume", "d", "0.5"
    )
    assert "plays its routine only" in refused(
        "call", MPRIS_NAME, MPRIS_PATH, PLAYER, "OpenUri", "s", "file:///etc/passwd"
    )
    assert "no method" in refused("call", MPRIS_NAME, MPRIS_PATH, PLAYER, "Shuffle")
    assert "no object" in refused("call", MPRIS_NAME, "/elsewhere", PLAYER, "Next")
    # Seek is accepted and ignored (CanSeek is false); the player still answers
    bus.busctl("call", MPRIS_NAME, MPRIS_PATH, PLAYER, "Seek", "x", "5000000")
    assert bus.get("PlaybackStatus") == "Playing"
    _, keys, _ = playing
    assert keys.read(0.2) is None


def test_a_second_voiceguide_takes_a_name_of_its_own_and_each_leaves_with_its_session(
    bus: SessionBus, playing: tuple[MprisRemote, RemoteKeys, RemoteView]
) -> None:
    second = MprisRemote(bus.address)
    second.start(hand_timeline())
    try:
        instance = f"{MPRIS_NAME}.instance{os.getpid()}"
        bus.wait_for_name(instance)
        assert second.name == instance
    finally:
        second.close()
    eventually(lambda: instance in bus.names(), False)
    first, _, _ = playing
    first.close()
    eventually(lambda: MPRIS_NAME in bus.names(), False)


def test_one_remote_serves_one_session_after_another(bus: SessionBus) -> None:
    remote = MprisRemote(bus.address)
    for title in ("Intro", "Move 1/2 Plank"):
        remote.start(hand_timeline())
        keys, view = with_remote(NoKeys(), SilentView(), remote)
        view.update(Snapshot(0 if title == "Intro" else s(12.0)))
        try:
            bus.wait_for_name()
            eventually(lambda: bus.get("Metadata")["xesam:title"], title)
            bus.call("Next")
            assert keys.read(10) == "n"
        finally:
            remote.close()
        eventually(lambda: MPRIS_NAME in bus.names(), False)


@pytest.mark.parametrize("address", [None, "unix:path=/nonexistent/bus", "tcp:host=x,port=1"])
def test_without_a_bus_the_remote_is_silent_and_idle(
    address: str | None, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    remote = MprisRemote(address)
    remote.start(hand_timeline())
    keys, view = with_remote(NoKeys(), SilentView(), remote)
    view.update(Snapshot(s(12.0)))
    assert keys.read(0.5) is None
    began = time.monotonic()
    remote.close()
    assert time.monotonic() - began < 3
    assert capfd.readouterr() == ("", "")
    assert not [t for t in threading.enumerate() if t.name == "voiceguide-mpris"]


def test_a_frozen_bus_holds_nothing_up(bus: SessionBus) -> None:
    bus.freeze()  # the daemon stopped (SIGSTOP): it takes the connection and never answers
    try:
        remote = MprisRemote(bus.address)
        remote.start(hand_timeline())
        keys, view = with_remote(NoKeys(), SilentView(), remote)
        view.update(Snapshot(s(1.0)))
        assert keys.read(0.5) is None  # the player goes on waiting for keys as usual
        began = time.monotonic()
        remote.close()
        assert time.monotonic() - began < 5
        # and the thread gives up by itself once the bus has had its time to answer
        eventually(lambda: any(t.name == "voiceguide-mpris" for t in threading.enumerate()), False)
    finally:
        bus.thaw()


def test_a_bus_that_freezes_while_playing_holds_nothing_up(
    bus: SessionBus, playing: tuple[MprisRemote, RemoteKeys, RemoteView]
) -> None:
    remote, keys, view = playing
    bus.freeze()
    try:
        for second in range(40):  # a whole session of changes, none of them delivered
            view.update(Snapshot(s(second), paused=second % 2 == 1))
        assert keys.read(0.2) is None
        began = time.monotonic()
        remote.close()
        assert time.monotonic() - began < 5
    finally:
        bus.thaw()
    eventually(lambda: MPRIS_NAME in bus.names(), False)


def test_a_frame_rate_other_than_a_second_still_gives_microseconds() -> None:
    from voiceguide.live.mpris_state import MprisState

    state = MprisState(hand_timeline())
    assert state.microseconds(RATE) == 1_000_000
    assert state.microseconds(RATE // 2) == 500_000


class _WallClock:
    """The fake sink's clock, following the real one (play_timeline plays in real time)."""

    @property
    def now(self) -> float:
        return time.monotonic()


class _Tones:
    """A clip for every speech and sound: a tenth of a second at a steady level."""

    def speech(self, text: str) -> np.ndarray:
        return np.full(RATE // 10, 0.1, dtype=np.float32)

    def sound(self, name: str) -> np.ndarray:
        return np.full(RATE // 10, 0.1, dtype=np.float32)


def test_play_timeline_takes_the_buttons_beside_the_keys(bus: SessionBus) -> None:
    from voiceguide.live import play_timeline

    sink = RecordingSink(_WallClock())  # type: ignore[arg-type]
    problems: list[BaseException] = []

    def buttons() -> None:
        try:
            bus.wait_for_name()
            bus.call("Next")  # from the intro to the first move's window
            deadline = time.monotonic() + 60
            while bus.get("Metadata")["xesam:title"] != "Move 1/2 Plank":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            bus.call("Stop")
        except BaseException as error:  # (reported by the test below)
            problems.append(error)

    presser = threading.Thread(target=buttons)
    presser.start()
    result = play_timeline(
        hand_timeline(), _Tones(), sink=sink, keys=NoKeys(), remote=MprisRemote(bus.address)
    )
    presser.join(timeout=60)
    assert problems == []
    assert not result.finished  # Stop is q
    assert result.position >= s(3.0)
    # Next cut the first stretch short and started a run at the window, on its first word
    # (without it, the stretches would follow each other, joined in silences)
    first, jumped = sink.handles[0], sink.handles[1]
    assert first.stopped_at is not None and first.stopped_at < first.natural_end - 0.05
    assert jumped.pcm[0] != 0
    eventually(lambda: MPRIS_NAME in bus.names(), False)
