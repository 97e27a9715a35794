"""The user's own training points in the session: add, replace, undo, clear (Streamlit state helpers).

The points live in ``st.session_state`` as a tuple of ``(x1, x2, y)`` float tuples (see
``datasets.points``); every change pushes the previous tuple on an undo stack and bumps a version
number, which the Data page puts in the keys of its chart and table so that they start afresh. The
sidebar's data set "custom" (``explorer.settings.CUSTOM``) makes every page train on these points.
Reading a CSV upload, a table edit or a generated data set into points is done here too (with
``datasets``), so the Data page only wires widgets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from datasets import DataError, load_csv
from datasets.points import Point, as_points, points_from_dataset
from explorer.cache import get_dataset
from explorer.settings import CUSTOM, CUSTOM_LABEL, DataKey, format_data_name
from explorer.url import plain

__all__ = [
    "CUSTOM",
    "CUSTOM_LABEL",
    "LAST_GENERATED",
    "MAX_OWN_POINTS",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_MB",
    "PENDING_CLICK",
    "add_point",
    "can_undo",
    "clear",
    "click_from_event",
    "copy_generated",
    "data_key",
    "format_data_name",
    "generated_key",
    "load_upload",
    "points",
    "remove_nearest",
    "replace",
    "replace_from_rows",
    "undo",
    "version",
]

_POINTS = "_own_points"
_UNDO = "_own_undo"
_VERSION = "_own_version"
LAST_GENERATED = "_own_last_generated"  # the DataKey of the last generated data set the sidebar gave
PENDING_CLICK = "_own_pending_click"  # (x1, x2) of a click not yet applied (set by the Data page, tests)
UNDO_DEPTH = 50
MAX_OWN_POINTS = 400  # the largest n the sidebar offers for generated sets: the pages stay quick
# The largest upload, in Streamlit's MB (2^20 bytes): the server refuses a larger file (server.maxUploadSize
# in .streamlit/config.toml, which must say the same; a test checks it) and load_upload checks it again
# before parsing. 400 rows of x1,x2,y take about 12 kB, so 1 MB leaves room for long decimals.
MAX_UPLOAD_MB = 1
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 2**20
DEFAULT_GENERATED = DataKey("moons", 30, 0.1, 0)  # the sidebar's default data set


def points() -> tuple[Point, ...]:
    """The user's current points (empty at first)."""
    return st.session_state.get(_POINTS, ())


def version() -> int:
    """A number that changes with every change of the points."""
    return int(st.session_state.get(_VERSION, 0))


def can_undo() -> bool:
    """Whether there is a change to undo."""
    return bool(st.session_state.get(_UNDO))


def replace(new: tuple[Point, ...]) -> None:
    """Make ``new`` the current points (already validated), remembering the old ones for undo."""
    state = st.session_state
    old = points()
    if tuple(new) == old:
        return
    stack = list(state.get(_UNDO, []))
    stack.append(old)
    state[_UNDO] = stack[-UNDO_DEPTH:]
    state[_POINTS] = tuple(new)
    state[_VERSION] = version() + 1


def add_point(x1: float, x2: float, label: float) -> str | None:
    """Append one point; the reason it was not added (the size limit), else None."""
    current = points()
    if len(current) >= MAX_OWN_POINTS:
        return f"Your data set already has the maximum of {MAX_OWN_POINTS} points."
    replace((*current, (float(x1), float(x2), float(label))))
    return None


def undo() -> None:
    """Go back to the points before the last change (nothing to do without one)."""
    state = st.session_state
    stack = list(state.get(_UNDO, []))
    if not stack:
        return
    state[_POINTS] = stack.pop()
    state[_UNDO] = stack
    state[_VERSION] = version() + 1


def clear() -> None:
    """Remove every point (undoable)."""
    replace(())


def data_key(current: tuple[Point, ...] | None = None) -> DataKey:
    """The data key of the user's points (the current ones by default)."""
    current = points() if current is None else current
    return DataKey(CUSTOM, len(current), 0.0, 0, 0, current)


def generated_key() -> DataKey:
    """The generated data set last chosen in the sidebar (the default one before any)."""
    return st.session_state.get(LAST_GENERATED) or DEFAULT_GENERATED


def copy_generated() -> None:
    """Replace the points by the training points of :func:`generated_key`'s data set (undoable)."""
    data = get_dataset(generated_key())
    if data.ok and data.value is not None:
        replace(points_from_dataset(data.value))


def load_upload(upload: Any) -> tuple[str, str]:
    """Load an uploaded CSV file (``x1,x2,y``) into the points: ``(level, message)`` with level
    ``"success"``, or ``"error"`` when the file is too large or not a valid data set (then the points
    are kept)."""
    if upload.size > MAX_UPLOAD_BYTES:
        return (
            "error",
            f"{plain(upload.name)} is {upload.size / 2**20:.1f} MB; "
            f"the limit is {MAX_UPLOAD_MB} MB. "
            "Your previous points are kept.",
        )
    try:
        dataset = load_csv(upload, max_rows=MAX_OWN_POINTS)
    except DataError as exc:
        return (
            "error",
            f"Could not load {plain(upload.name)}: {plain(str(exc))} Your previous points are kept.",
        )
    replace(points_from_dataset(dataset))
    extra = f" {plain(dataset.notes)}" if dataset.notes else ""
    return "success", f"Loaded {dataset.n} points ({dataset.task}) from {plain(upload.name)}.{extra}"


def replace_from_rows(rows: Any) -> str | None:
    """Make the table rows ``(x1, x2, y)`` (None for an empty cell) the points; the reason they were
    refused (an empty or non-numeric cell, too many rows), else None."""
    try:
        new = as_points(rows, max_points=MAX_OWN_POINTS)
    except DataError as exc:
        return plain(str(exc))
    replace(new)
    return None


def click_from_event(event: Any) -> tuple[float, float] | None:
    """The (x1, x2) of a click in a Plotly selection event of ``st.plotly_chart(on_select=...)``: the
    first selected point with coordinates (a grid marker, or a data point clicked on); None without one."""
    selection = _get(event, "selection")
    for point in _get(selection, "points") or ():
        x, y = _get(point, "x"), _get(point, "y")
        if isinstance(x, int | float) and isinstance(y, int | float):
            return float(x), float(y)
    return None


def remove_nearest(x1: float, x2: float, within: float) -> str | None:
    """Remove the point nearest to (x1, x2) if it lies within ``within``; else say why not."""
    current = points()
    if not current:
        return "There are no points to remove."
    dist = [math.hypot(p[0] - x1, p[1] - x2) for p in current]
    best = min(range(len(current)), key=dist.__getitem__)
    if dist[best] > within:
        return f"No point within {within:.2g} of ({x1:.3g}, {x2:.3g}); click closer to the point to remove."
    replace(current[:best] + current[best + 1 :])
    return None


def _get(obj: Any, name: str) -> Any:
    """``obj[name]`` or ``obj.name`` (Streamlit's event objects allow both), None when missing."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)
