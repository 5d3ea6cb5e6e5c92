"""The speech worker as voiceguide sees it: a child process, a request in, messages out.

Every message is awaited with a deadline; a worker that misses one is killed with its process
group (the worker and the forks it made) and the caller gets one clear VoiceError. A message that
announces `"bytes": n` is followed by n bytes of payload, read here and handed over with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from typing import IO, Any

from voiceguide.errors import UnknownVoiceError, VoiceError

LINE_LIMIT = 1 << 20  # a message line, not a payload: anything longer is not ours
REASON_LIMIT = 200  # characters of the worker's last words quoted in a message
# signals that mean the process crashed, not that someone stopped it (not all exist everywhere)
CRASH_SIGNALS = {
    getattr(signal, name) for name in ("SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE")
    if hasattr(signal, name)
}


def signal_name(number: int) -> str:
    """"Segmentation fault" for SIGSEGV: what the signal means, as the system says it."""
    return signal.strsignal(number) or f"signal {number}"


class _HeldCtrlC:
    """Ctrl-C noted, not raised, while the worker starts: raised inside Popen, it would leave a
    process nobody knows the pid of. (Blocking SIGINT is not enough: another thread, such as
    one of numpy's, would take it and Python would raise it in the main thread all the same.)"""

    def __init__(self) -> None:
        self.pressed = False
        self.holding = threading.current_thread() is threading.main_thread()
        if self.holding:
            self.previous = signal.signal(signal.SIGINT, self._note)

    def _note(self, signum: int, frame: object) -> None:
        self.pressed = True

    def release(self) -> None:
        """Put the handler back; a Ctrl-C noted meanwhile is raised from here."""
        if not self.holding:
            return
        self.holding = False
        # None: a handler not set from Python, which cannot be put back; the default is closest
        signal.signal(signal.SIGINT, signal.SIG_DFL if self.previous is None else self.previous)
        if self.pressed:
            signal.raise_signal(signal.SIGINT)


def _cut(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class WorkerProcess:
    """One worker process, killed with everything it started when closed.

    Use it only in a `with` statement: Ctrl-C is held from before the process starts until
    __enter__, so that no Ctrl-C can fall between the two and leave the process unowned.
    """

    def __init__(self, command: Sequence[str]) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._held = _HeldCtrlC()
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
            assert self.process.stdout is not None
            self._reader = threading.Thread(
                target=self._read, args=(self.process.stdout,), daemon=True
            )
            self._reader.start()
        except OSError as error:
            self._stderr.close()
            self._held.release()
            raise VoiceError(f"cannot start the speech worker: {error.strerror}") from error
        except BaseException:
            if hasattr(self, "process"):
                self.kill()
            self._stderr.close()
            self._held.release()
            raise

    def _read(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            while line := stream.readline(LINE_LIMIT):
                try:
                    message = json.loads(line.decode("utf-8", errors="replace"))
                except ValueError:
                    continue  # not ours: the channel is kept clean, but never trust a stray line
                if not isinstance(message, dict):
                    continue
                size = message.get("bytes")
                if isinstance(size, int) and size >= 0:
                    payload = stream.read(size)
                    if len(payload) != size:
                        break  # cut off: the worker died in the middle of a clip
                    message["payload"] = payload
                self._messages.put(message)
        self._messages.put(None)

    def __enter__(self) -> WorkerProcess:
        try:
            self._held.release()  # a Ctrl-C held meanwhile is raised from here on
        except BaseException:
            self.close()
            raise
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
                message = self._messages.get(timeout=max(0.0, remaining))
            except queue.Empty:
                self.kill()
                raise VoiceError(
                    f"the speech engine hung: it took more than {timeout:.1f} s {doing}; "
                    "it was stopped"
                ) from None
            if message is None:
                raise VoiceError(self._death_message(doing))
            if "error" in message:
                # bad_voice: the voice's files are at fault, not the engine (bad input, exit 2)
                kind = UnknownVoiceError if message.get("bad_voice") else VoiceError
                raise kind(_cut(str(message["error"]), 2 * REASON_LIMIT + 200))
            if field in message:
                return message

    def _death_message(self, doing: str) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        size = self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, size - 4096))
        tail = self._stderr.read().decode("utf-8", "replace")
        lines = [line for line in tail.splitlines() if line.strip()]
        reason = f": {_cut(lines[-1], REASON_LIMIT)}" if lines else ""
        if code is not None and code < 0:
            name = signal_name(-code)
            how = f"crashed ({name})" if -code in CRASH_SIGNALS else f"was stopped ({name})"
        else:
            how = f"stopped (status {code})"
        return f"the speech worker {how} before it was able {doing}{reason}"

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
