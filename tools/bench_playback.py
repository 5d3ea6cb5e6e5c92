"""Playback benchmark: the whole hip routine played into a private PulseAudio null sink.

    .venv/bin/python tools/bench_playback.py            # about 13 minutes: one full session
    .venv/bin/python tools/bench_playback.py SCRIPT     # another routine (a quick trial)

The two players play at the same time, each into a private PulseAudio server of its own. The
recordings are kept in $VOICEGUIDE_BENCH_KEEP when that is set (ours.npy, naive.npy, export).

In one run, on one private server (tools/pulse_null_sink.py), with a warm speech cache:

1. `voiceguide play hip-mobility --quiet`, recorded from the sink's monitor. Every beep is found
   in the recording by matched filtering against the export of the same routine; its error is
   its distance from its planned time relative to the first beep (targets: worst at most 5 ms,
   95th percentile at most 2 ms).
2. A naive player built here for comparison: the same samples, one playback call per cue
   (simpleaudio.play_buffer of that cue alone), the cues spaced with time.sleep of the planned
   interval after each call. Measured the same way.
3. CPU use of the play process while playing (target: under 3 % of a core), from /proc between
   15 s in and 10 s before the end; the whole command's CPU is printed too.
4. Time from starting the command to the first sample of the session at the sink (target: under
   0.5 s), with the cache warm: read off the recording, whose frames are mapped to the clock by
   the arrival times of parec's 10 ms chunks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pulse_null_sink import PulseServer, Recorder, available, best_lag, find_offset

ROOT = Path(__file__).resolve().parent.parent
ROUTINE = sys.argv[1] if len(sys.argv) > 1 else "hip-mobility"
RATE = 22050
TICKS = os.sysconf("SC_CLK_TCK")


def voiceguide(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "voiceguide", *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"voiceguide {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as reader:
        if reader.getframerate() != RATE or reader.getnchannels() != 1:
            raise SystemExit(f"{path}: expected mono {RATE} Hz")
        raw = reader.readframes(reader.getnframes())
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def onset_errors(
    recording: np.ndarray,
    export: np.ndarray,
    events: list[dict[str, Any]],
    reach: float,
    kinds: tuple[str, ...] = ("beep",),
) -> tuple[list[float], int]:
    """Each beep's (or sound's) error in ms relative to the first one, and how many were not
    found.

    Every sound is looked for in turn, near where it belongs given the error of the sound before
    it, so a player that drifts is followed; `reach` stays under half the 1 s between the
    identical ticks, so a tick is never taken for its neighbour.
    """
    offset = find_offset(recording, export, RATE)
    drift = 0
    found_at: list[tuple[int, int]] = []
    missing = 0
    for event in events:
        start, end = round(event["start"] * RATE), round(event["end"] * RATE)
        position, score = best_lag(
            recording, export[start:end], offset + start + drift, round(reach * RATE)
        )
        if score < 0.9:
            missing += event["kind"] in kinds
            continue
        drift = position - offset - start
        if event["kind"] in kinds:
            found_at.append((start, position))
    planned0, found0 = found_at[0]
    return [
        ((found - found0) - (planned - planned0)) / RATE * 1000 for planned, found in found_at
    ], missing


def summary(errors: list[float], missing: int) -> str:
    size = np.abs(np.array(errors))
    return (
        f"worst {size.max():.2f} ms, 95th percentile {np.percentile(size, 95):.2f} ms, "
        f"median {np.median(size):.2f} ms over {len(errors)} sounds"
        + (f", {missing} not found" if missing else "")
    )


def play_with_voiceguide(
    server: PulseServer, env: dict[str, str], duration: float
) -> dict[str, Any]:
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 2)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", ROUTINE, "--quiet"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(15)
    cpu_from, at_from = cpu_seconds(process.pid), time.monotonic()
    time.sleep(max(duration - 25, 1))
    cpu_to, at_to = cpu_seconds(process.pid), time.monotonic()
    _, status, usage = os.wait4(process.pid, 0)
    ended = time.monotonic()
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"voiceguide play failed: {errors.strip()}")
    time.sleep(0.5)
    recording = recorder.stop()
    return {
        "recording": recording,
        "recorder": recorder,
        "started": started,
        "cpu_playing": (cpu_to - cpu_from) / (at_to - at_from),
        "cpu_total": (usage.ru_utime + usage.ru_stime) / (ended - started),
        "wall": ended - started,
    }


def start_naive(
    server: PulseServer, export: np.ndarray, events: list[dict[str, Any]]
) -> tuple[subprocess.Popen[bytes], Recorder]:
    """One play_buffer per cue, spaced by time.sleep: what the issue warns against."""
    code = """
