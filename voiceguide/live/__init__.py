"""Live playback: a session heard through the audio device, with keys and a status view.

`play_timeline` is the one entry point (`voiceguide play` and `Session.play` use it). The rest is
what it is made of, for a program that brings its own device, keys or screen:

- sinks, where the sound goes: `Sink` and `PlayHandle` (the protocol), `default_sink`,
  `AlsaSink` (Linux: a 2 s buffer, stretches played back to back, a stalled device noticed),
  `SimpleaudioSink` (everywhere else);
- key sources: `TerminalKeys` (single keys from a terminal), `NoKeys` (none: only waits);
- remote controls, taken as keys: `Remote` (the protocol), `MprisRemote` (the desktop's media
  keys and a headset's buttons, over the session D-Bus);
- views: `make_view`, `TerminalStatus` (one line redrawn), `PhaseLog` (a line per phase),
  `SilentView`; `summary`, the line after a session;
- `PlayResult`, how a session ended; `Stopped`, raised when SIGTERM, SIGHUP or SIGQUIT ends
  it, and `Interrupted` (a KeyboardInterrupt) when Ctrl-C does, with the PlayResult so far.

Example:
    >>> import sys
    >>> import voiceguide
    >>> from voiceguide.live import make_view, play_timeline, summary
    >>> session = voiceguide.load("hip-mobility")
    >>> timeline = session.timeline
    >>> result = play_timeline(timeline, session.clips, start=timeline.find_move("3"),
    ...                        view=make_view(timeline, sys.stdout))     # doctest: +SKIP
    >>> print(summary(result, timeline, "hip-mobility"))               # doctest: +SKIP
    Finished: 4 of 4 work phases done, 5:20.4 played.

Importing this package loads neither numpy nor an audio library; playing does.
"""

from voiceguide.live.alsa import AlsaSink
from voiceguide.live.keys import KeySource, NoKeys, TerminalKeys
from voiceguide.live.mpris import MprisRemote
from voiceguide.live.playback import play_timeline
from voiceguide.live.player import PlayResult
from voiceguide.live.remote import Remote
from voiceguide.live.signals import Interrupted, Stopped
from voiceguide.live.sinks import (
    GaplessSink,
    PlayHandle,
    SimpleaudioSink,
    Sink,
    TrackedHandle,
    default_sink,
)
from voiceguide.live.status import SilentView, Snapshot, StatusText, StatusView
from voiceguide.live.views import PhaseLog, TerminalStatus, make_view, summary

__all__ = [
    "AlsaSink",
    "GaplessSink",
    "Interrupted",
    "KeySource",
    "MprisRemote",
    "NoKeys",
    "PhaseLog",
    "PlayHandle",
    "PlayResult",
    "Remote",
    "SilentView",
    "SimpleaudioSink",
    "Sink",
    "Snapshot",
    "StatusText",
    "StatusView",
    "Stopped",
    "TerminalKeys",
    "TerminalStatus",
    "TrackedHandle",
    "default_sink",
    "make_view",
    "play_timeline",
    "summary",
]
