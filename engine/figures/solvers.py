"""Plotly figures of the Patterns and Solvers pages (no Streamlit in here).

* :func:`arrangement_plane_figure`: the data plane cut by the lines ``g . (x, 1) = 0`` of sampled
  directions (the pattern of g is the set of points on the ticked, positive side of its line);
* :func:`direction_sphere_figure`: the sphere of neuron directions w, two hemisphere discs in
  orthographic projection; every training point is a great circle ``z_k . w = 0``, the cells are the
  exact patterns, shaded by whether a sampled direction (a dot) landed in them;
* :func:`approximation_figure`: the optimum of the sampled program against the number of draws, with
  the certified optimum;
* :func:`race_figure`: the gap to the certified optimum of every solver against iterations and time.

Gaps <= 0 follow the convention of :func:`engine.figures.objective_figure`: they are drawn as red-edged
triangles at a floor a decade below the smallest positive gap, with the true value on hover.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.figures.playground import (
    GAP_BELOW_COLOUR,
    Bounds,
    _base_layout,
    _label_traces,
    _log_ticks,
    _message_figure,
    _segment_in_box,
    gap_floor,
    plot_bounds,
)
from engine.network import lift
from engine.patterns import pattern_keys
from engine.studies.approximation import ApproximationCurve, PatternCoverage
from engine.studies.race import RaceResult, SolverTrace

__all__ = [
    "SOLVER_COLOURS",
    "approximation_figure",
    "arrangement_plane_figure",
    "direction_sphere_figure",
    "race_figure",
    "race_table",
]

SOLVER_COLOURS = {
    "admm": "#9467bd",
    "scp": "#8c564b",
    "colgen": "#2ca02c",
    "cvxpy": "#ff7f0e",
    "sgd": "#1f77b4",
}
HIT_COLOUR = "rgb(199,233,192)"  # a cell some sampled direction landed in
MISS_COLOUR = "rgb(253,208,162)"  # a cell no sampled direction landed in
CIRCLE_COLOUR = "rgba(60,60,60,0.55)"
DIRECTION_COLOUR = "#111111"
_HEIGHT = 470


def _title(text: str) -> dict:
    return dict(text=text, x=0.0, xanchor="left", font=dict(size=15))


def _nan_join(segments: list[np.ndarray]) -> np.ndarray:
    """Stack 2-column point lists with a NaN row between them (one Plotly trace, gaps between lines)."""
    if not segments:
        return np.zeros((0, 2))
    gap = np.full((1, segments[0].shape[1]), np.nan)
    return np.vstack([part for seg in segments for part in (seg, gap)])


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
    lines, ticks = [], []
    for g in G:
        seg = _segment_in_box(g, bounds)
        if seg is None:
            continue
        a, b = seg
        lines.append(np.vstack([a, b]))
        normal = g[:2] / max(float(np.linalg.norm(g[:2])), 1e-300)
        foot = a + 0.12 * (b - a)  # near the box edge, away from the data in the middle
        ticks.append(np.vstack([foot, foot + tick * normal]))
    fig = go.Figure()
    opacity = float(np.clip(6.0 / math.sqrt(max(len(lines), 1)), 0.12, 0.8))
    if lines:
        L, T = _nan_join(lines), _nan_join(ticks)
        fig.add_trace(
            go.Scatter(
                x=L[:, 0],
                y=L[:, 1],
                mode="lines",
                name=f"line g·(x, 1) = 0 of a sampled direction ({len(lines)})",
                line=dict(color=f"rgba(40,40,40,{opacity:.2f})", width=1),
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=T[:, 0],
                y=T[:, 1],
                mode="lines",
                name="tick: positive side (points there are on)",
                line=dict(color=f"rgba(214,39,40,{max(opacity, 0.35):.2f})", width=2),
                hoverinfo="skip",
            )
        )
    if task == "regression":
        fig.add_trace(
            go.Scatter(
                x=X[:, 0],
                y=X[:, 1],
                mode="markers",
                name=f"training points ({len(y)})",
                marker=dict(size=8, color=y, colorscale="Viridis", line=dict(width=1, color="black")),
                hovertemplate="x = (%{x:.2f}, %{y:.2f})<extra></extra>",
            )
        )
    else:
        custom = np.arange(1, len(y) + 1)[:, None]
        hover = "point %{customdata[0]}<br>x = (%{x:.2f}, %{y:.2f})<extra></extra>"
        for trace in _label_traces(X, y, custom, hover, size=8):
            fig.add_trace(trace)
    missed = len(G) - len(lines)
    sub = f"{len(G)} distinct sampled patterns" + (f"; {missed} lines lie outside the box" if missed else "")
    _base_layout(fig, f"{title}<br><sup>{sub}</sup>", bounds)
    return fig


# ----------------------------------------------------------------------------------------------
# the sphere of directions


def _circle_halves(Z: np.ndarray, samples: int = 90) -> np.ndarray:
    """For each z, the half of the great circle ``z . w = 0`` with w3 >= 0, as (samples x 3) arrays."""
    halves = []
    t = np.linspace(0.0, np.pi, samples)
    for z in Z:
        e1 = np.array([-z[1], z[0], 0.0])
        if np.linalg.norm(e1) < 1e-12:  # z = (0, 0, 1): the circle is the equator
            e1 = np.array([1.0, 0.0, 0.0])
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(z, e1)
        e2 /= np.linalg.norm(e2)
        if e2[2] < 0.0:
            e2 = -e2
        halves.append(np.outer(np.cos(t), e1) + np.outer(np.sin(t), e2))
    return np.array(halves)


def _hit_raster(Z: np.ndarray, keys: set[bytes], sign: float, grid: int) -> tuple[np.ndarray, np.ndarray]:
    """Axis vector and grid x grid matrix: 1 where the pixel's cell holds a sample, 0 if not, nan outside."""
    s = np.linspace(-1.0, 1.0, grid)
    A, B = np.meshgrid(s, s)
    inside = A**2 + B**2 < 1.0
    W = np.column_stack([A[inside], B[inside], sign * np.sqrt(1.0 - A[inside] ** 2 - B[inside] ** 2)])
    patterns = (W @ Z.T) >= 0.0  # pixels x n
    packed = np.packbits(patterns, axis=1)
    hit = np.array([row.tobytes() in keys for row in packed], dtype=float)
    out = np.full(A.shape, np.nan)
    out[inside] = hit
    return s, out


