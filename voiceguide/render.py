"""The renderer: a Timeline and its clips -> int16 PCM, block by block.

Live playback and export both consume these blocks, so they play the same samples. Only the
blocks in flight and the clips of the events that overlap them are in memory, so a four-hour
session costs no more memory than a four-minute one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from voiceguide.timeline import Event, Timeline

# full scale for int16; symmetric, so +1.0 and -1.0 both fit
_FULL_SCALE = 32767.0

Samples = npt.NDArray[np.float32]
Pcm = npt.NDArray[np.int16]


class ClipSource(Protocol):
    """Where the renderer gets its audio; both return float32 mono at timeline.sample_rate."""

    def speech(self, text: str) -> npt.NDArray[np.float32]: ...

    def sound(self, name: str) -> npt.NDArray[np.float32]: ...


@dataclass(frozen=True)
class _Playing:
    """An event whose clip is being mixed: the clip, cut to the event's frames, and its gain."""

    start: int
    end: int
    clip: Samples
    gain: np.float32


def render_blocks(
    timeline: Timeline,
    clips: ClipSource,
    *,
    start: int = 0,
    end: int | None = None,
    block_frames: int = 16384,
) -> Iterator[Pcm]:
    """int16 mono blocks covering frames [start, end or duration) exactly, in order.

    Every block is block_frames long except perhaps the last. Each block is a new array that the
    renderer never touches again, so a sink may keep it (simpleaudio does not copy). Every
    event's clip starts at event.start and lasts exactly event.end - event.start frames: a
    longer clip is cut, a shorter one ends in silence. Speech is scaled by speech_gain, beeps by
    beep_gain; the mix is clipped to [-1, 1] and rounded to int16.
    """
    stop = timeline.duration if end is None else end
    if not 0 <= start <= stop <= timeline.duration:
        raise ValueError(
            f"cannot render frames [{start}, {stop}) of a {timeline.duration}-frame timeline"
        )
    if block_frames < 1:
        raise ValueError(f"block_frames must be at least 1, not {block_frames}")
    return _blocks(timeline, clips, start, stop, block_frames)


def _blocks(
    timeline: Timeline, clips: ClipSource, start: int, stop: int, block_frames: int
) -> Iterator[Pcm]:
    events = timeline.events
    # events are sorted by start: the next one to begin is found by a moving index, and only
    # events that began before `start` need a look at their end (once, not per block)
    upcoming = bisect_left(events, start, key=lambda event: event.start)
    playing = [_prepare(event, timeline, clips) for event in events[:upcoming] if event.end > start]
    for first in range(start, stop, block_frames):
        last = min(first + block_frames, stop)
        while upcoming < len(events) and events[upcoming].start < last:
            event = events[upcoming]
            if event.end > event.start:
                playing.append(_prepare(event, timeline, clips))
            upcoming += 1
        if not playing:
            yield np.zeros(last - first, dtype=np.int16)
            continue
        mix = np.zeros(last - first, dtype=np.float32)
        for item in playing:
            _overlay(mix, first, item)
        yield _to_pcm(mix)
        playing = [item for item in playing if item.end > last]


def _prepare(event: Event, timeline: Timeline, clips: ClipSource) -> _Playing:
    """Fetch the event's clip once and cut it to the event's length."""
    if event.kind == "speech":
        if event.text is None:
            raise ValueError(f"speech event at frame {event.start} has no text")
        clip, gain = clips.speech(event.text), timeline.speech_gain
    else:
        clip, gain = clips.sound(event.role), timeline.beep_gain
    samples = np.asarray(clip, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"clip for {event.role!r} must be mono (1-D), not shape {samples.shape}")
    # a view, not a copy: frames past the clip's end are simply not mixed (silence)
    return _Playing(event.start, event.end, samples[: event.end - event.start], np.float32(gain))


def _overlay(mix: Samples, first: int, item: _Playing) -> None:
    """Add the part of the item's clip that falls inside the block starting at `first`."""
    begin = max(item.start, first)
    finish = min(item.start + len(item.clip), first + len(mix))
    if finish <= begin:
        return
    part = item.clip[begin - item.start : finish - item.start]
    mix[begin - first : finish - first] += part * item.gain


def _to_pcm(mix: Samples) -> Pcm:
    np.clip(mix, -1.0, 1.0, out=mix)
    mix *= np.float32(_FULL_SCALE)
    np.rint(mix, out=mix)
    return mix.astype(np.int16)
