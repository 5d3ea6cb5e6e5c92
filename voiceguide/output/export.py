"""Export a session as one audio file (.wav directly, .m4a, .m4b and .mp3 through ffmpeg), or
as one file per move and a playlist (output/split.py).

The format follows the extension. The file is written atomically (output/atomic.py): it grows
under a hidden name next to the destination and takes the destination's name only when it is
complete and checked, so an earlier file stays as it was on any error, Ctrl-C, SIGTERM or
SIGHUP. WAV files carry markers and tags, m4a/m4b/mp3 chapters, tags and a cover
(output/chapters.py, output/file_tags.py, output/cover.py).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voiceguide.errors import ExportDestinationError, ExportError
from voiceguide.output.atomic import (
    PartialFiles,
    check_folder_writable,
    containing_folder,
    destination_refusal,
    shown,
    write_atomically,
)
from voiceguide.output.chapters import chapters_for, markers_for, tags_for
from voiceguide.output.cover import cover_png
from voiceguide.output.ffmpeg import ENCODINGS, Piece, check_encoded, encode, missing_tool
from voiceguide.output.file_tags import session_tags
from voiceguide.output.split import export_split, playlist_path
from voiceguide.output.wav_writer import WavWriter, check_wav_fits, wav_size
from voiceguide.render import ClipSource, render_blocks
from voiceguide.timeline import Timeline

EXTENSIONS = (".wav", *ENCODINGS)
SPLIT_EXTENSIONS = (".m4a", ".mp3")
_SPLIT_REFUSALS = {
    ".wav": "a WAV per move is large and carries no tags a phone reads",
    ".m4b": "an audiobook is one file with chapters",
}
# what a full disk's message suggests; a .wav is about four times the size of an .m4a
_SPACE_ADVICE = {
    ".wav": "free some space, export to another disk, or export .m4a (about a quarter of the size)",
    ".m4a": "free some space, or export to another disk",
    ".m4b": "free some space, or export to another disk",
    ".mp3": "free some space, or export to another disk",
}

Progress = Callable[[int, int], None]
Pcm = npt.NDArray[np.int16]
Destination = str | os.PathLike[str]


def check_destination(destination: Destination, *, split: bool = False) -> None:
    """Refuse a destination that cannot work, before any audio is made.

    An unknown extension, a folder, a symbolic link, a FIFO or a device, a missing folder or a
    name too long is bad input (ExportDestinationError, exit status 2); no ffmpeg for
    .m4a/.m4b/.mp3 or a folder that cannot be written is an ExportError (exit status 1). With
    `split`, only .m4a and .mp3 will do, and the playlist's name is checked too.
    """
    path = Path(destination)
    suffix = path.suffix.lower()
    allowed = _listed(EXTENSIONS)
    if not suffix:
        raise ExportDestinationError(
            f"cannot export to {shown(destination)}: the extension picks the format; "
            f"use {allowed}"
        )
    if suffix not in EXTENSIONS:
        raise ExportDestinationError(
            f"cannot export to {shown(destination)}: unknown extension {suffix}; use {allowed}"
        )
    if split and suffix not in SPLIT_EXTENSIONS:
        raise ExportDestinationError(
            f"cannot split into {suffix} files: {_SPLIT_REFUSALS[suffix]}; use "
            f"{_listed(SPLIT_EXTENSIONS)} with --split"
        )
    if _is_folder(path):
        raise ExportDestinationError(
            f"cannot export to {shown(destination)}: it is a folder; give a file name such as "
            f"{shown(path / ('session' + suffix))}"
        )
    names = [playlist_path(path)] if split else [destination]
    for name in names:
        refusal = destination_refusal(name, overwrite=True, verb="export to")
        if refusal is not None:
            raise ExportDestinationError(refusal)
    if suffix in ENCODINGS and (missing := missing_tool(suffix)) is not None:
        raise ExportError(missing)
    check_folder_writable(containing_folder(path), ExportError)


def _listed(extensions: tuple[str, ...]) -> str:
    return ", ".join(extensions[:-1]) + " or " + extensions[-1]


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False  # no such name, or one too long: the checks below say which


def export_session(
    timeline: Timeline,
    clips: ClipSource,
    destination: Destination,
    *,
    author: str | None = None,
    split: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Render the session into `destination` (.wav, .m4a, .m4b or .mp3) and return its path.

    `author` is the artist tag (the routine's author). With `split`, one file per chapter
    and a playlist are written beside `destination` (output/split.py); the playlist's path is
    returned. progress(done, total) is called after each rendered block, in frames.
    """
    check_destination(destination, split=split)
    if Path(destination).suffix.lower() == ".wav":
        check_wav_fits(timeline.duration, timeline.sample_rate, markers_for(timeline),
                       tags_for(timeline, author))
    # blocks are rendered lazily, one at a time, as the file is written
    blocks = render_blocks(timeline, clips)
    if split:
        return export_split(timeline, blocks, Path(destination), author=author,
                            progress=progress)
    return _export(timeline, blocks, destination, progress, author)


def export_blocks(
    timeline: Timeline,
    blocks: Iterable[Pcm],
    destination: Destination,
    *,
    progress: Progress | None = None,
) -> Path:
    """Write int16 blocks covering [0, duration) of the timeline atomically to destination."""
    check_destination(destination)
    return _export(timeline, blocks, destination, progress, None)


def session_piece(timeline: Timeline, author: str | None) -> Piece:
    """The whole session as one m4a, m4b or mp3: its tags, a chapter per move, the cover."""
    return Piece(timeline.duration, timeline.sample_rate, session_tags(timeline, author),
                 tuple(chapters_for(timeline)), cover_png(timeline.title))


def _export(
    timeline: Timeline,
    blocks: Iterable[Pcm],
    destination: Destination,
    progress: Progress | None,
    author: str | None,
) -> Path:
    path = Path(destination)

    def write(files: PartialFiles) -> None:
        if path.suffix.lower() == ".wav":
            written = _write_wav(timeline, blocks, files.path, path, progress, author)
            check_complete(written, timeline.duration, path)
        else:
            piece = session_piece(timeline, author)
            written = encode(piece, blocks, files, path, progress)
            check_complete(written, timeline.duration, path)
            check_encoded(files, piece, path)

    return write_atomically(destination, write, failure=ExportError,
                            refused=ExportDestinationError,
                            space_advice=_SPACE_ADVICE[path.suffix.lower()])


def _write_wav(
    timeline: Timeline,
    blocks: Iterable[Pcm],
    partial: Path,
    destination: Path,
    progress: Progress | None,
    author: str | None,
) -> int:
    """Write the WAV file; return the frames written. Its size is checked against the plan."""
    markers, tags = markers_for(timeline), tags_for(timeline, author)
    with partial.open("wb", buffering=1 << 20) as file:
        writer = WavWriter(file, timeline.sample_rate, timeline.duration, markers, tags)
        for block in blocks:
            writer.write(block)
            if progress is not None:
                progress(writer.frames_written, timeline.duration)
        writer.close()
        size = os.fstat(file.fileno()).st_size
    expected = wav_size(writer.frames_written, markers, tags)
    if size != expected:
        raise ExportError(
            f"cannot write {shown(destination)}: the file holds {size} bytes, not {expected}"
        )
    return writer.frames_written


def check_complete(written: int, expected: int, destination: Path) -> None:
    if written != expected:
        raise ExportError(
            f"cannot export to {shown(destination)}: rendered {written} of {expected} frames"
        )
