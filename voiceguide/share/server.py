"""Serve a shared session once over HTTP: its page, its audio and its sheet, behind a token.

Only four URLs answer, all under a random token of 192 bits: the page (`/TOKEN/`), the audio for
the page's player (`/TOKEN/NAME.m4a`), the same audio as a download (`/TOKEN/download/NAME.m4a`)
and the sheet (`/TOKEN/sheet.html`). URLs are looked up in that table, never mapped onto the file
system, so there is no listing and no way out of it; everything else is 404, wrong token
included, and any method but GET and HEAD is 405. Ranges are served (phones' players seek with
them). Serving ends when every byte of the download went out (in one response or several
ranges), or at the time limit; the caller's Ctrl-C ends it too.

This module is the public face: the server object, binding (one line for each way an address
or port can be wrong) and the table of routes; `httpd` answers the requests.
"""

from __future__ import annotations

import errno
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import ShareError, ShareOptionError
from voiceguide.share.address import url_host
from voiceguide.share.httpd import OnRequest, Route, ShareHTTPServer
from voiceguide.share.page import DOWNLOAD_FOLDER

TOKEN_BYTES = 24  # secrets.token_urlsafe: 192 random bits, 32 characters
CONTENT_TYPES = {
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".html": "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class SharedFiles:
    """What is served: the page, the audio and the sheet (the audio's name is its URL)."""

    page: Path
    audio: Path
    sheet: Path


@dataclass(frozen=True)
class ShareResult:
    """How serving ended: `downloaded` with the address that took the file, or the time limit."""

    downloaded: bool
    client: str | None


class ShareServer:
    """An HTTP server bound to `host`:`port` (0: a free port), serving one session once.

    It binds when made, so a port in use or an address that is not this computer's is known
    before the session is prepared. Use it as a context manager, or call `close`.

    Example:
        >>> with ShareServer("127.0.0.1") as server:            # doctest: +SKIP
        ...     result = server.serve(files, timeout=600, on_ready=print)
    """

    def __init__(self, host: str, port: int = 0) -> None:
        self.host = host
        self.token = secrets.token_urlsafe(TOKEN_BYTES)
        self._httpd = _bind(host, port, self.token)
        self._served = False

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The page's URL, the one to open on the phone."""
        return f"http://{url_host(self.host)}:{self.port}/{self.token}/"

    def serve(
        self,
        files: SharedFiles,
        *,
        timeout: float,
        on_ready: Callable[[str], None] | None = None,
        on_request: OnRequest | None = None,
    ) -> ShareResult:
        """Serve until the audio is downloaded or `timeout` seconds pass; then stop and close.

        `on_ready(url)` is called once the server answers; `on_request(request)` after each
        request, from the thread that answered it. A KeyboardInterrupt stops serving too (and
        propagates).
        """
        if self._served:
            raise RuntimeError("a ShareServer serves once")
        self._served = True
        httpd = self._httpd
        httpd.routes = _routes(files)
        httpd.on_request = on_request
        loop = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        loop.start()
        try:
            if on_ready is not None:
                on_ready(self.url)
            httpd.wake.wait(timeout)
        finally:
            httpd.shutdown()
            loop.join()
            httpd.close_connections()
            httpd.server_close()
        return ShareResult(downloaded=httpd.downloaded, client=httpd.client)

    def stop(self) -> None:
        """End serving now, from any thread: `serve` returns (not downloaded, unless it was)."""
        self._httpd.wake.set()

    def close(self) -> None:
        self._httpd.server_close()

    def __enter__(self) -> ShareServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_once(
    files: SharedFiles,
    *,
    host: str,
    port: int = 0,
    timeout: float = 600.0,
    on_ready: Callable[[str], None] | None = None,
    on_request: OnRequest | None = None,
) -> ShareResult:
    """Serve `files` on host:port until the audio is downloaded or `timeout` seconds pass.

    Example:
        >>> result = voiceguide.share.serve_once(files, host="127.0.0.1", on_ready=print)
        ... # doctest: +SKIP
        http://127.0.0.1:41234/3q2-7wLk.../
    """
    with ShareServer(host, port) as server:
        return server.serve(files, timeout=timeout, on_ready=on_ready, on_request=on_request)


def _routes(files: SharedFiles) -> dict[str, Route]:
    def route(name: str, path: Path, download: bool = False) -> tuple[str, Route]:
        content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        return name, Route(name, path, content_type, download)

    return dict([
        route("", files.page),
        route(files.sheet.name, files.sheet),
        route(files.audio.name, files.audio),
        route(f"{DOWNLOAD_FOLDER}/{files.audio.name}", files.audio, download=True),
    ])


def _bind(host: str, port: int, token: str) -> ShareHTTPServer:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return ShareHTTPServer((host, port), family, token)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ShareOptionError(
                f"port {port} is in use on {host}; choose another port, or 0 for a free one"
            ) from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise ShareOptionError(
                f"no network interface of this computer has the address {host}; choose one "
                "that `ip -brief address` lists, or leave the host out"
            ) from None
        if error.errno == errno.EACCES:
            raise ShareOptionError(
                f"port {port} is reserved for root; choose one from 1024 up, or 0 for a free one"
            ) from None
        if error.errno == errno.EAFNOSUPPORT:
            raise ShareOptionError(f"cannot serve on {host}: IPv6 is off here") from None
        raise ShareError(f"cannot serve on {host} port {port}: {error.strerror}") from None
