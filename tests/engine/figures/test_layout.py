"""Projector-first layout of the figures (issue 15, item 3): what fits a 1024 x 768 screen is asserted on
the figure specs: compact Adversarial panels with one shared legend, calm and sparsely numbered region
maps, decade-only log ticks in the playback strip, room between the playback plane's tick labels and its
numbers, and titles short enough for the columns they sit in."""

from __future__ import annotations

import colorsys
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasets import make_dataset
from engine.figures import adversarial as fadv
from engine.figures import playground as fg
from engine.figures import theory as fth
from engine.figures.style import LARGE_TEXT_PX, large_text
from engine.gradient.sgd import train_sgd
from engine.network import TwoLayerReLU
from engine.robust.evaluation import point_status
from engine.studies.summary import playback_numbers

X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [0.2, 0.1]])
Y = np.array([1.0, 1.0, -1.0, -1.0, 1.0])
NET = TwoLayerReLU(np.array([[1.0, 0.0, 0.1], [0.0, 1.0, -0.2], [1.0, 1.0, 0.0]]), np.array([1.0, -1.5, 0.5]))


def _rgb(text: str) -> tuple[float, float, float]:
    r, g, b = (int(v) / 255.0 for v in re.findall(r"\d+", text)[:3])
    return r, g, b


def test_adversarial_compact_panel_has_no_legend_and_counts_in_its_title() -> None:
    status = point_status(NET, X, Y, 0.1, "inf")
    fig = fadv.adversarial_figure(NET, X, Y, status, title="robust", grid=20, legend=False)
    assert fig.layout.showlegend is False
    assert fig.layout.height == fadv.PANEL_HEIGHT <= 330  # not the 480 px of a panel with its legend
    assert not fig.layout.xaxis.title.text and not fig.layout.yaxis.title.text  # width goes to the plane
    assert fig.layout.yaxis.constraintoward == "top"  # a width-bound plane sits under its title
    counts = {key: int(np.sum(status.status == key)) for key in fadv.STATUSES}
    assert sum(counts.values()) == len(Y)
    assert f"certified {counts['certified']}" in fig.layout.title.text
    assert f"wrong {counts['misclassified']}" in fig.layout.title.text
    # two short count lines (a column is ~220 px at 1024 x 768), each under 24 characters
    lines = [
        line.split("<sup>")[-1].removesuffix("</sup>") for line in fig.layout.title.text.split("<br>")[1:]
    ]
    assert len(lines) == 2 and all(len(line) <= 24 for line in lines), lines
    big = large_text(fadv.adversarial_figure(NET, X, Y, status, title="robust", grid=20, legend=False))
    assert big.layout.margin.t == fig.layout.margin.t + 2 * 14  # room for both lines at 16 px
    # the same panel with its own legend is the old one: legend below, taller
    full = fadv.adversarial_figure(NET, X, Y, status, title="robust", grid=20)
    assert full.layout.showlegend is not False and full.layout.height > fig.layout.height


def test_shared_status_legend_names_every_status_once() -> None:
    legend = fadv.status_legend_figure(arrows=True)
    names = [t.name for t in legend.data]
    labels = [label for label, _ in fadv.STATUSES.values()]
    assert names == ["boundary f(x) = 0", "label +1", "label −1", *labels, "PGD perturbation"]
    assert legend.layout.legend.orientation == "h" and legend.layout.height <= 110
    # the legend lies inside the empty plot area and may fill the figure: outside it, it would push the
    # plot area below zero height (Plotly then draws nothing: "axis scaling" error); no degenerate domain
    assert legend.layout.legend.yref != "container" and legend.layout.legend.maxheight == 1.0
    assert legend.layout.yaxis.domain is None or legend.layout.yaxis.domain[1] > legend.layout.yaxis.domain[0]
    assert not legend.layout.xaxis.visible and not legend.layout.yaxis.visible
    assert "PGD perturbation" not in [t.name for t in fadv.status_legend_figure(arrows=False).data]


def test_region_palette_is_calm() -> None:
    """Light (HLS lightness >= 0.8) and muted (chroma, max - min of r, g, b, at most 0.3; the unmixed
    pastel palette reached 0.61): dozens of regions side by side stay quiet under the lines, points and
    numbers."""
    assert len(set(fg.REGION_COLOURS)) == len(fg.REGION_COLOURS) >= 20
    for colour in fg.REGION_COLOURS:
        rgb = _rgb(colour)
        _, lightness, _ = colorsys.rgb_to_hls(*rgb)
        assert lightness >= 0.8, colour
        assert max(rgb) - min(rgb) <= 0.3, colour


