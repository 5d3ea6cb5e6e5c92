"""Several files that take their names together or not at all (a split export and its playlist).

Each file grows under a hidden name beside its destination, as output/atomic.py does for one.
Only when every one is complete and checked do they take their names, in one step that no
signal cuts in half: an earlier file at a destination is first kept under a hidden name (a hard
link, or a rename where the file system has none), so that a failure halfway through the
renames puts every earlier file back and takes every new one away. An error, Ctrl-C, SIGTERM or
SIGHUP before that step leaves the destinations as they were. Only regular files or new names
are written; a folder, a symbolic link, a FIFO, a device or a socket is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from voiceguide.errors import DestinationError, OutputError
from voiceguide.output.atomic import (
    PartialFiles,
    containing_folder,
    destination_refusal,
    final_mode,
    sync,
    write_failure,
)
from voiceguide.output.interrupts import Interrupts

Writer = Callable[[PartialFiles], None]


def write_set_atomically(
    writers: Sequence[tuple[Path, Writer]],
    *,
    failure: type[OutputError] = OutputError,
    refused: type[DestinationError] = DestinationError,
    space_advice: str = "",
) -> list[Path]:
    """Have each writer fill its `files.path`, in order, then give all files their names.

    Raises `refused` for a destination that cannot be used (exit status 2) and `failure` when
    the disk refuses (exit status 1), naming the file being written.
    """
    destinations = [destination for destination, _ in writers]
    for destination in destinations:
        refusal = destination_refusal(destination, overwrite=True, verb="export to")
        if refusal is not None:
            raise refused(refusal)
    interrupts = Interrupts()
    made: list[PartialFiles] = []
    current = destinations[0]
    try:
        interrupts.watch()
        try:
            for destination, write in writers:
                current = destination
                files = PartialFiles(destination, interrupts)
                made.append(files)
                files.start()
                write(files)
            current = destinations[-1]
            _take_names(made, interrupts, refused)
        except OSError as error:
            raise failure(write_failure(error, current, space_advice)) from None
    finally:
        interrupts.armed = False  # first: nothing cuts the cleanup short
        for files in made:
            files.end()
        interrupts.release()
    return destinations


def _take_names(
    made: list[PartialFiles], interrupts: Interrupts, refused: type[DestinationError]
) -> None:
    for files in made:
        sync(files.path)
        files.path.chmod(final_mode(files.destination))
    with interrupts.held():
        for files in made:  # something may have taken a name meanwhile: leave it alone
            refusal = destination_refusal(files.destination, overwrite=True, verb="export to")
            if refusal is not None:
                raise refused(refusal)
        earlier: list[tuple[PartialFiles, Path]] = []  # (its files, the hidden copy)
        placed: list[Path] = []
        try:
            for files in made:
                if os.path.lexists(files.destination):
                    earlier.append((files, _keep_aside(files)))
                os.replace(files.path, files.destination)
                placed.append(files.destination)
        except BaseException:
            kept = {files.destination for files, _ in earlier}
            for destination in placed:
                if destination not in kept:
                    with contextlib.suppress(OSError):
                        destination.unlink()
            for files, hidden in earlier:
                try:
                    os.replace(hidden, files.destination)
                except OSError:
                    files.keep(hidden)  # never remove the only copy of an earlier file
            raise
    for folder in {containing_folder(files.destination) for files in made}:
        with contextlib.suppress(OSError):  # some file systems refuse; the files are in place
            sync(folder)


def _keep_aside(files: PartialFiles) -> Path:
    """A hidden name for the earlier file at files.destination, removed when the write ends."""
    hidden = files.companion(".earlier")
    hidden.unlink()  # the name is ours (made exclusively); the link needs it free
    try:
        os.link(files.destination, hidden)
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
        os.rename(files.destination, hidden)  # no hard links (FAT): moved aside instead
    return hidden

