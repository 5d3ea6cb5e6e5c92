"""The Piper engine, seen from voiceguide: neural voices, offline, in worker processes.

One engine speaks with one Piper voice (`speech.piper_voices` finds it). A batch of texts is
shared among worker processes (`speech.piper_worker`), each loading the voice once; the clips
come back in text order as they are made, so the bank caches every finished clip even when a
later one fails. Every answer has a deadline, as with the pyttsx3 engine (`speech.worker_process`).

Pace: `wpm` is words a minute as a listener counts them. Piper's own control is length_scale
(how long each sound lasts), so it is set from a calibration: at length_scale 1 the bundled voice
says CALIBRATION_TEXT at CALIBRATED_WPM words over the seconds of its trimmed clips. Measured by

    .venv/bin/python tools/piper_pace.py --calibrate

Another voice is paced by the same figure, times its own length_scale setting.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from voiceguide.audio.samples import Int16Array
from voiceguide.errors import VoiceError
from voiceguide.speech.piper_voices import PiperVoiceFile
from voiceguide.speech.voices import VoiceInfo
from voiceguide.speech.worker_process import WorkerProcess

# Spoken instructions of the kind a routine gives (tools/piper_pace.py says them one by one)
CALIBRATION_TEXT = (
    "Lie on your back with your knees bent and your feet flat on the floor.",
    "Press your heels down and lift your hips until they line up with your knees.",
    "Hold it there, then lower slowly, one vertebra at a time.",
    "Stand tall, hold on to a chair, and swing one leg forward and back.",
    "Keep the hips level and breathe out as you lift.",
)
CALIBRATED_WPM = 245.8  # at length_scale 1, voice en_US-joe-medium, noise off

# Noise off is part of what a clip is: a cache entry says so in its key
_KEY_VERSION = "quiet1"


def length_scale(voice: PiperVoiceFile, wpm: int) -> float:
    """Piper's length_scale that makes `voice` speak at `wpm` words a minute."""
    return voice.length_scale * CALIBRATED_WPM / wpm


# what one worker holds at its peak: the runtime, the model and a long phrase's buffers
# (about 215 MiB measured with the bundled voice), with room to spare
WORKER_BYTES = 300 << 20


def default_layout(cores: int, memory: int | None = None) -> tuple[int, int]:
    """(worker processes, runtime threads each) for `cores` cores and `memory` bytes available.

    A worker for every core, as many as the memory holds. One thread each, always: it measured
    faster than one worker with a thread per core (BENCHMARKS.md), and the runtime's sums come
    out differently in the last bits with another thread count, so one thread keeps a clip the
    same on a machine with more or fewer cores.
    """
    workers = max(1, cores)
    if memory is not None:
        workers = max(1, min(workers, memory // WORKER_BYTES))
    return workers, 1


def available_memory() -> int | None:
    """Bytes of memory available for new processes (Linux's MemAvailable); None elsewhere."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class PiperEngine:
    def __init__(
        self,
        voice: PiperVoiceFile,
        workers: int | None = None,
        threads: int | None = None,
        start_timeout: float = 120.0,
        clip_timeout: float = 60.0,
        seconds_per_char: float = 0.5,
    ) -> None:
        self.voice = voice
        self.info = voice.info()
        default_workers, default_threads = default_layout(
            os.cpu_count() or 1, available_memory()
        )
        self.workers = workers or default_workers
        self.threads = threads or default_threads
        # the thread count shapes the samples' last bits (see default_layout)
        self.key = f"piper-{voice.fingerprint}-{_KEY_VERSION}-t{self.threads}"
        self.command = [sys.executable, "-m", "voiceguide.speech.piper_worker"]
        # start covers the interpreter, onnxruntime and the model loading on a busy machine
        self.start_timeout = start_timeout
        self.clip_timeout = clip_timeout
        self.seconds_per_char = seconds_per_char

    def voices(self) -> list[VoiceInfo]:
        return [self.info]

    def synthesize(
        self, texts: Sequence[str], voice_id: str | None, wpm: int
    ) -> Iterator[tuple[Int16Array, int]]:
        """Each clip as soon as it is made, in text order (the workers start on the first next()).

        A caller that stops early should close() the iterator: that stops the workers at once.
        """
        if voice_id is not None and voice_id != self.info.id:
            raise VoiceError(f'this Piper engine speaks "{self.info.id}", not "{voice_id}"')
        return self.clips_at(texts, length_scale(self.voice, wpm))

    def clips_at(self, texts: Sequence[str], scale: float) -> Iterator[tuple[Int16Array, int]]:
        """synthesize() at Piper's own length_scale (for calibration and benchmarks)."""
        return self._clips(list(texts), scale)

    def _clips(self, texts: list[str], scale: float) -> Iterator[tuple[Int16Array, int]]:
        if not texts:
            return
        shares = share_out(texts, min(self.workers, len(texts)))
        owner = {index: worker for worker, share in enumerate(shares) for index in share}
        with contextlib.ExitStack() as stack:  # every worker closed (killed) however this ends
            workers = [stack.enter_context(WorkerProcess(self.command)) for _ in shares]
            for worker, share in zip(workers, shares, strict=True):
                worker.send(self._request(texts, share, scale))
            for worker in workers:
                worker.expect("ready", self.start_timeout, "to load the Piper voice")
            for index, text in enumerate(texts):
                limit = self.clip_timeout + self.seconds_per_char * len(text)
                answer = workers[owner[index]].expect("clip", limit, f"to say {text[:60]!r}")
                if answer["clip"] != index:
                    raise VoiceError("the Piper worker answered out of order")
                yield _clip(answer)

    def _request(self, texts: list[str], share: list[int], scale: float) -> dict[str, Any]:
        return {
            "model": str(self.voice.model),
            "config": str(self.voice.config),
            "texts": [[index, texts[index]] for index in share],
            "length_scale": scale,
            "threads": self.threads,
        }


def share_out(texts: Sequence[str], workers: int) -> list[list[int]]:
    """Text indexes for each worker, in order, about the same number of characters each."""
    shares: list[list[int]] = [[] for _ in range(max(1, workers))]
    loads = [0] * len(shares)
    for index, text in enumerate(texts):
        lightest = loads.index(min(loads))
        shares[lightest].append(index)
        loads[lightest] += len(text) + 20  # + the fixed cost of a clip
    return [share for share in shares if share]


def _clip(answer: dict[str, Any]) -> tuple[Int16Array, int]:
    payload = answer.get("payload")
    if not isinstance(payload, bytes):
        raise VoiceError("the Piper worker sent a clip without samples")
    return np.frombuffer(payload, dtype="<i2").astype(np.int16), int(answer["sample_rate"])
