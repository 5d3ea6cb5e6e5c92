"""The RIFF/WAVE header: which chunks a file has and what its `fmt ` chunk says.

No numpy, so the loader can check a script's sound files without loading audio libraries. The
stdlib `wave` is not used: on Python 3.11 it refuses WAVE_FORMAT_EXTENSIBLE, the header sox and
most editors write for 24-bit and 32-bit files.
"""

from __future__ import annotations

import struct
from pathlib import Path

from voiceguide.errors import SoundError

PCM = 1
FLOAT = 3
EXTENSIBLE = 0xFFFE
FIX = "use a PCM WAV file, e.g. `sox input -b 16 output.wav`"


def riff_chunks(path: Path, data: bytes) -> tuple[bytes, bytes]:
    """The `fmt ` and `data` chunk bodies of a RIFF/WAVE file."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SoundError(f"sound {path} is not a WAV file; {FIX}")
    fmt: bytes | None = None
    position = 12
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        (size,) = struct.unpack_from("<I", data, position + 4)
        body = data[position + 8 : position + 8 + size]
        if chunk_id == b"fmt ":
            fmt = body
        elif chunk_id == b"data":
            if fmt is None:
                break
            # a streamed writer may leave the size too large: keep what is there
            return fmt, body
        position += 8 + size + (size & 1)  # chunks are padded to an even size
    what = "format" if fmt is None else "audio data"
    raise SoundError(f"sound {path} is a damaged WAV file (no {what} chunk); {FIX}")


def wav_format(path: Path, fmt: bytes) -> tuple[int, int, int, int]:
    """(format tag, channels, rate, bytes per sample) from a `fmt ` chunk."""
    if len(fmt) < 16:
        raise SoundError(f"sound {path} is a damaged WAV file (short format chunk); {FIX}")
    tag, channels, rate, _, block, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == EXTENSIBLE and len(fmt) >= 26:
        # the real format code opens the sub-format GUID
        (tag,) = struct.unpack_from("<H", fmt, 24)
    width = (bits + 7) // 8
    supported = (tag == PCM and width in (1, 2, 3, 4)) or (tag == FLOAT and width in (4, 8))
    if not supported:
        kind = {PCM: f"{bits}-bit PCM", FLOAT: f"{bits}-bit float"}.get(
            tag, f"compressed (WAV format {tag:#06x})"
        )
        raise SoundError(f"sound {path} is {kind}, which cannot be read; {FIX}")
    if channels == 0 or rate == 0 or block != channels * width:
        raise SoundError(f"sound {path} is a damaged WAV file (bad format chunk); {FIX}")
    return tag, channels, rate, width
