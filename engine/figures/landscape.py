"""Plotly figures of the Landscape page (no Streamlit in here).

* :func:`multistart_figure`: the final objective of every random start, sorted, as its gap ``J - J*`` to
  the certified global optimum (log scale): plateaus are distinct end points, a long tail spurious ones;
* :func:`width_sweep_figure`: the best (and median) gap reached at each width, with m* marked;
* :func:`teacher_student_figure`: per student run, its gap to J* against the worst angle between a
  teacher neuron and the closest student neuron.

Gaps <= 0 follow engine/figures/style.py: triangles at a floor a decade below the smallest positive gap,
true value on hover.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.figures.style import (
    GAP_BELOW_COLOUR,
    GRID_LINES,
    add_gap_series,
    gap_floor,
    legend_below_layout,
    log_gap_layout,
    log_ticks,
    message_figure,
    reference_line,
    tidy_log_axes,
)
from engine.studies.landscape import MultiStart, TeacherStudent, WidthSweep

__all__ = ["multistart_figure", "teacher_student_figure", "width_sweep_figure"]

RUN_COLOUR = "#1f77b4"
SELECTED_COLOUR = "#d62728"
MEDIAN_COLOUR = "#9ecae1"
OPTIMUM_COLOUR = "#2ca02c"
RECOVERED_COLOUR = "#2ca02c"
MISSED_COLOUR = "#ff7f0e"


def multistart_figure(ms: MultiStart, optimum: float | None, *, selected: int, title: str) -> go.Figure:
    """Final ``J - J*`` of every run, sorted (x: rank), log y; the selected run ringed in red.

    Without an optimum the objective J itself is drawn. Diverged runs are left out (counted in the title).
    """
    ok = np.isfinite(ms.objectives)
    if not np.any(ok):
        return message_figure(title, "Every run diverged: lower the learning rate.")
    values = ms.objectives - optimum if optimum is not None else ms.objectives
    order = [i for i in np.argsort(np.where(ok, values, np.inf)) if ok[i]]
    rank = np.arange(1, len(order) + 1)
    gap = values[order]
    floor = gap_floor(gap)
    seeds = np.array(ms.seeds)[order]
    hover = (
        "run %{customdata[0]} (seed %{customdata[1]})<br>J = %{customdata[2]:.6g}<br>"
        + ("J − J* = %{customdata[3]:.3e}" if optimum is not None else "")
        + "<br>train accuracy %{customdata[4]:.1%}<extra></extra>"
    )
    custom = np.column_stack([order, seeds, ms.objectives[order], gap, ms.train_accuracy[order]])
    fig = go.Figure()
    positive = gap > 0
    fig.add_trace(
        go.Scatter(
            x=rank,
            y=np.where(positive, gap, floor),
            mode="markers",
            name="final objective of a run" + (" (gap J − J*)" if optimum is not None else ""),
            marker=dict(
                color=RUN_COLOUR,
                size=8,
                symbol=np.where(positive, "circle", "triangle-down"),
                line=dict(width=np.where(positive, 0, 1.5), color=GAP_BELOW_COLOUR),
            ),
            customdata=custom,
            hovertemplate=hover,
        )
    )
    if selected in order:
        pos = order.index(selected)
        fig.add_trace(
            go.Scatter(
                x=[rank[pos]],
                y=[max(gap[pos], floor)],
                mode="markers",
                name=f"selected: #{pos + 1} (seed {ms.seeds[selected]})",
                marker=dict(color="rgba(0,0,0,0)", size=16, line=dict(width=2.5, color=SELECTED_COLOUR)),
                hoverinfo="skip",
            )
        )
    diverged = int(np.sum(~ok))
    sub = f"{len(order)} runs" + (f", {diverged} diverged (left out)" if diverged else "")
    if optimum is not None:
        sub += f"; certified optimum J* = {optimum:.6g}"
        if not np.all(positive):
            sub += f"; gaps ≤ 0 drawn as triangles at {floor:.0e}"
    legend_below_layout(fig, f"{title}<br><sup>{sub}</sup>")
    fig.update_xaxes(title_text="run, sorted by final objective", **GRID_LINES)
    fig.update_yaxes(
        title_text="J − J*" if optimum is not None else "final objective J",
        type="log",
        exponentformat="power",
        **GRID_LINES,
        **log_ticks(gap[positive] if np.any(positive) else np.array([floor])),
    )
    return tidy_log_axes(fig)


def width_sweep_figure(
    sweep: WidthSweep, optimum: float | None, m_star: int | None, *, title: str
) -> go.Figure:
    """Best and median final ``J - J*`` over the runs at each width (log-log), m* as a dotted line."""
    if not np.any(np.isfinite(sweep.best)):
        return message_figure(title, "Every run diverged: lower the learning rate.")
    ref = optimum if optimum is not None else 0.0
    best, median = sweep.best - ref, sweep.median - ref
    floor = gap_floor(np.concatenate([best, median]))
    fig = make_subplots(rows=1, cols=1)
    x = sweep.widths.astype(float)
    for series, name, colour in (
        (median, f"median of {sweep.runs} runs", MEDIAN_COLOUR),
        (best, f"best of {sweep.runs} runs", RUN_COLOUR),
    ):
        keep = np.isfinite(series)
        add_gap_series(
            fig,
            x[keep],
            series[keep],
            floor,
            name=name,
            colour=colour,
            row=1,
            col=1,
            showlegend=True,
            mode="lines+markers",
            x_label="width m",
        )
    if m_star:
        values = np.concatenate([best, median])
        values = np.where(values > 0, values, floor)
        span = [float(np.nanmin(values)), float(np.nanmax(values))]
        reference_line(
            fig,
            [m_star, m_star],
            span,
            f"m* = {m_star} (neurons of the optimum)",
            OPTIMUM_COLOUR,
            row=1,
            col=1,
        )
    sub = "gap to the certified optimum J*" if optimum is not None else "objective J (no optimum)"
    any_below = np.any(best <= 0) or np.any(median <= 0)
    log_gap_layout(
        fig, title, sub, x_title="width m (neurons)", optimum=optimum, floor=floor if any_below else None
    )
    return fig


def teacher_student_figure(
    ts: TeacherStudent, optimum: float | None, optimum_angle: float | None, *, title: str
) -> go.Figure:
    """Per student run: final ``J - J*`` (x, log) against the worst teacher-neuron angle (y, degrees);
    green runs recovered every teacher neuron (angle below the threshold line), orange did not. The
    convex optimum's own worst angle is a green star at the left edge."""
    ok = np.isfinite(ts.runs.objectives)
    if not np.any(ok):
        return message_figure(title, "Every run diverged: lower the learning rate.")
    ref = optimum if optimum is not None else 0.0
    gap = ts.runs.objectives - ref
    floor = gap_floor(gap[ok])
    angles = ts.worst_angles
    threshold = ts.alignments[0].threshold_deg
    fig = go.Figure()
    for mask, name, colour in (
        (ok & (angles <= threshold), "student recovered every teacher neuron", RECOVERED_COLOUR),
        (ok & (angles > threshold), "student missed a teacher neuron", MISSED_COLOUR),
    ):
        idx = np.flatnonzero(mask)
        fig.add_trace(
            go.Scatter(
                x=np.maximum(gap[idx], floor),
                y=angles[idx],
                mode="markers",
                name=f"{name} ({idx.size})",
                marker=dict(color=colour, size=9, line=dict(width=1, color="white")),
                customdata=np.column_stack([idx, np.array(ts.runs.seeds)[idx], gap[idx]]),
                hovertemplate="run %{customdata[0]} (seed %{customdata[1]})<br>J − J* = %{customdata[2]:.3e}"
                "<br>worst angle %{y:.1f}°<extra></extra>",
            )
        )
    if optimum_angle is not None:
        fig.add_trace(
            go.Scatter(
                x=[floor],
                y=[optimum_angle],
                mode="markers",
                name=f"convex optimum (gap 0, drawn at {floor:.0e})",
                marker=dict(color=OPTIMUM_COLOUR, symbol="star", size=16, line=dict(width=1, color="black")),
                hovertemplate="convex optimum<br>worst angle %{y:.1f}°<extra></extra>",
            )
        )
    gaps = np.concatenate([np.maximum(gap[ok], floor), [floor]])  # the optimum's star sits at the floor
    reference_line(
        fig,
        [float(np.min(gaps)), float(np.max(gaps))],
        [threshold, threshold],
        f"recovery threshold {threshold:g}°",
        "#555555",
        width=1.5,
    )
    # short: the figure sits in half of a 1024 px page, in large text too
    sub = f"{ts.recovery_rate:.0%} of the runs recover all {ts.teacher.width} teacher neurons"
    legend_below_layout(fig, f"{title}<br><sup>{sub}</sup>")
    fig.update_xaxes(
        title_text="J − J*" if optimum is not None else "J",
        type="log",
        exponentformat="power",
        **GRID_LINES,
    )
    fig.update_yaxes(title_text="worst teacher angle (°)", rangemode="tozero", **GRID_LINES)
    return tidy_log_axes(fig)
