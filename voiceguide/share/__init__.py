"""Send a session to a phone: export it, then serve it once over HTTP on the local network.

    >>> import pathlib, tempfile, voiceguide, voiceguide.share
    >>> session = voiceguide.load("hip-mobility")                  # doctest: +SKIP
    >>> with tempfile.TemporaryDirectory() as folder:              # doctest: +SKIP
    ...     files = voiceguide.share.make_shared_files(session, pathlib.Path(folder))
    ...     host = voiceguide.share.local_address() or "127.0.0.1"
    ...     result = voiceguide.share.serve_once(files, host=host, on_ready=print)
    http://192.168.1.20:41234/3q2-7wLk.../
    >>> result.downloaded                                          # doctest: +SKIP
    True

The phone opens the printed URL: a page with a player, a download link and the session sheet.
Serving ends when the download is complete or after `timeout` seconds (10 minutes by default).
"""

from voiceguide.errors import ShareError, ShareOptionError
from voiceguide.share.address import local_address, parse_host, parse_port, url_host
from voiceguide.share.bundle import FORMATS, audio_name, check_format, make_shared_files
from voiceguide.share.httpd import Request
from voiceguide.share.server import SharedFiles, ShareResult, ShareServer, serve_once

__all__ = [
    "FORMATS",
    "Request",
    "ShareError",
    "ShareOptionError",
    "ShareResult",
    "ShareServer",
    "SharedFiles",
    "audio_name",
    "check_format",
    "local_address",
    "make_shared_files",
    "parse_host",
    "parse_port",
    "serve_once",
    "url_host",
]
