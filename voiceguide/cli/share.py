"""`voiceguide share`: the session onto a phone in one step, through a QR code.

The command checks its options and binds the server first (a port in use is known before any
speech is made), exports into a private temporary folder, prints the QR code and the URL, and
serves until the download completes, the time limit passes or Ctrl-C. The QR code and the URL
go to stdout, everything else to stderr. `cli` registers this command; errors propagate to
`cli.main`, which prints them as one line.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from voiceguide.cli.completion import complete_script
from voiceguide.cli.options import load_session, session_options

if TYPE_CHECKING:
    from voiceguide.session import Session
    from voiceguide.share import Request, SharedFiles, ShareServer

MAX_TIMEOUT_SECONDS = 24 * 3600


@click.command()
@click.argument("script", shell_complete=complete_script)
@click.option(
    "--format", "audio_format", default="m4a", show_default=True, metavar="FORMAT",
    help="m4a (small, one chapter per move), mp3 or wav.",
)
@click.option(
    "--host", metavar="ADDRESS",
    help="The address to serve on. Default: this computer's address on the local network "
    "(the interface of the default route), or 127.0.0.1 when it has none.",
)
@click.option(
    "--port", default="0", metavar="PORT",
    help="The TCP port. Default: 0, a free one. A port in use is refused (exit status 2).",
)
@click.option(
    "--timeout", default="10m", show_default=True, metavar="DURATION",
    help="Stop when nobody has downloaded the file by then: 90 (seconds), 90s, 5m, 1:30.",
)
@session_options
def share(
    script: str,
    audio_format: str,
    host: str | None,
    port: str,
    timeout: str,
    voice: str | None,
    rate: int | None,
    sample_rate: str,
) -> None:
    """Send a session to a phone: scan the QR code, play or download it there.

    Exports the session into a private temporary folder and serves it once over HTTP on the
    local network. The phone's camera opens a page (on the same Wi-Fi) with the title, the
    length, a player, a download link and the session sheet. Only that page, the file and the
    sheet are served, behind a random token in the URL. It ends when the download is complete
    (exit status 0), when the time limit passes with no download (1), or with Ctrl-C (130).

    \b
    Example:
        voiceguide share hip-mobility
        voiceguide share hip-mobility --format mp3 --timeout 5m
        voiceguide share hip-mobility --host 192.168.1.20 --port 8000
    """
    from voiceguide.share import ShareServer, check_format, local_address, parse_host, parse_port

    audio_format = check_format(audio_format)
    seconds = _time_limit(timeout)
    port_number = parse_port(port)
    if host is None:
        host = local_address()
        if host is None:
            host = "127.0.0.1"
            click.echo(
                "no network found (no default route): serving on 127.0.0.1, for this computer "
                "only; --host chooses another address", err=True,
            )
    else:
        host = parse_host(host)
    with _sigterm_unwinds(), ShareServer(host, port_number) as server:
        session = load_session(script, voice, rate, sample_rate)
        with tempfile.TemporaryDirectory(prefix="voiceguide-share-") as folder:
            files = _prepare(session, Path(folder), audio_format)
            result = server.serve(
                files, timeout=seconds, on_ready=lambda url: _show(server, files, url, timeout),
                on_request=_page_opened(),
            )
    name = files.audio.name
    if result.downloaded:
        click.echo(f"sent {name} to {result.client}; stopped", err=True)
    else:
        click.echo(f"nobody downloaded {name} within {timeout}; stopped", err=True)
        raise click.exceptions.Exit(1)


def _time_limit(text: str) -> float:
    from voiceguide.share import ShareOptionError
    from voiceguide.units import parse_duration

    try:
        seconds = float(text) if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text) else parse_duration(text)
    except ValueError as error:
        raise ShareOptionError(f"--timeout: {error}") from None
    if not 0 < seconds <= MAX_TIMEOUT_SECONDS:
        raise ShareOptionError(f"--timeout {text}: give a time above 0 and up to 24h, such as 10m")
    return seconds


def _prepare(session: Session, folder: Path, audio_format: str) -> SharedFiles:
    """The shared files, with the export's progress bar when stderr is a terminal."""
    from voiceguide.share import make_shared_files

    if not sys.stderr.isatty():
        return make_shared_files(session, folder, audio_format)
    with click.progressbar(
        length=session.timeline.duration, label="Preparing", file=sys.stderr
    ) as bar:
        return make_shared_files(
            session, folder, audio_format, progress=lambda done, _: bar.update(done - bar.pos)
        )


def _show(server: ShareServer, files: SharedFiles, url: str, timeout: str) -> None:
    """The QR code and the URL on stdout; how to use them on stderr."""
    import segno

    size = files.audio.stat().st_size / 1_000_000
    click.echo(
        f"Scan the code with the phone's camera (the phone on the same network), or open the "
        f"URL. Serving {files.audio.name} ({size:.1f} MB) on {server.host} port {server.port} "
        f"until it is downloaded, at most {timeout}; Ctrl-C stops.", err=True,
    )
    # half-block characters, no colour codes: light modules are the terminal's foreground
    segno.make(url, error="m").terminal(out=sys.stdout, compact=True)
    click.echo(url)


def _page_opened() -> Callable[[Request], None]:
    """One line on stderr the first time each address opens the page: the phone got there."""
    seen: set[str] = set()

    def tell(request: Request) -> None:
        if request.name == "" and request.status == 200 and request.client not in seen:
            seen.add(request.client)
            click.echo(f"{request.client} opened the page", err=True)

    return tell


class _Terminated(BaseException):
    """SIGTERM while sharing: unwind, so the server closes and the temporary folder goes."""


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM unwinds the command, then ends the process as SIGTERM does by default."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def unwind(signum: int, frame: object) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, unwind)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
