"""What tools/setup.sh would install, with the system's tools replaced by recorders.

The script runs for real, from a copy of the project, with apt-get, dpkg-query, sudo, id, pgrep,
pactl and the Python interpreter replaced by small scripts on PATH that write each call to a
log: nothing is installed. A sound server "runs" as a recorder's process list, as a real socket
in the runtime folder, or as a pactl that reaches one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

MAIN = {"espeak-ng", "ffmpeg", "gcc", "libasound2-dev", "libasound2-plugins", "fonts-dejavu-core"}
TEST = {"sox", "procps", "chromium", "zsh", "fish", "util-linux",
        "e2fsprogs", "zbar-tools", "iproute2", "dbus-daemon", "dbus-bin", "systemd"}
PULSE = {"pulseaudio", "pulseaudio-utils"}

_RECORDERS = {
    "apt-get": 'echo "apt-get $*" >> "$CALLS"',
    # apt knows dbus-daemon and dbus-bin as packages of their own (Debian 12, Ubuntu 22.10 on)
    "apt-cache": "exit 0",
    "sudo": 'echo "sudo $*" >> "$CALLS"\nexec "$@"',
    "dpkg-query": (
        'package="${!#}"\n'
        'for name in $FAKE_INSTALLED; do\n'
        '    [[ $name == "$package" ]] && { printf "install ok installed"; exit 0; }\n'
        'done\n'
        'echo "dpkg-query: no packages found matching $package" >&2\nexit 1'
    ),
    "id": '[[ "$*" == "-u" ]] && { echo "$FAKE_UID"; exit 0; }\nexit 1',
    "pgrep": (
        'echo "pgrep $*" >> "$CALLS"\npattern="${!#}"\n'
        'for name in $FAKE_PROCESSES; do\n'
        '    [[ $name =~ ^($pattern)$ ]] && { echo 4242; exit 0; }\n'
        'done\nexit 1'
    ),
    "pactl": 'echo "pactl $*" >> "$CALLS"\n[[ $FAKE_PACTL == reaches ]]',
    # the interpreter: its own facts, or the real one's (-c); a venv is a copy of itself
    "python": (
        'echo "python $*" >> "$CALLS"\n'
        'if [[ $1 == -c ]]; then\n'
        '    [[ -n $FAKE_PYTHON_FACTS ]] && { echo "$FAKE_PYTHON_FACTS"; exit 0; }\n'
        f'    exec {sys.executable} "$@"\n'
        'fi\n'
        'if [[ $1 == -m && $2 == venv ]]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi'
    ),
}


@dataclass
class Machine:
    """A copy of the project and recorders for the system's tools; `run` starts the script."""

    folder: Path
    installed: set[str] = field(default_factory=set)
    processes: set[str] = field(default_factory=set)
    pactl_reaches: bool = False
    uid: int = 0
    python_facts: str = ""  # "3.11 yes yes": version, C headers, ensurepip; "" = the real one

    @property
    def calls(self) -> list[str]:
        log = self.folder / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def socket(self, name: str) -> None:
        """A listening socket in the runtime folder, as a running server leaves there."""
        path = self.folder / "run" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.listen()
        self._sockets.append(server)

    def __post_init__(self) -> None:
        self._sockets: list[socket.socket] = []
        project = self.folder / "project"
        (project / "tools").mkdir(parents=True)
        shutil.copy2(ROOT / "tools" / "setup.sh", project / "tools" / "setup.sh")
        bin_dir = self.folder / "bin"
        bin_dir.mkdir()
        for name, body in _RECORDERS.items():
            recorder = bin_dir / name
            recorder.write_text(f"#!/usr/bin/env bash\n{body}\n")
            recorder.chmod(0o755)
        (self.folder / "run").mkdir()

    def run(self, *args: str, python: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": f"{self.folder / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.folder),
            "XDG_RUNTIME_DIR": str(self.folder / "run"),
            "CALLS": str(self.folder / "calls.log"),
            "FAKE_INSTALLED": " ".join(sorted(self.installed)),
            "FAKE_PROCESSES": " ".join(sorted(self.processes)),
            "FAKE_PACTL": "reaches" if self.pactl_reaches else "refused",
            "FAKE_UID": str(self.uid),
            "FAKE_PYTHON_FACTS": self.python_facts,
            "PYTHON": python or str(self.folder / "bin" / "python"),
        }
        return subprocess.run(
            ["bash", str(self.folder / "project" / "tools" / "setup.sh"), *args],
            capture_output=True, text=True, env=env, timeout=60,
        )

    def apt_installs(self) -> set[str]:
        """The packages of the one `apt-get install`, or an empty set when there was none."""
        installs = [call.split() for call in self.calls if call.startswith("apt-get install")]
        assert len(installs) <= 1, installs
        return {word for word in installs[0][2:] if not word.startswith("-")} if installs else set()

    def close(self) -> None:
        for server in self._sockets:
            server.close()


@pytest.fixture
def machine() -> Iterator[Machine]:
    # a short folder: a socket's path is limited to about 100 bytes
    folder = Path(tempfile.mkdtemp(prefix="vg-setup-"))
    made = Machine(folder)
    try:
        yield made
    finally:
        made.close()
        shutil.rmtree(folder)


