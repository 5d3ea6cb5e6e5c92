"""The share server as a client on the network sees it: real sockets, real HTTP, on 127.0.0.1."""

from __future__ import annotations

import base64
import http.client
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.share.serving import WAIT_SECONDS, make_files, request, serving
from voiceguide.share import SharedFiles, ShareOptionError, ShareServer, httpd


@pytest.fixture
def files(tmp_path: Path) -> SharedFiles:
    return make_files(tmp_path / "shared")


def test_the_page_the_audio_and_the_sheet_are_served(files: SharedFiles) -> None:
    with serving(files) as running:
        with urllib.request.urlopen(running.url, timeout=WAIT_SECONDS) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Cache-Control"] == "no-store"
            assert response.headers["Server"] == "voiceguide"  # no Python version
            assert response.read() == files.page.read_bytes()
        for name, path, kind in (("routine.m4a", files.audio, "audio/mp4"),
                                 ("sheet.html", files.sheet, "text/html; charset=utf-8")):
            answer = request(running.address, "GET", running.path + name)
            assert (answer.status, answer.headers["Content-Type"]) == (200, kind)
            assert answer.headers["Accept-Ranges"] == "bytes"
            assert answer.body == path.read_bytes()
        head = request(running.address, "HEAD", running.path + "routine.m4a")
        assert head.status == 200 and head.body == b""
        assert head.headers["Content-Length"] == str(files.audio.stat().st_size)
        assert "Content-Disposition" not in head.headers  # the player's copy plays inline


def test_a_single_range_is_served_as_the_rfc_says(files: SharedFiles) -> None:
    audio = files.audio.read_bytes()
    size = len(audio)
    with serving(files) as running:
        path = running.path + "routine.m4a"

        def get(range_header: str, **more: str) -> tuple[int, str | None, bytes]:
            answer = request(running.address, "GET", path, {"Range": range_header, **more})
            return answer.status, answer.headers["Content-Range"], answer.body

        assert get("bytes=10-19") == (206, f"bytes 10-19/{size}", audio[10:20])
        assert get("bytes=-100") == (206, f"bytes {size - 100}-{size - 1}/{size}", audio[-100:])
        assert get(f"bytes={size - 5}-") == (206, f"bytes {size - 5}-{size - 1}/{size}",
                                             audio[-5:])
        assert get(f"bytes=0-{size * 2}") == (206, f"bytes 0-{size - 1}/{size}", audio)
        assert get(f"bytes={size}-") == (416, f"bytes */{size}", b"range not satisfiable\n")
        # several ranges, or nonsense: the whole file, as the RFC allows
        assert get("bytes=0-1,5-6") == (200, None, audio)
        assert get("lines=1-2") == (200, None, audio)
        # If-Range: the range only while the file is the one the client has
        tag = request(running.address, "HEAD", path).headers["ETag"]
        assert get("bytes=0-9", **{"If-Range": tag}) == (206, f"bytes 0-9/{size}", audio[:10])
        assert get("bytes=0-9", **{"If-Range": '"other"'}) == (200, None, audio)


def test_wrong_tokens_and_every_other_path_get_404(files: SharedFiles) -> None:
    with serving(files) as running:
        token = running.server.token
        wrong = ("A" if token[0] != "A" else "B") + token[1:]
        paths = [
            "/", "/index.html", "/routine.m4a", f"/{token}", f"/{wrong}/", f"/{token[:-1]}/",
            f"/{token}x/", f"/{token.swapcase()}/", f"//{token}/", f"/x/{token}/",
            f"/{wrong}/routine.m4a", f"/{wrong}/download/routine.m4a", f"/{wrong}/sheet.html",
            f"/{token}/index.html", f"/{token}/secret.txt", f"/{token}/../secret.txt",
            f"/{token}/./routine.m4a", f"/{token}/download/", f"/{token}/download",
            f"/{token}/download/sheet.html", f"/{token}/download/../routine.m4a",
            f"/{token}/routine.m4a/", f"/{token}//routine.m4a", f"/{token}/%72outine.m4a",
            f"/{token}/ROUTINE.M4A", f"/{token}/sheet.html/..", f"/{token}/%2e%2e/secret.txt",
            f"http://127.0.0.1/{token}/", "*",
        ]
        for path in paths:
            answer = request(running.address, "GET", path)
            assert answer.status == 404, path
            assert answer.body == b"not found\n", path
            assert request(running.address, "HEAD", path).status == 404, path
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(running.url.replace(token, wrong), timeout=WAIT_SECONDS)
        assert refused.value.code == 404
        refused.value.close()
    assert all(seen.name is None for seen in running.requests if seen.status == 404)


@pytest.mark.parametrize(
    "method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "BREW"]
)
def test_only_get_and_head_are_allowed(files: SharedFiles, method: str) -> None:
    with serving(files) as running:
        for path in (running.path, running.path + "routine.m4a", "/elsewhere"):
            answer = request(running.address, method, path)
            assert answer.status == 405, (method, path)
            assert answer.headers["Allow"] == "GET, HEAD"
        # and nothing changed: the page is still the page
        assert request(running.address, "GET", running.path).body == files.page.read_bytes()


