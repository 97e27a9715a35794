"""Plotly figures and tables of the Playground page (no Streamlit in here).

* :func:`decision_boundary_figure`: ``f(x)`` over the plane with the training points;
* :func:`activation_regions_figure`: the plane cut by the live neurons' lines, regions by on-set;
* :func:`objective_figure`: SGD's objective per step and its gap to the (certified) optimum;
* :func:`numbers_table` and :func:`verdict`: the numbers of :func:`engine.studies.summary.summarize` and
  the case of :func:`engine.studies.summary.compare`, as a table of strings and one sentence.

Every function takes engine objects (networks, histories, results) and returns a ``go.Figure``,
a ``pandas.DataFrame`` or plain text; the same inputs always give the same figure. Grid evaluation is
vectorised, so a figure at the default resolution takes a few milliseconds to build.

Colours (shared ones in engine/figures/style.py): ``f(x)`` on a diverging red-white-blue scale centred
at 0, so the red side predicts -1; the decision boundary ``f(x) = 0`` is a thick black line;
activation regions: light categorical colours keyed by the set of active neurons.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import get_colorscale, unlabel_rgb

from engine.figures.plane_kernel import relu_values
from engine.figures.style import (
    BOUNDARY_COLOUR,
    GAP_BELOW_COLOUR,
    GRID_LINES,
    LARGE_LAYOUT_META,
    LARGE_TEXT_PX,
    LEGEND_FONT,
    LINE_COLOUR,
    LOWER_BOUND_LINE,
    OPTIMUM_LINE,
    Bounds,
    PlainFramesFigure,
    add_gaps_below,
    add_level_line,
    colour_image,
    figure_of,
    gap_floor,
    grid_points,
    image_trace,
    label_traces,
    legend_below_spec,
    log_ticks,
    merge_layout,
    message_figure,
    plane_layout,
    plot_bounds,
    png_data_uri,
    point_markers,
    segment_in_box,
    subplots,
    surface_traces,
    title_style,
    typed_array,
    with_layout,
    zero_level_lines,
)
from engine.network import TwoLayerReLU
from engine.results import Certificate, ConvexResult, Snapshots, TrainHistory, TrainResult
from engine.studies.summary import (
    ALIGN_SIZE_TOL,
    FrameNumbers,
    NetworkNumbers,
    Verdict,
    compare,
    live_mask,
    live_neurons,
    network_is_finite,
    summarize,
)

__all__ = [
    "EMPTY_REGION_COLOUR",
    "REGION_COLOURS",
    "VERDICT_LEVELS",
    "activation_regions_figure",
    "decision_boundary_figure",
    "decision_boundary_traces",
    "decision_panel_figure",
    "PLAYBACK_FRAMES",
    "playback_figure",
    "numbers_table",
    "objective_figure",
    "plot_bounds",  # engine.figures.style's, here too: the pages size their panels with it
    "verdict",
    "verdict_text",
]

# Calm colours for activation regions: the light qualitative palettes (Pastel, Set3, Pastel1/2 from
# ColorBrewer via Plotly), without the greys (kept for "no neuron on"), each mixed with 55 % white so
# that dozens of regions side by side stay quiet and the lines, points and numbers on top stand out.
_REGION_BASE = (
    (102, 197, 204), (246, 207, 113), (248, 156, 116), (220, 176, 242),
    (135, 197, 95), (158, 185, 243), (254, 136, 177), (201, 219, 116),
    (139, 224, 164), (180, 151, 231), (141, 211, 199), (255, 255, 179),
    (190, 186, 218), (251, 128, 114), (128, 177, 211), (253, 180, 98),
    (179, 222, 105), (252, 205, 229), (188, 128, 189), (255, 237, 111),
    (251, 180, 174), (179, 205, 227), (204, 235, 197), (254, 217, 166),
)  # fmt: skip
REGION_WHITE_MIX = 0.55
REGION_COLOURS: tuple[str, ...] = tuple(
    "rgb({},{},{})".format(*(round(255 - (255 - c) * (1.0 - REGION_WHITE_MIX)) for c in rgb))
    for rgb in _REGION_BASE
)
EMPTY_REGION_COLOUR = "rgb(235,235,235)"
#: Neurons drawn on a region map: ``|alpha_j| ||w_j||`` at least this fraction of the largest.
REGION_SIZE_TOL = 1e-2
#: Lines of a region map that carry their neuron's number (the heaviest; the others on hover): few, so
#: that a map 200 px wide stays readable.
REGION_LABELS = 5
# The neuron lines of a region map: thin and grey, so the regions' edges do not crowd a small map.
REGION_LINE = dict(color="rgba(40,40,40,0.75)", width=1.0)

# ----------------------------------------------------------------------------------------------
# decision boundary


def decision_boundary_figure(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    *,
    title: str,
    task: str = "classification",
    grid: int = 150,
    bounds: Bounds | None = None,
) -> go.Figure:
    """``f(x)`` over the plane with the training points.

    Classification: a diverging heatmap of f centred at 0, the boundary ``f = 0`` as a black line,
    +1 points as blue circles, -1 as red crosses, misclassified points ringed. Regression: f as a
    heatmap with the points coloured by their target on the same scale.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    bounds = bounds or plot_bounds(X)
    if not network_is_finite(network):
        return message_figure(title, "The network has non-finite weights (training diverged).")
    return figure_of(
        decision_boundary_traces(network, X, y, task=task, grid=grid, bounds=bounds),
        plane_layout(title, bounds),
    )


def decision_boundary_traces(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    *,
    task: str,
    grid: int,
    bounds: Bounds,
    point_hover: tuple[np.ndarray, str] | None = None,
) -> list:
    """The traces of :func:`decision_boundary_figure` (a finite ``network``), in drawing order.
    ``point_hover`` (classification): the points' hover, ``(customdata, hovertemplate)`` with a row per
    point, instead of their label, f(x) and margin."""
    xs, ys, P = grid_points(bounds, grid)
    # float32 halves what travels to the browser; plenty for colours and a contour.
    F = network.predict(P).reshape(grid, grid).astype(np.float32)
    surface = _Surface(xs, ys, F, X, y, network.predict(X))
    if task == "regression":
        return _regression_layers(surface)
    return _classification_layers(surface, point_hover)


@dataclass(frozen=True)
class _Surface:
    """The network output f sampled for a plane figure: on the grid, ``F[i, j] = f(xs[j], ys[i])``; at
    the training points (X, y), ``f_data``."""

    xs: np.ndarray
    ys: np.ndarray
    F: np.ndarray
    X: np.ndarray
    y: np.ndarray
    f_data: np.ndarray

    def layers(self, colorscale: str, zmin: float, zmax: float, colour_title: str, **boundary: Any) -> list:
        """F as a raster image on the colour range [zmin, zmax] with its colour bar titled
        ``colour_title``, a coarse hover layer of f(x), and (``boundary``: the line's keywords, if any)
        the boundary f = 0 (:func:`engine.figures.style.surface_traces`)."""
        return surface_traces(
            self.xs,
            self.ys,
            self.F,
            colorscale=colorscale,
            zmin=zmin,
            zmax=zmax,
            colour_title=colour_title,
            hover="f(x)",
            boundary=boundary or None,
        )


def _classification_layers(surface: _Surface, point_hover: tuple[np.ndarray, str] | None = None) -> list:
    X, y, F, f_data = surface.X, surface.y, surface.F, surface.f_data
    # Colour range: symmetric, wide enough to show the margin region |f| <= 1 but not dominated by
    # large values far from the data.
    c = float(max(1.0, np.percentile(np.abs(F), 95)))
    boundary = dict(name="boundary f(x) = 0", line=dict(color=BOUNDARY_COLOUR, width=3), showlegend=True)
    traces = list(surface.layers("RdBu", -c, c, "f(x)", **boundary))
    margin = y * f_data
    custom, hover = point_hover or (
        np.column_stack([y, f_data, margin]),
        "x = (%{x:.2f}, %{y:.2f})<br>label y = %{customdata[0]:+.0f}<br>f(x) = %{customdata[1]:.3f}"
        "<br>margin y·f(x) = %{customdata[2]:.3f}<extra></extra>",
    )
    traces += label_traces(X, y, custom, hover)
    wrong = margin <= 0.0
    if np.any(wrong):
        traces.append(
            point_markers(
                X[wrong],
                name=f"misclassified ({int(wrong.sum())})",
                marker=dict(size=17, symbol="circle-open", color="black", line=dict(width=2)),
                hoverinfo="skip",
            )
        )
    return traces


def _regression_layers(surface: _Surface) -> list:
    X, y, f_data = surface.X, surface.y, surface.f_data
    lo = float(min(np.min(y), np.percentile(surface.F, 2)))
    hi = float(max(np.max(y), np.percentile(surface.F, 98)))
    if hi <= lo:
        hi = lo + 1.0
    traces = list(surface.layers("Viridis", lo, hi, "f(x), target"))
    custom = np.column_stack([y, f_data, f_data - y])
    traces.append(
        point_markers(
            X,
            name=f"training points ({len(y)}), coloured by target",
            marker=dict(
                size=10, color=y, colorscale="Viridis", cmin=lo, cmax=hi, line=dict(width=1.2, color="black")
            ),
            customdata=custom,
            hovertemplate=(
                "x = (%{x:.2f}, %{y:.2f})<br>target y = %{customdata[0]:.3f}<br>f(x) = %{customdata[1]:.3f}"
                "<br>residual f(x) − y = %{customdata[2]:.3f}<extra></extra>"
            ),
        )
    )
    return traces


