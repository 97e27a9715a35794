"""The in-place charts (explorer.live_chart) in Chromium: a control change redraws a chart in the same
Plotly div (Plotly.react), a chart whose figure did not change is left as drawn, Streamlit's theme
colours replace its template's placeholders, the mode bar is st.plotly_chart's, and a chart follows the
width of its column."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from benchmarks.browser import EXCEPTION, chart_signature, flip_toggle, settle, step_number, wait_for_change
from tests.browser.conftest import PROJECTOR, served_tab

SGD = ".st-key-SGD_playback .js-plotly-plot"
CONVEX = ".st-key-Convex_boundary .js-plotly-plot"
PLACEHOLDER = re.compile(r'"#0000[0-4][0-9]"')
_CHARTS = "Array.from(document.querySelectorAll('.explorer-live-chart.js-plotly-plot'))"


@pytest.fixture(scope="module")
def page() -> Iterator:
    with served_tab(PROJECTOR) as (tab, url):
        tab.goto(f"{url}/?n=30&epochs=100", wait_until="domcontentloaded")
        settle(tab, timeout_s=180, charts=5)
        tab.wait_for_selector(f"{SGD} .main-svg", timeout=60_000)
        assert tab.locator(EXCEPTION).count() == 0
        yield tab


def test_playground_charts_are_live(page) -> None:
    assert page.evaluate(f"{_CHARTS}.length") == 5
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0


def test_a_change_redraws_in_the_same_div_and_leaves_unchanged_charts(page) -> None:
    page.evaluate(f"""() => {{
      window.__sgd = document.querySelector('{SGD}');
      window.__convex = document.querySelector('{CONVEX}');
      window.__sgdData = window.__sgd.data;
      window.__convexData = window.__convex.data;
    }}""")
    before = chart_signature(page)
    start = flip_toggle(page, "Show the optimum's neurons")
    wait_for_change(page, before, timeout_s=120, quiet_s=0.5, since=start)
    # drawn, not only changed: a chart off screen is drawn once the page is quiet (the CI run once read the
    # SGD div between the two, its data not there yet)
    drawn = (
        f"() => {{ const el = document.querySelector('{SGD}'); return !!(el && el.data && el.data.length); }}"
    )
    page.wait_for_function(drawn, timeout=60_000)
    state = page.evaluate(f"""() => ({{
      sameSgd: document.querySelector('{SGD}') === window.__sgd,
      sgdRedrawn: window.__sgd.data !== window.__sgdData,
      sameConvex: document.querySelector('{CONVEX}') === window.__convex,
      convexUntouched: window.__convex.data === window.__convexData,
      names: (window.__sgd.data || []).filter((t) => t.visible !== false).map((t) => t.name || ''),
    }})""")
    assert state["sameSgd"] and state["sgdRedrawn"], state
    assert state["sameConvex"] and state["convexUntouched"], state
    assert not any("optimum" in n for n in state["names"]), state["names"]  # the neurons were switched off
    assert "SGD" in state["names"]
    flip_toggle(page, "Show the optimum's neurons")
    settle(page, timeout_s=120, charts=5)


def test_theme_colours_fonts_and_mode_bar(page) -> None:
    charts = page.evaluate(f"""() => {_CHARTS}.map((el) => ({{
      json: JSON.stringify([el.data, el.layout]),
      family: el._fullLayout.font.family,
      colorway: el._fullLayout.colorway,
      lasso: el.querySelectorAll('.modebar-btn[data-val="lasso"], .modebar-btn[data-val="select"]').length,
      zoom: el.querySelectorAll('.modebar-btn[data-val="zoom"]').length,
      logo: el.querySelectorAll('.modebar-btn.plotlyjsicon').length,
    }}))""")
    categorical = page.evaluate(
        "getComputedStyle(document.querySelector('.explorer-live-chart'))"
        ".getPropertyValue('--st-chart-categorical-colors')"
    )
    assert len(charts) == 5
    for chart in charts:
        assert not PLACEHOLDER.search(chart["json"])
        assert "Source Sans" in chart["family"]
        assert [c.lower() for c in chart["colorway"]] == [c.strip().lower() for c in categorical.split(",")]
        assert chart["lasso"] == 0 and chart["logo"] == 0
    assert sum(c["zoom"] for c in charts) >= 1


def test_a_chart_follows_its_column_width(page) -> None:
    width = page.evaluate(f"document.querySelector('{CONVEX}').clientWidth")
    try:
        page.set_viewport_size({"width": 1440, "height": 768})
        page.wait_for_function(
            f"""() => {{ const el = document.querySelector('{CONVEX}');
              return el.clientWidth > {width} && Math.abs(el._fullLayout.width - el.clientWidth) <= 1; }}""",
            timeout=30_000,
        )
    finally:
        page.set_viewport_size(PROJECTOR)


def test_full_screen_fills_the_window_and_escape_restores(page) -> None:
    """The mode bar's "Full screen" button makes a chart fill the window (Plotly redrawn at that size,
    above the sidebar); Escape brings it back to its place and its figure's height."""
    chart = page.locator(CONVEX)
    chart.evaluate("el => el.scrollIntoView({block: 'start'})")  # the page scrolled: exit must keep it
    before = chart.bounding_box()
    page.evaluate(f"window.__expanded = document.querySelector('{CONVEX}')")  # it moves under <body>
    # dispatched: Playwright's click on a button that shows only on hover may scroll the page itself
    chart.locator('.modebar-btn[data-title="Full screen"]').dispatch_event("click")
    page.wait_for_function(
        """() => { const el = window.__expanded;
          return el._fullLayout.width >= 0.9 * window.innerWidth
            && el._fullLayout.height >= 0.8 * window.innerHeight; }""",
        timeout=30_000,
    )
    exit_button = page.locator(".explorer-expanded .explorer-exit")
    assert exit_button.is_visible() and page.locator(".explorer-exit:visible").count() == 1
    box = page.locator(".explorer-expanded").bounding_box()
    assert box["x"] == 0 and box["y"] == 0 and box["width"] == PROJECTOR["width"]
    page.keyboard.press("Escape")
    page.wait_for_function(
        f"""() => {{ const el = window.__expanded;
          return el === document.querySelector('{CONVEX}')
            && Math.abs(el._fullLayout.height - {before["height"]}) <= 1
            && el._fullLayout.width < window.innerWidth / 1.5; }}""",
        timeout=30_000,
    )
    assert page.locator(".explorer-exit:visible").count() == 0
    after = chart.bounding_box()
    assert abs(after["y"] - before["y"]) <= 2 and abs(after["width"] - before["width"]) <= 2


