"""AppTest (headless Streamlit) checks of the Playground: it renders without exceptions, with the
default settings and with changed widgets, and shows its figures, verdict and numbers."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from explorer.settings import PAGE_EXACT_MAX_N
from tests.app.helpers import chart_titles, figures, texts, widget

TIMEOUT = 60  # seconds per script run; the exact convex program takes a few seconds at most


def _run(app_path: str, **widgets: object) -> AppTest:
    """Run the app once with defaults, then set the widgets given by key and rerun."""
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    if widgets:
        for key, value in widgets.items():
            widget(at, key).set_value(value)
        at.run()
    return at


def _charts(at: AppTest) -> int:
    return len(figures(at))


def test_default_page_renders(app_path: str) -> None:
    at = _run(app_path)
    assert not at.exception
    assert not at.error, texts(at.error)
    assert at.title[0].value == "Playground"
    titles = chart_titles(at)
    assert "Convex global optimum" in titles and "SGD (adam), played back" in titles
    # the convex boundary, the SGD playback, two activation-region figures, one objective figure
    assert _charts(at) == 5
    # the exact-program cap is stated, and a verdict is given
    assert f"n ≤ {PAGE_EXACT_MAX_N}" in texts(at.caption)
    assert "ertified" in texts(at.success) + texts(at.info) + texts(at.warning)
    assert len(at.table) == 1
    table = at.table[0].value
    assert "objective J" in table.index and "certified globally optimal" in table.index
    assert len(at.caption) >= 5


@pytest.mark.parametrize(
    "widgets",
    [
        {"data": "circles", "loss": "hinge", "opt": "sgd", "n": 20},
        {"data": "xor", "n": PAGE_EXACT_MAX_N, "opt": "momentum", "epochs": 100},
        {"data": "regression", "opt": "gd", "epochs": 100, "width": 10},
        {"data": "gaussians", "patterns": "sampled", "P": 30, "loss": "squared", "beta": 1e-2},
    ],
    ids=["circles-hinge-sgd", "xor-exact-at-cap", "regression-gd", "gaussians-sampled"],
)
def test_changed_widgets_render(app_path: str, widgets: dict) -> None:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT).run()
    for key, value in widgets.items():
        if key == "P":
            continue  # only exists once sampled patterns are chosen
        widget(at, key).set_value(value)
    at.run()
    if "P" in widgets:
        widget(at, "P").set_value(widgets["P"])
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, texts(at.error)
    assert _charts(at) == 5
    assert len(at.table) == 1
    if widgets.get("n", 0) > PAGE_EXACT_MAX_N or widgets.get("patterns") == "sampled":
        assert widget(at, "patterns").value == "sampled"
        assert "sampled patterns" in at.table[0].value.loc["method"].iloc[0]
    if widgets.get("n") == PAGE_EXACT_MAX_N:  # the largest n offered still gets the exact program
        assert widget(at, "patterns").value == "exact"
        assert "exact patterns" in at.table[0].value.loc["method"].iloc[0]
    if widgets.get("data") == "regression":
        assert widget(at, "loss").value == "squared"
        assert "train RMSE" in at.table[0].value.index
    expected = f"SGD ({widgets.get('opt', 'adam')})"
    assert expected in chart_titles(at)


def test_diverged_training_warns_and_page_still_renders(app_path: str) -> None:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT).run()
    widget(at, "opt").set_value("gd")
    widget(at, "lr").set_value(1.0)
    widget(at, "init").set_value(5.0)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "diverged" in texts(at.warning)
    # the convex side is unaffected
    assert _charts(at) >= 3


def test_settings_come_from_the_url(app_path: str) -> None:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["data"] = "xor"
    at.query_params["opt"] = "nesterov"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert widget(at, "data").value == "xor"
    assert "SGD (nesterov)" in chart_titles(at)


def test_continue_training_extends_the_run_and_back_returns_to_it(app_path: str) -> None:
    """ "Continue training" trains on from the last weights: the table's step count doubles, the playback
    gets the later frames; "Back to the first run" shows the first run again."""
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params.update({"n": "20", "epochs": "50", "opt": "gd"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sgd_column = "SGD (gd)"
    assert at.table[0].value.loc["method", sgd_column] == "gd, 50 steps"
    first_j = at.table[0].value.loc["objective J", sgd_column]
    next(b for b in at.button if b.label.startswith("Continue training")).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.table[0].value.loc["method", sgd_column] == "gd, 100 steps"
    assert float(at.table[0].value.loc["objective J", sgd_column]) < float(first_j)  # GD went on descending
    playback = figures(at)[1]
    assert str(playback["frames"][-1]["layout"]["annotations"][0]["text"]).startswith("<b>step 100</b>")
    next(b for b in at.button if b.label == "Back to the first run").click()
    at.run()
    assert at.table[0].value.loc["method", sgd_column] == "gd, 50 steps"
