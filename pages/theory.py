"""Theory: five results on two-layer ReLU networks next to a certified optimum, and the census.

Layout and widget wiring only: numbers come from ``explorer.cache_studies`` (``engine.studies.
reprogramming``, ``kernels``, ``minnorm``, ``online``, ``spectrum``, ``census``), figures from
``engine.figures.theory``. Each section has its own controls and a preset button; one section is
computed at a time; the census section reads the shipped table (no training on page load).
"""

from __future__ import annotations

import streamlit as st

from engine.figures import theory as fth
from explorer import widgets as w
from explorer.budget import within
from explorer.cache_studies import (
    RATIOS,
    doubling_sizes,
    get_census,
    get_minnorm,
    get_online,
    get_program_example,
    get_reprogramming,
    get_risk_curves,
    get_spectrum,
)
from explorer.sections import preset_button, section_picker
from explorer.settings import CUSTOM, Settings
from explorer.sidebar import settings
from explorer.url import plain

EXPLAIN = {
    "reprogram": (
        "A two-layer ReLU network with random, frozen weights is given a new task, Bernoulli data on the "
        "vertices of the hypercube, and only an input *program* is learned. *Englert & Lazic, Adversarial "
        "Reprogramming Revisited* prove that such random networks can be reprogrammed to arbitrarily high "
        "accuracy when the width is at most the input dimension: look at the accuracy left of the line "
        "m = d (the theorem says a good program exists; Adam from p = 0 need not find it, the affine "
        "program's extra freedom does), and at how the program moves the network's output across zero."
    ),
    "kernels": (
        "A teacher network labels Gaussian inputs; students are the certified optimum of J, an Adam-trained "
        "network, and kernel methods (RBF and arc-cosine kernel ridge, random ReLU features). "
        "*Akiyama & Suzuki* show that trained two-layer ReLU students recover the teacher and beat kernel "
        "methods in rate: look at the fitted slopes of the log-log lines, which their theory predicts to be "
        "steeper for the networks (at these small n they need not be)."
    ),
    "minnorm": (
        "The convex program minimises the loss plus β times the path norm Σ|α_j|‖w_j‖ (its regulariser is "
        "exactly that), so its optimum is a minimum-norm solution, and a Rademacher bound on the test error "
        "follows from its path norm alone. *Xu, Zhang, Zhang & Zhao (a-priori generalisation via the "
        "minimum-norm solution)*: look at the path norm against n (while it grows slower than √n the bound "
        "falls), beside the measured test error."
    ),
    "online": (
        "Points arrive one at a time without end; each learner predicts, pays its squared loss, then takes "
        "one step on that point. After the *convergence analysis of online Adam for two-layer ReLU "
        "networks*: look at the rolling-window regret against a fixed comparator, for constant and adaptive "
        "step sizes, on a linear model (convex losses) and on a two-layer ReLU network."
    ),
    "spectrum": (
        "A student of width k fits the teacher Σ relu(e_i · x) (k orthonormal neurons, d = k) from many "
        "random starts; some end at spurious minima. *Arjevani & Field, a tale of symmetry II* compute "
        "these families analytically: look at the exact Hessian spectra side by side, alike in shape, "
        "with a few large outliers above a bulk of small eigenvalues."
    ),
    "census": (
        "How far does gradient training land from the certified global optimum J*? The census ran "
        "`python -m benchmarks census` (one `engine sweep`): 6 data sets × 20 seeds × 4 optimizers × 3 "
        "widths × 2 learning rates, n = 60, 1500 epochs, each run measured by J/J* − 1 against the "
        "certified optimum of the same training set. Look at how the gap depends on the width and the "
        "optimizer."
    ),
}
CAPTIONS = {
    "reprogram": (
        "Test accuracy of the reprogrammed frozen network against m / d (log scale): each seed faint, the "
        "mean bold; dashed vertical: m = d; dotted horizontal: the task's best accuracy (Bayes) and chance."
    ),
    "program": (
        "Test points by the task's signal s·x / d (horizontal, jittered) and the frozen network's output "
        "(vertical), without the program (left) and with it (right); a point is classified by the sign of "
        "the output, so the program should put blue above and red below the black line."
    ),
    "kernels": (
        "Excess risk E(f − f*)² on 1000 fresh test points against n, log-log; legend: the fitted slope "
        "(the empirical rate). Networks solid, kernel methods dashed; kernel ridge picks its ridge by exact "
        "leave-one-out error."
    ),
    "minnorm": (
        "Left: path norm Q of the certified optimum. Right: the bound train ramp loss + 4QR/√n + "
        "3√(log(2/δ)/2n) (δ = 0.05, R the largest ‖(x, 1)‖), its complexity term, the train ramp loss "
        "and the measured test error (500 test points), log scale (a zero is drawn at 1e-4); values above 1 "
        "(dotted) are vacuous."
    ),
    "online": (
        "Mean excess loss over the last w steps against a fixed comparator: the best linear predictor in "
        "hindsight (linear model), the teacher itself (network). Negative windows are shown at the floor "
        "1e-5. Data: x ~ N(0, I_5), a 3-neuron teacher plus noise."
    ),
    "spectrum": (
        "Histograms of every eigenvalue of the exact Hessian of J (assembled from Hessian-vector products) "
        "at the lowest spurious minimum found and at the global minimum, on shared bins; black triangles "
        "mark the large outliers."
    ),
    "census": (
        "Box plots of J/J* − 1 by width and optimizer over every data set, seed and learning rate (clipped "
        "to 1e-4 … 1e3; dashed: 1 %). From the shipped table benchmarks/results/census.csv; nothing is "
        "trained when the page loads."
    ),
}


