"""Helpers for the share tests: files to serve, a server running in a thread, plain requests."""

from __future__ import annotations

import contextlib
import http.client
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from voiceguide.share import Request, SharedFiles, ShareResult, ShareServer
from voiceguide.share.page import share_page_html

WAIT_SECONDS = 60.0  # generous: the machine is shared


def make_files(folder: Path, audio_bytes: int = 300_000, name: str = "routine.m4a") -> SharedFiles:
    """A page, an 'audio' file of random bytes and a sheet, beside a file that is not shared."""
    folder.mkdir()
    audio = folder / name
    audio.write_bytes(os.urandom(audio_bytes))
    sheet = folder / "sheet.html"
    sheet.write_text("<!DOCTYPE html><title>Routine: session sheet</title><p>moves</p>\n")
    page = folder / "index.html"
    page.write_text(share_page_html("Routine", 754.0, name, "audio/mp4", audio_bytes, sheet.name))
    (folder / "secret.txt").write_text("not shared\n")
    return SharedFiles(page=page, audio=audio, sheet=sheet)


@dataclass
class Running:
    server: ShareServer
    thread: threading.Thread
    url: str = ""
    results: list[ShareResult] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None
        return parts.hostname, parts.port

    @property
    def path(self) -> str:
        """The page's path: /TOKEN/."""
        return urlsplit(self.url).path

    def ended(self, seconds: float = WAIT_SECONDS) -> ShareResult:
        """Wait for serving to end by itself; its result."""
        self.thread.join(seconds)
        assert not self.thread.is_alive(), "the server did not stop by itself"
        assert not self.errors, self.errors
        (result,) = self.results
        return result


@contextlib.contextmanager
def serving(files: SharedFiles, *, timeout: float = 120.0, host: str = "127.0.0.1",
            port: int = 0) -> Iterator[Running]:
    """The share served in a thread; stopped (if still running) when the block ends."""
    server = ShareServer(host, port)
    ready: queue.Queue[str] = queue.Queue()

    def serve() -> None:
        try:
            running.results.append(server.serve(
                files, timeout=timeout, on_ready=ready.put, on_request=running.requests.append
            ))
        except BaseException as error:  # shown by ended()
            running.errors.append(error)
        finally:
            server.close()

    running = Running(server, threading.Thread(target=serve, daemon=True))
    running.thread.start()
    running.url = ready.get(timeout=WAIT_SECONDS)
    try:
        yield running
    finally:
        server.stop()
        running.thread.join(WAIT_SECONDS)
        assert not running.thread.is_alive(), "the server did not stop"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def request(address: tuple[str, int], method: str, path: str,
            headers: dict[str, str] | None = None) -> Answer:
    """One request on its own connection, the path sent exactly as given."""
    connection = http.client.HTTPConnection(*address, timeout=WAIT_SECONDS)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()