def test_region_map_numbers_only_the_few_heaviest_neurons() -> None:
    rng = np.random.default_rng(3)
    W = rng.standard_normal((30, 3))
    alpha = rng.standard_normal(30)
    alpha[:10] = 0.0  # dead neurons
    net = TwoLayerReLU(W, alpha)
    Xr = rng.uniform(-2, 2, size=(40, 2))
    fig = fg.activation_regions_figure(net, Xr, title="r", grid=40)
    labels = next(t for t in fig.data if t.type == "scatter" and t.mode == "markers+text")
    assert len(labels.text) == fg.REGION_LABELS <= 6
    size = np.abs(alpha) * np.linalg.norm(W, axis=1)
    heaviest = {str(j + 1) for j in np.argsort(-size)[: fg.REGION_LABELS]}
    assert set(labels.text) == heaviest
    assert "20 of 30 neurons" in fig.layout.title.text  # the dead ones are not drawn
    lines = next(t for t in fig.data if t.type == "scatter" and t.mode == "lines")
    assert lines.line.width <= 1.0
    # the legend names stay short enough for a half-width column in large text
    # (an image trace has no legend entry)
    assert all(len(t.name or "") <= 36 for t in fig.data if t.type != "image" and t.showlegend is not False)


@pytest.fixture(scope="module")
def playback():
    ds = make_dataset("moons", 30, noise=0.1, seed=0)
    res = train_sgd(ds.X, ds.y, loss="squared", beta=1e-3, width=12, epochs=40, batch_size=8, snapshots=25)
    nums = playback_numbers(res.snapshots, ds.X, ds.y, optimum=res.network, optimum_objective=0.01)
    return ds, res, nums


@pytest.mark.parametrize("text_px", [10, LARGE_TEXT_PX])
def test_playback_numbers_clear_the_plane_tick_labels(playback, text_px: int) -> None:
    """Between the plane's bottom and the top of the numbers under it there is room for a row of tick
    labels (their font plus the tick and padding), in normal and in large text."""
    ds, res, nums = playback
    fig = fg.playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD", text_px=text_px)
    lay = fig.layout
    area = lay.height - lay.margin.t - lay.margin.b
    plane_bottom = lay.yaxis.domain[0] * area
    readout_top = lay.annotations[0].y * area
    tick_px = text_px if text_px > 10 else 12  # Plotly's default tick font is 12 px
    assert plane_bottom - readout_top >= tick_px + 14, (plane_bottom, readout_top)


def test_playback_step_axis_labels_decades_only(playback) -> None:
    ds, res, nums = playback
    fig = fg.playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD")
    assert fig.layout.xaxis2.type == "log" and fig.layout.xaxis2.dtick == 1


def test_reprogramming_subplot_titles_fit_half_a_column() -> None:
    """Each subplot title sits over about 300 px at 1024 x 768: at 16 px (large text) about 36 characters."""
    from engine.studies.reprogramming import reprogram

    fig = fth.program_figure(reprogram(20, 20, kind="additive", steps=5), title="t")
    large_text(fig)
    titles = [a.text for a in fig.layout.annotations if a.text and "program" in a.text]
    assert len(titles) == 2
    assert all(len(t) <= 36 for t in titles), titles


