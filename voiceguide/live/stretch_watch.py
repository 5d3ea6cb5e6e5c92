"""The stretches handed to a sink, watched: a stretch that ends early or never ends, or a device
that takes no more sound although it has some, means the device failed; and where the sound
really got to when it did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from voiceguide.live.sinks import PlayHandle, TrackedHandle

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Stretch:
    """One buffer on the sink, from the play call until the sink is done with it."""

    handle: PlayHandle
    pcm: np.ndarray  # referenced until the sink is done with it
    first: int  # the timeline frame of its first sample
    started: float  # clock time of the play call
    expected_end: float  # clock time its last frame is due


class DeviceFailed(Exception):
    """The audio device `what` ("failed", "stopped responding")."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def still_playing(
    stretches: list[Stretch], now: float, *, hang: float, stall: float
) -> list[Stretch]:
    """The stretches still playing at `now`. Raises DeviceFailed."""
    still = []
    for playing in stretches:
        handle = playing.handle
        if isinstance(handle, TrackedHandle):
            _, idle = handle.progress()
            if idle > stall:
                raise DeviceFailed("stopped responding")
        length = playing.expected_end - playing.started
        slack = 0.5 + 0.002 * length
        if handle.is_playing():
            if now > playing.expected_end + hang:
                raise DeviceFailed("stopped responding")
            still.append(playing)
        elif now < playing.expected_end - slack:
            raise DeviceFailed("failed")
    return still


def device_position(stretches: list[Stretch]) -> int | None:
    """Where the sound really got to: the device's count where the sink keeps one."""
    for playing in stretches:
        if isinstance(playing.handle, TrackedHandle):
            played, _ = playing.handle.progress()
            if played < len(playing.pcm):
                return playing.first + played
    return None
