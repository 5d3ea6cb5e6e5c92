"""Finding the processes a test started: by command line, and the children of one of them."""

from __future__ import annotations

from pathlib import Path


def _stat(pid: int | str) -> tuple[str, int]:
    """The state letter and the parent pid of a process (OSError when it is gone)."""
    state, ppid = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[:2]
    return state, int(ppid)


def processes_with_arg(marker: str, parent: int | None = None) -> list[int]:
    """Pids of live processes whose command line contains marker (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state, ppid = _stat(entry.name)
        except (OSError, ValueError):
            continue
        if marker in cmdline and state != "Z" and parent in (None, ppid):
            found.append(int(entry.name))
    return found


def children(pid: int) -> list[int]:
    """Live (not zombie) children of pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = _stat(entry.name)
        except (OSError, ValueError):
            continue
        if ppid == pid and state != "Z":
            found.append(int(entry.name))
    return found


def open_files(pid: int) -> list[str]:
    """What the descriptors of pid point at ("/memfd:name (deleted)", paths); [] when gone."""
    targets = []
    try:
        descriptors = list((Path("/proc") / str(pid) / "fd").iterdir())
    except OSError:
        return []
    for descriptor in descriptors:
        try:
            targets.append(str(descriptor.readlink()))
        except OSError:
            continue
    return targets