def _preset(col, section: str) -> None:
    preset_button(col, "theory", section, key=f"th_preset_{section}")


def _reprogram(s: Settings) -> None:
    r1 = st.columns([2, 3, 2, 1], vertical_alignment="bottom")
    d = int(w.control(r1[0], "th_rp_d"))
    kind = w.control(r1[1], "th_rp_kind")
    q = float(w.control(r1[2], "th_rp_q"))
    _preset(r1[3], "reprogram")
    r2 = st.columns([2, 2, 3])
    seeds = int(w.control(r2[0], "th_rp_seeds"))
    steps = int(w.control(r2[1], "th_rp_steps"))
    ratio = float(w.control(r2[2], "th_rp_ratio"))
    seed = int(s.sgd.seed)
    if not within("reprogram", d=d, kind=kind, seeds=seeds, steps=steps, ratio=ratio, ratios=RATIOS):
        return
    with st.spinner("Reprogramming frozen random networks…"):
        out = get_reprogramming(d=d, kind=kind, q=q, seeds=seeds, steps=steps, seed=seed)
    if not out.ok:
        st.error(f"Reprogramming: {out.error}")
        return
    title = f"Reprogramming a frozen random ReLU network, d = {d}, q = {q:g} (training seed {seed} on)"
    w.chart(fth.reprogramming_figure([out.value], title=title), key="th_rp_curve")
    w.explain(CAPTIONS["reprogram"])
    width = max(1, round(ratio * d))
    example = get_program_example(d=d, width=width, kind=kind, q=q, steps=steps, seed=seed)
    if not example.ok:
        st.error(f"Reprogramming: {example.error}")
        return
    w.chart(
        fth.program_figure(example.value, title=f"What the program does: m = {width}, d = {d}"),
        key="th_rp_picture",
    )
    w.explain(CAPTIONS["program"])


def _kernels(s: Settings) -> None:
    r1 = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    n_max = int(w.control(r1[0], "th_k_nmax"))
    teacher = int(w.control(r1[1], "th_k_teacher"))
    noise = float(w.control(r1[2], "th_k_noise"))
    _preset(r1[3], "kernels")
    r2 = st.columns([3, 3, 2])
    beta = float(w.control(r2[0], "th_k_beta"))
    features = int(w.control(r2[1], "th_k_features"))
    seed = int(s.sgd.seed)
    ns = doubling_sizes(16, n_max)
    if not within("kernels", n_max=n_max, features=features):  # the work budget (explorer.budget)
        return
    with st.spinner(f"Certified optimum, Adam and three kernel methods at n = {', '.join(map(str, ns))}…"):
        out = get_risk_curves(
            n_max=n_max, teacher_width=teacher, noise=noise, beta=beta, features=features, seed=seed
        )
    if not out.ok:
        st.error(f"Network vs kernels: {out.error}")
        return
    for m in out.value.messages:
        st.warning(plain(m))
    title = f"Excess risk against n: 2-D teacher of {teacher} neurons, noise {noise:g}, β = {beta:g}"
    w.chart(fth.risk_figure(out.value, title=title), key="th_k_risk")
    w.explain(CAPTIONS["kernels"] + f" Teacher, data and start from the sidebar's training seed {seed}.")


