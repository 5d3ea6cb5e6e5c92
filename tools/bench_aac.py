"""AAC coder benchmark: ffmpeg's coders on the same session, side by side.

    .venv/bin/python tools/bench_aac.py                      # the hip routine
    .venv/bin/python tools/bench_aac.py hip-mobility-de      # another bundled routine

The routine is exported once to a WAV; each coder encodes that WAV at the export's settings
(64 kbit/s, mono) and is measured: CPU seconds of ffmpeg, bytes, how far the decoded file is
from the WAV (signal-to-error ratio, whole file and the median over 20 ms frames of sound) and
what ffmpeg's ebur128 meter reads (integrated loudness, true peak).
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile

CODERS = ("twoloop", "fast")


def cpu_of(command: list[str]) -> float:
    """CPU seconds (user + system) the command's process took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def signal_to_error(reference: np.ndarray, decoded: np.ndarray) -> tuple[float, float]:
    """Whole-file and median 20 ms frame signal-to-error ratio in dB (the decoder's priming is
    trimmed by ffmpeg, so the two line up from the first sample)."""
    length = min(len(reference), len(decoded))
    reference, error = reference[:length], reference[:length] - decoded[:length]
    whole = 10 * np.log10(np.sum(reference**2) / np.sum(error**2))
    frame = 441
    count = length // frame
    power = np.sum(reference[: count * frame].reshape(count, frame) ** 2, axis=1)
    noise = np.sum(error[: count * frame].reshape(count, frame) ** 2, axis=1) + 1e-12
    sounding = power > 1e-2 * np.median(power[power > 0])
    frames = 10 * np.log10(power[sounding] / noise[sounding])
    return float(whole), float(np.median(np.clip(frames, -10, 40)))


def loudness(path: Path) -> tuple[str, str]:
    """ffmpeg's ebur128 integrated loudness (LUFS) and true peak (dBTP) of a file."""
    report = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
         "-f", "null", "-"], check=True, capture_output=True, text=True,
    ).stderr.split("Summary:")[-1]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", report)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", report)
    assert integrated and peak, report
    return integrated.group(1), peak.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("routine", nargs="?", default="hip-mobility")
    routine = parser.parse_args().routine
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "session.wav"
        subprocess.run([sys.executable, "-m", "voiceguide", "export", routine, "-o", str(wav)],
                       check=True, capture_output=True)
        reference, rate = soundfile.read(wav)
        print(f"{routine}: {len(reference) / rate / 60:.1f} minutes at {rate} Hz")
        print("| coder | CPU | bytes | signal-to-error | per 20 ms frame | loudness | true peak |")
        print("|---|---|---|---|---|---|---|")
        for coder in CODERS:
            m4a, decoded = Path(folder) / f"{coder}.m4a", Path(folder) / f"{coder}.wav"
            cpu = cpu_of(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", "aac",
                          "-aac_coder", coder, "-b:a", "64k", "-f", "ipod", str(m4a)])
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(m4a), str(decoded)],
                           check=True)
            whole, frames = signal_to_error(reference, soundfile.read(decoded)[0])
            integrated, peak = loudness(m4a)
            print(f"| {coder} | {cpu:.2f} s | {m4a.stat().st_size:,} | {whole:.1f} dB "
                  f"| {frames:.1f} dB | {integrated} LUFS | {peak} dBTP |")


if __name__ == "__main__":
    main()
