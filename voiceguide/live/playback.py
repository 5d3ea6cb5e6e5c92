"""`play_timeline`: a timeline played live with keys and a status view; the one entry point
that `voiceguide play` and `Session.play` share."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from voiceguide.live.keys import (
    KeySource,
    NoKeys,
    TerminalKeys,
    someone_can_press,
    stdin_is_terminal,
)
from voiceguide.live.player import Player, PlayResult
from voiceguide.live.remote import Remote, with_remote
from voiceguide.live.signals import signals_stop_play
from voiceguide.live.sinks import Sink, default_sink
from voiceguide.live.status import SilentView

if TYPE_CHECKING:
    import numpy as np

    from voiceguide.live.status import StatusView
    from voiceguide.render import ClipSource
    from voiceguide.timeline import Timeline


def play_timeline(
    timeline: Timeline,
    clips: ClipSource,
    *,
    start: int = 0,
    sink: Sink | None = None,
    keys: KeySource | None = None,
    view: StatusView | None = None,
    remote: Remote | None = None,
) -> PlayResult:
    """Play `timeline` live from frame `start`, following the keys; returns how it ended.

    - `sink`: where the sound goes. None: the system's audio device (`default_sink`: ALSA with
      a 2 s buffer on Linux, simpleaudio elsewhere), opened here and closed at the end. A sink
      given is opened but left for the caller to close.
    - `keys`: None reads the terminal when stdin is one (space pauses, n skips, b goes back,
      q quits; the terminal's mode is restored however play ends), else `NoKeys`.
    - `view`: what shows the status (`make_view`, `TerminalStatus`, `PhaseLog`); None shows
      nothing.
    - `remote`: commands from outside the terminal, taken as the keys that do the same and told
      where playback is: `MprisRemote()` (Linux) offers the session to the desktop's media keys
      and a headset's buttons, and quietly does nothing where there is no session bus. None: the
      keys only.

    Raises PlaybackError when there is no working device, or it fails while playing (one line
    that says where the sound stopped). While it plays, SIGTERM, SIGHUP and SIGQUIT (unless the
    program handles or ignores them) raise `Stopped` once the sound is stopped and the terminal
    restored; Ctrl-C raises `Interrupted` (a KeyboardInterrupt) the same way, with the
    PlayResult so far as its `result`.

    Example:
        >>> import voiceguide, sys
        >>> from voiceguide.live import make_view, play_timeline
        >>> session = voiceguide.load("hip-mobility")
        >>> view = make_view(session.timeline, sys.stdout)
        >>> result = play_timeline(session.timeline, session.clips, view=view)  # doctest: +SKIP
        >>> result.finished                                                     # doctest: +SKIP
        True
    """
    from voiceguide.render import render_blocks

    def render_from(first: int) -> Iterator[np.ndarray]:
        return render_blocks(timeline, clips, start=first, block_frames=8192)

    device = default_sink(timeline.sample_rate) if sink is None else sink
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(signals_stop_play())
            if remote is not None:  # closed after the terminal has its mode back
                remote.start(timeline)
                stack.callback(remote.close)
            if keys is None:
                keys = NoKeys()
                if stdin_is_terminal():
                    keys = stack.enter_context(TerminalKeys())
            holds = someone_can_press(keys)  # the terminal's keys, not the media keys
            if remote is not None:
                keys, view = with_remote(keys, view or SilentView(), remote)
            player = Player(timeline, device, render_from, keys=keys, view=view, holds=holds)
            return player.run(start)
    finally:
        if sink is None:
            device.close()
