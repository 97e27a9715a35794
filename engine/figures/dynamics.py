"""Plotly figures of the Dynamics page (no Streamlit in here).

* :func:`sharpness_figure`: ``lambda_max(H)`` and ``tr(H)`` along GD/SGD runs against ``2 / eta``;
* :func:`sharpness_table`: where each run ended (flatness, norm, accuracies);
* :func:`xor_figure`: train, test and flipped-label accuracy along gradient descent on XOR clusters;
* :func:`momentum_figure`: the gap ``J - J*`` of GD, heavy ball, Nesterov and Adam against the step;
* :func:`singular_values_figure`: the singular values of the first-layer weights, without and with decay.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.figures.style import (
    GRID_LINES,
    add_gap_series,
    gap_floor,
    legend_below_layout,
    log_gap_layout,
    message_figure,
    reference_line,
    tidy_log_axes,
)
from engine.studies.dynamics import MomentumCurve, SharpnessTrace, SingularValueTrace, XORTrace

__all__ = [
    "momentum_figure",
    "sharpness_figure",
    "sharpness_table",
    "singular_values_figure",
    "xor_figure",
]

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
OPTIMIZER_DASH = {"gd": "solid", "sgd": "dash"}
OPTIMIZER_COLOURS = {"gd": "#1f77b4", "momentum": "#ff7f0e", "nesterov": "#2ca02c", "adam": "#9467bd"}
OPTIMIZER_NAMES = {"gd": "GD", "sgd": "SGD", "momentum": "heavy ball", "nesterov": "Nesterov", "adam": "Adam"}


_HEIGHT, _TOP = 460, 80  # this page's figures: their height and the room for a two-line title


def _layout(fig: go.Figure, title: str, height: int = _HEIGHT) -> None:
    legend_below_layout(fig, title, height, top=_TOP)


def sharpness_figure(traces: Sequence[SharpnessTrace], *, title: str) -> go.Figure:
    """``lambda_max`` (left) and Hutchinson ``tr(H)`` (right) against the step, log y; one colour per
    learning rate, GD solid and SGD dashed, the threshold ``2 / eta`` dotted in the run's colour."""
    if not traces:
        return message_figure(title, "Pick at least one optimizer and one learning rate.")
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.08,
        subplot_titles=("sharpness λ_max(H) (GD stable while ≤ 2/η)", "trace tr(H) (SGD's measure)"),
    )
    rates = sorted({t.lr for t in traces})
    colour = {lr: PALETTE[i % len(PALETTE)] for i, lr in enumerate(rates)}
    for t in traces:
        name = f"{OPTIMIZER_NAMES[t.optimizer]} η = {t.lr:g}" + (" (diverged)" if t.message else "")
        for col, values in ((1, t.lambda_max), (2, t.trace)):
            fig.add_trace(
                go.Scatter(
                    x=t.step,
                    y=values,
                    mode="lines+markers",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    line=dict(color=colour[t.lr], dash=OPTIMIZER_DASH.get(t.optimizer, "solid"), width=2),
                    marker=dict(size=5),
                    hovertemplate=f"{name}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    last = max((t.step[-1] for t in traces if t.step), default=1)
    for lr in rates:
        for col in (1, 2):
            reference_line(
                fig,
                [0, last],
                [2.0 / lr, 2.0 / lr],
                f"2/η = {2.0 / lr:.4g} (η = {lr:g})",
                colour[lr],
                row=1,
                col=col,
                showlegend=col == 1,
                width=1.5,
            )
    _layout(fig, f"{title}<br><sup>solid: GD, dashed: SGD; dotted: the stability threshold 2/η</sup>")
    fig.update_yaxes(type="log", exponentformat="power", **GRID_LINES)
    fig.update_xaxes(title_text="step", **GRID_LINES)
    return tidy_log_axes(fig)


def sharpness_table(traces: Sequence[SharpnessTrace]) -> pd.DataFrame:
    """Where each run ended: J, lambda_max, tr(H), 2/eta, ||theta||^2 and accuracies (strings)."""
    rows = {}
    for t in traces:
        if not t.step:
            continue
        rows[f"{OPTIMIZER_NAMES[t.optimizer]} η = {t.lr:g}"] = {
            "final J": f"{t.objective[-1]:.4g}",
            "λ_max(H)": f"{t.lambda_max[-1]:.4g}",
            "tr(H)": f"{t.trace[-1]:.4g}",
            "2/η": f"{t.threshold:.4g}",
            "‖W‖² + ‖α‖²": f"{t.norm_sq[-1]:.4g}",
            "train accuracy": f"{t.train_accuracy[-1]:.1%}" if np.isfinite(t.train_accuracy[-1]) else "—",
            "test accuracy": f"{t.test_accuracy[-1]:.1%}" if np.isfinite(t.test_accuracy[-1]) else "—",
            "status": "diverged" if t.message else f"{t.step[-1]} steps",
        }
    return pd.DataFrame(rows).T


def xor_figure(trace: XORTrace, *, level: float, title: str) -> go.Figure:
    """Train accuracy (noisy labels), clean test accuracy and the fit of the flipped labels against the
    step (log x from step 1; step 0 is the first point's hover), with the chance level 0.5 dotted."""
    step = np.maximum(np.asarray(trace.step, dtype=float), 0.7)  # step 0 drawn just left of 1
    fig = go.Figure()
    for values, name, colour, dash in (
        (trace.train_accuracy, "train accuracy (noisy labels)", "#1f77b4", "solid"),
        (trace.test_accuracy, "test accuracy (clean labels)", "#2ca02c", "solid"),
        (trace.flipped_fit, "flipped training labels fitted", "#d62728", "dash"),
    ):
        fig.add_trace(
            go.Scatter(
                x=step,
                y=values,
                mode="lines+markers",
                name=name,
                line=dict(color=colour, dash=dash, width=2),
                marker=dict(size=4),
                customdata=trace.step,
                hovertemplate=f"{name}<br>step %{{customdata}}<br>%{{y:.1%}}<extra></extra>",
            )
        )
    fig.add_hline(
        y=0.5,
        line=dict(color="#999999", dash="dot"),
        annotation_text="chance",
        annotation_position="bottom right",
    )
    fig.add_hline(
        y=level,
        line=dict(color="#2ca02c", dash="dot", width=1),
        annotation_text=f"generalisation level {level:.0%}",
        annotation_position="bottom right",
    )
    for step, name, colour in (
        (trace.fit_step(), "all training labels fitted", "#1f77b4"),
        (trace.generalise_step(level), f"test accuracy ≥ {level:.0%}", "#2ca02c"),
    ):
        if step is not None:
            reference_line(fig, [max(step, 0.7)] * 2, [0, 1.04], f"{name} (step {step})", colour, width=1)
    _layout(fig, title)
    fig.update_xaxes(
        title_text="gradient-descent step (log scale; step 0 at the left edge)", type="log", **GRID_LINES
    )
    fig.update_yaxes(title_text="accuracy", range=[0, 1.04], tickformat=".0%", **GRID_LINES)
    return tidy_log_axes(fig)


def momentum_figure(curves: Sequence[MomentumCurve], optimum: float | None, *, title: str) -> go.Figure:
    """``J - J*`` against the step (log-log) for each optimizer from the same start."""
    curves = [c for c in curves if c.step.size]
    if not curves:
        return message_figure(title, "No optimizer produced a curve.")
    ref = optimum if optimum is not None else 0.0
    gaps = [c.objective - ref for c in curves]
    floor = gap_floor(np.concatenate(gaps))
    fig = make_subplots(rows=1, cols=1)
    for c, gap in zip(curves, gaps, strict=True):
        keep = (c.step > 0) & np.isfinite(gap)
        name = f"{OPTIMIZER_NAMES[c.optimizer]} (lr {c.lr:g})" + (" — diverged" if c.message else "")
        add_gap_series(
            fig,
            c.step[keep].astype(float),
            gap[keep],
            floor,
            name=name,
            colour=OPTIMIZER_COLOURS.get(c.optimizer, "#333333"),
            row=1,
            col=1,
            showlegend=True,
            x_label="step",
        )
    sub = f"certified optimum J* = {optimum:.6g}" if optimum is not None else "no optimum: the objective J"
    any_below = any(np.any(g[np.isfinite(g)] <= 0) for g in gaps)
    log_gap_layout(
        fig,
        title,
        sub,
        x_title="full-batch step",
        optimum=optimum,
        floor=floor if any_below else None,
        height=_HEIGHT,
        top=_TOP,
    )
    return fig


def singular_values_figure(traces: Sequence[SingularValueTrace], *, top: int, title: str) -> go.Figure:
    """One panel per weight decay: the ``top`` largest singular values of ``W[:, :d]`` against the step
    (log y, shared), the k-th largest in the k-th colour."""
    if not traces:
        return message_figure(title, "Nothing to draw.")
    fig = make_subplots(
        rows=1,
        cols=len(traces),
        shared_yaxes=True,
        horizontal_spacing=0.05,
        subplot_titles=[f"weight decay β = {t.beta:g} (effective rank {t.effective_rank()})" for t in traces],
    )
    for col, t in enumerate(traces, start=1):
        S = t.matrix()
        count = min(top, S.shape[1] if S.size else 0)
        for k in range(count):
            lead = k < 2  # sigma_1 and sigma_2 in colour, the rest as one grey legend entry
            name = f"σ{k + 1}" if lead or count == 3 else f"σ3 … σ{count}"
            fig.add_trace(
                go.Scatter(
                    x=t.step,
                    y=np.maximum(S[:, k], 1e-8),
                    mode="lines",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1 and k <= 2,
                    line=dict(color=PALETTE[k] if lead else "#aaaaaa", width=2 if lead else 1),
                    hovertemplate=f"σ{k + 1}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    _layout(fig, f"{title}<br><sup>effective rank: singular values above 10% of the largest</sup>")
    fig.update_yaxes(type="log", exponentformat="power", **GRID_LINES)
    fig.update_yaxes(title_text="singular value of W (input weights)", row=1, col=1)
    fig.update_xaxes(title_text="step", **GRID_LINES)
    return tidy_log_axes(fig)
