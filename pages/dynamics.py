"""Dynamics: how gradient training moves: sharpness vs 2/eta, benign overfitting, momentum, low rank.

Layout and widget wiring only: runs come from ``explorer.cache_studies`` (``engine.studies.dynamics``), the
optimum from ``explorer.cache.get_certified_optimum``, figures from ``engine.figures.dynamics``. Each
section has its own controls and a preset button; one section is computed at a time.
"""

from __future__ import annotations

import streamlit as st

from engine.figures import dynamics as fdyn
from explorer import widgets as w
from explorer.cache import get_certified_optimum
from explorer.cache_studies import get_momentum, get_sharpness, get_singular_values, get_xor
from explorer.sections import preset_button, section_picker
from explorer.sidebar import BETAS, fmt_number, settings

SECTIONS = {
    "stability": "Dynamical stability",
    "xor": "Benign overfitting",
    "momentum": "Momentum",
    "lowrank": "Weight decay and low rank",
}
STEP_SIZES = (0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 4.0)
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
PRESETS = {
    "stability": {"dy_opts": ["gd", "sgd"], "dy_lrs": [0.01, 0.1], "dy_steps": 1500, "dy_batch": 8},
    "xor": {
        "dy_x_n": 40,
        "dy_x_d": 800,
        "dy_x_mu": 11.0,
        "dy_x_flip": 0.1,
        "dy_x_lr": 1.0,
        "dy_x_steps": 3000,
    },
    "momentum": {"dy_m_lr": 0.03, "dy_m_adam": 0.01, "dy_m_steps": 4000, "dy_m_mu": 0.9},
    "lowrank": {"dy_r_d": 16, "dy_r_k": 2, "dy_r_beta": 1e-2, "dy_r_lr": 0.2, "dy_r_steps": 6000},
}
PRESET_HELP = {
    "stability": "GD and SGD (batch 8) at η = 0.01 and 0.1 for 1500 steps: the large step is thrown out of "
    "the sharp start (λ_max > 2/η) and settles flatter.",
    "xor": "n = 40, d = 800, ‖μ‖ = 11, 10% flipped, 3000 steps: every label (noise too) fitted at step 2, "
    "test accuracy 90% only after thousands of steps.",
    "momentum": "GD, heavy ball and Nesterov at step 0.03, Adam at 0.01, for 4000 full-batch steps.",
    "lowrank": "d = 16, a 2-neuron teacher, β = 0.01, 6000 SGD steps at step 0.2: two singular values stay.",
}


def _preset(col, section: str) -> None:
    preset_button(col, f"dy_preset_{section}", PRESETS[section], PRESET_HELP[section])


