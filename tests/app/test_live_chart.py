"""The in-place chart (explorer.live_chart): what the component is sent for a figure, the copy of plotly.js
it loads, and which charts of the app go through it (every chart without selection events, while
Streamlit serves the static folder)."""

from __future__ import annotations

import json

import numpy as np
import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from streamlit.testing.v1 import AppTest

from engine.figures.style import LARGE_TEXT_PX
from explorer import live_chart
from tests.app.helpers import figures, widget

TIMEOUT = 120
PLACEHOLDER = [f'"#{i:06d}"' for i in range(1, 41)]


def _figure() -> go.Figure:
    rng = np.random.default_rng(0)
    fig = go.Figure(
        [
            go.Scatter(x=rng.normal(size=20), y=rng.normal(size=20), mode="markers", name="points"),
            go.Heatmap(z=rng.normal(size=(5, 6)), colorscale="RdBu"),
        ],
        frames=[go.Frame(data=[go.Scatter(x=[0.0, float(k)], y=[1.0, 2.0])], name=str(k)) for k in range(3)],
    )
    fig.update_layout(height=333, title=dict(text="A title"))
    return fig


def test_payload_carries_the_figure_as_st_plotly_chart_sends_it() -> None:
    """The figure goes as Plotly's JSON of it, the spec st.plotly_chart would send (placeholder colours
    of Streamlit's template included: the browser replaces them by the theme's)."""
    fig = _figure()
    sent = live_chart.payload(fig, {"displayModeBar": False})
    assert sent["figure"] == pio.to_json(fig, validate=False)
    got = json.loads(sent["figure"])
    assert got["data"] == json.loads(fig.to_json())["data"] and len(got["frames"]) == 3
    assert any(p in sent["figure"] for p in PLACEHOLDER)
    assert sent["height"] == 333
    assert sent["config"] == {
        "displaylogo": False,
        "showSendToCloud": False,
        "displayModeBar": False,
        "modeBarButtonsToRemove": list(live_chart.REMOVED_BUTTONS),
    }
    kept = live_chart.payload(fig, {"modeBarButtonsToRemove": ["toImage", "select2d"]})["config"]
    assert kept["modeBarButtonsToRemove"] == ["toImage", "select2d"] + [
        b for b in live_chart.REMOVED_BUTTONS if b not in ("toImage", "select2d")
    ]
    assert {"zoomIn2d", "zoomOut2d", "autoScale2d", "lasso2d"} <= set(live_chart.REMOVED_BUTTONS)
    assert sent["src"] == f"/app/static/plotly-{plotly.__version__}.min.js"


def test_frozen_figures_are_encoded_once() -> None:
    """A shared cached figure (never changed) is encoded once; a figure that may change is encoded each
    time."""
    import copy

    import plotly.io as pio

    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    first = live_chart.figure_json(fig, frozen=True)
    assert first == pio.to_json(fig, validate=False)
    assert live_chart.figure_json(fig, frozen=True) is first  # reused, not encoded again
    other = copy.deepcopy(fig)
    other.update_layout(title="changed")
    assert "changed" in live_chart.figure_json(other)  # not frozen: always the figure as it is now
    assert "changed" in live_chart.figure_json(other, frozen=True)  # a copy does not carry the text


def test_payload_height_defaults_to_plotlys() -> None:
    assert live_chart.payload(go.Figure(go.Scatter(x=[1], y=[2])))["height"] == 450


