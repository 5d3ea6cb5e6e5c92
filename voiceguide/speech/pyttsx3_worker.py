"""The child-process side of the pyttsx3 engine: `python -m voiceguide.speech.pyttsx3_worker`.

pyttsx3 runs here, never in the voiceguide process, because a second pyttsx3 engine in one
process hangs and pyttsx3 prints on stdout. The parent writes one JSON request on stdin:

    {"op": "voices", "driver": "espeak"}
    {"op": "synthesize", "driver": "espeak", "texts": [...], "voice": "gmw/de" | null,
     "rate": 170, "parallel": 8, "folder": "/tmp/..." (only where clips go through files)}

and reads JSON lines on stdout, which carries nothing else (fd 1 is pointed at /dev/null here,
so pyttsx3's "Audio saved to" and any C library chatter cannot reach the protocol):

    {"ready": "espeak"}                        the driver loaded
    {"voices": [{"id", "name", "languages"}]}
    {"clip": i, "sample_rate": 22050, "bytes": n}   in text order, followed by n bytes of
                                                    16-bit little-endian mono samples
    {"clip": i, "path": "...", "sample_rate": 22050 | null}   the same, as a file in "folder"
    {"error": "one line", "missing": "espeak-ng" | null}

espeak-ng keeps state from one utterance to the next inside a process (its pitch flutter runs
on), so the same text comes out differently depending on what was said before it. On Linux every
clip is therefore made in a fresh fork of this process, before espeak is initialised: each clip is
what `espeak-ng -w` makes of the same text, whatever the batch, and forks run side by side, which
also hides pyttsx3's fixed 10 ms sleep per runAndWait. A fork writes its clip to an unnamed file
(`speech.unnamed_files`) and this process sends the samples on, so no clip ever has a name that
could outlive an interrupted run. Elsewhere (macOS, Windows) one engine makes the clips one after
the other into "folder", and voiceguide removes each file as soon as it has read it.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import IO, Any

from voiceguide.script.echo import ECHO_LIMIT, quote
from voiceguide.speech import unnamed_files
from voiceguide.speech.pyttsx3_speaker import Speaker, espeak_sample_rate, one_line, os_error_in
from voiceguide.speech.worker_process import CRASH_SIGNALS, signal_name


class Channel:
    """The protocol channel: a private copy of fd 1; fd 1 and sys.stdout then go to /dev/null."""

    def __init__(self) -> None:
        self._out: IO[bytes] = os.fdopen(os.dup(1), "wb")
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as we do)

    def send(self, message: dict[str, Any], payload: bytes = b"") -> None:
        self._out.write(json.dumps(message).encode("utf-8") + b"\n")
        self._out.write(payload)
        self._out.flush()

    def send_clip(self, index: int, sample_rate: int, pcm: bytes) -> None:
        self.send({"clip": index, "sample_rate": sample_rate, "bytes": len(pcm)}, pcm)

    def flush(self) -> None:
        self._out.flush()


def forks_each_clip(driver: str) -> bool:
    """True where clips are made in forks and sent as samples (Linux), not as files."""
    return driver == "espeak" and hasattr(os, "fork") and unnamed_files.available()


def install_hint() -> str:
    if sys.platform == "darwin":
        return "install espeak-ng: brew install espeak-ng"
    if sys.platform == "win32":
        return "install eSpeak NG from https://github.com/espeak-ng/espeak-ng/releases"
    return "install espeak-ng: sudo apt-get install espeak-ng"


def quoted(text: str) -> str:
    """The text as messages show it: quoted, escaped, cut short (a 20 KB text must not become
    the message), with its length when cut."""
    flat = " ".join(text.split())
    if len(flat) <= ECHO_LIMIT:
        return quote(flat)
    return f"{quote(flat)} ({len(text):,} characters)"


def cannot_say(text: str, reason: str) -> str:
    return f"cannot synthesize {quoted(text)}: {reason[:300]}"


def describe(error: BaseException, where: str) -> str:
    """Why a clip could not be made, in one line; `where` is what a full disk would be."""
    system = error if isinstance(error, OSError) else os_error_in(error)
    if system is not None and system.errno in (errno.ENOSPC, errno.EDQUOT):
        if where == "memory":
            return "not enough memory left for the speech clips"
        return (
            f"no space left for the speech clips in {where}; free some space there, "
            "or set TMPDIR to a folder with room"
        )
    if system is not None and system.errno == errno.ENOMEM:
        return "not enough memory left for the speech clips"
    return one_line(error)


def _ended(status: int) -> str:
    """Why a fork ended without a report."""
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"the speech process ended with status {code}"
    name = signal_name(-code)
    if -code in CRASH_SIGNALS:
        return f"espeak-ng crashed ({name}); shorten or reword that text"
    return f"the speech process was stopped ({name})"


def _load_driver(driver: str, channel: Channel) -> bool:
    try:
        importlib.import_module(f"pyttsx3.drivers.{driver}")  # espeak: loads libespeak-ng here
    except ImportError as error:
        if getattr(error, "name", "") == "pyttsx3":
            channel.send({"error": "pyttsx3 is missing; install it: pip install pyttsx3"})
        else:
            channel.send({"error": f"the {driver} speech driver cannot load: {one_line(error)}"})
        return False
    except Exception as error:
        if driver == "espeak":
            hint = install_hint()
            channel.send({"error": f"espeak-ng is missing; {hint}", "missing": "espeak-ng"})
        else:
            channel.send({"error": f"the {driver} speech driver cannot load: {one_line(error)}"})
        return False
    channel.send({"ready": driver})
    return True


def _start_error(driver: str, error: BaseException) -> dict[str, Any]:
    if driver == "espeak":
        return {
            "error": f"espeak-ng cannot start ({one_line(error)}); {install_hint()}",
            "missing": "espeak-ng",
        }
    return {"error": f"the {driver} speech driver cannot start: {one_line(error)}"}


def list_voices(driver: str, channel: Channel) -> None:
    import pyttsx3

    try:
        engine: Any = pyttsx3.init(driver)
        found = engine.getProperty("voices")
    except Exception as error:
        channel.send(_start_error(driver, error))
        return
    voices = [
        {"id": str(v.id), "name": str(v.name), "languages": [str(c) for c in v.languages or []]}
        for v in found
    ]
    channel.send({"voices": voices})


def synthesize_in_process(request: dict[str, Any], channel: Channel) -> None:
    """One engine, one clip after the other, each to a file in the request's folder."""
    driver, folder = request["driver"], Path(request["folder"])
    try:
        speaker = Speaker(driver, request["voice"], request["rate"])
    except Exception as error:
        channel.send(_start_error(driver, error))
        return
    for index, text in enumerate(request["texts"]):
        path = folder / f"{index:05d}.wav"  # macOS writes AIFF whatever the name
        try:
            speaker.save(text, path)
        except Exception as error:
            channel.send({"error": cannot_say(text, describe(error, str(folder.parent)))})
            return
        rate = espeak_sample_rate() if driver == "espeak" else None
        channel.send({"clip": index, "path": str(path), "sample_rate": rate})


