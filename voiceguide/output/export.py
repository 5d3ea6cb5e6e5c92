"""Export a session as one audio file: .wav directly, .m4a and .mp3 through ffmpeg.

The format follows the extension. The file is written atomically (output/atomic.py): it grows
under a hidden name next to the destination and takes the destination's name only when it is
complete and checked, so an earlier file stays as it was on any error, Ctrl-C, SIGTERM or
SIGHUP. WAV files carry markers and tags, m4a/mp3 chapters and tags (output/chapters.py).
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
from voiceguide.output.chapters import markers_for, tags_for
from voiceguide.output.ffmpeg import ENCODINGS, check_encoded, encode, missing_tool
from voiceguide.output.wav_writer import WavWriter, check_wav_fits, wav_size
from voiceguide.render import ClipSource, render_blocks
from voiceguide.timeline import Timeline

EXTENSIONS = (".wav", *ENCODINGS)
# what a full disk's message suggests; a .wav is about four times the size of an .m4a
_SPACE_ADVICE = {
    ".wav": "free some space, export to another disk, or export .m4a (about a quarter of the size)",
    ".m4a": "free some space, or export to another disk",
    ".mp3": "free some space, or export to another disk",
}

Progress = Callable[[int, int], None]
Pcm = npt.NDArray[np.int16]
Destination = str | os.PathLike[str]


def check_destination(destination: Destination) -> None:
    """Refuse a destination that cannot work, before any audio is made.

    An unknown extension, a folder, a symbolic link, a FIFO or a device, a missing folder or a
    name too long is bad input (ExportDestinationError, exit status 2); no ffmpeg for .m4a/.mp3
    or a folder that cannot be written is an ExportError (exit status 1).
    """
    path = Path(destination)
    suffix = path.suffix.lower()
    allowed = ", ".join(EXTENSIONS[:-1]) + " or " + EXTENSIONS[-1]
    if not suffix:
        raise ExportDestinationError(
            f"cannot export to {shown(destination)}: the extension picks the format; "
            f"use {allowed}"
        )
    if suffix not in EXTENSIONS:
        raise ExportDestinationError(
            f"cannot export to {shown(destination)}: unknown extension {suffix}; use {allowed}"
        )
    if _is_folder(path):
        raise ExportDestinationError(
            f"cannot export to {shown(destination)}: it is a folder; give a file name such as "
            f"{shown(path / ('session' + suffix))}"
        )
    refusal = destination_refusal(destination, overwrite=True, verb="export to")
    if refusal is not None:
        raise ExportDestinationError(refusal)
    if suffix in ENCODINGS and (missing := missing_tool(suffix)) is not None:
        raise ExportError(missing)
    check_folder_writable(containing_folder(path), ExportError)


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
    progress: Progress | None = None,
) -> Path:
    """Render the session into `destination` (.wav, .m4a or .mp3) and return its path.

    progress(done, total) is called after each rendered block, in frames of the session.
    """
    check_destination(destination)
    if Path(destination).suffix.lower() == ".wav":
        check_wav_fits(timeline.duration, timeline.sample_rate, markers_for(timeline),
                       tags_for(timeline))
    # blocks are rendered lazily, one at a time, as the file is written
    blocks = render_blocks(timeline, clips)
    return _export(timeline, blocks, destination, progress)


def export_blocks(
    timeline: Timeline,
    blocks: Iterable[Pcm],
    destination: Destination,
    *,
    progress: Progress | None = None,
) -> Path:
    """Write int16 blocks covering [0, duration) of the timeline atomically to destination."""
    check_destination(destination)
    return _export(timeline, blocks, destination, progress)


def _export(
    timeline: Timeline, blocks: Iterable[Pcm], destination: Destination, progress: Progress | None
) -> Path:
    path = Path(destination)

    def write(files: PartialFiles) -> None:
        if path.suffix.lower() == ".wav":
            written = _write_wav(timeline, blocks, files.path, path, progress)
            _check_complete(written, timeline.duration, path)
        else:
            written = encode(timeline, blocks, files, path, progress)
            _check_complete(written, timeline.duration, path)
            check_encoded(files, timeline, path)

    return write_atomically(destination, write, failure=ExportError,
                            refused=ExportDestinationError,
                            space_advice=_SPACE_ADVICE[path.suffix.lower()])


def _write_wav(
    timeline: Timeline,
    blocks: Iterable[Pcm],
    partial: Path,
    destination: Path,
    progress: Progress | None,
) -> int:
    """Write the WAV file; return the frames written. Its size is checked against the plan."""
    markers, tags = markers_for(timeline), tags_for(timeline)
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


def _check_complete(written: int, expected: int, destination: Path) -> None:
    if written != expected:
        raise ExportError(
            f"cannot export to {shown(destination)}: rendered {written} of {expected} frames"
        )
