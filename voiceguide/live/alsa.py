"""Linux: the sound device through libasound (ctypes), one stream with a deep buffer.

Why not simpleaudio on Linux: simpleaudio fixes the device buffer at 100 ms. When a busy
machine keeps the process off the CPU for longer than that, the device runs dry and everything
after the gap sounds late (measured on a busy 2-core machine: PulseAudio logs "Implicit
underrun" and ticks came 80 to 220 ms late). This sink keeps about 2 s queued, written by a
thread of its own; plays stretches back to back without a gap (`play_after`), so a session
needs no clock-timed joins; and tells how far the device has got, so a device that stops
taking sound (a stalled audio server) is noticed within seconds, at the frame where it stopped.

Every libasound call happens on the sink's thread: the caller's thread only changes Python
state under a lock, so it never blocks on a device that hangs.

How far the device has got: the monotonic clock from the stream's start (the device plays at
its own clock, a few parts in 10,000 from it), believed only while the device's hardware
pointer moves. ALSA's pointer moves whenever the device takes frames, on any device; with the
PulseAudio plugin it moves when the server asks for more, and it jumps one buffer ahead at the
start (so it cannot itself count frames played, nor can the plugin's interpolated delay, which
stands still for a second and more after a start). When the pointer stops while the stream
runs, the device has stalled; where the sound stopped is the clock's count at its last move.
Writes are paced by the clock to keep about one buffer queued: the plugin would take two.
"""

from __future__ import annotations

import ctypes
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voiceguide.errors import PlaybackError
from voiceguide.live.alsa_pcm import STATE_PREPARED, STATE_RUNNING, library, open_pcm
from voiceguide.live.sinks import EXPORT_HINT, no_device, quiet_alsa

if TYPE_CHECKING:
    import numpy as np

    from voiceguide.live.sinks import PlayHandle

@dataclass(eq=False)
class _Item:
    """One buffer in the stream: where it starts in the stream's frame count once its first
    frame is written, and how much of it is written."""

    pcm: np.ndarray
    stream_start: int | None = None
    written: int = 0
    stopped: bool = False

    @property
    def stream_end(self) -> int | None:
        return None if self.stream_start is None else self.stream_start + len(self.pcm)


class AlsaHandle:
    """A buffer handed to an AlsaSink. Stopping it silences the sink (and what follows it)."""

    def __init__(self, sink: AlsaSink, item: _Item) -> None:
        self._sink = sink
        self._item = item
        self.pcm = item.pcm  # keeps the buffer alive as long as the handle

    def is_playing(self) -> bool:
        return self._sink._is_playing(self._item)

    def stop(self) -> None:
        self._sink._stop()

    def wait(self) -> None:
        while self.is_playing():
            time.sleep(0.05)

    def progress(self) -> tuple[int, float]:
        """(frames of this buffer the device has taken, seconds the device has taken nothing
        although it had sound queued)."""
        return self._sink._progress(self._item)


