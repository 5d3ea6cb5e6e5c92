"""The atheris target of the loader (tools/fuzz_loader.py) runs for a bounded time, finds nothing.

Skipped where atheris is not installed (it ships wheels for Linux x86-64; see pyproject's test
extras). New corpus entries and crash files go to the test's own folder, never the repository.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 20


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed")
def test_the_loader_survives_coverage_guided_fuzzing(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    corpus = ROOT / "tests" / "script" / "corpus"
    for source in [*corpus.glob("*.toml"), *(ROOT / "scripts").glob("*.toml")]:
        shutil.copy(source, seeds / source.name)
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "fuzz_loader.py"), f"-max_total_time={SECONDS}",
         "-rss_limit_mb=1024", str(seeds)],
        capture_output=True, text=True, timeout=SECONDS + 120, cwd=tmp_path,
    )
    crashes = [path.name for path in tmp_path.iterdir() if path.name.startswith(("crash-", "oom-"))]
    assert result.returncode == 0 and not crashes, result.stderr[-3000:]
    done = [line for line in result.stderr.splitlines() if line.startswith("Done ")]
    assert done and int(done[0].split()[1]) > 1000  # "Done 130168 runs in 21 second(s)"
