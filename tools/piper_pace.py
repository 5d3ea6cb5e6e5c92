"""Piper's pace in words a minute as a listener counts them: words over the seconds of the clips,
leading and trailing silence trimmed as voiceguide trims them (pauses inside a clip count).

    .venv/bin/python tools/piper_pace.py --calibrate   # the calibration text at length_scale 1
    .venv/bin/python tools/piper_pace.py               # the hip routine's setups at rate 150

--calibrate gives the figure recorded as CALIBRATED_WPM in voiceguide/speech/piper_engine.py;
the plain run checks the result: it should print 150 words a minute, give or take 10 %.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from voiceguide.resources import bundled_scripts
from voiceguide.script.reader import load_routine
from voiceguide.speech.piper_engine import CALIBRATION_TEXT, PiperEngine, length_scale
from voiceguide.speech.piper_voices import find_voice
from voiceguide.speech.trim import trim_silence


def words_a_minute(engine: PiperEngine, texts: Sequence[str], scale: float) -> float:
    """Words over the trimmed clips' seconds, every text said at `scale`."""
    seconds = 0.0
    for samples, sample_rate in engine.clips_at(texts, scale):
        seconds += len(trim_silence(samples, sample_rate)) / sample_rate
    words = sum(len(text.split()) for text in texts)
    return 60.0 * words / seconds


def setup_phrases(routine: str = "hip-mobility") -> list[str]:
    moves = load_routine(bundled_scripts()[routine]).moves
    return [move.setup for move in moves if move.setup]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calibrate", action="store_true", help="length_scale 1, fixed text")
    parser.add_argument("--voice", default="piper:en_US-joe-medium")
    parser.add_argument("--rate", type=int, default=150, help="words a minute asked for")
    args = parser.parse_args()
    voice = find_voice(args.voice)
    engine = PiperEngine(voice)
    if args.calibrate:
        wpm = words_a_minute(engine, CALIBRATION_TEXT, 1.0)
        print(f"{args.voice} at length_scale 1: {wpm:.1f} words a minute (calibration text)")
        return
    texts = setup_phrases()
    wpm = words_a_minute(engine, texts, length_scale(voice, args.rate))
    print(f"{args.voice} at rate {args.rate}: {wpm:.1f} words a minute "
          f"({len(texts)} setup phrases of hip-mobility, {100 * (wpm / args.rate - 1):+.1f} %)")


if __name__ == "__main__":
    main()
