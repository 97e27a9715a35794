"""Dynamics: how gradient training moves: sharpness vs 2/eta, benign overfitting, momentum, low rank.

Layout and widget wiring only: runs come from ``explorer.cache_studies`` (``engine.studies.dynamics``), the
optimum from ``explorer.cache.get_certified_optimum``, figures from ``engine.figures.dynamics``. Each
section has its own controls and a preset button; one section is computed at a time.
"""

from __future__ import annotations

import streamlit as st

from engine.figures import dynamics as fdyn
from explorer import widgets as w
from explorer.budget import within
from explorer.cache import get_certified_optimum
from explorer.cache_studies import get_momentum, get_sharpness, get_singular_values, get_xor
from explorer.sections import preset_button, section_picker
from explorer.settings import Settings
from explorer.sidebar import settings

GENERALISATION_LEVEL = 0.9

EXPLAIN = {
    "stability": (
        "Gradient descent can only settle at a minimum whose sharpness λ_max of the Hessian of J is at most "
        "2/η, and SGD only where (roughly) the trace of the Hessian is, so a larger learning rate forces "
        "flatter minima. *Wu & Su, The Implicit Regularization of Dynamical Stability in SGD* show that for "
        "two-layer ReLU networks these sharpness measures track the parameter norm, so the stable minima "
        "generalise."
    ),
    "xor": (
        "XOR clusters in high dimension with a fraction of labels flipped, and gradient descent on the first "
        "layer of a ReLU network (fixed output weights ±1/√m, small initialisation, logistic loss). "
        "*Benign overfitting and grokking in ReLU networks for XOR cluster data* shows the network fits "
        "every training label, noise included, after about one step while its test accuracy is near "
        "chance, and generalises only later while still fitting the noise."
    ),
    "momentum": (
        "Full-batch gradient descent, heavy ball, Nesterov and Adam from the same initial network, measured "
        "by the gap to the certified global optimum J*. *High-resolution dynamics of momentum methods for "
        "over-parameterised nets* trace Nesterov's speed-up over heavy ball to its gradient-correction term."
    ),
    "lowrank": (
        "A teacher network in d = 10–20 dimensions labels the data; the student's first-layer weight matrix "
        "W (m × d, biases left out) is tracked by its singular values during SGD, without and with weight "
        "decay. *Weight decay induces low-rank bias* shows that SGD with weight decay drives W towards low "
        "rank (rank two in their setting), while without decay W keeps its random-initialisation spectrum."
    ),
}
CAPTIONS = {
    "stability": (
        "Largest Hessian eigenvalue λ_max (Lanczos on exact Hessian-vector products) and the Hessian trace "
        "(Hutchinson, 20 Rademacher probes) of J along each run, log scale; each learning rate's 2/η is the "
        "dotted line in its colour. A run that starts sharper than its 2/η cannot stay: it is thrown out and "
        "settles at a flatter point below its line (with a smaller weight norm). The "
        "table says where each run ended: flatness, parameter norm, train and test accuracy."
    ),
    "xor": (
        "Accuracy on the noisy training labels (blue), on clean test points (green) and on the flipped "
        "training points measured against their flipped labels (red dashed: 100% means the noise is "
        "memorised). Step axis logarithmic; dotted verticals mark the step every training label is fitted "
        "and the step test accuracy reaches the generalisation level."
    ),
    "momentum": (
        "Gap J − J* against the full-batch step (log-log), every optimizer from the same initial network "
        "(the sidebar's width, initial scale and seed). Heavy ball and Nesterov use momentum μ."
    ),
    "lowrank": (
        "The largest singular values of W (σ1, σ2 in colour, the rest grey) over the SGD steps, log scale, "
        "without weight decay (left) and with it (right), from the same initial network."
    ),
}


def _preset(col, section: str) -> None:
    preset_button(col, "dynamics", section, key=f"dy_preset_{section}")


def _stability(s: Settings) -> None:
    # Two rows: the two multiselects need room for their chips (at 1024 px a fifth of the row is ~70 px).
    c1, c2, c3 = st.columns([3, 3, 1.4], vertical_alignment="bottom")
    opts = w.control(c1, "dy_opts")
    lrs = w.control(c2, "dy_lrs")
    _preset(c3, "stability")
    c4, c5, _ = st.columns([3, 3, 1.4], vertical_alignment="bottom")
    steps = w.control(c4, "dy_steps")
    batch = w.control(c5, "dy_batch")
    if s.loss == "hinge":
        st.info("The hinge loss has no curvature (l'' = 0): its Hessian holds only the cross terms and β.")
    if not opts or not lrs:
        st.warning("Pick at least one optimizer and one learning rate.")
        return
    sg = s.sgd
    if not within("stability", s, steps=int(steps), batch=int(batch), opts=tuple(opts), lrs=len(lrs)):
        return
    traces, errors = [], []
    with st.spinner(f"Training {len(opts) * len(lrs)} runs with sharpness tracking…"):
        for opt in opts:
            for lr in sorted(lrs):
                out = get_sharpness(
                    s.data,
                    loss=s.loss,
                    beta=s.beta,
                    optimizer=opt,
                    lr=float(lr),
                    width=sg.width,
                    init_scale=sg.init_scale,
                    seed=sg.seed,
                    steps=int(steps),
                    batch_size=int(batch),
                )
                if out.ok:
                    traces.append(out.value)
                else:
                    errors.append(f"{fdyn.OPTIMIZER_NAMES[opt]} η = {lr:g}: {out.error}")
    for e in errors:
        st.error(e)
    for t in traces:
        if t.message:
            st.warning(f"{t.label}: {t.message}")
    w.chart(
        fdyn.sharpness_figure(traces, title=f"Sharpness along training ({s.loss} loss, β = {s.beta:g})"),
        key="dy_sharpness",
    )
    w.explain(CAPTIONS["stability"])
    if traces:
        st.table(fdyn.sharpness_table(traces))