def direction_sphere_figure(
    X: np.ndarray, coverage: PatternCoverage, *, title: str, grid: int = 181
) -> go.Figure:
    """Neuron directions w on the unit sphere: upper (w3 >= 0) and lower hemisphere, orthographic.

    Both discs are seen from above (along +w3), so w and -w sit at points mirrored through the centre
    of the two discs. Training point k is the great circle ``z_k . w = 0``; the cells between the
    circles are the exact patterns, shaded green where a sampled direction (dot) landed and orange where
    none did (pixels: a cell thinner than a pixel shows only where the pixel centre falls).
    """
    Z = lift(np.asarray(X, dtype=float))
    Zu = np.unique(Z, axis=0)
    G = np.asarray(coverage.sampled.directions, dtype=float)
    G = G / np.linalg.norm(G, axis=1, keepdims=True)
    D = coverage.sampled.D
    keys = pattern_keys(D)
    halves = _circle_halves(Zu)
    theta = np.linspace(0.0, 2.0 * np.pi, 181)
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.04,
        subplot_titles=("upper hemisphere: bias w₃ ≥ 0", "lower hemisphere: bias w₃ < 0"),
    )
    colourscale = [[0.0, MISS_COLOUR], [0.5, MISS_COLOUR], [0.5, HIT_COLOUR], [1.0, HIT_COLOUR]]
    for col, sign in ((1, 1.0), (2, -1.0)):
        s, raster = _hit_raster(Z, keys, sign, grid)
        fig.add_trace(
            go.Heatmap(
                x=s,
                y=s,
                z=raster,
                zmin=0.0,
                zmax=1.0,
                colorscale=colourscale,
                showscale=False,
                hoverinfo="skip",
                name="cells",
            ),
            row=1,
            col=col,
        )
        pts = sign * halves  # the lower half is the negative of the upper one
        segs = [p[:, :2] for p in pts]
        L = _nan_join(segs)
        fig.add_trace(
            go.Scatter(
                x=L[:, 0],
                y=L[:, 1],
                mode="lines",
                line=dict(color=CIRCLE_COLOUR, width=1),
                name=f"great circle z_k·w = 0 of a training point ({len(Zu)})",
                showlegend=col == 1,
                legendgroup="circles",
                hoverinfo="skip",
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=np.cos(theta),
                y=np.sin(theta),
                mode="lines",
                line=dict(color="black", width=1.5),
                showlegend=False,
                hoverinfo="skip",
            ),
            row=1,
            col=col,
        )
        on = (sign * G[:, 2]) >= 0.0 if sign > 0 else G[:, 2] < 0.0
        if np.any(on):
            active = D[:, on].sum(axis=0)
            fig.add_trace(
                go.Scatter(
                    x=G[on, 0],
                    y=G[on, 1],
                    mode="markers",
                    marker=dict(size=5, color=DIRECTION_COLOUR),
                    name=f"sampled direction, first of its pattern ({coverage.hits})",
                    showlegend=col == 1,
                    legendgroup="dirs",
                    customdata=np.column_stack([G[on], active]),
                    hovertemplate=(
                        "w = (%{customdata[0]:.2f}, %{customdata[1]:.2f}, %{customdata[2]:.2f})"
                        f"<br>%{{customdata[3]}} of {Z.shape[0]} points on<extra></extra>"
                    ),
                ),
                row=1,
                col=col,
            )
        fig.update_xaxes(range=[-1.04, 1.04], visible=False, constrain="domain", row=1, col=col)
        fig.update_yaxes(
            range=[-1.04, 1.04],
            visible=False,
            scaleanchor="x" if col == 1 else "x2",
            scaleratio=1,
            constrain="domain",
            row=1,
            col=col,
        )
    for name, colour in (("cell with a sample", HIT_COLOUR), ("cell missed by the samples", MISS_COLOUR)):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(size=12, symbol="square", color=colour, line=dict(width=1, color="#999")),
                name=name,
            )
        )
    sub = (
        f"{coverage.exact_count} exact patterns (cells); {coverage.draws} draws hit {coverage.hits} "
        f"of them ({coverage.fraction:.1%})"
    )
    fig.update_layout(
        title=_title(f"{title}<br><sup>{sub}</sup>"),
        height=_HEIGHT,
        margin=dict(l=10, r=10, t=75, b=60),
        plot_bgcolor="white",
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.0, x=0.0, font=dict(size=11)),
        uirevision=title,
    )
    return fig


