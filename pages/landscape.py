"""Landscape: where gradient training ends on the non-convex objective, against the certified optimum.

Layout and widget wiring only: runs and the Hessian measures come from ``explorer.cache_studies``
(``engine.studies.landscape``), the optimum from ``explorer.cache.get_certified_optimum``, figures from
``engine.figures.landscape`` and ``engine.figures``. Data set, loss, beta and the gradient settings are
the shared sidebar's; each section adds its own controls and a preset button. One section is computed
at a time.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.figures import landscape as fland
from engine.figures.playground import decision_boundary_figure, plot_bounds
from explorer import widgets as w
from explorer.budget import within
from explorer.cache import get_certified_optimum, get_dataset
from explorer.cache_studies import (
    RECOVERY_ANGLE_DEG,
    get_flatness,
    get_multistart,
    get_teacher_student,
    get_width_sweep,
    sweep_widths,
)
from explorer.live_chart import click_event
from explorer.sections import preset_button, section_picker
from explorer.settings import Settings
from explorer.sidebar import settings

NEAR_OPTIMUM = 0.01  # a run "reaches" J* when (J - J*) / J* is below this

EXPLAIN_SPURIOUS = (
    "Gradient training of J from different random starts ends at different points; the convex program "
    "gives the certified global optimum J*, so every end point above it is measurably suboptimal. "
    "*Analytic study of families of spurious minima in two-layer ReLU networks* shows such spurious "
    "minima exist in families and look, by their Hessian, like the global one."
)
EXPLAIN_WIDTH = (
    "The convex program's optimum uses m* neurons, and with all activation patterns every width m ≥ m* "
    "has the same global minimum J* (*Pilanci & Ergen, Neural Networks are Convex Regularizers*). "
    "Below m* even the best run must stay above J*; above it, the gap left is the optimizer's, not the "
    "model's."
)
EXPLAIN_TEACHER = (
    "Data labelled by a random teacher network; students of the sidebar's width are trained by gradient "
    "descent from many seeds, and each teacher neuron is matched to the closest student neuron by "
    "direction. *Akiyama & Suzuki* (teacher-student learnability) show gradient-trained students recover "
    "the teacher's neurons; the spurious-minima study shows when they do not."
)

CAPTION_MULTISTART = (
    "Every random start's final objective, as its gap J − J* to the certified optimum (log scale), sorted. "
    "Flat steps are runs that ended at the same point; a long upper tail is spurious end points. Hover a "
    "point for its seed; click it, or pick a run below the chart, to see its decision boundary."
)
CAPTION_FLATNESS = (
    "Sharpness of J at the two end points: the largest Hessian eigenvalue (Lanczos on exact Hessian-vector "
    "products) and the Hessian trace (Hutchinson). A spurious end point is a (near-)stationary point whose "
    "curvature is often of the same size as the optimum's: by its Hessian alone it is hard to tell apart."
)
CAPTION_WIDTH = (
    "Best and median final gap J − J* over the seeds at each width (log-log); the dotted line is m*, the "
    "number of neurons of the convex optimum."
)
CAPTION_TEACHER = (
    "Left: the teacher's function f(x) (the regression target) with the training points. Right: each "
    "student run's final gap to J* against its worst teacher-neuron angle (the largest, over teacher "
    "neurons, of the angle to the closest student neuron with the same output sign; lifted weight vectors "
    f"(w, b), so the bias counts). Below {RECOVERY_ANGLE_DEG:g}° every teacher neuron is recovered."
)


def _preset(col, section: str) -> None:
    preset_button(col, "landscape", section, key=f"ls_preset_{section}")


# Where a click on the multi-start chart waits for the page (a rank, 1 = the best run), set by the chart's
# callback before the rerun it starts.
CLICKED_RANK = "_ls_clicked_rank"


def clicked_rank(state: object) -> int | None:
    """The rank (the x axis: 1 = the best run) nearest a click on the multi-start chart, from its session
    state: a live chart's click anywhere in the plot, or ``st.plotly_chart``'s point selection."""
    try:
        points = click_event(state)["selection"]["points"]  # type: ignore[index]
        x = float(points[0]["x"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return int(round(x)) if np.isfinite(x) else None


def _remember_click() -> None:
    """The chart's click callback: keep the clicked rank for the page (which knows the runs' order)."""
    st.session_state[CLICKED_RANK] = clicked_rank(st.session_state.get("ls_multistart"))


def _optimum(s: Settings) -> tuple[float | None, object]:
    """The certified optimum's J and network (or a warning and None)."""
    out = get_certified_optimum(s.data, loss=s.loss, beta=s.beta)
    if not out.ok:
        st.warning(f"No certified optimum: {out.error}. The charts show the objective J itself.")
        return None, None
    return out.value.objective, out.value