def test_no_sound_server_main_job_installs_only_what_voiceguide_needs(machine: Machine) -> None:
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert machine.apt_installs() == MAIN
    calls = machine.calls
    update = calls.index("apt-get update -qq")
    install = next(i for i, call in enumerate(calls) if call.startswith("apt-get install"))
    assert update < install
    assert "--no-install-recommends" in calls[install].split()
    assert "-y" in calls[install].split()
    # root needs no sudo
    assert not [call for call in calls if call.startswith("sudo")]
    assert "python -m venv .venv" in calls
    assert calls[-1] == "python -m pip install -q --disable-pip-version-check -e .[piper]"


def test_no_sound_server_tests_add_a_private_pulseaudio(machine: Machine) -> None:
    result = machine.run("--test")
    assert result.returncode == 0, result.stderr
    assert machine.apt_installs() == MAIN | TEST | PULSE
    assert machine.calls[-1].endswith("-e .[piper,test]")


@pytest.mark.parametrize("with_tests", [False, True], ids=["main", "test"])
@pytest.mark.parametrize(
    "how", ["process", "socket", "process-not-from-a-package", "pactl"],
)
def test_pulseaudio_running_is_never_installed_over(
    machine: Machine, how: str, with_tests: bool
) -> None:
    if how == "process":
        machine.processes = {"pulseaudio"}
        machine.installed = {"pulseaudio", "pulseaudio-utils"}
    elif how == "socket":
        machine.socket("pulse/native")
        machine.installed = {"pulseaudio", "pulseaudio-utils"}
    elif how == "process-not-from-a-package":
        machine.processes = {"pulseaudio"}
    else:
        machine.pactl_reaches = True
    result = machine.run(*(["--test"] if with_tests else []))
    assert result.returncode == 0, result.stderr
    installs = machine.apt_installs()
    assert "pulseaudio" not in installs
    assert installs == (MAIN | TEST if with_tests else MAIN) - machine.installed
    if with_tests and "pulseaudio" not in machine.installed:
        assert "the tests that play into a private PulseAudio will be skipped" in result.stderr


@pytest.mark.parametrize("with_tests", [False, True], ids=["main", "test"])
@pytest.mark.parametrize("how", ["process", "socket", "installed-but-stopped"])
def test_pipewire_is_never_replaced(machine: Machine, how: str, with_tests: bool) -> None:
    machine.installed = {"pipewire", "pipewire-pulse", "wireplumber"}
    if how == "process":
        machine.processes = {"pipewire", "pipewire-pulse", "wireplumber"}
    elif how == "socket":
        machine.socket("pipewire-0")
    result = machine.run(*(["--test"] if with_tests else []))
    assert result.returncode == 0, result.stderr
    installs = machine.apt_installs()
    assert not installs & PULSE
    assert installs == (MAIN | TEST if with_tests else MAIN)
    if with_tests:
        (line,) = [line for line in result.stderr.splitlines() if "PulseAudio" in line]
        stopped = how == "installed-but-stopped"
        assert ("pipewire-pulse is installed" if stopped else "PipeWire runs here") in line
    else:
        # the main job does not even look for a sound server
        assert not [call for call in machine.calls if call.startswith(("pgrep", "pactl"))]


def test_a_user_asks_sudo_for_the_installs(machine: Machine) -> None:
    machine.uid = 1000
    result = machine.run()
    assert result.returncode == 0, result.stderr
    sudo = [call for call in machine.calls if call.startswith("sudo ")]
    assert sudo[0] == "sudo apt-get update -qq"
    assert sudo[1].startswith("sudo env DEBIAN_FRONTEND=noninteractive apt-get install")
    assert len(sudo) == 2
    assert machine.apt_installs() == MAIN


def test_nothing_missing_nothing_installed_and_no_sudo(machine: Machine) -> None:
    machine.uid = 1000
    machine.installed = MAIN | TEST | PULSE
    result = machine.run("--test")
    assert result.returncode == 0, result.stderr
    assert not [call for call in machine.calls if call.startswith(("sudo", "apt-get"))]
    assert machine.calls[-1].endswith("-e .[piper,test]")


def test_a_python_without_headers_or_venv_gets_its_own_packages(machine: Machine) -> None:
    machine.python_facts = "3.10 no no"
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert machine.apt_installs() == MAIN | {"python3.10-dev", "python3.10-venv"}


def test_the_real_interpreter_answers_the_scripts_question(machine: Machine) -> None:
    result = machine.run()
    assert result.returncode == 0, result.stderr
    import sysconfig

    headers = Path(sysconfig.get_paths()["include"], "Python.h").exists()
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    expected = set(MAIN)
    if not headers:
        expected.add(f"python{version}-dev")
    assert machine.apt_installs() == expected


@pytest.mark.parametrize("facts", ["3.9 yes yes", "3.14 yes yes", "2.7 yes no", ""])
def test_an_unsupported_python_is_refused_before_anything_is_installed(
    machine: Machine, facts: str
) -> None:
    machine.uid = 1000
    if facts:
        machine.python_facts = facts
        result = machine.run("--test")
    else:
        result = machine.run("--test", python=str(machine.folder / "no-such-python"))
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert "voiceguide needs Python 3.10 to 3.13" in line
    assert "PYTHON=python3.12 tools/setup.sh --test" in line
    if facts:
        assert f"is Python {facts.split()[0]}" in line
    assert not [
        call for call in machine.calls
        if call.startswith(("sudo", "apt-get", "pgrep", "pactl", "python -m"))
    ]
