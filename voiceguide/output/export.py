"""Export a session as one audio file: .wav directly, .m4a and .mp3 through ffmpeg.

The format follows the extension. Every export is atomic: the file grows under a hidden name
next to the destination (".hip.wav.partial-XXXXXXXX", same file system), is fsynced, and is
renamed over the destination only when complete. On an error, Ctrl-C or SIGTERM the partial
files are removed and an earlier file at the destination stays as it was; after a SIGKILL a
".partial-" file may remain, but the destination is never touched.

m4a/mp3 get their chapters (one per move) and tags from an ffmetadata file; the rendered PCM
is piped straight into ffmpeg, so no intermediate WAV (and no 4 GiB limit) is involved.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from voiceguide.errors import ExportDestinationError, ExportError
from voiceguide.output.atomic import containing_folder, final_mode
from voiceguide.output.wav_writer import Marker, Tags, WavWriter, check_wav_fits
from voiceguide.render import ClipSource, render_blocks
from voiceguide.timeline import Phase, Timeline

ARTIST = "voiceguide"
# extension -> ffmpeg muxer and encoder options; 64 kbit/s mono is plenty for speech and beeps
_ENCODINGS: dict[str, list[str]] = {
    ".m4a": ["-c:a", "aac", "-b:a", "64k", "-f", "ipod"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "-id3v2_version", "3"],
}
EXTENSIONS = (".wav", *_ENCODINGS)
_MP3_MAX_RATE = 48000

Progress = Callable[[int, int], None]
Pcm = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Chapter:
    start: int  # frames
    end: int
    title: str


# -- markers, chapters, tags --------------------------------------------------------------------


def markers_for(timeline: Timeline) -> list[Marker]:
    """A marker where every move starts (its first window) and at every work phase.

    Labels: "Move 2: Standing banded fire hydrant" and "Move 2: Standing banded fire hydrant,
    left, set 1"; side and set only where they apply, ", round 2" only with several rounds.
    """
    return [marker for _, marker in _marks(timeline)]


def chapters_for(timeline: Timeline) -> list[Chapter]:
    """One chapter per move (per round), from where the move starts to where the next starts.

    The intro before the first move is a chapter of its own, so the chapters cover the file
    from 0:00 (phone players list chapters from the start); the outro ends the last move's.
    """
    starts = [marker for move_start, marker in _marks(timeline) if move_start]
    chapters = []
    if starts and starts[0].frame > 0:
        chapters.append(Chapter(0, starts[0].frame, "Intro"))
    for index, marker in enumerate(starts):
        end = starts[index + 1].frame if index + 1 < len(starts) else timeline.duration
        chapters.append(Chapter(marker.frame, end, marker.label))
    return chapters


def _marks(timeline: Timeline) -> list[tuple[bool, Marker]]:
    """(starts a move, marker) for every move start and every work phase, in order."""
    many_rounds = any((phase.round or 1) > 1 for phase in timeline.phases)
    most_sets: dict[tuple[int | None, str | None], int] = {}
    for phase in timeline.phases:
        if phase.kind == "work":
            key = (phase.move_number, phase.move)
            most_sets[key] = max(most_sets.get(key, 1), phase.set or 1)
    marks = []
    started: set[tuple[int | None, int | None, str | None]] = set()
    before: Phase | None = None
    for phase in timeline.phases:
        if phase.kind == "work":
            if (phase.round, phase.move_number, phase.move) not in started:
                started.add((phase.round, phase.move_number, phase.move))
                # the move starts with the window that announces it
                opens = before.start if before is not None and before.kind == "window" else None
                frame = phase.start if opens is None else opens
                marks.append((True, Marker(frame, _label(phase, many_rounds))))
            several_sets = most_sets[(phase.move_number, phase.move)] > 1
            label = _label(phase, many_rounds, work=True, with_set=several_sets)
            marks.append((False, Marker(phase.start, label)))
        before = phase
    return marks


def _label(phase: Phase, many_rounds: bool, *, work: bool = False, with_set: bool = False) -> str:
    name = phase.move or "Move"
    parts = [f"Move {phase.move_number}: {name}" if phase.move_number else name]
    if work and phase.side:
        parts.append(phase.side)
    if work and with_set and phase.set:
        parts.append(f"set {phase.set}")
    if many_rounds and phase.round:
        parts.append(f"round {phase.round}")
    return ", ".join(parts)


def tags_for(timeline: Timeline) -> Tags:
    return Tags(title=timeline.title, artist=ARTIST, comment=timeline.summary)


def ffmetadata(timeline: Timeline) -> str:
    """An ffmetadata file: the tags and one [CHAPTER] per move, in frames of the session."""
    tags = tags_for(timeline)
    lines = [";FFMETADATA1"]
    lines += [f"{key}={_escape(value)}" for key, value in
              (("title", tags.title), ("artist", tags.artist), ("comment", tags.comment)) if value]
    for chapter in chapters_for(timeline):
        lines += [
            "",
            "[CHAPTER]",
            f"TIMEBASE=1/{timeline.sample_rate}",
            f"START={chapter.start}",
            f"END={chapter.end}",
            f"title={_escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    # ffmetadata: '=', ';', '#', '\' and newlines are escaped with a backslash
    for special in ("\\", "=", ";", "#", "\n"):
        value = value.replace(special, "\\" + special)
    return value


# -- the export ---------------------------------------------------------------------------------


def check_destination(destination: Path) -> None:
    """Refuse a destination that cannot work, before any audio is made.

    An unknown extension or a folder is bad input (ExportDestinationError, exit status 2); no
    ffmpeg for .m4a/.mp3 or a folder that cannot be written is an ExportError.
    """
    suffix = destination.suffix.lower()
    allowed = ", ".join(EXTENSIONS[:-1]) + " or " + EXTENSIONS[-1]
    if not suffix:
        raise ExportDestinationError(
            f"cannot export to {destination}: the extension picks the format; use {allowed}"
        )
    if suffix not in EXTENSIONS:
        raise ExportDestinationError(
            f"cannot export to {destination}: unknown extension {suffix}; use {allowed}"
        )
    if destination.is_dir():
        raise ExportDestinationError(
            f"cannot export to {destination}: it is a folder; give a file name such as "
            f"{destination / ('session' + suffix)}"
        )
    if suffix in _ENCODINGS and shutil.which("ffmpeg") is None:
        raise ExportError(
            f"exporting {suffix} needs ffmpeg: install it with sudo apt-get install ffmpeg, "
            "or export .wav"
        )
    folder = containing_folder(destination)
    if not folder.is_dir():
        raise ExportDestinationError(
            f"cannot export to {destination}: the folder {folder} does not exist"
        )
    try:
        # a nameless probe file (O_TMPFILE): nothing is left behind, whatever happens
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ExportError(f"cannot write to the folder {folder}: {error.strerror}") from None


def export_session(
    timeline: Timeline,
    clips: ClipSource,
    destination: Path,
    *,
    progress: Progress | None = None,
) -> Path:
    """Render the session into `destination` (.wav, .m4a or .mp3) and return its path.

    progress(done, total) is called after each rendered block, in frames of the session.
    """
    check_destination(destination)
    if destination.suffix.lower() == ".wav":
        check_wav_fits(timeline.duration, timeline.sample_rate, markers_for(timeline),
                       tags_for(timeline))
    # blocks are rendered lazily, one at a time, as the file is written
    blocks = render_blocks(timeline, clips)
    return _export(timeline, blocks, destination, progress)


def export_blocks(
    timeline: Timeline,
    blocks: Iterable[Pcm],
    destination: Path,
    *,
    progress: Progress | None = None,
) -> Path:
    """Write int16 blocks covering [0, duration) of the timeline atomically to destination."""
    check_destination(destination)
    return _export(timeline, blocks, destination, progress)


def _export(
    timeline: Timeline, blocks: Iterable[Pcm], destination: Path, progress: Progress | None
) -> Path:
    suffix = destination.suffix.lower()
    with _sigterm_cleans_up():
        created: list[Path] = []
        try:
            partial = _partial_file(destination, "", created)
            if suffix == ".wav":
                _write_wav(timeline, blocks, partial, destination, progress)
            else:
                metadata = _partial_file(destination, ".ffmeta", created)
                metadata.write_text(ffmetadata(timeline), encoding="utf-8")
                _encode(timeline, blocks, partial, metadata, destination, progress)
            _sync_file(partial)
            partial.chmod(final_mode(destination))
            os.replace(partial, destination)
        except OSError as error:
            raise _write_error(error, destination) from None
        finally:
            # a second Ctrl-C or a SIGTERM waits until the partial files are gone
            with _signals_held():
                for leftover in created:
                    with contextlib.suppress(OSError):
                        leftover.unlink(missing_ok=True)
    _sync_folder(containing_folder(destination))
    return destination


def _write_wav(
    timeline: Timeline,
    blocks: Iterable[Pcm],
    partial: Path,
    destination: Path,
    progress: Progress | None,
) -> None:
    with partial.open("wb", buffering=1 << 20) as file:
        writer = WavWriter(file, timeline.sample_rate, timeline.duration,
                           markers_for(timeline), tags_for(timeline))
        for block in blocks:
            writer.write(block)
            if progress is not None:
                progress(writer.frames_written, timeline.duration)
        writer.close()
        _check_complete(writer.frames_written, timeline.duration, destination)


def _encode(
    timeline: Timeline,
    blocks: Iterable[Pcm],
    partial: Path,
    metadata: Path,
    destination: Path,
    progress: Progress | None,
) -> None:
    """Pipe raw PCM into ffmpeg; chapters and tags come from the ffmetadata file."""
    suffix = destination.suffix.lower()
    rate = timeline.sample_rate
    command = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        "-f", "ffmetadata", "-i", str(metadata),
        "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
        *_ENCODINGS[suffix],
    ]
    if suffix == ".mp3" and rate > _MP3_MAX_RATE:
        command += ["-ar", str(_MP3_MAX_RATE)]
    command.append(str(partial))
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        try:
            written = _feed(process.stdin, blocks, timeline.duration, progress)
            process.wait()
        finally:
            if process.returncode is None:  # interrupted or failed: stop ffmpeg first
                with _signals_held():
                    process.kill()
                    process.wait()
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace")
            raise _ffmpeg_error(process.returncode, message, destination)
    _check_complete(written, timeline.duration, destination)


def _feed(
    pipe: IO[bytes] | None, blocks: Iterable[Pcm], total: int, progress: Progress | None
) -> int:
    """Write the blocks to ffmpeg's stdin; stop early if ffmpeg has gone (its error tells why)."""
    assert pipe is not None
    written = 0
    try:
        for block in blocks:
            samples = np.asarray(block)
            if samples.dtype != np.int16 or samples.ndim != 1:
                raise ValueError(f"expected 1-D int16 blocks, got {samples.ndim}-D {samples.dtype}")
            pipe.write(samples.astype("<i2", copy=False).tobytes())
            written += len(samples)
            if progress is not None:
                progress(written, total)
        pipe.close()
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            pipe.close()
    return written


