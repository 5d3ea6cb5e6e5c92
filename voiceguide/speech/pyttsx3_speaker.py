"""pyttsx3 itself, as the worker drives it: one engine that saves one text to one file at a time.

Runs only inside the worker process (`speech.pyttsx3_worker`), never in voiceguide.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

# espeak synthesises ~500x faster than real time; these bound a stuck driver inside one clip
FILE_TIMEOUT_SECONDS = 10.0
SECONDS_PER_CHAR = 0.05


def file_complete(path: Path) -> bool:
    """True when a WAV or AIFF file is fully written: its container size matches the file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return False
    if len(head) < 12:
        return False
    if head[:4] == b"RIFF":
        return int.from_bytes(head[4:8], "little") + 8 == size
    if head[:4] == b"FORM":
        return int.from_bytes(head[4:8], "big") + 8 == size
    return False


def plain_text(text: str, driver: str) -> str:
    """The words as `driver` must get them so that it reads them as words, never as markup.

    espeak reads the text as it is: `_espeak_plain_text_only` keeps its SSML and phoneme flags
    off. macOS reads [[...]] as embedded commands ([[slnc 5000]]) and SAPI parses text that looks
    like XML, so for those the brackets are split or swapped for look-alikes that are not markup.
    """
    if driver == "nsss":
        return re.sub(r"([\[\]])(?=[\[\]])", r"\1 ", text)
    if driver == "sapi5":
        return text.replace("<", "\u2039").replace(">", "\u203a")
    return text


def _espeak_plain_text_only() -> None:
    """Make every espeak_Synth call of pyttsx3 read plain text, whatever flags it passes.

    pyttsx3 2.99 passes neither espeakSSML (<break time="10s"/> would pause) nor espeakPHONEMES
    ([[h@'loU]] would be phonemes); this keeps it so if a later version does.
    """
    from pyttsx3.drivers import _espeak

    synth = _espeak.Synth
    if getattr(synth, "plain_text_only", False):
        return
    markup = int(_espeak.SSML) | int(_espeak.PHONEMES)

    def plain_synth(text: object, *args: Any, **kwargs: Any) -> Any:
        if "flags" in kwargs:
            kwargs["flags"] = int(kwargs["flags"]) & ~markup
        elif len(args) >= 4:
            args = (*args[:3], int(args[3]) & ~markup, *args[4:])
        return synth(text, *args, **kwargs)

    plain_synth.plain_text_only = True  # type: ignore[attr-defined]
    _espeak.Synth = plain_synth


def _espeak_only_ever_set_to(voice: str | None, rate: int) -> None:
    """Have pyttsx3 set espeak-ng to `voice` and `rate` from the start, never to its defaults.

    pyttsx3 sets its default voice and 200 words per minute when it starts, and ours after; in
    espeak-ng's asynchronous mode about one clip in 200 then came out at 200 wpm all the same.
    With only one value ever set there is nothing to get wrong.
    """
    from pyttsx3.drivers import espeak

    original = getattr(espeak.EspeakDriver.setProperty, "original", espeak.EspeakDriver.setProperty)

    def set_property(name: str, value: Any) -> Any:
        if name == "rate":
            value = rate
        elif name == "voice" and voice:
            value = voice
        return original(name, value)

    set_property.original = original  # type: ignore[attr-defined]
    espeak.EspeakDriver.setProperty = staticmethod(set_property)


class Speaker:
    """One pyttsx3 engine: saves one text per runAndWait and waits until the file is whole."""

    def __init__(self, driver: str, voice: str | None, rate: int) -> None:
        import pyttsx3

        if driver == "espeak":
            _espeak_plain_text_only()
            _espeak_only_ever_set_to(voice, rate)
        self.driver = driver
        self.voice = voice
        try:
            self.engine: Any = pyttsx3.init(driver)
        except Exception as error:  # espeak: our voice is set from the start, see above
            detail = one_line(error)
            if voice and voice in detail:
                raise RuntimeError(f'the voice "{voice}" cannot be used ({detail})') from None
            raise
        self.finished = threading.Event()
        self.errors: list[BaseException] = []
        self.engine.connect("finished-utterance", self._on_finished)
        self.engine.connect("error", self._on_error)
        # pyttsx3's espeak driver writes the file inside espeak's callback, where Python can only
        # print an exception (a full disk, say) and go on: catch it there and stop waiting
        sys.unraisablehook = self._on_unraisable
        if voice:
            self.engine.setProperty("voice", voice)
        # pyttsx3 takes words per minute on espeak, nsss and sapi5 alike
        self.engine.setProperty("rate", rate)

    def _on_finished(self, name: object = None, completed: object = True) -> None:
        self.finished.set()

    def _on_error(self, name: object = None, exception: BaseException | None = None) -> None:
        self.errors.append(exception or RuntimeError("the speech driver failed"))

    def _on_unraisable(self, unraisable: Any) -> None:
        self.errors.append(unraisable.exc_value or RuntimeError("the speech driver failed"))
        self.finished.set()

    def save(self, text: str, path: Path) -> None:
        timeout = FILE_TIMEOUT_SECONDS + SECONDS_PER_CHAR * len(text)
        deadline = time.monotonic() + timeout
        self.finished.clear()
        # one save per runAndWait: a second is lost
        self.engine.save_to_file(plain_text(text, self.driver), str(path))
        self.engine.runAndWait()
        self._raise_errors()
        # runAndWait can return before the file exists: espeak synthesises on its own thread and
        # writes the file just before it reports the finished utterance
        if self.driver == "espeak" and not self.finished.wait(timeout):
            raise TimeoutError(f"no audio after {timeout:.1f} s")
        self._raise_errors()
        while not file_complete(path):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the audio file was not complete after {timeout:.1f} s")
            time.sleep(0.002)
        self._raise_errors()

    def _raise_errors(self) -> None:
        if not self.errors:
            return
        error = self.errors[0]
        system = os_error_in(error)
        if system is not None:  # pyttsx3 wraps it in a RuntimeError: the errno is what tells
            raise system
        detail = one_line(error)
        if self.voice and self.voice in detail:  # pyttsx3 reports a bad voice only this way
            raise RuntimeError(f'the voice "{self.voice}" cannot be used ({detail})')
        raise RuntimeError(detail)


def os_error_in(error: BaseException) -> OSError | None:
    """The OSError that `error` is or was raised from, if any."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno is not None:
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def espeak_sample_rate() -> int | None:
    """The rate espeak-ng really produced (pyttsx3 stamps 22,050 Hz on every file)."""
    try:
        from pyttsx3.drivers import _espeak

        rate = int(_espeak.dll.espeak_ng_GetSampleRate())
    except Exception:  # an older library without the call: trust the file header
        return None
    return rate if rate > 0 else None
