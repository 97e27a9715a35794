"""The raster plane as Chromium draws it: Plotly puts an image trace's rows in the y axis' direction, so
the colours must sit where f has that sign. A network with f(x) = relu(x2) - relu(-x2) (= x2) drawn by
:func:`engine.figures.playground.decision_panel_figure` and by ``decision_boundary_figure`` must be blue
(f > 0) at the top of its plane and red (f < 0) at the bottom; f = x1 likewise left to right."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import plotly
import plotly.io as pio
import pytest
from PIL import Image

from benchmarks.browser import chromium
from engine.figures import playground as fg
from engine.network import TwoLayerReLU

pytestmark = pytest.mark.browser

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
X = np.array([[-1.0, -1.0], [1.0, 1.0]])
Y = np.array([-1.0, 1.0])


def _net(axis: int) -> TwoLayerReLU:
    w = np.zeros(3)
    w[axis] = 1.0
    return TwoLayerReLU(np.vstack([w, -w]), np.array([1.0, -1.0]))  # f(x) = x_axis


def _plane_pixels(figure) -> np.ndarray:
    """The plot area of the figure as drawn by Chromium (RGB array)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, chromium(p) as browser:
        page = browser.new_page(viewport={"width": 700, "height": 700})
        page.set_content("<html><body style='margin:0'><div id='plot'></div></body></html>")
        page.add_script_tag(path=str(PLOTLY_JS))
        page.evaluate(
            "(spec) => Plotly.newPlot('plot', spec.data, Object.assign(spec.layout, {width: 600}))",
            json.loads(pio.to_json(figure, validate=False)),
        )
        page.wait_for_timeout(300)
        area = page.locator(".nsewdrag").first.bounding_box()
        shot = page.screenshot(clip=area)
    return np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=int)


def _blue(rgb: np.ndarray) -> bool:
    return bool(rgb[2] > rgb[0] + 40)


def _red(rgb: np.ndarray) -> bool:
    return bool(rgb[0] > rgb[2] + 40)


@pytest.mark.parametrize("make", [fg.decision_panel_figure, fg.decision_boundary_figure])
def test_colours_sit_where_f_has_their_sign(make) -> None:
    for axis in (0, 1):
        px = _plane_pixels(make(_net(axis), X, Y, title="t", bounds=(-2.0, 2.0, -2.0, 2.0)))
        h, w, _ = px.shape
        low = px[int(0.9 * h), int(0.1 * w)]  # near the bottom left: x1 = x2 = -1.6, f < 0
        high = px[int(0.1 * h), int(0.9 * w)]  # near the top right: f > 0
        assert _red(low) and _blue(high), (axis, low, high)
        # f = x2 changes along y only, f = x1 along x only
        other = px[int(0.1 * h), int(0.1 * w)]  # top left: x2 > 0, x1 < 0
        assert _blue(other) if axis == 1 else _red(other), (axis, other)
