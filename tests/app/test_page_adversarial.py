"""The Adversarial page (AppTest runs at eps = 0, the default and the slider maximum, both norms). Its
figure builders are tested in tests/engine/figures/test_adversarial.py, the point statuses in
tests/engine/robust/test_evaluation.py."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import figures, texts, widget

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
    assert len(figures(at)) == 5  # three boundaries, their shared legend, one accuracy curve
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
    assert len(figures(at)) == 0
