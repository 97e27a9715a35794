"""Playground: the same two-layer ReLU network trained by the convex program and by gradient descent.

Layout and widget wiring only: results come from ``explorer.cache`` (cached engine calls), pictures
from ``engine.figures``, the settings from the shared sidebar (``explorer.sidebar``), whose every
setting is bound to a URL query parameter, so a view can be shared by its address.
"""

from __future__ import annotations

import streamlit as st

from engine.figures import playground as figures
from explorer import widgets as w
from explorer.budget import within
from explorer.cache import get_dataset, run_convex, run_sgd
from explorer.exports import data_exports, figure_exports, network_exports, table_exports
from explorer.formulas import formulas
from explorer.settings import PAGE_EXACT_MAX_N
from explorer.sidebar import settings

CAPTION_BOUNDARY = (
    "f(x) over the plane: blue where f > 0 (predicts +1), red where f < 0 (predicts −1); the black line is "
    "the decision boundary f = 0. Circles: label +1, crosses: label −1, ringed: misclassified. "
    "Hover a point for f(x) and its margin y·f(x)."
)
CAPTION_BOUNDARY_REGRESSION = (
    "f(x) over the plane; the points are coloured by their target on the same scale, so a point that "
    "blends into the background is fitted well. Hover a point for its residual."
)
CAPTION_REGIONS = (
    "Each neuron j is on where wⱼ·(x, 1) ≥ 0; its line (numbered j) cuts the plane, and on each region "
    "f is linear. Colour = the set of active neurons (hover a region or point for the set and the on/off "
    "pattern). Neurons with negligible |αⱼ|·‖wⱼ‖ are left out."
)
CAPTION_OBJECTIVE = (
    "Top: the objective J = mean loss + β/2·(‖W‖² + ‖α‖²) of the gradient-trained network at each logged "
    "step (log scale); dashed: the convex program's value. Bottom: the gap J − that value, also on a log "
    "scale. A gap at or below zero cannot sit on a log axis: such steps are red triangles at the floor, "
    "with the true value on hover (below a certified optimum this is round-off; below an uncertified "
    "convex value it means SGD beat the sampled program)."
)


