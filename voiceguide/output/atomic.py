"""Every file voiceguide writes (an export, a session sheet, a new script) is written atomically.

The content grows in a hidden file next to the destination (".hip.wav.partial-XXXXXXXX", same
file system), is fsynced, and only then takes the destination's name, so nobody ever sees half a
file and an earlier file stays whole when anything fails. On an error, Ctrl-C, SIGTERM or SIGHUP
the hidden files are removed and any child writing them (ffmpeg) is ended and waited for; after
a SIGKILL a ".partial-" file may remain, but the destination is never touched.

Only a regular file or a new name is written: a folder, a symbolic link, a FIFO, a device or a
socket at the destination is refused, never followed or replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from voiceguide.errors import DestinationError, OutputError
from voiceguide.output.interrupts import Interrupts

_NAME_MAX = 255  # bytes in one file name, where the file system does not say
_SHOWN = 200  # characters of a path a message shows


class PartialFiles:
    """The hidden files of one atomic write, and the child processes writing into them."""

    def __init__(self, destination: Path, interrupts: Interrupts) -> None:
        self.destination = destination
        self.folder = containing_folder(destination)
        self._interrupts = interrupts
        self._files: list[Path] = []
        self._children: list[subprocess.Popen[bytes]] = []
        self.path = self.folder / "."  # the file being written, once start() has made it

    def start(self) -> None:
        self.path = self.companion("")

    def companion(self, suffix: str) -> Path:
        """A new empty hidden file next to the destination, removed when the write ends."""
        limit = _name_max(self.folder)
        while True:
            path = self.folder / _partial_name(self.destination.name, suffix, limit)
            with self.held():  # made and listed together: never left behind
                try:
                    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                except FileExistsError:
                    continue  # someone else's: not ours to remove
                self._files.append(path)
                return path

    def adopt(self, process: subprocess.Popen[bytes]) -> None:
        """A child writing the files: ended and waited for if the write ends unfinished."""
        self._children.append(process)

    def keep(self, path: Path) -> None:
        """Leave `path` where it is when the write ends (an earlier file that is still needed)."""
        if path in self._files:
            self._files.remove(path)

    def held(self) -> contextlib.AbstractContextManager[None]:
        """Signals wait while the body runs (starting a child, say)."""
        return self._interrupts.held()

    def finish(
        self, *, overwrite: bool, refused: type[DestinationError] = DestinationError
    ) -> None:
        """fsync the file and give it the destination's name (with overwrite=False, only a
        name that is still free)."""
        sync(self.path)
        self.path.chmod(final_mode(self.destination))
        with self.held():
            refusal = destination_refusal(self.destination, overwrite=overwrite)
            if refusal is not None:  # something took the name meanwhile: leave it alone
                raise refused(refusal)
            if overwrite:
                os.replace(self.path, self.destination)
            else:
                _link_new(self.path, self.destination)
        _sync_folder(self.folder)

    def end(self) -> None:
        """End the children and remove what is left (called with signals waiting)."""
        for process in self._children:
            if process.poll() is None:
                with contextlib.suppress(OSError):
                    process.kill()
                process.wait()
        for path in self._files:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


def write_atomically(
    destination: str | os.PathLike[str],
    write: Callable[[PartialFiles], None],
    *,
    overwrite: bool = True,
    failure: type[OutputError] = OutputError,
    refused: type[DestinationError] = DestinationError,
    space_advice: str = "",
) -> Path:
    """Have `write` fill `files.path`, then give the file the destination's name.

    Raises `refused` for a destination that cannot be used (exit status 2) and `failure` when
    the disk refuses (exit status 1); space_advice ends a disk-full message.
    """
    refusal = destination_refusal(destination, overwrite=overwrite)
    if refusal is not None:
        raise refused(refusal)
    path = Path(destination)
    interrupts = Interrupts()
    files: PartialFiles | None = None
    try:
        interrupts.watch()
        files = PartialFiles(path, interrupts)
        try:
            files.start()
        except OSError as error:
            raise failure(f"cannot write to the folder {shown(containing_folder(path))}: "
                          f"{error.strerror}") from None
        try:
            write(files)
            files.finish(overwrite=overwrite, refused=refused)
        except FileExistsError:
            raise refused(_exists(path)) from None
        except OSError as error:
            raise failure(write_failure(error, path, space_advice)) from None
    finally:
        interrupts.armed = False  # first: nothing cuts the cleanup short
        if files is not None:
            files.end()
        interrupts.release()
    return path


def write_text_atomically(
    destination: str | os.PathLike[str], text: str, *, overwrite: bool = True
) -> Path:
    """Write `text` as UTF-8; with overwrite=False an existing file is kept (DestinationError)."""
    data = text.encode("utf-8")

    def write(files: PartialFiles) -> None:
        with files.path.open("wb") as file:
            file.write(data)
        if files.path.stat().st_size != len(data):
            raise OSError(errno.EIO, "the file came out short")

    return write_atomically(destination, write, overwrite=overwrite)


# -- destinations -------------------------------------------------------------------------------


def check_text_destination(destination: str | os.PathLike[str], *, overwrite: bool) -> None:
    """Refuse, before any work is done, a destination that cannot be written."""
    refusal = destination_refusal(destination, overwrite=overwrite)
    if refusal is not None:
        raise DestinationError(refusal)
    check_folder_writable(containing_folder(Path(destination)), OutputError)


def destination_refusal(
    destination: str | os.PathLike[str], *, overwrite: bool, verb: str = "write"
) -> str | None:
    """Why `destination` cannot be written (one line), or None when it can.

    Only a regular file (when overwrite) or a new name in an existing folder will do. A str is
    looked at as typed: a trailing "/" means a folder.
    """
    text = os.fspath(destination)
    path = Path(text)
    start = f"cannot {verb} {shown(text)}"
    if not text.strip():
        return f'cannot {verb} "{text}": the file name is empty'
    if text.endswith(os.sep):
        return f"{start}: a name ending in {os.sep} is a folder; give a file name"
    folder = containing_folder(path)
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    except NotADirectoryError:
        return f"{start}: {shown(folder)} is not a folder"
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            return _too_long(start, path, folder)
        return None  # the write itself will say what is wrong
    if found is not None:
        kind = _not_regular(found.st_mode)
        if kind is not None:
            return (f"{start}: it is {kind}, and voiceguide replaces only regular files; "
                    "choose another name")
        if not overwrite:
            return _exists(path)
        return None
    if not folder.is_dir():
        return f"{start}: the folder {shown(folder)} does not exist"
    if len(os.fsencode(path.name)) > _name_max(folder):
        return _too_long(start, path, folder)
    return None


def check_folder_writable(folder: Path, failure: type[OutputError]) -> None:
    """Raise `failure` when no file can be made in `folder`."""
    try:
        # a nameless probe file (O_TMPFILE): nothing is left behind, whatever happens
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise failure(f"cannot write to the folder {shown(folder)}: {error.strerror}") from None


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _exists(path: Path) -> str:
    return f"{shown(path)} already exists; choose another name, or remove it first"


def _too_long(start: str, path: Path, folder: Path) -> str:
    return (f"{start}: the file name is {len(os.fsencode(path.name))} bytes long, and the "
            f"folder allows at most {_name_max(folder)}; choose a shorter name")


def write_failure(error: OSError, destination: Path, space_advice: str = "") -> str:
    """One line for an OSError met while writing `destination`."""
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) and space_advice:
        return f"cannot write {shown(destination)}: {reason}; {space_advice}"
    return f"cannot write {shown(destination)}: {reason}"


def shown(path: str | os.PathLike[str]) -> str:
    """A path as a message shows it: bytes that are not UTF-8 escaped, a long one cut short."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 21] + "..." + text[-18:]
    return text