def _check_complete(written: int, expected: int, destination: Path) -> None:
    if written != expected:
        raise ExportError(
            f"cannot export to {destination}: rendered {written} of {expected} frames"
        )


def _ffmpeg_error(status: int, stderr: str, destination: Path) -> ExportError:
    if status == -signal.SIGXFSZ:  # past the file size limit (ulimit -f)
        return _space_error(destination, "File too large")
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if any("No space left" in line or "File too large" in line for line in lines):
        return _space_error(destination, "No space left on device"
                            if any("No space left" in line for line in lines)
                            else "File too large")
    if lines:
        reason = lines[-1]
    elif status < 0:
        reason = f"it was stopped by {signal.Signals(-status).name}"
    else:
        reason = f"it stopped with status {status} and no message"
    return ExportError(f"ffmpeg could not write {destination}: {reason}")


def _write_error(error: OSError, destination: Path) -> ExportError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return _space_error(destination, error.strerror or "out of space")
    return ExportError(f"cannot write {destination}: {error.strerror or error}")


def _space_error(destination: Path, reason: str) -> ExportError:
    return ExportError(
        f"cannot write {destination}: {reason}; free some space, export to another disk, "
        "or export .m4a (about a quarter of the size)"
    )


# -- files --------------------------------------------------------------------------------------


