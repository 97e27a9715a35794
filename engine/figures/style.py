"""The drawing vocabulary every figure shares: colours, sizes, layouts, the plot box, log ticks and gaps.

Figure modules (one per subject) import these names and nothing private from each other. Conventions:

* label +1: blue circles, label -1: red crosses (distinguishable without colour);
* a gap ``J - J*`` is drawn on a log axis; gaps <= 0 cannot sit there, so they are drawn as red(-edged)
  triangles at a floor a decade below the smallest positive gap (:func:`gap_floor`), true value on hover;
* titles at the top left with a ``<sup>`` subtitle line; white background, light grey grid lines.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

__all__ = [
    "BOUNDARY_COLOUR",
    "FIG_HEIGHT",
    "GAP_BELOW_COLOUR",
    "GRID_LINES",
    "LEGEND_FONT",
    "LINE_COLOUR",
    "LOWER_BOUND_LINE",
    "MARGIN",
    "NEG_COLOUR",
    "OPTIMUM_LINE",
    "POS_COLOUR",
    "TITLE_FONT",
    "Bounds",
    "add_gap_series",
    "add_gaps_below",
    "add_level_line",
    "base_layout",
    "grid_points",
    "LARGE_TEXT_PX",
    "label_traces",
    "large_text",
    "legend_below_layout",
    "log_gap_layout",
    "log_ticks",
    "gap_floor",
    "message_figure",
    "nan_join",
    "plot_bounds",
    "point_markers",
    "reference_line",
    "segment_in_box",
    "segments_trace",
    "tidy_log_axes",
    "title_style",
]

Bounds = tuple[float, float, float, float]  # (xmin, xmax, ymin, ymax)

POS_COLOUR = "#1f4e9c"  # label +1
NEG_COLOUR = "#b2182b"  # label -1
BOUNDARY_COLOUR = "#111111"  # the decision boundary f(x) = 0
LINE_COLOUR = "#333333"  # neuron lines
GAP_BELOW_COLOUR = "#d62728"  # gaps <= 0, divergence notes, "current" rings

FIG_HEIGHT = 470  # a plane figure (decision boundary, regions, data) or the direction sphere
MARGIN = dict(l=10, r=10, t=50, b=75)  # a plane figure: room for the legend at the bottom
TITLE_FONT = dict(size=15)
LEGEND_FONT = dict(size=11)
GRID_LINES = dict(showgrid=True, gridcolor="#eeeeee")  # axis keywords: light grey grid lines
OPTIMUM_LINE = dict(color="black", width=2, dash="dash")  # the level of the optimum J*
LOWER_BOUND_LINE = dict(color="#2ca02c", width=2, dash="dot")  # the level of a dual lower bound on J*


#: The smallest font of a figure in large-text (projector) mode, in pixels.
LARGE_TEXT_PX = 16


def large_text(fig: go.Figure, size: int = LARGE_TEXT_PX) -> go.Figure:
    """Raise every text of ``fig`` to at least ``size`` px (the projector switch), in place; returns fig.

    The one place the figures' text sizes change together: the default font, the title (2 px larger),
    legend, hover labels, axis ticks and titles, annotations, buttons and the text of traces. Text made
    invisible on purpose (a transparent font, e.g. a scrubber's tick labels) is left alone.
    """

    def bigger(font: Any) -> int:
        current = getattr(font, "size", None) if font is not None else None
        return max(size, int(current or 0))

    layout = fig.layout
    fig.update_layout(
        font_size=bigger(layout.font),
        title_font_size=max(size + 2, int(layout.title.font.size or 0)),
        legend_font_size=bigger(layout.legend.font),
        hoverlabel_font_size=bigger(layout.hoverlabel.font),
    )
    fig.for_each_xaxis(
        lambda a: a.update(tickfont_size=bigger(a.tickfont), title_font_size=bigger(a.title.font))
    )
    fig.for_each_yaxis(
        lambda a: a.update(tickfont_size=bigger(a.tickfont), title_font_size=bigger(a.title.font))
    )
    for note in layout.annotations or ():
        note.font.size = bigger(note.font)
    for menu in layout.updatemenus or ():
        menu.font.size = bigger(menu.font)
    for trace in fig.data:
        if "textfont" in trace and trace.textfont is not None and trace.textfont.size is not None:
            trace.textfont.size = bigger(trace.textfont)
    # subtitles written as <sup> (about 70 % of the title) become plain lines at the projector size
    sub = (f'<span style="font-size:{size}px">', "</span>")
    room = 0  # pixels the larger title lines need above the plot
    if layout.title.text and "<sup>" in layout.title.text:
        room += 14 * layout.title.text.count("<sup>")  # each subtitle line grows by about 14 px
        layout.title.text = layout.title.text.replace("<sup>", sub[0]).replace("</sup>", sub[1])
        if any(note.yref == "paper" and (note.y or 0.0) >= 1.0 for note in layout.annotations or ()):
            room += 8  # subplot titles sit between the title and the plots
    if room and layout.height:
        fig.update_layout(
            height=layout.height + room,
            margin_t=(layout.margin.t if layout.margin.t is not None else 100) + room,
        )
    _legend_to_the_bottom(fig)
    return fig


def _legend_to_the_bottom(fig: go.Figure) -> None:
    """A legend placed under the plot at a fixed paper offset (:func:`legend_below_layout`) runs into the
    x axis title once the text is large (the offset shrinks with the plot): anchor it to the bottom of the
    figure instead, where Plotly moves the plot up to make room, and make the figure taller by about the
    room the larger legend rows take (at most six rows)."""
    legend = fig.layout.legend
    if legend.yref == "container" or legend.y is None or legend.y >= 0 or fig.layout.showlegend is False:
        return
    entries = sum(1 for t in fig.data if t.showlegend is not False and t.name)
    legend.update(yref="container", y=0.0, yanchor="bottom")
    if fig.layout.height:
        fig.layout.height += 16 * min(entries, 6)


def title_style(text: str) -> dict:
    """A figure title at the top left."""
    return dict(text=text, x=0.0, xanchor="left", font=TITLE_FONT)


# ----------------------------------------------------------------------------------------------
# the plot box


def plot_bounds(X: np.ndarray, pad: float = 0.12) -> Bounds:
    """A square box around the 2-D points X, ``pad`` (fraction of the larger extent) beyond them.

    Square, so that with equal axis scales the plot fills its frame.
    """
    X = np.asarray(X, dtype=float)
    if X.size == 0:
        return (-1.0, 1.0, -1.0, 1.0)
    lo = X[:, :2].min(axis=0)
    hi = X[:, :2].max(axis=0)
    extent = float(max(hi[0] - lo[0], hi[1] - lo[1], 1e-3))
    half = 0.5 * extent + pad * extent
    cx, cy = (float(v) for v in 0.5 * (lo + hi))
    return (cx - half, cx + half, cy - half, cy + half)


def grid_points(bounds: Bounds, grid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Axis vectors and the (grid*grid) x 2 array of grid points (rows run along x first)."""
    xmin, xmax, ymin, ymax = bounds
    xs = np.linspace(xmin, xmax, grid)
    ys = np.linspace(ymin, ymax, grid)
    XX, YY = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([XX.ravel(), YY.ravel()])


def segment_in_box(w: np.ndarray, bounds: Bounds) -> tuple[np.ndarray, np.ndarray] | None:
    """End points of the line ``w0 x + w1 y + w2 = 0`` clipped to the box, or None if it misses."""
    a, b, c = (float(v) for v in w[:3])
    xmin, xmax, ymin, ymax = bounds
    pts = []
    if abs(b) > 1e-12:
        for x in (xmin, xmax):
            yv = -(a * x + c) / b
            if ymin - 1e-9 <= yv <= ymax + 1e-9:
                pts.append((x, yv))
    if abs(a) > 1e-12:
        for yv in (ymin, ymax):
            x = -(b * yv + c) / a
            if xmin - 1e-9 <= x <= xmax + 1e-9:
                pts.append((x, yv))
    if len(pts) < 2:
        return None
    arr = np.array(pts)
    # The two points farthest apart (corners can appear twice).
    d = np.linalg.norm(arr[:, None, :] - arr[None, :, :], axis=2)
    i, j = np.unravel_index(int(np.argmax(d)), d.shape)
    if d[i, j] < 1e-12:
        return None
    return arr[i], arr[j]


def nan_join(segments: list[np.ndarray]) -> np.ndarray:
    """Stack 2-column point lists with a NaN row between them (one Plotly trace, gaps between lines)."""
    if not segments:
        return np.zeros((0, 2))
    gap = np.full((1, segments[0].shape[1]), np.nan)
    return np.vstack([part for seg in segments for part in (seg, gap)])


def segments_trace(segments: list[np.ndarray], **trace: Any) -> go.Scatter:
    """Polylines of the plane (each a k x 2 array of points) as one line trace, a gap between any two
    (:func:`nan_join`); ``trace``: the trace's other keywords (name, line, hover, ...)."""
    joined = nan_join(segments)
    return go.Scatter(x=joined[:, 0], y=joined[:, 1], mode="lines", **trace)


# ----------------------------------------------------------------------------------------------
# layouts


def base_layout(fig: go.Figure, title: str, bounds: Bounds) -> None:
    """A plane figure: title, equal axis scale, fixed ranges and a compact legend at the bottom."""
    xmin, xmax, ymin, ymax = bounds
    fig.update_layout(
        title=title_style(title),
        height=FIG_HEIGHT,
        margin=MARGIN,
        plot_bgcolor="white",
        # Legend at the bottom of the figure, below the x axis title (container coordinates).
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.0, x=0.0, font=LEGEND_FONT),
        hoverlabel=dict(font_size=12),
        uirevision=title,
    )
    fig.update_xaxes(range=[xmin, xmax], title_text="x₁", constrain="domain", showgrid=False, zeroline=False)
    fig.update_yaxes(
        range=[ymin, ymax],
        title_text="x₂",
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
        showgrid=False,
        zeroline=False,
    )


