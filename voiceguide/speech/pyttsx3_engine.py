"""The pyttsx3 engine, seen from voiceguide: it runs `speech.pyttsx3_worker` in a child process.

A batch of texts is one worker process (`speech.worker_process`). Every answer the worker owes
has a deadline (scaled with the text's length); a worker that misses one is killed with its
process group and the caller gets one clear VoiceError. The worker is killed too when the caller
is interrupted (Ctrl-C) or stops reading. Clips are handed on one by one as they are made, so a
caller can keep (cache) every finished clip even when a later one fails.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voiceguide.audio.read import decode_audio_file
from voiceguide.audio.samples import Int16Array
from voiceguide.errors import VoiceError
from voiceguide.speech.pyttsx3_worker import forks_each_clip, quoted
from voiceguide.speech.voices import VoiceInfo
from voiceguide.speech.worker_process import WorkerProcess


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
            with WorkerProcess(self.command) as worker:
                worker.send({"op": "voices", "driver": self.driver})
                worker.expect("ready", self.start_timeout, "to start")
                answer = worker.expect("voices", self.clip_timeout, "to list its voices")
            self._voices = [
                VoiceInfo(str(v["id"]), str(v["name"]), tuple(str(c) for c in v["languages"]))
                for v in answer["voices"]
            ]
        return list(self._voices)

    def synthesize(
        self, texts: Sequence[str], voice_id: str | None, wpm: int
    ) -> Iterator[tuple[Int16Array, int]]:
        """Each clip as soon as it is made, in text order (the worker starts on the first next()).

        A caller that stops early should close() the iterator: that stops the worker at once.
        """
        return self._clips(list(texts), voice_id, wpm)

    def _clips(
        self, texts: list[str], voice_id: str | None, wpm: int
    ) -> Iterator[tuple[Int16Array, int]]:
        if not texts:
            return
        request: dict[str, Any] = {
            "op": "synthesize",
            "driver": self.driver,
            "texts": texts,
            "voice": voice_id,
            "rate": wpm,
            "parallel": self.parallel,
        }
        with _scratch_folder(self.driver) as folder:
            if folder is not None:
                request["folder"] = folder
            with WorkerProcess(self.command) as worker:
                worker.send(request)
                worker.expect("ready", self.start_timeout, "to start")
                for index, text in enumerate(texts):
                    limit = self.clip_timeout + self.seconds_per_char * len(text)
                    answer = worker.expect("clip", limit, f"to say {quoted(text)}")
                    if answer["clip"] != index:
                        raise VoiceError("the speech worker answered out of order")
                    yield _clip(answer)


def _scratch_folder(driver: str) -> contextlib.AbstractContextManager[str | None]:
    """Where clips that come as files go (not where they come as samples): each is removed when
    read, the folder at the end."""
    if forks_each_clip(driver):
        return contextlib.nullcontext(None)
    return tempfile.TemporaryDirectory(prefix="voiceguide-speech-")


def _clip(answer: dict[str, Any]) -> tuple[Int16Array, int]:
    """The samples an answer carries, or reads from the file it names (which is then removed)."""
    payload = answer.get("payload")
    if isinstance(payload, bytes):
        samples = np.frombuffer(payload, dtype="<i2").astype(np.int16)
        return samples, int(answer["sample_rate"])
    path = Path(str(answer["path"]))
    try:
        samples, header_rate = decode_audio_file(path)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    # pyttsx3 stamps 22,050 Hz on every espeak file; the worker asks espeak-ng for the rate it
    # really produced
    return samples, int(answer.get("sample_rate") or header_rate)