def _spurious(s: Settings) -> None:
    key = s.data
    c1, c2 = st.columns([5, 1], vertical_alignment="bottom")
    runs = w.control(c1, "ls_runs")
    _preset(c2, "spurious")
    J_star, optimum = _optimum(s)
    opt = s.sgd.optimizer
    if not within("spurious", s, runs=int(runs)):
        return
    with st.spinner(f"Training {runs} networks by {opt} (width {s.sgd.width})…"):
        out = get_multistart(key, loss=s.loss, beta=s.beta, runs=int(runs), sgd=s.sgd)
    if not out.ok:
        st.error(f"Multi-start training: {out.error}")
        return
    ms = out.value
    finite = np.isfinite(ms.objectives)
    order = [int(i) for i in np.argsort(np.where(finite, ms.objectives, np.inf)) if finite[i]]
    if not order:
        st.error("Every run diverged: lower the learning rate in the sidebar.")
        return
    rank = st.session_state.pop(CLICKED_RANK, None)
    if rank is not None and 1 <= rank <= len(order):  # a click picks the run nearest it on the x axis
        st.session_state["ls_pick"] = order[rank - 1]
    if st.session_state.get("ls_pick") not in order:  # first visit, or fewer runs than before
        st.session_state["ls_pick"] = order[0]
    fig = fland.multistart_figure(
        ms,
        J_star,
        selected=st.session_state["ls_pick"],
        title=f"Final objective of {runs} random starts ({opt}, {s.loss} loss)",
    )
    w.chart(fig, key="ls_multistart", on_click=_remember_click)
    w.explain(CAPTION_MULTISTART)
    if J_star is not None:
        rel = (ms.objectives[finite] - J_star) / max(abs(J_star), 1e-12)
        m1, m2, m3 = st.columns(3)
        m1.metric("Runs within 1% of J*", f"{float(np.mean(rel <= NEAR_OPTIMUM)):.0%}")
        m2.metric("Best run: (J − J*) / J*", f"{float(np.min(rel)):.2%}")
        m3.metric("Worst run: (J − J*) / J*", f"{float(np.max(rel)):.2%}")
    run = st.selectbox(
        "Show the decision boundary of run",
        order,
        key="ls_pick",
        format_func=lambda i: f"#{order.index(i) + 1} (seed {ms.seeds[i]}): J = {ms.objectives[i]:.5g}",
        help="Runs sorted by final objective; #1 is the best.",
    )
    ds = get_dataset(key).value
    bounds = plot_bounds(ds.X)
    left, right = st.columns(2)
    w.chart(
        decision_boundary_figure(
            ms.networks[run],
            ds.X,
            ds.y,
            task=s.task,
            bounds=bounds,
            # two lines: a half-width column holds about 35 characters of a large-text title
            title=(
                f"Run #{order.index(run) + 1} (seed {ms.seeds[run]})"
                f"<br><sup>J = {ms.objectives[run]:.5g}</sup>"
            ),
        ),
        where=left,
        key="ls_run_boundary",
    )
    if optimum is not None:
        w.chart(
            decision_boundary_figure(
                optimum.network,
                ds.X,
                ds.y,
                task=s.task,
                bounds=bounds,
                title=(
                    f"Certified optimum<br><sup>J* = {J_star:.5g} ({optimum.network.active_neurons()} "
                    "neurons)</sup>"
                ),
            ),
            where=right,
            key="ls_opt_boundary",
        )
        run_flat = get_flatness(key, loss=s.loss, beta=s.beta, network=ms.networks[run])
        opt_flat = get_flatness(key, loss=s.loss, beta=s.beta, network=optimum.network)
        if run_flat.ok and opt_flat.ok:
            f1, f2 = st.columns(2)
            f1.metric(
                "λ_max(H): this run / the optimum", f"{run_flat.value[0]:.4g} / {opt_flat.value[0]:.4g}"
            )
            f2.metric("tr(H): this run / the optimum", f"{run_flat.value[1]:.4g} / {opt_flat.value[1]:.4g}")
            w.explain(CAPTION_FLATNESS)
        else:
            st.error(f"Hessian measures: {run_flat.error or opt_flat.error}")


