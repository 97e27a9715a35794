"""Playground: the same two-layer ReLU network trained by the convex program and by gradient descent.

Layout and widget wiring only: results come from ``explorer.cache`` (cached engine calls), pictures
from ``engine.figures``, the settings from the shared sidebar (``explorer.sidebar``), whose every
setting is bound to a URL query parameter, so a view can be shared by its address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from engine.figures import playground as figures
from explorer import progressive
from explorer import widgets as w
from explorer.budget import within
from explorer.cache import Outcome, get_dataset, run_convex, run_sgd_more
from explorer.cache_figures import (
    get_convex_panel_figure,
    get_objective_figure,
    get_playback_figure,
    get_regions_figure,
)
from explorer.exports import data_exports, figure_exports, network_exports, table_exports
from explorer.formulas import formulas
from explorer.settings import PAGE_EXACT_MAX_N, Settings
from explorer.sidebar import settings
from explorer.url import plain

CAPTION_REGIONS = (
    "Each neuron j is on where wⱼ·(x, 1) ≥ 0; its line (numbered j) cuts the plane, and on each region "
    "f is linear. Colour = the set of active neurons (hover a region or point for the set and the on/off "
    "pattern). Neurons with negligible |αⱼ|·‖wⱼ‖ (below 1 % of the largest) are left out; only the "
    f"{figures.REGION_LABELS} heaviest lines carry their number, every line names its neuron on hover."
)
CAPTION_OBJECTIVE = (
    "Top: the objective J = mean loss + β/2·(‖W‖² + ‖α‖²) of the gradient-trained network at each logged "
    "step (log scale); dashed: the convex program's value. Bottom: the gap J − that value, also on a log "
    "scale. A gap at or below zero cannot sit on a log axis: such steps are red triangles at the floor, "
    "with the true value on hover (below a certified optimum this is round-off; below an uncertified "
    "convex value it means SGD beat the sampled program)."
)


CAPTION_PANELS = (
    "Left: the convex program's network; right: the gradient run, played back in your browser (▶ play, "
    "❚❚ pause, step ▸, ◂◂ reset, or drag the scrubber; nothing is recomputed). Colour: f(x), blue where "
    "f > 0 (predicts +1), red where f < 0; black line: the decision boundary f = 0; circles: label +1, "
    "crosses: label −1, ringed: misclassified. Dashed green: the optimum's neurons wⱼ·(x, 1) = 0; solid "
    "grey: SGD's neurons (those with |αⱼ|·‖wⱼ‖ at least 5 % of the largest). Under the SGD panel: the "
    "frame's step, J, the gap to the convex value J*, accuracies, neurons, and how many SGD neurons lie "
    "within 10° of a same-sign optimum neuron (of how many optimum neurons reached); at the bottom J over "
    "the run."
)
_MORE = "_sgd_more"  # (the settings a continued run belongs to, rounds of continued training)


def _rounds(signature: tuple) -> int:
    """Rounds of "continue training" asked for these settings in this session (0 after any change)."""
    held = st.session_state.get(_MORE)
    return held[1] if held is not None and held[0] == signature else 0


def _more(signature: tuple) -> None:
    st.session_state[_MORE] = (signature, _rounds(signature) + 1)


def _reset_more() -> None:
    st.session_state.pop(_MORE, None)


def main() -> None:
    """The Playground page."""
    s = settings()
    st.title("Playground")
    verdict_box = st.empty()

    key = s.data
    with st.spinner("Drawing the data set…"):
        data = get_dataset(key)
    if not data.ok:
        st.error(f"Data set: {data.error}")
        return
    ds = data.value

    if not within("playground", s):  # the work budget (explorer.budget)
        return
    opt_name = s.sgd.optimizer
    signature = (key, s.loss, s.beta, s.sgd)
    rounds = _rounds(signature)
    trained: list[Outcome] = []  # the gradient run, trained on first need (after the first convex panel)

    def train() -> Outcome:
        if not trained:
            with slots.slot("solving"), st.spinner(f"Training with {opt_name}…"):
                trained.append(run_sgd_more(key, loss=s.loss, beta=s.beta, sgd=s.sgd, rounds=rounds))
        return trained[0]

    # Progressive (explorer.progressive): when the convex result is not cached, a first answer from the
    # sampled program on FAST_DRAWS draws, labelled approximate, then the settings' own program over it.
    convex_args = dict(loss=s.loss, beta=s.beta, patterns=s.patterns, pattern_seed=s.pattern_seed)
    fast_args = convex_args | {"patterns": progressive.FAST_DRAWS}
    quick = isinstance(s.patterns, int) and s.patterns <= progressive.FAST_DRAWS
    slots = progressive.Slots()
    with slots.slot("solving"):  # the solve's spinner, under the verdict
        pass
    for stage in progressive.stages(quick or progressive.ready(run_convex, key, **convex_args)):
        if stage.final:
            mode_text = "exact patterns" if s.patterns == "exact" else f"{s.patterns} sampled pattern draws"
            with slots.slot("solving"), st.spinner(f"Solving the convex program ({mode_text}, n = {key.n})…"):
                convex = run_convex(key, **convex_args)
        else:
            convex = run_convex(key, **fast_args)
        _answer(stage, slots, s, ds, convex, train, rounds, signature, verdict_box)


def _answer(  # noqa: PLR0912, PLR0915
    stage: progressive.Stage,
    slots: progressive.Slots,
    s: Settings,
    ds: Any,
    convex: Outcome,
    train: Callable[[], Outcome],
    rounds: int,
    signature: tuple,
    verdict_box: Any,
) -> None:
    """Draw one answer (explorer.progressive.Stage) of the page into its places: the first answer from
    the fast sampled program (labelled approximate, no J*), the final one from the settings' program.
    ``train()`` gives the gradient run (trained once, on first call: in a first answer after the convex
    panel is drawn, so that it reaches the browser without waiting for the training)."""
    key, opt_name = s.data, s.sgd.optimizer
    cres = convex.value if convex.ok else None

    if stage.final:
        trained = train()
        run = trained.value if trained.ok else None
        level, text = figures.verdict(cres, run.result if run else None, run.certificate if run else None)
        getattr(verdict_box, level)(text)
    else:
        fast_j = f" (J = {cres.objective:.4g}, an upper bound on the optimum J*)" if cres is not None else ""
        verdict_box.info(
            f"{progressive.APPROXIMATE.capitalize()} The convex side shows the sampled program on "
            f"{progressive.FAST_DRAWS} pattern draws{fast_j}; the "
            f"{'certified optimum' if s.patterns == 'exact' else 'program of your settings'} replaces it "
            "in a moment. No gap to J* is computed from it."
        )

    # the figures are cached (explorer.cache_figures): a rerun that recomputes nothing rebuilds none
    convex_args = dict(loss=s.loss, beta=s.beta, patterns=s.patterns, pattern_seed=s.pattern_seed)
    sgd_args = dict(loss=s.loss, beta=s.beta, sgd=s.sgd, rounds=rounds)
    certified = "certified" if cres is not None and cres.certified else "not certified"
    convex_title = "Convex global optimum" if cres is not None and cres.certified else "Convex program"
    left, right = slots.layout("panels", lambda: st.columns(2, gap="small"))
    panel = None
    with slots.slot("convex_panel", where=left):
        if cres is None:
            if stage.final:
                st.error(f"Convex: {convex.error}")
        elif stage.final:
            panel = get_convex_panel_figure(
                key, **convex_args, task=s.task, title=f"{convex_title} ({certified})"
            )
            w.chart(panel, key="Convex_boundary", sized=True)
        else:
            fast = figures.decision_panel_figure(
                cres.network,
                ds.X,
                ds.y,
                title=stage.title(f"Convex, {progressive.FAST_DRAWS} draws"),
                task=s.task,
                bounds=figures.plot_bounds(ds.X),
                neuron_label="sampled program's neurons",
            )
            w.chart(fast, key=stage.key("Convex_boundary"))
    sgd = train()
    run = sgd.value if sgd.ok else None
    tres = run.result if run is not None else None
    scert = run.certificate if run is not None else None
    with slots.slot("sgd_panel", where=right):
        if tres is None:
            st.error(f"SGD ({opt_name}): {sgd.error}")
        elif stage.final:
            ghost = bool(st.session_state.get("ghost", True))
            fig = get_playback_figure(
                key,
                **convex_args,
                sgd=s.sgd,
                rounds=rounds,
                ghost=ghost,
                task=s.task,
                title=f"SGD ({opt_name}), played back",
            )
            if fig is not None:
                w.chart(fig, key="SGD_playback", sized=True)
        else:
            fig = progressive.first_playback_figure(
                key, **sgd_args, task=s.task, title=f"SGD ({opt_name}), played back"
            )
            if fig is not None:
                w.chart(fig, key=stage.key("SGD_playback"), sized=True)
    # Under the panels: the notes, the playback's own controls and the explanations.
    left, right = slots.layout("notes", lambda: st.columns(2, gap="small"))
    with slots.slot("convex_notes", where=left):
        # two elements in each answer (explorer.progressive.Slots): the note, then the export button
        if not stage.final:
            st.caption(f"Convex: {progressive.APPROXIMATE}")
            st.empty()  # no export of the first answer (nor the previous run's button meanwhile)
        elif cres is None:
            st.empty()
            st.empty()
        else:
            if cres.message:
                # a fallback or an answer short of the optimum is a warning; engine text is literal text
                warn = cres.outcome == "uncertified" or bool(cres.fallback)
                (st.warning if warn else st.caption)(f"Convex solver: {plain(cres.message)}")
            else:
                st.empty()
            figure_exports(panel, "Convex boundary")  # the panel as shown (cached, nothing rebuilt)
    if stage.first:  # the gradient side's notes and controls: the same in both answers, drawn once
        with right:
            if tres is not None and tres.diverged:
                st.warning(f"Training diverged: {plain(tres.message)}")
            elif run is not None and run.certificate_error:
                st.warning(f"Could not certify the SGD network: {plain(run.certificate_error)}")
            row = st.container(horizontal=True)
            w.control(row, "ghost")
            if tres is not None and not tres.diverged:
                row.button(
                    f"Continue training (+{s.sgd.epochs} epochs)",
                    on_click=_more,
                    args=(signature,),
                    help="Train on from the last weights (the optimizer's momentum or Adam state starts "
                    "afresh).",
                )
            if rounds:
                row.button("Back to the first run", on_click=_reset_more)
                st.caption(
                    f"Continued {rounds} time(s): {tres.history.step[-1] if tres else 0} steps in all."
                )
        w.explain(CAPTION_PANELS)
        w.explain(
            "One two-layer ReLU network f(x) = Σⱼ αⱼ·relu(wⱼ·(x, 1)), one objective J, trained two ways: by "
            "the convex reformulation (Pilanci & Ergen), whose dual bound certifies the global optimum, and "
            "by a gradient method from a random start."
        )
        formulas("playground")
        w.explain(
            "ℹ️ The exact convex program (certified column generation) is solved for every "
            f"n ≤ {PAGE_EXACT_MAX_N}. With sampled patterns (sidebar) the convex side solves a smaller "
            "program: its value is then only an upper bound on the global optimum, unless the dual "
            "certificate holds. While a new program is solved, a fast first answer (the sampled program on "
            f"{progressive.FAST_DRAWS} draws, marked approximate) stands in for it."
        )
        if ds.notes:
            st.caption(f"Data: {ds.notes}")
        st.subheader("Activation regions")

    convex_col, sgd_col = slots.layout("regions", lambda: st.columns(2, gap="medium"))
    with slots.slot("convex_regions", where=convex_col):
        if cres is None:
            st.empty()  # in place of the first answer's chart
        else:
            if stage.final:
                fig = get_regions_figure(
                    key, side="convex", **convex_args, title="Convex: activation regions"
                )
                w.chart(fig, key="Convex_regions", sized=True)
                figure_exports(fig, "Convex regions")
            else:
                fig = figures.activation_regions_figure(
                    cres.network,
                    ds.X,
                    y=ds.y,
                    title=stage.title("Convex regions"),
                    bounds=figures.plot_bounds(ds.X),
                )
                w.chart(fig, key=stage.key("Convex_regions"))
    if stage.first and tres is not None:
        with sgd_col:
            short = f"SGD ({opt_name})"
            fig = get_regions_figure(key, side="sgd", **sgd_args, title=f"{short}: activation regions")
            # a key of its own, not of the optimizer's name: the same chart (one Plotly.react) across a change
            w.chart(fig, key="SGD_regions", sized=True)
            figure_exports(fig, f"{short} regions")
    if stage.first:
        w.explain(CAPTION_REGIONS)
        st.subheader("Objective during training")

    with slots.slot("objective"):
        if tres is None:
            st.info("No training history to show.")
        else:
            title = f"{opt_name}: objective J vs step"
            if stage.final:
                fig = get_objective_figure(key, **convex_args, sgd=s.sgd, rounds=rounds, title=title)
                w.chart(fig, key="objective", sized=True)
                figure_exports(fig, "objective")
            else:
                fig = progressive.first_objective_figure(key, **sgd_args, title=stage.title(title))
                w.chart(fig, key=stage.key("objective"), sized=True)
            w.explain(CAPTION_OBJECTIVE)

    if stage.first:
        st.subheader("Numbers")
    with slots.slot("numbers"):
        table = figures.numbers_table(
            cres if stage.final else None,
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
        if not stage.final:
            st.caption(f"Convex column: {progressive.APPROXIMATE}")
            return
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
            "Dual lower bound: a value no network of any width can beat (Fenchel dual, exact pricing in "
            "2-D); certified = J within a relative 1e-6 of it. Each column's bound comes from its own "
            "network's dual point. Accuracies on the training set and on a fresh test set from the same "
            "generator."
        )


main()