# ----------------------------------------------------------------------------------------------
# activation regions


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique rows of a boolean matrix and the index of each row's unique row (fast for many rows)."""
    n, m = rows.shape
    if m == 0:
        return np.zeros((1, 0), dtype=bool), np.zeros(n, dtype=int)
    packed = np.ascontiguousarray(np.packbits(rows, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(n)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return rows[first], inverse.reshape(-1)


def _region_colour_index(on_sets: np.ndarray) -> np.ndarray:
    """A stable palette index for each row of a boolean on-set matrix (-1 for the empty set)."""
    out = np.empty(on_sets.shape[0], dtype=int)
    for r, row in enumerate(on_sets):
        if not row.any():
            out[r] = -1
        else:
            out[r] = zlib.crc32(np.packbits(row).tobytes() + bytes([row.size % 256])) % len(REGION_COLOURS)
    return out


def _set_text(indices: Sequence[int], limit: int = 16) -> str:
    """``{1, 4, 7}`` with 1-based neuron numbers, shortened after ``limit`` entries."""
    if len(indices) == 0:
        return "∅ (none: f = 0)"
    shown = ",".join(str(i + 1) for i in indices[:limit])
    more = f",… (+{len(indices) - limit})" if len(indices) > limit else ""
    return "{" + shown + more + "}"


def activation_regions_figure(
    network: TwoLayerReLU,
    X: np.ndarray,
    *,
    title: str,
    grid: int = 120,
    bounds: Bounds | None = None,
    y: np.ndarray | None = None,
    hover_grid: int = 40,
    labelled: int = REGION_LABELS,
) -> go.Figure:
    """The plane cut by each live neuron's line ``w_j . (x, 1) = 0``, regions coloured by the on-set.

    Neurons are numbered from 1. Neurons whose ``|alpha_j| ||w_j||`` is below 1 % of the largest are left
    out (the title says how many are shown); only the ``labelled`` heaviest lines carry their number
    (every line and region names its neurons on hover), so the map stays readable when small. Hovering
    a region gives its set of active neurons and the on/off
    pattern of the shown neurons; hovering a data point gives the same for that point. ``y`` (labels)
    only picks the marker symbols of the points. ``hover_grid`` is the resolution of the hover layer,
    kept coarser than ``grid`` so the page stays light.
    """
    X = np.asarray(X, dtype=float)
    bounds = bounds or plot_bounds(X)
    if not network_is_finite(network):
        return message_figure(title, "The network has non-finite weights (training diverged).")
    live = live_neurons(network, REGION_SIZE_TOL)
    m = network.width
    # short: a map may be 200 px wide (the caption says which neurons are left out)
    full_title = f"{title}<br><sup>{len(live)} of {m} neurons shown</sup>"
    sub = TwoLayerReLU(network.W[live], network.alpha[live])
    traces: list = []

    # Colour layer: palette index of each grid cell's on-set.
    xs, ys, P = grid_points(bounds, grid)
    on = sub.activation_pattern(P) if len(live) else np.zeros((P.shape[0], 0), dtype=bool)
    uniq, inverse = _unique_rows(on)
    colour_idx = _region_colour_index(uniq)
    used = sorted(set(colour_idx.tolist()))
    # Map the palette indices actually used onto 0..k-1: the image's palette.
    slot = {c: k for k, c in enumerate(used)}
    Zc = np.array([slot[c] for c in colour_idx], dtype=np.uint8)[inverse].reshape(grid, grid)
    colours = [EMPTY_REGION_COLOUR if c < 0 else REGION_COLOURS[c] for c in used]
    palette = np.array([unlabel_rgb(c) for c in colours], dtype=float).round().astype(np.uint8)
    # one image of the regions, not a heatmap: the browser draws one element
    traces.append(image_trace((Zc, palette), xs, ys, name="regions", zsmooth=False))

    # Hover layer: a coarser transparent heatmap carrying the on-set and the pattern of each cell.
    hg = max(2, min(hover_grid, grid))
    hxs, hys, HP = grid_points(bounds, hg)
    hon = sub.activation_pattern(HP) if len(live) else np.zeros((HP.shape[0], 0), dtype=bool)
    huniq, hinv = _unique_rows(hon)
    labels = np.array([_region_hover(row, live) for row in huniq], dtype=object)
    traces.append(
        dict(
            type="heatmap",
            x=hxs,
            y=hys,
            z=np.zeros((hg, hg), dtype=np.uint8),
            text=labels[hinv].reshape(hg, hg).tolist(),  # lists: orjson writes no object arrays
            hovertemplate="x = (%{x:.2f}, %{y:.2f})<br>active neurons %{text}<extra></extra>",
            opacity=0.0,
            showscale=False,
            colorscale=[[0.0, "white"], [1.0, "white"]],
        )
    )

    # Neuron lines, one trace with breaks, and their numbers (one text trace: annotations are slow).
    xl: list[float | None] = []
    yl: list[float | None] = []
    lx: list[float] = []
    ly: list[float] = []
    hl: list[str | None] = []
    segments = [(int(j), segment_in_box(network.W[j], bounds)) for j in live]
    segments = [(j, seg) for j, seg in segments if seg is not None]
    fires = sub.activation_pattern(X).sum(axis=0) if X.size and len(live) else np.zeros(len(live), int)
    fires_of = {int(j): int(c) for j, c in zip(live, fires, strict=True)}
    info = {}
    for j, (p, q) in segments:
        w, a = network.W[j], float(network.alpha[j])
        info[j] = (
            f"neuron {j + 1}: w = ({w[0]:.3g}, {w[1]:.3g}), bias {w[2]:.3g}, α = {a:.3g}"
            f"<br>on for {fires_of.get(j, 0)} of {len(X)} training points"
        )
        t = np.linspace(0.0, 1.0, _LINE_HOVER_POINTS)  # points along the line carry its hover text
        xl += [*(p[0] + t * (q[0] - p[0])).tolist(), None]
        yl += [*(p[1] + t * (q[1] - p[1])).tolist(), None]
        hl += [info[j]] * _LINE_HOVER_POINTS + [None]
    size = {int(j): abs(float(network.alpha[j])) * float(np.linalg.norm(network.W[j])) for j, _ in segments}
    heaviest = set(sorted(size, key=size.__getitem__, reverse=True)[: max(0, int(labelled))])
    numbered = [(j, seg) for j, seg in segments if j in heaviest]
    lt = [str(j + 1) for j, _ in numbered]
    for pos in _label_positions([seg for _, seg in numbered], bounds, X):
        lx.append(float(pos[0]))
        ly.append(float(pos[1]))
    if xl:
        traces.append(
            dict(
                type="scatter",
                x=xl,
                y=yl,
                mode="lines",
                line=REGION_LINE,
                name=f"neuron lines ({len(segments)}; {len(lt)} numbered)",
                text=hl,
                hovertemplate="%{text}<extra></extra>",
            )
        )
        traces.append(
            dict(
                type="scatter",
                x=lx,
                y=ly,
                mode="markers+text",
                text=lt,
                textposition="middle center",
                textfont=dict(size=10, color="black"),
                marker=dict(
                    symbol="square",
                    size=[9 + 5 * len(s) for s in lt],
                    color="rgba(255,255,255,0.9)",
                    line=dict(width=1, color=LINE_COLOUR),
                ),
                hovertext=[info[j] for j, _ in numbered],
                hovertemplate="%{hovertext}<extra></extra>",
                showlegend=False,
            )
        )

    # Data points with their own on-set.
    if X.size:
        don = sub.activation_pattern(X) if len(live) else np.zeros((X.shape[0], 0), dtype=bool)
        point_text = np.array([_region_hover(row, live) for row in don], dtype=object)
        labels_y = np.ones(len(X)) if y is None else np.asarray(y, dtype=float)
        if y is not None and set(np.unique(labels_y).tolist()) <= {-1.0, 1.0}:
            hover = (
                "x = (%{x:.2f}, %{y:.2f})<br>label %{customdata[0]:+.0f}<br>active neurons %{customdata[1]}"
                "<extra></extra>"
            )
            custom = np.column_stack([labels_y, point_text]).astype(object)
            for trace in label_traces(X, labels_y, custom, hover, size=7):
                traces.append(trace)
        else:
            traces.append(
                point_markers(
                    X,
                    name=f"training points ({len(X)})",
                    marker=dict(size=7, color="black", line=dict(width=1, color="white")),
                    text=point_text,
                    hovertemplate="x = (%{x:.2f}, %{y:.2f})<br>active neurons %{text}<extra></extra>",
                )
            )
    layout = plane_layout(full_title, bounds) | dict(margin=dict(l=10, r=10, t=65, b=75))
    # built unvalidated, in one go (Plotly's checks of each trace and layout update cost more than the
    # rest of the figure): the traces are plain dicts or this package's own
    return go.Figure(dict(data=traces, layout=layout), _validate=False)


# Points per neuron line that carry its hover text (plotly hovers on a line's points, not between them).
_LINE_HOVER_POINTS = 24


def _label_positions(
    segments: list[tuple[np.ndarray, np.ndarray]], bounds: Bounds, points: np.ndarray | None = None
) -> list[np.ndarray]:
    """A point on each segment for its number: greedily far from earlier numbers and off the data points."""
    xmin, xmax, ymin, ymax = bounds
    scale = np.array([xmax - xmin, ymax - ymin])
    if points is not None and len(points):
        pts = (np.asarray(points, dtype=float)[:, :2] - np.array([xmin, ymin])) / scale
    else:
        pts = np.zeros((0, 2))
    ts = np.linspace(0.04, 0.96, 24)
    placed: list[np.ndarray] = []  # normalised positions
    out = []
    for p, q in segments:
        cand = (p[None, :] + ts[:, None] * (q - p)[None, :] - np.array([xmin, ymin])) / scale
        if placed:
            d = np.min(np.linalg.norm(cand[:, None, :] - np.array(placed)[None, :, :], axis=2), axis=1)
            # Prefer free space; among ties keep away from the crowded middle of the box.
            score = np.minimum(d, 0.12) + 0.01 * np.linalg.norm(cand - 0.5, axis=1)
        else:
            score = -ts
        if len(pts):
            dp = np.min(np.linalg.norm(cand[:, None, :] - pts[None, :, :], axis=2), axis=1)
            score = score + 2.0 * np.minimum(dp, 0.035)
        best = int(np.argmax(score))
        placed.append(cand[best])
        out.append(cand[best] * scale + np.array([xmin, ymin]))
    return out


def _region_hover(row: np.ndarray, live: np.ndarray) -> str:
    """Hover text of one on-set: the active neurons and the 0/1 pattern of the shown neurons."""
    active = [int(j) for j, is_on in zip(live, row, strict=True) if is_on]
    text = _set_text(active)
    if 0 < len(live) <= 40:
        text += "<br>pattern " + "".join("1" if b else "0" for b in row)
    elif len(live) > 40:
        text += f"<br>{len(active)} of {len(live)} shown neurons on"
    return text


# ----------------------------------------------------------------------------------------------
# objective vs step


def objective_figure(
    history: TrainHistory,
    *,
    optimum: float | None,
    optimum_label: str = "",
    certified: bool,
    lower_bound: float | None = None,
    title: str = "Training objective J vs step",
) -> go.Figure:
    """SGD's objective J per logged step (top) and its gap ``J - optimum`` on a log axis (bottom).

    The optimum line is labelled "certified global optimum" when ``certified``, otherwise
    "convex (upper bound / not certified)"; ``optimum_label`` adds detail to that name. Steps where the
    gap is zero or negative cannot sit on a log axis: they are drawn at a floor value as red
    triangles whose hover gives the true (negative) gap. ``lower_bound`` (a dual bound on the global
    optimum), when given and not certified, is drawn as a dotted line.
    """
    steps = np.asarray(history.step, dtype=float)
    J = np.asarray(history.objective, dtype=float)
    if steps.size == 0:
        return message_figure(title, "No training history to show.")
    finite = np.isfinite(J)
    has_gap = optimum is not None and math.isfinite(optimum)
    rows = 2 if has_gap else 1
    fig = subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.5, 0.5] if rows == 2 else [1.0],
        subplot_titles=(["objective J", "gap J − optimum"] if rows == 2 else None),
    )
    fig.add_trace(
        go.Scatter(
            x=steps[finite],
            y=J[finite],
            mode="lines",
            name="SGD objective J",
            line=dict(color="#1f77b4", width=2),
            hovertemplate="step %{x:.0f}<br>J = %{y:.6g}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    x_span = [float(steps[0]), float(steps[-1])]
    opt_name = "certified global optimum" if certified else "convex (upper bound / not certified)"
    if optimum_label:
        opt_name = f"{opt_name} — {optimum_label}"
    if has_gap:
        add_level_line(
            fig,
            x_span,
            optimum,
            f"{opt_name}: {optimum:.6g}",
            OPTIMUM_LINE,
            hover=f"{opt_name}<br>J* = {optimum:.6g}",
        )
    if lower_bound is not None and math.isfinite(lower_bound) and not certified:
        add_level_line(
            fig,
            x_span,
            lower_bound,
            f"dual lower bound on the global optimum: {lower_bound:.6g}",
            LOWER_BOUND_LINE,
            hover=f"dual lower bound<br>{lower_bound:.6g}",
        )
    # the axes (row 1: xaxis/yaxis, row 2: xaxis2/yaxis2), set with the layout in one update
    axes: dict[str, dict] = {}
    if has_gap:
        _gap_traces(fig, steps[finite], J[finite] - float(optimum))
        gap = J[finite] - float(optimum)
        axes["yaxis2"] = dict(
            type="log", title=dict(text="J − optimum"), exponentformat="power", **log_ticks(gap[gap > 0])
        )
    if not finite.all():
        first_bad = int(steps[np.argmax(~finite)])
        fig.add_annotation(
            text=f"J is not finite from step {first_bad} on (diverged)",
            xref="paper",
            yref="paper",
            x=1.0,
            y=1.0,
            xanchor="right",
            showarrow=False,
            font=dict(color=GAP_BELOW_COLOUR),
        )
    top = J[finite & (J > 0)]
    if has_gap and optimum > 0:
        top = np.append(top, optimum)
    axes["yaxis"] = dict(title=dict(text="J"), type="log", exponentformat="power", **log_ticks(top))
    axes["xaxis2" if rows == 2 else "xaxis"] = dict(title=dict(text="optimizer step"))
    for name in ("xaxis", "yaxis", "xaxis2", "yaxis2")[: 2 * rows]:
        axes.setdefault(name, {}).update(GRID_LINES)
    height = 560 if rows == 2 else 360
    layout = legend_below_spec(
        title, height, legend_y=-0.12, hover_font_size=None, hovermode="x unified", **axes
    )
    return with_layout(fig, layout)


def _gap_traces(fig: go.Figure, steps: np.ndarray, gap: np.ndarray) -> None:
    """Positive gaps as a line; zero/negative gaps at a floor value as red markers (true value in hover)."""
    positive = gap > 0.0
    floor = gap_floor(gap)
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=np.where(positive, gap, np.nan),
            mode="lines",
            name="gap J − optimum > 0",
            line=dict(color="#ff7f0e", width=2),
            connectgaps=False,
            hovertemplate="gap = %{y:.3e}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    add_gaps_below(
        fig,
        steps,
        gap,
        floor,
        name=f"J ≤ optimum (gap ≤ 0, drawn at {floor:.0e}; hover for the value)",
        marker=dict(color=GAP_BELOW_COLOUR, symbol="triangle-down", size=8),
        hovertemplate="gap = %{customdata:.3e} (≤ 0: J at or below the optimum line)<extra></extra>",
        row=2,
        col=1,
    )


# ----------------------------------------------------------------------------------------------
# numbers and verdict

# The rows of the numbers table: field of engine.studies.summary.NetworkNumbers -> label.
_ROWS = {
    "objective": "objective J",
    "lower_bound": "dual lower bound on global optimum",
    "gap": "gap J − lower bound",
    "relative_gap": "relative gap",
    "certified": "certified globally optimal",
    "neurons": "neurons used (of width)",
    "train": "train {perf}",
    "test": "test {perf}",
    "time_s": "time (s)",
    "method": "method",
}


def _cell(key: str, v: object, task: str) -> str:
    if v is None:
        return "—"
    if key == "certified":
        return "yes" if v else "no"
    if key == "neurons":
        used, width = v  # type: ignore[misc]
        return f"{used} of {width}"
    if key == "method":
        return str(v)
    if isinstance(v, float) and math.isnan(v):
        return "—"
    if key == "relative_gap":
        return f"{v:.2e}"  # the absolute gap when J = 0: the row's label says so (_column)
    if key == "train" or key == "test":
        return f"{v:.4g}" if task == "regression" else f"{100 * v:.1f} %"  # type: ignore[operator]
    if key == "time_s":
        return f"{v:.3f}"
    if key == "gap":
        return f"{v:.3e}"
    return f"{v:.6g}"


def _column(numbers: NetworkNumbers, task: str) -> list[str]:
    cells = [_cell(key, getattr(numbers, key), task) for key in _ROWS]
    if numbers.gap_kind == "absolute":  # J = 0: no relative gap exists, the certificate uses J - bound
        index = list(_ROWS).index("relative_gap")
        cells[index] += " (absolute: J = 0)"
    return cells


def numbers_table(
    convex_result: ConvexResult | None,
    train_result: TrainResult | None,
    *,
    sgd_label: str = "SGD",
    **data: Any,
) -> pd.DataFrame:
    """The numbers table for display: rows are quantities, columns "Convex" and ``sgd_label`` (strings).

    ``data`` are the keywords of :func:`engine.studies.summary.summarize` (``X``, ``y``, ``X_test``,
    ``y_test``, ``sgd_certificate``, ``task``), which computes the numbers: the SGD column's bound and gap
    come from ``sgd_certificate`` (``certify`` on the SGD network); a missing result shows as a column of
    dashes; train/test are accuracies (classification) or RMSEs (regression).
    """
    numbers = summarize(convex_result, train_result, **data)
    task = numbers.task
    perf = "RMSE" if task == "regression" else "accuracy"
    columns = {"Convex": _column(numbers.convex, task), sgd_label: _column(numbers.sgd, task)}
    labels = [label.format(perf=perf) for label in _ROWS.values()]
    return pd.DataFrame(columns, index=pd.Index(labels, name="quantity"))


# verdict case -> the level it is shown at ("success", "info" or "warning")
VERDICT_LEVELS = {
    "sgd_at_optimum": "success",
    "sgd_above_optimum": "success",
    "sgd_certified_alone": "success",
    "sgd_bounded_alone": "info",
    "not_certified": "info",
    "convex_uncertified": "warning",
    "optimum_without_sgd": "warning",
    "no_comparison": "warning",
}


def verdict_text(v: Verdict) -> str:
    """The verdict's sentence for one case of :func:`engine.studies.summary.compare`."""
    if v.case == "sgd_certified_alone":
        return "Convex solve unavailable, but SGD's own dual certificate proves it globally optimal."
    if v.case == "sgd_bounded_alone":
        return (
            f"Convex solve unavailable; SGD is at most {v.gap:.2e} above the optimum "
            f"(dual lower bound {v.lower_bound:.6g}); not certified."
        )
    if v.case == "no_comparison":
        return "No comparison: the convex solve and SGD did not both produce a result."
    if v.case == "optimum_without_sgd":
        return f"Certified global optimum J* = {v.optimum:.6g}; the SGD run gave no usable result."
    if v.case == "sgd_at_optimum":
        return (
            f"Certified: the convex network is a global optimum, J* = {v.optimum:.6g}; SGD reached the "
            f"global optimum too (J = {v.sgd_objective:.6g}, difference {v.difference:.1e})."
        )
    if v.case == "sgd_above_optimum":
        assert v.difference is not None and v.optimum is not None
        share = f"{v.difference / abs(v.optimum):.1%} of J*" if v.optimum != 0.0 else "J* = 0"
        return (
            f"Certified: SGD is {v.difference:.1e} above the global optimum J* = {v.optimum:.6g} ({share}). "
            "The convex network is certified globally optimal; SGD's is not."
        )
    if v.case == "convex_uncertified":
        gap = ""
        if v.relative_gap is not None:
            gap = f", {v.gap_kind or 'relative'} gap {v.relative_gap:.1e} to the dual bound"
        head = (
            f"Not a certified optimum: the convex solver stopped short (status {v.status}{gap}); "
            f"J = {v.optimum:.6g} ({v.pattern_mode} patterns) is only the objective of the network "
            "it returned"
        )
        if v.difference is not None:
            where = "above" if v.difference > 0 else "below"
            return head + f". SGD is {abs(v.difference):.1e} {where} it."
        return head + "."
    # not_certified
    head = (
        f"Not certified: the convex objective {v.optimum:.6g} ({v.pattern_mode} patterns) is only an "
        "upper bound on the global optimum"
    )
    if v.lower_bound is not None:
        head += f"; the dual lower bound is {v.lower_bound:.6g}"
    if v.difference is not None:
        where = "above" if v.difference > 0 else "below"
        return head + f". SGD is {abs(v.difference):.1e} {where} it. Neither network is certified."
    return head + "."


def verdict(
    convex_result: ConvexResult | None,
    train_result: TrainResult | None,
    sgd_certificate: Certificate | None = None,
) -> tuple[str, str]:
    """A one-line verdict and its level ("success", "info" or "warning") comparing SGD to the optimum
    (the case of :func:`engine.studies.summary.compare`, in words)."""
    v = compare(convex_result, train_result, sgd_certificate)
    return VERDICT_LEVELS[v.case], verdict_text(v)


# ----------------------------------------------------------------------------------------------
# training playback

#: Snapshots a gradient run records for the playback (frames; log-spaced, see engine.gradient.sgd).
PLAYBACK_FRAMES = 80
#: Grid of the playback frames (per side): every frame carries f on this grid as a small PNG image.
PLAYBACK_GRID = 60
#: Milliseconds per frame when playing.
PLAYBACK_FRAME_MS = 110
GHOST_LINE = dict(color="rgba(0,140,70,0.8)", width=2, dash="dash")  # the optimum's neurons
GHOST_NAME = "optimum's neurons"  # the playback's trace of them
SGD_LINE = dict(color="rgba(30,30,30,0.8)", width=1.2)  # the trained network's neurons


def _neuron_segments(
    network: TwoLayerReLU, neurons: np.ndarray, bounds: Bounds
) -> tuple[np.ndarray, np.ndarray]:
    """x and y arrays of the given neurons' lines ``a x1 + b x2 + c = 0`` clipped to the box, a NaN
    after each line (float32; :func:`_segment_ends`)."""
    p, q, crosses = _segment_ends(network.W[np.asarray(neurons, dtype=int)], bounds)
    return _nan_separated(p[crosses], q[crosses])


def _frames_neuron_segments(snapshots: Snapshots, bounds: Bounds) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`_neuron_segments` of every snapshot's sizeable neurons (``live_mask`` at
    ``ALIGN_SIZE_TOL``), the lines of all frames clipped in one pass."""
    K, m = snapshots.alpha.shape
    live = live_mask(snapshots.W, snapshots.alpha, ALIGN_SIZE_TOL)
    p, q, crosses = _segment_ends(snapshots.W.reshape(K * m, -1), bounds)
    keep = crosses.reshape(K, m) & live
    p, q = p.reshape(K, m, 2), q.reshape(K, m, 2)
    return [_nan_separated(p[k][keep[k]], q[k][keep[k]]) for k in range(K)]


def _segment_ends(W: np.ndarray, bounds: Bounds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row ``(a, b, c)`` of W (n x 3), the line ``a x1 + b x2 + c = 0`` clipped to the box: its
    end points p and q (n x 2 each; the two farthest apart of its crossings with the four sides) and
    whether it crosses the box at all (n booleans)."""
    xmin, xmax, ymin, ymax = bounds
    a, b, c = (W[:, i] for i in range(3))
    with np.errstate(all="ignore"):
        cand = np.stack(
            [
                np.stack([np.full_like(a, xmin), -(a * xmin + c) / b], axis=1),
                np.stack([np.full_like(a, xmax), -(a * xmax + c) / b], axis=1),
                np.stack([-(b * ymin + c) / a, np.full_like(a, ymin)], axis=1),
                np.stack([-(b * ymax + c) / a, np.full_like(a, ymax)], axis=1),
            ],
            axis=1,
        )  # n x 4 x 2
    tol = 1e-9 * max(xmax - xmin, ymax - ymin)
    inside = (
        np.isfinite(cand).all(axis=2)
        & (cand[..., 0] >= xmin - tol)
        & (cand[..., 0] <= xmax + tol)
        & (cand[..., 1] >= ymin - tol)
        & (cand[..., 1] <= ymax + tol)
    )
    pts = np.where(inside[..., None], cand, np.nan)
    d = np.linalg.norm(pts[:, :, None, :] - pts[:, None, :, :], axis=3)  # n x 4 x 4
    d = np.where(np.isnan(d), -1.0, d)
    flat = d.reshape(len(a), 16).argmax(axis=1)
    crosses = d.reshape(len(a), 16).max(axis=1) > tol
    i, j = np.divmod(flat, 4)
    rows = np.arange(len(a))
    return pts[rows, i], pts[rows, j], crosses


