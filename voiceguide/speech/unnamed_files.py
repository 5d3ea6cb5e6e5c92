"""Where the worker's forks write their clips: files without a name, which cannot be left behind.

pyttsx3 writes a clip to a path. Here the path is `/proc/self/fd/N`, where N is a file that has no
name in any folder: a memfd (memory the kernel gives the file itself, not a tmpfs with a size
limit such as /dev/shm), or where there is none an unlinked temporary file. The kernel frees such
a file when its last descriptor closes, and every descriptor closes when its process ends, however
it ends: SIGKILL of voiceguide, of the worker or of a fork leaves nothing in /dev/shm or on disk,
where a named scratch folder stayed behind with 60 MB of clips. A finished clip is read back and
its file closed at once, so the clips in flight are all that is ever held.
"""

from __future__ import annotations

import os
import sys
import tempfile


def available() -> bool:
    """True when a process can open its own descriptors by path (Linux's /proc)."""
    return sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd")


class UnnamedFiles:
    """One unnamed file per clip in flight, keyed by the clip's index."""

    def __init__(self) -> None:
        self._files: dict[int, int] = {}
        self.where = "memory"  # what runs out when a write fails for want of space

    def open(self, index: int) -> str:
        """A new empty file for clip `index`; the path a fork (which inherits it) writes to."""
        try:
            handle = os.memfd_create(f"voiceguide-clip-{index}", os.MFD_CLOEXEC)
        except (AttributeError, OSError):  # an old kernel, or a sandbox without memfd
            handle = _unlinked_temporary_file()
            self.where = tempfile.gettempdir()
        self._files[index] = handle
        return f"/proc/self/fd/{handle}"

    def take(self, index: int) -> tuple[bytes, int]:
        """Clip `index` as 16-bit mono PCM and the rate in its header; its file is closed.

        Read by the project's one audio reader (python-soundfile), as every other clip and sound.
        """
        handle = self._files.pop(index)
        try:
            data = _read_all(handle)
        finally:
            os.close(handle)
        from voiceguide.audio.read import Unreadable, decode_clip_bytes

        try:
            samples, rate = decode_clip_bytes(data)
        except Unreadable as problem:
            raise ValueError(f"the clip {problem}") from None
        return samples.tobytes(), rate

    def close(self) -> None:
        for handle in self._files.values():
            os.close(handle)
        self._files.clear()


def _unlinked_temporary_file() -> int:
    with tempfile.TemporaryFile() as named_for_a_moment:  # O_TMPFILE, or unlinked at once
        return os.dup(named_for_a_moment.fileno())


def _read_all(handle: int) -> bytes:
    size = os.fstat(handle).st_size
    parts: list[bytes] = []
    offset = 0
    while offset < size:
        part = os.pread(handle, size - offset, offset)
        if not part:
            break
        parts.append(part)
        offset += len(part)
    return b"".join(parts)
