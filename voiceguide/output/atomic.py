"""Write a small text file (a session sheet, a new routine script) atomically.

The text goes into a hidden file next to the destination (same file system), is fsynced, and
only then takes the destination's name, so a reader never sees half a file and an earlier file
stays whole when anything fails.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from voiceguide.errors import ExportDestinationError, ExportError


def check_text_destination(destination: Path, *, overwrite: bool) -> None:
    """Refuse, before any work is done, a destination that cannot be written (exit status 2)."""
    if destination.is_dir():
        raise ExportDestinationError(f"cannot write {destination}: it is a folder")
    if not overwrite and (destination.exists() or destination.is_symlink()):
        raise ExportDestinationError(
            f"{destination} already exists; choose another name, or remove it first"
        )
    folder = containing_folder(destination)
    if not folder.is_dir():
        raise ExportDestinationError(
            f"cannot write {destination}: the folder {folder} does not exist"
        )


def write_text_atomically(destination: Path, text: str, *, overwrite: bool = True) -> Path:
    """Write `text` as UTF-8 to `destination`; with overwrite=False an existing file is kept.

    Raises ExportDestinationError (bad destination, exit 2) or ExportError (the disk refused).
    """
    check_text_destination(destination, overwrite=overwrite)
    folder = containing_folder(destination)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{destination.name}.partial-", dir=folder)
    except OSError as error:
        raise ExportError(f"cannot write to the folder {folder}: {error.strerror}") from None
    partial = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        partial.chmod(final_mode(destination))
        if overwrite:
            os.replace(partial, destination)
        else:
            # link() refuses an existing name, so a file that appeared meanwhile is kept too
            os.link(partial, destination)
    except FileExistsError:
        raise ExportDestinationError(
            f"{destination} already exists; choose another name, or remove it first"
        ) from None
    except OSError as error:
        raise ExportError(f"cannot write {destination}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return destination


def containing_folder(destination: Path) -> Path:
    """The folder a file is written in (".", not "", for a bare file name)."""
    return destination.parent if str(destination.parent) else Path(".")


def final_mode(destination: Path) -> int:
    """An earlier file's permissions, or the usual ones (mkstemp makes files private)."""
    with contextlib.suppress(OSError):
        return destination.stat().st_mode & 0o7777
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask
