"""Plotly builders for the Adversarial page: perturbation balls by status, PGD arrows, accuracy vs eps.

No Streamlit and no numerics here: the statuses and accuracy curves come from
engine/robust/evaluation.py (:func:`~engine.robust.evaluation.point_status`,
:func:`~engine.robust.evaluation.accuracy_curves`); this module draws them. Every status is drawn as ONE
Scatter trace: the ball outlines of its points, separated by ``None``.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine.figures.playground import decision_boundary_figure, decision_boundary_traces
from engine.figures.style import (
    GRID_LINES,
    LEGEND_FONT,
    NEG_COLOUR,
    POS_COLOUR,
    Bounds,
    centre_note,
    colour_image,
    figure_of,
    grid_points,
    image_trace,
    label_traces,
    merge_layout,
    plain_traces,
    plane_layout,
    plot_bounds,
    point_markers,
    title_style,
)
from engine.network import TwoLayerReLU
from engine.robust.evaluation import AccuracyCurves, PointStatus
from engine.studies.summary import network_is_finite

__all__ = [
    "PANEL_HEIGHT",
    "STATUSES",
    "accuracy_figure",
    "adversarial_figure",
    "arrow_trace",
    "ball_outlines",
    "ball_traces",
    "pending_panel_figure",
    "status_counts",
    "status_hover",
    "status_legend_figure",
]

# status (engine.robust.evaluation.STATUS_KEYS, in that order) -> (legend label, colour)
STATUSES: dict[str, tuple[str, str]] = {
    "certified": ("ball: certified robust", "#1a9850"),
    "attack": ("ball: attack found (PGD)", "#f28e2b"),
    "exact": ("ball: broken, PGD missed (exact)", "#8e44ad"),
    "misclassified": ("ball: misclassified", "#555555"),
}
ARROW_COLOUR = "#000000"
CIRCLE_POINTS = 32  # points on each l2 circle outline
#: Height (px) of a panel without its own legend (three side by side, one shared legend): at 1024 px
#: wide with the sidebar open a column is about 230 px, so the plane is width-bound and about 200 px.
PANEL_HEIGHT = 322
# A panel without a legend: room for the title and its counts line, tick labels only (no axis titles);
# fixed margins (no automargin: Streamlit's theme keeps a 24 px standoff for an empty axis title).
_PANEL_MARGIN = dict(l=26, r=4, t=70, b=20, pad=0)
# Short names of the statuses for a panel's counts line.
_SHORT = {"certified": "certified", "attack": "PGD", "exact": "exact", "misclassified": "wrong"}


def ball_outlines(X: np.ndarray, eps: float, norm: str = "inf") -> tuple[list, list]:
    """x and y lists of the outlines of the balls of radius eps around X, separated by None."""
    X = np.asarray(X, dtype=float).reshape(-1, 2)
    if norm == "inf":
        shape = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float)
    elif norm == "2":
        t = np.linspace(0.0, 2.0 * np.pi, CIRCLE_POINTS + 1)
        shape = np.column_stack([np.cos(t), np.sin(t)])
    else:
        raise ValueError(f"norm must be 'inf' or '2' (got {norm!r})")
    pts = X[:, None, :] + float(eps) * shape[None]  # n x k x 2
    xs: list = []
    ys: list = []
    for k in range(X.shape[0]):
        xs.extend(pts[k, :, 0].tolist() + [None])
        ys.extend(pts[k, :, 1].tolist() + [None])
    return xs, ys


def ball_traces(X: np.ndarray, status: PointStatus) -> list[go.Scatter]:
    """One outline trace per status, empty ones included so that panels side by side get the same
    legend (ball radius ``status.eps``, or a marker ring at eps = 0)."""
    traces = []
    for key, (label, colour) in STATUSES.items():
        mask = status.status == key
        name = f"{label} ({int(mask.sum())})"
        if not np.any(mask):  # [None]: plotly keeps a legend entry only for a trace with data
            trace = go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=name,
                line=dict(color=colour, width=1.6),
                _validate=False,
            )
        elif status.eps > 0:
            xs, ys = ball_outlines(X[mask], status.eps, status.norm)
            trace = go.Scatter(  # this module's own lists: not validated (~7 ms for 4,000 numbers)
                x=xs,
                y=ys,
                mode="lines",
                name=name,
                line=dict(color=colour, width=1.6),
                hoverinfo="skip",
                _validate=False,
            )
        else:  # no ball to draw: ring the points instead
            trace = point_markers(
                X[mask],
                name=name,
                marker=dict(size=15, symbol="circle-open", color=colour, line=dict(width=2)),
                hoverinfo="skip",
            )
        trace.meta = dict(status=key)
        traces.append(trace)
    return traces


def arrow_trace(X: np.ndarray, X_adv: np.ndarray, *, min_length: float = 1e-12) -> go.Scatter:
    """One trace of arrows from each point to its PGD point (points PGD did not move are left out)."""
    X = np.asarray(X, dtype=float)
    X_adv = np.asarray(X_adv, dtype=float)
    moved = np.linalg.norm(X_adv - X, axis=1) > min_length
    xs: list = []
    ys: list = []
    sizes: list = []
    for a, b in zip(X[moved], X_adv[moved], strict=True):
        xs.extend([float(a[0]), float(b[0]), None])
        ys.extend([float(a[1]), float(b[1]), None])
        sizes.extend([0, 9, 0])
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines+markers",
        name=f"PGD perturbation ({int(moved.sum())})",
        line=dict(color=ARROW_COLOUR, width=1.2),
        marker=dict(symbol="arrow", angleref="previous", size=sizes, color=ARROW_COLOUR),
        hoverinfo="skip",
        meta=dict(status="arrows"),
        _validate=False,
    )


def adversarial_figure(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    status: PointStatus,
    *,
    title: str,
    bounds: Bounds | None = None,
    arrows: bool = False,
    grid: int = 120,
    legend: bool = True,
) -> go.Figure:
    """The decision boundary of ``network`` with every point's ball coloured by its status.

    ``legend=False``: a compact panel for three side by side (:data:`PANEL_HEIGHT`, no legend, no axis
    titles, the plane at the top), the status counts in the title's second line; one
    :func:`status_legend_figure` serves them all.
    """
    if not legend:  # the counts on two short lines: a column is ~220 px wide at 1024 x 768
        first, second = status_counts(status).split(" · exact")
        title = f"{title}<br><sup>{first}</sup><br><sup>exact{second}</sup>"
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    bounds = bounds or plot_bounds(X)
    if not network_is_finite(network):
        return decision_boundary_figure(network, X, y, title=title, bounds=bounds)  # a message figure
    # built unvalidated, as plain dicts (Plotly's checks of the ball outlines alone cost ~20 ms a panel)
    traces = plain_traces(
        decision_boundary_traces(
            network,
            X,
            y,
            task="classification",
            grid=grid,
            bounds=bounds,
            point_hover=status_hover(network, X, y, status),
        )
    )
    for trace in traces:
        if trace.get("type") == "scatter":  # three panels: no room for a colour bar
            trace["marker"] = {**trace.get("marker", {}), "showscale": False}
        # The status legend covers the boundary figure's own misclassified rings: keep the legends of
        # panels side by side identical, so their plots get the same size.
        if str(trace.get("name") or "").startswith("misclassified"):
            trace["showlegend"] = False
    layout = plane_layout(title, bounds)
    if legend:
        merge_layout(layout, dict(height=480, margin=dict(l=10, r=10, t=40, b=10)))
        merge_layout(layout, dict(legend=dict(yref="paper", y=-0.3, yanchor="top")))
    else:
        merge_layout(layout, _COMPACT_LAYOUT)
    traces += ball_traces(X, status)
    if arrows and status.eps > 0:
        traces.append(arrow_trace(X, status.X_adv))
    return figure_of(traces, layout)


# The compact panel's layout (three side by side): PANEL_HEIGHT, no legend, no axis titles, few ticks, the
# plane at the top.
_COMPACT_LAYOUT = dict(
    height=PANEL_HEIGHT,
    margin=_PANEL_MARGIN,
    showlegend=False,
    xaxis=dict(title=dict(text=""), ticklen=3, nticks=4, automargin=False),
    yaxis=dict(title=dict(text=""), constraintoward="top", ticklen=3, nticks=4, automargin=False),
)


PENDING_PLANE = "#eeeeee"  # the plane of a panel whose network is not there yet


def pending_panel_figure(
    X: np.ndarray, y: np.ndarray, *, title: str, note: str, bounds: Bounds, grid: int = 90
) -> go.Figure:
    """The place of a compact panel (:func:`adversarial_figure` with ``legend=False`` on a ``grid`` x
    ``grid`` plane) whose network is not there yet: the same size, axes and points on a plain grey plane
    (a raster over the same grid, so that Plotly lays it out as the panels beside it), ``note`` (e.g.
    "training …") under the title and across the plane."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    xs, ys, _ = grid_points(bounds, grid)
    plane = colour_image(np.zeros((grid, grid)), [[0.0, PENDING_PLANE], [1.0, PENDING_PLANE]], 0.0, 1.0)
    traces = [image_trace(plane, xs, ys, name="plane (training …)")]
    traces += label_traces(X, y, y[:, None], "label y = %{customdata[0]:+.0f}<extra></extra>")
    layout = merge_layout(
        plane_layout(f"{title}<br><sup>{note}</sup><br><sup> </sup>", bounds), _COMPACT_LAYOUT
    )
    layout["annotations"] = [centre_note(note, colour="#333333", bgcolor="rgba(255,255,255,0.85)")]
    return figure_of(traces, layout)


