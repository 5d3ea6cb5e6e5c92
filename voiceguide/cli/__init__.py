"""The command line: click commands over the library's public API."""

from voiceguide.cli.main import cli, main

__all__ = ["cli", "main"]
