"""`voiceguide share` as a user runs it: a real process, its QR code, its URL, a phone's browser.

The server listens on 127.0.0.1 here, or, for the default address, inside a private network
namespace with an address of its own: the tests send nothing to any other address.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from tests.share.browser import browser
from tests.share.commands import (
    NAMESPACE_WITH_ROUTE,
    PLANK,
    in_private_network,
    share_command,
    sharing,
    user_env,
)
from tests.support.cli import voiceguide
from voiceguide.units import about_length

# plays the page's audio, lets it run, seeks near the end: what a phone's player does
PLAY = """(async () => {
  const audio = document.querySelector('audio');
  await audio.play();
  const started = audio.currentTime;
  await new Promise(done => setTimeout(done, 1500));
  const played = audio.currentTime - started;
  audio.currentTime = audio.duration - 2;
  await new Promise(done => audio.addEventListener('seeked', done, {once: true}));
  return {duration: audio.duration, played: played, at: audio.currentTime,
          error: audio.error && audio.error.message, source: audio.currentSrc};
})()"""


def _plank(tmp_path: Path) -> Path:
    script = tmp_path / "plank.toml"
    script.write_text(PLANK)
    return script


def _length(tmp_path: Path) -> float:
    plan = voiceguide("plan", "plank.toml", "--json", cwd=tmp_path)
    return float(json.loads(plan.stdout)["duration"])


def _qr_text(lines: list[str], folder: Path) -> str:
    """What zbarimg reads from the code as a terminal shows it: light text on a dark screen,
    each character two modules (upper and lower half), drawn 8 pixels per module."""
    upper = {" ": 0, "\u2580": 255, "\u2584": 0, "\u2588": 255}
    lower = {" ": 0, "\u2580": 0, "\u2584": 255, "\u2588": 255}
    rows = []
    for line in lines:
        rows.append([upper[char] for char in line])
        rows.append([lower[char] for char in line])
    pixels = np.kron(np.array(rows, dtype=np.uint8), np.ones((8, 8), dtype=np.uint8))
    image = folder / "code.pgm"
    image.write_bytes(b"P5 %d %d 255\n" % (pixels.shape[1], pixels.shape[0]) + pixels.tobytes())
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)],
                          capture_output=True, text=True, timeout=60)
    assert read.returncode == 0, read.stderr
    return read.stdout.strip()


@pytest.mark.slow
def test_a_phone_scans_the_code_plays_the_session_and_downloads_it(tmp_path: Path) -> None:
    _plank(tmp_path)
    exported = voiceguide("export", "plank.toml", "-o", "exported.m4a", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    env = user_env(tmp_path)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    command = share_command("plank.toml", "--host", "127.0.0.1", "--timeout", "5m")
    with sharing(command, tmp_path, env) as shared:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]{32}/", shared.url)
        assert not any("\x1b" in line for line in shared.code)  # no colour codes
        assert _qr_text(shared.code, tmp_path) == shared.url
        with browser(tmp_path / "profile") as phone:
            phone.open(shared.url)
            assert phone.run("document.title") == "Plank"
            length = about_length(_length(tmp_path)).capitalize()  # "About 1 minute (0:58)"
            assert phone.run("document.querySelector('.length').textContent") == length
            playing = phone.run(PLAY)
            assert playing["error"] is None, playing
            assert playing["source"] == shared.url + "plank.m4a"
            assert playing["duration"] == pytest.approx(_length(tmp_path), abs=0.2)
            assert playing["played"] > 0.2  # it played
            assert playing["at"] == pytest.approx(playing["duration"] - 2, abs=0.5)  # it seeked
            phone.run("document.getElementById('sheet').click()")
            phone.event("Page.loadEventFired")
            assert phone.run("document.title") == "Plank: exercise plan"
            assert phone.run("document.location.href") == shared.url + "sheet.html"
            phone.open(shared.url)
            phone.downloads_to(downloads)
            phone.run("document.getElementById('download').click()")
            done = phone.event("Browser.downloadProgress", {"state": "completed"})
        status, err = shared.finish()
    assert (downloads / "plank.m4a").read_bytes() == (tmp_path / "exported.m4a").read_bytes()
    assert done["totalBytes"] == (tmp_path / "exported.m4a").stat().st_size
    assert status == 0, err
    lines = err.splitlines()
    assert "127.0.0.1 opened the page" in lines
    assert lines[-1] == "sent plank.m4a to 127.0.0.1; stopped"
    assert "Traceback" not in err
    assert list((tmp_path / "tmp").iterdir()) == []  # the private folder is gone


@pytest.mark.slow
@pytest.mark.parametrize(("audio_format", "content_type"),
                         [("mp3", "audio/mpeg"), ("wav", "audio/wav")])
def test_other_formats_are_the_exports_bytes(
    tmp_path: Path, audio_format: str, content_type: str
) -> None:
    _plank(tmp_path)
    assert voiceguide("export", "plank.toml", "-o", f"exported.{audio_format}",
                      cwd=tmp_path).returncode == 0
    command = share_command("plank.toml", "--host", "127.0.0.1", "--format", audio_format)
    with sharing(command, tmp_path, user_env(tmp_path)) as shared:
        with urllib.request.urlopen(shared.url, timeout=60) as page:
            assert f'href="download/plank.{audio_format}"' in page.read().decode()
        url = f"{shared.url}download/plank.{audio_format}"
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.headers["Content-Type"] == content_type
            body = response.read()
        status, err = shared.finish()
    assert body == (tmp_path / f"exported.{audio_format}").read_bytes()
    assert status == 0, err


@pytest.mark.slow
def test_nobody_downloads_within_the_time_limit(tmp_path: Path) -> None:
    _plank(tmp_path)
    command = share_command("plank.toml", "--host", "127.0.0.1", "--timeout", "2s")
    with sharing(command, tmp_path, user_env(tmp_path)) as shared:
        address = urlsplit(shared.url)
        status, err = shared.finish()
    assert status == 1, err
    assert err.splitlines()[-1] == "nobody downloaded plank.m4a within 2s; stopped"
    assert list((tmp_path / "tmp").iterdir()) == []
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address.hostname, address.port), timeout=30).close()


@pytest.mark.slow
@pytest.mark.parametrize(("signal_number", "status", "last_line"),
                         [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, -15, None)])
def test_ctrl_c_and_sigterm_stop_it_and_leave_nothing(
    tmp_path: Path, signal_number: int, status: int, last_line: str | None
) -> None:
    _plank(tmp_path)
    command = share_command("plank.toml", "--host", "127.0.0.1")
    with sharing(command, tmp_path, user_env(tmp_path)) as shared:
        with urllib.request.urlopen(shared.url, timeout=60) as page:
            assert page.status == 200
        shared.signal(signal_number)
        ended, err = shared.finish()
    assert ended == status, err
    assert "Traceback" not in err
    if last_line is not None:
        assert err.splitlines()[-1] == last_line
    assert list((tmp_path / "tmp").iterdir()) == []


def test_bad_input_is_one_line_and_status_2_before_anything_is_made(tmp_path: Path) -> None:
    _plank(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cases = {
            ("--format", "ogg"):
                'unknown format "ogg"; use m4a (small, one chapter per move), mp3 or wav',
            ("--port", "99999"):
                "port '99999' is not a port; give a number from 1 to 65535, or 0 for a free one",
            ("--port", str(port)):
                f"port {port} is in use on 127.0.0.1; choose another port, or 0 for a free one",
            ("--host", "192.0.2.55"):
                "no network interface of this computer has the address 192.0.2.55; choose one "
                "that `ip -brief address` lists, or leave the host out",
            ("--host", "localhost"):
                "cannot serve on 'localhost': not an IP address; give one of this computer's "
                "addresses, such as 192.168.1.20 (`ip -brief address` lists them)",
            ("--host", "0.0.0.0"):
                "cannot serve on 0.0.0.0: that is every network at once; give the address of "
                "one interface (`ip -brief address` lists them)",
            ("--timeout", "0"): "--timeout 0: give a time above 0 and up to 24h, such as 10m",
            ("--timeout", "25h"): "--timeout 25h: give a time above 0 and up to 24h, such as 10m",
            ("--timeout", "soon"):
                "--timeout: cannot read duration 'soon'; write it like \"30s\", \"500ms\", "
                "\"2m\", \"1m30s\" or \"1:30\"",
        }
        for options, message in cases.items():
            args = ["share", "plank.toml", "--host", "127.0.0.1", *options]
            result = voiceguide(*args, cwd=tmp_path)
            assert (result.returncode, result.stderr, result.stdout) == (2, message + "\n", ""), \
                options
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plank.toml"]


def test_a_routine_that_fails_to_load_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(PLANK.replace("hold", "hlod"))
    for script in ("bad.toml", "no-such-routine"):
        result = voiceguide("share", script, "--host", "127.0.0.1", cwd=tmp_path)
        assert result.returncode == 2 and result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith(script)


def test_help_shows_an_example() -> None:
    result = voiceguide("share", "--help")
    assert result.returncode == 0
    assert "voiceguide share hip-mobility" in result.stdout
    assert "--timeout" in result.stdout and "--port" in result.stdout


def test_the_command_is_listed() -> None:
    assert "share" in voiceguide("--help").stdout


def _python_in(pid: int, code: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Python run in the network namespace of process `pid`."""
    return subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", sys.executable, "-c", code,
                           *args], capture_output=True, timeout=120)


