"""One end-to-end test: ``streamlit run app.py`` in a subprocess, opened in Debian's Chromium.

Skips only when /usr/bin/chromium is missing on a developer machine; under CI (env var CI set) a missing
browser is a failure, so the test can never silently pass in CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
CHART = '[data-testid="stPlotlyChart"]'
EXCEPTION = '[data-testid="stException"]'


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing under CI: install it with `apt-get install -y chromium`")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server() -> Iterator[str]:
    """A running Streamlit server for app.py; yields its URL and stops it afterwards."""
    _require_chromium()
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{out}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("streamlit did not become healthy within 60 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_playground_in_chromium(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(server + "/", wait_until="domcontentloaded")
            page.wait_for_function(
                f"document.querySelectorAll('{CHART} .js-plotly-plot').length >= 4", timeout=90_000
            )
            # Plotly has drawn: each chart has its main SVG.
            page.wait_for_selector(f"{CHART} .main-svg", timeout=30_000)
            assert page.locator(CHART).count() >= 4
            assert page.locator(EXCEPTION).count() == 0
            assert page.get_by_text("Convex global optimum").count() >= 1
        finally:
            browser.close()


def test_patterns_and_solvers_pages_in_chromium(server: str) -> None:
    """Open the Patterns page by its address first (a fresh server), then move to Solvers by the menu:
    both draw their charts without an exception, and the sidebar choices travel in the URL."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(server + "/patterns?data=xor&n=10&epochs=20", wait_until="domcontentloaded")
            page.wait_for_function(
                f"document.querySelectorAll('{CHART} .js-plotly-plot').length >= 3", timeout=90_000
            )
            assert page.locator(EXCEPTION).count() == 0
            assert page.get_by_role("heading", name="Patterns").count() >= 1
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Solvers").click()
            page.wait_for_function(
                "document.querySelector('h1') && document.querySelector('h1').innerText.includes('Solvers')",
                timeout=30_000,
            )
            page.wait_for_function(
                f"document.querySelectorAll('{CHART} .js-plotly-plot').length >= 1", timeout=90_000
            )
            assert page.locator(EXCEPTION).count() == 0
            assert "data=xor" in page.url and "n=10" in page.url
            thumb = page.locator('[data-testid="stSidebar"] [data-testid="stSliderThumbValue"]').first
            assert thumb.inner_text().strip() == "10"  # the n slider kept its value
        finally:
            browser.close()


def test_adversarial_page_in_chromium(server: str) -> None:
    """The Adversarial page, opened by its address on a fresh server, draws its four charts (three
    boundaries with balls and the accuracy curves) without an exception."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(
                server + "/adversarial?data=xor&n=10&epochs=20&loss=hinge&arrows=true",
                wait_until="domcontentloaded",
            )
            page.wait_for_function(
                f"document.querySelectorAll('{CHART} .js-plotly-plot').length >= 4", timeout=90_000
            )
            assert page.locator(EXCEPTION).count() == 0
            assert page.get_by_role("heading", name="Adversarial").count() >= 1
        finally:
            browser.close()


def test_landscape_and_dynamics_pages_in_chromium(server: str) -> None:
    """The Landscape and Dynamics pages, opened by their addresses (small settings), draw their charts
    without an exception."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            for path, heading, charts in (
                ("/landscape?n=10&epochs=20&ls_runs=10", "Landscape", 3),
                ("/dynamics?n=10&dy_steps=100", "Dynamics", 1),
            ):
                page.goto(server + path, wait_until="domcontentloaded")
                page.wait_for_function(
                    f"document.querySelectorAll('{CHART} .js-plotly-plot').length >= {charts}", timeout=90_000
                )
                assert page.locator(EXCEPTION).count() == 0, path
                assert page.get_by_role("heading", name=heading).count() >= 1
                if heading == "Landscape":  # a click on the sixth-best run shows its decision boundary
                    chart = page.locator(CHART).first
                    chart.locator(".scatterlayer .trace").first.locator("path.point").nth(5).click(force=True)
                    page.get_by_text("Run #6 (seed").first.wait_for(timeout=60_000)
        finally:
            browser.close()
