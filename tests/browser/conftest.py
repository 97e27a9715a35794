"""Every browser test needs Debian's Chromium: under CI its absence fails the run, elsewhere it skips.
Also the one way the tests open a server and a tab (:func:`served_tab`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from benchmarks.browser import CHROMIUM, chromium, streamlit_server


@pytest.fixture(autouse=True, scope="session")
def require_chromium() -> None:
    """Fail (CI) or skip (elsewhere) when ``/usr/bin/chromium`` is missing, before any server starts."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing under CI: install it with `apt-get install -y chromium`")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")


PROJECTOR = {"width": 1024, "height": 768}  # a classroom projector, the sidebar open


@contextmanager
def served_tab(viewport: dict[str, int]) -> Iterator[tuple[Any, str]]:
    """A fresh Streamlit server for app.py and one Chromium tab of ``viewport`` (a fresh session);
    yields (tab, the server's base URL). A server that does not start fails the test with its output."""
    from playwright.sync_api import sync_playwright

    with ExitStack() as stack:
        try:
            url = stack.enter_context(streamlit_server())
        except RuntimeError as exc:
            pytest.fail(str(exc))
        p = stack.enter_context(sync_playwright())
        browser = stack.enter_context(chromium(p))
        yield browser.new_context(viewport=viewport).new_page(), url