def test_serving_ends_by_itself_once_the_download_is_complete(files: SharedFiles) -> None:
    with serving(files) as running:
        answer = request(running.address, "GET", running.path + "download/routine.m4a")
        assert answer.status == 200
        assert answer.headers["Content-Disposition"] == 'attachment; filename="routine.m4a"'
        assert answer.body == files.audio.read_bytes()
        result = running.ended()
        assert result.downloaded and result.client == "127.0.0.1"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(running.address, timeout=WAIT_SECONDS).close()


def test_the_player_and_a_head_request_do_not_end_it(files: SharedFiles) -> None:
    with serving(files) as running:
        assert request(running.address, "GET", running.path + "routine.m4a").status == 200
        assert request(running.address, "HEAD", running.path + "download/routine.m4a").status \
            == 200
        time.sleep(0.5)
        assert running.thread.is_alive()
        assert request(running.address, "GET", running.path).status == 200
    (result,) = running.results
    assert not result.downloaded and result.client is None


def test_a_download_in_ranges_completes_it_and_a_cut_one_does_not(tmp_path: Path) -> None:
    # bigger than what the loopback's socket buffers hold, so a cut download stays cut
    files = make_files(tmp_path / "shared", audio_bytes=32_000_000)
    audio = files.audio.read_bytes()
    with serving(files) as running:
        path = running.path + "download/routine.m4a"
        connection = http.client.HTTPConnection(*running.address, timeout=WAIT_SECONDS)
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.read(1000) == audio[:1000]
        connection.sock.shutdown(socket.SHUT_RDWR)
        connection.close()
        time.sleep(0.5)
        assert running.thread.is_alive(), "a cut download ended the share"
        first = request(running.address, "GET", path, {"Range": "bytes=0-9999999"})
        assert first.status == 206 and first.body == audio[:10_000_000]
        assert running.thread.is_alive()
        rest = request(running.address, "GET", path, {"Range": "bytes=10000000-"})
        assert rest.status == 206 and rest.body == audio[10_000_000:]
        assert running.ended().downloaded
    cut = [seen for seen in running.requests if seen.sent and seen.sent[0] == 0
           and seen.status == 200]
    assert cut and cut[0].sent is not None and cut[0].sent[1] < len(audio)


def test_the_time_limit_ends_it(files: SharedFiles) -> None:
    started = time.monotonic()
    with serving(files, timeout=0.5) as running:
        result = running.ended()
    assert not result.downloaded
    assert time.monotonic() - started >= 0.5


def test_open_connections_are_closed_when_it_ends(
    files: SharedFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    # connections left alone would stay open for 10 minutes: only closing them ends them
    monkeypatch.setattr(httpd._Handler, "timeout", 600)
    with serving(files) as running:
        idle = socket.create_connection(running.address, timeout=WAIT_SECONDS)
        kept = http.client.HTTPConnection(*running.address, timeout=WAIT_SECONDS)
        kept.request("GET", running.path)  # HTTP/1.1: the connection stays open afterwards
        kept.getresponse().read()
        assert request(running.address, "GET", running.path + "download/routine.m4a").status \
            == 200
        running.ended()
        assert idle.recv(100) == b""  # closed by the server, not left to its idle timeout
        assert kept.sock is not None and kept.sock.recv(100) == b""
        idle.close()
        kept.close()


def test_a_port_in_use_and_an_address_of_another_computer_are_refused() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ShareOptionError) as in_use:
            ShareServer("127.0.0.1", port)
    assert str(in_use.value) == (
        f"port {port} is in use on 127.0.0.1; choose another port, or 0 for a free one"
    )
    assert in_use.value.exit_status == 2
    # binding sends nothing: 192.0.2.55 (a documentation address) is simply not ours
    with pytest.raises(ShareOptionError, match=r"no network interface .* 192\.0\.2\.55"):
        ShareServer("192.0.2.55")


def test_every_server_has_its_own_unguessable_token() -> None:
    tokens = set()
    for _ in range(20):
        with ShareServer("127.0.0.1") as server:
            raw = base64.urlsafe_b64decode(server.token + "=" * (-len(server.token) % 4))
            assert len(raw) * 8 >= 128
            assert server.url == f"http://127.0.0.1:{server.port}/{server.token}/"
            tokens.add(server.token)
    assert len(tokens) == 20


def test_ctrl_c_stops_serving_and_frees_the_port(files: SharedFiles) -> None:
    server = ShareServer("127.0.0.1")
    port = server.port

    def interrupted(url: str) -> None:
        assert request(server_address(url), "GET", "/").status == 404  # it answers
        raise KeyboardInterrupt

    with server, pytest.raises(KeyboardInterrupt):
        server.serve(files, timeout=60, on_ready=interrupted)
    with ShareServer("127.0.0.1", port) as again:  # the port is free again
        assert again.port == port


def server_address(url: str) -> tuple[str, int]:
    host, port = url.split("/")[2].rsplit(":", 1)
    return host.strip("[]"), int(port)


def test_ipv6_loopback_is_served_with_brackets_in_the_url(files: SharedFiles) -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    with serving(files, host="::1") as running:
        assert running.url.startswith("http://[::1]:")
        with urllib.request.urlopen(running.url + "download/routine.m4a",
                                    timeout=WAIT_SECONDS) as response:
            assert response.read() == files.audio.read_bytes()
        assert running.ended().client == "::1"