def status_counts(status: PointStatus) -> str:
    """The points of each status in a few words, e.g. ``certified 28 · PGD 1 · exact 0 · wrong 1``."""
    return " · ".join(f"{_SHORT[key]} {int(np.sum(status.status == key))}" for key in STATUSES)


def status_legend_figure(*, arrows: bool = False, height: int = 64) -> go.Figure:
    """One legend for panels drawn without their own (``adversarial_figure(..., legend=False)``): the
    boundary, the two labels, the four ball statuses (and the PGD arrows), in rows across the width."""
    empty = dict(type="scatter", x=[None], y=[None])  # plotly keeps a legend entry only for a trace with data
    traces = [dict(empty, mode="lines", name="boundary f(x) = 0", line=dict(color="#111111", width=3))]
    for name, colour, symbol in (("label +1", POS_COLOUR, "circle"), ("label −1", NEG_COLOUR, "x")):
        traces.append(
            dict(empty, mode="markers", name=name, marker=dict(size=9, color=colour, symbol=symbol))
        )
    for label, colour in STATUSES.values():
        traces.append(dict(empty, mode="lines", name=label, line=dict(color=colour, width=1.6)))
    if arrows:
        traces.append(
            dict(
                empty,
                mode="lines+markers",
                name="PGD perturbation",
                line=dict(color=ARROW_COLOUR, width=1.2),
                marker=dict(symbol="arrow", angleref="previous", size=9, color=ARROW_COLOUR),
            )
        )
    # the plot area is there only to hold the legend: no axes, no hover, no toolbar interaction
    hidden = dict(visible=False, fixedrange=True)
    layout = dict(
        height=height,
        margin=dict(l=4, r=4, t=4, b=4),
        plot_bgcolor="white",
        showlegend=True,
        # inside the (empty) plot area, which it may fill: maxheight 1 is the whole figure (a horizontal
        # legend may otherwise take half and scroll); outside it, it would push the plot area below zero
        legend=dict(
            orientation="h",
            x=0.0,
            xanchor="left",
            y=1.0,
            yanchor="top",
            maxheight=1.0,
            font=dict(LEGEND_FONT),
        ),
        xaxis=hidden,
        yaxis=dict(hidden),
    )
    return figure_of(traces, layout)


