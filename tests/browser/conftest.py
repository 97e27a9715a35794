"""Every browser test needs Debian's Chromium: under CI its absence fails the run, elsewhere it skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.browser import CHROMIUM


@pytest.fixture(autouse=True, scope="session")
def require_chromium() -> None:
    """Fail (CI) or skip (elsewhere) when ``/usr/bin/chromium`` is missing, before any server starts."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing under CI: install it with `apt-get install -y chromium`")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
