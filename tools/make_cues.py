"""Generate the bundled cue sounds in audio_cues/: tick, go, end, rep, done.

Deterministic: the same numpy code makes the same bytes, and a test checks that the committed
WAVs are exactly what this script makes now. Run it after changing a sound:

    .venv/bin/python tools/make_cues.py            # writes audio_cues/*.wav
    .venv/bin/python tools/make_cues.py --out DIR  # writes somewhere else

Every sound is 16-bit mono PCM at 44,100 Hz at the voice's loudness (-16 LUFS, measured as
voiceguide.audio.loudness measures speech clips; the rep tick 14 LU softer), starts and ends at
exactly zero with raised-cosine edges (no clicks), and keeps its energy at 600-2000 Hz, where a
phone speaker still plays; the go beep, heard most, nearer 800-1200 Hz, so it is not shrill.
Beeps stay under 0.6 s because countdown ticks sit 1 s apart with a 0.3 s gap; only `done`
rings longer.
"""

from __future__ import annotations

import argparse
import io
import sys
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 44_100
CUE_NAMES = ("tick", "go", "end", "rep", "done")

Signal = npt.NDArray[np.float64]


def _frames(seconds: float) -> int:
    return round(seconds * RATE)


def _time(frames: int) -> Signal:
    return np.arange(frames, dtype=np.float64) / RATE


def _edges(signal: Signal, attack: float, release: float) -> Signal:
    """Raised-cosine fade in and out, so the sound starts and ends at exactly zero."""
    out: Signal = signal.copy()
    rise = _frames(attack)
    fall = _frames(release)
    # the first and last sample of each ramp are 0, so the ends are exact zeros
    out[:rise] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(rise) / rise)
    out[len(out) - fall :] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, fall + 1) / fall)
    return out


def _tone(frequency: float, seconds: float) -> Signal:
    return np.sin(2 * np.pi * frequency * _time(_frames(seconds)))


def _glide(start_hz: float, end_hz: float, seconds: float) -> Signal:
    """A sine whose pitch moves smoothly (raised-cosine path) from start_hz to end_hz."""
    t = _time(_frames(seconds))
    shape = 0.5 - 0.5 * np.cos(np.pi * t / seconds)
    frequency = start_hz + (end_hz - start_hz) * shape
    # integrate the frequency so the phase is continuous: no click where the pitch moves
    phase: Signal = 2 * np.pi * np.cumsum(frequency) / RATE
    return np.sin(phase - phase[:1])


def _place(total: float, parts: Sequence[tuple[float, Signal]]) -> Signal:
    """Mix parts (onset in seconds, signal) into one signal of `total` seconds."""
    out = np.zeros(_frames(total))
    for onset, part in parts:
        first = _frames(onset)
        out[first : first + len(part)] += part[: len(out) - first]
    return out


def tick() -> Signal:
    """Countdown: a plain 880 Hz beep, 100 ms."""
    return _edges(_tone(880.0, 0.100), attack=0.005, release=0.030)


def go() -> Signal:
    """Start of work: two rising notes, B5 then E6 (the tick's A5 is lower), 350 ms."""
    low = _edges(_tone(987.8, 0.140), attack=0.005, release=0.020)
    high = _edges(_tone(1318.5, 0.210), attack=0.005, release=0.060)
    return _place(0.350, [(0.0, low), (0.140, high)])


def end() -> Signal:
    """End of work: one falling glide from 1400 Hz to 700 Hz, 400 ms (go rises in steps)."""
    return _edges(_glide(1400.0, 700.0, 0.400), attack=0.010, release=0.080)


def rep() -> Signal:
    """Tempo mark inside a rep: a soft 660 Hz blip, 50 ms.

    Soft by shape rather than level: a Hann-shaped blip has no sharp attack, and a 50 ms sound is
    heard much quieter than a longer one at the same peak.
    """
    return _edges(_tone(660.0, 0.050), attack=0.025, release=0.025)


def done() -> Signal:
    """Routine complete: a C major arpeggio (C6, E6, G6) ringing out like a bell, 800 ms."""
    parts: list[tuple[float, Signal]] = []
    for number, frequency in enumerate((1046.5, 1318.5, 1568.0)):
        onset = 0.120 * number
        length = 0.800 - onset
        t = _time(_frames(length))
        # a second sine 0.3 % sharp beats slowly against the first: the shimmer of a bell,
        # without overtones above 2 kHz that a phone speaker would drop anyway
        bell = np.sin(2 * np.pi * frequency * t) + 0.3 * np.sin(2 * np.pi * frequency * 1.003 * t)
        bell *= np.exp(-t / 0.25)
        parts.append((onset, _edges(bell, attack=0.004, release=0.060)))
    return _place(0.800, parts)


def cue_signals() -> dict[str, Signal]:
    """Every cue sound, float64 at RATE, at the level voiceguide keeps it at (audio.sounds)."""
    from voiceguide.audio.loudness import gain_of, loudness
    from voiceguide.audio.sounds import level_of

    makers = {"tick": tick, "go": go, "end": end, "rep": rep, "done": done}
    signals = {}
    for name in CUE_NAMES:
        signal = makers[name]()
        # the gain rounded to 0.01 dB: the same bytes although the meter's last digits may
        # differ from one scipy to another
        gain_db = round(level_of(name) - loudness(signal, RATE), 2)
        signals[name] = signal * gain_of(gain_db)
    return signals


def wav_bytes(signal: Signal) -> bytes:
    """16-bit mono PCM WAV at RATE; samples rounded to the nearest step."""
    pcm = np.rint(signal * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def cue_files() -> dict[str, bytes]:
    """File name -> the exact bytes this generator writes."""
    return {f"{name}.wav": wav_bytes(signal) for name, signal in cue_signals().items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the bundled cue sounds.")
    default = Path(__file__).resolve().parent.parent / "audio_cues"
    parser.add_argument("--out", type=Path, default=default, help="folder to write into")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for file_name, data in cue_files().items():
        (out / file_name).write_bytes(data)
        print(f"wrote {out / file_name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