FETCH = (
    "import sys, urllib.request\n"
    "sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=60).read())"
)
CONNECT = "import socket, sys\nsocket.create_connection((sys.argv[1], int(sys.argv[2])), 30)"


@pytest.mark.slow
def test_by_default_it_serves_on_the_address_of_the_default_route(tmp_path: Path) -> None:
    _plank(tmp_path)
    command = in_private_network(NAMESPACE_WITH_ROUTE, share_command("plank.toml"))
    with sharing(command, tmp_path, user_env(tmp_path)) as shared:
        where = urlsplit(shared.url)
        assert where.hostname == "198.51.100.7"
        pid = shared.process.pid
        # there only: the same namespace's loopback address is not served
        refused = _python_in(pid, CONNECT, "127.0.0.1", str(where.port))
        assert b"ConnectionRefusedError" in refused.stderr
        page = _python_in(pid, FETCH, shared.url)
        assert page.returncode == 0 and b"<h1>Plank</h1>" in page.stdout
        download = _python_in(pid, FETCH, shared.url + "download/plank.m4a")
        status, err = shared.finish()
    assert download.returncode == 0 and download.stdout[4:8] == b"ftyp"  # an MP4 file
    assert status == 0, err
    assert err.splitlines()[-1] == "sent plank.m4a to 198.51.100.7; stopped"


