"""The HTTP side of a share: what each request gets, and every connection closed at the end.

The standard library's threading HTTP server does the protocol. Requests are looked up in a
table of routes (never mapped onto the file system): a token compared in constant time, then a
name, exactly; anything else is 404, any method but GET and HEAD is 405. Files are sent whole or
as one byte range; the server counts the bytes of the download that went out and says when all
of them did.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import TCPServer
from typing import Any, BinaryIO, cast

from voiceguide.share.address import url_host
from voiceguide.share.ranges import ByteRange, Coverage, Unsatisfiable, parse_range

# the page and the sheet: inline CSS and SVG, media from this server, nothing else
_PAGE_POLICY = (
    "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'"
)
_CHUNK = 64 * 1024
_IDLE_SECONDS = 30  # a connection that sends nothing for this long is closed
_JOIN_SECONDS = 10  # how long stopping waits for connections still closing


@dataclass(frozen=True)
class Request:
    """One request answered, for a caller that shows what the phone does."""

    client: str
    method: str
    name: str | None  # what was asked for: "" the page, "sheet.html", ...; None: nothing (404)
    status: int
    sent: tuple[int, int] | None  # the bytes [start, end) that went out, for a GET of a file


OnRequest = Callable[[Request], None]


@dataclass(frozen=True)
class Route:
    """A URL that answers (its name after the token) and the file it sends."""

    name: str
    path: Path
    content_type: str
    download: bool  # sent as an attachment; sending all of it ends serving


class ShareHTTPServer(ThreadingHTTPServer):
    """The standard threading server, plus the routes and the bookkeeping of one share."""

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily, token: str):
        self.address_family = family
        self.token = token
        self.routes: dict[str, Route] = {}
        self.on_request: OnRequest | None = None
        self.wake = threading.Event()  # the download is complete, or the caller stops serving
        self.downloaded = False
        self.client: str | None = None
        self._lock = threading.Lock()
        self._coverage: dict[Path, Coverage] = {}
        self._open: dict[threading.Thread, socket.socket] = {}  # connections being handled
        self._finishing: set[threading.Thread] = set()  # the one that completed the download
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the address up in DNS (getfqdn): no traffic, no delay
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.host_for_urls, self.server_address[1]

    @property
    def host_for_urls(self) -> str:
        return url_host(str(self.server_address[0]))

    def route(self, raw_path: str) -> Route | None:
        """The route a request path names, or None (404): the token first, compared in
        constant time, then the name after it, exactly."""
        path = raw_path.split("?", 1)[0]
        if not path.startswith("/"):
            return None
        token, slash, name = path[1:].partition("/")
        if not slash or not secrets.compare_digest(token.encode(), self.token.encode()):
            return None
        return self.routes.get(name)

    def sent(self, route: Route, client: str, start: int, end: int, size: int) -> bool:
        """Note bytes sent; True when this completed the download (serving then ends)."""
        if not route.download or self.downloaded:
            return False
        with self._lock:
            coverage = self._coverage.setdefault(route.path, Coverage(size))
            coverage.add(start, end)
            if not coverage.complete:
                return False
            self.client = client
            self.downloaded = True
            self._finishing.add(threading.current_thread())
        self.wake.set()
        return True

    # -- connections: each in its own thread, all closed when serving ends -------------------

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._handle, args=(request, client_address), daemon=True
        )
        with self._lock:
            self._open[thread] = request
        thread.start()

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._open.pop(threading.current_thread(), None)

    def close_connections(self) -> None:
        """End every connection still open (idle keep-alives, a player streaming), except the
        one that completed the download, which closes by itself once its last byte is out."""
        with self._lock:
            threads = list(self._open)
            cut = [conn for thread, conn in self._open.items() if thread not in self._finishing]
        for connection in cut:
            with contextlib.suppress(OSError):  # already closed by its client
                connection.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(_JOIN_SECONDS)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that misbehaves loses its connection; the library never prints


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a player seeks with many small range requests
    server_version = "voiceguide"
    sys_version = ""
    timeout = _IDLE_SECONDS

    @property
    def share(self) -> ShareHTTPServer:
        return cast(ShareHTTPServer, self.server)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.command in ("GET", "HEAD"):
            return True
        self.close_connection = True  # its body, if any, is not read
        self._plain(405, "method not allowed", {"Allow": "GET, HEAD"})
        self._tell(None, 405, None)
        return False

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the library never prints; on_request tells the caller

    def version_string(self) -> str:
        return self.server_version  # no Python version for the whole network to read

    def _tell(self, route: Route | None, status: int, sent: tuple[int, int] | None) -> None:
        if self.share.on_request is not None:
            name = None if route is None else route.name
            client = str(self.client_address[0])
            self.share.on_request(Request(client, self.command, name, status, sent))

    def _respond(self, *, send_body: bool) -> None:
        # the path as sent: self.path has had leading slashes merged ("//x" -> "/x")
        route = self.share.route(self.requestline.split(" ")[1])
        if route is None:
            self._plain(404, "not found")
            self._tell(None, 404, None)
            return
        with route.path.open("rb") as file:
            status = os.fstat(file.fileno())
            size = status.st_size
            tag = f'"{size:x}-{status.st_mtime_ns:x}"'
            try:
                wanted = parse_range(self.headers.get("Range"), size)
            except Unsatisfiable:
                self._plain(416, "range not satisfiable", {"Content-Range": f"bytes */{size}"})
                self._tell(route, 416, None)
                return
            if wanted is not None and self.headers.get("If-Range", tag) != tag:
                wanted = None  # the client's copy is of another file: send this one whole
            part = wanted or ByteRange(0, size)
            self.send_response(206 if wanted else 200)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(part.end - part.start))
            if wanted:
                self.send_header("Content-Range", wanted.content_range(size))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", tag)
            if route.download:
                self.send_header("Content-Disposition", f'attachment; filename="{route.path.name}"')
            if route.content_type.startswith("text/html"):
                self.send_header("Content-Security-Policy", _PAGE_POLICY)
            self._common_headers()
            self.end_headers()
            if not send_body:
                self._tell(route, 206 if wanted else 200, None)
                return
            sent = self._copy(file, part)
        client = str(self.client_address[0])
        if self.share.sent(route, client, part.start, part.start + sent, size):
            self.close_connection = True
        self._tell(route, 206 if wanted else 200, (part.start, part.start + sent))

    def _copy(self, file: BinaryIO, part: ByteRange) -> int:
        """Send the part; the bytes that went out (fewer when the client went away)."""
        file.seek(part.start)
        sent = 0
        while sent < part.end - part.start:
            chunk = file.read(min(_CHUNK, part.end - part.start - sent))
            if not chunk:
                break
            try:
                self.wfile.write(chunk)
            except OSError:  # the client closed, reset or stalled: the rest is not sent
                self.close_connection = True
                break
            sent += len(chunk)
        return sent

    def _plain(self, code: int, text: str, headers: dict[str, str] | None = None) -> None:
        body = f"{text}\n".encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self._common_headers()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _common_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
