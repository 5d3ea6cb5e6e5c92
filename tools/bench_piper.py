"""Piper benchmark: run side by side in one run, figures printed as a Markdown table.

    .venv/bin/python tools/bench_piper.py

1. Cold synthesis: `voiceguide.load("hip-mobility", voice="piper:en_US-joe-medium")` with an
   empty clip cache (every phrase made, trimmed and cached, the plan laid out), once per way of
   using the cores: worker processes with one runtime thread each, and one worker with as many
   runtime threads as cores. Against it, the `piper` library alone speaking the same phrases one
   after another in one process, as its own API does by default (the voice loaded once, its
   default runtime threads), at the same length_scale (target: voiceguide at most 0.8x).
2. Warm export of the same session to WAV, as multiples of real time (target: over 1,000x).
3. Words a minute at rate 150 on the routine's setup phrases (target: 150 +/- 10 %).

Both sides run in this process, after their imports; voiceguide's side includes starting its
worker processes. The median of RUNS runs is given.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from piper_pace import setup_phrases, words_a_minute  # beside this file

import voiceguide
from voiceguide.audio.samples import Int16Array
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.piper_engine import PiperEngine, length_scale
from voiceguide.speech.piper_voices import find_voice
from voiceguide.speech.voices import VoiceInfo

SPEC = "piper:en_US-joe-medium"
ROUTINE = "hip-mobility"
RUNS = 3


class Recording:
    """A Piper engine that notes every text it is asked to say."""

    def __init__(self, engine: PiperEngine) -> None:
        self.engine = engine
        self.key = engine.key
        self.texts: list[str] = []

    def voices(self) -> list[VoiceInfo]:
        return self.engine.voices()

    def synthesize(
        self, texts: Sequence[str], voice_id: str | None, wpm: int
    ) -> Iterator[tuple[Int16Array, int]]:
        self.texts.extend(texts)
        return self.engine.synthesize(texts, voice_id, wpm)


def cpu_seconds() -> float:
    """CPU time of this process and of its children that were waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cold_load(
    workers: int, threads: int
) -> tuple[tuple[float, float], list[str], voiceguide.Session]:
    engine = Recording(PiperEngine(find_voice(SPEC), workers=workers, threads=threads))
    with tempfile.TemporaryDirectory() as folder:
        cpu, started = cpu_seconds(), time.perf_counter()
        session = voiceguide.load(ROUTINE, voice=SPEC, engine=engine, cache=ClipCache(Path(folder)))
        seconds = time.perf_counter() - started, cpu_seconds() - cpu
        return seconds, engine.texts, session


def piper_alone(texts: Sequence[str], scale: float) -> tuple[float, float]:
    from piper import PiperVoice, SynthesisConfig

    voice = find_voice(SPEC)
    cpu, started = cpu_seconds(), time.perf_counter()
    piper = PiperVoice.load(voice.model, config_path=voice.config)
    settings = SynthesisConfig(length_scale=scale)
    for text in texts:
        for _chunk in piper.synthesize(text, settings):
            pass
    return time.perf_counter() - started, cpu_seconds() - cpu


def main() -> None:
    cores = os.cpu_count() or 1
    layouts = {f"{cores} workers x 1 thread": (cores, 1), f"1 worker x {cores} threads": (1, cores)}
    cold: dict[str, list[tuple[float, float]]] = {name: [] for name in layouts}
    alone: list[tuple[float, float]] = []
    texts: list[str] = []
    session = None
    rate = 0
    for _ in range(RUNS):
        for name, (workers, threads) in layouts.items():
            seconds, texts, session = cold_load(workers, threads)
            cold[name].append(seconds)
        assert session is not None
        rate = session.routine.settings.rate
        alone.append(piper_alone(texts, length_scale(find_voice(SPEC), rate)))
    assert session is not None
    reference = statistics.median(wall for wall, _ in alone)
    reference_cpu = statistics.median(cpu for _, cpu in alone)
    print(f"{ROUTINE}: {len(texts)} phrases made cold at rate {rate}, {cores} cores, load "
          f"average {os.getloadavg()[0]:.1f} at the end; median of {RUNS} runs\n")
    print("| measure | wall seconds | vs piper alone | CPU seconds | target |")
    print("|---|---|---|---|---|")
    print(f"| piper library alone, one process, phrases one after another | {reference:.2f} s "
          f"| 1.00x | {reference_cpu:.1f} s | |")
    for name, figures in cold.items():
        median = statistics.median(wall for wall, _ in figures)
        cpu = statistics.median(cpu for _, cpu in figures)
        print(f"| voiceguide cold, {name} | {median:.2f} s | {median / reference:.2f}x "
              f"| {cpu:.1f} s | at most 0.8x |")
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "hip.wav"
        warm = []
        for _ in range(RUNS):
            started = time.perf_counter()
            session.export(target)
            warm.append(time.perf_counter() - started)
    export_seconds = statistics.median(warm)
    print(f"| warm export to WAV ({session.seconds:.0f} s of audio) | {export_seconds:.2f} s "
          f"| {session.seconds / export_seconds:.0f}x real time | | over 1,000x |")
    voice = find_voice(SPEC)
    wpm = words_a_minute(PiperEngine(voice), setup_phrases(ROUTINE), length_scale(voice, 150))
    print(f"| words a minute at rate 150, the routine's setup phrases | {wpm:.1f} wpm | "
          f"{100 * (wpm / 150 - 1):+.1f} % | | 150 +/- 10 % |")


if __name__ == "__main__":
    main()
