"""The user's own training points in the session: add, replace, undo, clear (Streamlit state helpers).

The points live in ``st.session_state`` as a tuple of ``(x1, x2, y)`` float tuples (see
``datasets.points``); every change pushes the previous tuple on an undo stack and bumps a version
number, which the Data page puts in the keys of its chart and table so that they start afresh. The
sidebar's data set "custom" (``explorer.cache.CUSTOM``) makes every page train on these points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from datasets import DataError, load_csv
from datasets.points import Point, as_points, points_from_dataset
from explorer.cache import CUSTOM

# The Data page reads files and table edits through these (datasets' own checks and messages).
__all__ = [
    "CUSTOM",
    "DataError",
    "as_points",
    "load_csv",
    "points_from_dataset",
    "CUSTOM_LABEL",
    "LAST_GENERATED",
    "MAX_OWN_POINTS",
    "PENDING_CLICK",
    "add_point",
    "can_undo",
    "clear",
    "click_from_event",
    "format_data_name",
    "points",
    "remove_nearest",
    "replace",
    "undo",
    "version",
]

CUSTOM_LABEL = "your data (Data page)"
_POINTS = "_own_points"
_UNDO = "_own_undo"
_VERSION = "_own_version"
LAST_GENERATED = "_own_last_generated"  # the DataKey of the last generated data set the sidebar gave
PENDING_CLICK = "_own_pending_click"  # (x1, x2) of a click not yet applied (set by the Data page, tests)
UNDO_DEPTH = 50
MAX_OWN_POINTS = 400  # the largest n the sidebar offers for generated sets: the pages stay quick


def format_data_name(name: str) -> str:
    """How the sidebar shows a data set's name (the user's own points get a telling label)."""
    return CUSTOM_LABEL if name == CUSTOM else name


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
