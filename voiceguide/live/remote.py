"""Remote controls: playback commands from outside the terminal (a desktop's media keys, a
headset's buttons), fed to the player as the keys that do the same.

A `Remote` takes commands on a thread of its own and hands them over through a descriptor that
is readable while one waits, so the player's wait for keys wakes for either. `RemoteKeys` is the
key source the player reads (the terminal's keys and the remote's commands, in arrival order);
`RemoteView` passes every status snapshot on to the remote as well, so it can tell the desktop
where the session is and whether it is paused. Play and Pause are only what space does when
they would change something.
"""

from __future__ import annotations

import select
import time
from typing import TYPE_CHECKING, Literal, Protocol

from voiceguide.live.keys import KeySource, NoKeys, TerminalKeys
from voiceguide.live.status import Snapshot, StatusView

if TYPE_CHECKING:
    from voiceguide.timeline import Timeline

Command = Literal["play", "pause", "play-pause", "next", "previous", "stop"]

# what the keys do: space pauses and resumes, n skips, b goes back, q quits
_KEYS: dict[str, str] = {"play-pause": " ", "next": "n", "previous": "b", "stop": "q"}


class Remote(Protocol):
    """A source of playback commands from outside the terminal, told where playback is."""

    def start(self, timeline: Timeline) -> None:
        """Begin taking commands for this session (quietly nothing where it cannot)."""

    def fileno(self) -> int:
        """A descriptor that is readable while a command waits."""

    def command(self) -> Command | None:
        """The next command given, or None; never blocks."""

    def update(self, snapshot: Snapshot) -> None:
        """Where playback is now; called several times a second and on every change."""

    def close(self) -> None:
        """The session ended: stop taking commands (promptly, whatever the other side does)."""


class _Paused:
    """Whether the last snapshot shown was paused: the one fact Play and Pause depend on."""

    def __init__(self) -> None:
        self.paused = False


def command_key(command: Command, paused: bool) -> str | None:
    """The key that does what `command` asks, or None when it asks for what already is."""
    if command == "play":
        return " " if paused else None
    if command == "pause":
        return None if paused else " "
    return _KEYS[command]


class RemoteKeys:
    """The player's key source: the terminal's keys (or none) and the remote's commands."""

    _SLICE = 0.05  # how often a key source without a descriptor is asked

    def __init__(self, keys: KeySource, remote: Remote, state: _Paused) -> None:
        self._keys = keys
        self._remote = remote
        self._state = state

    def read(self, timeout: float) -> str | None:
        key = self._keys.read(0.0)
        if key is not None:
            return key
        command = self._remote.command()
        if command is not None:  # (one that changes nothing ends the wait as a key would)
            return command_key(command, self._state.paused)
        remote = self._remote.fileno()
        if isinstance(self._keys, NoKeys | TerminalKeys):
            descriptors = [remote]
            if isinstance(self._keys, TerminalKeys):
                descriptors.append(self._keys.fileno())
            ready, _, _ = select.select(descriptors, [], [], max(timeout, 0.0))
            if remote in ready:
                return self._command()
            return self._keys.read(0.0) if ready else None
        # a key source of the program's own: ask it in short slices
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            ready, _, _ = select.select([remote], [], [], 0.0)
            if ready:
                return self._command()
            key = self._keys.read(min(self._SLICE, max(deadline - time.monotonic(), 0.0)))
            if key is not None or time.monotonic() >= deadline:
                return key

    def _command(self) -> str | None:
        command = self._remote.command()
        return None if command is None else command_key(command, self._state.paused)


class RemoteView:
    """The status view the player updates: the program's view, and the remote beside it."""

    def __init__(self, view: StatusView, remote: Remote, state: _Paused) -> None:
        self._view = view
        self._remote = remote
        self._state = state

    def update(self, snapshot: Snapshot) -> None:
        self._state.paused = snapshot.paused
        self._remote.update(snapshot)
        self._view.update(snapshot)

    def close(self) -> None:
        self._view.close()


def with_remote(
    keys: KeySource, view: StatusView, remote: Remote
) -> tuple[RemoteKeys, RemoteView]:
    """The key source and the view that feed the player, and the remote, together."""
    state = _Paused()
    return RemoteKeys(keys, remote, state), RemoteView(view, remote, state)