def test_charts_off_screen_are_drawn_after_those_on_screen(page) -> None:
    """A change draws the charts on screen first; a chart far below (the SGD region map, ~700 px under a
    768 px window) waits until the page is quiet (explorer.live_chart: 0.5 s after the last chart was
    sent), then is drawn without a scroll."""
    page.locator(CONVEX).evaluate("el => el.scrollIntoView({block: 'start'})")
    page.evaluate(f"""() => {{
      const sgd = document.querySelector('{SGD}'), regions = {_CHARTS}[3];
      const seen = (window.__seen = {{ sgd: null, regions: null, regionsBelow: null }});
      const sgdData = sgd.data, regionsData = regions.data;
      seen.regionsBelow = regions.getBoundingClientRect().top - window.innerHeight;
      const look = () => {{
        const t = performance.now();
        if (seen.sgd === null && sgd.data !== sgdData) seen.sgd = t;
        if (seen.regions === null && regions.data !== regionsData) seen.regions = t;
        if (seen.sgd === null || seen.regions === null) requestAnimationFrame(look);
      }};
      requestAnimationFrame(look);
    }}""")
    before = chart_signature(page)
    start = step_number(page, "Training seed")
    wait_for_change(page, before, timeout_s=120, quiet_s=0.3, since=start)
    settle(page, timeout_s=120, quiet_s=0.5, charts=5)
    seen = page.evaluate("() => window.__seen")
    assert seen["regionsBelow"] > 300, seen  # the map starts well below the window
    assert seen["sgd"] is not None and seen["regions"] is not None, seen  # both redrawn, no scroll
    assert seen["regions"] - seen["sgd"] >= 250, seen  # the one off screen after the page went quiet
    step_number(page, "Training seed", forward=False)
    settle(page, timeout_s=120, charts=5)
