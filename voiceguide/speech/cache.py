"""The on-disk cache of trimmed speech clips, one file per (engine, voice, words per minute, text).

An entry is a small header, int16 samples at the engine's rate, and a checksum over both. Writes
go to a file in the same folder that is renamed into place (os.replace), so a reader, or a
second process, sees a whole entry or none; on Linux that file has no name at all until it is
whole (O_TMPFILE), so a run killed in the middle of a write leaves nothing behind. A damaged entry
reads as a miss and is rewritten. Only regular files of a bounded size are read: a FIFO, a device,
a symlink or a huge file where an entry should be is a miss, never opened as it is and never
followed. A folder that cannot be written, or no home to put the cache in, just means no caching:
the cache never fails a session.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
import struct
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voiceguide.audio.samples import Int16Array
from voiceguide.speech import unnamed_files

# Bump when the stored audio would differ for the same inputs (trimming, decoding, layout).
# 2: espeak clips no longer made at 200 wpm now and then; 3: `rate` is the listener's pace, and
# clips are kept at one loudness
FORMAT_VERSION = 3

_MAGIC = b"VGCLIP\x00\x02"
_HEADER = struct.Struct("<8sIII")  # magic, sample rate, frames, CRC-32 of rate, frames, samples
_SUFFIX = ".clip"
# 25 minutes of speech at 22,050 Hz: far beyond any phrase, far below what hurts to read
ENTRY_LIMIT = 64 << 20
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)  # a symlink is refused by the kernel, not followed
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def clip_key(engine_key: str, voice_id: str | None, wpm: int, text: str) -> str:
    """A stable file name for one clip: a hash of everything that shapes its samples."""
    fields = [FORMAT_VERSION, engine_key, voice_id or "", wpm, text]
    encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def default_cache_folder() -> Path | None:
    """$VOICEGUIDE_CACHE, else $XDG_CACHE_HOME/voiceguide, else ~/.cache/voiceguide; + /speech.

    XDG_CACHE_HOME counts only when absolute (the XDG spec: a relative one is to be ignored).
    None when there is no home to put it in: voiceguide then runs without a cache.
    """
    explicit = os.environ.get("VOICEGUIDE_CACHE")
    if explicit:
        return Path(explicit) / "speech"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "voiceguide" / "speech"
    home = home_folder()
    return home / ".cache" / "voiceguide" / "speech" if home is not None else None


def home_folder() -> Path | None:
    """$HOME when it is an absolute path, else the user's entry in the passwd database.

    The rule systemd follows: HOME="" (or a relative HOME) is no home, not the root folder or the
    current one, and a uid without a passwd entry has none.
    """
    home = os.environ.get("HOME", "")
    if os.path.isabs(home):
        return Path(home)
    try:
        import pwd
    except ImportError:  # Windows: no passwd database; the profile folder is the home
        with contextlib.suppress(RuntimeError, KeyError):
            profile = Path.home()
            return profile if profile.is_absolute() else None
        return None
    try:
        entry = pwd.getpwuid(os.getuid())
    except KeyError:
        return None
    return Path(entry.pw_dir) if os.path.isabs(entry.pw_dir) else None


def _checksum(sample_rate: int, frames: int, payload: bytes) -> int:
    # CRC-32 catches torn and damaged files (what a cache meets) and is fast on clips of MBs
    return zlib.crc32(payload, zlib.crc32(struct.pack("<II", sample_rate, frames)))


class ClipCache:
    """The clip cache in `folder` (by default `default_cache_folder()`); none when that is None."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else default_cache_folder()

    def path(self, key: str) -> Path:
        if self.folder is None:
            raise ValueError("this clip cache has no folder")
        return self.folder / f"{key}{_SUFFIX}"

    def get(self, key: str) -> tuple[Int16Array, int] | None:
        """The stored clip and its sample rate; None when absent, unreadable or damaged."""
        if self.folder is None:
            return None
        data = _read_regular_file(self.path(key), ENTRY_LIMIT)
        if data is None or len(data) < _HEADER.size:
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
        if self.folder is None:
            return
        payload = np.ascontiguousarray(samples, dtype="<i2").tobytes()
        if _HEADER.size + len(payload) > ENTRY_LIMIT:
            return  # it would never be read back
        frames = len(payload) // 2
        header = _HEADER.pack(_MAGIC, sample_rate, frames, _checksum(sample_rate, frames, payload))
        # caching is an optimisation; a read-only or full disk must not stop a session
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_whole(self.folder, self.path(key), (header, payload))


def _read_regular_file(path: Path, limit: int) -> bytes | None:
    """The bytes of `path` if it is a regular file of at most `limit` bytes, else None.

    lstat first, so that a device or FIFO is never even opened (opening some devices acts);
    then O_NOFOLLOW | O_NONBLOCK and fstat on what was opened, in case the name changed between.
    """
    try:
        if not _small_regular(os.lstat(path), limit):
            return None
        handle = os.open(path, _READ_FLAGS)
    except OSError:
        return None
    with os.fdopen(handle, "rb") as opened:
        try:
            if not _small_regular(os.fstat(opened.fileno()), limit):
                return None
            data = opened.read(limit + 1)
        except OSError:
            return None
    return data if len(data) <= limit else None


def _small_regular(info: os.stat_result, limit: int) -> bool:
    return stat.S_ISREG(info.st_mode) and info.st_size <= limit


def _write_whole(folder: Path, target: Path, parts: Sequence[bytes]) -> None:
    """Write `parts` to a new file in `folder` and rename it onto `target`."""
    handle = _open_unnamed(folder)
    if handle is not None:  # nameless while written; named only to be renamed at once
        temp = folder / f".tmp-{secrets.token_hex(8)}{_SUFFIX}"
        try:
            _write_all(handle, parts)
            # a dir_fd makes os.link use linkat(AT_SYMLINK_FOLLOW): link() would not follow
            # /proc/self/fd/N to the file
            into = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                os.link(f"/proc/self/fd/{handle}", temp.name, dst_dir_fd=into)
            finally:
                os.close(into)
        finally:
            os.close(handle)
    else:
        handle, name = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=folder)
        temp = Path(name)
        try:
            _write_all(handle, parts)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        finally:
            os.close(handle)
    # no fsync: a torn entry after a crash fails its checksum and is rebuilt
    try:
        os.replace(temp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _open_unnamed(folder: Path) -> int | None:
    """A new file in `folder` with no name yet (O_TMPFILE); None where that is not possible."""
    if not unnamed_files.available() or not hasattr(os, "O_TMPFILE"):
        return None
    try:
        return os.open(folder, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    except OSError:  # a file system without O_TMPFILE support
        return None


def _write_all(handle: int, parts: Sequence[bytes]) -> None:
    for part in parts:
        view = memoryview(part)
        while view:
            view = view[os.write(handle, view) :]