@pytest.mark.slow
def test_without_a_network_it_says_so_and_serves_this_computer_only(tmp_path: Path) -> None:
    _plank(tmp_path)
    command = in_private_network("ip link set lo up",
                                 share_command("plank.toml", "--timeout", "1s"))
    with sharing(command, tmp_path, user_env(tmp_path)) as shared:
        assert urlsplit(shared.url).hostname == "127.0.0.1"
        status, err = shared.finish()
    assert status == 1
    assert err.splitlines()[0] == (
        "no network found (no default route): serving on 127.0.0.1, for this computer only; "
        "--host chooses another address"
    )


@pytest.mark.slow
def test_the_readmes_share_command_sends_the_session(
    tmp_path: Path, bundled_routines_spoken: None
) -> None:
    """The README's `voiceguide share` line, typed as a user types it, in a network of its own
    (tests/cli/test_readme.py leaves it to this test, as it serves until a download). The
    routine's speech comes from the run's cache; the session is encoded and sent for real."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    lines = [line.strip() for line in readme.splitlines()
             if line.strip().startswith("voiceguide share")]
    assert lines and lines[0] == "voiceguide share hip-mobility"
    env = user_env(tmp_path)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    for line in lines:
        command = in_private_network(NAMESPACE_WITH_ROUTE, ["bash", "-c", line])
        with sharing(command, tmp_path, env) as shared:
            page = _python_in(shared.process.pid, FETCH, shared.url)
            assert b"<h1>Hip mobility for runners</h1>" in page.stdout
            name = re.search(rb'href="download/([^"]+)"', page.stdout)
            assert name is not None
            download = _python_in(shared.process.pid, FETCH,
                                  shared.url + "download/" + name.group(1).decode())
            status, err = shared.finish()
        assert status == 0, (line, err)
        assert len(download.stdout) > 100_000
    assert list((tmp_path / "tmp").iterdir()) == []
