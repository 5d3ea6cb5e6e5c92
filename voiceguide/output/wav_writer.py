"""A streaming WAV writer: 16-bit mono PCM with cue markers and INFO tags.

Layout: RIFF/WAVE, `fmt `, `data` (streamed), then `cue `, `LIST/adtl` (a `labl` per cue) and
`LIST/INFO`. The data chunk sits right after `fmt ` (the canonical 44-byte header) so naive
readers that assume it still play the file; ffmpeg 5.1's wav demuxer seeks past `data` and reads
`cue ` as chapters and `labl` as their titles, sox and Python's `wave` stop at `data`, and
wavinfo walks every chunk. Every size is known up front, so the header is right from the first
byte; `close` verifies the count and patches the sizes if fewer frames came than announced.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from voiceguide import __version__
from voiceguide.errors import ExportError
from voiceguide.units import format_clock

SOFTWARE = f"voiceguide {__version__}"

_RIFF_LIMIT = 0xFFFF_FFFF  # the RIFF size field is 32 bits: a file of at most 4 GiB + 8 bytes
_HEADER_BYTES = 44  # RIFF + WAVE + fmt chunk + data chunk header
_BYTES_PER_FRAME = 2  # 16-bit mono


@dataclass(frozen=True)
class Marker:
    """A named point in the audio: a cue point with a label."""

    frame: int
    label: str


@dataclass(frozen=True)
class Tags:
    """File tags: INAM, IART and ICMT in LIST/INFO (empty strings are left out)."""

    title: str
    artist: str
    comment: str


def wav_size(frames: int, markers: list[Marker], tags: Tags) -> int:
    """The size in bytes of the file WavWriter writes for these frames, markers and tags."""
    return _HEADER_BYTES + _padded(frames * _BYTES_PER_FRAME) + len(_trailer(markers, tags))


def check_wav_fits(frames: int, sample_rate: int, markers: list[Marker], tags: Tags) -> None:
    """Raise ExportError when the file would pass the 4 GiB RIFF limit."""
    size = wav_size(frames, markers, tags)
    if size - 8 <= _RIFF_LIMIT:
        return
    overhead = size - frames * _BYTES_PER_FRAME
    longest = (_RIFF_LIMIT + 8 - overhead) // _BYTES_PER_FRAME
    raise ExportError(
        f"the session is {format_clock(frames / sample_rate)} long, and a WAV file at "
        f"{sample_rate} Hz holds at most {format_clock(longest / sample_rate)} (the 4 GiB "
        "limit of WAV); use a lower --sample-rate, or export .m4a or .mp3"
    )


class WavWriter:
    """Writes one WAV file to an open, seekable binary file, block by block.

    The frame count, markers and tags are given up front; the header is written at once and
    the marker and tag chunks at `close`. The writer does not close the file. Used as a
    context manager it finishes the file on success and leaves it unfinished on an error
    (the caller throws such a file away).
    """

    def __init__(
        self,
        file: BinaryIO,
        sample_rate: int,
        frames: int,
        markers: list[Marker] | None = None,
        tags: Tags | None = None,
    ) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, not {sample_rate}")
        if frames < 0:
            raise ValueError(f"frame count cannot be negative, not {frames}")
        markers = list(markers or [])
        tags = tags or Tags("", "", "")
        for marker in markers:
            if not 0 <= marker.frame <= frames:
                raise ValueError(f"marker {marker.label!r} at frame {marker.frame} is outside "
                                 f"the audio (0..{frames})")
        # refuse before a single byte is written
        check_wav_fits(frames, sample_rate, markers, tags)
        self._file = file
        self._frames = frames
        self._written = 0
        self._trailer = _trailer(markers, tags)
        self._closed = False
        self._start = file.tell()
        file.write(_header(sample_rate, frames, len(self._trailer)))

    @property
    def frames_written(self) -> int:
        return self._written

    def write(self, block: npt.NDArray[np.int16]) -> None:
        """Append int16 mono samples; more than the announced frame count is a bug."""
        if self._closed:
            raise ValueError("write to a closed WavWriter")
        if block.dtype != np.int16 or block.ndim != 1:
            raise ValueError(f"expected a 1-D int16 block, got {block.ndim}-D {block.dtype}")
        if self._written + len(block) > self._frames:
            raise ValueError(
                f"{self._written + len(block)} frames written, {self._frames} announced"
            )
        self._file.write(block.astype("<i2", copy=False).tobytes())
        self._written += len(block)

    def close(self) -> None:
        """Write the marker and tag chunks; fix the sizes if fewer frames came than announced."""
        if self._closed:
            return
        self._closed = True
        data_bytes = self._written * _BYTES_PER_FRAME
        if data_bytes % 2:
            self._file.write(b"\0")
        self._file.write(self._trailer)
        if self._written != self._frames:
            end = self._file.tell()
            riff_size = _HEADER_BYTES - 8 + _padded(data_bytes) + len(self._trailer)
            self._file.seek(self._start + 4)
            self._file.write(struct.pack("<I", riff_size))
            self._file.seek(self._start + _HEADER_BYTES - 4)
            self._file.write(struct.pack("<I", data_bytes))
            self._file.seek(end)
        self._file.flush()

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._closed = True


def _header(sample_rate: int, frames: int, trailer_bytes: int) -> bytes:
    data_bytes = frames * _BYTES_PER_FRAME
    riff_size = _HEADER_BYTES - 8 + _padded(data_bytes) + trailer_bytes
    fmt = struct.pack(
        "<HHIIHH",
        1,  # PCM
        1,  # mono
        sample_rate,
        sample_rate * _BYTES_PER_FRAME,  # bytes per second
        _BYTES_PER_FRAME,  # block align
        16,  # bits per sample
    )
    return (
        b"RIFF" + struct.pack("<I", riff_size) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"data" + struct.pack("<I", data_bytes)
    )


def _trailer(markers: list[Marker], tags: Tags) -> bytes:
    """The chunks after `data`: `cue `, `LIST/adtl` (when there are markers) and `LIST/INFO`."""
    parts = []
    if markers:
        # cue point: id, position, fccChunk, chunk start, block start, sample offset
        points = b"".join(
            struct.pack("<II4sIII", number, marker.frame, b"data", 0, 0, marker.frame)
            for number, marker in enumerate(markers, start=1)
        )
        parts.append(_chunk(b"cue ", struct.pack("<I", len(markers)) + points))
        labels = b"".join(
            _chunk(b"labl", struct.pack("<I", number) + _zstr(marker.label))
            for number, marker in enumerate(markers, start=1)
        )
        parts.append(_chunk(b"LIST", b"adtl" + labels))
    info = [(b"INAM", tags.title), (b"IART", tags.artist), (b"ICMT", tags.comment),
            (b"ISFT", SOFTWARE)]
    entries = b"".join(_chunk(key, _zstr(text)) for key, text in info if text)
    parts.append(_chunk(b"LIST", b"INFO" + entries))
    return b"".join(parts)


def _chunk(chunk_id: bytes, body: bytes) -> bytes:
    """A RIFF chunk: the size counts the body only; an odd body gets one pad byte."""
    return chunk_id + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def _zstr(text: str) -> bytes:
    # UTF-8, as ffmpeg reads it; a NUL inside would cut the string short for every reader
    return text.replace("\0", " ").encode("utf-8") + b"\0"


def _padded(size: int) -> int:
    return size + size % 2
