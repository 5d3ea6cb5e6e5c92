"""The shared files of a real session, and a phone's browser playing them through the library."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

import voiceguide
from tests.share.browser import browser
from tests.share.commands import PLANK
from tests.share.serving import serving
from voiceguide.share import ShareOptionError, audio_name, check_format, make_shared_files

# what a phone's player does: play a moment, then jump to the middle and to near the end
PLAY_AND_SEEK = """(async () => {
  const audio = document.querySelector('audio');
  await audio.play();
  await new Promise(done => setTimeout(done, 1000));
  const jumps = [];
  for (const to of [audio.duration / 2, audio.duration - 1]) {
    audio.currentTime = to;
    await new Promise(done => audio.addEventListener('seeked', done, {once: true}));
    jumps.push(audio.currentTime);
  }
  audio.pause();
  return {duration: audio.duration, jumps: jumps, error: audio.error && audio.error.message};
})()"""


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "source", "audio", "script", "img", "link", "iframe"):
            self.found.append({"tag": tag, **dict(attrs)})


@pytest.mark.slow
def test_the_shared_files_of_a_session_and_a_browser_that_seeks_with_ranges(
    tmp_path: Path,
) -> None:
    session = voiceguide.loads(PLANK, name="plank.toml")
    (tmp_path / "shared").mkdir()
    files = make_shared_files(session, tmp_path / "shared", "m4a")
    assert files.audio.name == "plank.m4a"
    assert sorted(path.name for path in (tmp_path / "shared").iterdir()) == [
        "index.html", "plank.m4a", "sheet.html"
    ]
    assert "Plank: exercise plan" in files.sheet.read_text()
    links = _Links()
    links.feed(files.page.read_text())
    assert [(item["tag"], item.get("href") or item.get("src")) for item in links.found] == [
        ("audio", None), ("source", "plank.m4a"), ("a", "download/plank.m4a"),
        ("a", "sheet.html"),
    ]

    with serving(files) as running, browser(tmp_path / "profile") as phone:
        phone.open(running.url)
        heard = phone.run(PLAY_AND_SEEK)
    assert heard["error"] is None
    assert heard["duration"] == pytest.approx(session.seconds, abs=0.2)
    half, end = heard["jumps"]
    assert half == pytest.approx(heard["duration"] / 2, abs=0.5)
    assert end == pytest.approx(heard["duration"] - 1, abs=0.5)
    player = [seen for seen in running.requests if seen.name == "plank.m4a"]
    assert any(seen.status == 206 for seen in player), player  # it asked for ranges
    assert all(seen.status in (200, 206) for seen in player)
    (result,) = running.results
    assert not result.downloaded  # playing is not downloading


def test_the_file_is_named_after_the_script_in_url_safe_characters() -> None:
    assert audio_name("hip-mobility", "m4a") == "hip-mobility.m4a"
    assert audio_name("/home/me/My Knee (v2).toml", "mp3") == "My-Knee-v2.mp3"
    assert audio_name("Übungen für die Hüfte.toml", "wav") == "bungen-f-r-die-H-fte.wav"
    assert audio_name("....toml", "m4a") == "session.m4a"
    assert audio_name("ほぐし.toml", "m4a") == "session.m4a"


def test_only_three_formats() -> None:
    assert [check_format(given) for given in ("m4a", "MP3", ".wav")] == ["m4a", "mp3", "wav"]
    for given in ("ogg", "", "m4b", "flac"):
        with pytest.raises(ShareOptionError, match="unknown format"):
            check_format(given)