def _forked_clip(request: dict[str, Any], index: int, target: str, where: str, report: int) -> None:
    """In a fresh fork: make one clip, report its rate or its error on the pipe, then _exit."""
    message: dict[str, Any] = {"index": index}
    try:
        speaker = Speaker(request["driver"], request["voice"], request["rate"])
        speaker.save(request["texts"][index], Path(target))
        message["sample_rate"] = espeak_sample_rate()
    except BaseException as error:
        message["error"] = describe(error, where)[:1000]
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


def synthesize_forked(request: dict[str, Any], channel: Channel) -> None:
    """Every clip in its own fork of this (not yet espeak-initialised) process, several at once."""
    texts: list[str] = request["texts"]
    parallel = max(1, int(request.get("parallel") or 8))
    parent = os.getppid()
    # the forks live a few ms: a garbage collection in one would touch (and so copy) every
    # page of the heap it shares with this process
    gc.disable()
    gc.freeze()
    report_read, report_write = os.pipe()
    os.set_blocking(report_read, False)
    files = unnamed_files.UnnamedFiles()
    pending = bytearray()
    reports: dict[int, dict[str, Any]] = {}
    running: dict[int, int] = {}  # pid -> clip index
    started = reported = 0
    try:
        while reported < len(texts):
            # clips are sent in order: past a slow one, at most a window of finished ones wait
            while started < min(len(texts), reported + 4 * parallel) and len(running) < parallel:
                target = files.open(started)
                channel.flush()  # nothing buffered may be duplicated into the child
                pid = os.fork()
                if pid == 0:
                    os.close(report_read)
                    _forked_clip(request, started, target, files.where, report_write)
                running[pid] = started
                started += 1
            pid, status = os.wait()
            index = running.pop(pid, None)
            if index is None:
                continue
            _read_reports(report_read, pending, reports)
            if index not in reports:  # killed, or crashed inside the driver
                reports[index] = {"error": _ended(status)}
            while reported in reports:
                message = reports.pop(reported)
                try:
                    if "error" in message:
                        raise ValueError(message["error"])
                    pcm, header_rate = files.take(reported)
                except (OSError, ValueError) as error:
                    channel.send({"error": cannot_say(texts[reported], one_line(error))})
                    return
                channel.send_clip(reported, int(message["sample_rate"] or header_rate), pcm)
                reported += 1
            if os.getppid() != parent:  # voiceguide is gone: stop making clips nobody reads
                return
    finally:
        for pid in running:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        os.close(report_read)
        os.close(report_write)
        files.close()


def main() -> int:
    channel = Channel()
    try:
        request: dict[str, Any] = json.loads(sys.stdin.readline())
    except ValueError:
        channel.send({"error": "the speech worker got a malformed request"})
        return 2
    driver: str = request["driver"]
    if not _load_driver(driver, channel):
        return 1
    if request["op"] == "voices":
        list_voices(driver, channel)
    elif forks_each_clip(driver):
        synthesize_forked(request, channel)
    else:
        synthesize_in_process(request, channel)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # voiceguide is gone; the forks are killed and nothing has a name
        os._exit(1)
