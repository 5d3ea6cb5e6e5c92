"""A private PulseAudio server with a null sink, a recorder of its monitor, and onset finding.

Used by the playback end-to-end tests and tools/bench_playback.py: a real audio device on a
machine with no sound card. Everything lives in one folder (socket, HOME, runtime files); ALSA
programs reach the server through an .asoundrc in that HOME that names the pulse plugin
(Debian: libasound2-plugins), so a machine's own sound card is never used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

SINK = "voiceguide_test"

_ASOUNDRC = """pcm.!default { type pulse }
ctl.!default { type pulse }
"""


def available() -> str | None:
    """Why the harness cannot run here, or None when it can."""
    for tool in ("pulseaudio", "parec", "pactl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: pulseaudio, pulseaudio-utils)"
    plugin_dirs = [
        Path("/usr/lib/x86_64-linux-gnu/alsa-lib"),
        Path("/usr/lib/alsa-lib"),
        Path("/usr/lib/aarch64-linux-gnu/alsa-lib"),
        Path("/usr/lib64/alsa-lib"),
    ]
    if not any((folder / "libasound_module_pcm_pulse.so").exists() for folder in plugin_dirs):
        return "the ALSA pulse plugin is not installed (Debian: libasound2-plugins)"
    return None


class PulseServer:
    """`pulseaudio` in the foreground of a child process, with one null sink at `rate` Hz."""

    def __init__(self, folder: Path, rate: int = 22050) -> None:
        self.folder = folder
        self.rate = rate
        self.socket = folder / "native"
        self.home = folder / "home"
        self._process: subprocess.Popen[bytes] | None = None

    def env(self, base: dict[str, str] | None = None, *, server: bool = True) -> dict[str, str]:
        """Environment for a client: this HOME (and its .asoundrc) and this server's socket."""
        env = dict(os.environ if base is None else base)
        env.update(
            HOME=str(self.home),
            XDG_RUNTIME_DIR=str(self.folder / "run"),
            PULSE_RUNTIME_PATH=str(self.folder / "run"),
            PULSE_SERVER=f"unix:{self.socket}" if server else f"unix:{self.folder / 'none'}",
        )
        env.pop("DISPLAY", None)
        return env

    def prepare_home(self) -> None:
        for folder in (self.home, self.folder / "run", self.folder / "state"):
            folder.mkdir(parents=True, exist_ok=True)
        (self.home / ".asoundrc").write_text(_ASOUNDRC)

    def start(self) -> None:
        self.prepare_home()
        script = self.folder / "server.pa"
        script.write_text(
            f"load-module module-null-sink sink_name={SINK} rate={self.rate} channels=1\n"
            f"set-default-sink {SINK}\n"
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
        )
        env = self.env()
        env["PULSE_STATE_PATH"] = str(self.folder / "state")
        with open(self.folder / "pulseaudio.log", "wb") as log:
            self._process = subprocess.Popen(
                [
                    "pulseaudio",
                    "-n",
                    "-F",
                    str(script),
                    "--daemonize=no",
                    "--exit-idle-time=-1",
                    "--use-pid-file=no",
                    "--system=no",
                    "--disallow-exit",
                    "--log-target=stderr",
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("pulseaudio exited: " + self.log())
            ready = subprocess.run(["pactl", "info"], env=env, capture_output=True)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("pulseaudio did not come up: " + self.log())

    def log(self) -> str:
        path = self.folder / "pulseaudio.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def kill(self) -> None:
        """Take the device away at once (SIGKILL), as a crashed server or unplugged card."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


class Recorder:
    """parec of the null sink's monitor; every chunk is stamped with its arrival time, so a
    recorded frame can be mapped to the monotonic clock (to about 10 ms)."""

    def __init__(self, server: PulseServer) -> None:
        self.rate = server.rate
        self._process = subprocess.Popen(
            [
                "parec",
                "-d",
                f"{SINK}.monitor",
                "--format=s16le",
                f"--rate={server.rate}",
                "--channels=1",
                "--latency-msec=10",
            ],
            env=server.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._data = bytearray()
        self._stamps: list[tuple[float, int]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        descriptor = self._process.stdout.fileno()
        while True:
            chunk = os.read(descriptor, 8192)
            if not chunk:
                return
            self._data += chunk
            self._stamps.append((time.monotonic(), len(self._data) // 2))

    def frames(self) -> int:
        return len(self._data) // 2

    def peek(self) -> np.ndarray:
        """What is recorded so far, as stop() gives it, while the recording goes on."""
        data = bytes(self._data)
        usable = len(data) // 2 * 2
        return np.frombuffer(data[:usable], dtype="<i2").astype(np.float64) / 32768

    def wait_for_frames(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.frames() < count and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> np.ndarray:
        self._process.terminate()
        self._process.wait()
        self._thread.join(timeout=5)
        if self._process.stdout is not None:
            self._process.stdout.close()
        usable = len(self._data) // 2 * 2
        return np.frombuffer(bytes(self._data[:usable]), dtype="<i2").astype(np.float64) / 32768

    def _zero(self) -> float:
        # a chunk arrives after its last frame was captured: the earliest arrival per frame
        # count gives the tightest bound on when frame 0 was captured
        return min(at - count / self.rate for at, count in self._stamps)

    def frame_at(self, moment: float) -> int:
        """The recorded frame that was being captured at a monotonic-clock moment."""
        return round((moment - self._zero()) * self.rate)

    def time_at(self, frame: int) -> float:
        """The monotonic-clock moment a recorded frame was captured (to about 10 ms)."""
        return self._zero() + frame / self.rate


def best_lag(
    signal: np.ndarray, template: np.ndarray, around: int, reach: int
) -> tuple[int, float]:
    """Where `template` sits in `signal` within `around` +- `reach` frames: (position,
    normalized correlation in [-1, 1]). Matched filtering by FFT."""
    first = max(0, around - reach)
    last = min(len(signal), around + reach + len(template))
    window = signal[first:last]
    if len(window) < len(template) or not np.any(template):
        return around, 0.0
    size = 1 << (len(window) + len(template)).bit_length()
    spectrum = np.fft.rfft(window, size) * np.conj(np.fft.rfft(template, size))
    correlation = np.fft.irfft(spectrum, size)[: len(window) - len(template) + 1]
    # the window's energy under the template at every lag, as a difference of running sums
    # (a direct convolution costs a minute of CPU for a one-second template over a whole
    # recording; the sums are exact for samples read from int16)
    running = np.concatenate(([0.0], np.cumsum(window**2)))
    energy = running[len(template) :] - running[: len(running) - len(template)]
    norm = np.sqrt(np.maximum(energy, 1e-20) * float(np.sum(template**2)))
    score = correlation / norm
    best = int(np.argmax(score))
    return first + best, float(score[best])


def find_offset(recording: np.ndarray, reference: np.ndarray, rate: int) -> int:
    """The constant latency: where the reference's first second of sound lies in the recording."""
    loud = np.flatnonzero(np.abs(reference) > 0.01)
    if len(loud) == 0:
        raise ValueError("the reference is silent")
    first = int(loud[0])
    template = reference[first : first + rate]
    position, score = best_lag(recording, template, len(recording) // 2, len(recording))
    if score < 0.9:
        raise ValueError(f"the reference's first sound is not in the recording (score {score:.2f})")
    return position - first