def _nan_separated(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments from the rows of p to those of q as float32 x and y arrays, a NaN after each."""
    seg = np.stack([p, q, np.full_like(p, np.nan)], axis=1).reshape(-1, 2).astype(np.float32)
    return seg[:, 0], seg[:, 1]


def plane_values(network: TwoLayerReLU, P: np.ndarray) -> np.ndarray:
    """f at the rows of the n x 2 array P (:func:`networks_values` of this one network)."""
    return networks_values(network.W[None], network.alpha[None], P)[0]


def networks_values(W: np.ndarray, alpha: np.ndarray, P: np.ndarray) -> np.ndarray:
    """``f_k`` of K networks of the plane (``W``: K x m x 3, bias last; ``alpha``: K x m; e.g. the
    snapshots of a run) at the rows of the n x 2 array P, as a K x n array: one compiled pass
    (:func:`engine.figures.plane_kernel.relu_values`) instead of K numpy products with their
    temporaries."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 3 or W.shape[2] != 3:
        raise ValueError(f"networks of the plane have K x m x 3 weights, not {W.shape}")
    P = np.asarray(P, dtype=np.float64).reshape(-1, 2)
    return relu_values(
        np.ascontiguousarray(W),
        np.ascontiguousarray(alpha, dtype=np.float64).reshape(W.shape[:2]),
        np.ascontiguousarray(P[:, 0]),
        np.ascontiguousarray(P[:, 1]),
    )


def _readout(fn: FrameNumbers, task: str) -> str:
    """The lines of numbers of one frame under the playback panel."""
    perf = (lambda v: f"{v:.3g}") if task == "regression" else (lambda v: f"{100 * v:.0f} %")
    name = "RMSE" if task == "regression" else "accuracy"
    lines = [f"<b>step {fn.step}</b> · J = {fn.objective:.4g}"]
    if fn.gap is not None:
        lines[0] += f" (J* {'+' if fn.gap >= 0 else '−'} {abs(fn.gap):.1e})"
    lines.append(
        f"train {name} {perf(fn.train)}" + (f", test {perf(fn.test)}" if fn.test is not None else "")
    )
    if fn.alignment is None:
        lines.append(f"{fn.neurons} of {fn.width} neurons")
    else:
        a = fn.alignment
        lines.append(f"{fn.neurons} of {fn.width} neurons, {a.aligned} aligned")
        lines.append(f"{a.covered} of {a.targets} optimum neurons reached")
    return "<br>".join(lines)


#: Heights (px) of the Playground's two decision panels, chosen so that their planes are the same size.
PLAYBACK_HEIGHT = 616
PANEL_HEIGHT = 400
_PANEL_TOP, _PANEL_BOTTOM = 62, 38  # margins: title and legend row above, x ticks below


def _colour_range(F: np.ndarray, y: np.ndarray, regression: bool) -> tuple[float, float]:
    """The colour range of f: symmetric around 0, at least [-1, 1] and up to the 95th percentile of |f|
    (classification); the targets and the 2nd-98th percentiles of f (regression)."""
    if regression:
        lo = float(min(np.min(y), np.percentile(F, 2)))
        hi = float(max(np.max(y), np.percentile(F, 98)))
        return lo, (hi if hi > lo else lo + 1.0)
    hi = float(max(1.0, np.percentile(np.abs(F), 95)))
    return -hi, hi


def decision_panel_figure(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    *,
    title: str,
    task: str = "classification",
    bounds: Bounds | None = None,
    grid: int = 100,
    height: int = PANEL_HEIGHT,
    neuron_label: str = "neurons",
) -> go.Figure:
    """``f(x)`` over the plane, compact, to stand beside :func:`playback_figure` at the same plane size:
    the colours and the boundary ``f = 0`` of the playback, the network's sizeable neurons as dashed
    green lines (named ``neuron_label`` in the legend: the playback's ghost lines when this network is
    the optimum), the points and the
    misclassified ones ringed, the legend in one row under the title; hover gives f(x)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    bounds = bounds or plot_bounds(X)
    if not network_is_finite(network):
        return message_figure(title, "The network has non-finite weights (training diverged).")
    regression = task == "regression"
    xs, ys, P = grid_points(bounds, grid)
    F = plane_values(network, P).reshape(grid, grid)
    lo, hi = _colour_range(F, y, regression)
    fig = go.Figure()
    boundary = (
        None
        if regression
        else dict(name="f = 0", line=dict(width=3, color=BOUNDARY_COLOUR), showlegend=False)
    )
    for trace in surface_traces(
        xs, ys, F, colorscale="Viridis" if regression else "RdBu", zmin=lo, zmax=hi, boundary=boundary
    ):
        fig.add_trace(trace)
    gx, gy = _neuron_segments(network, live_neurons(network, ALIGN_SIZE_TOL), bounds)
    fig.add_trace(go.Scatter(x=gx, y=gy, mode="lines", line=GHOST_LINE, name=neuron_label, hoverinfo="skip"))
    f_data = plane_values(network, X)
    if regression:
        fig.add_trace(
            point_markers(
                X,
                name="points",
                marker=dict(
                    size=8, color=y, colorscale="Viridis", cmin=lo, cmax=hi, line=dict(width=1, color="black")
                ),
                customdata=np.column_stack([y, f_data]),
                hovertemplate="target %{customdata[0]:.3f}<br>f(x) = %{customdata[1]:.3f}<extra></extra>",
                showlegend=False,
            )
        )
    else:
        custom = np.column_stack([y, f_data, y * f_data])
        hover = (
            "x = (%{x:.2f}, %{y:.2f})<br>label %{customdata[0]:+.0f}<br>f(x) = %{customdata[1]:.3f}"
            "<br>margin y·f(x) = %{customdata[2]:.3f}<extra></extra>"
        )
        for trace in label_traces(X, y, custom, hover, size=8):
            trace.showlegend = False
            fig.add_trace(trace)
        bad = X[y * f_data <= 0.0]
        fig.add_trace(
            point_markers(
                bad,
                marker=dict(size=14, symbol="circle-open", color="black", line=dict(width=2)),
                name="misclassified",
                hoverinfo="skip",
                showlegend=False,
            )
        )
    _panel_layout(fig, title, bounds, height)
    return fig


def _panel_layout(fig: go.Figure, title: str, bounds: Bounds, height: int) -> None:
    """A compact plane figure: title, one legend row under it, equal axis scales, no axis titles."""
    xmin, xmax, ymin, ymax = bounds
    fig.update_layout(
        title=title_style(title),
        height=height,
        margin=dict(l=10, r=10, t=_PANEL_TOP, b=_PANEL_BOTTOM),
        plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0.0, font=LEGEND_FONT),
        hoverlabel=dict(font_size=12),
        uirevision=title,
    )
    fig.update_xaxes(range=[xmin, xmax], constrain="domain", showgrid=False, zeroline=False)
    fig.update_yaxes(
        range=[ymin, ymax], scaleanchor="x", scaleratio=1, constrain="domain", showgrid=False, zeroline=False
    )


def _animate(duration: int) -> dict:
    """Animation options: frames shown ``duration`` ms each, redrawn, no transition."""
    return dict(mode="immediate", frame=dict(duration=duration, redraw=True), transition=dict(duration=0))


# The J strip's step axis (log10 units): its range set here, with room on the left for the J axis's tick
# labels, which sit inside the plot. Left to Plotly, the range is widened for those labels after a first
# draw and the whole figure drawn again: the playback drew twice on every new run.
_STRIP_LEFT, _STRIP_RIGHT = 0.12, 0.03  # fractions of the steps' span in decades


def _strip_range(steps: np.ndarray) -> list[float]:
    """The J strip's x range in log10 units for the (>= 1) ``steps``: their span widened by
    ``_STRIP_LEFT`` on the left (the inside tick labels) and ``_STRIP_RIGHT`` on the right (the cursor)."""
    lo, hi = float(np.log10(np.min(steps))), float(np.log10(np.max(steps)))
    span = hi - lo if hi - lo > 1e-9 else 1.0
    return [lo - _STRIP_LEFT * span, hi + _STRIP_RIGHT * span]


def without_ghost(fig: go.Figure) -> go.Figure:
    """A playback figure (:func:`playback_figure`) with its optimum's neurons hidden: a copy sharing the
    frames (~3 ms, not a new playback's ~35 ms); the same picture as one built without them."""
    return fig.with_hidden(GHOST_NAME) if isinstance(fig, PlainFramesFigure) else fig


def _placement(controls: dict[str, dict], height: int, text_px: int) -> dict[str, Any]:
    """The layout keys that place the playback's parts for numbers and buttons of ``text_px`` pixels: the
    figure's height and margins, the plane's and the J strip's domains, and the numbers (``readout``),
    buttons (``menu``) and scrubber of ``controls`` at their heights. Larger text makes the figure taller
    by the room it needs; the plane keeps its size."""
    # Pixel rows inside the plot area, from the bottom: the J strip, the scrubber, the buttons, the
    # numbers, the plane's tick labels, then the plane up to the top.
    grow = max(0, int(text_px) - 10)
    top, bottom = _PANEL_TOP + 3 * grow, _PANEL_BOTTOM + grow
    height = height + 15 * grow
    area = float(height - top - bottom)
    strip_top, slider_top, buttons_bottom, readout_top, plane_bottom = (
        v / area for v in (52, 104 + grow, 110 + grow, 196 + 9 * grow, 228 + 11 * grow)
    )
    font = dict(size=int(text_px))
    return dict(
        height=height,
        margin=dict(t=top, b=bottom),
        yaxis=dict(domain=[plane_bottom, 1.0]),
        yaxis2=dict(domain=[0.0, strip_top]),
        annotations=[dict(controls["readout"], y=readout_top, font=font)],
        updatemenus=[dict(controls["menu"], y=buttons_bottom, font=font)],
        sliders=[dict(controls["scrubber"], y=slider_top)],
    )


def playback_figure(
    snapshots: Snapshots,
    numbers: Sequence[FrameNumbers],
    X: np.ndarray,
    y: np.ndarray,
    *,
    title: str,
    task: str = "classification",
    bounds: Bounds | None = None,
    ghost: TwoLayerReLU | None = None,
    optimum: float | None = None,
    grid: int = PLAYBACK_GRID,
    height: int = PLAYBACK_HEIGHT,
    text_px: int = 10,
) -> go.Figure:
    """A gradient run played back in the browser: one Plotly frame per snapshot, with play, pause, step
    and reset buttons and a scrubber, so moving through the run needs no server.

    Top: f of the frame's network over the plane (colours on the last frame's range; for classification
    the black line is ``f = 0``), its sizeable neurons' lines (solid grey), the optimum's neurons
    ``ghost`` as dashed green lines (when given), misclassified points ringed. Under it the frame's
    ``numbers`` (:func:`engine.studies.summary.playback_numbers`, one per snapshot); at the bottom J
    over the snapshots (log-log, step 0 drawn at step 1) with the frame's cursor and the convex value
    ``optimum``. The figure opens on the last frame; each frame carries f on a ``grid`` x ``grid`` grid
    as a PNG image (:func:`engine.figures.style.colour_image`; a few kB, drawn as one image element)
    and, for classification, its boundary ``f = 0`` as a line (:func:`engine.figures.style.
    zero_level_lines`), its neuron lines, rings, cursor and numbers.
    ``text_px``: the size of the numbers and buttons; larger text (the projector switch) makes the
    figure taller by the room it needs, the plane keeps its size.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    bounds = bounds or plot_bounds(X)
    count = len(snapshots)
    if count == 0 or len(numbers) != count:
        return message_figure(title, "No snapshots were recorded.")
    xs, ys, P = grid_points(bounds, grid)
    with np.errstate(all="ignore"):
        surfaces = np.nan_to_num(networks_values(snapshots.W, snapshots.alpha, P)).reshape(count, grid, grid)
        margins = y * networks_values(snapshots.W, snapshots.alpha, X)  # K x n: y f(x) per frame
    regression = task == "regression"
    lo, hi = _colour_range(surfaces[-1], y, regression)
    axes = dict(xaxis="x", yaxis="y")
    strip = dict(xaxis="x2", yaxis="y2")
    J = np.asarray(snapshots.objective, dtype=float)
    steps = np.maximum(np.asarray(snapshots.step, dtype=float), 1.0)

    # every frame's colours in one pass (palette indices, K x grid x grid), one PNG per frame
    pixels, palette = colour_image(surfaces, "Viridis" if regression else "RdBu", lo, hi)

    def plane(k: int) -> dict:
        return dict(type="image", source=png_data_uri(pixels[k], palette))

    def boundary(k: int) -> dict:
        bx, by = zero_level_lines(xs, ys, surfaces[k])
        return dict(type="scatter", x=typed_array(bx), y=typed_array(by))

    segments = _frames_neuron_segments(snapshots, bounds)

    def lines(k: int) -> dict:
        lx, ly = segments[k]
        return dict(type="scatter", x=typed_array(lx), y=typed_array(ly))

    def rings(k: int) -> dict:
        bad = X[margins[k] <= 0.0] if not regression else X[:0]
        return dict(
            type="scatter",
            x=typed_array(bad[:, 0].astype(np.float32)),
            y=typed_array(bad[:, 1].astype(np.float32)),
        )

    def cursor(k: int) -> dict:
        return dict(type="scatter", x=[float(steps[k])], y=[float(J[k])])

    last = count - 1
    data: list[dict] = [image_trace((pixels[last], palette), xs, ys, name="f", **axes)]
    moving = [0]
    if not regression:
        moving.append(len(data))
        data.append(
            dict(
                boundary(last),
                mode="lines",
                line=dict(width=3, color=BOUNDARY_COLOUR),
                hoverinfo="skip",
                name="f = 0",
                showlegend=False,
                **axes,
            )
        )
    if ghost is not None and network_is_finite(ghost):
        gx, gy = _neuron_segments(ghost, live_neurons(ghost, ALIGN_SIZE_TOL), bounds)
        data.append(
            dict(
                type="scatter",
                x=gx,
                y=gy,
                mode="lines",
                line=GHOST_LINE,
                name=GHOST_NAME,
                hoverinfo="skip",
                **axes,
            )
        )
    moving.append(len(data))
    data.append(dict(lines(last), mode="lines", line=SGD_LINE, name="SGD", hoverinfo="skip", **axes))
    if regression:
        data.append(
            dict(
                type="scatter",
                x=X[:, 0],
                y=X[:, 1],
                mode="markers",
                marker=dict(
                    size=8,
                    color=y,
                    colorscale=get_colorscale("Viridis"),
                    cmin=lo,
                    cmax=hi,
                    line=dict(width=1, color="black"),
                ),
                name="points (colour: target)",
                hovertemplate="x = (%{x:.2f}, %{y:.2f})<extra></extra>",
                showlegend=False,
                **axes,
            )
        )
    else:
        for trace in label_traces(
            X, y, y[:, None], "x = (%{x:.2f}, %{y:.2f}), label %{customdata[0]:+.0f}<extra></extra>", size=8
        ):
            data.append(dict(trace.to_plotly_json(), showlegend=False, **axes))
    moving.append(len(data))
    data.append(
        dict(
            rings(last),
            mode="markers",
            marker=dict(size=14, symbol="circle-open", color="black", line=dict(width=2)),
            name="misclassified",
            hoverinfo="skip",
            showlegend=False,
            **axes,
        )
    )
    shown = np.isfinite(J) & (J > 0)
    data.append(
        dict(
            type="scatter",
            x=steps[shown],
            y=J[shown],
            mode="lines",
            line=dict(color="#1f77b4", width=2),
            name="J",
            showlegend=False,
            hovertemplate="step %{x:.0f}<br>J = %{y:.5g}<extra></extra>",
            **strip,
        )
    )
    if optimum is not None and math.isfinite(optimum) and optimum > 0:
        data.append(
            dict(
                type="scatter",
                x=[float(steps[0]), float(steps[-1])],
                y=[optimum, optimum],
                mode="lines",
                line=OPTIMUM_LINE,
                name="J*",
                showlegend=False,
                hovertemplate=f"convex J* = {optimum:.5g}<extra></extra>",
                **strip,
            )
        )
    moving.append(len(data))
    data.append(
        dict(
            cursor(last),
            mode="markers",
            marker=dict(size=11, color=GAP_BELOW_COLOUR, line=dict(width=1.5, color="white")),
            name="this frame",
            showlegend=False,
            hovertemplate="step %{x:.0f}<br>J = %{y:.5g}<extra></extra>",
            **strip,
        )
    )

    names = [str(k) for k in range(count)]

    def buttons(k: int) -> list[dict]:
        """The buttons as shown at frame k: play goes on from the next frame (from the start after the
        last one), step shows the next frame, pause stops, reset goes back to step 0."""
        rest = names[k + 1 :] or names
        return [
            dict(label="▶ play", method="animate", args=[rest, _animate(PLAYBACK_FRAME_MS)]),
            dict(
                label="❚❚",
                method="animate",
                args=[
                    [None],
                    dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0)),
                ],
            ),
            dict(label="step ▸", method="animate", args=[[rest[0]], _animate(0)]),
            dict(label="◂◂ reset", method="animate", args=[[names[0]], _animate(0)]),
        ]

    frames = [
        dict(
            name=names[k],
            data=[plane(k), *([] if regression else [boundary(k)]), lines(k), rings(k), cursor(k)],
            traces=moving,
            layout=dict(
                annotations=[dict(text=_readout(numbers[k], task))],
                updatemenus=[dict(buttons=buttons(k))],
            ),
        )
        for k in range(count)
    ]
    xmin, xmax, ymin, ymax = bounds
    j_span = float(np.log10(np.max(J[shown]) / np.min(J[shown]))) if shown.any() else 0.0
    layout = dict(
        title=title_style(title),
        margin=dict(l=10, r=10),
        plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0.0, font=LEGEND_FONT),
        hoverlabel=dict(font=dict(size=12)),  # a plain dict: the figure is built unvalidated
        uirevision=title,
        xaxis=dict(range=[xmin, xmax], constrain="domain", showgrid=False, zeroline=False, anchor="y"),
        yaxis=dict(
            range=[ymin, ymax],
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
            showgrid=False,
            zeroline=False,
            anchor="x",
        ),
        xaxis2=dict(
            type="log",
            anchor="y2",
            range=_strip_range(steps),
            # the curve's name here, upright: a rotated one-letter "J" beside a strip this small reads as "¬"
            title=dict(text="step  (curve: J, log scale)", standoff=2),
            exponentformat="power",
            dtick=1,  # decades only: Plotly's 2 and 5 between them crowd a strip this small
            **GRID_LINES,
        ),
        yaxis2=dict(
            type="log",
            anchor="x2",
            exponentformat="power",
            ticklabelposition="inside",
            tickfont=dict(size=9),
            **GRID_LINES,
            **({"dtick": 1} if j_span >= 1.0 else {"nticks": 3}),
        ),
    )
    controls = dict(
        readout=dict(
            text=_readout(numbers[last], task),
            x=0.0,
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
        ),
        menu=dict(
            type="buttons",
            direction="left",
            x=0.0,
            xanchor="left",
            yanchor="bottom",
            pad=dict(t=0, r=4, b=0, l=0),
            showactive=False,
            buttons=buttons(last),
        ),
        scrubber=dict(
            active=last,
            x=0.0,
            len=1.0,
            xanchor="left",
            yanchor="top",
            pad=dict(t=0, b=0, l=0, r=0),
            currentvalue=dict(visible=False),
            ticklen=0,
            minorticklen=0,
            font=dict(color="rgba(0,0,0,0)", size=1),
            steps=[
                dict(method="animate", label=names[k], args=[[names[k]], _animate(0)]) for k in range(count)
            ],
        ),
    )
    merge_layout(layout, _placement(controls, height, text_px))
    if text_px < LARGE_TEXT_PX:  # the projector switch's own part (engine.figures.style.large_text_patch)
        layout["meta"] = {LARGE_LAYOUT_META: _placement(controls, height, LARGE_TEXT_PX)}
    return PlainFramesFigure(data=data, layout=layout, frames=frames)
