"""Plotly figures of the Theory page (no Streamlit, no numerics: they draw the studies' records).

* :func:`reprogramming_figure`: reprogramming accuracy against width / input dimension;
* :func:`program_figure`: the frozen network's output against the task's signal, without and with the
  program;
* :func:`risk_figure`: excess test risk against n, log-log, with the fitted slopes;
* :func:`minnorm_figure`: the optimum's path norm, the bound and the measured test error against n;
* :func:`regret_figure`: rolling-window regret along the stream, one panel per model;
* :func:`spectrum_figure`: Hessian eigenvalue histograms at the spurious and the global minimum;
* :func:`census_figure`: the distribution of J/J* - 1 by width and optimizer (the shipped census).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.figures.style import (
    GRID_LINES,
    NEG_COLOUR,
    POS_COLOUR,
    legend_below_layout,
    message_figure,
    tidy_log_axes,
)
from engine.studies.census import census_headline, summarize_census
from engine.studies.kernels import ESTIMATORS, RiskCurve
from engine.studies.minnorm import MinNormCurve
from engine.studies.online import LEARNERS, MODELS, OnlineStudy
from engine.studies.reprogramming import ReprogramCurve, ReprogramResult
from engine.studies.spectrum import Minimum, SpectrumStudy

__all__ = [
    "census_figure",
    "census_headline",
    "census_table",
    "minnorm_figure",
    "program_figure",
    "regret_figure",
    "reprogramming_figure",
    "risk_figure",
    "spectrum_figure",
]

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
_HEIGHT, _TOP = 440, 80
CENSUS_CAP = 1e3  # the census figure draws larger gaps at this level (and says how many)


def _layout(fig: go.Figure, title: str, height: int = _HEIGHT) -> None:
    legend_below_layout(fig, title, height, top=_TOP, legend_y=-0.2)


def reprogramming_figure(curves: Sequence[ReprogramCurve], *, title: str) -> go.Figure:
    """Mean test accuracy (and each seed, faint) against m / d, log x; the line m = d and the task's
    best accuracy (Bayes, ``sign(s . x)``) dotted."""
    if not curves:
        return message_figure(title, "Nothing to draw.")
    fig = go.Figure()
    for i, c in enumerate(curves):
        ratio = np.asarray(c.widths, dtype=float) / c.d
        colour = PALETTE[i % len(PALETTE)]
        for s in range(c.accuracy.shape[1]):
            fig.add_trace(
                go.Scatter(
                    x=ratio,
                    y=c.accuracy[:, s],
                    mode="markers",
                    marker=dict(color=colour, size=6, opacity=0.35),
                    showlegend=False,
                    hovertemplate="m/d = %{x:.2g}<br>accuracy %{y:.3f}<extra>one seed</extra>",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=ratio,
                y=c.mean,
                mode="lines+markers",
                line=dict(color=colour, width=2.5),
                name=f"{c.kind} program, d = {c.d} (mean of {c.accuracy.shape[1]} seeds)",
                hovertemplate="m/d = %{x:.2g}<br>mean accuracy %{y:.3f}<extra></extra>",
            )
        )
        fig.add_hline(y=c.bayes, line=dict(color=colour, dash="dot", width=1.5))
    fig.add_vline(x=1.0, line=dict(color="black", dash="dash", width=1.5))
    fig.add_hline(y=0.5, line=dict(color="#888888", dash="dot", width=1))
    fig.add_annotation(x=0, y=1.0, xref="x", yref="paper", text="m = d", showarrow=False, xanchor="left")
    ratios = sorted({m / c.d for c in curves for m in c.widths})
    fig.update_xaxes(
        type="log",
        title="width / input dimension  m / d",
        tickvals=ratios,
        ticktext=[f"{r:g}" for r in ratios],
        **GRID_LINES,
    )
    fig.update_yaxes(title="test accuracy", range=[0.4, 1.02], **GRID_LINES)
    _layout(fig, title)
    return tidy_log_axes(fig)


def program_figure(result: ReprogramResult, *, title: str) -> go.Figure:
    """Test points: the task's signal ``s . x / d`` (x) against the frozen network's output (y), without
    the program (left) and with it (right), coloured by class; f = 0 is the decision threshold."""
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.08,
        subplot_titles=(
            # short: each title sits over half a column (about 300 px at 1024 x 768)
            f"no program (accuracy {result.test_accuracy_unprogrammed:.0%})",
            f"{result.kind} program (accuracy {result.test_accuracy:.0%})",
        ),
    )
    rng = np.random.default_rng(0)
    jitter = 0.01 * rng.standard_normal(result.score.size)  # the signal takes few values on the cube
    for col, out in ((1, result.output_before), (2, result.output_after)):
        for cls, colour, name in ((1.0, POS_COLOUR, "class +1"), (-1.0, NEG_COLOUR, "class −1")):
            mask = result.label == cls
            fig.add_trace(
                go.Scatter(
                    x=result.score[mask] + jitter[mask],
                    y=out[mask],
                    mode="markers",
                    marker=dict(color=colour, size=5, opacity=0.6),
                    name=name,
                    showlegend=col == 1,
                    hovertemplate="s·x/d = %{x:.2f}<br>f = %{y:.3g}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        fig.add_hline(y=0.0, line=dict(color="black", width=1.5), row=1, col=col)
        fig.update_xaxes(title="task signal s·x / d", row=1, col=col, **GRID_LINES)
    fig.update_yaxes(title="frozen network's output", row=1, col=1, **GRID_LINES)
    fig.update_yaxes(**GRID_LINES, row=1, col=2)
    _layout(fig, title)
    return fig


def risk_figure(curve: RiskCurve, *, title: str) -> go.Figure:
    """Excess risk against n (log-log), one line per estimator, its fitted slope in the legend."""
    fig = go.Figure()
    for i, (name, risk) in enumerate(curve.risk.items()):
        slope = curve.slope(name)
        label = f"{ESTIMATORS[name]}: slope {slope:.2f}" if np.isfinite(slope) else ESTIMATORS[name]
        network = name in ("convex", "sgd")
        fig.add_trace(
            go.Scatter(
                x=curve.ns,
                y=risk,
                mode="lines+markers",
                name=label,
                line=dict(
                    color=PALETTE[i % len(PALETTE)],
                    width=3 if network else 1.8,
                    dash=None if network else "dash",
                ),
                hovertemplate="n = %{x}<br>excess risk %{y:.3g}<extra>" + ESTIMATORS[name] + "</extra>",
            )
        )
    fig.update_xaxes(type="log", title="training points n", **GRID_LINES)
    fig.update_yaxes(type="log", title="excess risk E(f − f*)²", **GRID_LINES)
    _layout(fig, title)
    return tidy_log_axes(fig)


def minnorm_figure(curve: MinNormCurve, *, title: str) -> go.Figure:
    """Left: the optimum's path norm against n. Right: the bound, its complexity term, the train ramp
    loss and the measured test error against n (log y)."""
    if not curve.points:
        return message_figure(title, "No certified optimum for these sizes.")
    ns = [p.n for p in curve.points]
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=("path norm Σ|α_j|‖w_j‖ of the optimum", "bound on the test error vs measured"),
    )
    fig.add_trace(
        go.Scatter(
            x=ns,
            y=[p.path_norm for p in curve.points],
            mode="lines+markers",
            name="path norm Q (= regulariser / β)",
            line=dict(color=PALETTE[0], width=2.5),
        ),
        row=1,
        col=1,
    )
    series = (
        ("bound", [p.bound for p in curve.points], PALETTE[3], "solid"),
        ("complexity 4QR/√n", [p.complexity for p in curve.points], PALETTE[1], "dash"),
        ("train ramp loss", [max(p.train_ramp, 1e-4) for p in curve.points], PALETTE[4], "dot"),
        ("test error (measured)", [max(p.test_error, 1e-4) for p in curve.points], PALETTE[2], "solid"),
    )
    for name, ys, colour, dash in series:
        fig.add_trace(
            go.Scatter(
                x=ns, y=ys, mode="lines+markers", name=name, line=dict(color=colour, dash=dash, width=2)
            ),
            row=1,
            col=2,
        )
    fig.add_hline(y=1.0, line=dict(color="#888888", dash="dot", width=1), row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(type="log", title="training points n", row=1, col=col, **GRID_LINES)
    fig.update_yaxes(title="path norm", rangemode="tozero", row=1, col=1, **GRID_LINES)
    fig.update_yaxes(type="log", title="error (fraction)", row=1, col=2, **GRID_LINES)
    _layout(fig, title)
    return tidy_log_axes(fig)


def regret_figure(study: OnlineStudy, *, title: str) -> go.Figure:
    """Rolling-window regret against the step, one panel per model, log y (a window whose regret is
    <= 0, possible against the hindsight comparator, is drawn at the floor 1e-5)."""
    models = list(dict.fromkeys(r.model for r in study.runs))
    fig = make_subplots(
        rows=1, cols=len(models), horizontal_spacing=0.08, subplot_titles=[MODELS[m] for m in models]
    )
    x = study.window_end
    for r in study.runs:
        col = models.index(r.model) + 1
        i = list(LEARNERS).index(r.learner)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.maximum(r.regret, 1e-5),
                mode="lines",
                name=LEARNERS[r.learner] + (" (diverged)" if r.diverged else ""),
                legendgroup=r.learner,
                showlegend=col == 1,
                line=dict(color=PALETTE[i], width=2),
                hovertemplate="step %{x}<br>window regret %{y:.3g}<extra>" + LEARNERS[r.learner] + "</extra>",
            ),
            row=1,
            col=col,
        )
    for col in range(1, len(models) + 1):
        fig.update_xaxes(title="step t (one new point each)", row=1, col=col, **GRID_LINES)
        fig.update_yaxes(type="log", row=1, col=col, **GRID_LINES)
    fig.update_yaxes(title=f"mean regret over the last {study.window} steps", row=1, col=1)
    _layout(fig, title)
    return tidy_log_axes(fig)


def _spectrum_traces(fig: go.Figure, m: Minimum, col: int, name: str, colour: str, bins: np.ndarray) -> None:
    ev = m.eigenvalues
    fig.add_trace(
        go.Histogram(
            x=ev,
            xbins=dict(start=bins[0], end=bins[-1], size=bins[1] - bins[0]),
            marker=dict(color=colour),
            opacity=0.8,
            name=f"{name}: J = {m.objective:.3g}",
            hovertemplate="λ in %{x}<br>%{y} eigenvalues<extra></extra>",
        ),
        row=1,
        col=col,
    )
    top = ev[m.outliers]
    fig.add_trace(
        go.Scatter(
            x=top,
            y=np.zeros_like(top),
            mode="markers",
            marker=dict(symbol="triangle-up", size=12, color="black"),
            cliponaxis=False,
            name="large outliers" if col == 1 else None,
            showlegend=col == 1,
            hovertemplate="outlier λ = %{x:.4g}<extra></extra>",
        ),
        row=1,
        col=col,
    )


def spectrum_figure(study: SpectrumStudy, *, title: str) -> go.Figure:
    """Histograms of the Hessian eigenvalues at the spurious minimum (left) and the global one (right),
    on the same bins; the large outliers marked by triangles."""
    if study.spurious is None:
        return message_figure(
            title, "No spurious minimum among these starts: try more starts or another seed."
        )
    everything = np.concatenate([study.spurious.eigenvalues, study.global_min.eigenvalues])
    lo, hi = float(everything.min()), float(everything.max())
    bins = np.linspace(lo, hi + 1e-12, 41)
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.05,
        subplot_titles=(
            f"spurious minimum (start #{study.spurious.start + 1})",
            f"global minimum (start #{study.global_min.start + 1})",
        ),
    )
    _spectrum_traces(fig, study.spurious, 1, "spurious", PALETTE[3], bins)
    _spectrum_traces(fig, study.global_min, 2, "global", PALETTE[2], bins)
    for col in (1, 2):
        fig.update_xaxes(title="eigenvalue λ of the Hessian of J", row=1, col=col, **GRID_LINES)
    fig.update_yaxes(title="count", rangemode="tozero", row=1, col=1, **GRID_LINES)
    fig.update_yaxes(rangemode="tozero", row=1, col=2, **GRID_LINES)
    _layout(fig, title)
    return fig


def census_figure(gaps: pd.DataFrame, *, title: str, colours: Mapping[str, str] | None = None) -> go.Figure:
    """Box plots of the gap J/J* − 1 (log y, clipped to [1e-4, 1e3]) by width, one box per optimizer;
    the 1 % level dashed; how many runs lie above 1e3 is written on the figure."""
    if gaps.empty:
        return message_figure(title, "The census table is empty.")
    fig = go.Figure()
    above = int((gaps["gap"].to_numpy(dtype=float) > CENSUS_CAP).sum())
    optimizers = list(dict.fromkeys(gaps["optimizer"]))
    for i, opt in enumerate(optimizers):
        part = gaps[gaps["optimizer"] == opt]
        fig.add_trace(
            go.Box(
                x=part["width"].astype(str),
                y=np.clip(part["gap"].to_numpy(dtype=float), 1e-4, CENSUS_CAP),
                name=opt,
                marker=dict(color=(colours or {}).get(opt, PALETTE[i % len(PALETTE)]), size=3),
                boxpoints="outliers",
            )
        )
    fig.add_hline(y=0.01, line=dict(color="black", dash="dash", width=1.5))
    fig.add_annotation(
        x=1.0, y=0.01, xref="paper", yref="y", text="1 %", showarrow=False, xanchor="right", yanchor="bottom"
    )
    if above:
        fig.add_annotation(
            x=0.0,
            y=1.0,
            xref="paper",
            yref="paper",
            text=f"{above} of {len(gaps)} runs have a gap above {CENSUS_CAP:g}, drawn at {CENSUS_CAP:g}",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
        )
    fig.update_layout(boxmode="group")
    fig.update_xaxes(title="width m", type="category", **GRID_LINES)
    fig.update_yaxes(type="log", title="gap J/J* − 1 (clipped to 1e-4 … 1e3)", **GRID_LINES)
    _layout(fig, title)
    return tidy_log_axes(fig)


def census_table(gaps: pd.DataFrame, by: str) -> pd.DataFrame:
    """The census summary by one column: runs, median gap, quartiles, within 1 % and within 10 %."""
    rows = summarize_census(gaps, [by])
    return pd.DataFrame(
        {
            by: [r.group[0] for r in rows],
            "runs": [r.runs for r in rows],
            "median gap": [f"{r.median:.3g}" for r in rows],
            "quartiles": [f"{r.q1:.3g} – {r.q3:.3g}" for r in rows],
            "within 1 %": [f"{100 * r.within_1pct:.1f} %" for r in rows],
            "within 10 %": [f"{100 * r.within_10pct:.1f} %" for r in rows],
        }
    )