def _partial_file(destination: Path, suffix: str, created: list[Path]) -> Path:
    """A new hidden file next to the destination: ".hip.wav.partial-XXXXXXXX<suffix>".

    It is added to `created` before any signal can interrupt, so the caller always removes it.
    """
    folder = containing_folder(destination)
    try:
        with _signals_held():
            handle, name = tempfile.mkstemp(
                prefix=f".{destination.name}.partial-", suffix=suffix, dir=folder
            )
            os.close(handle)
            created.append(Path(name))
    except OSError as error:
        raise ExportError(f"cannot write to the folder {folder}: {error.strerror}") from None
    return Path(name)


def _sync_file(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_folder(folder: Path) -> None:
    # makes the rename itself durable; some file systems refuse, and the file is in place anyway
    with contextlib.suppress(OSError):
        _sync_file(folder)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for a few steps that must not be cut in half."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class _Terminated(BaseException):
    """SIGTERM arrived during an export: unwind so the partial files are removed."""


@contextlib.contextmanager
def _sigterm_cleans_up() -> Iterator[None]:
    """While exporting, SIGTERM unwinds (cleaning up) and is then delivered as it would be.

    Only when SIGTERM has its default action and we are on the main thread; a handler the
    application set stays in charge.
    """
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
        os.kill(os.getpid(), signal.SIGTERM)  # the default action: the process ends
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
