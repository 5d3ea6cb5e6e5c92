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

# Pace: `rate` is words a minute as a listener counts them, and espeak-ng's own rate setting is
# not that (at 165 it speaks about 190 words a minute). Measured on the fixed text below: the
# words of the four texts divided by the seconds of their clips with the leading and trailing
# silence trimmed (speech.trim), espeak-ng 1.51 through pyttsx3 2.99, default voice. The command
# that measured it, from the top of a checkout (it prints each native rate and the listener's
# words a minute):
#     .venv/bin/python -m voiceguide.speech.pyttsx3_engine 80 90 100 120 130 140 150 ...
CALIBRATION_TEXTS = (
    "Lie on your side, knees bent, feet together. Lift the top knee, keep the feet touching.",
    "Loop the band just above your knees. Stand tall, and press the working foot back against "
    "the wall behind you.",
    "Put the foam roller between your front knee and the wall. Bend and lunge, driving the knee "
    "into the roller.",
    "Lie on your back, knees bent, feet flat on the floor. Push through your heels and lift your "
    "hips.",
)
# espeak-ng's rate setting -> words a minute measured; espeak-ng speaks no slower than at 80
ESPEAK_PACE = (
    (80, 94.7), (90, 101.0), (100, 112.5), (120, 135.7), (130, 148.4), (140, 160.4),
    (150, 171.5), (160, 183.5), (165, 189.7), (180, 208.1), (200, 232.0), (220, 257.7),
    (250, 294.2), (300, 366.3), (320, 392.6), (340, 428.2),
)


def espeak_rate(wpm: int) -> int:
    """espeak-ng's rate setting that speaks `wpm` words a minute as a listener counts them.

    Linear between the measured points; below the slowest pace espeak-ng has (about 95 words a
    minute) it speaks that pace.
    """
    natives = [native for native, _ in ESPEAK_PACE]
    heard = [measured for _, measured in ESPEAK_PACE]
    return round(float(np.interp(wpm, heard, natives)))


def measured_pace(
    engine: Pyttsx3Engine, native_rates: Sequence[int], voice_id: str | None = None
) -> list[tuple[int, float]]:
    """Each native rate with the words a minute it speaks the calibration texts at."""
    from voiceguide.speech.trim import trim_silence

    words = sum(len(text.split()) for text in CALIBRATION_TEXTS)
    paces = []
    for native in native_rates:
        clips = engine.synthesize(CALIBRATION_TEXTS, voice_id, native, native=True)
        seconds = sum(len(trim_silence(clip, rate)) / rate for clip, rate in clips)
        paces.append((native, round(words / seconds * 60, 1)))
    return paces


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
        self, texts: Sequence[str], voice_id: str | None, wpm: int, *, native: bool = False
    ) -> Iterator[tuple[Int16Array, int]]:
        """Each clip as soon as it is made, in text order (the worker starts on the first next()).

        `wpm` is words a minute as a listener counts them, turned into espeak-ng's own rate by
        its calibration (`espeak_rate`); with `native` it is given to the driver as it is (to
        measure the calibration). A caller that stops early should close() the iterator: that
        stops the worker at once.
        """
        rate = wpm if native or self.driver != "espeak" else espeak_rate(wpm)
        return self._clips(list(texts), voice_id, rate)

    def _clips(
        self, texts: list[str], voice_id: str | None, rate: int
    ) -> Iterator[tuple[Int16Array, int]]:
        if not texts:
            return
        request: dict[str, Any] = {
            "op": "synthesize",
            "driver": self.driver,
            "texts": texts,
            "voice": voice_id,
            "rate": rate,
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


if __name__ == "__main__":  # the calibration's measurement (see ESPEAK_PACE)
    for native, pace in measured_pace(Pyttsx3Engine(), [int(arg) for arg in sys.argv[1:]]):
        print(f"{native}\t{pace}")
