"""The drawing vocabulary every figure shares: colours, sizes, layouts, the plot box, log ticks and gaps.

Figure modules (one per subject) import these names and nothing private from each other. Conventions:

* label +1: blue circles, label -1: red crosses (distinguishable without colour);
* a gap ``J - J*`` is drawn on a log axis; gaps <= 0 cannot sit there, so they are drawn as red(-edged)
  triangles at a floor a decade below the smallest positive gap (:func:`gap_floor`), true value on hover;
* titles at the top left with a ``<sup>`` subtitle line; white background, light grey grid lines.
"""

from __future__ import annotations

import base64
import copy
import json
import struct
import zlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale, sample_colorscale
from plotly.subplots import make_subplots

from engine.figures.plane_kernel import level_polylines

__all__ = [
    "BOUNDARY_COLOUR",
    "FIG_HEIGHT",
    "GAP_BELOW_COLOUR",
    "GRID_LINES",
    "LARGE_LAYOUT_META",
    "LEGEND_FONT",
    "LINE_COLOUR",
    "LOWER_BOUND_LINE",
    "MARGIN",
    "NEG_COLOUR",
    "OPTIMUM_LINE",
    "POS_COLOUR",
    "TITLE_FONT",
    "Bounds",
    "PlainFramesFigure",
    "add_gap_series",
    "add_gaps_below",
    "add_level_line",
    "centre_note",
    "colour_image",
    "colour_table",
    "figure_of",
    "plain_traces",
    "png_data_uri",
    "surface_traces",
    "zero_level_lines",
    "base_layout",
    "plane_layout",
    "grid_points",
    "image_trace",
    "LARGE_TEXT_PX",
    "label_traces",
    "large_text",
    "legend_below_layout",
    "legend_below_spec",
    "log_gap_layout",
    "merge_layout",
    "log_ticks",
    "gap_floor",
    "message_figure",
    "nan_join",
    "plot_bounds",
    "point_markers",
    "reference_line",
    "segment_in_box",
    "segments_in_box",
    "segments_trace",
    "subplots",
    "subplots_layout",
    "tidy_log_axes",
    "title_style",
    "typed_array",
    "with_layout",
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
#: A figure may carry layout changes of its own for the large-text patch under
#: ``layout.meta[LARGE_LAYOUT_META]`` (e.g. the room its numbers and buttons take at that size, which only
#: its builder knows): :func:`large_text_patch` applies them first.
LARGE_LAYOUT_META = "large_text_layout"


def large_text(fig: go.Figure, size: int = LARGE_TEXT_PX) -> go.Figure:
    """Raise every text of ``fig`` to at least ``size`` px (the projector switch), in place; returns fig:
    :func:`large_text_patch` applied (one ``update_layout`` and the traces' text sizes)."""
    patch = large_text_patch(fig, size)
    fig.update_layout(patch["layout"])
    for index, text_size in patch["textfont"].items():
        fig.data[index].textfont.size = text_size
    return fig


def large_text_patch(fig: Any, size: int = LARGE_TEXT_PX) -> dict[str, Any]:
    """What the projector switch changes in ``fig`` (a Plotly figure or its dict), without changing it:
    ``{"layout": a nested layout update, "textfont": {trace index: text size}}``. :func:`large_text`
    applies it in Python; the live chart (explorer.live_chart) merges it into the figure in the browser,
    so a figure already built and sent is shown large without being built again.

    The one place the figures' text sizes change together: the default font, the title (2 px larger),
    legend, hover labels, axis ticks and titles, annotations, buttons and the text of traces (each at
    least ``size`` px). Text made invisible on purpose (a transparent font, e.g. a scrubber's tick labels)
    is left alone. A subtitle (``<sup>``) becomes a plain line at that size, the figure taller by the room
    it takes; a legend under the plot moves to the figure's bottom (:func:`_legend_below`); the figure's own
    changes under ``layout.meta`` (:data:`LARGE_LAYOUT_META`) come first. Applying the patch to a figure it
    was made from again changes nothing more. Annotations and menus are given whole (a list replaces a
    list).
    """
    lay = fig["layout"] if isinstance(fig, dict) else fig.layout.to_plotly_json()
    traces = fig.get("data", []) if isinstance(fig, dict) else fig.data
    meta = lay.get("meta")
    own = meta.get(LARGE_LAYOUT_META) if isinstance(meta, dict) else None
    if own:  # the figure's own changes first: the sizes below are raised over them
        # (a figure's layout JSON is a fresh copy already; a dict's is the caller's)
        lay = merge_layout(copy.deepcopy(lay) if isinstance(fig, dict) else lay, own)

    def bigger(font: Any) -> int:
        return max(size, int((font or {}).get("size") or 0))

    def raised(item: dict) -> dict:  # an annotation or a menu, its font raised
        return {**item, "font": {**item.get("font", {}), "size": bigger(item.get("font"))}}

    title = dict(lay.get("title") or {})
    update: dict[str, Any] = {
        "font": {"size": bigger(lay.get("font"))},
        "legend": {"font": {"size": bigger((lay.get("legend") or {}).get("font"))}},
        "hoverlabel": {"font": {"size": bigger((lay.get("hoverlabel") or {}).get("font"))}},
        "title": {"font": {"size": max(size + 2, int((title.get("font") or {}).get("size") or 0))}},
    }
    for name in sorted({"xaxis", "yaxis", *(k for k in lay if k.startswith(("xaxis", "yaxis")))}):
        axis = lay.get(name) or {}
        update[name] = {
            "tickfont": {"size": bigger(axis.get("tickfont"))},
            "title": {"font": {"size": bigger((axis.get("title") or {}).get("font"))}},
        }
    notes = [raised(note) for note in lay.get("annotations") or ()]
    if notes:
        update["annotations"] = notes
    if lay.get("updatemenus"):
        update["updatemenus"] = [raised(menu) for menu in lay["updatemenus"]]
    # subtitles written as <sup> (about 70 % of the title) become plain lines at the projector size
    height = lay.get("height")
    text = title.get("text")
    if text and "<sup>" in text:
        room = 14 * text.count("<sup>")  # each subtitle line grows by about 14 px
        sub = (f'<span style="font-size:{size}px">', "</span>")
        update["title"]["text"] = text.replace("<sup>", sub[0]).replace("</sup>", sub[1])
        if any(note.get("yref") == "paper" and (note.get("y") or 0.0) >= 1.0 for note in notes):
            room += 8  # subplot titles sit between the title and the plots
        if height:
            top = (lay.get("margin") or {}).get("t")
            height += room
            update["margin"] = {"t": (top if top is not None else 100) + room}
    legend = _legend_below(lay, traces)
    if legend is not None:
        update["legend"].update(yref="container", y=0.0, yanchor="bottom")
        height = height + legend if height else height
    if height:
        update["height"] = height
    textfont = {}
    for index, trace in enumerate(traces):
        current = _field(trace, "textfont")
        current_size = _field(current, "size") if current is not None else None
        if current_size is not None:
            textfont[index] = max(size, int(current_size))
    if own:
        update = merge_layout(copy.deepcopy(own), update)
    return {"layout": update, "textfont": textfont}


def _field(item: Any, name: str) -> Any:
    """``item[name]`` of a dict, or the property of a Plotly object when it has one (else None)."""
    if isinstance(item, dict):
        return item.get(name)
    return item[name] if name in item else None


def _legend_below(lay: dict, traces: Any) -> int | None:
    """A legend placed under the plot at a fixed paper offset (:func:`legend_below_layout`) runs into the
    x axis title once the text is large (the offset shrinks with the plot): it goes to the bottom of the
    figure instead, where Plotly moves the plot up to make room, and the figure grows by about the room
    the larger legend rows take (at most six rows). The pixels it grows by, or None when the legend of
    the layout ``lay`` (its JSON) is not such a legend."""
    legend = lay.get("legend") or {}
    y = legend.get("y")
    if legend.get("yref") == "container" or y is None or y >= 0 or lay.get("showlegend") is False:
        return None
    entries = sum(
        1 for t in traces if _field(t, "showlegend") is not False and _field(t, "name") and _has_legend(t)
    )
    return 16 * min(entries, 6)


def _has_legend(trace: Any) -> bool:
    """Whether a trace type has a legend entry at all (``showlegend`` is one of its properties)."""
    return True if isinstance(trace, dict) else "showlegend" in trace


def subplots(**options: Any) -> go.Figure:
    """A new figure with the grid of ``plotly.subplots.make_subplots(**options)``, taking unvalidated
    traces and layout updates (this package's own). make_subplots costs ~10 ms, more than the rest of
    a small figure: its figure is kept per options, as the dict that pickling makes of it (layout and
    grid) without the template (a new figure takes the default one unvalidated), and copied (~1 ms)."""
    return go.Figure(copy.deepcopy(_subplots_grid(_grid_key(options))), _validate=False)


def subplots_layout(**options: Any) -> dict[str, Any]:
    """The layout of ``plotly.subplots.make_subplots(**options)`` (its axes' domains and anchors, the
    subplot titles as annotations) as a fresh plain dict, for a figure of plain traces
    (:func:`figure_of`): kept per options as :func:`subplots` keeps its grid."""
    return copy.deepcopy(_subplots_grid(_grid_key(options))["layout"])


def _grid_key(options: dict[str, Any]) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))


