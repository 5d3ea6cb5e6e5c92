"""The files a share serves, made from a session in a folder: the audio, the sheet, the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.errors import ShareOptionError
from voiceguide.share.page import share_page_html
from voiceguide.share.server import CONTENT_TYPES, SharedFiles

if TYPE_CHECKING:
    from voiceguide.session import Session

FORMATS = ("m4a", "mp3", "wav")
SHEET_NAME = "sheet.html"
PAGE_NAME = "index.html"


def check_format(audio_format: str) -> str:
    """The format as an extension without its dot; refuses any but m4a, mp3 and wav.

    Example:
        >>> voiceguide.share.check_format(".MP3")
        'mp3'
    """
    wanted = audio_format.strip().lower().removeprefix(".")
    if wanted not in FORMATS:
        raise ShareOptionError(
            f'unknown format "{audio_format}"; use m4a (small, one chapter per move), '
            "mp3 or wav"
        )
    return wanted


def audio_name(source: str, audio_format: str) -> str:
    """The file name the phone sees: the script's name ("hip-mobility.m4a"), in URL-safe
    characters only, so the name is also the URL path without any escaping.

    Example:
        >>> voiceguide.share.audio_name("routines/Knee routine.toml", "m4a")
        'Knee-routine.m4a'
    """
    stem = Path(source).name.removesuffix(".toml")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-")
    return f"{safe or 'session'}.{check_format(audio_format)}"


def make_shared_files(
    session: Session,
    folder: Path,
    audio_format: str = "m4a",
    *,
    progress: Callable[[int, int], None] | None = None,
) -> SharedFiles:
    """Export the session, write its sheet and its page into `folder` (which should be
    private: an empty temporary folder); returns the three paths.

    Example:
        >>> session = voiceguide.load("tabata")                                  # doctest: +SKIP
        >>> files = voiceguide.share.make_shared_files(session, folder, "mp3")   # doctest: +SKIP
        >>> files.audio.name                                                     # doctest: +SKIP
        'tabata.mp3'
    """
    audio = session.export(folder / audio_name(session.source, audio_format), progress=progress)
    sheet = session.write_sheet(folder / SHEET_NAME)
    page = folder / PAGE_NAME
    html = share_page_html(
        session.title, session.seconds, audio.name, CONTENT_TYPES[audio.suffix],
        audio.stat().st_size, sheet.name,
    )
    page.write_text(html, encoding="utf-8")
    return SharedFiles(page=page, audio=audio, sheet=sheet)
