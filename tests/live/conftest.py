"""Fixtures of the live tests: a private session bus (a real dbus-daemon) for the MPRIS tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.session_bus import SessionBus


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[SessionBus]:
    session_bus = SessionBus(tmp_path / "dbus")
    try:
        yield session_bus
    finally:
        session_bus.stop()