class AlsaSink:
    """The ALSA "default" device (PulseAudio or PipeWire through their ALSA plugins, or a
    sound card), opened once, fed from a thread with `buffer_time` seconds queued."""

    def __init__(
        self,
        sample_rate: int = 22050,
        *,
        device: str = "default",
        buffer_time: float = 2.0,
        period_time: float = 0.05,
        timeout: float = 5.0,
        tail: float = 0.2,
    ) -> None:
        self.sample_rate = sample_rate
        self._device = device
        self._buffer_time = buffer_time
        self._period_time = period_time
        self._timeout = timeout
        self._tail = round(tail * sample_rate)
        self._lock = threading.Condition()
        self._queue: list[_Item] = []  # not fully written yet, in order
        self._last: _Item | None = None  # the last item handed over (for the tail)
        self._written = 0  # frames written to the device since it was opened
        self._base: tuple[float, int] | None = None  # (clock, frames written) at the start
        self._pointer: int | None = None  # the device's hardware pointer while running
        self._moved = time.monotonic()  # when the pointer last moved (or the stream was idle)
        self._beat = time.monotonic()  # when the thread last went round its loop
        self._drop = False
        self._closing = False
        self._failure: str | None = None
        self._ready = threading.Event()
        self._open_error: str | None = None
        self._buffer = 0
        self._period = 0
        self._thread = threading.Thread(target=self._run, name="voiceguide-alsa", daemon=True)
        self._thread.start()

    # -- the Sink protocol

    def open(self) -> None:
        if not self._ready.wait(self._timeout):
            raise PlaybackError(
                f"cannot play: the audio device did not answer within {self._timeout:g} s; "
                + EXPORT_HINT
            )
        if self._open_error is not None:
            raise PlaybackError(no_device(self._open_error))

    def play(self, pcm: np.ndarray, sample_rate: int) -> PlayHandle:
        """Silence whatever is queued and play `pcm` now."""
        item = self._item(pcm, sample_rate)
        with self._lock:
            self._silence()
            self._queue.append(item)
            self._last = item
            self._lock.notify_all()
        return AlsaHandle(self, item)

    def play_after(self, before: PlayHandle, pcm: np.ndarray, sample_rate: int) -> PlayHandle:
        """Play `pcm` from the frame where `before` ends, without a gap."""
        if not isinstance(before, AlsaHandle) or before._sink is not self:
            raise ValueError("play_after continues a buffer of the same sink")
        item = self._item(pcm, sample_rate)
        with self._lock:
            if before._item.stopped:
                item.stopped = True
            else:
                self._queue.append(item)
                self._last = item
                self._lock.notify_all()
        return AlsaHandle(self, item)

    def close(self) -> None:
        with self._lock:
            self._silence()
            self._closing = True
            self._lock.notify_all()
        self._thread.join(timeout=1.0)  # a hung device keeps its (daemon) thread: not waited for

    # -- what the handles ask

    def _item(self, pcm: np.ndarray, sample_rate: int) -> _Item:
        import numpy as np

        if sample_rate != self.sample_rate:
            raise ValueError(f"this sink plays at {self.sample_rate} Hz, not {sample_rate}")
        if pcm.dtype != np.int16 or pcm.ndim != 1 or not pcm.flags.c_contiguous:
            raise ValueError("the sink plays C-contiguous int16 mono arrays")
        return _Item(pcm)

    def _is_playing(self, item: _Item) -> bool:
        with self._lock:
            if item.stopped or self._failure is not None:
                return False
            end = item.stream_end
            if end is None:
                return True
            played = self._played(time.monotonic())
            return played < end + (self._tail_frames(played) if item is self._last else 0)

    def _progress(self, item: _Item) -> tuple[int, float]:
        with self._lock:
            now = time.monotonic()
            start = item.stream_start
            played = self._played(now)
            played = 0 if start is None else min(max(played - start, 0), len(item.pcm))
            # a thread stuck in a call to the device counts as a device that takes nothing
            return played, max(now - self._beat, now - self._moved)

    def _played(self, now: float) -> int:
        """(Lock held.) Frames played since the device was opened, by the clock; while the
        pointer stands still (a stall), as far as when it last moved."""
        if self._base is None:
            return self._written
        if now - self._moved > 0.5:
            now = self._moved
        began, frames = self._base
        return min(self._written, frames + int((now - began) * self.sample_rate))

    def _tail_frames(self, played: int) -> int:
        """(Lock held.) How long the last buffer is kept playing past its end: the sink's tail,
        and 3 parts in 10,000 of the run for a device clock slower than the system's."""
        frames = 0 if self._base is None else played - self._base[1]
        return self._tail + frames * 3 // 10_000

    def _stop(self) -> None:
        with self._lock:
            self._silence()
            self._lock.notify_all()

    def _silence(self) -> None:
        """(Lock held.) Stop every queued item; the thread drops what the device holds."""
        for item in self._queue:
            item.stopped = True
        if self._last is not None:
            self._last.stopped = True
        self._queue = []
        self._last = None
        self._drop = True

    # -- the thread that owns the device

    def _run(self) -> None:
        lib: ctypes.CDLL | None = None
        pcm = ctypes.c_void_p()
        try:
            lib = library()
            quiet_alsa()
            self._buffer, self._period = open_pcm(
                lib, pcm, self._device, self.sample_rate, self._buffer_time, self._period_time
            )
        except PlaybackError as error:
            self._open_error = str(error)
        except OSError as error:
            self._open_error = str(error) or type(error).__name__
        finally:
            self._ready.set()
        if self._open_error is not None or lib is None:
            return
        try:
            self._feed(lib, pcm)
        finally:
            lib.snd_pcm_drop(pcm)
            lib.snd_pcm_close(pcm)

    def _feed(self, lib: ctypes.CDLL, pcm: ctypes.c_void_p) -> None:
        """Keep the device fed until the sink closes, about one buffer ahead of the clock;
        watch its pointer."""
        import numpy as np

        silence = np.zeros(self._period, dtype=np.int16)
        while True:
            with self._lock:
                if self._closing:
                    return
                drop, self._drop = self._drop, False
                item = self._queue[0] if self._queue else None
                # the last buffer's tail still to play (not stopped): the stream must run on
                ending = self._last is not None and not self._last.stopped
            if drop:
                lib.snd_pcm_drop(pcm)
                lib.snd_pcm_prepare(pcm)
                with self._lock:
                    self._base = None
            avail = int(lib.snd_pcm_avail_update(pcm))
            if avail < 0:
                if not self._recover(lib, pcm, avail):
                    return
                continue
            running = lib.snd_pcm_state(pcm) == STATE_RUNNING
            now = time.monotonic()
            with self._lock:
                pointer = self._written + avail - self._buffer
                if not running or self._pointer is None or pointer > self._pointer:
                    self._moved = now
                self._pointer = pointer if running else None
                self._beat = now
                if running and self._base is not None and now - self._moved < 0.5:
                    began, frames = self._base
                    if frames + (now - began) * self.sample_rate > self._written + self._period:
                        self._base = (now, self._written)  # it ran dry: it goes on from here
                queued = self._written - self._played(now)
                frozen = now - self._moved > 0.5  # _played stands at the last move
            room = max(min(avail, self._buffer - queued), 0)
            source, count = silence, 0
            if item is not None:
                left = len(item.pcm) - item.written
                source, count = item.pcm[item.written :], min(room, left)
                if count < min(self._period, left):
                    count = 0
            elif (running or ending) and room >= self._period and (
                queued < 2 * self._period or frozen
            ):
                # nothing left to play: silence, so the stream runs on until the last buffer's
                # tail has played. Only a little is queued, so on a busy machine the stream may
                # run dry here: then the device pointer stops (the clock freezes with more than
                # two periods still counted, so a period is written anyway) or the stream is
                # restarted after the underrun (not running: written all the same, and started).
                # Either way it runs on; a stalled device takes nothing and is still noticed
                count = self._period
            written = 0
            if count > 0:
                written = int(lib.snd_pcm_writei(pcm, source.ctypes.data, count))
                if written < 0:
                    if not self._recover(lib, pcm, written):
                        return
                    continue
            if written > 0:
                with self._lock:
                    if self._base is None:
                        self._base = (time.monotonic(), self._written)
                    if item is not None:
                        if item.stream_start is None:
                            item.stream_start = self._written
                        item.written += written
                        if item.written >= len(item.pcm) and self._queue[:1] == [item]:
                            self._queue.pop(0)
                    self._written += written
                if lib.snd_pcm_state(pcm) == STATE_PREPARED:
                    lib.snd_pcm_start(pcm)
            with self._lock:
                if not self._drop and not self._closing:
                    self._lock.wait(self._period_time / 2)

    def _recover(self, lib: ctypes.CDLL, pcm: ctypes.c_void_p, error: int) -> bool:
        """An underrun or a suspend: restart the stream. False when the device is gone."""
        if error == -11:  # EAGAIN: no room after all
            return True
        if lib.snd_pcm_recover(pcm, error, 1) >= 0:
            with self._lock:
                self._base = None  # the device played out what it held; a new start follows
            return True
        with self._lock:
            self._failure = lib.snd_strerror(error).decode(errors="replace")
            for item in self._queue:
                item.stopped = True
        return False
