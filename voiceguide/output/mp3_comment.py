"""An mp3's comment as the COMM frame that players show, not the TXXX frame ffmpeg writes.

ffmpeg (5.1 and later) keeps a "comment" tag as TXXX:comment, a user-defined text that phones
and desktop players leave out. Here the ID3v2.3 tag ffmpeg wrote is copied frame by frame, in
its order (players list CHAP chapters in the order they come), with that TXXX frame replaced
by a COMM frame, and the audio after it copied unchanged. A tag library would do it too, but
the one at hand (mutagen) sorts the frames by size when it saves, which reorders the chapters.
The file is still the hidden partial one: ffprobe reads it back after this.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

_HEADER = 10  # "ID3", version, flags, size; each frame's header is 10 bytes too
# "comment" as ffmpeg names the TXXX frame: Latin-1, or UTF-16 with either byte order
_COMMENT_NAMES = (
    b"\x00comment\x00",
    b"\x01" + "\ufeffcomment".encode("utf-16-le") + b"\x00\x00",
    b"\x01" + "\ufeffcomment".encode("utf-16-be") + b"\x00\x00",
)


def put_comment(path: Path, comment: str, rewritten: Path) -> bool:
    """Make `comment` the COMM frame of the mp3 at `path`, through the scratch file `rewritten`.

    False, and the file left alone, when its tag is not a plain ID3v2.3 tag (no
    unsynchronisation, no extended header) whose frames can be walked to the end.
    """
    with path.open("rb") as source:
        header = source.read(_HEADER)
        if len(header) < _HEADER or header[:4] != b"ID3\x03" or header[5] & 0xC0:
            return False
        size = _syncsafe(header[6:10])
        body = source.read(size)
        if len(body) != size:  # the file ends inside its tag
            return False
        frames = list(_frames(body))
        if not frames or frames[-1] is None:
            return False
        kept = [frame for frame in frames
                if frame is not None and not (frame[:4] == b"TXXX" and _names_comment(frame))]
        kept.append(_comm_frame(comment))
        tag = b"".join(kept)
        with rewritten.open("wb") as out:
            out.write(b"ID3\x03\x00" + bytes([header[5]]) + _to_syncsafe(len(tag)) + tag)
            shutil.copyfileobj(source, out, 1 << 20)
    os.replace(rewritten, path)
    return True


def _frames(body: bytes) -> Iterator[bytes | None]:
    """Each frame, header and all, in order; None (last) where the frames cannot be walked."""
    offset = 0
    while offset + _HEADER <= len(body) and body[offset] != 0:  # a zero byte starts padding
        frame_id = body[offset:offset + 4]
        size = int.from_bytes(body[offset + 4:offset + 8], "big")
        end = offset + _HEADER + size
        if not all(chr(byte).isupper() or chr(byte).isdigit() for byte in frame_id) or \
                end > len(body):
            yield None
            return
        yield body[offset:end]
        offset = end


def _names_comment(frame: bytes) -> bool:
    return frame[_HEADER:].startswith(_COMMENT_NAMES)


def _comm_frame(comment: str) -> bytes:
    # encoding 1 (UTF-16 with a byte order mark: the one Unicode encoding of ID3v2.3),
    # language, an empty description, the text
    data = (b"\x01eng" + "\ufeff".encode("utf-16-le") + b"\x00\x00"
            + ("\ufeff" + comment).encode("utf-16-le"))
    return b"COMM" + len(data).to_bytes(4, "big") + b"\x00\x00" + data


def _syncsafe(data: bytes) -> int:
    return sum((byte & 0x7F) << (7 * (3 - index)) for index, byte in enumerate(data))


def _to_syncsafe(value: int) -> bytes:
    return bytes((value >> (7 * (3 - index))) & 0x7F for index in range(4))
