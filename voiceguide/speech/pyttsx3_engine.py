"""The pyttsx3 engine, seen from voiceguide: it runs `speech.pyttsx3_worker` in a child process.

A batch of texts is one worker process. Every answer the worker owes has a deadline (scaled with
the text's length); a worker that misses one is killed with its process group and the caller gets
one clear VoiceError. The worker is killed too when the caller is interrupted (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from voiceguide.audio.read import decode_audio_file
from voiceguide.audio.samples import Int16Array
from voiceguide.errors import VoiceError
from voiceguide.speech.voices import VoiceInfo


def default_driver() -> str:
    """pyttsx3's default driver for this platform, without importing pyttsx3."""
    return {"darwin": "nsss", "win32": "sapi5"}.get(sys.platform, "espeak")


class Pyttsx3Engine:
    def __init__(
        self,
        driver: str | None = None,
        command: Sequence[str] | None = None,
        start_timeout: float = 30.0,
        clip_timeout: float = 10.0,
        seconds_per_char: float = 0.05,
        parallel: int | None = None,
    ) -> None:
        self.driver = driver or default_driver()
        self.key = f"pyttsx3-{self.driver}"
        self.command = list(command or [sys.executable, "-m", "voiceguide.speech.pyttsx3_worker"])
        # start covers the interpreter, pyttsx3 and the driver library loading on a busy machine
        self.start_timeout = start_timeout
        self.clip_timeout = clip_timeout
        self.seconds_per_char = seconds_per_char
        # forks mostly wait (pyttsx3 sleeps 10 ms per utterance), so more than the core count pays
        self.parallel = parallel or min(8, 4 * (os.cpu_count() or 1))
        self._voices: list[VoiceInfo] | None = None

    def voices(self) -> list[VoiceInfo]:
        if self._voices is None:
            with _Worker(self.command) as worker:
                worker.send({"op": "voices", "driver": self.driver})
                worker.expect("ready", self.start_timeout, "to start")
                answer = worker.expect("voices", self.clip_timeout, "to list its voices")
            self._voices = [
                VoiceInfo(str(v["id"]), str(v["name"]), tuple(str(c) for c in v["languages"]))
                for v in answer["voices"]
            ]
        return list(self._voices)

    def synthesize(
        self, texts: Sequence[str], voice_id: str | None, rate: int
    ) -> list[tuple[Int16Array, int]]:
        if not texts:
            return []
        with tempfile.TemporaryDirectory(prefix="voiceguide-speech-", dir=_scratch()) as folder:
            clips: list[tuple[Int16Array, int]] = []
            with _Worker(self.command) as worker:
                worker.send(
                    {
                        "op": "synthesize",
                        "driver": self.driver,
                        "texts": list(texts),
                        "voice": voice_id,
                        "rate": rate,
                        "folder": folder,
                        "parallel": self.parallel,
                    }
                )
                worker.expect("ready", self.start_timeout, "to start")
                for index, text in enumerate(texts):
                    limit = self.clip_timeout + self.seconds_per_char * len(text)
                    answer = worker.expect("clip", limit, f'to say "{_short(text)}"')
                    if answer["clip"] != index:
                        raise VoiceError("the speech worker answered out of order")
                    samples, header_rate = decode_audio_file(Path(answer["path"]))
                    # pyttsx3 stamps 22,050 Hz on every espeak file; the worker asks espeak-ng
                    # for the rate it really produced
                    clips.append((samples, int(answer.get("sample_rate") or header_rate)))
            return clips


def _scratch() -> str | None:
    """A RAM-backed folder for the worker's short-lived files where there is one."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _hold_ctrl_c() -> bool:
    """Hold SIGINT while the worker starts: interrupted inside Popen, we would not know its pid."""
    if not hasattr(signal, "pthread_sigmask"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    return True


def _release_ctrl_c(held: bool) -> None:
    if held:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class _Worker:
    """One worker process: a request in, JSON lines out, each awaited with a deadline."""

    def __init__(self, command: Sequence[str]) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._lines: queue.Queue[str | None] = queue.Queue()
        blocked = _hold_ctrl_c()
        try:
            try:
                self.process = subprocess.Popen(
                    list(command),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=self._stderr,
                    # own process group: Ctrl-C reaches voiceguide, which then kills the whole
                    # group (the worker and the forks it made)
                    start_new_session=os.name == "posix",
                )
            finally:
                _release_ctrl_c(blocked)  # a Ctrl-C held meanwhile is raised from here on
            assert self.process.stdout is not None
            self._reader = threading.Thread(
                target=self._read, args=(self.process.stdout,), daemon=True
            )
            self._reader.start()
        except OSError as error:
            self._stderr.close()
            raise VoiceError(f"cannot start the speech worker: {error.strerror}") from error
        except BaseException:
            if hasattr(self, "process"):
                self.kill()
            self._stderr.close()
            raise

    def _read(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            for raw in stream:
                self._lines.put(raw.decode("utf-8", errors="replace"))
        self._lines.put(None)

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self.process.stdin.close()
        except OSError:
            pass  # a worker that died at once is reported by expect(), with its reason

    def expect(self, field: str, timeout: float, doing: str) -> dict[str, Any]:
        """The next message, which must carry `field`; an error message or silence raises."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._lines.get(timeout=max(0.0, remaining))
            except queue.Empty:
                self.kill()
                raise VoiceError(
                    f"the speech engine hung: it took more than {timeout:.1f} s {doing}; "
                    "it was stopped"
                ) from None
            if line is None:
                raise VoiceError(self._death_message(doing))
            try:
                message: dict[str, Any] = json.loads(line)
            except ValueError:
                continue  # not ours: the channel is kept clean, but never trust a stray line
            if "error" in message:
                raise VoiceError(str(message["error"]))
            if field in message:
                return message

    def _death_message(self, doing: str) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self._stderr.seek(0)
        lines = [ln for ln in self._stderr.read().decode("utf-8", "replace").splitlines() if ln]
        reason = f": {lines[-1].strip()}" if lines else ""
        return f"the speech worker stopped (status {code}) before it was able {doing}{reason}"

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                if os.name == "posix":
                    os.killpg(self.process.pid, signal.SIGKILL)
                else:
                    self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def close(self) -> None:
        # every answer is in (or the caller gave up): the worker has nothing left to do, and
        # killing it beats waiting for its interpreter to wind down
        self.kill()
        self._reader.join(timeout=1)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()
