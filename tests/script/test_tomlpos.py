"""Line numbers of TOML keys: the lines the loader's messages point at."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, before it joined the standard library
    import tomli as tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.budget import examples
from voiceguide.script.tomlpos import key_lines

TRICKY = '''\
format = "voiceguide/1"  # [not a header]
title = """Multi
x = 1
[not.a.header]
end with quotes"""""
note = 'C:\\path # not a comment'
"quoted.key" = 1
"esc\\u0041ped" = 2
[settings]
rate = 170
sounds.tick = "t.wav"
[settings.extra]  # a sub-table
deep = { a = 1, b = [1, 2] }
[[move]]
name = "First"
cues = [
  { at = "10s", say = "x" },  # one
  # a comment between items
  { at = "20s", say = """y
z""" },
]
[[move]]
name = "Second"
[[move.sub]]
k = 1
[[move.sub]]
k = 2
[[move]]
name = 'Third'
'''


def test_the_lines_of_keys_headers_and_items() -> None:
    assert tomllib.loads(TRICKY)["move"][1]["sub"][1]["k"] == 2  # the text is valid TOML
    lines = key_lines(TRICKY)
    expected = {
        ("format",): 1,
        ("title",): 2,
        ("note",): 6,
        ("quoted.key",): 7,
        ("escAped",): 8,
        ("settings",): 9,
        ("settings", "rate"): 10,
        ("settings", "sounds"): 11,
        ("settings", "sounds", "tick"): 11,
        ("settings", "extra"): 12,
        ("settings", "extra", "deep", "b", 1): 13,
        ("move",): 14,
        ("move", 0): 14,
        ("move", 0, "name"): 15,
        ("move", 0, "cues"): 16,
        ("move", 0, "cues", 0): 17,
        ("move", 0, "cues", 0, "say"): 17,
        ("move", 0, "cues", 1): 19,
        ("move", 0, "cues", 1, "say"): 19,
        ("move", 1): 22,
        ("move", 1, "name"): 23,
        ("move", 1, "sub", 0, "k"): 25,
        ("move", 1, "sub", 1): 26,
        ("move", 1, "sub", 1, "k"): 27,
        ("move", 2): 28,
        ("move", 2, "name"): 29,
    }
    assert {path: lines.line(path) for path in expected} == expected
    assert lines.line(("x",)) is None  # inside a string, not a key
    assert lines.line(("not",)) is None


def test_a_path_not_found_falls_back_to_its_longest_prefix() -> None:
    lines = key_lines(TRICKY)
    assert lines.line(("move", 1, "hold")) == 22
    assert lines.line(("move", 0, "cues", 1, "at", "deeper")) == 19
    assert lines.line(("settings", "sounds", "go")) == 11
    assert lines.line(("nothing", "here")) is None
    assert lines.line(()) is None


def test_text_that_is_not_toml_gives_what_it_found() -> None:
    lines = key_lines('title = "T"\n[[move]]\nname = = "x"\n')
    assert (lines.line(("title",)), lines.line(("move", 0))) == (1, 2)


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_scanned_without_error(text: str) -> None:
    key_lines(text)


keys = st.text(min_size=1, max_size=6)
simple_values = st.sampled_from(
    [
        '"a"',
        "'b'",
        "1",
        "2.5",
        "true",
        "[1, 2]",
        '"""x\ny = 2\n[z]"""',
        "'''p\nq'''",
        "{ a = 1 }",
        "[\n  1,\n  # c\n  2,\n]",
        '"[q]"',
        "1979-05-27T07:32:00Z",
        "'#'",
    ]
)


def quoted(key: str) -> str:
    escaped = "".join(
        "\\" + char
        if char in '"\\'
        else f"\\u{ord(char):04x}"
        if ord(char) < 32 or ord(char) == 127
        else char
        for char in key
    )
    return f'"{escaped}"'


@settings(max_examples=examples(200), deadline=None)
@given(
    st.dictionaries(keys.filter(lambda key: key != "move"), simple_values, max_size=6),
    st.lists(st.dictionaries(keys, simple_values, max_size=4), max_size=4),
    st.lists(st.sampled_from(["", "# comment [x]", "   "]), max_size=3),
)
def test_every_key_of_a_generated_document_is_on_its_line(
    top: dict[str, str], moves: list[dict[str, str]], fillers: list[str]
) -> None:
    text, expected = "", {}

    def write(line: str, path: tuple[str | int, ...] | None = None) -> None:
        nonlocal text
        if path is not None:
            expected[path] = text.count("\n") + 1
        text += line + "\n"
        for filler in fillers:
            text += filler + "\n"

    for key, value in top.items():
        write(f"{quoted(key)} = {value}", (key,))
    for index, move in enumerate(moves):
        write("[[move]]", ("move", index))
        for key, value in move.items():
            write(f"{quoted(key)} = {value}", ("move", index, key))
    tomllib.loads(text)  # the generated text is valid TOML
    lines = key_lines(text)
    assert {path: lines.line(path) for path in expected} == expected
