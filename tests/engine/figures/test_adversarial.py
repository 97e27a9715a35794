"""The Adversarial page's figure builders (engine/figures/adversarial.py): one ball trace per status, one
arrow trace on demand, the accuracy curves."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from engine.figures import adversarial as fadv
from engine.network import TwoLayerReLU
from engine.robust.evaluation import STATUS_KEYS, accuracy_curves, point_status


def _toy() -> tuple[TwoLayerReLU, np.ndarray, np.ndarray]:
    net = TwoLayerReLU(np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]), np.array([1.0, -1.0]))  # f = x1
    X = np.array([[2.0, 0.0], [0.05, 0.0], [-1.0, 0.5], [1.0, 1.0]])
    y = np.array([1.0, 1.0, 1.0, -1.0])
    return net, X, y


def test_every_status_has_a_legend_entry() -> None:
    assert tuple(fadv.STATUSES) == STATUS_KEYS


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_figure_builders(norm: str) -> None:
    net, X, y = _toy()
    st = point_status(net, X, y, 0.1, norm)
    fig = fadv.adversarial_figure(net, X, y, st, title="t", arrows=True, grid=20)
    statuses = [t.meta["status"] for t in fig.data if isinstance(t.meta, dict) and "status" in t.meta]
    assert statuses == [*fadv.STATUSES, "arrows"]  # one trace per status, then one arrow trace
    cert = next(t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("status") == "certified")
    assert sum(v is None for v in cert.x) == 1  # one outline
    assert len(cert.x) == (6 if norm == "inf" else fadv.CIRCLE_POINTS + 2)
    no_arrows = fadv.adversarial_figure(net, X, y, st, title="t", arrows=False, grid=20)
    assert all(not (isinstance(t.meta, dict) and t.meta.get("status") == "arrows") for t in no_arrows.data)


def test_label_markers_carry_each_points_status_hover() -> None:
    """Each point's hover at the radius (its number, label, margin y f(x), exact worst margin over the
    ball, status) rides on its label marker: no invisible marker per point on top."""
    net, X, y = _toy()
    st = point_status(net, X, y, 0.6, "inf")
    fig = fadv.adversarial_figure(net, X, y, st, title="t", grid=20)
    labels = [t for t in fig.data if str(t.name).startswith("label")]
    assert len(labels) == 2 and all("worst margin over the ball (ε = 0.6)" in t.hovertemplate for t in labels)
    rows = sorted(row for t in labels for row in t.customdata)  # by point number
    assert [row[0] for row in rows] == [1, 2, 3, 4]
    for k, (_, label, margin, worst, text) in enumerate(rows):
        assert label == y[k] and margin == pytest.approx(y[k] * X[k, 0])  # f = x1
        assert worst == pytest.approx(st.worst_margin[k])
        assert text == fadv.STATUSES[st.status[k]][0].removeprefix("ball: ")
    assert (
        len(fig.data)
        == len([t for t in fig.data if t.hovertemplate is None or "worst margin" not in t.hovertemplate]) + 2
    )  # only the two label traces carry it
    assert not any(t.name == "point status" for t in fig.data)


def test_accuracy_figure() -> None:
    net, X, y = _toy()
    curves = accuracy_curves({"a": net, "b": net}, X, y, [0.0, 0.5, 1.0], "inf")
    fig = fadv.accuracy_figure(curves, eps=0.3, title="t")
    assert len(fig.data) == 6


def test_pending_panel_has_the_panels_layout_the_points_and_no_network() -> None:
    """The place of a network still training: laid out as a compact panel beside it (same layout but the
    title and the note), the points on a plain raster plane, no boundary, ball or hover of a network."""
    net, X, y = _toy()
    bounds = (-2.0, 3.0, -1.0, 2.0)
    st = point_status(net, X, y, 0.1, "inf")
    panel = fadv.adversarial_figure(net, X, y, st, title="t", bounds=bounds, grid=30, legend=False)
    pending = fadv.pending_panel_figure(X, y, title="t", note="training …", bounds=bounds, grid=30)
    a, b = panel.to_plotly_json()["layout"], pending.to_plotly_json()["layout"]
    assert {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)} == {"title", "uirevision", "annotations"}
    assert "training …" in b["title"]["text"] and b["annotations"][0]["text"] == "training …"
    assert [t.type for t in pending.data] == ["image", "scatter", "scatter"]
    image = pending.data[0]
    assert (image.x0, image.y0) == (-2.0, -1.0)  # the same raster grid as the panel's plane
    shown = np.concatenate([np.column_stack([t.x, t.y]) for t in pending.data[1:]])
    assert sorted(map(tuple, shown)) == sorted(map(tuple, X))  # every point once, nothing else


def same_json(a, b, path: str = "") -> None:
    """Equal JSON values, floats to 1e-12 (Plotly's own colour scales differ from their spelled-out
    positions by 4e-17)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            same_json(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (p, q) in enumerate(zip(a, b, strict=True)):
            same_json(p, q, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert abs(a - b) <= 1e-12, path
    else:
        assert a == b, path


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_figures_built_unvalidated_are_what_plotly_validates(norm: str) -> None:
    """The page's figures are built as plain dicts, unchecked (engine.figures.style.figure_of): Plotly's
    validation of the same figure accepts every property and changes nothing."""
    net, X, y = _toy()
    bounds = (-2.0, 3.0, -1.0, 2.0)
    curves = accuracy_curves({"a": net}, X, y, [0.0, 0.5], norm)
    figures = [fadv.status_legend_figure(arrows=True), fadv.accuracy_figure(curves, eps=0.3, title="t")]
    for eps in (0.0, 0.1):
        st = point_status(net, X, y, eps, norm)
        for legend in (True, False):
            figures.append(
                fadv.adversarial_figure(net, X, y, st, title="t", arrows=True, legend=legend, grid=20)
            )
    figures.append(fadv.pending_panel_figure(X, y, title="t", note="training …", bounds=bounds, grid=20))
    for fig in figures:
        validated = go.Figure(fig.to_dict())  # raises on an unknown property or a bad value
        same_json(json.loads(validated.to_json()), json.loads(fig.to_json()))
