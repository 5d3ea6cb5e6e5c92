"""`export --split`: one file per chapter and an .m3u8 playlist, for players that ignore chapters.

The files are the single export's chapters: the intro (when the first move does not start at
0:00) and one file per move, the outro ending the last move's file. `-o hip.m4a --split` writes
hip-01-intro.m4a, hip-02-clamshell.m4a, ... and hip.m3u8 beside them: UTF-8, relative names,
an #EXTINF line with each file's length in seconds and its title. Every file carries the
session's tags, its own title and its track number, and the cover; each is read back by
ffprobe like a single export. The set is written atomically (output/atomic_set.py): all the
files take their names together, or none does. Once they have, the tracks of an earlier set
that the new one has not (a move renamed or taken out since) are removed: only regular files
the earlier playlist named, named as tracks are.
"""

from __future__ import annotations

import contextlib
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voiceguide.errors import ExportDestinationError, ExportError
from voiceguide.output.atomic import PartialFiles, shown
from voiceguide.output.atomic_set import Writer, write_set_atomically
from voiceguide.output.chapters import Chapter, chapters_for
from voiceguide.output.cover import cover_png
from voiceguide.output.ffmpeg import Piece, check_encoded, encode
from voiceguide.output.file_tags import session_tags, track_tags
from voiceguide.timeline import Timeline

PLAYLIST = ".m3u8"
_SLUG_LENGTH = 40  # characters of a title in a file name
_MOVE_NUMBER = re.compile(r"^Move \d+: ")  # the track number says it already

Progress = Callable[[int, int], None]
Pcm = npt.NDArray[np.int16]


def playlist_path(destination: Path) -> Path:
    """hip.m4a -> hip.m3u8, beside it."""
    return destination.with_suffix(PLAYLIST)


def track_paths(destination: Path, chapters: list[Chapter]) -> list[Path]:
    """hip.m4a -> hip-01-intro.m4a, hip-02-clamshell.m4a, ...: sorted as played."""
    width = max(2, len(str(len(chapters))))
    return [destination.with_name(f"{destination.stem}-{number:0{width}d}-{_slug(chapter.title)}"
                                  f"{destination.suffix}")
            for number, chapter in enumerate(chapters, start=1)]


def playlist_text(title: str, tracks: list[tuple[Path, Chapter]], sample_rate: int) -> str:
    """The extended M3U playlist: the tracks by relative name, each with length and title."""
    lines = ["#EXTM3U", f"#PLAYLIST:{title}"]
    for path, chapter in tracks:
        seconds = round((chapter.end - chapter.start) / sample_rate)
        lines += [f"#EXTINF:{seconds},{chapter.title}", path.name]
    return "\n".join(lines) + "\n"


def export_split(
    timeline: Timeline,
    blocks: Iterable[Pcm],
    destination: Path,
    *,
    author: str | None,
    progress: Progress | None,
) -> Path:
    """Write one file per chapter and the playlist; return the playlist's path."""
    chapters = chapters_for(timeline)
    paths = track_paths(destination, chapters)
    tags = session_tags(timeline, author)
    cover = cover_png(timeline.title)
    cutter = _Cutter(blocks)
    writers: list[tuple[Path, Writer]] = []
    for number, (path, chapter) in enumerate(zip(paths, chapters, strict=True), start=1):
        piece = Piece(chapter.end - chapter.start, timeline.sample_rate,
                      track_tags(tags, chapter.title, number, len(chapters)), (), cover)
        writers.append((path, _track_writer(piece, chapter.start, timeline.duration, path,
                                            cutter, progress)))
    playlist = playlist_path(destination)
    text = playlist_text(timeline.title, list(zip(paths, chapters, strict=True)),
                         timeline.sample_rate)
    writers.append((playlist, _text_writer(text)))
    stale = _earlier_tracks(playlist, destination, set(paths))
    write_set_atomically(writers, failure=ExportError, refused=ExportDestinationError,
                         space_advice="free some space, or export to another disk")
    # the routine had other moves when the set was made before: their files would still sit
    # beside the new set (and on a phone that syncs the folder) though no playlist names them
    for path in stale:
        with contextlib.suppress(OSError):
            path.unlink()
    return playlist


def _track_writer(
    piece: Piece, offset: int, total: int, path: Path, cutter: _Cutter, progress: Progress | None
) -> Writer:
    def write(files: PartialFiles) -> None:
        def report(done: int, _: int) -> None:
            if progress is not None:
                progress(offset + done, total)

        written = encode(piece, cutter.take(piece.frames), files, path, report)
        if written != piece.frames:
            raise ExportError(
                f"cannot export to {shown(path)}: rendered {written} of {piece.frames} frames"
            )
        check_encoded(files, piece, path)

    return write


def _earlier_tracks(playlist: Path, destination: Path, kept: set[Path]) -> list[Path]:
    """The tracks the playlist at `playlist` names, from an earlier split export to the same
    destination, that the new set does not: only regular files beside it named as this
    export names its tracks (stem-NN-title.suffix), never anything else the playlist lists."""
    try:
        if not stat.S_ISREG(playlist.lstat().st_mode):
            return []
        lines = playlist.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    named = re.compile(
        rf"{re.escape(destination.stem)}-\d{{2,}}-[\w-]+{re.escape(destination.suffix)}"
    )
    stale = []
    for line in lines:
        if named.fullmatch(line) is None:
            continue
        path = destination.with_name(line)
        if path in kept:
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISREG(path.lstat().st_mode):
                stale.append(path)
    return stale


def _text_writer(text: str) -> Writer:
    data = text.encode("utf-8")

    def write(files: PartialFiles) -> None:
        with files.path.open("wb") as file:
            file.write(data)

    return write


def _slug(title: str) -> str:
    """A title as part of a file name: lower-case words joined by "-", at most 40 characters."""
    words = re.findall(r"\w+", _MOVE_NUMBER.sub("", title).lower())
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > _SLUG_LENGTH:
            slug = slug or word[:_SLUG_LENGTH]
            break
        slug = longer
    return slug or "part"


class _Cutter:
    """The rendered blocks, cut where the chapters end."""

    def __init__(self, blocks: Iterable[Pcm]) -> None:
        self._blocks = iter(blocks)
        self._left: Pcm = np.zeros(0, np.int16)

    def take(self, frames: int) -> Iterator[Pcm]:
        """The next `frames` frames (fewer when the blocks run out)."""
        while frames > 0:
            if not len(self._left):
                block = next(self._blocks, None)
                if block is None:
                    return
                self._left = np.asarray(block)
                continue
            part, self._left = self._left[:frames], self._left[frames:]
            frames -= len(part)
            yield part
