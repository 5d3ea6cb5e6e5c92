"""The child-process side of the pyttsx3 engine: `python -m voiceguide.speech.pyttsx3_worker`.

pyttsx3 runs here, never in the voiceguide process, because a second pyttsx3 engine in one
process hangs and pyttsx3 prints on stdout. The parent writes one JSON request on stdin:

    {"op": "voices", "driver": "espeak"}
    {"op": "synthesize", "driver": "espeak", "texts": [...], "voice": "gmw/de" | null,
     "rate": 170, "folder": "/tmp/...", "parallel": 8}

and reads JSON lines on stdout, which carries nothing else (fd 1 is pointed at /dev/null here,
so pyttsx3's "Audio saved to" and any C library chatter cannot reach the protocol):

    {"ready": "espeak"}                        the driver loaded
    {"voices": [{"id", "name", "languages"}]}
    {"clip": i, "path": "...", "sample_rate": 22050 | null}     in text order
    {"error": "one line", "missing": "espeak-ng" | null}

espeak-ng keeps state from one utterance to the next inside a process (its pitch flutter runs
on), so the same text comes out differently depending on what was said before it. On Linux every
clip is therefore made in a fresh fork of this process, before espeak is initialised: each clip is
what `espeak-ng -w` makes of the same text, whatever the batch, and forks run side by side, which
also hides pyttsx3's fixed 10 ms sleep per runAndWait.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

Send = Callable[[dict[str, Any]], None]

# espeak synthesises ~500x faster than real time; these bound a stuck driver inside one clip
FILE_TIMEOUT_SECONDS = 10.0
SECONDS_PER_CHAR = 0.05


def _claim_stdout() -> IO[str]:
    """The protocol channel: a private copy of fd 1; fd 1 and sys.stdout then go to /dev/null."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as we do)
    return protocol


def install_hint() -> str:
    if sys.platform == "darwin":
        return "install espeak-ng: brew install espeak-ng"
    if sys.platform == "win32":
        return "install eSpeak NG from https://github.com/espeak-ng/espeak-ng/releases"
    return "install espeak-ng: sudo apt-get install espeak-ng"


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
            detail = _one_line(error)
            if voice and voice in detail:
                raise RuntimeError(f'the voice "{voice}" cannot be used ({detail})') from None
            raise
        self.finished = threading.Event()
        self.errors: list[BaseException] = []
        self.engine.connect("finished-utterance", self._on_finished)
        self.engine.connect("error", self._on_error)
        if voice:
            self.engine.setProperty("voice", voice)
        # pyttsx3 takes words per minute on espeak, nsss and sapi5 alike
        self.engine.setProperty("rate", rate)

    def _on_finished(self, name: object = None, completed: object = True) -> None:
        self.finished.set()

    def _on_error(self, name: object = None, exception: BaseException | None = None) -> None:
        self.errors.append(exception or RuntimeError("the speech driver failed"))

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
        while not file_complete(path):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the audio file was not complete after {timeout:.1f} s")
            time.sleep(0.002)
        self._raise_errors()

    def _raise_errors(self) -> None:
        if not self.errors:
            return
        detail = _one_line(self.errors[0])
        if self.voice and self.voice in detail:  # pyttsx3 reports a bad voice only this way
            raise RuntimeError(f'the voice "{self.voice}" cannot be used ({detail})')
        raise RuntimeError(detail)


def _one_line(error: BaseException) -> str:
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


def _load_driver(driver: str, send: Send) -> bool:
    try:
        importlib.import_module(f"pyttsx3.drivers.{driver}")  # espeak: loads libespeak-ng here
    except ImportError as error:
        if getattr(error, "name", "") == "pyttsx3":
            send({"error": "pyttsx3 is missing; install it: pip install pyttsx3", "missing": None})
        else:
            send({"error": f"the {driver} speech driver cannot load: {_one_line(error)}"})
        return False
    except Exception as error:
        if driver == "espeak":
            send({"error": f"espeak-ng is missing; {install_hint()}", "missing": "espeak-ng"})
        else:
            send({"error": f"the {driver} speech driver cannot load: {_one_line(error)}"})
        return False
    send({"ready": driver})
    return True


def _start_error(driver: str, error: BaseException) -> dict[str, Any]:
    if driver == "espeak":
        return {
            "error": f"espeak-ng cannot start ({_one_line(error)}); {install_hint()}",
            "missing": "espeak-ng",
        }
    return {"error": f"the {driver} speech driver cannot start: {_one_line(error)}"}


def list_voices(driver: str, send: Send) -> None:
    import pyttsx3

    try:
        engine: Any = pyttsx3.init(driver)
        found = engine.getProperty("voices")
    except Exception as error:
        send(_start_error(driver, error))
        return
    voices = [
        {"id": str(v.id), "name": str(v.name), "languages": [str(c) for c in v.languages or []]}
        for v in found
    ]
    send({"voices": voices})