def legend_below_layout(
    fig: go.Figure,
    title: str,
    height: int = 430,
    top: int = 60,
    *,
    legend_y: float = -0.18,
    hover_font_size: int | None = 12,
    **layout: Any,
) -> None:
    """A study figure: title (with a subtitle line), white background, a horizontal legend below the plot.

    ``top``: the room above the plot for the title (pixels); ``legend_y``: the legend's top (paper units,
    below the x axis title); ``hover_font_size`` (None: Plotly's default); ``layout``: more layout keywords.
    """
    if hover_font_size is not None:
        layout["hoverlabel"] = dict(font_size=hover_font_size)
    fig.update_layout(
        title=title_style(title),
        height=height,
        margin=dict(l=10, r=10, t=top, b=10),
        plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="top", y=legend_y, x=0.0, font=LEGEND_FONT),
        **layout,
    )


def message_figure(title: str, message: str) -> go.Figure:
    """An empty figure that says why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font=dict(size=14)
    )
    fig.update_layout(
        title=title_style(title),
        height=FIG_HEIGHT,
        margin=MARGIN,
        plot_bgcolor="white",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# ----------------------------------------------------------------------------------------------
# traces


def point_markers(points: np.ndarray, **trace: Any) -> go.Scatter:
    """Points of the plane (the rows of an n x 2 array) as one marker trace; ``trace``: the trace's other
    keywords (name, marker, hover, ...)."""
    return go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", **trace)


def label_traces(
    X: np.ndarray, y: np.ndarray, customdata: np.ndarray, hovertemplate: str, size: int = 9
) -> list[go.Scatter]:
    """One marker trace per class: +1 blue circles, -1 red crosses, with a white outline."""
    traces = []
    for label, name, colour, symbol in (
        (1.0, "label +1", POS_COLOUR, "circle"),
        (-1.0, "label −1", NEG_COLOUR, "x"),
    ):
        mask = y == label
        if not np.any(mask):
            continue
        traces.append(
            point_markers(
                X[mask],
                name=f"{name} ({int(mask.sum())})",
                marker=dict(size=size, color=colour, symbol=symbol, line=dict(width=1.2, color="white")),
                customdata=customdata[mask],
                hovertemplate=hovertemplate,
            )
        )
    return traces


def reference_line(
    fig: go.Figure,
    x: list[float],
    y: list[float],
    name: str,
    colour: str,
    *,
    row: int | None = None,
    col: int | None = None,
    showlegend: bool = True,
    width: float = 2.0,
) -> None:
    """A dotted reference line through the points (x, y), named in the legend.

    A trace rather than ``add_hline``/``add_vline``: on log axes Plotly places those shapes' annotations
    in log coordinates, which stretches the autorange by decades.
    """
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            name=name,
            legendgroup=name,
            showlegend=showlegend,
            line=dict(color=colour, dash="dot", width=width),
            hovertemplate=f"{name}<extra></extra>",
        ),
        row=row,
        col=col,
    )


def add_level_line(
    fig: go.Figure,
    x_span: list[float],
    value: float,
    name: str,
    line: dict,
    *,
    hover: str | None = None,
    row: int = 1,
    col: int = 1,
) -> None:
    """A horizontal line at ``value`` across ``x_span`` (e.g. :data:`OPTIMUM_LINE`), named in the legend;
    ``hover`` is its hover text (None: Plotly's default)."""
    fig.add_trace(
        go.Scatter(
            x=x_span,
            y=[value, value],
            mode="lines",
            name=name,
            line=line,
            hovertemplate=None if hover is None else f"{hover}<extra></extra>",
        ),
        row=row,
        col=col,
    )


# ----------------------------------------------------------------------------------------------
# gaps on a log axis


#: At most about this many labelled decades on a log axis (more are labelled every k-th decade).
MAX_LOG_LABELS = 6


def log_ticks(values: np.ndarray) -> dict:
    """Decade ticks when the values span two decades or more (1, 2 and 5 of each decade, as full numbers,
    from one decade on), every k-th decade when they span more than
    :data:`MAX_LOG_LABELS` (one decade below the smallest value is counted too: the floor of gaps <= 0
    sits there); within a decade, Plotly's own ticks, at most :data:`MAX_LOG_LABELS` of them."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return {}
    span = float(np.log10(np.max(values) / np.min(values)))
    if span + 1.0 > MAX_LOG_LABELS:
        return {"dtick": int(np.ceil((span + 1.0) / MAX_LOG_LABELS))}
    if span >= 2.0:  # decades only: Plotly would label every digit (2, 3, ... 9) between them
        return {"dtick": 1}
    if span >= 1.0:  # one or two decades: 1, 2, 5 of each (decades alone could leave one label), as
        # full numbers at the tick font size (Plotly's own "D2" draws its 2 and 5 smaller)
        lo, hi = float(np.min(values)), float(np.max(values))
        ticks = [
            m * 10.0**k
            for k in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
            for m in (1, 2, 5)
            if lo / 1.5 <= m * 10.0**k <= hi * 1.5
        ]
        return {"tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks]}
    # within a decade Plotly labels steps of 5 or 10 (13 labels from 10 to 70): cap the count
    return {"nticks": MAX_LOG_LABELS}


def tidy_log_axes(fig: go.Figure) -> go.Figure:
    """Apply :func:`log_ticks` to every log axis of ``fig`` that has no ticks of its own, from the data
    of the traces drawn on it and on the axes linked to it (``matches``: shared subplot axes show one
    range); at most about :data:`MAX_LOG_LABELS` labelled decades, no digit labels between decades; in
    place, returns fig."""
    names = [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]

    def ref(name: str) -> str:  # "yaxis2" -> "y2"
        return name[0] + name.removeprefix(f"{name[0]}axis")

    def values_on(axis_ref: str) -> list[np.ndarray]:
        letter = axis_ref[0]
        return [
            np.asarray(getattr(t, letter), dtype=float).ravel()
            for t in fig.data
            if getattr(t, letter) is not None and (getattr(t, f"{letter}axis", None) or letter) == axis_ref
        ]

    for name in names:
        axis = fig.layout[name]
        if axis.type != "log" or axis.dtick is not None or axis.tickvals is not None or axis.nticks:
            continue
        # the axes sharing a range with this one: those it matches, those matching it (or the same one)
        root = axis.matches or ref(name)
        group = {ref(n) for n in names if n[0] == name[0] and (fig.layout[n].matches or ref(n)) == root}
        values = [v for r in sorted(group | {root}) for v in values_on(r)]
        if values:
            axis.update(**log_ticks(np.concatenate(values)))
    return fig


def gap_floor(gap: np.ndarray) -> float:
    """Where gaps <= 0 are drawn on a log axis: a decade below the smallest positive gap (1e-12 if none)."""
    gap = np.asarray(gap, dtype=float)
    positive = gap[np.isfinite(gap) & (gap > 0.0)]
    return float(np.min(positive)) / 10.0 if positive.size else 1e-12


def add_gap_series(
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
    add_gaps_below(
        fig,
        x,
        gap,
        floor,
        name=f"{name}: gap ≤ 0 (at {floor:.0e})",
        marker=dict(
            color=colour, symbol="triangle-down", size=10, line=dict(width=1.5, color=GAP_BELOW_COLOUR)
        ),
        hovertemplate=(
            f"{name}<br>{x_label} = %{{x:.4g}}<br>gap = %{{customdata:.3e}} (≤ 0: at or below the "
            "optimum line, round-off)<extra></extra>"
        ),
        row=row,
        col=col,
        legendgroup=group,
        showlegend=False,
    )


def add_gaps_below(
    fig: go.Figure, x: np.ndarray, gap: np.ndarray, floor: float, *, row: int, col: int, **style: Any
) -> None:
    """The finite gaps <= 0, which a log axis cannot show, as markers at ``floor``; the true gap is the
    trace's ``customdata`` (for the hover). ``style``: the trace's other keywords (name, marker,
    hovertemplate, legend). Nothing is drawn when there are none."""
    below = np.isfinite(gap) & (gap <= 0.0)
    if np.any(below):
        fig.add_trace(
            go.Scatter(
                x=x[below], y=np.full(int(below.sum()), floor), mode="markers", customdata=gap[below], **style
            ),
            row=row,
            col=col,
        )


def log_gap_layout(
    fig: go.Figure,
    title: str,
    subtitle: str,
    *,
    x_title: str,
    optimum: float | None,
    floor: float | None,
    height: int = 430,
    top: int = 60,
) -> None:
    """A study figure of gaps ``J - J*`` (of J itself when ``optimum`` is None) on log-log axes: title
    and subtitle, legend below; the subtitle says where gaps <= 0 are drawn (``floor``; None: no such gap)."""
    if floor is not None:
        subtitle += f"; gaps ≤ 0 as triangles at {floor:.0e}"
    legend_below_layout(fig, f"{title}<br><sup>{subtitle}</sup>", height, top)
    fig.update_xaxes(title_text=x_title, type="log", **GRID_LINES)
    fig.update_yaxes(
        title_text="J − J*" if optimum is not None else "J", type="log", exponentformat="power", **GRID_LINES
    )
    tidy_log_axes(fig)