def _stability(s: dict) -> None:
    c1, c2, c3, c4, c5 = st.columns([2, 3, 2, 2, 1], vertical_alignment="bottom")
    opts = c1.multiselect(
        "Optimizers",
        ["gd", "sgd"],
        default=["gd", "sgd"],
        key="dy_opts",
        format_func=fdyn.OPTIMIZER_NAMES.get,
    )
    lrs = c2.multiselect(
        "Learning rates η", STEP_SIZES, default=[0.03, 0.1], key="dy_lrs", format_func=fmt_number
    )
    steps = w.slider(c3, "Steps", 100, 3000, 500, step=100, key="dy_steps")
    batch = w.select_slider(c4, "SGD batch size", (1, 2, 4, 8, 16, 32), 8, key="dy_batch")
    _preset(c5, "stability")
    if s["loss"] == "hinge":
        st.info("The hinge loss has no curvature (l'' = 0): its Hessian holds only the cross terms and β.")
    if not opts or not lrs:
        st.warning("Pick at least one optimizer and one learning rate.")
        return
    sg = s["sgd"]
    common = dict(
        width=sg["width"],
        init_scale=sg["init_scale"],
        seed=sg["seed"],
        steps=int(steps),
        batch_size=int(batch),
    )
    traces, errors = [], []
    with st.spinner(f"Training {len(opts) * len(lrs)} runs with sharpness tracking…"):
        for opt in opts:
            for lr in sorted(lrs):
                out = get_sharpness(
                    s["data"], loss=s["loss"], beta=s["beta"], optimizer=opt, lr=float(lr), **common
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
    st.plotly_chart(
        fdyn.sharpness_figure(
            traces, title=f"Sharpness along training ({s['loss']} loss, β = {s['beta']:g})"
        ),
        key="dy_sharpness",
    )
    st.caption(CAPTIONS["stability"])
    if traces:
        st.table(fdyn.sharpness_table(traces))


def _xor(s: dict) -> None:
    r1 = st.columns([2, 2, 2, 2, 1], vertical_alignment="bottom")
    n = w.slider(r1[0], "Points n", 20, 200, 40, step=10, key="dy_x_n")
    d = w.select_slider(r1[1], "Dimension d", (50, 100, 200, 500, 800, 1000, 2000), 500, key="dy_x_d")
    mu = w.slider(r1[2], "Cluster mean norm ‖μ‖", 2.0, 30.0, 9.0, step=1.0, key="dy_x_mu")
    flip = w.slider(r1[3], "Flipped labels", 0.0, 0.3, 0.1, step=0.05, key="dy_x_flip")
    _preset(r1[4], "xor")
    r2 = st.columns([2, 2, 2, 3])
    lr = w.select_slider(r2[0], "Step size", STEP_SIZES, 1.0, key="dy_x_lr", format_func=fmt_number)
    steps = w.slider(r2[1], "Steps", 50, 3000, 300, step=50, key="dy_x_steps")
    width = w.slider(r2[2], "Width m", 10, 100, 40, step=10, key="dy_x_width")
    seed = int(s["data"].seed)
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
    st.plotly_chart(fdyn.xor_figure(trace, level=GENERALISATION_LEVEL, title=title), key="dy_xor")
    st.caption(CAPTIONS["xor"] + " 500 clean test points.")
    seen, why = trace.verdict(GENERALISATION_LEVEL)
    if seen:
        st.success(f"Benign overfitting, then late generalisation: {why}.")
    else:
        st.info(
            f"No late generalisation for these settings: {why}. Try the preset, more steps, or a larger "
            "dimension d relative to n (memorising the noise needs d ≫ n)."
        )


def _momentum(s: dict) -> None:
    c = st.columns([2, 2, 2, 2, 1], vertical_alignment="bottom")
    lr = w.select_slider(
        c[0], "Step size (GD, heavy ball, Nesterov)", STEP_SIZES, 0.03, key="dy_m_lr", format_func=fmt_number
    )
    adam = w.select_slider(c[1], "Adam step size", STEP_SIZES, 0.01, key="dy_m_adam", format_func=fmt_number)
    steps = w.slider(c[2], "Steps", 100, 5000, 1000, step=100, key="dy_m_steps")
    mu = w.slider(c[3], "Momentum μ", 0.0, 0.99, 0.9, step=0.01, key="dy_m_mu")
    _preset(c[4], "momentum")
    opt = get_certified_optimum(s["data"], loss=s["loss"], beta=s["beta"])
    if not opt.ok:
        st.warning(f"No certified optimum: {opt.error}. The chart shows the objective J itself.")
    sg = s["sgd"]
    with st.spinner("Racing GD, heavy ball, Nesterov and Adam…"):
        out = get_momentum(
            s["data"],
            loss=s["loss"],
            beta=s["beta"],
            lr=float(lr),
            adam_lr=float(adam),
            steps=int(steps),
            width=sg["width"],
            init_scale=sg["init_scale"],
            momentum=float(mu),
            seed=sg["seed"],
        )
    if not out.ok:
        st.error(f"Momentum race: {out.error}")
        return
    for curve in out.value:
        if curve.message:
            st.warning(f"{fdyn.OPTIMIZER_NAMES[curve.optimizer]}: {curve.message}")
    J_star = opt.value.objective if opt.ok else None
    st.plotly_chart(
        fdyn.momentum_figure(out.value, J_star, title="Gap to the global optimum, same start"),
        key="dy_momentum",
    )
    st.caption(CAPTIONS["momentum"])


def _lowrank(s: dict) -> None:
    r1 = st.columns([2, 2, 2, 2, 1], vertical_alignment="bottom")
    d = w.slider(r1[0], "Input dimension d", 10, 20, 12, key="dy_r_d")
    k = w.slider(r1[1], "Teacher neurons", 1, 5, 2, key="dy_r_k")
    beta = w.select_slider(
        r1[2], "Weight decay β (right panel)", BETAS[4:], 1e-2, key="dy_r_beta", format_func=fmt_number
    )
    lr = w.select_slider(r1[3], "SGD step size", STEP_SIZES[:7], 0.1, key="dy_r_lr", format_func=fmt_number)
    _preset(r1[4], "lowrank")
    r2 = st.columns([2, 2, 2, 3])
    steps = w.slider(r2[0], "Steps", 500, 10000, 3000, step=500, key="dy_r_steps")
    n = w.slider(r2[1], "Points n", 50, 400, 200, step=50, key="dy_r_n")
    width = w.slider(r2[2], "Student width m", 8, 64, 32, step=8, key="dy_r_width")
    seed = int(s["sgd"]["seed"])
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
    st.plotly_chart(fdyn.singular_values_figure(out.value, top=min(d, width), title=title), key="dy_sv")
    st.caption(
        CAPTIONS["lowrank"] + f" Teacher and data from the sidebar's training seed {seed}; batch size 16."
    )


def main() -> None:
    """The Dynamics page."""
    s = settings()
    st.title("Dynamics")
    st.caption(
        "How gradient training moves through J: the sharpness it settles at, when it memorises and when it "
        "generalises, how momentum speeds it up, and what weight decay does to the weights."
    )
    section = section_picker(SECTIONS, "dy_section")
    st.markdown(EXPLAIN[section])
    {"stability": _stability, "xor": _xor, "momentum": _momentum, "lowrank": _lowrank}[section](s)


main()
