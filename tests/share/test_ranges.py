"""Byte ranges as RFC 9110 reads them, and the coverage that says a download is complete."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceguide.share.ranges import ByteRange, Coverage, Unsatisfiable, parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 100)),
        ("bytes=0-0", ByteRange(0, 1)),
        ("bytes=100-", ByteRange(100, 1000)),
        ("bytes=990-5000", ByteRange(990, 1000)),  # an end past the file is cut to it
        ("bytes=-10", ByteRange(990, 1000)),  # the last 10 bytes
        ("bytes=-5000", ByteRange(0, 1000)),  # more than the file: all of it
        ("bytes=999-999", ByteRange(999, 1000)),
        ("BYTES=1-2", ByteRange(1, 3)),  # the unit is case-insensitive
        ("  bytes=1-2  ", ByteRange(1, 3)),
    ],
)
def test_a_single_range_is_read(header: str, expected: ByteRange) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header",
    [
        None, "", "bytes=", "bytes=-", "bytes=5-2", "items=0-1", "bytes=a-b", "bytes=0-1,5-6",
        "bytes=0-1, 5-6", "bytes 0-1", "bytes=--1", "bytes=1-2-3", "bytes=+1-2", "bytes=0x1-2",
        "bytes=\u0661-\u0662",  # Arabic-Indic digits: not digits here
    ],
)
def test_anything_else_means_the_whole_file(header: str | None) -> None:
    assert parse_range(header, 1000) is None


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=1000-2000", "bytes=5000-", "bytes=-0"])
def test_a_range_past_the_end_is_unsatisfiable(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, 1000)


def test_no_range_of_an_empty_file_is_satisfiable() -> None:
    for header in ("bytes=0-", "bytes=-1", "bytes=0-0"):
        with pytest.raises(Unsatisfiable):
            parse_range(header, 0)


def test_content_range_names_the_last_byte_inclusively() -> None:
    assert ByteRange(10, 20).content_range(1000) == "bytes 10-19/1000"


@given(
    size=st.integers(1, 10_000),
    first=st.one_of(st.none(), st.integers(0, 20_000)),
    last=st.one_of(st.none(), st.integers(0, 20_000)),
)
def test_a_range_always_lies_inside_the_file_and_matches_the_rfc(
    size: int, first: int | None, last: int | None
) -> None:
    header = f"bytes={'' if first is None else first}-{'' if last is None else last}"
    try:
        got = parse_range(header, size)
    except Unsatisfiable:
        # past the end, or a zero-length suffix
        assert (first is not None and first >= size) or (first is None and last == 0)
        return
    if got is None:
        assert (first is None and last is None) or (
            first is not None and last is not None and last < first
        )
        return
    assert 0 <= got.start < got.end <= size
    if first is None:
        assert last is not None
        assert got == ByteRange(max(size - last, 0), size)
    else:
        assert got.start == first
        assert got.end == (size if last is None else min(last + 1, size))


def test_coverage_is_complete_only_when_every_byte_went_out() -> None:
    coverage = Coverage(100)
    assert not coverage.complete
    coverage.add(0, 40)
    coverage.add(60, 100)
    assert not coverage.complete and coverage.sent == 80
    coverage.add(39, 61)
    assert coverage.complete and coverage.sent == 100


def test_touching_pieces_join() -> None:
    coverage = Coverage(10)
    for start in (5, 0, 8, 2):
        coverage.add(start, start + (3 if start != 8 else 2))
    assert coverage.complete


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=30))
def test_coverage_agrees_with_a_set_of_bytes(pieces: list[tuple[int, int]]) -> None:
    coverage = Coverage(50)
    seen: set[int] = set()
    for start, end in pieces:
        coverage.add(start, min(end, 50))
        seen.update(range(start, min(end, 50)))
    assert coverage.sent == len(seen)
    assert coverage.complete == (seen == set(range(50)))
