"""The Data page's figure: the user's own points on the box of the click grid.

A click lands on the nearest node of a grid of round step (:func:`grid_step`, :func:`snap_to_grid`).
The app's in-place chart turns the pixel of any click in the plot area into data coordinates itself;
``st.plotly_chart`` (the fallback) reports only clicks on a *marker*, so for it the figure carries the grid
as transparent markers (the first trace, ``GRID_CURVE``; ``click_grid=True``; 81 x 81 of them, which make
every redraw slower). No Streamlit here: the page wires the click.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from engine.figures.style import GRID_LINES, base_layout, centre_note, label_traces, point_markers

__all__ = ["GRID_CURVE", "MIN_HALF_WIDTH", "click_box", "grid_step", "points_figure", "snap_to_grid"]

GRID_CURVE = 0  # index of the click grid among the figure's traces
MAX_GRID_STEPS = 80  # at most this many grid intervals per axis (81 x 81 invisible markers)
NICE_STEPS = (0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0)
MIN_HALF_WIDTH = 3.0  # the box is at least [-3, 3]^2, a little wider than the generated data sets
_HEIGHT = 560


def click_box(X: np.ndarray) -> float:
    """Half-width R of the square box [-R, R]^2 shown: MIN_HALF_WIDTH, or the next whole number that
    leaves a 10% margin around every point (so the grid and the view stay put while points are added)."""
    X = np.asarray(X, dtype=float).reshape(-1, 2)
    largest = float(np.abs(X).max()) if X.size else 0.0
    return max(MIN_HALF_WIDTH, float(math.ceil(1.1 * largest)))


def grid_step(half: float) -> float:
    """The spacing of the click grid on [-half, half]^2: the smallest round step giving at most
    MAX_GRID_STEPS intervals per axis (0.1 for the default box), so clicked points get round coordinates."""
    wanted = 2.0 * half / MAX_GRID_STEPS
    for step in NICE_STEPS:
        if step >= wanted:
            return step
    return float(10 ** math.ceil(math.log10(wanted)))


def _grid_ticks(half: float) -> np.ndarray:
    """The grid's coordinates along one axis of [-half, half]: whole multiples of ``grid_step(half)``."""
    step = grid_step(half)
    count = math.floor(half / step + 1e-9)
    return np.round(np.arange(-count, count + 1) * step, 6)


def snap_to_grid(x1: float, x2: float, half: float) -> tuple[float, float]:
    """The node of the click grid of [-half, half]^2 nearest to (x1, x2) (a click outside the box lands
    on its edge); a node maps to itself."""
    ticks = _grid_ticks(half)
    return tuple(float(ticks[np.argmin(np.abs(ticks - v))]) for v in (x1, x2))  # type: ignore[return-value]


def points_figure(
    X: np.ndarray, y: np.ndarray, *, task: str = "classification", title: str = "", click_grid: bool = True
) -> go.Figure:
    """The points (X, y) on the box ``click_box(X)`` (the points by class, or coloured by target); with
    ``click_grid`` the first trace (``GRID_CURVE``) is the click grid as transparent markers without
    hover, for a chart that reports clicks on markers only."""
    X = np.asarray(X, dtype=float).reshape(-1, 2)
    y = np.asarray(y, dtype=float).reshape(-1)
    half = click_box(X)
    fig = go.Figure()
    if click_grid:
        gx, gy = np.meshgrid(_grid_ticks(half), _grid_ticks(half))
        fig.add_trace(
            go.Scatter(
                x=gx.ravel(),
                y=gy.ravel(),
                mode="markers",
                marker=dict(size=9, color="rgba(0,0,0,0)", opacity=0.0),
                hoverinfo="none",
                showlegend=False,
                name="click grid",
            )
        )
    index = np.arange(1, X.shape[0] + 1)
    if task == "classification":
        hover = "point %{customdata}<br>x₁ = %{x:.3g}, x₂ = %{y:.3g}<extra></extra>"
        for trace in label_traces(X, y, index, hover, size=11):
            fig.add_trace(trace)
    elif X.shape[0]:
        fig.add_trace(
            point_markers(
                X,
                name=f"target y ({X.shape[0]})",
                marker=dict(
                    size=11,
                    color=y,
                    colorscale="RdBu",
                    showscale=True,
                    colorbar=dict(title="y", thickness=12),
                    line=dict(width=1, color="#333"),
                ),
                customdata=np.column_stack([index, y]),
                hovertemplate="point %{customdata[0]}: y = %{customdata[1]:.3g}<extra></extra>",
            )
        )
    base_layout(fig, title, (-half, half, -half, half))
    if not X.shape[0]:
        fig.add_annotation(centre_note("click anywhere to add a point", colour="#888888"))
    fig.update_layout(
        height=_HEIGHT,
        clickmode="event+select",
        dragmode="pan",
        uirevision=f"box{half}",
        modebar=dict(orientation="v"),  # the toolbar at the right edge, off the title (it is always shown)
    )
    fig.update_xaxes(**GRID_LINES, zeroline=True, zerolinecolor="#cccccc")
    fig.update_yaxes(**GRID_LINES, zeroline=True, zerolinecolor="#cccccc")
    return fig
