"""Spoken text reaches the engine as plain words, never as markup, and always at its rate.

The real espeak-ng through pyttsx3 decides: SSML and phoneme input would change a clip's length
a lot (a 10 s break, [[ ]] read as phoneme codes), so the length shows how the text was read.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from voiceguide.speech.pyttsx3_engine import Pyttsx3Engine
from voiceguide.speech.pyttsx3_speaker import plain_text

BREAK = 'Hold <break time="10s"/> it now.'
PHONEMES = "Stand [[_:_:_:_:_:_:_:_:_:_:_:_:]] tall."  # as phoneme codes: twelve short pauses
PHONEMES_SPLIT = "Stand [ [_:_:_:_:_:_:_:_:_:_:_:_:] ] tall."  # no engine reads this as markup


def test_nsss_never_sees_double_brackets() -> None:
    assert plain_text("[[slnc 5000]] Rest. [[[x]]]", "nsss") == "[ [slnc 5000] ] Rest. [ [ [x] ] ]"
    assert plain_text("Rest [now].", "nsss") == "Rest [now]."


def test_sapi5_never_sees_angle_brackets() -> None:
    assert plain_text('<speak>Rest <break time="1s"/></speak>', "sapi5") == (
        '\u2039speak\u203aRest \u2039break time="1s"/\u203a\u2039/speak\u203a'
    )


def test_espeak_gets_the_text_unchanged() -> None:
    assert plain_text(BREAK + PHONEMES, "espeak") == BREAK + PHONEMES


def espeak_cli_seconds(tmp_path: Path, text: str, *options: str) -> float:
    """What the espeak-ng program makes of `text` (it reads [[ ]] as phonemes; -m: SSML)."""
    out = tmp_path / "cli.wav"
    subprocess.run(["espeak-ng", "-s", "170", *options, "-w", str(out), text], check=True)
    with wave.open(str(out)) as clip:
        frames, rate = int(clip.getnframes()), int(clip.getframerate())
    return frames / rate


def engine_seconds(engine: Pyttsx3Engine, *texts: str) -> list[float]:
    """The engine's clips at espeak-ng's own rate 170, as the program above is asked for."""
    clips = engine.synthesize(list(texts), None, 170, native=True)
    return [len(pcm) / rate for pcm, rate in clips]


needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@pytest.mark.slow
@needs_espeak
def test_ssml_is_read_as_plain_text(tmp_path: Path) -> None:
    (seconds,) = engine_seconds(Pyttsx3Engine(), BREAK)
    assert espeak_cli_seconds(tmp_path, BREAK, "-m") > 10  # read as SSML: a 10 s break
    assert seconds < 5
    assert seconds == pytest.approx(espeak_cli_seconds(tmp_path, BREAK), abs=0.001)


@pytest.mark.slow
@needs_espeak
def test_double_brackets_are_read_as_plain_text(tmp_path: Path) -> None:
    as_phonemes = espeak_cli_seconds(tmp_path, PHONEMES)
    seconds, split = engine_seconds(Pyttsx3Engine(), PHONEMES, PHONEMES_SPLIT)
    assert seconds > 2 * as_phonemes
    assert seconds == pytest.approx(split, abs=0.5)


MARKUP_FLAGS_WORKER = """
import runpy
from pyttsx3.drivers import _espeak, espeak

def start(self, text):  # as a pyttsx3 that asked for SSML and phoneme input would do
    self._proxy.setBusy(True)
    self._proxy.notify("started-utterance")
    self._speaking = True
    self._data_buffer = b""
    flags = _espeak.ENDPAUSE | _espeak.CHARS_UTF8 | _espeak.SSML | _espeak.PHONEMES
    _espeak.Synth(str(text).encode("utf-8"), flags=flags)

espeak.EspeakDriver._start_synthesis = start
runpy.run_module("voiceguide.speech.pyttsx3_worker", run_name="__main__")
"""


@pytest.mark.slow
@needs_espeak
def test_markup_flags_from_pyttsx3_are_switched_off() -> None:
    markup_asked = Pyttsx3Engine(command=[sys.executable, "-c", MARKUP_FLAGS_WORKER])
    asked = engine_seconds(markup_asked, BREAK, PHONEMES)
    assert asked == engine_seconds(Pyttsx3Engine(), BREAK, PHONEMES)
    assert asked[0] < 5


@pytest.mark.slow
@needs_espeak
def test_every_clip_is_made_at_the_rate_asked_for() -> None:
    """pyttsx3 first sets 200 wpm; about one clip in 200 used to keep it (found by this issue)."""
    texts = ["Stand tall.", "Switch sides."] * 300
    clips = Pyttsx3Engine().synthesize(texts, None, 170)
    lengths = {(text, len(pcm)) for text, (pcm, _) in zip(texts, clips, strict=True)}
    assert len(lengths) == 2
