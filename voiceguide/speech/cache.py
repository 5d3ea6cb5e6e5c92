"""The on-disk cache of trimmed speech clips, one file per (engine, voice, rate, text).

An entry is a small header, int16 samples at the engine's rate, and a checksum over both. Writes
go to a temp file in the same folder and are renamed into place (os.replace), so a reader, or a
second process, sees a whole entry or none. A damaged entry reads as a miss and is rewritten. A
folder that cannot be written just means no caching: the cache never fails a session.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np

from voiceguide.audio.samples import Int16Array

# Bump when the stored audio would differ for the same inputs (trimming, decoding, layout).
FORMAT_VERSION = 2  # 2: espeak clips no longer made at 200 wpm now and then

_MAGIC = b"VGCLIP\x00\x02"
_HEADER = struct.Struct("<8sIII")  # magic, sample rate, frames, CRC-32 of rate, frames, samples
_SUFFIX = ".clip"


def clip_key(engine_key: str, voice_id: str | None, rate: int, text: str) -> str:
    """A stable file name for one clip: a hash of everything that shapes its samples."""
    fields = [FORMAT_VERSION, engine_key, voice_id or "", rate, text]
    encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def default_cache_folder() -> Path:
    """$VOICEGUIDE_CACHE, else $XDG_CACHE_HOME/voiceguide, else ~/.cache/voiceguide; + /speech."""
    explicit = os.environ.get("VOICEGUIDE_CACHE")
    if explicit:
        base = Path(explicit)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "voiceguide"
    return base / "speech"


def _checksum(sample_rate: int, frames: int, payload: bytes) -> int:
    # CRC-32 catches torn and damaged files (what a cache meets) and is fast on clips of MBs
    return zlib.crc32(payload, zlib.crc32(struct.pack("<II", sample_rate, frames)))


class ClipCache:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else default_cache_folder()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{_SUFFIX}"

    def get(self, key: str) -> tuple[Int16Array, int] | None:
        """The stored clip and its sample rate; None when absent, unreadable or damaged."""
        try:
            data = self.path(key).read_bytes()
        except OSError:
            return None
        if len(data) < _HEADER.size:
            return None
        magic, sample_rate, frames, checksum = _HEADER.unpack_from(data)
        payload = data[_HEADER.size :]
        if (
            magic != _MAGIC
            or sample_rate == 0
            or len(payload) != frames * 2
            or checksum != _checksum(sample_rate, frames, payload)
        ):
            return None
        return np.frombuffer(payload, dtype="<i2").astype(np.int16), int(sample_rate)

    def put(self, key: str, samples: Int16Array, sample_rate: int) -> None:
        """Store a clip atomically; silently does nothing when the folder is not writable."""
        payload = np.ascontiguousarray(samples, dtype="<i2").tobytes()
        frames = len(payload) // 2
        header = _HEADER.pack(_MAGIC, sample_rate, frames, _checksum(sample_rate, frames, payload))
        temp: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=self.folder)
            with os.fdopen(handle, "wb") as out:
                out.write(header)
                out.write(payload)
            # no fsync: a torn entry after a crash fails its checksum and is rebuilt
            os.replace(temp, self.path(key))
            temp = None
        except OSError:
            pass  # caching is an optimisation; a read-only or full disk must not stop a session
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
