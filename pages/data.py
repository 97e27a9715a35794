"""Data: make your own training set by clicking on the plane, editing a table or uploading a CSV file.

Layout and widget wiring only: the points live in the session (``explorer.own_data``, which also reads
uploads and table edits), the data set is built and validated by ``explorer.cache.get_dataset``, the
figure comes from ``engine.figures.data``. Choosing "your data" in the sidebar makes every page train on
these points.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from engine.figures.data import click_box, grid_step, points_figure, snap_to_grid
from explorer import own_data as own
from explorer import widgets as w
from explorer.cache import get_dataset
from explorer.exports import data_exports, figure_exports
from explorer.live_chart import click_event
from explorer.settings import CUSTOM
from explorer.sidebar import settings

_UPLOAD_NOTE = "_own_upload_note"  # (file id, level, message) of the last upload
_TARGET_KEY, _TARGET_DEFAULT = "_own_target", 0.5  # the target y of a clicked point (regression)


def _use_custom() -> None:
    st.session_state["data"] = CUSTOM


def _on_upload() -> None:
    """Load the uploaded CSV; on any problem keep the points and remember the message to show."""
    upload = st.session_state.get("_own_upload")
    if upload is None:
        st.session_state.pop(_UPLOAD_NOTE, None)
        return
    file_id = getattr(upload, "file_id", upload.name)
    st.session_state[_UPLOAD_NOTE] = (file_id, *own.load_upload(upload))


def _remember_click(plot_key: str) -> None:
    """The plane's selection callback: keep the click for the run it starts (applied before drawing)."""
    click = own.click_from_event(click_event(st.session_state.get(plot_key)))
    if click is not None:
        st.session_state[own.PENDING_CLICK] = click


def _apply_pending_click() -> str | None:
    """Apply a click waiting in the session (from :func:`_remember_click`, or a test) to the points,
    before anything is drawn, so that one script run shows it; the problem to show, if any.

    The click's action and target are the controls' current values; it lands on the grid of the
    plane as it was drawn (``grid_step`` of the points before the click)."""
    click = st.session_state.pop(own.PENDING_CLICK, None)
    if click is None:
        return None
    half = click_box([(p[0], p[1]) for p in own.points()])
    x1, x2 = snap_to_grid(*click, half)
    action = w.current("click")
    step = grid_step(half)
    if action == "remove":
        return own.remove_nearest(x1, x2, within=3 * step)
    target = float(st.session_state.get(_TARGET_KEY, _TARGET_DEFAULT))
    label = {"plus": 1.0, "minus": -1.0}.get(action, target)
    return own.add_point(x1, x2, label)


def _table(current: tuple) -> None:
    """The points as an editable table; a valid edit replaces the points, an invalid one is refused."""
    frame = pd.DataFrame(list(current), columns=["x1", "x2", "y"], dtype=float)
    column = st.column_config.NumberColumn
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        key=f"_own_editor_{own.version()}",
        width="stretch",
        height=320,
        column_config={
            "x1": column("x₁", format="%.4g", required=True),
            "x2": column("x₂", format="%.4g", required=True),
            "y": column("y (label ±1 or target)", format="%.4g", required=True),
        },
    )
    if edited.equals(frame):
        return
    cells = edited[["x1", "x2", "y"]].astype(object)
    rows = cells.where(cells.notna(), None).itertuples(index=False, name=None)  # NaN: an empty cell
    problem = own.replace_from_rows(rows)
    if problem:
        st.error(
            f"Table not applied: {problem} Your points stay as they were until every cell holds a number."
        )
        return
    st.rerun()


def main() -> None:
    """The Data page."""
    s = settings()
    st.title("Data")
    w.explain(
        "Make your own training set: click on the plane to add points, edit the table, or upload a CSV "
        "file (columns x1, x2, y). Then choose “your data” as the data set in the sidebar and every page "
        "trains on these points. Labels ±1 (or 0/1) make a classification set, other numbers a regression "
        "set."
    )
    click_problem = _apply_pending_click()
    current = own.points()
    data = get_dataset(own.data_key(current))
    in_use = s.data.name == CUSTOM
    if in_use:
        st.success(f"Every page trains on these {len(current)} points.", icon=":material/check_circle:")
    else:
        c1, c2 = st.columns([3, 1], vertical_alignment="center")
        c1.info(f"The pages use the generated data set “{s.data.name}”; your points below are kept.")
        c2.button(
            "Use my points",
            on_click=_use_custom,
            icon=":material/input:",
            type="primary",
            disabled=not data.ok,
        )
    if not current:
        st.info(
            "No points yet: click on the plane, upload a CSV file or start from a copy of a generated set.",
            icon=":material/touch_app:",
        )
    elif not data.ok:
        st.warning(f"Not usable yet: {data.error}")
    elif data.value is not None and data.value.notes:
        st.caption(f"Data: {data.value.notes}")

    left, right = st.columns([3, 2], gap="medium")
    with right:
        action = w.control(st, "click")
        if action == "target":
            st.number_input(
                "Target y of a clicked point",
                min_value=-1000.0,
                max_value=1000.0,
                value=_TARGET_DEFAULT,
                step=0.1,
                key=_TARGET_KEY,
                help="Targets other than ±1 (and 0/1) make a regression data set: the squared loss applies.",
            )
        b1, b2 = st.columns(2)
        b1.button(
            "Undo", on_click=own.undo, disabled=not own.can_undo(), icon=":material/undo:", width="stretch"
        )
        b2.button(
            "Clear", on_click=own.clear, disabled=not current, icon=":material/delete:", width="stretch"
        )
        generated = own.generated_key()
        st.button(
            f"Copy “{generated.name}” (n = {generated.n})",  # short: the column is ~260 px at 1024 px
            key="_own_generated",
            on_click=own.copy_generated,
            icon=":material/content_copy:",
            width="stretch",
            help="Replace your points by the training points of the generated data set last chosen in the "
            "sidebar (undoable).",
        )
        st.file_uploader(
            f"Upload a CSV file with the columns x1, x2, y (at most {own.MAX_OWN_POINTS} rows)",
            type=["csv", "txt"],
            key="_own_upload",
            on_change=_on_upload,
            max_upload_size=own.MAX_UPLOAD_MB,
        )
        note = st.session_state.get(_UPLOAD_NOTE)
        upload = st.session_state.get("_own_upload")
        if note is not None and upload is not None and getattr(upload, "file_id", upload.name) == note[0]:
            getattr(st, note[1])(note[2])
        if data.ok and data.value is not None:
            data_exports(data.value, "my-points", label="Download the points (CSV)")

    with left:
        X = [(p[0], p[1]) for p in current]
        y = [p[2] for p in current]
        task = data.value.task if data.ok and data.value is not None else "classification"
        title = f"Your training points ({len(current)})"
        fig = points_figure(X, y, task=task, title=title, click_grid=not w.live_charts_on())
        step = grid_step(click_box(X))
        plot_key = f"_own_plot_{own.version()}"
        w.chart(
            fig,
            key=plot_key,
            on_click=partial(_remember_click, plot_key),
            config={"displayModeBar": True},
        )
        if click_problem:
            st.warning(click_problem)
        w.explain(
            f"A click lands on the nearest point of a grid of step {step:g}. Circles: label +1, crosses: "
            "label −1. Drag to pan, scroll or use the toolbar to zoom."
        )
        figure_exports(fig, "my-points-figure")

    st.subheader("Table")
    _table(current)
    w.explain(
        "Edit a cell, add a row at the bottom, or select rows and delete them; invalid entries are refused."
    )


main()