@lru_cache(maxsize=32)
def _subplots_grid(key: tuple) -> dict:
    fig = make_subplots(**{k: list(v) if isinstance(v, tuple) else v for k, v in key})
    spec = fig.__reduce__()[1][0]  # to_dict() with the subplot grid (_grid_ref, _grid_str)
    spec["layout"].pop("template", None)
    return spec


def title_style(text: str) -> dict:
    """A figure title at the top left (a fresh dict)."""
    return dict(text=text, x=0.0, xanchor="left", font=dict(TITLE_FONT))


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
    ends, keep = segments_in_box(np.asarray(w, dtype=float)[None, :], bounds)
    return (ends[0, 0], ends[0, 1]) if keep[0] else None


def segments_in_box(W: np.ndarray, bounds: Bounds) -> tuple[np.ndarray, np.ndarray]:
    """End points of the lines ``w0 x + w1 y + w2 = 0`` (the rows w of W) clipped to the box, all rows at
    once: ``(ends, keep)``, ``keep`` (k,) the lines that cross the box and ``ends`` (kept x 2 x 2) their
    two end points. Each line's candidates are its crossings with the box's vertical edges then with its
    horizontal ones (within 1e-9); of those, the two farthest apart (the first such pair in that order:
    corners can appear twice); a line with fewer than two candidates or a pair closer than 1e-12
    misses. Each row is first divided by ``||(w0, w1)||`` (the same line), so the tests meet
    coefficients of size 1 whatever the row's scale; a row with ``w0 = w1 = 0`` is no line."""
    W = np.asarray(W, dtype=float).reshape(-1, np.shape(W)[-1])[:, :3]
    size = np.hypot(W[:, 0], W[:, 1])
    with np.errstate(over="ignore"):  # a huge offset: the line lies far outside (inf misses the box)
        W = W / np.where(size > 0.0, size, np.inf)[:, None]  # w0 = w1 = 0: a zero row, which misses
    a, b, c = W[:, 0], W[:, 1], W[:, 2]
    xmin, xmax, ymin, ymax = bounds
    k = W.shape[0]
    pts = np.zeros((k, 4, 2))
    ok = np.zeros((k, 4), dtype=bool)
    with np.errstate(all="ignore"):  # lines parallel to an edge: inf / nan, masked by ok
        for i, x in enumerate((xmin, xmax)):
            yv = -(a * x + c) / b
            ok[:, i] = (np.abs(b) > 1e-12) & (ymin - 1e-9 <= yv) & (yv <= ymax + 1e-9)
            pts[:, i, 0], pts[:, i, 1] = x, yv
        for i, yv in enumerate((ymin, ymax)):
            x = -(b * yv + c) / a
            ok[:, 2 + i] = (np.abs(a) > 1e-12) & (xmin - 1e-9 <= x) & (x <= xmax + 1e-9)
            pts[:, 2 + i, 0], pts[:, 2 + i, 1] = x, yv
        d = np.linalg.norm(pts[:, :, None, :] - pts[:, None, :, :], axis=3)
    d = np.where(ok[:, :, None] & ok[:, None, :], d, -np.inf).reshape(k, 16)
    pair = np.argmax(d, axis=1)  # the first farthest pair, row-major over the valid candidates
    rows = np.arange(k)
    keep = (ok.sum(axis=1) >= 2) & (d[rows, pair] >= 1e-12)
    ends = np.stack([pts[rows, pair // 4], pts[rows, pair % 4]], axis=1)
    return ends[keep], keep


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
    """A plane figure: title, equal axis scale, fixed ranges and a compact legend at the bottom
    (:func:`plane_layout`, set on ``fig``)."""
    fig.update_layout(plane_layout(title, bounds))


def plane_layout(title: str, bounds: Bounds) -> dict:
    """The layout of a plane figure (one pair of axes) as a dict: title, equal axis scale, the box's
    ranges, axis titles x₁ and x₂, a compact legend at the bottom. A fresh dict, sharing nothing with
    another call's (it may be merged into in place, :func:`merge_layout`)."""
    xmin, xmax, ymin, ymax = bounds
    return dict(
        title=title_style(title),
        height=FIG_HEIGHT,
        margin=dict(MARGIN),
        plot_bgcolor="white",
        # Legend at the bottom of the figure, below the x axis title (container coordinates).
        legend=dict(
            orientation="h", yref="container", yanchor="bottom", y=0.0, x=0.0, font=dict(LEGEND_FONT)
        ),
        hoverlabel=dict(font=dict(size=12)),
        uirevision=title,
        xaxis=dict(
            range=[xmin, xmax], title=dict(text="x₁"), constrain="domain", showgrid=False, zeroline=False
        ),
        yaxis=dict(
            range=[ymin, ymax],
            title=dict(text="x₂"),
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
            showgrid=False,
            zeroline=False,
        ),
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
    In place (:func:`legend_below_spec` through ``update_layout``).
    """
    fig.update_layout(
        legend_below_spec(title, height, top, legend_y=legend_y, hover_font_size=hover_font_size, **layout)
    )


def legend_below_spec(
    title: str,
    height: int = 430,
    top: int = 60,
    *,
    legend_y: float = -0.18,
    hover_font_size: int | None = 12,
    **layout: Any,
) -> dict[str, Any]:
    """The layout of :func:`legend_below_layout` as plain nested dicts (no ``a_b`` shorthand keys), for
    :func:`with_layout` as well as ``update_layout``; ``layout``: more layout properties, as dicts."""
    spec: dict[str, Any] = dict(
        title=title_style(title),
        height=height,
        margin=dict(l=10, r=10, t=top, b=10),
        plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="top", y=legend_y, x=0.0, font=dict(LEGEND_FONT)),
    )
    if hover_font_size is not None:
        spec["hoverlabel"] = dict(font=dict(size=hover_font_size))
    return {**spec, **layout}


def with_layout(fig: go.Figure, layout: dict[str, Any]) -> go.Figure:
    """A new figure: ``fig``'s data and layout with ``layout`` merged in (nested dicts merged, any other
    value replaced, as ``update_layout`` merges), not validated: for this package's own layouts, written
    as plain nested dicts (~1 ms where ``update_layout`` validates for ~7 ms on a two-row figure)."""
    # the traces' own JSON keeps numpy arrays as arrays (to_dict encodes them as base64 dicts)
    spec = {"data": [trace.to_plotly_json() for trace in fig.data], "layout": fig.layout.to_plotly_json()}
    merge_layout(spec["layout"], layout)
    return go.Figure(spec, _validate=False)


def plain_traces(traces: Sequence[Any]) -> list[dict[str, Any]]:
    """``traces`` (plain dicts or graph objects) as plain dicts (a graph object's JSON, a dict as it is)."""
    return [t if isinstance(t, dict) else t.to_plotly_json() for t in traces]


def figure_of(traces: Sequence[Any], layout: dict[str, Any]) -> go.Figure:
    """A figure of ``traces`` (plain dicts or graph objects) and the plain ``layout`` dict, not validated:
    for this package's own traces and layouts (Plotly's checks of each added trace and layout update
    cost more than building the figure)."""
    return go.Figure(dict(data=plain_traces(traces), layout=layout), _validate=False)


def merge_layout(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged into the plain layout dict ``base``, in place, as ``update_layout`` merges (and as
    the live chart merges a large-text patch in the browser): a dict into a dict, any other value, a list
    included, replacing (copied); returns ``base``."""
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_layout(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def centre_note(text: str, *, colour: str, **more: Any) -> dict[str, Any]:
    """An annotation in the middle of the plot area (15 px, in ``colour``; ``more``: its other keys)."""
    return dict(
        text=text,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font=dict(size=15, color=colour),
        **more,
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
                # text columns (object arrays) as lists: orjson, Plotly's fast JSON writer, takes no
                # object arrays and the whole figure would go through its slow path
                customdata=customdata[mask].tolist() if customdata.dtype == object else customdata[mask],
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


# ----------------------------------------------------------------------------------------------
# animated figures


def typed_array(values: np.ndarray) -> dict | list:
    """A numeric array as Plotly's typed-array JSON (``{"dtype": "f4", "bdata": base64}``: what
    ``go.Figure.to_dict`` makes of a numpy array; plotly.js reads it without parsing numbers); an empty
    array as ``[]``."""
    values = np.ascontiguousarray(values)
    if values.size == 0:
        return []
    dtype = f"{values.dtype.kind}{values.dtype.itemsize}"
    return {"dtype": dtype, "bdata": base64.b64encode(values.tobytes()).decode("ascii")}


class PlainFramesFigure(go.Figure):
    """A ``go.Figure`` whose animation frames are kept as Plotly JSON, not as ``go.Frame`` objects.

    A plain figure validates every frame when it is built and deep-copies them all on every ``to_dict``
    (for the Playground's 80 playback frames ~0.1 s and ~0.04 s); here the frames are given as plain
    dicts of JSON values (strings, numbers, lists, :func:`typed_array`), encoded once, and ``to_dict``
    (so ``plotly.io.to_json``, ``to_html``, ``to_image``, pickling) decodes a fresh copy of them after
    the data and layout. The data and layout are taken unvalidated too (they are built by this
    package). Reading ``frames`` (or ``fig["frames"]``) gives them as ``go.Frame`` objects (validated
    then); setting it stores the new frames the same way. Frames are replaced whole: ``update`` does
    not merge into them (it raises when given frames).
    """

    def __init__(self, data: Any = None, layout: Any = None, frames: Any = None, **kwargs: Any) -> None:
        if isinstance(data, dict) and {"data", "layout", "frames"} & set(data):  # a whole figure's dict
            data = dict(data)
            frames = data.pop("frames", frames)
        kwargs.pop("_validate", None)
        super().__init__(data, layout, _validate=False, **kwargs)
        self._set_plain_frames(frames)

    def _set_plain_frames(self, frames: Any) -> None:
        frames = [f.to_plotly_json() if isinstance(f, go.Frame) else f for f in frames or ()]
        self._frames_text = pio.json.to_json_plotly(frames) if frames else None

    def __getitem__(self, prop: Any) -> Any:
        return self.frames if prop == "frames" else super().__getitem__(prop)

    def __setitem__(self, prop: Any, value: Any) -> None:
        if prop == "frames":
            self._set_plain_frames(value)
        else:
            super().__setitem__(prop, value)

    def update(self, dict1: Any = None, overwrite: bool = False, **kwargs: Any) -> PlainFramesFigure:
        """``go.Figure.update`` of the data and layout; frames are set whole (``fig.frames = ...``)."""
        if "frames" in kwargs or (isinstance(dict1, dict) and "frames" in dict1):
            raise ValueError("a PlainFramesFigure's frames are replaced whole: set fig.frames")
        super().update(dict1, overwrite=overwrite, **kwargs)
        return self

    @property
    def frames(self) -> tuple[go.Frame, ...]:  # type: ignore[override]
        """The frames as ``go.Frame`` objects (built and validated on each read)."""
        return tuple(go.Frame(f) for f in self.to_dict().get("frames", []))

    @frames.setter
    def frames(self, new_frames: Any) -> None:
        self._set_plain_frames(new_frames)

    def to_dict(self) -> dict:
        """The figure as a dict (``go.Figure.to_dict``), the frames decoded from their JSON."""
        out = super().to_dict()
        if self._frames_text is not None:
            out["frames"] = json.loads(self._frames_text)
        return out

    def with_hidden(self, name: str) -> PlainFramesFigure:
        """A copy whose traces named ``name`` are hidden (``visible = False``: still in ``data``, so the
        frames' trace indices hold), the frames' stored JSON shared, not copied; ``self`` unchanged."""
        out = PlainFramesFigure(super().to_dict())
        out._frames_text = self._frames_text
        for trace in out.data:
            if trace.name == name:
                trace.visible = False
        return out

    def to_json(self, *args: Any, **kwargs: Any) -> str:
        """``plotly.io.to_json`` of the figure; compact JSON (no ``pretty``) takes the frames' stored
        JSON text as it is (not decoded and encoded again: ~8 ms of the playback's 0.6 MB)."""
        if self._frames_text is None or kwargs.get("pretty") or (len(args) > 1 and args[1]):
            return super().to_json(*args, **kwargs)
        head = pio.to_json(super().to_dict(), *args, **kwargs)  # the data and layout (a dict)
        if not head.endswith("}"):  # not a JSON object: leave it to Plotly
            return super().to_json(*args, **kwargs)
        return f'{head[:-1]},"frames":{self._frames_text}}}'


# ----------------------------------------------------------------------------------------------
# a function over the plane as a raster image (decision functions, region maps)
#
# A heatmap or filled contour trace makes Plotly build one SVG path or canvas brick per cell in the
# browser, on every draw; a PNG image is one element the browser only scales. So a value surface is
# drawn as an ``image`` trace whose ``source`` is a PNG (a data URI, colours looked up here with the
# trace's colour scale), its level f = 0 as one line traced here (marching squares), its colour bar
# carried by an invisible marker and its hover values by a coarse transparent heatmap.


def png_data_uri(pixels: np.ndarray, palette: np.ndarray | None = None) -> str:
    """An image as a PNG data URI (row 0 first in the file, the picture's top in an image viewer): an
    H x W x 3 (RGB) or H x W x 4 (RGBA) uint8 array, or an H x W array of indices into ``palette``
    (K x 3 uint8, K <= 256).

    A minimal PNG encoder (8 bits per sample; every row filtered with "up", which suits the smooth
    surfaces drawn here; compressed once at zlib level 1, a third of level 6's time for ~15 % more
    bytes): signature, IHDR, PLTE for a palette, one IDAT, IEND.
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    if palette is not None:
        palette = np.ascontiguousarray(palette, dtype=np.uint8)
        if pixels.ndim != 2 or palette.ndim != 2 or palette.shape[1] != 3 or not 0 < len(palette) <= 256:
            raise ValueError("a palette image is H x W indices into at most 256 RGB colours")
        h, w = pixels.shape
        kind, rows = 3, pixels
    else:
        if pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
            raise ValueError(f"an image is H x W x 3 or 4, not {pixels.shape}")
        h, w, channels = pixels.shape
        kind, rows = (2 if channels == 3 else 6), pixels.reshape(h, w * channels)

    def chunk(name: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + name + body + struct.pack(">I", zlib.crc32(name + body))

    up = np.diff(rows, axis=0, prepend=np.zeros((1, rows.shape[1]), dtype=np.uint8))  # modulo 256
    packed = zlib.compress(np.column_stack([np.full(h, 2, dtype=np.uint8), up]).tobytes(), 1)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, kind, 0, 0, 0))
    if palette is not None:
        png += chunk(b"PLTE", palette.tobytes())
    png += chunk(b"IDAT", packed) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@lru_cache(maxsize=16)
def _table(colorscale: str | tuple, levels: int) -> np.ndarray:
    scale = get_colorscale(colorscale) if isinstance(colorscale, str) else [list(c) for c in colorscale]
    colours = sample_colorscale(scale, list(np.linspace(0.0, 1.0, levels)), colortype="tuple")
    table = np.rint(np.clip(np.array(colours, dtype=float), 0.0, 1.0) * 255.0).astype(np.uint8)
    table.setflags(write=False)
    return table


def colour_table(colorscale: str | list, levels: int = 256) -> np.ndarray:
    """The colours of a Plotly colour scale (a name or ``[[t, colour], ...]``) at ``levels`` evenly
    spaced points of [0, 1], as a levels x 3 uint8 array (Plotly's own interpolation, in RGB)."""
    key = colorscale if isinstance(colorscale, str) else tuple(tuple(c) for c in colorscale)
    return _table(key, int(levels))


def colour_image(
    F: np.ndarray, colorscale: str | list, zmin: float, zmax: float
) -> tuple[np.ndarray, np.ndarray]:
    """Values F (rows along y upwards: ``F[i, j] = f(xs[j], ys[i])``) coloured as a heatmap with this
    colour scale on [zmin, zmax] (values outside take the end colours), as a palette image: indices
    (rows as in F) into 255 colours of the scale, and white (index 255) for non-finite values;
    returns (indices, palette). A stack of such grids (K x ny x nx, e.g. animation frames) is coloured
    in one pass, each ``indices[k]`` the image of ``F[k]``."""
    table = np.vstack([colour_table(colorscale, 255), np.full((1, 3), 255, dtype=np.uint8)])
    F = np.asarray(F, dtype=float)
    span = zmax - zmin if zmax > zmin else 1.0
    with np.errstate(invalid="ignore"):
        t = np.clip((F - zmin) / span, 0.0, 1.0)
    index = np.rint(np.nan_to_num(t, nan=0.0) * 254.0).astype(np.uint8)
    index[~np.isfinite(F)] = 255
    return index, table


def image_trace(image: tuple[np.ndarray, np.ndarray], xs: np.ndarray, ys: np.ndarray, **trace: Any) -> dict:
    """A palette image (indices, row i at ``ys[i]``, and colours: :func:`colour_image`) over the grid
    xs x ys, pixel centres on the grid points, as a Plotly ``image`` trace with a PNG ``source`` (a
    dict: frames carry it too; on an upright y axis Plotly draws the PNG's first row at the bottom);
    smoothed when the browser scales it up unless ``zsmooth=False`` (sharp edges, e.g. regions);
    ``trace``: more keywords."""
    dx = float(xs[1] - xs[0]) if len(xs) > 1 else 1.0
    dy = float(ys[1] - ys[0]) if len(ys) > 1 else 1.0
    return dict(
        dict(type="image", zsmooth="fast", hoverinfo="skip"),
        source=png_data_uri(*image),
        x0=float(xs[0]),
        dx=dx,
        y0=float(ys[0]),
        dy=dy,  # Plotly draws row 0 at y0, the bottom of an upright axis (the sign of dy is not used)
        **trace,
    )


def zero_level_lines(xs: np.ndarray, ys: np.ndarray, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The level ``F = 0`` of values on the grid (``F[i, j]`` at ``(xs[j], ys[i])``) as polylines:
    marching squares with linear interpolation along the cell edges, the pieces chained into lines,
    a NaN after each line (float32 x and y arrays; empty when F has one sign). A saddle cell (signs
    alternate around it) is split by the sign of its centre value (the mean of its corners). The loop
    is compiled (:func:`engine.figures.plane_kernel.level_polylines`)."""
    F = np.ascontiguousarray(F, dtype=np.float64)
    if F.ndim != 2 or F.shape[0] < 2 or F.shape[1] < 2:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32)
    x, y = level_polylines(F, np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))
    return x.astype(np.float32), y.astype(np.float32)


def surface_traces(
    xs: np.ndarray,
    ys: np.ndarray,
    F: np.ndarray,
    *,
    colorscale: str | list,
    zmin: float,
    zmax: float,
    boundary: dict | None = None,
    colour_title: str | None = None,
    hover: str | None = "f(x)",
    hover_grid: int = 30,
    colorbar: dict | None = None,
    axes: dict | None = None,
) -> list[dict]:
    """A value surface over the plane (``F[i, j] = f(xs[j], ys[i])``) as cheap traces, in drawing order:

    * an ``image`` trace: F coloured with ``colorscale`` on [zmin, zmax] (:func:`colour_image`), a PNG;
    * when ``hover`` (the value's name): a transparent heatmap of F on about ``hover_grid`` x
      ``hover_grid`` cells (every k-th grid point) that gives ``hover`` = value on mouse-over;
    * when ``colour_title``: the colour bar of that scale, titled so (``colorbar``: more of its keys),
      on an invisible marker;
    * when ``boundary`` (the line's keywords: name, line, showlegend...): the level F = 0 as one line
      (:func:`zero_level_lines`), drawn only where F changes sign.

    Returned as plain trace dicts (for ``fig.add_trace`` and for animation frames); ``axes``: the
    ``xaxis``/``yaxis`` of every trace (default the first pair).
    """
    axes = axes or {}
    F = np.asarray(F, dtype=float)
    name = colour_title or hover or "f(x)"
    traces: list[dict] = [image_trace(colour_image(F, colorscale, zmin, zmax), xs, ys, name=name, **axes)]
    if hover:
        step = max(1, int(np.ceil(max(len(xs), len(ys)) / max(2, hover_grid))))
        traces.append(
            dict(
                type="heatmap",
                x=np.asarray(xs[::step], dtype=np.float32),
                y=np.asarray(ys[::step], dtype=np.float32),
                z=F[::step, ::step].astype(np.float32),
                opacity=0.0,
                showscale=False,
                hovertemplate=f"x = (%{{x:.2f}}, %{{y:.2f}})<br>{hover} = %{{z:.3f}}<extra></extra>",
                name=hover,
                showlegend=False,
                **axes,
            )
        )
    if colour_title:
        bar = dict(title=dict(text=colour_title, side="right"), thickness=12, len=0.8)
        bar.update(colorbar or {})
        traces.append(
            dict(
                type="scatter",
                x=[float(xs[0])],
                y=[float(ys[0])],
                mode="markers",
                marker=dict(
                    size=0.1,
                    opacity=0.0,
                    color=[zmin],
                    cmin=zmin,
                    cmax=zmax,
                    # a name spelled out as Plotly's Python scales have it (plotly.js has its own "RdBu")
                    colorscale=get_colorscale(colorscale) if isinstance(colorscale, str) else colorscale,
                    showscale=True,
                    colorbar=bar,
                ),
                hoverinfo="skip",
                showlegend=False,
                name=colour_title,
                **axes,
            )
        )
    if boundary is not None:
        bx, by = zero_level_lines(xs, ys, F)
        if bx.size:
            traces.append(
                dict(dict(type="scatter", mode="lines", hoverinfo="skip"), x=bx, y=by, **boundary, **axes)
            )
    return traces