def _xor(s: Settings) -> None:
    r1 = st.columns([2, 2, 2, 2, 1.4], vertical_alignment="bottom")
    n = w.control(r1[0], "dy_x_n")
    d = w.control(r1[1], "dy_x_d")
    mu = w.control(r1[2], "dy_x_mu")
    flip = w.control(r1[3], "dy_x_flip")
    _preset(r1[4], "xor")
    r2 = st.columns([2, 2, 2, 3.4])
    lr = w.control(r2[0], "dy_x_lr")
    steps = w.control(r2[1], "dy_x_steps")
    width = w.control(r2[2], "dy_x_width")
    seed = int(s.data.seed)
    if not within("xor", n=int(n), d=int(d), width=int(width), steps=int(steps)):
        return
    with st.spinner(f"Gradient descent on {n} XOR points in {d} dimensions…"):
        out = get_xor(
            n=int(n),
            d=int(d),
            mu=float(mu),
            flip=float(flip),
            seed=seed,
            width=int(width),
            lr=float(lr),
            steps=int(steps),
        )
    if not out.ok:
        st.error(f"XOR clusters: {out.error}")
        return
    trace = out.value
    title = f"XOR clusters: n = {n}, d = {d}, ‖μ‖ = {mu:g}, {flip:.0%} flipped (data seed {seed})"
    w.chart(fdyn.xor_figure(trace, level=GENERALISATION_LEVEL, title=title), key="dy_xor")
    w.explain(CAPTIONS["xor"] + " 500 clean test points.")
    seen, why = trace.verdict(GENERALISATION_LEVEL)
    if seen:
        st.success(f"Benign overfitting, then late generalisation: {why}.")
    else:
        st.info(
            f"No late generalisation for these settings: {why}. Try the preset, more steps, or a larger "
            "dimension d relative to n (memorising the noise needs d ≫ n)."
        )


def _momentum(s: Settings) -> None:
    c = st.columns([2, 2, 2, 2, 1.4], vertical_alignment="bottom")
    lr = w.control(c[0], "dy_m_lr")
    adam = w.control(c[1], "dy_m_adam")
    steps = w.control(c[2], "dy_m_steps")
    mu = w.control(c[3], "dy_m_mu")
    _preset(c[4], "momentum")
    opt = get_certified_optimum(s.data, loss=s.loss, beta=s.beta)
    if not opt.ok:
        st.warning(f"No certified optimum: {opt.error}. The chart shows the objective J itself.")
    sg = s.sgd
    if not within("momentum", s, steps=int(steps)):
        return
    with st.spinner("Racing GD, heavy ball, Nesterov and Adam…"):
        out = get_momentum(
            s.data,
            loss=s.loss,
            beta=s.beta,
            lr=float(lr),
            adam_lr=float(adam),
            steps=int(steps),
            width=sg.width,
            init_scale=sg.init_scale,
            momentum=float(mu),
            seed=sg.seed,
        )
    if not out.ok:
        st.error(f"Momentum race: {out.error}")
        return
    for curve in out.value:
        if curve.message:
            st.warning(f"{fdyn.OPTIMIZER_NAMES[curve.optimizer]}: {curve.message}")
    J_star = opt.value.objective if opt.ok else None
    w.chart(
        fdyn.momentum_figure(out.value, J_star, title="Gap to the global optimum, same start"),
        key="dy_momentum",
    )
    w.explain(CAPTIONS["momentum"])


def _lowrank(s: Settings) -> None:
    r1 = st.columns([2, 2, 2, 2, 1.4], vertical_alignment="bottom")
    d = w.control(r1[0], "dy_r_d")
    k = w.control(r1[1], "dy_r_k")
    beta = w.control(r1[2], "dy_r_beta")
    lr = w.control(r1[3], "dy_r_lr")
    _preset(r1[4], "lowrank")
    r2 = st.columns([2, 2, 2, 3.4])
    steps = w.control(r2[0], "dy_r_steps")
    n = w.control(r2[1], "dy_r_n")
    width = w.control(r2[2], "dy_r_width")
    seed = int(s.sgd.seed)
    if not within("lowrank", n=int(n), d=int(d), width=int(width), steps=int(steps)):
        return
    with st.spinner("SGD with and without weight decay…"):
        out = get_singular_values(
            d=int(d),
            teacher_width=int(k),
            n=int(n),
            seed=seed,
            betas=(0.0, float(beta)),
            lr=float(lr),
            steps=int(steps),
            width=int(width),
            batch_size=16,
        )
    if not out.ok:
        st.error(f"Singular values: {out.error}")
        return
    for t in out.value:
        if t.message:
            st.warning(f"β = {t.beta:g}: {t.message}")
    title = f"Singular values of W: teacher of {k} neurons in d = {d}, student width {width}, squared loss"
    w.chart(fdyn.singular_values_figure(out.value, top=min(d, width), title=title), key="dy_sv")
    w.explain(
        CAPTIONS["lowrank"] + f" Teacher and data from the sidebar's training seed {seed}; batch size 16."
    )


def main() -> None:
    """The Dynamics page."""
    s = settings()
    st.title("Dynamics")
    w.explain(
        "How gradient training moves through J: the sharpness it settles at, when it memorises and when it "
        "generalises, how momentum speeds it up, and what weight decay does to the weights."
    )
    section = section_picker("dy_section")
    w.explain_block(EXPLAIN[section])
    {"stability": _stability, "xor": _xor, "momentum": _momentum, "lowrank": _lowrank}[section](s)


main()
