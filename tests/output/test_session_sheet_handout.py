"""The session sheet as a patient's handout: the handout keys, the routine's language, the tempo in
words, one printed page on A4 and on Letter, and a page a phone can read."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import voiceguide
from tests.share.browser import Browser, browser
from tests.support.cli import voiceguide as run_voiceguide
from voiceguide.output.labels import ENGLISH, GERMAN, labels_for, tempo_in_words
from voiceguide.resources import bundled_scripts
from voiceguide.script.reader import parse_routine

HANDOUT_EN = """\
how_often = "Once a day, on the days you run"
weeks = 6
prescribed_by = "Alex Example, physiotherapist"
notes = \"\"\"Start with the easier side. If the band is too strong, use a lighter one or none \
for the first week. Keep the movements slow and small rather than fast and big; the aim is \
control, not range. Call the practice if your knee swells.\"\"\"
"""

HANDOUT_DE = """\
how_often = "Einmal am Tag, an Lauftagen"
weeks = 6
prescribed_by = "Alex Beispiel, Physiotherapie"
notes = \"\"\"Fang mit der leichteren Seite an. Ist das Band zu stark, nimm in der ersten Woche \
ein leichteres oder keins. Lieber langsam und klein als schnell und groß: Es geht um Kontrolle, \
nicht um Weite. Ruf in der Praxis an, wenn dein Knie anschwillt.\"\"\"
"""

PAPER = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}  # inches


def _with_handout(folder: Path, name: str, keys: str) -> Path:
    """The bundled routine with the handout keys added at its top level."""
    script = folder / f"{name}.toml"
    script.write_text(keys + bundled_scripts()[name].read_text("utf-8"), "utf-8")
    return script


# -- the script's keys --------------------------------------------------------------------------


def test_the_handout_keys_are_read_and_printed(tmp_path: Path) -> None:
    script = _with_handout(tmp_path, "hip-mobility", HANDOUT_EN)
    routine = voiceguide.read_routine(script)
    assert routine.handout.how_often == "Once a day, on the days you run"
    assert routine.handout.weeks == 6
    assert routine.handout.prescribed_by == "Alex Example, physiotherapist"
    assert routine.handout.notes is not None and routine.handout.notes.startswith("Start with")
    assert routine.language == "en"
    result = run_voiceguide("plan", str(script), "--html", "sheet.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "sheet.html").read_text("utf-8")
    for text in ("How often", "Once a day, on the days you run", "6 weeks",
                 "Prescribed by", "Alex Example, physiotherapist", "Notes:", "Call the practice"):
        assert text in page


def test_the_handout_keys_change_nothing_that_is_heard(tmp_path: Path) -> None:
    plain = voiceguide.load("hip-mobility").plan()
    with_keys = voiceguide.load(_with_handout(tmp_path, "hip-mobility", HANDOUT_EN)).plan()
    assert with_keys == plain


def test_without_the_keys_the_sheet_leaves_their_rows_out() -> None:
    page = voiceguide.load("hip-mobility").routine
    assert page.handout.how_often is None and page.handout.weeks is None
    html = _sheet("hip-mobility")
    assert "How often" not in html and "Prescribed by" not in html and "Notes:" not in html


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("weeks = 0", 'x.toml:1: "weeks" must be a whole number from 1 to 104, not 0'),
        ('weeks = "6"', 'x.toml:1: "weeks" must be a whole number from 1 to 104, not "6"'),
        ("how_often = 2", 'x.toml:1: "how_often" must be text in quotes, not 2'),
        ('notes = ""', 'x.toml:1: "notes" is empty'),
        ('language = "German"',
         'x.toml:1: "language" must be a language code such as "en", "de" or "en-gb", '
         'not "German"'),
        ('prescribd_by = "A"', 'x.toml:1: unknown key "prescribd_by"; did you mean '
         '"prescribed_by"?'),
    ],
)
def test_a_bad_handout_key_is_one_line_naming_the_fix(line: str, message: str) -> None:
    text = f'{line}\ntitle = "T"\n[[move]]\nname = "Plank"\nhold = "30s"\n'
    with pytest.raises(voiceguide.ScriptError) as caught:
        voiceguide.loads(text, name="x.toml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


# -- the language -------------------------------------------------------------------------------


def test_the_language_comes_from_the_key_else_the_voice_else_english() -> None:
    def language(top: str) -> str:
        text = f'title = "T"\n{top}\n[[move]]\nname = "Plank"\nhold = "30s"\n'
        return parse_routine(text, Path("x.toml")).language

    assert language("") == "en"
    assert language('language = "DE-at"') == "de-at"
    assert language('[settings]\nvoice = "de"') == "de"
    assert language('language = "en"\n[settings]\nvoice = "de"') == "en"
    assert voiceguide.read_routine("hip-mobility-de").language == "de"
    assert labels_for("de-at") is GERMAN and labels_for("fr") is ENGLISH


def test_the_chapters_and_the_tags_summary_of_the_german_routine_are_german() -> None:
    from voiceguide.output.chapters import chapters_for

    timeline = voiceguide.load("hip-mobility-de").timeline
    assert timeline.summary.startswith("4 Übungen: Muschel in Seitenlage, Beckenheben, ")
    assert timeline.summary.endswith(" lang.")
    titles = [chapter.title for chapter in chapters_for(timeline)]
    assert titles[:2] == ["Einleitung", "Übung 1: Muschel in Seitenlage"]


def test_the_german_sheet_is_german() -> None:
    html = _sheet("hip-mobility-de")
    assert '<html lang="de">' in html
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)
    for german in ("Dein Übungsplan", "Dauer", "etwa 12 Minuten", "Übungen", "Jede Wiederholung: "
                   "2 s hoch, 1 s halten, 2 s runter.", "Der Ablauf, maßstabsgetreu", "Stimme"):
        assert german in text, german
    for english in ("Length", "Exercises", "Each rep", "Rest:", "Voice", "You need", "to scale",
                    "spoken", "beeps", "Session sheet"):
        assert english not in text, english


def test_the_tempo_is_said_in_words() -> None:
    assert tempo_in_words((2.0, 1.0, 2.0), ENGLISH) == "2 s up, 1 s hold, 2 s down"
    assert tempo_in_words((3.0, 3.0), ENGLISH) == "3 s up, 3 s down"
    assert tempo_in_words((4.0,), ENGLISH) == "4 s"
    assert tempo_in_words((3.0, 0.0, 1.5), ENGLISH) == "3 s up, 1.5 s down"
    assert tempo_in_words((3.0, 1.0, 1.0, 1.0), ENGLISH) == "3 s up, 1 s hold, 1 s down, 1 s pause"
    assert tempo_in_words((1.0,) * 5, ENGLISH) == "1 s, 1 s, 1 s, 1 s, 1 s"
    assert tempo_in_words((2.0, 1.0, 2.0), GERMAN) == "2 s hoch, 1 s halten, 2 s runter"


def test_engineering_detail_is_only_in_the_small_footer() -> None:
    html = _sheet("hip-mobility")
    # what the patient reads: all but the drawing (on screen only) and the footer
    patient, rest = html.split('<section class="drawing">')
    footer = rest.split("<footer>")[1]
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", patient, flags=re.S)
    for detail in ("words a minute", "spoken", "beeps", "Voice", "at -10s", "work phases",
                   "2-1-2", "tempo"):
        assert detail not in text, detail
    assert "words a minute" in footer and "beeps" in footer
    assert "about 12 minutes (11:40)" in text  # the length as the voice rounds it, and exactly
    assert ".drawing { display: none; }" in html.split("@media print")[1]


def _sheet(name: str) -> str:
    session = voiceguide.load(name)
    from voiceguide.output.session_sheet import session_sheet_html

    return session_sheet_html(session.routine, session.timeline, source=name)


# -- printed and on a phone, by a real browser --------------------------------------------------


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with browser(tmp_path_factory.mktemp("chromium") / "profile") as opened:
        yield opened


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled hip routines, English and German, with every handout key filled in."""
    folder = tmp_path_factory.mktemp("sheets")
    made = {}
    for name, keys in (("hip-mobility", HANDOUT_EN), ("hip-mobility-de", HANDOUT_DE)):
        script = _with_handout(folder, name, keys)
        sheet = folder / f"{name}.html"
        voiceguide.load(script).write_sheet(sheet)
        made[name] = sheet
    return made


