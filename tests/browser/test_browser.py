"""End-to-end tests: ``streamlit run app.py`` in a subprocess (one server for the module), opened in
Debian's Chromium. Every registered page loads without an exception; moving the Patterns P slider and
the Adversarial eps slider changes the charts; a shared link reproduces the same numbers in a fresh
browser context; sessions opened at the same time keep their own settings; a CSV file uploaded on the
Data page comes back unchanged from its download button.

Skips only when /usr/bin/chromium is missing on a developer machine; under CI (env var CI set) a missing
browser is a failure, so the test can never silently pass in CI. The server, browser and slider helpers
are shared with the slider timing benchmark (benchmarks/browser.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from benchmarks.browser import (
    CHART,
    CHROMIUM,
    CHROMIUM_ARGS,
    EXCEPTION,
    VIEWPORT,
    chart_signature,
    chromium,
    click_chart,
    move_slider,
    settle,
    slider_value,
    streamlit_server,
    wait_for_change,
)
from tests.paths import ROOT


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """One running Streamlit server for app.py, shared by the module's tests; yields its URL."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(streamlit_server())
        except RuntimeError as exc:
            pytest.fail(str(exc))
        yield url


# Small settings for every page (a parameter a page does not use is ignored).
SMALL = "n=10&epochs=20&ls_runs=10&dy_steps=100"
TABLE = '[data-testid="stTable"]'
SIDEBAR = '[data-testid="stSidebar"]'


def _registered_pages() -> list[tuple[str, str]]:
    """(URL path, title) of every page app.py registers (``explorer.navigation.PAGES``), in order. The
    default page is served at the root: its own url_path answers "Page not found" (Streamlit), so its
    path is ""."""
    from explorer.navigation import PAGES

    assert "app_pages()" in (ROOT / "app.py").read_text(encoding="utf-8")  # app.py registers these pages
    return [("" if page.default else page.url_path, page.title) for page in PAGES]


def _open(browser, url: str, charts: int = 1):
    """A new page (its own browser context: a fresh session) at ``url``, settled."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(url, wait_until="domcontentloaded")
    settle(page, charts=charts)
    return page


def _numbers(page) -> str:
    return page.locator(TABLE).first.inner_text()


def test_every_registered_page_loads_without_an_exception(server: str) -> None:
    """Runs first on the fresh server and opens a page by its address first (not the default page),
    then every page app.py registers: each has its title, a chart and no exception box."""
    from playwright.sync_api import sync_playwright

    pages = _registered_pages()
    assert len(pages) >= 7 and pages[0] == ("", "Playground")
    order = pages[1:] + pages[:1]  # the default page last: the first visit is a page's own address
    with sync_playwright() as p, chromium(p) as browser:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        for path, title in order:
            page.goto(f"{server}/{path}?{SMALL}", wait_until="domcontentloaded")
            settle(page, charts=1)
            assert page.locator(EXCEPTION).count() == 0, (path, page.locator(EXCEPTION).first.inner_text())
            assert page.get_by_role("heading", name=title).count() >= 1, path
            assert page.locator(CHART).count() >= 1, path
            assert page.get_by_text("Page not found").count() == 0, path
        nav = page.locator('[data-testid="stSidebarNav"] a')
        assert nav.count() == len(pages)


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


def test_sliders_change_the_charts(server: str) -> None:
    """One keyboard step of the Patterns page's P slider and of the Adversarial page's display radius
    redraws the charts (the Plotly figures differ) and moves the value into the address."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, chromium(p) as browser:
        for path, label, param, charts in (
            ("patterns", "Sampled directions P", "draws=500", 3),
            ("adversarial", "Display radius", "eps=0.11", 4),
        ):
            page = _open(browser, f"{server}/{path}?{SMALL}&loss=hinge", charts=charts)
            before, value = chart_signature(page), slider_value(page, label)
            move_slider(page, label, "ArrowRight")
            wait_for_change(page, before, timeout_s=90)
            assert slider_value(page, label) != value, path
            assert param in page.url, page.url
            assert page.locator(EXCEPTION).count() == 0, path