def _clip_path(folder: Path, index: int) -> Path:
    return folder / f"{index:05d}.wav"  # macOS writes AIFF whatever the name; decoded by header


def synthesize_in_process(request: dict[str, Any], send: Send) -> None:
    """One engine, one clip after the other (Windows, macOS, or no fork)."""
    driver, folder = request["driver"], Path(request["folder"])
    try:
        speaker = Speaker(driver, request["voice"], request["rate"])
    except Exception as error:
        send(_start_error(driver, error))
        return
    for index, text in enumerate(request["texts"]):
        path = _clip_path(folder, index)
        try:
            speaker.save(text, path)
        except Exception as error:
            send({"error": f'cannot synthesize "{text}": {_one_line(error)}'})
            return
        rate = espeak_sample_rate() if driver == "espeak" else None
        send({"clip": index, "path": str(path), "sample_rate": rate})


def _forked_clip(request: dict[str, Any], index: int, report: int) -> None:
    """In a fresh fork: make one clip, report its rate or its error on the pipe, then _exit."""
    path = _clip_path(Path(request["folder"]), index)
    message: dict[str, Any] = {"index": index}
    try:
        speaker = Speaker(request["driver"], request["voice"], request["rate"])
        speaker.save(request["texts"][index], path)
        message["sample_rate"] = espeak_sample_rate()
    except BaseException as error:
        message["error"] = _one_line(error)[:1000]
    finally:
        # one short write is atomic on a pipe, however many forks share it
        with contextlib.suppress(OSError):
            os.write(report, (json.dumps(message) + "\n").encode("utf-8"))
        os._exit(0)


def _read_reports(report: int, pending: bytearray, into: dict[int, dict[str, Any]]) -> None:
    """Whatever the forks have reported so far (the pipe is non-blocking)."""
    while True:
        try:
            chunk = os.read(report, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        pending.extend(chunk)
    *lines, rest = bytes(pending).split(b"\n")
    pending[:] = rest
    for line in lines:
        message = json.loads(line)
        into[int(message["index"])] = message


def synthesize_forked(request: dict[str, Any], send: Send, flush: Callable[[], None]) -> None:
    """Every clip in its own fork of this (not yet espeak-initialised) process, several at once."""
    texts: list[str] = request["texts"]
    folder = Path(request["folder"])
    parallel = max(1, int(request.get("parallel") or 8))
    parent = os.getppid()
    # the forks live a few ms: a garbage collection in one would touch (and so copy) every
    # page of the heap it shares with this process
    gc.disable()
    gc.freeze()
    report_read, report_write = os.pipe()
    os.set_blocking(report_read, False)
    pending = bytearray()
    reports: dict[int, dict[str, Any]] = {}
    running: dict[int, int] = {}  # pid -> clip index
    started = reported = 0
    try:
        while reported < len(texts):
            while started < len(texts) and len(running) < parallel:
                flush()  # nothing buffered may be duplicated into the child
                pid = os.fork()
                if pid == 0:
                    os.close(report_read)
                    _forked_clip(request, started, report_write)
                running[pid] = started
                started += 1
            pid, status = os.wait()
            index = running.pop(pid, None)
            if index is None:
                continue
            _read_reports(report_read, pending, reports)
            if index not in reports:  # killed, or crashed inside the driver
                code = os.waitstatus_to_exitcode(status)
                reports[index] = {"error": f"the speech process ended with status {code}"}
            while reported in reports:
                message = reports.pop(reported)
                if "error" in message:
                    send({"error": f'cannot synthesize "{texts[reported]}": {message["error"]}'})
                    return
                path = _clip_path(folder, reported)
                send({"clip": reported, "path": str(path), "sample_rate": message["sample_rate"]})
                reported += 1
            if os.getppid() != parent:  # voiceguide is gone: stop making clips nobody reads
                return
    finally:
        for pid in running:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
                os.waitpid(pid, 0)
        os.close(report_read)
        os.close(report_write)


def main() -> int:
    protocol = _claim_stdout()

    def send(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    try:
        request: dict[str, Any] = json.loads(sys.stdin.readline())
    except ValueError:
        send({"error": "the speech worker got a malformed request"})
        return 2
    driver: str = request["driver"]
    if not _load_driver(driver, send):
        return 1
    if request["op"] == "voices":
        list_voices(driver, send)
    elif driver == "espeak" and hasattr(os, "fork") and sys.platform != "darwin":
        synthesize_forked(request, send, protocol.flush)
    else:
        synthesize_in_process(request, send)
    return 0


if __name__ == "__main__":
    sys.exit(main())