# ----------------------------------------------------------------------------------------------
# gaps on a log axis


def _gap_series(
    fig: go.Figure,
    x: np.ndarray,
    gap: np.ndarray,
    floor: float,
    *,
    name: str,
    colour: str,
    row: int,
    col: int,
    showlegend: bool,
    mode: str = "lines",
    group: str | None = None,
    x_label: str = "x",
) -> None:
    """Positive gaps as a line; gaps <= 0 as triangles at ``floor`` with the true value on hover."""
    positive = gap > 0.0
    group = group or name
    fig.add_trace(
        go.Scatter(
            x=x,
            y=np.where(positive, gap, np.nan),
            mode=mode,
            name=name,
            line=dict(color=colour, width=2),
            marker=dict(color=colour, size=8),
            connectgaps=False,
            legendgroup=group,
            showlegend=showlegend,
            hovertemplate=f"{name}<br>{x_label} = %{{x:.4g}}<br>gap = %{{y:.3e}}<extra></extra>",
        ),
        row=row,
        col=col,
    )
    below = ~positive & np.isfinite(gap)
    if np.any(below):
        fig.add_trace(
            go.Scatter(
                x=x[below],
                y=np.full(int(below.sum()), floor),
                mode="markers",
                name=f"{name}: gap ≤ 0 (at {floor:.0e})",
                marker=dict(
                    color=colour,
                    symbol="triangle-down",
                    size=10,
                    line=dict(width=1.5, color=GAP_BELOW_COLOUR),
                ),
                customdata=gap[below],
                legendgroup=group,
                showlegend=False,
                hovertemplate=(
                    f"{name}<br>{x_label} = %{{x:.4g}}<br>gap = %{{customdata:.3e}} (≤ 0: at or below the "
                    "optimum line, round-off)<extra></extra>"
                ),
            ),
            row=row,
            col=col,
        )