@pytest.mark.slow
@pytest.mark.parametrize("paper", sorted(PAPER))
@pytest.mark.parametrize("name", ["hip-mobility", "hip-mobility-de"])
def test_the_handout_prints_on_one_page(
    chromium: Browser, sheets: dict[str, Path], name: str, paper: str, tmp_path: Path
) -> None:
    chromium.page("Emulation.clearDeviceMetricsOverride")
    chromium.open(sheets[name].as_uri())
    width, height = PAPER[paper]
    pdf = base64.b64decode(chromium.page(
        "Page.printToPDF", paperWidth=width, paperHeight=height, printBackground=True,
    )["data"])
    assert pdf.startswith(b"%PDF")
    (tmp_path / "sheet.pdf").write_bytes(pdf)  # kept for a look when it fails
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1
    # the page says what the printout is for: the moves and the notes made it onto the page
    text = chromium.run("document.body.innerText")
    assert "Call the practice" in text or "Ruf in der Praxis an" in text


# text smaller than this (CSS px) is hard to read on a phone held at arm's length
SMALLEST_TEXT = 12.0

_SMALL_TEXT = """(() => {
  const small = [];
  for (const element of document.querySelectorAll('body *')) {
    const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height) continue;          // not shown
    let size = parseFloat(getComputedStyle(element).fontSize);
    const svg = element.ownerSVGElement;              // SVG text shrinks with its drawing
    if (svg) size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const what = `${element.tagName} ${size.toFixed(1)} px: ${element.textContent}`;
    if (size < LIMIT) small.push(what);
  }
  return {small: small.slice(0, 5), width: document.documentElement.scrollWidth};
})()"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ["hip-mobility", "hip-mobility-de"])
def test_at_phone_width_no_text_is_tiny_and_nothing_scrolls_sideways(
    chromium: Browser, sheets: dict[str, Path], name: str
) -> None:
    chromium.page("Emulation.setDeviceMetricsOverride", width=390, height=844,
                  deviceScaleFactor=1, mobile=True)
    try:
        chromium.open(sheets[name].as_uri())
        found = chromium.run(_SMALL_TEXT.replace("LIMIT", str(SMALLEST_TEXT)))
    finally:
        chromium.page("Emulation.clearDeviceMetricsOverride")
    assert found["small"] == []
    assert found["width"] <= 390
    # and the same check finds the drawing's labels at a desktop width, where they are small
    chromium.page("Emulation.setDeviceMetricsOverride", width=700, height=900,
                  deviceScaleFactor=1, mobile=False)
    try:
        chromium.open(sheets[name].as_uri())
        wide = chromium.run(_SMALL_TEXT.replace("LIMIT", str(SMALLEST_TEXT)))
    finally:
        chromium.page("Emulation.clearDeviceMetricsOverride")
    assert any(line.startswith("text ") for line in wide["small"]), wide


def test_the_new_script_template_shows_the_handout_keys_and_they_work(tmp_path: Path) -> None:
    from voiceguide.script.template import routine_template

    text = routine_template("Knee routine", "knee.toml")
    live = re.sub(r"(?m)^# (how_often|weeks|prescribed_by|notes|language) = ", r"\1 = ", text)
    assert live.count("\nhow_often = ") == 1 and "\nlanguage = " in live
    routine = parse_routine(live, tmp_path / "knee.toml")
    assert routine.handout.weeks == 6 and routine.language == "en"
