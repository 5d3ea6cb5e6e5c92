"""What the desktop is told about the session playing: the MPRIS properties, worked out from the
timeline and the player's last snapshot. Pure; values are D-Bus variants as jeepney writes them,
(signature, value).

The whole session is one track (so a desktop's progress bar spans the session): its length is
the session's, its position the session's position. The title is what plays now (the move, its
set and side, or "Intro"), the album and the artist are the routine's title: desktops and lock
screens show the title and the artist, not the album.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voiceguide.live.status import describe_move, phase_label, set_totals
from voiceguide.timeline import Timeline

ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
TRACK_ID = "/org/voiceguide/Session"

Variant = tuple[str, Any]


@dataclass(frozen=True)
class Playback:
    """Where the session is, as the desktop sees it."""

    position: int  # frames
    paused: bool = False
    ended: bool = False


class MprisState:
    """The properties of one timeline's session at any point of it."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._sets = set_totals(timeline)

    def microseconds(self, frames: int) -> int:
        return frames * 1_000_000 // self.timeline.sample_rate

    def phase_index(self, position: int) -> int:
        return self.timeline.phase_index_at(min(max(position, 0), self.timeline.duration))

    def title(self, position: int) -> str:
        """What plays at `position`: 'Move 1/2 Clamshell · set 1/3 · left', or 'Intro'."""
        phase = self.timeline.phases[self.phase_index(position)] if self.timeline.phases else None
        if phase is None:
            return self.timeline.title
        sets = self._sets.get((phase.move_number, phase.round))
        return describe_move(self.timeline, phase, sets) or phase_label(phase)

    def metadata(self, position: int) -> dict[str, Variant]:
        timeline = self.timeline
        data: dict[str, Variant] = {
            "mpris:trackid": ("o", TRACK_ID),
            "mpris:length": ("x", self.microseconds(timeline.duration)),
            "xesam:title": ("s", self.title(position)),
            "xesam:album": ("s", timeline.title),
            "xesam:artist": ("as", [timeline.title]),
        }
        if timeline.phases:
            number = timeline.phases[self.phase_index(position)].move_number
            if number is not None:
                data["xesam:trackNumber"] = ("i", number)
        return data

    def root(self) -> dict[str, Variant]:
        """org.mpris.MediaPlayer2: Quit is q; there is no window to raise and no track list."""
        return {
            "CanQuit": ("b", True),
            "CanRaise": ("b", False),
            "HasTrackList": ("b", False),
            "Identity": ("s", "voiceguide"),
            "SupportedUriSchemes": ("as", []),
            "SupportedMimeTypes": ("as", []),
        }

    def player(self, playback: Playback) -> dict[str, Variant]:
        """org.mpris.MediaPlayer2.Player. Next is offered while a later phase exists (in the
        last one it would only end the session, which Stop does); no seeking, one speed."""
        live = not playback.ended
        index = self.phase_index(playback.position)
        status = "Stopped" if playback.ended else "Paused" if playback.paused else "Playing"
        return {
            "PlaybackStatus": ("s", status),
            "Rate": ("d", 1.0),
            "MinimumRate": ("d", 1.0),
            "MaximumRate": ("d", 1.0),
            "Volume": ("d", 1.0),
            "Metadata": ("a{sv}", self.metadata(playback.position)),
            "Position": ("x", self.microseconds(playback.position)),
            "CanGoNext": ("b", live and index + 1 < len(self.timeline.phases)),
            "CanGoPrevious": ("b", live),
            "CanPlay": ("b", live),
            "CanPause": ("b", live),
            "CanSeek": ("b", False),
            "CanControl": ("b", True),
        }

    def properties(self, interface: str, playback: Playback) -> dict[str, Variant] | None:
        """All properties of `interface`, or None for an interface this object does not have."""
        if interface == ROOT:
            return self.root()
        if interface == PLAYER:
            return self.player(playback)
        return None


def changed(before: dict[str, Variant], after: dict[str, Variant]) -> dict[str, Variant]:
    """The properties whose values differ. Position is never announced (the MPRIS rule:
    clients work it out from the rate, and a jump is told by the Seeked signal)."""
    return {
        name: value
        for name, value in after.items()
        if name != "Position" and before.get(name) != value
    }
