"""Projector-first layout in Chromium at 1024 x 768 with the sidebar open (issue 15, item 3): the three
Adversarial panels are wide enough to read (each plane at least 170 px, side by side, one shared legend),
and the Dynamics controls are not cramped (the optimizer box shows its chips, the preset button its word).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.browser import EXCEPTION, settle
from tests.browser.conftest import PROJECTOR, served_tab

PLANE = 'rect.nsewdrag[data-subplot="xy"]'


@pytest.fixture(scope="module")
def tab() -> Iterator:
    """One 1024 x 768 tab on a fresh server (sidebar open)."""
    with served_tab(PROJECTOR) as (page, url):
        page.base_url = url
        yield page


def _open(tab, path: str, charts: int) -> None:
    tab.goto(f"{tab.base_url}{path}", wait_until="domcontentloaded")
    settle(tab, timeout_s=180, charts=charts)
    assert tab.locator(EXCEPTION).count() == 0
    assert tab.locator('[data-testid="stSidebar"]').first.is_visible()


def test_adversarial_panels_are_readable_at_1024(tab) -> None:
    _open(tab, "/adversarial?n=30&epochs=50&loss=hinge", charts=5)
    boxes = []
    for name in ("standard convex", "robust convex", "PGD-trained SGD"):
        plane = tab.locator(f".st-key-adv_{name.replace(' ', '-')} {PLANE}").first  # key class: - for space
        box = plane.bounding_box()
        assert box is not None, name
        boxes.append(box)
    for box in boxes:
        assert box["width"] >= 170 and box["height"] >= 170, box  # a readable plane, not ~100 px
        assert box["x"] + box["width"] <= PROJECTOR["width"], box
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left["x"] + left["width"] <= right["x"]  # side by side, no overlap
        assert abs(left["y"] - right["y"]) < 2  # level with each other
    # one shared legend under the panels, naming every status
    legend = tab.locator(".st-key-adv_legend .legend").first
    assert legend.count() == 1
    text = legend.text_content() or ""
    for status in ("certified robust", "attack found", "PGD missed", "misclassified"):
        assert status in text
    # every entry is drawn inside the legend's chart (none scrolled away or cut), under the panels
    chart = tab.locator(".st-key-adv_legend .js-plotly-plot").first.bounding_box()
    entries = tab.locator(".st-key-adv_legend .legend .traces")
    assert chart is not None and chart["y"] >= boxes[0]["y"] + boxes[0]["height"]
    assert entries.count() == 7
    for k in range(entries.count()):
        box = entries.nth(k).bounding_box()
        assert box is not None and box["height"] > 0, k
        assert chart["y"] <= box["y"] and box["y"] + box["height"] <= chart["y"] + chart["height"] + 1, (
            k,
            box,
        )
        assert box["x"] + box["width"] <= chart["x"] + chart["width"] + 1, (k, box)


def test_dynamics_controls_are_not_cramped_at_1024(tab) -> None:
    _open(tab, "/dynamics?n=30&dy_steps=100", charts=1)
    box = tab.get_by_text("Optimizers", exact=True).first
    select = tab.locator('[data-testid="stMain"] [data-testid="stMultiSelect"]').first.bounding_box()
    assert select is not None and select["width"] >= 240, select  # room for the "GD", "SGD" chips
    assert box.is_visible()
    preset = tab.get_by_role("button", name="Preset").first
    fits = preset.evaluate(
        "b => { const t = b.querySelector('p') || b; return t.scrollWidth <= t.clientWidth; }"
    )
    assert fits, "the preset button's word is cut"
