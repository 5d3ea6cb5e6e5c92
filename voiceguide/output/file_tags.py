"""The tags that file an exported session in a phone's music or audiobook library.

Players sort by artist and album and show the genre, the year and a comment: the artist is the
routine's author (the script's `author` key), or "voiceguide" when the script names none; the
album is the routine's title, so a session split into files stays one album; the year is the
year the file is made (UTC), or that of SOURCE_DATE_EPOCH when it is set, so that two exports
of one routine made for a release are the same bytes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from voiceguide.timeline import Timeline

DEFAULT_ARTIST = "voiceguide"
GENRE = "Fitness"


@dataclass(frozen=True)
class FileTags:
    """The tags of one exported file (a whole session, or one move of a split one)."""

    title: str
    artist: str
    album: str
    genre: str
    year: str
    comment: str
    track: str | None = None  # "2/5" in a split session

    def ffmpeg_keys(self) -> list[tuple[str, str]]:
        """(ffmetadata key, value): ffmpeg writes them as ID3 frames or m4a atoms."""
        keys = [
            ("title", self.title),
            ("artist", self.artist),
            ("album_artist", self.artist),
            ("album", self.album),
            ("genre", self.genre),
            ("date", self.year),
            ("comment", self.comment),
        ]
        if self.track is not None:
            keys.append(("track", self.track))
        return [(key, value) for key, value in keys if value]


def session_tags(timeline: Timeline, author: str | None) -> FileTags:
    """The tags of a whole session: its title, the author, and the one-line summary."""
    return FileTags(
        title=timeline.title,
        artist=author or DEFAULT_ARTIST,
        album=timeline.title,
        genre=GENRE,
        year=export_year(),
        comment=timeline.summary,
    )


def track_tags(session: FileTags, title: str, number: int, total: int) -> FileTags:
    """The tags of one file of a split session: its own title and its place in the album."""
    return FileTags(
        title=title,
        artist=session.artist,
        album=session.album,
        genre=session.genre,
        year=session.year,
        comment=session.comment,
        track=f"{number}/{total}",
    )


def export_year() -> str:
    """This year (UTC), or the year of SOURCE_DATE_EPOCH (reproducible builds) when valid."""
    seconds = time.time()
    pinned = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if pinned.isdigit():
        seconds = float(int(pinned))
    try:
        return str(time.gmtime(seconds).tm_year)
    except (OverflowError, OSError, ValueError):  # an epoch past what the platform can show
        return str(time.gmtime().tm_year)