# -- files --------------------------------------------------------------------------------------


def containing_folder(destination: Path) -> Path:
    """The folder a file is written in (".", not "", for a bare file name)."""
    return destination.parent if str(destination.parent) else Path(".")


def final_mode(destination: Path) -> int:
    """An earlier file's permissions, or the usual ones (the partial file is private)."""
    with contextlib.suppress(OSError):
        return destination.stat().st_mode & 0o7777
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _partial_name(name: str, suffix: str, limit: int) -> str:
    """".NAME.partial-XXXXXXXX<suffix>", NAME cut short to fit the file system's limit."""
    tail = f".partial-{secrets.token_hex(4)}{suffix}"
    room = limit - 1 - len(tail)
    encoded = os.fsencode(name)
    if len(encoded) > room:
        encoded = encoded[:room]
        for _ in range(3):  # not half a UTF-8 character
            try:
                encoded.decode("utf-8")
                break
            except UnicodeDecodeError:
                encoded = encoded[:-1]
    return "." + os.fsdecode(encoded) + tail


def _name_max(folder: Path) -> int:
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no pathconf on Windows
        return os.pathconf(folder, "PC_NAME_MAX")
    return _NAME_MAX


def _link_new(partial: Path, destination: Path) -> None:
    """Give the file a name that must still be free: link() refuses an existing one."""
    try:
        os.link(partial, destination)
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
        # a file system without hard links (FAT): a rename, after a last look
        if os.path.lexists(destination):
            raise FileExistsError(errno.EEXIST, "File exists") from None
        os.rename(partial, destination)


def sync(path: Path) -> None:
    """fsync a file or a folder by its path."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_folder(folder: Path) -> None:
    # makes the rename itself durable; some file systems refuse, and the file is in place anyway
    with contextlib.suppress(OSError):
        sync(folder)
