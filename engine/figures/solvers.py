"""Plotly figures of the Solvers page (no Streamlit in here).

* :func:`race_figure`: the gap to the certified optimum of every solver against iterations and time;
* :func:`race_table`: where each route ended (final J, gap, iterations, time, status).

The race figure's gaps <= 0 are drawn by :func:`engine.figures.style.add_gap_series` (the convention
is in engine/figures/style.py's docstring).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.figures.style import (
    add_gap_series,
    gap_floor,
    legend_below_layout,
    log_ticks,
    message_figure,
    tidy_log_axes,
)
from engine.studies.race import RaceResult, SolverTrace

__all__ = ["SOLVER_COLOURS", "race_figure", "race_table"]

SOLVER_COLOURS = {
    "admm": "#9467bd",
    "scp": "#8c564b",
    "colgen": "#2ca02c",
    "cvxpy": "#ff7f0e",
    "sgd": "#1f77b4",
}


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
        return message_figure(title, "No route produced a trace.")
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
            add_gap_series(
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
        type="log", exponentformat="power", showgrid=True, gridcolor="#eeeeee", **log_ticks(positive)
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
    legend_below_layout(fig, f"{title}<br><sup>{sub}</sup>", 520, 80, legend_y=-0.16, hover_font_size=None)
    return tidy_log_axes(fig)


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
