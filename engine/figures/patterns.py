"""Plotly figures of the Patterns page: activation patterns seen in the data plane and on the sphere of
neuron directions, and how the sampled program approaches the global optimum (no Streamlit in here).

* :func:`arrangement_plane_figure`: the data plane cut by the lines ``g . (x, 1) = 0`` of sampled
  directions (the pattern of g is the set of points on the ticked, positive side of its line);
* :func:`direction_sphere_figure`: the sphere of neuron directions w, two hemisphere discs in
  orthographic projection; every training point is a great circle ``z_k . w = 0``, the cells are the
  exact patterns, shaded by whether a sampled direction (a dot) landed in them
  (:func:`engine.studies.sphere.hemisphere_coverage`);
* :func:`approximation_figure`: the optimum of the sampled program against the number of draws, with
  the certified optimum.

The approximation figure draws gaps <= 0 by the convention of engine/figures/style.py
(:func:`~engine.figures.style.add_gap_series`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import unlabel_rgb
from plotly.subplots import make_subplots

from engine.figures.style import (
    FIG_HEIGHT,
    GAP_BELOW_COLOUR,
    LEGEND_FONT,
    LOWER_BOUND_LINE,
    OPTIMUM_LINE,
    Bounds,
    add_gap_series,
    add_level_line,
    base_layout,
    figure_of,
    gap_floor,
    image_trace,
    label_traces,
    legend_below_layout,
    log_ticks,
    merge_layout,
    message_figure,
    nan_join,
    plot_bounds,
    point_markers,
    segments_in_box,
    segments_trace,
    subplots_layout,
    title_style,
)
from engine.network import lift
from engine.studies.approximation import ApproximationCurve, PatternCoverage
from engine.studies.sphere import hemisphere_coverage

__all__ = ["approximation_figure", "arrangement_plane_figure", "direction_sphere_figure"]

HIT_COLOUR = "rgb(199,233,192)"  # a cell some sampled direction landed in
MISS_COLOUR = "rgb(253,208,162)"  # a cell no sampled direction landed in
CIRCLE_COLOUR = "rgba(60,60,60,0.55)"
DIRECTION_COLOUR = "#111111"


# ----------------------------------------------------------------------------------------------
# the data plane


def arrangement_plane_figure(
    X: np.ndarray,
    y: np.ndarray,
    directions: np.ndarray,
    *,
    title: str,
    task: str = "classification",
    bounds: Bounds | None = None,
) -> go.Figure:
    """The training points and the line ``g . (x, 1) = 0`` of every direction g, ticked on its positive side.

    Lines are one trace (NaN separators), ticks another, so the figure stays light for thousands of
    directions. Directions whose line misses the plotted box (all points on one side) are counted in
    the subtitle.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    G = np.asarray(directions, dtype=float).reshape(-1, 3)
    bounds = bounds or plot_bounds(X)
    xmin, xmax, ymin, ymax = bounds
    tick = 0.035 * (xmax - xmin)
    ends, keep = segments_in_box(G, bounds)  # all lines at once
    lines = list(ends)
    lengths = [max(float(np.linalg.norm(g[:2])), 1e-300) for g in G[keep]]
    normal = G[keep, :2] / np.array(lengths).reshape(-1, 1)
    foot = ends[:, 0] + 0.12 * (ends[:, 1] - ends[:, 0])  # near the box edge, away from the data
    ticks = list(np.stack([foot, foot + tick * normal], axis=1))
    fig = go.Figure()
    opacity = float(np.clip(6.0 / math.sqrt(max(len(lines), 1)), 0.12, 0.8))
    if lines:
        fig.add_trace(
            segments_trace(
                lines,
                name=f"line g·(x, 1) = 0 ({len(lines)} draws)",
                line=dict(color=f"rgba(40,40,40,{opacity:.2f})", width=1),
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            segments_trace(
                ticks,
                name="tick: the side that is on",
                line=dict(color=f"rgba(214,39,40,{max(opacity, 0.35):.2f})", width=2),
                hoverinfo="skip",
            )
        )
    if task == "regression":
        fig.add_trace(
            point_markers(
                X,
                name=f"training points ({len(y)})",
                marker=dict(size=8, color=y, colorscale="Viridis", line=dict(width=1, color="black")),
                hovertemplate="x = (%{x:.2f}, %{y:.2f})<extra></extra>",
            )
        )
    else:
        custom = np.arange(1, len(y) + 1)[:, None]
        hover = "point %{customdata[0]}<br>x = (%{x:.2f}, %{y:.2f})<extra></extra>"
        for trace in label_traces(X, y, custom, hover, size=8):
            fig.add_trace(trace)
    missed = len(G) - len(lines)
    sub = f"{len(G)} distinct sampled patterns" + (f"; {missed} lines lie outside the box" if missed else "")
    base_layout(fig, f"{title}<br><sup>{sub}</sup>", bounds)
    return fig


# ----------------------------------------------------------------------------------------------
# the sphere of directions


def _coverage_image(raster: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A hemisphere's coverage raster (1 covered, 0 missed, NaN outside the disc) as a palette image:
    index 0 :data:`MISS_COLOUR`, 1 :data:`HIT_COLOUR`, 255 white (``style.image_trace`` draws it)."""
    palette = np.full((256, 3), 255, dtype=np.uint8)
    palette[0], palette[1] = unlabel_rgb(MISS_COLOUR), unlabel_rgb(HIT_COLOUR)
    index = np.full(raster.shape, 255, dtype=np.uint8)
    inside = np.isfinite(raster)
    index[inside] = (raster[inside] > 0.5).astype(np.uint8)
    return index, palette


def _circle_halves(Z: np.ndarray, samples: int = 90) -> np.ndarray:
    """For each z, the half of the great circle ``z . w = 0`` with w3 >= 0, as (samples x 3) arrays
    (len(Z) x samples x 3): from e1 = (-z2, z1, 0) / norm (the equator's (1, 0, 0) for z = (0, 0, 1))
    through e2 = z x e1 / norm, turned to w3 >= 0."""
    Z = np.asarray(Z, dtype=float).reshape(-1, 3)
    t = np.linspace(0.0, np.pi, samples)
    e1 = np.column_stack([-Z[:, 1], Z[:, 0], np.zeros(len(Z))])
    flat = np.linalg.norm(e1, axis=1) < 1e-12  # z = (0, 0, 1): the circle is the equator
    e1[flat] = (1.0, 0.0, 0.0)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(Z, e1)
    e2 /= np.linalg.norm(e2, axis=1, keepdims=True)
    e2[e2[:, 2] < 0.0] *= -1.0
    return np.cos(t)[None, :, None] * e1[:, None, :] + np.sin(t)[None, :, None] * e2[:, None, :]


def direction_sphere_figure(
    X: np.ndarray, coverage: PatternCoverage, *, title: str, grid: int = 181
) -> go.Figure:
    """Neuron directions w on the unit sphere: upper (w3 >= 0) and lower hemisphere, orthographic.

    Both discs are seen from above (along +w3), so w and -w sit at points mirrored through the centre
    of the two discs. Training point k is the great circle ``z_k . w = 0``; the cells between the
    circles are the exact patterns, shaded green where a sampled direction (dot) landed and orange where
    none did (pixels: a cell thinner than a pixel shows only where the pixel centre falls).

    Built as plain dicts, unvalidated (:func:`engine.figures.style.figure_of`): Plotly's checks of the
    subplot grid, the traces and the axis updates took ~60 % of the figure's time (~0.1 s at n = 200).
    """
    Z = lift(np.asarray(X, dtype=float))
    Zu = np.unique(Z, axis=0)
    G = np.asarray(coverage.sampled.directions, dtype=float)
    G = G / np.linalg.norm(G, axis=1, keepdims=True)
    D = coverage.sampled.D
    halves = _circle_halves(Zu)
    theta = np.linspace(0.0, 2.0 * np.pi, 181)
    layout = subplots_layout(
        rows=1,
        cols=2,
        horizontal_spacing=0.04,
        subplot_titles=("bias w₃ ≥ 0 (upper)", "bias w₃ < 0 (lower)"),
    )
    traces: list[dict] = []
    for col, sign, axes in ((1, 1.0, ""), (2, -1.0, "2")):  # axes: the subplot's axis suffix
        on_axes = dict(xaxis=f"x{axes}", yaxis=f"y{axes}")
        s, raster = hemisphere_coverage(X, coverage.sampled, grid, upper=sign > 0)
        # a raster image (a PNG of a few kB: the 0/1/NaN grid as a heatmap was ~175 kB to send and parse),
        # pixel centres on the grid, sharp cell edges, white outside the disc
        traces.append(image_trace(_coverage_image(raster), s, s, name="cells", zsmooth=False, **on_axes))
        pts = sign * halves  # the lower half is the negative of the upper one
        # one point per degree of ~n circles: float32 (well below a pixel) halves what is sent and parsed
        joined = nan_join([p[:, :2] for p in pts]).astype(np.float32)
        traces.append(
            dict(
                type="scatter",
                x=joined[:, 0],
                y=joined[:, 1],
                mode="lines",
                line=dict(color=CIRCLE_COLOUR, width=1),
                name=f"circle z_k·w = 0 of a point ({len(Zu)})",
                showlegend=col == 1,
                legendgroup="circles",
                hoverinfo="skip",
                **on_axes,
            )
        )
        traces.append(
            dict(
                type="scatter",
                x=np.cos(theta),
                y=np.sin(theta),
                mode="lines",
                line=dict(color="black", width=1.5),
                showlegend=False,
                hoverinfo="skip",
                **on_axes,
            )
        )
        on = (sign * G[:, 2]) >= 0.0 if sign > 0 else G[:, 2] < 0.0
        if np.any(on):
            active = D[:, on].sum(axis=0)
            traces.append(
                dict(
                    type="scatter",
                    x=G[on, 0],
                    y=G[on, 1],
                    mode="markers",
                    marker=dict(size=5, color=DIRECTION_COLOUR),
                    name=f"sampled direction ({coverage.hits})",
                    showlegend=col == 1,
                    legendgroup="dirs",
                    customdata=np.column_stack([G[on], active]),
                    hovertemplate=(
                        "w = (%{customdata[0]:.2f}, %{customdata[1]:.2f}, %{customdata[2]:.2f})"
                        f"<br>%{{customdata[3]}} of {Z.shape[0]} points on<extra></extra>"
                    ),
                    **on_axes,
                )
            )
        merge_layout(
            layout,
            {
                f"xaxis{axes}": dict(range=[-1.04, 1.04], visible=False, constrain="domain"),
                f"yaxis{axes}": dict(
                    range=[-1.04, 1.04],
                    visible=False,
                    scaleanchor=f"x{axes}",
                    scaleratio=1,
                    constrain="domain",
                ),
            },
        )
    for name, colour in (("cell with a sample", HIT_COLOUR), ("cell missed", MISS_COLOUR)):
        traces.append(
            dict(
                type="scatter",
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(size=12, symbol="square", color=colour, line=dict(width=1, color="#999")),
                name=name,
            )
        )
    sub = (
        # short: the sphere sits in 60 % of a 1024 px page, in large text too
        f"{coverage.exact_count} exact patterns; {coverage.draws} draws hit {coverage.hits} "
        f"({coverage.fraction:.1%})"
    )
    merge_layout(
        layout,
        dict(
            title=title_style(f"{title}<br><sup>{sub}</sup>"),
            height=FIG_HEIGHT,
            margin=dict(l=10, r=10, t=75, b=60),
            plot_bgcolor="white",
            legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.0, x=0.0, font=LEGEND_FONT),
            uirevision=title,
        ),
    )
    return figure_of(traces, layout)


# ----------------------------------------------------------------------------------------------
# approximation curve


def approximation_figure(
    curve: ApproximationCurve,
    *,
    current: int | None = None,
    title: str = "Sampled program vs draws",
    pending: Sequence[int] = (),
    pending_note: str = "solving …",
) -> go.Figure:
    """Optimum of the sampled program (top) and its gap to the global optimum (bottom) vs draws, log x.

    Filled markers: the sampled optimum is the global one up to a relative 1e-6; open markers: it is
    above. ``current`` (a draw count on the curve) is ringed. ``pending``: draw counts not on the curve
    yet (being solved), each a dotted vertical line over the objective's span labelled ``pending_note``.
    """
    counts = np.asarray(curve.counts, dtype=float)
    J = np.asarray(curve.objective, dtype=float)
    ok = np.isfinite(J)
    if not np.any(ok):
        reasons = "; ".join(sorted({e for e in curve.errors if e})) or "no solve succeeded"
        return message_figure(title, f"No sampled optimum to show: {reasons}")
    optimum = curve.optimum if curve.optimum is not None and math.isfinite(curve.optimum) else None
    rows = 2 if optimum is not None else 1
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=(
            ["optimum of the sampled program", "gap to the global optimum"] if rows == 2 else None
        ),
    )
    held = [h if h is not None else -1 for h in curve.support_held]
    covered = np.array(curve.reached())
    custom = np.column_stack(
        [curve.patterns, curve.hits, [f"{h} of {curve.support_size}" if h >= 0 else "—" for h in held]]
    )
    symbols = np.where(covered, "circle", "circle-open")
    fig.add_trace(
        go.Scatter(
            x=counts[ok],
            y=J[ok],
            mode="lines+markers+text",
            name="sampled program optimum (filled marker: reaches the global optimum)",
            line=dict(color="#1f77b4", width=2),
            marker=dict(size=10, symbol=symbols[ok], color="#1f77b4", line=dict(width=2, color="#1f77b4")),
            text=[f"{h}" for h in np.asarray(curve.hits)[ok]],
            textposition="top right",
            cliponaxis=False,
            textfont=dict(size=10, color="#555"),
            customdata=custom[ok],
            hovertemplate=(
                "%{x} draws → %{customdata[0]} patterns in the program<br>"
                f"hit %{{customdata[1]}} of {curve.exact_count} exact patterns<br>"
                "neurons of the reference network held: %{customdata[2]}<br>J = %{y:.6g}<extra></extra>"
            ),
        ),
        row=1,
        col=1,
    )
    span = [float(counts[0]), float(counts[-1])]
    if optimum is not None:
        name = "certified global optimum" if curve.certified else "reference optimum (not certified)"
        add_level_line(
            fig, span, optimum, f"{name}: {optimum:.6g}", OPTIMUM_LINE, hover=f"{name}<br>J* = {optimum:.6g}"
        )
        if curve.lower_bound is not None and not curve.certified:
            bound = curve.lower_bound
            add_level_line(fig, span, bound, f"dual lower bound: {bound:.6g}", LOWER_BOUND_LINE)
        gap = J[ok] - optimum
        floor = gap_floor(gap)
        add_gap_series(
            fig,
            counts[ok],
            gap,
            floor,
            name="gap to the optimum",
            colour="#ff7f0e",
            row=2,
            col=1,
            showlegend=True,
            mode="lines+markers",
            x_label="draws",
        )
        fig.update_yaxes(
            type="log", exponentformat="power", title_text="gap", row=2, col=1, **log_ticks(gap[gap > 0])
        )
    if current is not None and current in curve.counts:
        i = curve.counts.index(current)
        if ok[i]:
            fig.add_trace(
                go.Scatter(
                    x=[current],
                    y=[J[i]],
                    mode="markers",
                    name=f"current P = {current} draws",
                    marker=dict(size=20, symbol="circle-open", color=GAP_BELOW_COLOUR, line=dict(width=2.5)),
                    hoverinfo="skip",
                ),
                row=1,
                col=1,
            )
    low, high = float(np.min(J[ok])), float(np.max(J[ok]))
    if optimum is not None:
        low, high = min(low, optimum), max(high, optimum)
    for p in pending:  # a place on the axis, no value: a line over the span, the note at its top
        fig.add_trace(
            go.Scatter(
                x=[p, p],
                y=[low, high],
                mode="lines+text",
                text=["", f"P = {p}: {pending_note}"],
                textposition="top left",  # the largest count sits at the right edge: the note to its left
                cliponaxis=False,
                line=dict(color="#888888", width=2, dash="dot"),
                name=f"P = {p} draws: {pending_note}",
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
    ticks = sorted({*curve.counts, *(int(p) for p in pending)})
    fig.update_xaxes(
        type="log",
        showgrid=True,
        gridcolor="#eeeeee",
        tickvals=ticks,
        ticktext=[str(c) for c in ticks],
    )
    fig.update_xaxes(
        title_text="Gaussian draws P (first P of one seeded sequence: nested sets)", row=rows, col=1
    )
    fig.update_yaxes(showgrid=True, gridcolor="#eeeeee")
    fig.update_yaxes(title_text="objective", row=1, col=1)
    sub = f"numbers above the markers: distinct exact patterns hit (of {curve.exact_count})"
    height = 560 if rows == 2 else 380
    legend_below_layout(fig, f"{title}<br><sup>{sub}</sup>", height, 80, legend_y=-0.12, hover_font_size=None)
    return fig
