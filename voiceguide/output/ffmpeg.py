"""m4a, m4b and mp3 through ffmpeg, and a look at what it wrote before the file takes its name.

The rendered PCM is piped straight into ffmpeg, so no intermediate WAV (and no 4 GiB limit) is
involved; chapters and tags come from an ffmetadata file, the cover from a PNG beside it. mp3 is
variable-bitrate (LAME -V 6: speech and silence need far fewer bits than 64 kbit/s of constant
rate gives them), and its comment is made a COMM frame afterwards (output/mp3_comment.py), since
ffmpeg writes it as a TXXX frame that players do not show. ffmpeg 5.1 exits 0 even when it could
not write the end of the file ("Error writing trailer: No space left on device"), so its status
is not enough: any message it prints at `-loglevel error` fails the export, and so does a file
that is empty, whose own structure declares another size than it has (the m4a's boxes, the
mp3's Info header: both are written last), or that ffprobe does not read back whole (codec,
every packet, the length, every chapter, the cover, the tags).
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from voiceguide.errors import ExportError
from voiceguide.output.atomic import PartialFiles, shown
from voiceguide.output.chapters import Chapter, ffmetadata
from voiceguide.output.file_tags import FileTags
from voiceguide.output.mp3_comment import put_comment

# extension -> ffmpeg muxer and encoder options; 64 kbit/s mono AAC is plenty for speech and
# beeps; LAME's -V 6 gives a bit over a third of the size of 64 kbit/s constant-rate mp3 for a
# session at spoken-word loudness (the hip routine: 2.7 MB for 15 min; -V 4 gave 46 %).
# ffmpeg's "fast" AAC coder, not its default "twoloop": on the hip routines it decodes closer to
# the session (32.1 vs 22.7 dB signal-to-error, German hip; true peak -2.3 vs -1.4 dBTP, English)
# for 3 % more bytes and a fifth of the time (2.1 s vs 10.7 s for 15 minutes)
_AAC = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "64k", "-f", "ipod"]
ENCODINGS: dict[str, list[str]] = {
    ".m4a": _AAC,
    # an .m4b is an m4a that Apple Books files as an audiobook (its extension, and stik = 2)
    ".m4b": _AAC,
    ".mp3": ["-c:a", "libmp3lame", "-q:a", "6", "-f", "mp3", "-id3v2_version", "3"],
}
_CODECS = {".m4a": "aac", ".m4b": "aac", ".mp3": "mp3"}
_AUDIOBOOK = [("media_type", "2")]  # the m4b's stik atom: Apple's "Audiobook" kind
_MP3_MAX_RATE = 48000
# a file read back may hold a priming packet and padding more than the audio needs
_EXTRA_PACKETS = 4

Progress = Callable[[int, int], None]
Pcm = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Piece:
    """One file for ffmpeg to make: its length, tags, chapters and cover."""

    frames: int
    sample_rate: int
    tags: FileTags
    chapters: tuple[Chapter, ...] = ()
    cover: bytes | None = None  # a PNG


def missing_tool(suffix: str) -> str | None:
    """What is missing to export `suffix` (one line), or None."""
    if shutil.which("ffmpeg") is None:
        return (f"exporting {suffix} needs ffmpeg: install it with sudo apt-get install ffmpeg, "
                "or export .wav")
    if shutil.which("ffprobe") is None:
        return (f"exporting {suffix} needs ffprobe, which comes with ffmpeg: install it with "
                "sudo apt-get install ffmpeg, or export .wav")
    return None


def encode(
    piece: Piece,
    blocks: Iterable[Pcm],
    files: PartialFiles,
    destination: Path,
    progress: Progress | None,
) -> int:
    """Encode the blocks into files.path; return the frames fed to ffmpeg.

    A full disk or a file-size limit is raised as OSError (ENOSPC, EFBIG), any other failure of
    ffmpeg as ExportError.
    """
    suffix = destination.suffix.lower()
    metadata = files.companion(".ffmeta")
    tags = piece.tags.ffmpeg_keys() + (_AUDIOBOOK if suffix == ".m4b" else [])
    metadata.write_text(ffmetadata(tags, piece.chapters, piece.sample_rate), encoding="utf-8")
    rate = piece.sample_rate
    command = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        # absolute paths voiceguide made: never read as an option or a protocol
        "-f", "ffmetadata", "-i", str(metadata.absolute()),
    ]
    cover = []
    if piece.cover is not None:
        picture = files.companion(".png")
        picture.write_bytes(piece.cover)
        # png_pipe: the path is a file, never a pattern ("%d") as the image2 demuxer reads it
        command += ["-f", "png_pipe", "-i", str(picture.absolute())]
        cover = ["-map", "2:v", "-c:v", "copy", "-disposition:v:0", "attached_pic"]
    command += ["-map", "0:a", *cover, "-map_metadata", "1", "-map_chapters", "1",
                *ENCODINGS[suffix]]
    if _output_rate(suffix, rate) != rate:
        command += ["-ar", str(_output_rate(suffix, rate))]
    command.append(str(files.path.absolute()))
    with tempfile.TemporaryFile() as errors:
        with files.held():  # a Ctrl-C now would leave ffmpeg running, unknown to anyone
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=errors, start_new_session=True)
            files.adopt(process)
        try:
            written = _feed(process.stdin, blocks, piece.frames, progress)
            process.wait()
        finally:
            if process.returncode is None:  # interrupted or failed: end ffmpeg before going on
                process.kill()
                process.wait()
            if process.stdin is not None:  # a render that failed left the pipe open
                with contextlib.suppress(OSError):
                    process.stdin.close()
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace")
    if process.returncode != 0 or message.strip():
        _raise_ffmpeg_error(process.returncode, message, destination)
    commented = suffix != ".mp3" or not piece.tags.comment or written != piece.frames
    if not commented and not put_comment(files.path, piece.tags.comment,
                                         files.companion(".id3")):
        raise _unreadable(destination, "its ID3 tag cannot be read")
    return written


def check_encoded(files: PartialFiles, piece: Piece, destination: Path) -> None:
    """Raise ExportError unless ffprobe reads the whole piece back from files.path."""
    suffix = destination.suffix.lower()
    size = files.path.stat().st_size
    if size == 0:
        raise ExportError(f"cannot export to {shown(destination)}: ffmpeg wrote an empty file")
    command = [
        "ffprobe", "-v", "error", "-count_packets", "-of", "json",
        "-show_entries",
        "format=duration,size:format_tags=title:stream=codec_type,codec_name,nb_read_packets"
        ":stream_disposition=attached_pic:chapter=id",
        str(files.path.absolute()),
    ]
    with files.held():
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
        files.adopt(process)
    out, err = process.communicate()
    problems = err.decode("utf-8", "replace").strip().splitlines()
    if process.returncode != 0 or problems:
        reason = problems[-1] if problems else f"ffprobe stopped with status {process.returncode}"
        raise _unreadable(destination, reason.replace(str(files.path.absolute()), "the file"))
    report: dict[str, Any] = json.loads(out)
    # m4a keeps its chapter titles in a data stream beside the audio
    streams = [found for found in report.get("streams", []) if found.get("codec_type") == "audio"]
    pictures = [found for found in report.get("streams", [])
                if found.get("disposition", {}).get("attached_pic") == 1]
    found = report.get("format", {})
    rate = _output_rate(suffix, piece.sample_rate)
    per_packet = _samples_per_packet(suffix, rate)
    expected = math.ceil(piece.frames * rate / piece.sample_rate / per_packet)
    seconds = piece.frames / piece.sample_rate
    if len(streams) != 1 or streams[0].get("codec_name") != _CODECS[suffix]:
        raise _unreadable(destination, f"expected one {_CODECS[suffix]} audio stream")
    if int(found.get("size", -1)) != size:
        raise _unreadable(destination, f"ffprobe read {found.get('size')} of {size} bytes")
    declared = declared_size(files.path, suffix)
    if declared is not None and declared != size:
        raise _unreadable(destination, f"it says it holds {declared} bytes, and {size} are there")
    packets = int(streams[0].get("nb_read_packets", 0))
    if not expected <= packets <= expected + _EXTRA_PACKETS:
        raise _unreadable(destination, f"{packets} audio packets where {expected} were sent")
    if abs(float(found.get("duration", 0)) - seconds) > _EXTRA_PACKETS * per_packet / rate:
        raise _unreadable(destination, f"it lasts {found.get('duration')} s, not {seconds:.3f} s")
    if len(report.get("chapters", [])) != len(piece.chapters):
        raise _unreadable(destination, "chapters are missing")
    if len(pictures) != (piece.cover is not None):
        raise _unreadable(destination, "the cover picture is missing")
    # the tags come last in an m4a: a file cut short in them still plays, without its title
    title = {key.lower(): value for key, value in found.get("tags", {}).items()}.get("title")
    if piece.tags.title and title != piece.tags.title:
        raise _unreadable(destination, "the title tag is missing")


def declared_size(path: Path, suffix: str) -> int | None:
    """The size the file's own structure gives, to compare with the size on disk.

    m4a: the top-level boxes, end to end (the moov box, written last, says how long it is).
    mp3: the ID3v2 tag plus the byte count of the Info/Xing header, which ffmpeg writes last.
    None when an mp3 has no such header (some other encoder): nothing to compare.
    """
    with path.open("rb") as file:
        on_disk = os.fstat(file.fileno()).st_size
        if suffix in (".m4a", ".m4b"):
            return _boxes_end(file, on_disk)
        return _mp3_declared_size(file)


def _boxes_end(file: IO[bytes], on_disk: int) -> int:
    offset = 0
    while offset < on_disk:
        file.seek(offset)
        header = file.read(16)
        if len(header) < 8:
            return offset + 8  # a box header cut short
        size = int.from_bytes(header[:4], "big")
        if size == 1 and len(header) == 16:  # a 64-bit size follows the type
            size = int.from_bytes(header[8:16], "big")
        elif size == 0:  # the box runs to the end of the file
            size = on_disk - offset
        if size < 8:
            return -1  # not boxes at all
        offset += size
    return offset


def _mp3_declared_size(file: IO[bytes]) -> int | None:
    head = file.read(10)
    start = 0
    if head[:3] == b"ID3" and len(head) == 10:
        # the tag's size is "syncsafe": 7 bits a byte; a footer adds 10 bytes
        start = 10 + sum(byte << (7 * (3 - index)) for index, byte in enumerate(head[6:10]))
        start += 10 if head[5] & 0x10 else 0
    file.seek(start)
    frame = file.read(64)
    for tag in (b"Info", b"Xing"):
        at = frame.find(tag, 4)
        if at >= 0 and len(frame) >= at + 16:
            flags = int.from_bytes(frame[at + 4:at + 8], "big")
            if not flags & 2:
                return None  # no byte count in this header
            field = at + 8 + (4 if flags & 1 else 0)  # after the frame count, if any
            return start + int.from_bytes(frame[field:field + 4], "big")
    return None


def _output_rate(suffix: str, rate: int) -> int:
    return min(rate, _MP3_MAX_RATE) if suffix == ".mp3" else rate


def _samples_per_packet(suffix: str, rate: int) -> int:
    if suffix in (".m4a", ".m4b"):
        return 1024
    return 1152 if rate >= 32000 else 576  # MPEG-1 layer III, or MPEG-2/2.5 below 32 kHz


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


def _raise_ffmpeg_error(status: int, stderr: str, destination: Path) -> None:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if status == -signal.SIGXFSZ or any("File too large" in line for line in lines):
        raise OSError(errno.EFBIG, "File too large")  # past the file size limit (ulimit -f)
    if any("No space left" in line for line in lines):
        raise OSError(errno.ENOSPC, "No space left on device")
    if any("Disk quota exceeded" in line for line in lines):
        raise OSError(errno.EDQUOT, "Disk quota exceeded")
    if lines:
        reason = lines[-1]
    elif status < 0:
        reason = f"it was stopped by {signal.Signals(-status).name}"
    else:
        reason = f"it stopped with status {status} and no message"
    raise ExportError(f"ffmpeg could not write {shown(destination)}: {reason}")


def _unreadable(destination: Path, reason: str) -> ExportError:
    return ExportError(
        f"cannot export to {shown(destination)}: the file ffmpeg made does not read back whole "
        f"({reason}); nothing was replaced"
    )
