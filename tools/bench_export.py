"""Export benchmark: run side by side in one run, figures printed as a Markdown table.

    .venv/bin/python tools/bench_export.py

1. Cold cache: `voiceguide export hip-mobility` with an empty speech cache, against the floor of
   espeak-ng synthesizing the same unique phrases in one process (target: at most 2x).
2. Warm cache: the same export again, as multiples of real time (target: at least 500x).
   The speech layer's own share is measured too: SpeechBank.prepare of the same phrases.
3. Peak memory (max RSS) of exporting a 2-hour routine against the 12-minute one (target: at most
   1.25x).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HIP = ROOT / "scripts" / "hip-mobility.toml"
RUNS = 5


def voiceguide(args: list[str], cache: Path) -> tuple[float, int]:
    """Wall seconds and max RSS (KiB) of one voiceguide command in a child process.

    The RSS is GNU time's: a child started straight from this process would report this
    process's own size as its peak (Linux keeps the largest RSS across the fork and exec)."""
    env = dict(os.environ, VOICEGUIDE_CACHE=str(cache))
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "maxrss %M", sys.executable, "-m", "voiceguide", *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"voiceguide {' '.join(args)} failed: {done.stderr}")
    return elapsed, int(done.stderr.rsplit("maxrss ", 1)[1].split()[0])


def unique_phrases(script: Path, cache: Path) -> list[str]:
    env = dict(os.environ, VOICEGUIDE_CACHE=str(cache))
    plan = subprocess.run([sys.executable, "-m", "voiceguide", "plan", str(script), "--json"],
                          env=env, capture_output=True, text=True, check=True)
    texts = [e["text"] for e in json.loads(plan.stdout)["events"] if e["kind"] == "speech"]
    return list(dict.fromkeys(texts))


def espeak_floor(phrases: list[str], rate: int, folder: Path) -> float:
    """espeak-ng alone, in one process: every phrase, one per line, same voice and rate."""
    text_file = folder / "phrases.txt"
    text_file.write_text("\n".join(phrases) + "\n")
    started = time.perf_counter()
    subprocess.run(["espeak-ng", "-s", str(rate), "-w", str(folder / "all.wav"), "-f",
                    str(text_file)], check=True)
    return time.perf_counter() - started


def synthesis_only(phrases: list[str], rate: int) -> float:
    """The speech layer alone: a cold SpeechBank.prepare of the same phrases, no cache."""
    from voiceguide.speech.bank import SpeechBank, default_engine

    bank = SpeechBank(default_engine(), None, rate, 22050, None)
    started = time.perf_counter()
    bank.prepare(phrases)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        long_script = folder / "hip-2h.toml"
        text = HIP.read_text()
        long_script.write_text(text.replace("[settings]", "rounds = 10\n\n[settings]", 1))

        phrases = unique_phrases(HIP, folder / "plan-cache")
        cold, floor, synthesis = [], [], []
        for run in range(RUNS):
            cache = folder / f"cold-{run}"
            seconds, _ = voiceguide(["export", str(HIP), "-o", str(folder / "hip.wav")], cache)
            cold.append(seconds)
            floor.append(espeak_floor(phrases, 165, folder))
            synthesis.append(synthesis_only(phrases, 165))
        warm_cache = folder / "cold-0"
        warm = [voiceguide(["export", str(HIP), "-o", str(folder / "hip.wav")], warm_cache)[0]
                for _ in range(RUNS)]
        session = float(subprocess.run(["soxi", "-D", str(folder / "hip.wav")],
                                       capture_output=True, text=True, check=True).stdout)
        short_rss = [voiceguide(["export", str(HIP), "-o", str(folder / "a.wav")],
                                warm_cache)[1] for _ in range(3)]
        # the long routine says what the short one does not ("Round 2 of 10."): spoken once
        # first, so every measured run is warm
        voiceguide(["plan", str(long_script)], warm_cache)
        long_rss = [voiceguide(["export", str(long_script), "-o", str(folder / "b.wav")],
                               warm_cache)[1] for _ in range(3)]
        long_session = float(subprocess.run(["soxi", "-D", str(folder / "b.wav")],
                                            capture_output=True, text=True, check=True).stdout)

    cold_s, floor_s, warm_s, synth_s = (
        statistics.median(x) for x in (cold, floor, warm, synthesis)
    )
    print(f"hip-mobility: {session / 60:.1f} min session, {len(phrases)} unique phrases; "
          f"median of {RUNS} runs")
    print()
    print("| measure | voiceguide | reference | ratio | target |")
    print("|---|---|---|---|---|")
    print(f"| cold-cache export vs espeak-ng floor | {cold_s:.2f} s | {floor_s:.2f} s | "
          f"{cold_s / floor_s:.2f}x | at most 2x |")
    print(f"| cold synthesis alone (SpeechBank.prepare) vs espeak-ng floor | {synth_s:.3f} s | "
          f"{floor_s:.3f} s | {synth_s / floor_s:.2f}x | |")
    print(f"| warm-cache export speed | {warm_s:.2f} s | {session:.0f} s of audio | "
          f"{session / warm_s:.0f}x real time | at least 500x |")
    print(f"| peak memory, {long_session / 60:.0f}-min vs {session / 60:.0f}-min routine | "
          f"{max(long_rss) / 1024:.1f} MiB | {max(short_rss) / 1024:.1f} MiB | "
          f"{max(long_rss) / max(short_rss):.2f}x | at most 1.25x |")


if __name__ == "__main__":
    main()
