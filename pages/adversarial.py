"""Adversarial: standard convex, robust convex and PGD-trained networks under eps-ball perturbations.

Layout and widget wiring only: the networks, their robust objectives and the point statuses come from
``explorer.cache`` (keyed by an ``AdversarialSettings``), figures from ``engine.figures.adversarial``.
Training is keyed by the training radius ``train_eps`` (and the norm) only; the display radius ``eps``
lives in a fragment, so moving it redraws the balls and the tables without retraining.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine.figures import adversarial as fadv
from engine.figures.playground import plot_bounds
from explorer import progressive
from explorer import widgets as w
from explorer.budget import within
from explorer.cache import (
    PGD_NAME,
    AdversarialObjectives,
    adversarial_networks,
    get_accuracy_curves,
    get_adversarial_objectives,
    get_dataset,
    get_point_statuses,
    pgd_args,
    robust_args,
    run_pgd_sgd,
    run_robust,
)
from explorer.exports import figure_exports, network_exports, table_exports
from explorer.formulas import formulas
from explorer.settings import (
    CONTROLS,
    EPS_MAX,
    NORM_LABELS,
    POINT_LABELS,
    AdversarialSettings,
    DataKey,
    Settings,
)
from explorer.sidebar import settings

# Heatmap resolution of the three panels (redrawn on every ε move: 90 x 90 keeps the figures light).
PANEL_GRID = 90
N_RADII = 10
RADII = tuple(float(r) for r in np.round(np.linspace(0.0, EPS_MAX, N_RADII + 1), 4))

# The robust network's name in a first answer (explorer.progressive): short, so that its panel's title
# fits the ~230 px column at 1024 x 768; the caption above says what it is.
FIRST_ROBUST_NAME = "robust (approximate)"
CAPTION_BALLS = (
    "Each network's decision boundary (f = 0, black) with a ball of radius ε around every point, coloured "
    "by its status: green certified robust (exact 2-D certificate: y f > 0 on the whole ball), orange "
    "broken by a PGD attack, purple broken only by the exact search (PGD missed it), grey misclassified."
)
CAPTION_CURVES = (
    "Accuracy against the radius ε for the three networks: clean (dotted, does not depend on ε), under "
    "PGD (dashed: an upper bound on the true robust accuracy) and certified (solid: exact, a lower bound "
    "that here is tight). The dotted vertical line marks the current ε."
)
CAPTION_TABLE = (
    "Robust objective: the exact worst-case objective over the ε_train balls of each network. For the "
    "robust convex network it equals the robust program's value, which is an **upper bound** on the best "
    "robust objective over all networks (the program only searches networks whose activation patterns are "
    "constant on every ball). Nominal J: the unperturbed objective."
)


@st.fragment
def _view(
    nets: dict, key: DataKey, adv: AdversarialSettings, objectives: AdversarialObjectives, s: Settings
) -> None:
    """Everything that depends on the display radius eps: redrawn alone when eps moves."""
    c1, c2, c3 = st.columns([4, 4, 3], vertical_alignment="bottom")
    eps = w.control(c1, "eps")
    points = w.control(c2, "points")
    arrows = w.control(c3, "arrows")
    _body(nets, key, adv, objectives, s, eps=eps, points=points, arrows=arrows, final=True)


def _first_view(
    nets: dict,
    key: DataKey,
    adv: AdversarialSettings,
    objectives: AdversarialObjectives,
    s: Settings,
    pending: tuple[str, ...],
) -> None:
    """The view of a first answer (explorer.progressive): the same places as :func:`_view`, the controls'
    current values as text where the controls go (they are drawn once, by the final answer); the
    networks ``pending`` (still training) marked so in their places."""
    row = st.columns([4, 4, 3], vertical_alignment="bottom")
    values = {}
    for col, name in zip(row, ("eps", "points", "arrows"), strict=True):
        values[name] = w.current(name)
        if w.is_hidden(name):
            col.empty()
        else:
            shown = ("on" if values[name] else "off") if isinstance(values[name], bool) else values[name]
            col.caption(f"{CONTROLS[name].label}: {shown}")
    _body(nets, key, adv, objectives, s, **values, final=False, pending=pending)


def _body(  # noqa: PLR0913
    nets: dict,
    key: DataKey,
    adv: AdversarialSettings,
    objectives: AdversarialObjectives,
    s: Settings,
    *,
    eps: float,
    points: str,
    arrows: bool,
    final: bool,
    pending: tuple[str, ...] = (),
) -> None:
    """The panels, curves and table at the display radius ``eps``; the downloads only when ``final`` (an
    empty element in their place otherwise: explorer.progressive.Slots). The networks named in
    ``pending`` (a first answer's, still training) get their places, marked :data:`progressive.TRAINING`."""
    ds = get_dataset(key).value
    X, y = (ds.X, ds.y) if points == "train" or ds.X_test is None else (ds.X_test, ds.y_test)
    if points == "test" and ds.X_test is None:
        st.caption("This data set (your own points) has no test part: the training points are shown.")
    norm = adv.norm
    bounds = plot_bounds(np.vstack([ds.X] + ([ds.X_test] if ds.X_test is not None else [])), pad=0.06)
    # each network's statuses cached on their own: a first answer's networks are not computed again
    statuses = {
        name: get_point_statuses({name: net}, X, y, float(eps), norm)[name] for name, net in nets.items()
    }
    names = (*nets, *pending)

    # Three compact panels (no legend of their own: at 1024 px a column is ~230 px wide) and one legend;
    # each panel is exported in full (its own legend), built only when a file is asked for.
    def panel(name: str, legend: bool) -> go.Figure:
        if name not in nets:
            return fadv.pending_panel_figure(
                X, y, title=f"{name} (ε_train = {adv.train_eps:g})", note=progressive.TRAINING, bounds=bounds
            )
        return fadv.adversarial_figure(
            nets[name],
            X,
            y,
            statuses[name],
            title=f"{name} (ε = {eps:g})",
            bounds=bounds,
            arrows=arrows,
            grid=PANEL_GRID,
            legend=legend,
        )

    for col, name in zip(st.columns(len(names), gap="small"), names, strict=True):
        w.chart(panel(name, legend=False), key=f"adv_{name}" if final else f"adv_{name}~first", where=col)
    legend = fadv.status_legend_figure(arrows=arrows, height=108 if w.large_text_on() else 64)
    w.chart(legend, key="adv_legend" if final else "adv_legend~first", config={"displayModeBar": False})
    for col, name in zip(st.columns(len(names), gap="small"), names, strict=True):
        if final:
            figure_exports(functools.partial(panel, name, True), f"adversarial {name}", where=col)
        else:
            col.empty()
    w.explain(CAPTION_BALLS + (" Arrows: each point's PGD perturbation." if arrows else ""))

    # an approximate robust network's curves at every other radius (half the attacks and certificates:
    # they are replaced); each network's curves are cached on their own (explorer.cache.network_accuracy)
    approximate = adv.robust_draws is not None
    radii = RADII[::2] if approximate else RADII
    curves = get_accuracy_curves(key, adv, points=points, radii=radii, pgd=PGD_NAME not in pending)
    if curves.ok:
        title = f"Accuracy against ε on the {POINT_LABELS[points]} ({NORM_LABELS[norm]})"
        marks = ([progressive.APPROXIMATE] if approximate else []) + [
            f"{name}: {progressive.TRAINING}" for name in pending
        ]
        if marks:  # a second line: the first is as wide as a 1024 px page allows
            title += f"<br><sup>{'; '.join(marks)}</sup>"
        fig = fadv.accuracy_figure(curves.value, eps=eps, title=title)
        w.chart(fig, key="adv_curves" if final else "adv_curves~first")
        if final:
            figure_exports(fig, "accuracy against eps")
        else:
            st.empty()
        w.explain(CAPTION_CURVES)
    else:
        st.error(f"Accuracy curves: {curves.error}")

    rows = (
        f"robust objective (ε_train = {adv.train_eps:g})",
        "nominal J",
        f"certified accuracy at ε = {eps:g}",
        f"PGD accuracy at ε = {eps:g}",
        "clean accuracy",
    )
    columns = {
        name: dict(
            zip(
                rows,
                (
                    f"{objectives.robust[name]:.5g}",
                    f"{objectives.nominal[name]:.5g}",
                    f"{statuses[name].certified_accuracy:.1%}",
                    f"{statuses[name].pgd_accuracy:.1%}",
                    f"{statuses[name].clean_accuracy:.1%}",
                ),
                strict=True,
            )
        )
        for name in nets
    }
    table = pd.DataFrame(columns | {name: dict.fromkeys(rows, progressive.TRAINING) for name in pending})
    st.table(table)
    if not final:
        st.empty()
        w.explain(CAPTION_TABLE + f" Accuracies on the {POINT_LABELS[points]}.")
        return
    row = st.container(horizontal=True)
    table_exports(table, "adversarial table", where=row)
    network_exports(
        {name: (net, objectives.nominal[name]) for name, net in nets.items()},
        settings={**s.as_record(), "loss": adv.loss, "eps_train": adv.train_eps, "norm": norm},
        extras={name: {"robust_objective": objectives.robust[name]} for name in nets},
        where=row,
        key="adv",
    )
    w.explain(CAPTION_TABLE + f" Accuracies on the {POINT_LABELS[points]}.")


def main() -> None:
    """The Adversarial page."""
    s = settings()
    st.title("Adversarial")
    w.explain(
        "Every point may be moved anywhere inside a ball of radius ε. Three networks side by side: the "
        "standard convex optimum, the convex robust program's network and SGD with PGD adversarial training, "
        "both trained at ε_train."
    )
    formulas("adversarial")
    if s.task == "regression":
        st.warning(
            "This page needs classification labels (±1): robustness here means keeping the sign of f on the "
            "whole ball. Pick a classification data set in the sidebar."
        )
        return
    loss = s.loss
    if loss == "squared":
        st.info(
            "This page needs a classification loss: the sidebar's loss is squared, so it trains with the "
            "**hinge** loss instead. Choose hinge or logistic in the sidebar to set it yourself."
        )
        loss = "hinge"
    c1, c2 = st.columns([3, 4], vertical_alignment="bottom")
    train_eps = w.control(c1, "train_eps")
    norm = w.control(c2, "norm")
    key = s.data
    adv = AdversarialSettings(
        loss=loss,
        beta=s.beta,
        patterns=s.patterns,
        pattern_seed=s.pattern_seed,
        train_eps=float(train_eps),
        norm=norm,
        sgd=s.sgd,
    )
    opt = s.sgd.optimizer
    if not within("adversarial", s, radii=len(RADII)):
        return
    # Progressive (explorer.progressive): when the page's networks at this radius are not all cached (and
    # the page was drawn before in this session, so the display controls hold their values), a first
    # answer that does not wait for PGD training: the standard convex network, the robust one (the page's
    # own program when cached, else on FAST_DRAWS sampled draws, labelled approximate) and the PGD
    # network's places marked as training; then the final answer over it.
    fast = replace(adv, robust_draws=progressive.FAST_DRAWS)
    robust_ready = progressive.ready(run_robust, key, **robust_args(adv))
    is_ready = robust_ready and progressive.ready(run_pgd_sgd, key, **pgd_args(adv))
    slots = progressive.Slots()
    with slots.slot("status"):  # the final solve's spinner
        pass
    for stage in progressive.stages(is_ready or "eps" not in st.session_state):
        progressive.hand_over(stage)  # the first answer leaves the server before the final compute
        now = adv if stage.final or robust_ready else fast
        pending = () if stage.final else (PGD_NAME,)
        if stage.final:
            with (
                slots.slot("status"),
                st.spinner(
                    f"Training standard convex, robust convex and PGD-{opt} networks "
                    f"(ε_train = {train_eps:g})…"
                ),
            ):
                nets = adversarial_networks(key, now)
        else:
            nets = adversarial_networks(key, now, pgd=False)
        objectives = get_adversarial_objectives(key, now, pgd=stage.final) if nets.ok else None
        if not stage.final and not (nets.ok and objectives.ok):
            continue  # no first answer: the final one says what failed
        with slots.slot("robust"):
            if not nets.ok:
                st.error(nets.error)
                return
            robust = run_robust(key, **robust_args(now)).value
            approximate = now.robust_draws is not None
            st.caption(
                f"Robust convex program: {robust.patterns} {robust.pattern_mode} patterns, solved in "
                f"{robust.time_s:.2f} s (status {robust.status})."
                + (
                    f" A fast first answer ({progressive.APPROXIMATE}): the program on "
                    f"{progressive.FAST_DRAWS} draws, shown as {FIRST_ROBUST_NAME!r} until the page's own "
                    "program replaces it."
                    if approximate
                    else ""
                )
                + (f" {PGD_NAME}: {progressive.TRAINING} (drawn when done)." if pending else "")
            )
        with slots.slot("view"):
            if not objectives.ok:
                st.error(f"Robust objectives: {objectives.error}")
                return
            robust_name = FIRST_ROBUST_NAME if approximate else "robust convex"

            def named(values: dict, robust_name: str = robust_name) -> dict:
                return {robust_name if k == "robust convex" else k: v for k, v in values.items()}

            found = AdversarialObjectives(named(objectives.value.robust), named(objectives.value.nominal))
            if stage.final:
                _view(named(nets.value), key, adv, found, s)
            else:  # in one container, as the fragment draws its own (explorer.progressive.Slots)
                with st.container():
                    _first_view(named(nets.value), key, now, found, s, pending)


main()