def status_hover(
    network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, status: PointStatus
) -> tuple[np.ndarray, str]:
    """The points' hover at this radius, ``(customdata, hovertemplate)`` with a row per point: its
    number and label, margin y f(x), the exact worst margin over its ball (the certificate's number) and
    its status (the label markers carry it: an invisible marker per point on top cost the browser a
    quarter of each panel's drawn elements)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    margin = y * network.predict(X)
    worst = status.worst_margin if status.worst_margin is not None else np.full(len(y), np.nan)
    labels = np.array([STATUSES[k][0].removeprefix("ball: ") for k in status.status], dtype=object)
    custom = np.column_stack([np.arange(1, len(y) + 1), y, margin, worst, labels]).astype(object)
    template = (
        "point %{customdata[0]} (label %{customdata[1]:+.0f})<br>margin y·f(x) = %{customdata[2]:.3f}"
        f"<br>worst margin over the ball (ε = {status.eps:g}) = %{{customdata[3]:.3f}}"
        "<br>%{customdata[4]}<extra></extra>"
    )
    return custom, template


_NET_COLOURS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd")
# Each accuracy curve's line (in the network's colour) and markers (None: a line only).
_CURVE_STYLES: dict[str, tuple[dict, dict | None]] = {
    "clean": (dict(dash="dot", width=1.5), None),
    "PGD": (dict(dash="dash", width=2), dict(size=6, symbol="diamond-open")),
    "certified": (dict(width=2.5), dict(size=6)),
}


def accuracy_figure(curves: AccuracyCurves, *, eps: float, title: str) -> go.Figure:
    """Clean (dotted), PGD (dashed) and certified (solid) accuracy against eps, one colour per network."""
    traces = []
    r = curves.radii
    for i, name in enumerate(curves.pgd):
        colour = _NET_COLOURS[i % len(_NET_COLOURS)]
        series = {
            "clean": ([r[0], r[-1]], [curves.clean[name]] * 2),
            "PGD": (r, curves.pgd[name]),
            "certified": (r, curves.certified[name]),
        }
        for kind, (x, y) in series.items():
            line, marker = _CURVE_STYLES[kind]
            trace = dict(
                type="scatter",
                x=x,
                y=y,
                mode="lines" if marker is None else "lines+markers",
                name=f"{name}: {kind}",
                line=dict(color=colour, **line),
                legendgroup=name,
            )
            if marker is not None:
                trace["marker"] = dict(marker)
            traces.append(trace)
    ball = "ℓ∞ box" if curves.norm == "inf" else "ℓ2 disc"
    layout = dict(
        title=title_style(title),
        height=430,
        margin=dict(l=10, r=10, t=50, b=10),
        plot_bgcolor="white",
        legend=dict(font=dict(LEGEND_FONT)),
        hovermode="x unified",
        xaxis=dict(title=dict(text=f"radius ε ({ball}, data units)"), **GRID_LINES),
        yaxis=dict(title=dict(text="accuracy"), range=[-0.02, 1.08], **GRID_LINES),
        # the shown radius: a dotted vertical line over the whole height, and its value at the top
        shapes=[
            dict(
                type="line",
                x0=float(eps),
                x1=float(eps),
                xref="x",
                y0=0,
                y1=1,
                yref="y domain",
                line=dict(color="#111111", width=1.5, dash="dot"),
            )
        ],
        annotations=[
            dict(x=float(eps), y=1.04, yref="y", text=f"ε = {eps:g}", showarrow=False, xanchor="left")
        ],
    )
    return figure_of(traces, layout)