def _width(s: Settings) -> None:
    c1, c2 = st.columns([5, 1], vertical_alignment="bottom")
    runs = w.control(c1, "ls_width_runs")
    _preset(c2, "width")
    J_star, optimum = _optimum(s)
    m_star = optimum.network.active_neurons() if optimum is not None else None
    widths = tuple(sweep_widths(m_star or s.sgd.width))
    if not within("width", s, runs=int(runs), widths=widths):
        return
    with st.spinner(f"Training {len(widths)} widths × {runs} seeds…"):
        out = get_width_sweep(s.data, loss=s.loss, beta=s.beta, widths=widths, runs=int(runs), sgd=s.sgd)
    if not out.ok:
        st.error(f"Width sweep: {out.error}")
        return
    title = f"Best objective against width ({s.sgd.optimizer}, {s.sgd.epochs} epochs)"
    w.chart(fland.width_sweep_figure(out.value, J_star, m_star, title=title), key="ls_width")
    w.explain(CAPTION_WIDTH + f" Widths tried: {', '.join(map(str, widths))}.")


def _teacher(s: Settings) -> None:
    c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 1.4], vertical_alignment="bottom")
    k = w.control(c1, "ls_t_width")
    n = w.control(c2, "ls_t_n")
    noise = w.control(c3, "ls_t_noise")
    runs = w.control(c4, "ls_t_runs")
    _preset(c5, "teacher")
    seed = int(s.data.seed)
    if not within("teacher", s, n=int(n), runs=int(runs)):
        return
    with st.spinner(f"Training {runs} students and solving the convex program…"):
        out = get_teacher_student(
            teacher_width=int(k),
            n=int(n),
            noise=float(noise),
            seed=seed,
            runs=int(runs),
            beta=s.beta,
            sgd=s.sgd,
        )
    if not out.ok:
        st.error(f"Teacher-student: {out.error}")
        return
    view = out.value
    J_star = view.optimum.objective if view.optimum is not None else None
    if view.optimum is None:
        st.warning(f"No certified optimum: {view.optimum_error}.")
    st.caption(
        f"Teacher: {k} unit-norm neurons with output weights ±1 (seed = the sidebar's data seed {seed}); "
        f"x ~ N(0, I₂); targets y = f_teacher(x) + noise; squared loss, β = {s.beta:g}; students of width "
        f"{s.sgd.width} by {s.sgd.optimizer}."
    )
    left, right = st.columns(2)  # halves: at 1024 px a 2/5 column left the teacher's plane ~100 px
    w.chart(
        decision_boundary_figure(
            view.result.teacher, view.X, view.y, task="regression", title=f"Teacher f(x), {k} neurons"
        ),
        where=left,
        key="ls_teacher",
    )
    w.chart(
        fland.teacher_student_figure(
            view.result, J_star, view.optimum_angle, title="Do students find the teacher?"
        ),
        where=right,
        key="ls_students",
    )
    w.explain(CAPTION_TEACHER)
    m1, m2 = st.columns(2)
    m1.metric("Runs recovering every teacher neuron", f"{view.result.recovery_rate:.0%}")
    if view.optimum_angle is not None:
        m2.metric("Convex optimum: worst teacher-neuron angle", f"{view.optimum_angle:.1f}°")


def main() -> None:
    """The Landscape page."""
    s = settings()
    st.title("Landscape")
    w.explain(
        "Where gradient training of the non-convex objective J ends, measured against the certified global "
        "optimum J* of the convex program. Data set, loss, β and the training settings are the sidebar's."
    )
    section = section_picker("ls_section")
    w.explain_block(
        {"spurious": EXPLAIN_SPURIOUS, "width": EXPLAIN_WIDTH, "teacher": EXPLAIN_TEACHER}[section]
    )
    {"spurious": _spurious, "width": _width, "teacher": _teacher}[section](s)


main()
