"""Unit tests of engine.figures on hand-made networks and histories (no solver needed)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine.figures import playground as fg
from engine.network import TwoLayerReLU
from engine.results import TrainHistory

X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [0.2, 0.1]])
Y = np.array([1.0, 1.0, -1.0, -1.0, 1.0])


def _net(dead: bool = False) -> TwoLayerReLU:
    W = np.array([[1.0, 0.0, 0.1], [0.0, 1.0, -0.2], [1.0, 1.0, 0.0]])
    alpha = np.array([1.0, -1.5, 0.0 if dead else 0.5])
    return TwoLayerReLU(W, alpha)


def test_decision_boundary_classification() -> None:
    fig = fg.decision_boundary_figure(_net(), X, Y, title="t", grid=40)
    kinds = [t.type for t in fig.data]
    assert kinds[0] == "image" and any(t.name == "boundary f(x) = 0" for t in fig.data)
    symbols = {t.marker.symbol for t in fig.data if t.type == "scatter" and t.name.startswith("label")}
    assert symbols == {"circle", "x"}  # +1 and -1 differ without colour
    assert fig.layout.yaxis.scaleanchor == "x"
    pos = next(t for t in fig.data if t.name.startswith("label +1"))
    f = _net().predict(X[Y == 1])
    np.testing.assert_allclose(np.asarray(pos.customdata)[:, 2], f)  # margin y f(x) with y = +1


def test_decision_boundary_regression_and_diverged() -> None:
    y = np.linspace(-1, 1, len(X))
    fig = fg.decision_boundary_figure(_net(), X, y, title="t", task="regression", grid=30)
    # the image, its hover layer, its colour bar and the points (no boundary line for regression)
    assert [t.type for t in fig.data] == ["image", "heatmap", "scatter", "scatter"]
    assert fig.data[2].marker.colorscale is not None and fig.data[2].marker.showscale
    bad = TwoLayerReLU(np.full((2, 3), np.nan), np.ones(2))
    msg = fg.decision_boundary_figure(bad, X, Y, title="t")
    assert "diverged" in msg.layout.annotations[0].text


def test_activation_regions_skip_dead_and_are_deterministic() -> None:
    a = fg.activation_regions_figure(_net(dead=True), X, y=Y, title="r", grid=60)
    b = fg.activation_regions_figure(_net(dead=True), X, y=Y, title="r", grid=60)
    assert a.to_json() == b.to_json()
    assert "2 of 3 neurons" in a.layout.title.text
    hover = next(t for t in a.data if t.type == "heatmap" and t.text is not None)
    texts = {str(s) for row in hover.text for s in row}
    assert any(s.startswith("{1,2}") for s in texts)  # both live neurons on somewhere
    assert all("3" not in s.split("<br>")[0] for s in texts)  # the dead neuron never appears
    labels = next(t for t in a.data if t.type == "scatter" and t.mode == "markers+text")
    assert sorted(labels.text) == ["1", "2"]
    one = fg.activation_regions_figure(_net(dead=True), X, y=Y, title="r", grid=60, labelled=1)
    labels = next(t for t in one.data if t.type == "scatter" and t.mode == "markers+text")
    net = _net(dead=True)
    heaviest = int(np.argmax(np.abs(net.alpha) * np.linalg.norm(net.W, axis=1)))
    assert list(labels.text) == [str(heaviest + 1)]  # only the heaviest neuron is numbered


def test_objective_figure_shows_negative_gaps() -> None:
    h = TrainHistory(step=[0, 1, 2, 3], objective=[2.0, 1.0, 0.5, 0.4])
    fig = fg.objective_figure(h, optimum=0.45, optimum_label="", certified=False)
    below = [t for t in fig.data if t.name and t.name.startswith("J ≤ optimum")]
    assert len(below) == 1
    np.testing.assert_allclose(below[0].customdata, [-0.05])
    assert below[0].y[0] > 0  # drawn at a positive floor on the log axis
    assert any("convex (upper bound / not certified)" in (t.name or "") for t in fig.data)
    cert = fg.objective_figure(h, optimum=0.3, optimum_label="exact", certified=True)
    assert any((t.name or "").startswith("certified global optimum") for t in cert.data)
    assert cert.layout.yaxis2.type == "log"
    assert isinstance(fg.objective_figure(TrainHistory(), optimum=None, certified=False), go.Figure)


def test_numbers_table_and_verdict_without_results() -> None:
    table = fg.numbers_table(None, None, X=X, y=Y)
    assert list(table.columns) == ["Convex", "SGD"]
    assert (table.values == "—").all()
    level, text = fg.verdict(None, None)
    assert level == "warning" and text


def test_verdict_round_off_below_certified_optimum() -> None:
    from types import SimpleNamespace

    cvx = SimpleNamespace(
        objective=1.0,
        certified=True,
        certificate=None,
        pattern_mode="exact",
        status="optimal",
        outcome="certified",
        fallback="",
    )
    sgd = SimpleNamespace(objective=1.0 - 1e-9, diverged=False)
    level, text = fg.verdict(cvx, sgd, None)  # type: ignore[arg-type]
    assert level == "success" and "reached the global optimum" in text
    level, text = fg.verdict(cvx, SimpleNamespace(objective=1.5, diverged=False), None)  # type: ignore[arg-type]
    assert "5.0e-01 above the global optimum" in text
