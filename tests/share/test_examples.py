"""The examples in the share package's docstrings hold."""

from __future__ import annotations

import doctest

import voiceguide
import voiceguide.share
from voiceguide.share import address, bundle, server


def test_the_docstring_examples_hold() -> None:
    failed = tried = 0
    for module in (voiceguide.share, address, bundle, server):
        result = doctest.testmod(module, extraglobs={"voiceguide": voiceguide})
        failed += result.failed
        tried += result.attempted
    assert failed == 0
    assert tried >= 6
