"""Coverage-guided fuzzing of the routine loader with atheris (libFuzzer for Python).

Any bytes go in; the loader must return a Routine or raise ScriptError with one line naming the
file. Anything else (another exception, a message over several lines) is a crash that atheris
reports with the input that caused it.

    .venv/bin/pip install atheris              # a wheel on Linux x86-64, Python 3.11
    .venv/bin/python tools/fuzz_loader.py -max_total_time=60 tests/script/corpus
    .venv/bin/python tools/fuzz_loader.py crash-<hash>     # replay one input

Seed it with tests/script/corpus/ (the broken scripts) and scripts/ (the good ones); libFuzzer flags
such as -max_total_time, -runs and -max_len pass through.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris  # type: ignore[import-untyped, import-not-found, unused-ignore]

with atheris.instrument_imports():
    from voiceguide import units  # noqa: F401
    from voiceguide.errors import ScriptError
    from voiceguide.script import fieldchecks, reader, tomlpos  # noqa: F401

SCRIPT = Path("/nowhere/fuzz.toml")


def test_one_input(data: bytes) -> None:
    try:
        reader.parse_routine(data, SCRIPT, display_name="fuzz.toml")
    except ScriptError as error:
        message = str(error)
        if "\n" in message or not message.startswith("fuzz.toml"):
            raise AssertionError(f"not one line naming the file: {message!r}") from None


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
