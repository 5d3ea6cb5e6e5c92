"""Running the command line in tests: in-process by default, as a real process when it matters.

`voiceguide(...)` runs the real command group in this process through click's CliRunner, with
the real speech engine and the real error mapping, so a test sees exactly the stdout, stderr and
exit status a user sees, without a Python start-up per call. `voiceguide_process(...)` starts
`python -m voiceguide` for the tests that need a real process: signals, terminals, the console
script itself.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from voiceguide.cli import cli


def voiceguide(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command run in-process; the result has the fields subprocess.run gives."""
    before = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), prog_name="voiceguide", env=env)
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback a user would see: fail the test with it
    return subprocess.CompletedProcess(
        ["voiceguide", *args], result.exit_code, result.stdout, result.stderr
    )


def voiceguide_process(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`python -m voiceguide ARGS` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "voiceguide", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def on_a_terminal(
    args: list[str], env: dict[str, str], *, cwd: Path | None = None, stdout_too: bool = True
) -> tuple[int, str]:
    """`python -m voiceguide ARGS` with stderr (and stdout, unless told otherwise) on a
    pseudo-terminal, as a user sees it: its exit status and everything it wrote there."""
    main, side = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", *args], stdin=subprocess.DEVNULL,
        stdout=side if stdout_too else subprocess.DEVNULL, stderr=side, cwd=cwd, env=env,
    )
    os.close(side)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    return process.wait(timeout=300), seen.decode("utf-8", "replace")
