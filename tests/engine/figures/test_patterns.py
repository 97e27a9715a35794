"""The Patterns page's figures (engine/figures/patterns.py): arrangement plane, direction sphere,
approximation curve, on a small moons set."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.colors import unlabel_rgb

from datasets import make_dataset
from engine.figures import patterns as fpat
from engine.network import lift
from engine.studies.approximation import approximation_curve, pattern_coverage
from engine.studies.race import certified_optimum
from engine.studies.sphere import hemisphere_coverage
from tests.engine.figures.test_adversarial import same_json
from tests.engine.figures.test_raster import png_image

N = 12
BETA = 1e-2


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    ds = make_dataset("moons", N, noise=0.1, seed=1)
    return ds.X, ds.y


def test_plane_figure_draws_lines_as_one_trace(data) -> None:
    X, y = data
    cov = pattern_coverage(X, 500, seed=0)
    fig = fpat.arrangement_plane_figure(X, y, cov.sampled.directions, title="plane")
    lines = [t for t in fig.data if t.name and t.name.startswith("line")]
    assert len(lines) == 1
    assert np.isnan(np.asarray(lines[0].x, dtype=float)).sum() >= cov.hits - 2  # separators


def test_sphere_figure_counts_and_discs(data) -> None:
    X, _ = data
    cov = pattern_coverage(X, 100, seed=0)
    fig = fpat.direction_sphere_figure(X, cov, title="sphere", grid=41)
    assert f"{cov.exact_count} exact patterns" in fig.layout.title.text
    assert f"hit {cov.hits}" in fig.layout.title.text
    images = [t for t in fig.data if t.type == "image"]
    assert len(images) == 2 and not any(t.type == "heatmap" for t in fig.data)
    for image, upper in zip(images, (True, False), strict=True):  # each disc: its coverage raster
        axis, raster = hemisphere_coverage(X, cov.sampled, 41, upper=upper)
        pixels = np.asarray(png_image(image.source).convert("RGB"))  # file row 0 = raster row 0 (y = -1)
        assert (image.x0, image.y0, image.dx) == pytest.approx((axis[0], axis[0], axis[1] - axis[0]))
        colour = {1.0: unlabel_rgb(fpat.HIT_COLOUR), 0.0: unlabel_rgb(fpat.MISS_COLOUR)}
        for (i, j), value in np.ndenumerate(raster):
            expected = (255, 255, 255) if np.isnan(value) else colour[value]
            assert tuple(pixels[i, j]) == tuple(expected)
        assert np.nanmax(raster) == 1.0  # some cell holds a sample


def test_approximation_figure(data) -> None:
    X, y = data
    reference = certified_optimum(X, y, loss="squared", beta=BETA)
    curve = approximation_curve(X, y, loss="squared", beta=BETA, counts=(5, 50), reference=reference)
    fig = fpat.approximation_figure(curve, current=50)
    names = " ".join(t.name or "" for t in fig.data)
    assert "certified global optimum" in names and "current P = 50" in names
    assert fig.layout.xaxis.type == "log"


def test_approximation_figure_marks_pending_counts_without_a_value(data) -> None:
    """A first answer's curve: the counts solved so far, each pending count a dotted line over the
    objective's span (no marker, no value) labelled as being solved, and on the axis's ticks."""
    X, y = data
    reference = certified_optimum(X, y, loss="squared", beta=BETA)
    curve = approximation_curve(X, y, loss="squared", beta=BETA, counts=(5, 50), reference=reference)
    fig = fpat.approximation_figure(curve, current=200, pending=(200,), pending_note="solving …")
    marks = [t for t in fig.data if (t.name or "").startswith("P = 200 draws: solving")]
    assert len(marks) == 1 and list(marks[0].x) == [200, 200] and marks[0].mode == "lines+text"
    J = [v for v in curve.objective] + [reference.objective]
    assert marks[0].y[0] == pytest.approx(min(J)) and marks[0].y[1] == pytest.approx(max(J))
    assert list(fig.layout.xaxis.tickvals) == [5, 50, 200]
    assert not any("current P" in (t.name or "") for t in fig.data)  # 200 is not on the curve: no ring
    plain = fpat.approximation_figure(curve, current=200)
    assert len(fig.data) == len(plain.data) + 1 and list(plain.layout.xaxis.tickvals) == [5, 50]


def test_sphere_figure_built_unvalidated_is_what_plotly_validates(data) -> None:
    """The sphere is built as plain dicts (engine.figures.style.figure_of): Plotly's validation of the
    same figure accepts every property and changes nothing."""
    X, _ = data
    for draws in (1, 100):
        fig = fpat.direction_sphere_figure(X, pattern_coverage(X, draws, seed=0), title="sphere", grid=41)
        validated = go.Figure(fig.to_dict())  # raises on an unknown property or a bad value
        same_json(json.loads(validated.to_json()), json.loads(fig.to_json()))


def test_circle_halves_lie_on_their_circles(data) -> None:
    """Each half circle is unit directions w with z . w = 0 and w3 >= 0, from e1 to -e1 (a half turn)."""
    X, _ = data
    Z = np.vstack([lift(X), [0.0, 0.0, 1.0]])  # and z = (0, 0, 1): the equator
    halves = fpat._circle_halves(Z, samples=31)
    assert halves.shape == (len(Z), 31, 3)
    assert np.allclose(np.linalg.norm(halves, axis=2), 1.0)
    assert np.allclose(np.einsum("kj,ksj->ks", Z, halves), 0.0, atol=1e-12)
    assert np.all(halves[:, :, 2] >= -1e-12)
    assert np.allclose(halves[:, 0], -halves[:, -1])
    assert np.allclose(halves[-1, :, 2], 0.0)  # the equator