def test_log_axes_label_decades_only_and_at_most_six() -> None:
    """tidy_log_axes gives every log axis without ticks of its own decade ticks from its traces' data:
    no digit labels between decades, never more than about MAX_LOG_LABELS labelled decades."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from engine.figures.style import MAX_LOG_LABELS, tidy_log_axes

    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Scatter(x=[5, 50, 1000], y=[1e-12, 1e-3, 1.0]), row=1, col=1)
    fig.add_trace(go.Scatter(x=[1, 2, 3], y=[0.5, 0.7, 0.9]), row=1, col=2)
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    fig.update_yaxes(dtick=0.5, row=1, col=2)  # an axis with its own ticks is left alone
    tidy_log_axes(fig)
    assert fig.layout.xaxis.dtick == 1  # 5 .. 1000: decades, not 5 6 7 8 9 10 2 3 ...
    assert (12 + 1) / fig.layout.yaxis.dtick <= MAX_LOG_LABELS + 1e-9
    assert fig.layout.xaxis2.dtick is None  # under one decade: Plotly's own ticks, at most six
    assert fig.layout.xaxis2.nticks == MAX_LOG_LABELS
    assert fig.layout.yaxis2.dtick == 0.5


def test_momentum_figure_has_decade_ticks() -> None:
    from engine.figures import dynamics as fdyn
    from engine.studies.dynamics import momentum_race

    ds = make_dataset("moons", 20, noise=0.1, seed=0)
    curves = momentum_race(ds.X, ds.y, lr=0.03, steps=200, width=8)
    fig = fdyn.momentum_figure(curves, optimum=None, title="t")
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis.dtick == 1


def test_large_text_moves_a_legend_below_the_plot_to_the_bottom_and_raises_subtitles() -> None:
    """A legend under the plot at a paper offset would run into the x axis title once the text is large:
    large_text anchors it to the figure's bottom (Plotly then makes room) and makes the figure taller;
    the <sup> subtitle line is raised to the projector size too."""
    import plotly.graph_objects as go

    from engine.figures.style import legend_below_layout

    fig = go.Figure([go.Scatter(x=[1, 2], y=[1, 2], name=f"series {k}") for k in range(4)])
    legend_below_layout(fig, "title<br><sup>subtitle</sup>", 430, legend_y=-0.16)
    large_text(fig)
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0.0
    assert fig.layout.legend.yanchor == "bottom"
    assert fig.layout.height == 430 + 14 + 16 * 4  # room for the larger subtitle and legend rows
    assert fig.layout.margin.t == 60 + 14
    assert "<sup>" not in fig.layout.title.text
    assert f'<span style="font-size:{LARGE_TEXT_PX}px">subtitle</span>' in fig.layout.title.text
    # a plane figure's legend already sits at the bottom of the figure: left as it is
    plane = fg.decision_boundary_figure(NET, X, Y, title="t", grid=10)
    height = plane.layout.height
    large_text(plane)
    assert plane.layout.height == height and plane.layout.legend.yref == "container"


def test_data_plane_toolbar_stays_off_its_title() -> None:
    """The Data page's plane always shows its toolbar (zoom, pan): upright at the right edge, so a large
    title at the top left does not run under it."""
    from engine.figures.data import points_figure

    fig = points_figure(np.zeros((0, 2)), np.zeros(0), title="Your training points (0)")
    assert fig.layout.modebar.orientation == "v"


def test_shared_log_axes_take_their_ticks_from_every_linked_subplot() -> None:
    """Subplots with a shared y axis show one range: the ticks come from the data of both (the low-rank
    figure's left panel spans half a decade, the shared range almost two)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from engine.figures.style import tidy_log_axes

    fig = make_subplots(rows=1, cols=2, shared_yaxes=True)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0.7, 2.5]), row=1, col=1)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0.04, 2.5]), row=1, col=2)
    fig.update_yaxes(type="log")
    tidy_log_axes(fig)
    for axis in (fig.layout.yaxis, fig.layout.yaxis2):
        assert axis.nticks is None and list(axis.ticktext)[0] == "0.05"  # 1, 2, 5 over 0.04 .. 2.5


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-50, 50, allow_nan=False),
    st.floats(-50, 50, allow_nan=False),
    st.sampled_from([3.0, 4.0, 7.0, 12.0, 40.0]),
)
def test_a_click_snaps_to_the_nearest_grid_node(x1: float, x2: float, half: float) -> None:
    """Any click lands on a node of the click grid (a whole multiple of the step inside the box), the
    nearest one, and a node stays where it is (the fallback chart's clicks are nodes already)."""
    from engine.figures.data import grid_step, snap_to_grid

    step = grid_step(half)
    s1, s2 = snap_to_grid(x1, x2, half)
    for v, s in ((x1, s1), (x2, s2)):
        assert abs(s) <= half + 1e-9 and abs(s / step - round(s / step)) < 1e-6
        inside = min(max(v, -half), half)
        assert abs(s - inside) <= step / 2 + 1e-9
    assert snap_to_grid(s1, s2, half) == (s1, s2)


def test_with_layout_equals_update_layout_and_keeps_arrays() -> None:
    """style.with_layout (an unvalidated merge, the objective figure's layout) gives the JSON that
    update_layout gives, leaves the figure it was given as it was, and keeps numpy arrays as arrays."""
    from engine.figures.style import legend_below_spec, subplots, with_layout

    def base():
        fig = subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=["a", "b"])
        fig.add_scatter(x=np.arange(4.0), y=np.array([1.0, 0.5, 0.2, 0.1]), customdata=np.arange(4.0))
        return fig

    layout = legend_below_spec(
        "J<br><sup>sub</sup>",
        560,
        legend_y=-0.12,
        hover_font_size=None,
        hovermode="x unified",
        yaxis=dict(type="log", title=dict(text="J"), tickvals=[0.1, 1.0]),
        xaxis2=dict(title=dict(text="step")),
    )
    given = base()
    before = given.to_json()
    merged = with_layout(given, layout)
    expected = base()
    expected.update_layout(layout)
    assert json.loads(merged.to_json()) == json.loads(expected.to_json())  # key order aside
    assert given.to_json() == before
    assert isinstance(merged.data[0].customdata, np.ndarray)
