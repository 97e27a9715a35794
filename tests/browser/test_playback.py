"""The Playground's training playback in Chromium: the scrubber and the play button move the SGD panel in
the browser, with no script run on the server, and at 1024 x 768 both decision panels (and the player's
buttons and scrubber) are above the fold with the sidebar open.

"No server rerun" is read from the app root's ``data-test-script-state`` attribute (``running`` while a
script runs): a MutationObserver installed before the interaction counts every switch to ``running``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from benchmarks.browser import EXCEPTION, settle
from explorer.navigation import PAGES
from tests.browser.conftest import PROJECTOR, served_tab

SGD = ".st-key-SGD_playback .js-plotly-plot"
CONVEX = ".st-key-Convex_boundary .js-plotly-plot"
QUERY = "n=30&epochs=100"

# Count the script runs from now on: every switch of the app root to data-test-script-state="running".
_WATCH_RUNS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__runs = 0;
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
# What the SGD panel shows now: the scrubber's position, the numbers, a hash of every trace's data, and
# hashes of the plane (the image of f) and of the boundary line f = 0 alone.
_STATE = f"""() => {{
  const gd = document.querySelector('{SGD}');
  const hash = (v) => {{
    const s = JSON.stringify(v);
    let h = 0;
    for (let i = 0; i < s.length; i++) {{ h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0; }}
    return h;
  }};
  const line = gd.data.find((t) => t.name === 'f = 0');
  return {{active: gd._fullLayout.sliders[0].active, steps: gd._fullLayout.sliders[0].steps.length,
           readout: gd.layout.annotations[0].text, data: hash(gd.data.map((t) => [t.x, t.y, t.z, t.source])),
           plane: hash(gd.data[0].source), boundary: line ? hash([line.x, line.y]) : null,
           frames: gd._transitionData._frames.length}};
}}"""


@pytest.fixture(scope="module")
def page() -> Iterator:
    """The Playground at 1024 x 768 (sidebar open) in a fresh session, settled, with the run counter on."""
    with served_tab(PROJECTOR) as (tab, url):
        tab.goto(f"{url}/?{QUERY}", wait_until="domcontentloaded")
        settle(tab, timeout_s=180, charts=5)
        tab.wait_for_selector(f"{SGD} .main-svg", timeout=60_000)
        assert tab.locator(EXCEPTION).count() == 0
        tab.evaluate(_WATCH_RUNS)
        tab.base_url = url  # for the tests that open another page of the same server
        yield tab


def _state(tab) -> dict:
    return tab.evaluate(_STATE)


def _button(tab, label: str):
    return tab.locator(f"{SGD} .updatemenu-button").filter(has_text=label).first


def _runs(tab) -> int:
    return int(tab.evaluate("() => window.__runs"))


def test_both_decision_panels_are_above_the_fold_at_1024x768(page) -> None:
    assert page.locator('[data-testid="stSidebar"]').first.is_visible()  # the sidebar is open
    convex = page.locator(CONVEX).bounding_box()
    sgd = page.locator(f'{SGD} rect.nsewdrag[data-subplot="xy"]').first.bounding_box()  # the plane
    assert convex is not None and sgd is not None
    assert convex["y"] >= 0 and convex["y"] + convex["height"] <= PROJECTOR["height"], convex
    assert sgd["y"] >= 0 and sgd["y"] + sgd["height"] <= PROJECTOR["height"], sgd
    assert convex["x"] + convex["width"] <= sgd["x"]  # side by side
    for control in (_button(page, "play"), page.locator(f"{SGD} .slider-container").first):
        box = control.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PROJECTOR["height"], box


def test_scrubber_moves_the_sgd_boundary_without_a_server_run(page) -> None:
    before = _state(page)
    assert before["frames"] == before["steps"] >= 60 and before["active"] == before["steps"] - 1
    runs = _runs(page)
    rail = page.locator(f"{SGD} .slider-rail-rect").first.bounding_box()
    assert rail is not None
    page.mouse.click(rail["x"] + 0.15 * rail["width"], rail["y"] + rail["height"] / 2)  # an early frame
    page.wait_for_function(f"() => ({_STATE})().active < {before['active']}", timeout=60_000)
    time.sleep(1.0)
    after = _state(page)
    assert after["active"] < before["active"]
    assert after["data"] != before["data"]  # the plane, the neuron lines and the cursor changed
    assert before["boundary"] is not None  # the SGD panel draws its boundary f = 0 as a line
    assert after["plane"] != before["plane"] and after["boundary"] != before["boundary"]
    assert after["readout"] != before["readout"] and "step" in after["readout"]
    assert _runs(page) == runs  # nothing ran on the server
    assert page.locator(EXCEPTION).count() == 0


def test_reset_step_and_play_reach_the_last_frame_without_a_server_run(page) -> None:
    runs = _runs(page)
    _button(page, "reset").click()
    page.wait_for_function(f"() => ({_STATE})().active === 0", timeout=60_000)
    first = _state(page)
    assert "<b>step 0</b>" in first["readout"]
    _button(page, "step").click()
    page.wait_for_function(f"() => ({_STATE})().active === 1", timeout=60_000)
    assert _state(page)["data"] != first["data"]
    _button(page, "play").click()
    last = first["steps"] - 1
    page.wait_for_function(f"() => ({_STATE})().active === {last}", timeout=120_000)
    end = _state(page)
    assert end["active"] == last and end["data"] != first["data"]
    assert end["plane"] != first["plane"] and end["boundary"] != first["boundary"]
    assert _runs(page) == runs


def test_playground_path_opens_the_playground(page) -> None:
    """``/playground`` (the page's own address) opens the Playground, with no "Page not found"."""
    other = page.context.new_page()
    other.goto(f"{page.base_url}/playground?{QUERY}", wait_until="domcontentloaded")
    settle(other, timeout_s=180, charts=5)
    assert other.get_by_text("Page not found").count() == 0
    assert other.get_by_role("heading", name="Playground").count() >= 1
    assert other.locator(SGD).count() == 1 and other.locator(EXCEPTION).count() == 0
    nav = other.locator('[data-testid="stSidebarNav"] a')
    assert nav.count() == len(PAGES)  # every registered page; the hidden alias is not listed
    other.close()
