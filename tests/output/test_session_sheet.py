"""The session sheet (`plan --html`): self-contained, to scale, and rendered by a real browser."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from tests.support.cli import voiceguide
from tests.support.timeline_helpers import RATE, SOUNDS, fake_measure, move, routine
from voiceguide.output.session_sheet import (
    BEEP_COLOUR,
    INTRO_OUTRO_COLOUR,
    PLOT_WIDTH,
    SPEECH_COLOUR,
    WINDOW_COLOUR,
    WORK_COLOUR,
    row_seconds,
    session_sheet_html,
    write_session_sheet,
)
from voiceguide.script.model import Cue, Routine, Settings
from voiceguide.sequencer import build_timeline
from voiceguide.timeline import Timeline


def _routine_and_timeline() -> tuple[Routine, Timeline]:
    made = routine(
        move(name="Clamshell <side>", setup='Knees "bent" & feet together.', sides="each",
             kind="reps", reps=6, tempo=(2.0, 1.0, 2.0), sets=2),
        move(name="Fire hydrant", duration=30.0, sides="each", rest_between_sides=10.0,
             cues=(Cue("-10s", "end", 10.0, "Keep the hips level."),)),
        title="Hips & <knees>",
        settings=Settings(rest_between_moves=25.0),
    )
    return made, build_timeline(made, fake_measure, SOUNDS, RATE)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def test_the_page_is_self_contained_and_escapes_the_script_text() -> None:
    made, timeline = _routine_and_timeline()
    html = session_sheet_html(made, timeline, source="hips.toml")
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, re.I)
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", html, re.I)
    page = _parse(html)
    text = "".join(page.text)
    assert "Hips & <knees>" in text and "Clamshell <side>" in text  # as text, not as tags
    assert 'Knees "bent" & feet together.' in text
    assert "2 sets of 6 reps, each side." in text  # the spoken summary
    assert "Reminders: Keep the hips level." in text  # the cue's words, not its timing
    assert "at -10s" not in text
    assert {tag for tag, _ in page.tags} >= {"html", "head", "style", "body", "svg", "rect"}
    assert not {"knees", "side"} & {tag for tag, _ in page.tags}


def _rect_widths(html: str, colour: str) -> float:
    widths = re.findall(rf'<rect x="[\d.]+" y="\d+" width="([\d.]+)" [^>]*fill="{colour}"', html)
    return sum(float(width) for width in widths)


def test_the_drawing_is_to_scale() -> None:
    made, timeline = _routine_and_timeline()
    html = session_sheet_html(made, timeline, source="hips.toml")
    seconds_per_row = row_seconds(timeline.duration / RATE)
    units_per_second = PLOT_WIDTH / seconds_per_row  # the plot's width in SVG units
    for kind, colour in (("work", WORK_COLOUR), ("window", WINDOW_COLOUR)):
        frames = sum(p.end - p.start for p in timeline.phases if p.kind == kind)
        assert _rect_widths(html, colour) == pytest.approx(
            frames / RATE * units_per_second, abs=0.01 * len(timeline.phases)
        )
    rows = html.count('<div class="row">')
    assert rows == -(-timeline.duration // (seconds_per_row * RATE))
    speech = sum(1 for event in timeline.events if event.kind == "speech")
    assert html.count(f'fill="{SPEECH_COLOUR}"><title>') >= speech


def test_rows_stay_few_for_long_sessions() -> None:
    assert row_seconds(11 * 60) == 60
    assert row_seconds(4 * 60) == 30
    assert row_seconds(4 * 3600) == 900


def test_writing_replaces_an_earlier_sheet_atomically(tmp_path: Path) -> None:
    made, timeline = _routine_and_timeline()
    destination = tmp_path / "sheet.html"
    destination.write_text("old")
    destination.chmod(0o640)
    write_session_sheet(made, timeline, destination, source="hips.toml")
    assert destination.read_text().startswith("<!DOCTYPE html>")
    assert destination.stat().st_mode & 0o777 == 0o640
    assert [path.name for path in tmp_path.iterdir()] == ["sheet.html"]


# -- as a user runs it, opened in a real browser ------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: run tools/setup.sh --test (Debian: chromium)")
    return found


def _chromium_run(tmp_path: Path, page: Path, *output: str) -> None:
    subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
         f"--user-data-dir={tmp_path / 'profile'}", *output, page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )


def _pixels(png: Path) -> np.ndarray:
    """The PNG as an (height, width, 3) array, decoded by ffmpeg."""
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(png), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)


def _count(pixels: np.ndarray, colour: str) -> int:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)
    return int(np.all(pixels == rgb, axis=2).sum())


@pytest.mark.slow
def test_plan_html_renders_in_chromium_with_the_timeline_in_proportion(
    tmp_path: Path, bundled_routines_spoken: None
) -> None:
    result = voiceguide("plan", "hip-mobility", "--html", "sheet.html", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "wrote sheet.html\n"
    document = json.loads(result.stdout)
    sheet = tmp_path / "sheet.html"
    assert "Wall lunge with foam roller" in sheet.read_text()

    _chromium_run(tmp_path, sheet, f"--screenshot={tmp_path / 'shot.png'}",
                  "--window-size=1200,2400")
    pixels = _pixels(tmp_path / "shot.png")
    assert pixels.shape == (2400, 1200, 3)
    white = int(np.all(pixels == 255, axis=2).sum())
    assert white < 0.92 * pixels.shape[0] * pixels.shape[1], "the page looks blank"
    counts = {colour: _count(pixels, colour) for colour in
              (WORK_COLOUR, WINDOW_COLOUR, INTRO_OUTRO_COLOUR, SPEECH_COLOUR, BEEP_COLOUR)}
    assert all(counts.values()), counts

    def seconds(kind: str) -> float:
        return sum(p["end"] - p["start"] for p in document["phases"] if p["kind"] == kind)

    planned = seconds("work") / seconds("window")
    drawn = counts[WORK_COLOUR] / counts[WINDOW_COLOUR]
    # white labels inside the work bars and anti-aliased edges cost a few per cent
    assert drawn == pytest.approx(planned, rel=0.08), (drawn, planned)
    drawn_intro = counts[INTRO_OUTRO_COLOUR] / counts[WINDOW_COLOUR]
    planned_intro = (seconds("intro") + seconds("outro")) / seconds("window")
    assert drawn_intro == pytest.approx(planned_intro, rel=0.08)
    # the whole page fits the window: its bottom is white
    assert np.all(pixels[-200:] == 255)


@pytest.mark.slow
def test_a_bad_destination_or_script_writes_nothing(tmp_path: Path) -> None:
    missing = voiceguide("plan", "hip-mobility", "--html", "no/sheet.html", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == "cannot write no/sheet.html: the folder no does not exist\n"
    (tmp_path / "bad.toml").write_text('title = "x"\n[[move]]\nname = "y"\nhlod = 3\n')
    bad = voiceguide("plan", "bad.toml", "--html", "sheet.html", cwd=tmp_path)
    assert bad.returncode == 2
    assert len(bad.stderr.splitlines()) == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad.toml"]
