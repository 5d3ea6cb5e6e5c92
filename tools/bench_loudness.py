"""Loudness and pace benchmark: the hip routine's export by ffmpeg's meter, its words a minute.

    .venv/bin/python tools/bench_loudness.py                    # this checkout
    .venv/bin/python tools/bench_loudness.py --against ../main  # and warm exports side by side
    .venv/bin/python tools/bench_loudness.py --voice piper:en_US-joe-medium  # another voice too

1. The export (.wav and .m4a) measured by ffmpeg's ebur128 filter: integrated loudness, true peak.
2. The setup phrases' pace at the routine's rate and at 150: words divided by the seconds of
   speech, leading and trailing silence cut.
3. With --against, warm exports of this checkout and the other one, alternating (median of 5).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def export(
    checkout: Path, cache: Path, out: Path, voice: list[str] | None = None
) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one export by `checkout`'s voiceguide;
    on a busy machine the CPU seconds compare two checkouts better than the wall clock."""
    env = dict(os.environ, VOICEGUIDE_CACHE=str(cache), PYTHONPATH=str(checkout))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "export", "hip-mobility", "-o", str(out),
         *(voice or [])],
        cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export by {checkout} failed")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def ebur128(path: Path) -> str:
    result = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path),
                             "-filter_complex", "ebur128=peak=true", "-f", "null", "-"],
                            capture_output=True, text=True, check=True)
    summary = result.stderr[result.stderr.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(\S+) LUFS", summary)
    peak = re.search(r"Peak:\s+(\S+) dBFS", summary)
    assert integrated is not None and peak is not None
    return f"{integrated[1]} LUFS, {peak[1]} dBTP"


def pace(wpm: int) -> float:
    import voiceguide
    from voiceguide.speech.pyttsx3_engine import Pyttsx3Engine
    from voiceguide.speech.trim import trim_silence

    routine = voiceguide.read_routine(str(ROOT / "scripts" / "hip-mobility.toml"))
    texts = [move.setup for move in routine.moves if move.setup is not None]
    clips = Pyttsx3Engine().synthesize(texts, None, wpm)
    seconds = sum(len(trim_silence(clip, rate)) / rate for clip, rate in clips)
    return sum(len(text.split()) for text in texts) / seconds * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout, for warm exports")
    parser.add_argument("--voice", action="append", default=[],
                        help="measure the export with this voice too, e.g. piper:en_US-joe-medium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for voice in [None, *args.voice]:
            for suffix in (".wav", ".m4a"):
                out = folder / f"measured{suffix}"
                export(ROOT, folder / "cache", out, ["--voice", voice] if voice else None)
                print(f"hip-mobility{suffix}, voice {voice or 'default'}: {ebur128(out)}")
        import voiceguide

        rate = voiceguide.read_routine(str(ROOT / "scripts" / "hip-mobility.toml")).settings.rate
        for wpm in (rate, 150):
            print(f"setup phrases at rate {wpm}: {pace(wpm):.1f} words a minute")
        if args.against is not None:
            other = args.against.resolve()
            export(other, folder / "other-cache", folder / "other.wav")
            ours, theirs = [], []
            for _ in range(RUNS):
                ours.append(export(ROOT, folder / "cache", folder / "hip.wav"))
                theirs.append(export(other, folder / "other-cache", folder / "other.wav"))
            for name, runs in (("here", ours), (str(other), theirs)):
                wall = statistics.median(run[0] for run in runs)
                cpu = statistics.median(run[1] for run in runs)
                print(f"warm export {name}: {wall:.2f} s wall, {cpu:.3f} s CPU")


if __name__ == "__main__":
    main()