def test_prepare_static_copies_plotly_js(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(live_chart, "STATIC_DIR", tmp_path / "static")
    assert live_chart.prepare_static.__wrapped__()
    copy = tmp_path / "static" / live_chart.script_name()
    assert copy.read_bytes() == live_chart.PLOTLY_JS.read_bytes()
    assert [p.name for p in (tmp_path / "static").iterdir()] == [copy.name]  # no temporary file left
    assert live_chart.prepare_static.__wrapped__()  # already there: kept


def _live(at: AppTest) -> list:
    return [e for e in at.get("bidi_component") if e.proto.component_name == live_chart.NAME]


def test_playground_charts_are_live_and_carry_the_figures(app_path: str) -> None:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["n"] = "60"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    live = _live(at)
    assert len(live) == 5 and len(at.get("plotly_chart")) == 0
    keys = [e.key for e in live]
    assert keys == ["Convex_boundary", "SGD_playback", "Convex_regions", "SGD_regions", "objective"]
    shown = figures(at)
    assert len(shown) == 5
    playback = shown[1]
    assert len(playback["frames"]) > 1 and playback["layout"]["sliders"]  # played back in the browser
    for element in live:
        data = json.loads(element.proto.json)
        assert data["src"].endswith(live_chart.script_name())
        assert data["config"]["displaylogo"] is False


def _run_without_static_serving(at: AppTest) -> None:
    """Run the app with Streamlit's static serving off (live charts unavailable); no exception."""
    before = st.get_option("server.enableStaticServing")
    st.config.set_option("server.enableStaticServing", False)
    try:
        at.run()
    finally:
        st.config.set_option("server.enableStaticServing", before)
    assert not at.exception, [e.value for e in at.exception]


def test_charts_fall_back_without_static_serving(app_path: str) -> None:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["n"] = "60"
    _run_without_static_serving(at)
    assert len(at.get("plotly_chart")) == 5 and not _live(at)


def test_the_data_plane_is_a_clickable_live_chart(app_path: str) -> None:
    """The Data page's plane takes clicks: a live chart that sends its clicks back (``clickable``), the
    only one on the page; without static serving it is an st.plotly_chart with point selection."""
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    clickable = [e for e in _live(at) if json.loads(e.proto.json)["clickable"]]
    assert len(clickable) == 1 and clickable[0].key.startswith("_own_plot_")
    _run_without_static_serving(at)
    planes = [c for c in at.get("plotly_chart") if c.proto.id and "_own_plot_" in c.proto.id]
    assert len(planes) == 1 and list(planes[0].proto.selection_mode)  # point selection on


def test_click_event_reads_both_chart_kinds() -> None:
    """A live chart's state carries its click under ``click``; st.plotly_chart's state is the event."""
    event = {"selection": {"points": [{"x": 0.5, "y": -1.0}]}}
    assert live_chart.click_event({"click": event}) == event
    assert live_chart.click_event(event) == event
    assert live_chart.click_event(None) is None
    assert live_chart.payload(_figure(), clickable=True)["clickable"] is True
    assert live_chart.payload(_figure())["clickable"] is False


def test_fallback_charts_show_large_text_and_leave_the_cached_figures_as_built(app_path: str) -> None:
    """Without live charts the large-text switch is applied in Python, to a copy of a shared cached figure:
    every chart's text at the projector size, and switching back gives the first run's figures."""
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["n"] = "60"
    _run_without_static_serving(at)
    small = figures(at)
    assert len(small) == 5 and max(f["layout"]["title"]["font"]["size"] for f in small) < LARGE_TEXT_PX
    next(t for t in at.toggle if t.key == "big").set_value(True)
    _run_without_static_serving(at)
    large = figures(at)
    assert len(large) == 5
    for fig in large:
        assert fig["layout"]["font"]["size"] >= LARGE_TEXT_PX
        assert fig["layout"]["title"]["font"]["size"] >= LARGE_TEXT_PX + 2
    next(t for t in at.toggle if t.key == "big").set_value(False)
    _run_without_static_serving(at)
    assert figures(at) == small


def test_playground_chart_keys_do_not_follow_the_settings(app_path: str) -> None:
    """Another optimizer redraws the same five charts (the same keys, so the same Plotly divs in the
    browser, each redrawn by Plotly.react), not new ones in their places."""
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["n"] = "40"
    at.run()
    before = [e.key for e in _live(at)]
    widget(at, "opt").set_value("gd").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.key for e in _live(at)] == before
    assert "SGD (gd)" in " ".join(str(f["layout"]["title"]["text"]) for f in figures(at))


def test_the_large_text_switch_resends_no_playground_chart(app_path: str) -> None:
    """The Playground's charts are shared cached figures: each carries its large-text patch at either
    size, and the page's text size goes as a style mark (explorer.widgets.text_size_mark), so the
    switch sends every chart exactly what it had (the browser redraws them from the patch they hold)."""
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["n"] = "40"
    at.run()
    sent = {e.key: e.proto.json for e in _live(at)}
    assert len(sent) == 5 and all(json.loads(data)["large"] for data in sent.values())

    def marks() -> list[str]:
        return [str(h.proto.body) for h in at.get("html") if live_chart.TEXT_SIZE_MARK in str(h.proto.body)]

    assert marks() == [live_chart.text_size_style(False)]
    next(t for t in at.toggle if t.key == "big").set_value(True)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert {e.key: e.proto.json for e in _live(at)} == sent
    assert marks() == [live_chart.text_size_style(True)]
    assert all(f["layout"]["font"]["size"] >= LARGE_TEXT_PX for f in figures(at))  # as drawn: large
