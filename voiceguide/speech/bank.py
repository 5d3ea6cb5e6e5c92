"""Speech: the engine interface, a fake engine for tests, and the SpeechBank of ready clips.

The SpeechBank is what the sequencer and the renderer use: it knows every phrase's length in
frames and its samples at the session rate. Clips come from the cache or, all missing ones in
one batch, from the engine; they are trimmed, brought to one loudness (audio.loudness) and
cached at the engine's rate. The bank keeps that
one int16 copy of each clip: a length at the session rate follows from the resampler's length
rule, and float32 samples are made when the renderer asks, the latest few kept for reuse.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

import numpy as np

from voiceguide.audio.loudness import normalise_int16
from voiceguide.audio.samples import (
    Float32Array,
    Int16Array,
    int16_to_float,
    resample,
    resampled_length,
)
from voiceguide.errors import VoiceError
from voiceguide.speech.cache import ClipCache, clip_key
from voiceguide.speech.trim import trim_silence
from voiceguide.speech.voices import VoiceInfo, resolve_voice

__all__ = [
    "ClipCache",
    "FakeEngine",
    "SpeechBank",
    "SpeechEngine",
    "VoiceInfo",
    "default_engine",
    "resolve_voice",
]


class SpeechEngine(Protocol):
    key: str  # names the engine in cache keys, e.g. "pyttsx3-espeak"

    def voices(self) -> list[VoiceInfo]: ...

    def synthesize(
        self, texts: Sequence[str], voice_id: str | None, wpm: int
    ) -> Iterable[tuple[Int16Array, int]]:
        """int16 mono samples (untrimmed is fine) and their sample rate, one per text, in order.

        An iterator that yields each clip as it is made lets the bank cache every finished clip
        even when a later one fails; the bank closes it (when it has close()) when done.
        """
        ...


def default_engine() -> SpeechEngine:
    """pyttsx3 (espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer on macOS)."""
    from voiceguide.speech.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine()


class FakeEngine:
    """Deterministic and fast, no audio libraries: for unit tests.

    A clip is 50 ms of silence, a tone (pitch from the text, so clips differ) lasting one word
    per 6 characters at `wpm` words per minute, then 80 ms of silence; 22,050 Hz.
    """

    key = "fake"
    sample_rate = 22050
    lead_seconds = 0.05
    tail_seconds = 0.08

    def __init__(self, voices: Sequence[VoiceInfo] | None = None) -> None:
        self._voices = list(
            voices
            or (
                VoiceInfo("fake/en", "Fake English (Great Britain)", ("en-gb",)),
                VoiceInfo("fake/en-us", "Fake English (America)", ("en-us",)),
                VoiceInfo("fake/de", "Fake German", ("de",)),
            )
        )
        self.batches: list[list[str]] = []  # every synthesize() call, for tests to inspect

    def voices(self) -> list[VoiceInfo]:
        return list(self._voices)

    def speech_seconds(self, text: str, wpm: int) -> float:
        words = max(1.0, len(text.strip()) / 6)
        return words * 60.0 / wpm

    def synthesize(
        self, texts: Sequence[str], voice_id: str | None, wpm: int
    ) -> list[tuple[Int16Array, int]]:
        if voice_id is not None and voice_id not in {v.id for v in self._voices}:
            raise VoiceError(f'the fake engine has no voice "{voice_id}"')
        self.batches.append(list(texts))
        return [(self._clip(text, voice_id, wpm), self.sample_rate) for text in texts]

    def _clip(self, text: str, voice_id: str | None, wpm: int) -> Int16Array:
        sr = self.sample_rate
        frames = round(self.speech_seconds(text, wpm) * sr)
        seed = zlib.crc32(f"{voice_id}|{text}".encode())
        pitch = 120.0 + seed % 200
        t = np.arange(frames) / sr
        envelope = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # 10 ms ramps: no clicks
        tone = 0.5 * np.sin(2 * np.pi * pitch * t) * envelope
        lead = np.zeros(round(self.lead_seconds * sr))
        tail = np.zeros(round(self.tail_seconds * sr))
        return np.round(np.concatenate([lead, tone, tail]) * 32767).astype(np.int16)


class SpeechBank:
    """Every phrase of a session as a clip at the session's sample rate."""

    def __init__(
        self,
        engine: SpeechEngine,
        voice: VoiceInfo | None,
        wpm: int,
        sample_rate: int,
        cache: ClipCache | None,
    ) -> None:
        self.engine = engine
        self.voice = voice
        self.wpm = wpm
        self.sample_rate = sample_rate
        self.cache = cache
        self.voice_label = voice.name if voice is not None else "default"
        self._clips: dict[str, tuple[Int16Array, int]] = {}  # trimmed, at the engine's rate
        self._recent = _RecentClips(RECENT_BYTES)  # float32 at sample_rate, the latest asked for

    @property
    def _voice_id(self) -> str | None:
        return self.voice.id if self.voice is not None else None

    def _key(self, text: str) -> str:
        return clip_key(self.engine.key, self._voice_id, self.wpm, text)

    def prepare(
        self, texts: Iterable[str], progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Load or synthesize every text not yet here; all missing ones in one engine batch.

        progress(done, total) is called after each clip the engine makes.
        """
        missing: list[str] = []
        for text in dict.fromkeys(texts):
            if text in self._clips:
                continue
            if not text.strip():
                self._clips[text] = (np.zeros(0, dtype=np.int16), self.sample_rate)
                continue
            hit = self.cache.get(self._key(text)) if self.cache is not None else None
            if hit is not None:
                self._clips[text] = hit
            else:
                missing.append(text)
        if not missing:
            return
        made = self.engine.synthesize(missing, self._voice_id, self.wpm)
        clips = _one_at_a_time(made)
        try:
            for count, text in enumerate(missing):
                raw, engine_rate = next(clips, (None, 0))
                if raw is None:
                    raise VoiceError(f"the speech engine returned {count} clips for {len(missing)}")
                clip = trim_silence(np.asarray(raw, dtype=np.int16), engine_rate)
                # every engine's speech at one loudness, kept so in the cache (audio.loudness)
                clip = normalise_int16(clip, engine_rate)
                if self.cache is not None:  # at once: a later failure must not lose this one
                    self.cache.put(self._key(text), clip, engine_rate)
                self._clips[text] = (clip, engine_rate)
                if progress is not None:
                    progress(count + 1, len(missing))
            if next(clips, None) is not None:
                raise VoiceError(f"the speech engine returned more clips than {len(missing)}")
        finally:
            close = getattr(made, "close", None)
            if callable(close):
                close()

    def samples(self, text: str) -> Float32Array:
        """The clip as float32 in [-1, 1] at sample_rate (read-only; synthesized on demand)."""
        ready = self._recent.get(text)
        if ready is None:
            clip, engine_rate = self._clip(text)
            ready = resample(int16_to_float(clip), engine_rate, self.sample_rate)
            ready.flags.writeable = False
            self._recent.put(text, ready)
        return ready

    def frames(self, text: str) -> int:
        """The clip's length in frames at sample_rate: len(samples(text)), without making them."""
        clip, engine_rate = self._clip(text)
        return resampled_length(len(clip), engine_rate, self.sample_rate)

    def _clip(self, text: str) -> tuple[Int16Array, int]:
        if text not in self._clips:
            self.prepare([text])
        return self._clips[text]


def _one_at_a_time(made: Iterable[tuple[Int16Array, int]]) -> Iterator[tuple[Int16Array, int]]:
    """The engine's clips in order. From a list (a batch made whole) each is let go of once
    taken, so the untrimmed batch and the trimmed clips are never all in memory together."""
    if isinstance(made, list):
        made.reverse()
        while made:
            yield made.pop()
    else:
        yield from made


# float32 clips kept for reuse: the renderer asks for the same few phrases again and again
# (counts, "Rest."), and at a rate other than the engine's each would be resampled anew
RECENT_BYTES = 16 * 2**20


class _RecentClips:
    """The clips asked for last, up to a number of bytes in all (the renderer may run in a
    thread of its own, so a lock guards the order)."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._used = 0
        self._clips: OrderedDict[str, Float32Array] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> Float32Array | None:
        with self._lock:
            clip = self._clips.get(text)
            if clip is not None:
                self._clips.move_to_end(text)
            return clip

    def put(self, text: str, clip: Float32Array) -> None:
        with self._lock:
            if text in self._clips or clip.nbytes > self._budget:
                return
            self._clips[text] = clip
            self._used += clip.nbytes
            while self._used > self._budget:
                _, dropped = self._clips.popitem(last=False)
                self._used -= dropped.nbytes
