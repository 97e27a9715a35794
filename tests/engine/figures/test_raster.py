"""The raster layer of value surfaces (engine.figures.style): the PNG encoder against Pillow's decoder,
the colours against Plotly's own colour scale, the level line f = 0 against the function, and the
figures that draw decision functions with it (image + boundary line + hover layer + colour bar)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from plotly.colors import sample_colorscale

from engine.figures import playground as fg
from engine.figures.style import colour_image, grid_points, png_data_uri, surface_traces, zero_level_lines
from engine.network import TwoLayerReLU


def png_image(uri: str) -> Image.Image:
    """The image of a PNG data URI (Pillow's decoder)."""
    head = "data:image/png;base64,"
    assert uri.startswith(head)
    return Image.open(io.BytesIO(base64.b64decode(uri[len(head) :])))


@given(
    st.integers(1, 40),
    st.integers(1, 40),
    st.sampled_from([3, 4]),
    st.integers(0, 2**31 - 1),
)
@settings(max_examples=25, deadline=None)
def test_png_round_trips_through_pillow(h: int, w: int, channels: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(h, w, channels), dtype=np.uint8)
    if seed % 2:  # smooth rows too (the "up" filter wins there)
        pixels = np.cumsum(pixels // 64, axis=0).astype(np.uint8)
    img = png_image(png_data_uri(pixels))
    assert img.size == (w, h) and img.mode == ("RGB" if channels == 3 else "RGBA")
    assert np.array_equal(np.asarray(img), pixels)


def test_palette_png_round_trips_through_pillow() -> None:
    rng = np.random.default_rng(3)
    palette = rng.integers(0, 256, size=(256, 3), dtype=np.uint8)
    index = rng.integers(0, 256, size=(17, 23), dtype=np.uint8)
    img = png_image(png_data_uri(index, palette))
    assert img.mode == "P" and np.array_equal(np.asarray(img), index)
    assert np.array_equal(np.asarray(img.convert("RGB")), palette[index])
    with pytest.raises(ValueError):
        png_data_uri(index, palette[:, :2])


def test_colour_image_matches_plotly_scale_rows_as_given() -> None:
    xs = np.linspace(0.0, 1.0, 5)
    F = np.tile(np.linspace(-2.0, 2.0, 7)[:, None], (1, 5))  # rows: y upwards, f grows with y
    F[0, 0] = np.nan
    index, palette = colour_image(F, "RdBu", -1.0, 1.0)
    assert index.shape == (7, 5) and len(palette) == 256
    rgb = palette[index]
    # rows as in F (Plotly draws row 0 at the bottom): the last row has f = 2, clipped to RdBu's blue end
    expected = [np.array(c) for c in sample_colorscale("RdBu", [0.0, 0.5, 1.0], colortype="tuple")]
    np.testing.assert_allclose(rgb[0, 1] / 255.0, expected[0], atol=1 / 255)
    np.testing.assert_allclose(rgb[3, 1] / 255.0, expected[1], atol=3 / 255)  # f = 0: the middle
    np.testing.assert_allclose(rgb[6, 1] / 255.0, expected[2], atol=1 / 255)
    assert np.array_equal(rgb[0, 0], [255, 255, 255])  # the non-finite value: white
    assert xs.size == 5


def on_level(x: np.ndarray, y: np.ndarray, f, tol: float) -> None:
    ok = np.isfinite(x)
    assert ok.sum() >= 2
    assert np.max(np.abs(f(x[ok], y[ok]))) <= tol


@given(st.floats(-3, 3), st.floats(-3, 3), st.floats(-1, 1), st.integers(5, 60))
@settings(max_examples=40, deadline=None)
def test_level_line_of_an_affine_function_is_exact(a: float, b: float, c: float, grid: int) -> None:
    xs, ys = np.linspace(-1.0, 1.0, grid), np.linspace(-1.0, 1.0, grid)
    XX, YY = np.meshgrid(xs, ys)
    F = a * XX + b * YY + c
    x, y = zero_level_lines(xs, ys, F)
    pos = F > 0
    if pos.all() or (~pos).all():
        assert x.size == 0
        return
    on_level(x, y, lambda u, v: a * u + b * v + c, 1e-5 * (1 + abs(a) + abs(b)))
    if abs(a) + abs(b) > 1e-3 and np.isfinite(x).sum() > 1:
        assert np.isnan(x).sum() == 1  # a straight line across the box: one polyline


def test_level_line_of_a_circle_is_one_closed_loop() -> None:
    xs = ys = np.linspace(-2.0, 2.0, 81)
    XX, YY = np.meshgrid(xs, ys)
    x, y = zero_level_lines(xs, ys, XX**2 + YY**2 - 1.0)
    assert np.isnan(x).sum() == 1  # one line
    assert (x[0], y[0]) == (x[-2], y[-2])  # closed: it ends where it starts
    np.testing.assert_allclose(np.hypot(x[:-1], y[:-1]), 1.0, atol=2e-3)


def test_surface_traces_layers() -> None:
    xs, ys, P = grid_points((-1.0, 1.0, -1.0, 1.0), 50)
    F = (P[:, 0] - 0.2).reshape(50, 50)
    kinds = [
        t["type"]
        for t in surface_traces(
            xs, ys, F, colorscale="RdBu", zmin=-1, zmax=1, boundary=dict(name="b"), colour_title="f(x)"
        )
    ]
    assert kinds == ["image", "heatmap", "scatter", "scatter"]  # image, hover, colour bar, boundary
    traces = surface_traces(xs, ys, F, colorscale="RdBu", zmin=-1, zmax=1, hover=None)
    assert [t["type"] for t in traces] == ["image"]  # no hover, no bar, no boundary asked
    image = traces[0]
    # pixel centres on the grid points, row 0 at the smallest y
    assert image["x0"] == xs[0] and image["y0"] == ys[0] and image["dy"] > 0 and image["dx"] > 0
    hover = surface_traces(xs, ys, F, colorscale="RdBu", zmin=-1, zmax=1, hover_grid=10)[1]
    assert len(hover["x"]) <= 10 and hover["opacity"] == 0.0


NET = TwoLayerReLU(np.array([[1.0, 0.0, 0.1], [0.0, 1.0, -0.2], [1.0, 1.0, 0.0]]), np.array([1.0, -1.5, 0.5]))
X = np.array([[-1.0, -1.0], [1.0, 1.0], [0.5, -0.5], [-0.5, 0.8]])
Y = np.array([1.0, -1.0, 1.0, -1.0])


@pytest.mark.parametrize("make", ["boundary", "panel"])
def test_decision_figures_draw_an_image_and_the_boundary(make: str) -> None:
    if make == "boundary":
        fig = fg.decision_boundary_figure(NET, X, Y, title="t", grid=60)
    else:
        fig = fg.decision_panel_figure(NET, X, Y, title="t", grid=60)
    types = [t.type for t in fig.data]
    assert types[0] == "image" and "contour" not in types
    assert sum(t.type == "heatmap" for t in fig.data) == 1  # only the transparent hover layer
    line = next(
        t for t in fig.data if t.type == "scatter" and t.name and "f(x) = 0" in t.name or t.name == "f = 0"
    )
    on_level(
        np.asarray(line.x, float), np.asarray(line.y, float), lambda u, v: NET.predict(np.c_[u, v]), 0.05
    )
    if make == "boundary":  # the full figure keeps its colour bar
        assert any(t.type == "scatter" and t.marker.showscale for t in fig.data)