import sys, time, numpy as np, simpleaudio
samples = np.load(sys.argv[1])
starts = [int(x) for x in sys.argv[2].split(",")]
ends = [int(x) for x in sys.argv[3].split(",")]
rate = int(sys.argv[4])
clips = [np.ascontiguousarray(samples[a:b]) for a, b in zip(starts, ends)]
simpleaudio.play_buffer(np.zeros(rate // 100, np.int16), 1, 2, rate).stop()  # warm up, as ours
playing = []
previous = 0
for start, clip in zip(starts, clips):
    time.sleep((start - previous) / rate)
    previous = start
    playing.append(simpleaudio.play_buffer(clip, 1, 2, rate))
for handle in playing:
    handle.wait_done()
"""
    folder = server.folder
    pcm = np.round(export * 32768).clip(-32768, 32767).astype(np.int16)
    np.save(folder / "export.npy", pcm)
    starts = ",".join(str(round(e["start"] * RATE)) for e in events)
    ends = ",".join(str(round(e["end"] * RATE)) for e in events)
    recorder = Recorder(server)
    recorder.wait_for_frames(RATE // 2)
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(folder / "export.npy"), starts, ends, str(RATE)],
        env=server.env(),
    )
    return process, recorder


def main() -> None:
    reason = available()
    if reason:
        raise SystemExit(f"cannot benchmark playback here: {reason}")
    with tempfile.TemporaryDirectory(prefix="vg-bench-play-") as temporary:
        folder = Path(temporary)
        server = PulseServer(folder / "pulse", RATE)
        naive_server = PulseServer(folder / "pulse-naive", RATE)
        server.start()
        naive_server.start()
        try:
            env = server.env()
            env["VOICEGUIDE_CACHE"] = str(folder / "cache")
            # the export fills the speech cache (warm from here on) and is the reference
            voiceguide(["export", ROUTINE, "-o", str(folder / "hip.wav"), "--quiet"], env)
            export = read_wav(folder / "hip.wav")
            plan = json.loads(voiceguide(["plan", ROUTINE, "--json"], env))
            events = plan["events"]
            beeps = sum(1 for e in events if e["kind"] == "beep")
            duration = plan["duration"]
            print(
                f"{ROUTINE}: {duration / 60:.1f} min, {len(events)} sounds, {beeps} beeps",
                flush=True,
            )

            naive_process, naive_recorder = start_naive(naive_server, export, events)
            ours = play_with_voiceguide(server, env, duration)
            if naive_process.wait() != 0:
                raise SystemExit("the naive player failed")
            time.sleep(0.5)
            naive = naive_recorder.stop()
            recording = ours["recording"]
            keep = os.environ.get("VOICEGUIDE_BENCH_KEEP")
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                np.save(Path(keep) / "ours.npy", recording)
                np.save(Path(keep) / "naive.npy", naive)
                np.save(Path(keep) / "export.npy", export)
            errors, missing = onset_errors(recording, export, events, reach=0.03)
            offset = find_offset(recording, export, RATE)
            recorder: Recorder = ours["recorder"]
            first_sample = recorder.time_at(offset) - ours["started"]
            print(f"voiceguide play: {summary(errors, missing)}", flush=True)
            # speech too: the first sounds lie before the join of the first two stretches
            every, every_missing = onset_errors(
                recording, export, events, reach=0.03, kinds=("beep", "speech")
            )
            print(f"voiceguide play, every sound: {summary(every, every_missing)}", flush=True)

            naive_errors, naive_missing = onset_errors(naive, export, events, reach=0.4)
            print(f"naive sleep player: {summary(naive_errors, naive_missing)}", flush=True)
        finally:
            server.stop()
            naive_server.stop()

    print()
    print("| measure | voiceguide play | naive sleep player | target |")
    print("|---|---|---|---|")
    worst, p95 = max(map(abs, errors)), float(np.percentile(np.abs(errors), 95))
    naive_worst = max(map(abs, naive_errors))
    naive_p95 = float(np.percentile(np.abs(naive_errors), 95))
    print(f"| worst beep onset error | {worst:.2f} ms | {naive_worst:.1f} ms | at most 5 ms |")
    print(f"| 95th percentile onset error | {p95:.2f} ms | {naive_p95:.1f} ms | at most 2 ms |")
    print(f"| beeps not found | {missing} of {beeps} | {naive_missing} of {beeps} | 0 |")
    every_worst = max(map(abs, every))
    print(f"| worst onset error, speech and beeps, joins included | {every_worst:.2f} ms | | |")
    print(f"| CPU while playing | {ours['cpu_playing'] * 100:.2f} % of a core | | under 3 % |")
    print(
        f"| CPU of the whole command | {ours['cpu_total'] * 100:.2f} % of a core over "
        f"{ours['wall']:.0f} s | | |"
    )
    print(
        f"| command to first sample at the sink (warm cache) | {first_sample:.3f} s | | "
        "under 0.5 s |"
    )


if __name__ == "__main__":
    main()