def main() -> None:
    """The Playground page."""
    s = settings()
    st.title("Playground")
    w.explain(
        "One two-layer ReLU network f(x) = Σⱼ αⱼ·relu(wⱼ·(x, 1)), one objective J, trained two ways: by the "
        "convex reformulation (Pilanci & Ergen), whose dual bound certifies the global optimum, and by a "
        "gradient method from a random start."
    )
    formulas("playground")
    w.explain(
        f"ℹ️ The exact convex program (certified column generation) is used up to n ≤ {PAGE_EXACT_MAX_N}. "
        "Above that the convex side uses sampled patterns: its value is then only an upper bound on the "
        "global optimum, unless the dual certificate holds."
    )
    verdict_box = st.empty()

    key = s.data
    with st.spinner("Drawing the data set…"):
        data = get_dataset(key)
    if not data.ok:
        st.error(f"Data set: {data.error}")
        return
    ds = data.value
    if ds.notes:
        st.caption(f"Data: {ds.notes}")

    if not within("playground", s):  # the work budget (explorer.budget)
        return
    mode_text = "exact patterns" if s.patterns == "exact" else f"{s.patterns} sampled pattern draws"
    with st.spinner(f"Solving the convex program ({mode_text}, n = {key.n})…"):
        convex = run_convex(key, loss=s.loss, beta=s.beta, patterns=s.patterns, pattern_seed=s.pattern_seed)
    opt_name = s.sgd.optimizer
    with st.spinner(f"Training with {opt_name}…"):
        sgd = run_sgd(key, loss=s.loss, beta=s.beta, sgd=s.sgd)

    cres = convex.value if convex.ok else None
    run = sgd.value if sgd.ok else None
    tres = run.result if run is not None else None
    scert = run.certificate if run is not None else None

    level, text = figures.verdict(cres, tres, scert)
    getattr(verdict_box, level)(text)

    bounds = figures.plot_bounds(ds.X)
    boundary_caption = CAPTION_BOUNDARY_REGRESSION if s.task == "regression" else CAPTION_BOUNDARY
    # One row of columns per kind of figure, so the two sides stay aligned whatever notes they show.
    # (text, is a warning): a solver's report on a clean run (e.g. column generation's rounds) is a caption
    cvx_notes = []
    if cres is not None and cres.message:
        cvx_notes.append((f"Convex solver: {cres.message}", cres.status != "optimal"))
    sgd_notes = []
    if tres is not None and tres.diverged:
        sgd_notes.append((f"Training diverged: {tres.message}", True))
    elif run is not None and run.certificate_error:
        sgd_notes.append((f"Could not certify the SGD network: {run.certificate_error}", True))
    certified = "certified" if cres is not None and cres.certified else "not certified"
    convex_header = "Convex global optimum"
    if cres is not None and not cres.certified:
        convex_header = f"Convex program ({cres.pattern_mode} patterns, not certified)"
    sides = [
        (
            convex_header,
            "Convex",
            f"decision function ({certified})",
            cres,
            convex.error,
            cvx_notes,
        ),
        (f"SGD ({opt_name})", f"SGD ({opt_name})", "decision function", tres, sgd.error, sgd_notes),
    ]
    heads = st.columns(2, gap="medium")
    boundary_row = st.columns(2, gap="medium")
    for (header, short, what, result, error, notes), head, col in zip(
        sides, heads, boundary_row, strict=True
    ):
        with head:
            st.subheader(header)
            if result is None:
                st.error(f"{short}: {error}")
            for note, is_warning in notes:
                if is_warning:
                    st.warning(note)
                else:
                    st.caption(note)
        if result is not None:
            with col:
                fig = figures.decision_boundary_figure(
                    result.network, ds.X, ds.y, title=f"{short}: {what}", task=s.task, bounds=bounds
                )
                st.plotly_chart(fig, key=f"{short}_boundary")
                figure_exports(fig, f"{short} boundary")
    w.explain(boundary_caption)
    regions_row = st.columns(2, gap="medium")
    for (_, short, _, result, _, _), col in zip(sides, regions_row, strict=True):
        if result is not None:
            with col:
                fig = figures.activation_regions_figure(
                    result.network, ds.X, y=ds.y, title=f"{short}: activation regions", bounds=bounds
                )
                st.plotly_chart(fig, key=f"{short}_regions")
                figure_exports(fig, f"{short} regions")
    w.explain(CAPTION_REGIONS)

    st.subheader("Objective during training")
    if tres is None:
        st.info("No training history to show.")
    else:
        optimum = cres.objective if cres is not None else None
        detail = ""
        if cres is not None:
            detail = f"{cres.pattern_mode} patterns, P = {cres.patterns}"
        fig = figures.objective_figure(
            tres.history,
            optimum=optimum,
            optimum_label=detail,
            certified=bool(cres is not None and cres.certified),
            lower_bound=cres.lower_bound if cres is not None else None,
            title=f"{opt_name}: objective J vs step",
        )
        st.plotly_chart(fig, key="objective")
        figure_exports(fig, "objective")
        w.explain(CAPTION_OBJECTIVE)

    st.subheader("Numbers")
    table = figures.numbers_table(
        cres,
        tres,
        X=ds.X,
        y=ds.y,
        X_test=ds.X_test,
        y_test=ds.y_test,
        sgd_certificate=scert,
        task=s.task,
        sgd_label=f"SGD ({opt_name})",
    )
    st.table(table)
    trained = {
        label: (result.network, result.objective)
        for label, result in (("convex", cres), (f"SGD ({opt_name})", tres))
        if result is not None
    }
    row = st.container(horizontal=True)
    table_exports(table, "numbers", where=row)
    if trained:
        network_exports(trained, settings=s.as_record(), where=row)
    data_exports(ds, f"data-{key.name}", where=row)
    w.explain(
        "Dual lower bound: a value no network of any width can beat (Fenchel dual, exact pricing in 2-D); "
        "certified = J within a relative 1e-6 of it. Each column's bound comes from its own network's dual "
        "point. Accuracies on the training set and on a fresh test set from the same generator."
    )


main()