def test_shared_link_reproduces_the_numbers(server: str) -> None:
    """The link in the sidebar's share box, opened in a fresh browser context (a new session, nothing
    shared but the server), shows the same controls and the same numbers table."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, chromium(p) as browser:
        first = _open(browser, f"{server}/?data=xor&n=15&epochs=30&opt=sgd&beta=0.01&width=12", 4)
        first.locator(f"{SIDEBAR} summary").filter(has_text="Share this view").click()
        code = first.locator(f'{SIDEBAR} [data-testid="stCode"] code').first
        code.wait_for(timeout=30_000)
        link = code.inner_text().strip()
        assert link.startswith(server) and "data=xor" in link and "opt=sgd" in link, link
        second = _open(browser, link, 4)
        assert second.locator(EXCEPTION).count() == 0
        body = second.locator("body").inner_text()
        assert "page address" not in body and "Page not found" not in body  # the link is valid as it is
        assert _numbers(second) == _numbers(first)
        assert slider_value(second, "Training points n") == "15"


def test_sessions_opened_at_once_keep_their_own_settings(server: str) -> None:
    """Four browser contexts load four settings at the same time on one server: each shows its own
    controls and its own numbers (all different), and none shows an exception."""
    from playwright.sync_api import sync_playwright

    settings = ["data=moons&n=10", "data=circles&n=15", "data=xor&n=20", "data=gaussians&n=25"]
    with sync_playwright() as p, chromium(p) as browser:
        pages = [browser.new_context(viewport=VIEWPORT).new_page() for _ in settings]
        for page, query in zip(pages, settings, strict=True):
            page.goto(f"{server}/?{query}&epochs=20&opt=momentum", wait_until="commit")
        for page in pages:
            settle(page, charts=4)
        tables = [_numbers(page) for page in pages]
        for page, query in zip(pages, settings, strict=True):
            assert page.locator(EXCEPTION).count() == 0, query
            assert slider_value(page, "Training points n") == query.rsplit("=", 1)[1]
        assert len(set(tables)) == len(tables)


def test_csv_upload_round_trip(server: str, tmp_path: Path) -> None:
    """A CSV file uploaded on the Data page comes back point for point from its download button."""
    from playwright.sync_api import sync_playwright

    source = ROOT / "datasets" / "samples" / "moons_small.csv"
    with sync_playwright() as p, chromium(p) as browser:
        page = browser.new_context(viewport=VIEWPORT, accept_downloads=True).new_page()
        page.goto(f"{server}/data?{SMALL}", wait_until="domcontentloaded")
        settle(page, charts=1)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(source))
        page.get_by_text("Loaded 80 points").first.wait_for(timeout=60_000)
        settle(page, charts=1)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Download the points (CSV)").click()
        target = tmp_path / "points.csv"
        download.value.save_as(target)
        assert page.locator(EXCEPTION).count() == 0
    assert _points(target.read_text(encoding="utf-8")) == _points(source.read_text(encoding="utf-8"))


def test_a_click_on_the_data_plane_adds_a_point(server: str) -> None:
    """Two clicks on the empty plane of the Data page add two points (the figure's title counts them),
    Undo takes the last one back; the click is applied before the page draws (one script run)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, chromium(p) as browser:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(f"{server}/data?{SMALL}", wait_until="domcontentloaded")
        settle(page, charts=1)
        chart = page.locator(CHART).first
        assert "Your training points (0)" in chart.inner_text()
        for count, (fx, fy) in enumerate([(0.3, 0.4), (0.7, 0.6)], start=1):
            click_chart(page, 0, fx, fy)
            page.locator(CHART).first.get_by_text(f"Your training points ({count})").wait_for(timeout=60_000)
            settle(page, charts=1)
        page.get_by_role("button", name="Undo").click()
        page.locator(CHART).first.get_by_text("Your training points (1)").wait_for(timeout=60_000)
        assert page.locator(EXCEPTION).count() == 0


def _points(text: str) -> list[tuple[float, float, float]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["x1", "x2", "y"]
    return [(float(a), float(b), float(c)) for a, b, c in rows[1:]]