# ----------------------------------------------------------------------------------------------
# approximation curve


def approximation_figure(
    curve: ApproximationCurve, *, current: int | None = None, title: str = "Sampled program vs draws"
) -> go.Figure:
    """Optimum of the sampled program (top) and its gap to the global optimum (bottom) vs draws, log x.

    Filled markers: the sampled optimum is the global one up to a relative 1e-6; open markers: it is
    above. ``current`` (a draw count on the curve) is ringed.
    """
    counts = np.asarray(curve.counts, dtype=float)
    J = np.asarray(curve.objective, dtype=float)
    ok = np.isfinite(J)
    if not np.any(ok):
        reasons = "; ".join(sorted({e for e in curve.errors if e})) or "no solve succeeded"
        return _message_figure(title, f"No sampled optimum to show: {reasons}")
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
        fig.add_trace(
            go.Scatter(
                x=span,
                y=[optimum, optimum],
                mode="lines",
                name=f"{name}: {optimum:.6g}",
                line=dict(color="black", width=2, dash="dash"),
                hovertemplate=f"{name}<br>J* = {optimum:.6g}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        if curve.lower_bound is not None and not curve.certified:
            fig.add_trace(
                go.Scatter(
                    x=span,
                    y=[curve.lower_bound, curve.lower_bound],
                    mode="lines",
                    name=f"dual lower bound: {curve.lower_bound:.6g}",
                    line=dict(color="#2ca02c", width=2, dash="dot"),
                ),
                row=1,
                col=1,
            )
        gap = J[ok] - optimum
        floor = gap_floor(gap)
        _gap_series(
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
            type="log", exponentformat="power", title_text="gap", row=2, col=1, **_log_ticks(gap[gap > 0])
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
    fig.update_xaxes(
        type="log",
        showgrid=True,
        gridcolor="#eeeeee",
        tickvals=curve.counts,
        ticktext=[str(c) for c in curve.counts],
    )
    fig.update_xaxes(
        title_text="Gaussian draws P (first P of one seeded sequence: nested sets)", row=rows, col=1
    )
    fig.update_yaxes(showgrid=True, gridcolor="#eeeeee")
    fig.update_yaxes(title_text="objective", row=1, col=1)
    fig.update_layout(
        title=_title(
            f"{title}<br><sup>numbers above the markers: distinct exact patterns hit "
            f"(of {curve.exact_count})</sup>"
        ),
        height=560 if rows == 2 else 380,
        margin=dict(l=10, r=10, t=80, b=10),
        plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0.0, font=dict(size=11)),
    )
    return fig


# ----------------------------------------------------------------------------------------------
# solver race


def _trace_name(trace: SolverTrace) -> str:
    return f"{trace.label} — {trace.program}"


def race_figure(race: RaceResult, *, title: str = "Solver race") -> go.Figure:
    """Gap ``J - J*`` of every route vs its iterations (left) and vs wall time (right), log-log.

    Without a reference optimum the objective J itself is drawn. CVXPY (one interior-point call) has no
    iteration count and appears in the time panel only; the dotted green line is the gap of column
    generation's dual bound ``J* - bound`` per round.
    """
    traces = [t for t in race.traces if t.ok]
    if not traces:
        return _message_figure(title, "No route produced a trace.")
    optimum = race.optimum if race.optimum is not None and math.isfinite(race.optimum) else None
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.05,
        subplot_titles=("vs iteration (each route's own steps)", "vs wall time"),
    )
    values = {t.solver: t.objective - optimum if optimum is not None else t.objective for t in traces}
    floor = gap_floor(np.concatenate(list(values.values())))
    for trace in traces:
        gap = values[trace.solver]
        colour = SOLVER_COLOURS.get(trace.solver, "#333333")
        mode = "lines+markers" if trace.objective.size <= 30 else "lines"
        for col, x_all, label in ((1, trace.iteration, "iteration"), (2, trace.time_s, "time (s)")):
            keep = np.isfinite(x_all) & (x_all > 0) & np.isfinite(gap)
            if not np.any(keep):
                continue
            _gap_series(
                fig,
                x_all[keep],
                gap[keep],
                floor,
                name=_trace_name(trace),
                colour=colour,
                row=1,
                col=col,
                showlegend=col == 2,
                mode=mode,
                group=trace.solver,
                x_label=label,
            )
        if optimum is not None and trace.lower_bound is not None:
            bound_gap = optimum - trace.lower_bound
            for col, x_all in ((1, trace.iteration), (2, trace.time_s)):
                keep = np.isfinite(x_all) & (x_all > 0) & np.isfinite(bound_gap)
                if np.any(keep):
                    fig.add_trace(
                        go.Scatter(
                            x=x_all[keep],
                            y=np.maximum(bound_gap[keep], floor),  # closed bounds sit at the floor
                            customdata=bound_gap[keep],
                            mode="lines+markers",
                            name="column generation: J* − dual bound of the round",
                            line=dict(color=colour, width=1.5, dash="dot"),
                            marker=dict(size=5, color=colour),
                            legendgroup="colgen-bound",
                            showlegend=col == 2,
                            hovertemplate="J* − bound = %{customdata:.3e}<extra></extra>",
                        ),
                        row=1,
                        col=col,
                    )
    for trace in race.traces:  # a route without a trace keeps its legend entry, with the reason
        if not trace.ok:
            reason = trace.error if len(trace.error) <= 90 else trace.error[:89] + "…"
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="lines",
                    name=f"{trace.label}: no trace ({reason})",
                    line=dict(color=SOLVER_COLOURS.get(trace.solver, "#333333"), width=2, dash="dot"),
                    legendgroup=trace.solver,
                ),
                row=1,
                col=2,
            )
    positive = np.concatenate([v[v > 0] for v in values.values()])
    y_title = "gap J − J*" if optimum is not None else "objective J (no optimum to compare with)"
    fig.update_yaxes(
        type="log", exponentformat="power", showgrid=True, gridcolor="#eeeeee", **_log_ticks(positive)
    )
    fig.update_yaxes(title_text=y_title, row=1, col=1)
    fig.update_xaxes(type="log", exponentformat="power", showgrid=True, gridcolor="#eeeeee")
    fig.update_xaxes(title_text="iteration / round / step", row=1, col=1)
    fig.update_xaxes(title_text="seconds since the route started", row=1, col=2)
    if optimum is not None:
        head = "certified global optimum" if race.certified else "reference optimum (not certified)"
        sub = f"{head} J* = {optimum:.6g}"
        if race.lower_bound is not None:
            sub += f", dual lower bound {race.lower_bound:.6g}"
    else:
        sub = f"no optimum: {race.optimum_error}"
    fig.update_layout(
        title=_title(f"{title}<br><sup>{sub}</sup>"),
        height=520,
        margin=dict(l=10, r=10, t=80, b=10),
        plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="top", y=-0.16, x=0.0, font=dict(size=11)),
    )
    return fig


def race_table(race: RaceResult) -> pd.DataFrame:
    """One row per route: program, final J, gap to J*, iterations (last logged) and time (strings)."""
    rows = []
    for t in race.traces:
        if not t.ok:
            rows.append([t.label, t.program, "—", "—", "—", "—", t.error])
            continue
        J = t.final_objective
        gap = J - race.optimum if race.optimum is not None else math.nan
        last_iter = t.iteration[-1] if t.iteration.size else math.nan
        rows.append(
            [
                t.label,
                t.program,
                f"{J:.6g}",
                f"{gap:.2e}" if math.isfinite(gap) else "—",
                f"{last_iter:.0f}" if math.isfinite(last_iter) else "one call",
                f"{t.time_s[-1]:.3f}" if t.time_s.size else "—",
                t.note or "ok",
            ]
        )
    columns = ["program", "final J", "gap J − J*", "iterations", "time (s)", "status"]
    return pd.DataFrame(
        [r[1:] for r in rows], index=pd.Index([r[0] for r in rows], name="route"), columns=columns
    )
