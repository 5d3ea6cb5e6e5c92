"""Where the sound goes: the sink protocol, the simpleaudio sink, and the default sink.

A sink plays int16 mono buffers. The player needs only `play`; a sink that can also queue a
buffer to follow another without a gap (`GaplessSink`) spares the player its clock-timed
joins, and a handle that tells how far the device has got (`TrackedHandle`) lets the player
notice a device that stops taking sound.
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from voiceguide.errors import PlaybackError

if TYPE_CHECKING:
    import numpy as np

EXPORT_HINT = "use `voiceguide export` to write the session to a file and play that instead"


@runtime_checkable
class PlayHandle(Protocol):
    """A buffer being played."""

    def is_playing(self) -> bool:
        """True until its last frame has played (False once stopped, or when the device fails)."""

    def stop(self) -> None:
        """Silence it at once."""

    def wait(self) -> None:
        """Return once it has played."""


@runtime_checkable
class TrackedHandle(PlayHandle, Protocol):
    def progress(self) -> tuple[int, float]:
        """(frames of the buffer the device has taken, seconds the device has taken nothing
        although it had sound queued)."""


@runtime_checkable
class Sink(Protocol):
    """Where PCM goes: int16 mono at a sample rate, one buffer per call, played at once."""

    def open(self) -> None:
        """Check the device (bounded in time); raise PlaybackError when there is none."""

    def play(self, pcm: np.ndarray, sample_rate: int) -> PlayHandle:
        """Start playing `pcm` now. The caller keeps `pcm` alive and unchanged meanwhile."""

    def close(self) -> None:
        """Release the device (what still plays is silenced)."""


@runtime_checkable
class GaplessSink(Sink, Protocol):
    def play_after(self, before: PlayHandle, pcm: np.ndarray, sample_rate: int) -> PlayHandle:
        """Play `pcm` from the frame where `before` ends, without a gap."""


def default_sink(sample_rate: int) -> Sink:
    """ALSA with a deep buffer on Linux (see live/alsa.py for why); simpleaudio elsewhere."""
    if sys.platform.startswith("linux"):
        from voiceguide.live.alsa import AlsaSink

        return AlsaSink(sample_rate)
    return SimpleaudioSink(sample_rate)


_PROBE = """
import sys
try:
    import simpleaudio
    play = simpleaudio.play_buffer(bytes(2 * int(sys.argv[1]) // 50), 1, 2, int(sys.argv[1]))
    play.stop()
except Exception as error:
    print(str(error).splitlines()[0] if str(error) else type(error).__name__)
    sys.exit(1)
"""


class SimpleaudioSink:
    """simpleaudio (ALSA on Linux, CoreAudio, WinMM): each buffer on a stream of its own, with
    the device buffer simpleaudio fixes at 100 ms.

    simpleaudio opens the device inside `play_buffer` while holding the GIL, so a device that
    hangs would hang the whole process. The first open is therefore tried in a child process
    with a time limit; it starts on construction so it overlaps the session's preparation.
    """

    def __init__(self, sample_rate: int = 22050, *, timeout: float = 5.0) -> None:
        self.sample_rate = sample_rate
        self._timeout = timeout
        self._probe: subprocess.Popen[str] | None = subprocess.Popen(
            [sys.executable, "-c", _PROBE, str(sample_rate)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._opened = False

    def open(self) -> None:
        import numpy as np

        if self._opened:
            return
        probe, self._probe = self._probe, None
        if probe is not None:
            try:
                output, _ = probe.communicate(timeout=self._timeout)
            except subprocess.TimeoutExpired:
                probe.kill()
                probe.wait()
                raise PlaybackError(
                    f"cannot play: the audio device did not answer within {self._timeout:g} s; "
                    + EXPORT_HINT
                ) from None
            if probe.returncode != 0:
                raise PlaybackError(no_device(output.strip() or f"status {probe.returncode}"))
        quiet_alsa()
        # one short silent buffer in this process: loads the audio libraries now, so the
        # first real stretch starts with the same latency as every later one
        handle = self.play(np.zeros(self.sample_rate // 100, dtype=np.int16), self.sample_rate)
        handle.stop()
        self._opened = True

    def play(self, pcm: np.ndarray, sample_rate: int) -> PlayHandle:
        import numpy as np
        import simpleaudio

        if pcm.dtype != np.int16 or pcm.ndim != 1 or not pcm.flags.c_contiguous:
            raise ValueError("the sink plays C-contiguous int16 mono arrays")
        try:
            play_object = simpleaudio.play_buffer(pcm, 1, 2, sample_rate)
        except Exception as error:  # SimpleaudioError, or ValueError for an odd rate
            raise PlaybackError(no_device(str(error))) from None
        return _SimpleaudioHandle(play_object, pcm)

    def close(self) -> None:
        if self._probe is not None:
            self._probe.kill()
            self._probe.wait()
            self._probe = None


class _SimpleaudioHandle:
    def __init__(self, play_object: object, pcm: np.ndarray) -> None:
        self._play = play_object
        self.pcm = pcm  # keeps the buffer alive as long as the handle

    def is_playing(self) -> bool:
        return bool(self._play.is_playing())  # type: ignore[attr-defined]

    def stop(self) -> None:
        self._play.stop()  # type: ignore[attr-defined]

    def wait(self) -> None:
        self._play.wait_done()  # type: ignore[attr-defined]


def no_device(detail: str) -> str:
    """The one line for a device that cannot be opened."""
    first = detail.splitlines()[0] if detail else "unknown error"
    return f"cannot play: no working audio output device ({first}); {EXPORT_HINT}"


_alsa_handler: object = None


def quiet_alsa() -> None:
    """Keep libasound's own messages off stderr: a failure becomes one line of ours instead."""
    global _alsa_handler
    if _alsa_handler is not None or not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("asound")
    if name is None:
        return
    try:
        library = ctypes.CDLL(name)
        handler_type = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )

        def ignore(file: bytes, line: int, function: bytes, error: int, text: bytes) -> None:
            pass

        _alsa_handler = handler_type(ignore)  # referenced forever: C keeps calling it
        library.snd_lib_error_set_handler(_alsa_handler)
    except (OSError, AttributeError):
        pass