def _minnorm(s: Settings) -> None:
    c = st.columns([3, 1], vertical_alignment="bottom")
    n_max = int(w.control(c[0], "th_mn_nmax"))
    _preset(c[1], "minnorm")
    if s.data.name == CUSTOM or s.task != "classification":
        st.info("The bound is on the classification error of a generated data set: pick one in the sidebar.")
        return
    ns = doubling_sizes(20, n_max)
    if not within("minnorm", n_max=n_max):
        return
    with st.spinner(f"Certified optima at n = {', '.join(map(str, ns))}…"):
        out = get_minnorm(s.data, loss=s.loss, beta=s.beta, n_max=n_max)
    if not out.ok:
        st.error(f"Minimum norm: {out.error}")
        return
    curve = out.value
    for m in curve.messages:
        st.warning(plain(m))
    title = f"Path norm and generalisation bound: {s.data.name}, {s.loss} loss, β = {s.beta:g}"
    w.chart(fth.minnorm_figure(curve, title=title), key="th_mn")
    w.explain(CAPTIONS["minnorm"])
    if curve.points:
        last = curve.points[-1]
        st.markdown(
            f"At n = {last.n}: path norm {last.path_norm:.3g}, so β·Q = {s.beta * last.path_norm:.3g} is the "
            f"regulariser of J* = {last.objective:.4g}; bound {last.bound:.3g} against the measured test "
            f"error {last.test_error:.3g}."
        )


def _online(s: Settings) -> None:
    r1 = st.columns([2, 3, 2, 1], vertical_alignment="bottom")
    eta = float(w.control(r1[0], "th_o_eta"))
    steps = int(w.control(r1[1], "th_o_steps"))
    window = int(w.control(r1[2], "th_o_window"))
    _preset(r1[3], "online")
    r2 = st.columns([2, 2, 3])
    width = int(w.control(r2[0], "th_o_width"))
    noise = float(w.control(r2[1], "th_o_noise"))
    seed = int(s.sgd.seed)
    if not within("online", steps=steps, width=width):
        return
    with st.spinner(f"Streaming {steps} points through six learners…"):
        out = get_online(eta=eta, steps=steps, window=window, width=width, noise=noise, seed=seed)
    if not out.ok:
        st.error(f"Online learning: {out.error}")
        return
    for r in out.value.runs:
        if r.diverged:
            st.warning(f"{r.learner} on the {r.model} model diverged at step size {eta:g}.")
    title = f"Rolling regret on a stream: η = {eta:g}, window {window}, width {width}"
    w.chart(fth.regret_figure(out.value, title=title), key="th_online")
    w.explain(CAPTIONS["online"] + f" Stream and start from the sidebar's training seed {seed}.")


def _spectrum(s: Settings) -> None:
    c = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    k = int(w.control(c[0], "th_s_k"))
    n = int(w.control(c[1], "th_s_n"))
    starts = int(w.control(c[2], "th_s_starts"))
    _preset(c[3], "spectrum")
    seed = int(s.sgd.seed)
    if not within("spectrum", k=k, n=n, starts=starts):
        return
    with st.spinner(f"Fitting {starts} students by BFGS and their exact Hessians…"):
        out = get_spectrum(k=k, n=n, starts=starts, seed=seed)
    if not out.ok:
        st.error(f"Hessian spectrum: {out.error}")
        return
    study = out.value
    title = f"Hessian spectra: teacher of k = {k} orthonormal neurons in d = {k}, n = {n}, β = {study.beta:g}"
    w.chart(fth.spectrum_figure(study, title=title), key="th_spectrum")
    w.explain(CAPTIONS["spectrum"] + f" Starts from the sidebar's training seed {seed} on.")
    g = study.global_min
    text = (
        f"Global minimum: J = {g.objective:.3g}, ‖∇J‖ = {g.grad_norm:.1e}, λ_max = {g.eigenvalues[-1]:.3g}."
    )
    if study.spurious is not None:
        sp = study.spurious
        text += (
            f" Spurious minimum: J = {sp.objective:.3g}, ‖∇J‖ = {sp.grad_norm:.1e}, smallest eigenvalue "
            f"{sp.eigenvalues[0]:.2g}, λ_max = {sp.eigenvalues[-1]:.3g}; {study.spurious_count} of {starts} "
            "starts ended well above the global minimum."
        )
    st.markdown(text)


def _census(s: Settings) -> None:
    c = st.columns([4, 1], vertical_alignment="bottom")
    by = w.control(c[0], "th_c_by")
    _preset(c[1], "census")
    out = get_census()
    if not out.ok:
        st.error(f"Census: {out.error}")
        return
    gaps = out.value
    w.chart(fth.census_figure(gaps, title="Gap to the certified optimum, J/J* − 1"), key="th_census")
    w.explain(CAPTIONS["census"])
    st.markdown(fth.census_headline(gaps))
    st.table(fth.census_table(gaps, by))


def main() -> None:
    """The Theory page."""
    s = settings()
    st.title("Theory")
    w.explain(
        "Five results on two-layer ReLU networks, each in a small experiment you can change, and the census "
        "of how far gradient training lands from the certified optimum."
    )
    section = section_picker("th_section")
    w.explain_block(EXPLAIN[section])
    {
        "reprogram": _reprogram,
        "kernels": _kernels,
        "minnorm": _minnorm,
        "online": _online,
        "spectrum": _spectrum,
        "census": _census,
    }[section](s)


main()
