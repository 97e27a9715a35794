"""The Adversarial page (AppTest runs at eps = 0, the default and the slider maximum, both norms) and its
figure builders (one ball trace per status, one arrow trace on demand)."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.figures import adversarial as fadv
from engine.network import TwoLayerReLU
from tests.app.helpers import texts, widget

TIMEOUT = 120
PAGE = "pages/adversarial.py"
EPS_MAX = 1.0


def _page_widget(at: AppTest, kind: str, key: str):
    for w in getattr(at, kind):
        if w.key == key:
            return w
    raise KeyError(key)


@pytest.fixture(scope="module")
def page(app_path: str) -> AppTest:
    """The page once (n = 12, hinge, 20 epochs), reused by the runs below (cached training)."""
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["epochs"] = "20"
    at.switch_page(PAGE).run()
    widget(at, "n").set_value(12)
    widget(at, "loss").set_value("hinge")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    ("eps", "norm", "arrows"),
    [(0.0, "inf", False), (0.1, "inf", True), (EPS_MAX, "inf", True), (0.1, "2", True)],
    ids=["eps-0", "default", "eps-max", "norm-2"],
)
def test_adversarial_page(page: AppTest, eps: float, norm: str, arrows: bool) -> None:
    at = page
    _page_widget(at, "slider", "eps").set_value(eps)
    _page_widget(at, "radio", "norm").set_value(norm)
    _page_widget(at, "toggle", "arrows").set_value(arrows)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, texts(at.error)
    assert at.title[0].value == "Adversarial"
    assert len(at.get("plotly_chart")) == 4  # three boundaries, one accuracy curve
    assert len(at.table) == 1
    table = at.table[0].value
    assert list(table.columns) == ["standard convex", "robust convex", "PGD-trained SGD"]
    assert "nominal J" in table.index
    assert "upper bound" in texts(at.caption)


def test_adversarial_page_squared_and_regression(page: AppTest) -> None:
    at = page
    widget(at, "loss").set_value("squared")
    at.run()
    assert not at.exception
    assert "hinge" in texts(at.info)
    widget(at, "data").set_value("regression")
    at.run()
    assert not at.exception
    assert "classification labels" in texts(at.warning)
    assert len(at.get("plotly_chart")) == 0


def _toy() -> tuple[TwoLayerReLU, np.ndarray, np.ndarray]:
    net = TwoLayerReLU(np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]), np.array([1.0, -1.0]))  # f = x1
    X = np.array([[2.0, 0.0], [0.05, 0.0], [-1.0, 0.5], [1.0, 1.0]])
    y = np.array([1.0, 1.0, 1.0, -1.0])
    return net, X, y


def test_point_status() -> None:
    net, X, y = _toy()
    st = fadv.point_status(net, X, y, 0.1, "inf")
    assert list(st.status) == ["certified", "attack", "misclassified", "misclassified"]
    assert st.certified_accuracy == 0.25 and st.pgd_accuracy == 0.25 and st.clean_accuracy == 0.5


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_figure_builders(norm: str) -> None:
    net, X, y = _toy()
    st = fadv.point_status(net, X, y, 0.1, norm)
    fig = fadv.adversarial_figure(net, X, y, st, title="t", arrows=True, grid=20)
    statuses = [t.meta["status"] for t in fig.data if isinstance(t.meta, dict) and "status" in t.meta]
    assert statuses == [*fadv.STATUSES, "arrows"]  # one trace per status, then one arrow trace
    cert = next(t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("status") == "certified")
    assert sum(v is None for v in cert.x) == 1  # one outline
    assert len(cert.x) == (6 if norm == "inf" else fadv._CIRCLE_POINTS + 2)
    no_arrows = fadv.adversarial_figure(net, X, y, st, title="t", arrows=False, grid=20)
    assert all(not (isinstance(t.meta, dict) and t.meta.get("status") == "arrows") for t in no_arrows.data)


def test_accuracy_figure() -> None:
    net, X, y = _toy()
    curves = fadv.accuracy_curves({"a": net, "b": net}, X, y, [0.0, 0.5, 1.0], "inf")
    assert curves.certified["a"][0] == 0.5 and curves.certified["a"][-1] == 0.25
    fig = fadv.accuracy_figure(curves, eps=0.3, title="t")
    assert len(fig.data) == 6
