"""Exports (explorer.exports): network JSON, data CSV, figure HTML and PNG, numbers table CSV."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from datasets import load_csv, make_dataset
from engine.figures import playground as figures
from engine.network import TwoLayerReLU
from explorer import exports as ex
from explorer.settings import CUSTOM, DataKey


@pytest.fixture(scope="module")
def dataset():
    return make_dataset("moons", 25, noise=0.1, seed=3, n_test=10)


@pytest.fixture(scope="module")
def network() -> TwoLayerReLU:
    rng = np.random.default_rng(0)
    return TwoLayerReLU(W=rng.normal(size=(7, 3)), alpha=rng.normal(size=7))


def test_network_json_round_trips_with_the_same_predictions(network, dataset) -> None:
    settings = {
        "data": DataKey(CUSTOM, 2, 0.0, 0, 0, ((0.1, 0.2, 1.0), (0.3, 0.4, -1.0))),
        "loss": "hinge",
        "beta": 1e-3,
        "sgd": {"optimizer": "adam", "lr": 0.01},
    }
    text = ex.network_json(network, name="SGD (adam)", settings=settings, objective=0.25)
    record = json.loads(text)
    back = TwoLayerReLU.from_dict(record)
    np.testing.assert_array_equal(back.W, network.W)
    np.testing.assert_array_equal(back.predict(dataset.X), network.predict(dataset.X))
    assert record["objective"] == 0.25 and record["width"] == 7 and record["format"] == ex.FORMAT
    assert record["settings"]["loss"] == "hinge" and record["settings"]["sgd"]["optimizer"] == "adam"
    assert record["settings"]["data"]["name"] == CUSTOM
    assert record["settings"]["data"]["points"][1] == [0.3, 0.4, -1.0]


def test_network_json_has_no_nan(network) -> None:
    text = ex.network_json(network, objective=float("nan"), settings={"x": np.float64("inf")})
    record = json.loads(text)  # strict JSON: NaN and infinities become null
    assert record["objective"] is None and record["settings"]["x"] is None


def test_data_csv_round_trips_through_load_csv(dataset) -> None:
    back = load_csv(ex.data_csv(dataset))
    np.testing.assert_array_equal(back.X, dataset.X)
    np.testing.assert_array_equal(back.y, dataset.y)
    assert back.task == dataset.task


def test_table_csv_keeps_rows_and_columns() -> None:
    table = pd.DataFrame({"Convex": ["0.1", "yes"], "SGD": ["0.2", "no"]}, index=["objective J", "certified"])
    text = ex.table_csv(table)
    back = pd.read_csv(pd.io.common.StringIO(text), index_col=0)
    assert list(back.index) == ["objective J", "certified"] and list(back.columns) == ["Convex", "SGD"]


def test_figure_html_is_standalone_and_holds_the_data(network, dataset) -> None:
    fig = figures.decision_boundary_figure(network, dataset.X, dataset.y, title="boundary")
    html = ex.figure_html(fig)
    assert "<html>" in html[:200] and html.rstrip().endswith("</html>")
    assert '<script src="https://cdn.plot.ly' not in html and len(html) > 1_000_000  # plotly.js inlined
    encoded = re.findall(r'"bdata":"([^"]+)"', fig.to_json())  # every trace's arrays, as plotly writes them
    assert encoded and all(data in html for data in encoded)
    assert "boundary" in html


def test_figure_png_is_a_png_or_none(dataset) -> None:
    small = go.Figure()
    small.add_scatter(x=dataset.X[:, 0], y=dataset.X[:, 1], mode="markers")
    small.update_layout(width=200, height=150)
    image = ex.figure_png(small, scale=1)
    assert image is None or image.startswith(ex.PNG_SIGNATURE)
    if ex.png_available():
        assert image is not None


def test_slug() -> None:
    assert ex.slug("SGD (adam) boundary") == "sgd-adam-boundary"
    assert ex.slug("ε ε") == "export"


def _export_script() -> None:
    import plotly.graph_objects as go

    from explorer import exports as ex

    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
    ex.figure_exports(fig, "line")


@pytest.mark.parametrize("available", [True, False])
def test_figure_export_menu(monkeypatch, available: bool) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(ex, "png_available", lambda: available)
    at = AppTest.from_function(_export_script).run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == (["Interactive HTML", "PNG image"] if available else ["Interactive HTML"])
    captions = " ".join(c.value for c in at.caption)
    assert ("camera button" in captions) != available


def _lazy_export_script() -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from explorer import exports as ex

    def build() -> go.Figure:
        st.session_state["built"] = st.session_state.get("built", 0) + 1
        return go.Figure(go.Scatter(x=[0, 1], y=[1, 0], name="full version"))

    ex.figure_exports(build, "line")


def test_figure_export_builder_runs_only_on_download(monkeypatch) -> None:
    """A builder (e.g. a compact panel's full version with its legend) is not run to show the menu."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(ex, "png_available", lambda: True)
    at = AppTest.from_function(_lazy_export_script).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.proto.label for b in at.get("download_button")] == ["Interactive HTML", "PNG image"]
    assert "built" not in at.session_state
