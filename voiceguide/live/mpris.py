"""`MprisRemote`: the session as a media player on the desktop's session D-Bus (MPRIS), so media
keys, a Bluetooth headset's buttons and the desktop's media controls work during `play`.

All D-Bus work happens on one thread of its own (jeepney's blocking connection, woken by a pipe
when the player has news), so a slow or misbehaving bus can never hold up the sound. The player
side only appends commands it reads and hands over snapshots. Where there is no session bus
(no DBUS_SESSION_BUS_ADDRESS, a bus that refuses or does not answer) the thread ends quietly and
the session plays as it would without it: media keys are a convenience, never a reason to fail.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from voiceguide.live.mpris_state import MprisState, Playback
from voiceguide.live.remote import Command
from voiceguide.live.status import Snapshot

if TYPE_CHECKING:
    from voiceguide.timeline import Timeline

BUS_NAME = "org.mpris.MediaPlayer2.voiceguide"
_SEEK_TOLERANCE = 0.5  # seconds the position may differ from where the clock says it is


class MprisRemote:
    """A `Remote` (live/remote.py) on the session bus, as org.mpris.MediaPlayer2.voiceguide
    (or .voiceguide.instancePID when another voiceguide holds that name). One may serve one
    session after another.

    `address`: a D-Bus address such as "unix:path=/run/user/1000/bus"; None reads
    DBUS_SESSION_BUS_ADDRESS when a session starts. `timeout`: how long the bus has to take
    the connection and answer while it starts.
    """

    def __init__(self, address: str | None = None, *, timeout: float = 2.0) -> None:
        self._address = address
        self._timeout = timeout
        self._link: _Link | None = None

    @property
    def name(self) -> str | None:
        """The bus name held, once the desktop can see the player."""
        return self._link.name if self._link is not None else None

    def start(self, timeline: Timeline) -> None:
        if self._link is not None:
            self._link.close()
        self._link = _Link(self._address, self._timeout, MprisState(timeline))

    def fileno(self) -> int:
        assert self._link is not None, "start() first"
        return self._link.fileno()

    def command(self) -> Command | None:
        return self._link.command() if self._link is not None else None

    def update(self, snapshot: Snapshot) -> None:
        if self._link is not None:
            self._link.update(snapshot)

    def close(self) -> None:
        if self._link is not None:
            self._link.close()


class _Link:
    """One session's player on the bus: the thread that serves it, and what the player and the
    thread share (the commands given, where playback is), behind one lock."""

    def __init__(self, address: str | None, timeout: float, state: MprisState) -> None:
        self._address = address
        self._timeout = timeout  # for connecting, and for the bus's answers while starting
        self._state = state
        self._commands: deque[Command] = deque()
        self._lock = threading.Lock()
        self._playback = Playback(0)
        self._seeked = False
        self._last: tuple[float, Snapshot] | None = None
        self._phase = -1
        self._socket: socket.socket | None = None
        self._closing = False
        self._abandoned = False  # closed while the thread still ran: it tidies up itself
        self.name: str | None = None
        command_read, command_write = os.pipe()
        wake_read, wake_write = os.pipe()
        for descriptor in (command_read, command_write, wake_read, wake_write):
            os.set_blocking(descriptor, False)
        # commands read/write, wake read/write
        self._pipes: tuple[int, int, int, int] | None = (
            command_read, command_write, wake_read, wake_write
        )
        self._thread = threading.Thread(target=self._serve, name="voiceguide-mpris", daemon=True)
        self._thread.start()

    # -- the player's side

    def fileno(self) -> int:
        assert self._pipes is not None, "closed"
        return self._pipes[0]

    def command(self) -> Command | None:
        if self._pipes is not None:
            with contextlib.suppress(BlockingIOError):
                os.read(self._pipes[0], 512)
        with self._lock:
            return self._commands.popleft() if self._commands else None

    def update(self, snapshot: Snapshot) -> None:
        state = self._state
        now = time.monotonic()
        rate = state.timeline.sample_rate
        seeked = False
        if self._last is not None and not snapshot.paused:
            then, before = self._last
            expected = before.position + (0 if before.paused else (now - then) * rate)
            seeked = before.paused or abs(snapshot.position - expected) > (
                _SEEK_TOLERANCE * rate
            )
        self._last = (now, snapshot)
        phase = state.phase_index(snapshot.position)
        news = seeked or phase != self._phase or snapshot.paused != self._playback.paused
        self._phase = phase
        with self._lock:
            self._playback = Playback(snapshot.position, snapshot.paused)
            self._seeked = self._seeked or seeked
        if news:
            self._wake()

    def close(self) -> None:
        """Stop serving: the thread leaves the bus (its name goes with the connection). Waits
        a second at most for a bus that does not answer; the thread is a daemon either way."""
        with self._lock:
            self._closing = True
        self._wake()
        thread = self._thread
        thread.join(timeout=1.0)
        if thread.is_alive():
            with self._lock:
                sock = self._socket
            if sock is not None:
                # wakes a thread stuck on an unanswered call: its read ends at once
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            thread.join(timeout=1.0)
        with self._lock:
            # a thread still connecting (its time to authenticate is bounded) closes them itself
            self._abandoned = thread.is_alive()
            if not self._abandoned:
                self._close_pipes()

    def _close_pipes(self) -> None:
        if self._pipes is not None:
            for descriptor in self._pipes:
                with contextlib.suppress(OSError):
                    os.close(descriptor)
            self._pipes = None

    def _wake(self) -> None:
        if self._pipes is not None:
            with contextlib.suppress(BlockingIOError, OSError):
                os.write(self._pipes[3], b"!")

    # -- the bus's side (the thread)

    def _serve(self) -> None:
        # any failure of the bus ends the media keys, never the session, and prints nothing
        with contextlib.suppress(Exception):
            self._serve_bus()
        with self._lock:
            if self._abandoned:
                self._close_pipes()

    def _serve_bus(self) -> None:
        from jeepney.bus import get_bus
        from jeepney.io.blocking import DBusConnection, prep_socket

        from voiceguide.live.mpris_bus import MprisObject

        address = self._address or os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        if not address:
            return
        sock = prep_socket(get_bus(address), timeout=self._timeout)
        with self._lock:
            self._socket = sock
            if self._closing:
                sock.close()
                return
        connection = DBusConnection(sock)
        try:
            if not self._claim_name(connection):
                return
            assert self._pipes is not None
            mpris = MprisObject(self._state, connection.send, self._add, self._now)
            self._loop(connection, mpris, self._pipes[2])
        finally:
            connection.close()

    def _claim_name(self, connection: Any) -> bool:
        from jeepney.bus_messages import DBusNameFlags, message_bus
        from jeepney.io.blocking import Proxy

        bus = Proxy(message_bus, connection, timeout=self._timeout)
        for name in (BUS_NAME, f"{BUS_NAME}.instance{os.getpid()}"):
            (result,) = bus.RequestName(name, DBusNameFlags.do_not_queue)
            if result in (1, 4):  # the primary owner now, or already
                self.name = name
                return True
        return False

    def _loop(self, connection: Any, mpris: Any, wake: int) -> None:
        while True:
            ready, _, _ = select.select([connection.sock, wake], [], [])
            if wake in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake, 512)
            with self._lock:
                closing = self._closing
                seeked, self._seeked = self._seeked, False
            if closing:
                return
            if connection.sock in ready:
                # every whole message that arrived (more may wait in the parser than one)
                while True:
                    try:
                        message = connection.receive(timeout=0)
                    except TimeoutError:
                        break
                    mpris.handle(message)
            mpris.announce(seeked)

    def _add(self, command: Command) -> None:
        with self._lock:
            self._commands.append(command)
        if self._pipes is not None:
            with contextlib.suppress(BlockingIOError, OSError):
                os.write(self._pipes[1], b"!")

    def _now(self) -> Playback:
        with self._lock:
            return self._playback
