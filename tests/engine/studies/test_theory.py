"""The Theory page's studies against independent references: reprogramming above chance when m <= d,
kernel ridge against scikit-learn, the arc-cosine kernel against Monte Carlo, the path norm of the
certified optimum against the convex program's regulariser, the rolling regret window against direct
sums, the Hessian spectrum against eigvalsh of a finite-difference Hessian, the census join."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import Ridge

from datasets import make_dataset
from engine.network import TwoLayerReLU
from engine.studies.census import census_gaps, census_headline, summarize_census
from engine.studies.kernels import (
    arccos_kernel,
    excess_risk_curves,
    fit_kernel_ridge,
    loglog_slope,
    random_features,
    rbf_kernel,
)
from engine.studies.minnorm import minimum_norm_curve, path_norm, program_regulariser, ramp_loss
from engine.studies.online import online_regret, rolling_mean
from engine.studies.race import certified_optimum
from engine.studies.reprogramming import bernoulli_cube, random_network, reprogram, reprogramming_curve
from engine.studies.spectrum import hessian_spectrum, outliers, spectra_at_minima, symmetric_teacher

# --- reprogramming ---------------------------------------------------------------------------------


def test_reprogramming_beats_chance_when_width_at_most_d() -> None:
    """d = 12, widths 6 and 12 (m <= d): an affine program lifts the frozen network far above chance on
    fresh points, and above the unprogrammed network with its better label map; an additive program,
    trained from p = 0, is above chance on average over seeds at m = d."""
    for m in (6, 12):
        r = reprogram(12, m, q=0.8, n_train=200, n_test=400, steps=300, seed=2, kind="affine")
        assert r.test_accuracy > 0.9, (m, r.test_accuracy)
        assert r.test_accuracy > r.test_accuracy_unprogrammed
        assert r.losses[-1] < r.losses[0]
    additive = [reprogram(12, 12, q=0.8, steps=300, seed=s).test_accuracy for s in range(4)]
    assert np.mean(additive) > 0.7 and min(additive) > 0.6, additive


def test_reprogramming_keeps_the_network_frozen_and_is_deterministic() -> None:
    W, b, a = random_network(8, 4, seed=5)
    r1 = reprogram(8, 4, seed=5, steps=50)
    r2 = reprogram(8, 4, seed=5, steps=50)
    np.testing.assert_array_equal(r1.program, r2.program)
    # output_before is the frozen network itself on the test points
    W2, b2, a2 = random_network(8, 4, seed=5)
    np.testing.assert_array_equal(W, W2)
    assert r1.output_before.shape == r1.label.shape


def test_bernoulli_cube_agreement_rate() -> None:
    rng = np.random.default_rng(0)
    s = np.where(rng.random(50) < 0.5, -1.0, 1.0)
    X, c = bernoulli_cube(4000, s, 0.7, rng)
    assert set(np.unique(X)) == {-1.0, 1.0}
    agree = np.mean(X * c[:, None] * s[None, :] > 0)
    assert abs(agree - 0.7) < 0.01
    assert abs(np.mean(c)) < 0.01


def test_reprogramming_curve_and_bayes_accuracy() -> None:
    curve = reprogramming_curve(6, [3, 6], seeds=2, steps=50)
    assert curve.accuracy.shape == (2, 2)
    # Bayes accuracy by brute force over the 2^6 vertices for c = +1, s = 1
    q, d = curve.q, 6
    total = 0.0
    for v in range(2**d):
        k = bin(v).count("1")
        p = q**k * (1 - q) ** (d - k)
        total += p * (1.0 if 2 * k > d else 0.5 if 2 * k == d else 0.0)
    assert math.isclose(curve.bayes, total, rel_tol=1e-12)
    with pytest.raises(ValueError, match="program"):
        reprogram(4, 2, kind="rotate")


# --- kernels --------------------------------------------------------------------------------------


def _points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    return X, np.sin(X[:, 0]) + 0.1 * rng.standard_normal(n)


@pytest.mark.parametrize("lam", [1e-4, 1e-2, 0.3])
def test_kernel_ridge_matches_scikit_learn(lam: float) -> None:
    """Our closed form with the ridge fixed equals sklearn's KernelRidge (alpha = n lam) for the RBF
    kernel (sklearn's own kernel) and for the arc-cosine kernel (precomputed)."""
    X, y = _points(40, 1)
    Xt, _ = _points(30, 2)
    n = X.shape[0]
    ours = fit_kernel_ridge(rbf_kernel(X, X, 0.5), y, lambdas=[lam])
    ref = KernelRidge(alpha=n * lam, kernel="rbf", gamma=0.5).fit(X, y)
    np.testing.assert_allclose(rbf_kernel(Xt, X, 0.5) @ ours.coef, ref.predict(Xt), rtol=1e-7, atol=1e-9)
    ours = fit_kernel_ridge(arccos_kernel(X, X), y, lambdas=[lam])
    ref = KernelRidge(alpha=n * lam, kernel="precomputed").fit(arccos_kernel(X, X), y)
    np.testing.assert_allclose(
        arccos_kernel(Xt, X) @ ours.coef, ref.predict(arccos_kernel(Xt, X)), rtol=1e-6, atol=1e-8
    )


def test_random_features_ridge_matches_scikit_learn() -> None:
    X, y = _points(30, 3)
    G = np.random.default_rng(4).standard_normal((80, 3))
    F = random_features(X, G)
    lam = 1e-3
    fit = fit_kernel_ridge(F @ F.T, y, lambdas=[lam])
    ref = Ridge(alpha=X.shape[0] * lam, fit_intercept=False).fit(F, y)
    np.testing.assert_allclose(F.T @ fit.coef, ref.coef_, rtol=1e-6, atol=1e-9)


def test_arccos_kernel_is_the_relu_feature_expectation() -> None:
    X, _ = _points(5, 5)
    G = np.random.default_rng(6).standard_normal((400_000, 3))
    F = random_features(X, G)
    np.testing.assert_allclose(F @ F.T, arccos_kernel(X, X), rtol=0.02, atol=0.01)


def test_leave_one_out_error_is_exact() -> None:
    """The closed-form LOO error equals refitting without each point."""
    X, y = _points(15, 7)
    K = rbf_kernel(X, X, 1.0)
    lam = 1e-2
    fit = fit_kernel_ridge(K, y, lambdas=[lam])
    errs = []
    for i in range(15):
        keep = np.arange(15) != i
        Kk = K[np.ix_(keep, keep)]
        c = np.linalg.solve(Kk + 15 * lam * np.eye(14), y[keep])
        errs.append((y[i] - K[i, keep] @ c) ** 2)
    # the closed form uses n lam with n = 15 for the held-out fits too (same ridge matrix shift)
    assert math.isclose(fit.loo_error, float(np.mean(errs)), rel_tol=1e-8)


def test_excess_risk_curves_small_case() -> None:
    curve = excess_risk_curves([8, 16], n_test=200, sgd_epochs=50, features=50, seed=0)
    assert curve.ns == [8, 16] and not curve.messages
    for name, risk in curve.risk.items():
        assert len(risk) == 2 and all(r >= 0 for r in risk), name
    assert math.isclose(loglog_slope([1, 10, 100], [1, 0.1, 0.01]), -1.0)
    with pytest.raises(ValueError, match="estimator"):
        excess_risk_curves([8], estimators=["svm"])


# --- minimum norm ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "beta"), [("moons", 1e-3), ("xor", 1e-2), ("circles", 3e-2)])
def test_path_norm_of_the_optimum_is_the_programs_regulariser(name: str, beta: float) -> None:
    """At the certified optimum: path norm = sum ||u_i|| + ||v_i|| of the program's solution, and
    beta times it equals J* minus its mean loss (the penalty of a balanced network)."""
    data = make_dataset(name, 24, noise=0.1, seed=1)
    opt = certified_optimum(data.X, data.y, loss="squared", beta=beta)
    assert opt.certified
    q = path_norm(opt.network)
    assert math.isclose(q, program_regulariser(opt), rel_tol=1e-6)
    mean_loss = 0.5 * np.mean((opt.network.predict(data.X) - data.y) ** 2)
    assert math.isclose(beta * q, opt.objective - mean_loss, rel_tol=1e-6)


def test_path_norm_and_ramp_loss_by_hand() -> None:
    net = TwoLayerReLU(W=np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 2.0]]), alpha=np.array([-2.0, 0.5]))
    assert path_norm(net) == pytest.approx(2 * 5 + 0.5 * 2)
    assert ramp_loss(np.array([2.0, 1.0, 0.5, -3.0])) == pytest.approx((0 + 0 + 0.5 + 1) / 4)


def test_minimum_norm_curve_terms() -> None:
    curve = minimum_norm_curve("moons", [20, 40], beta=1e-2, n_test=200)
    assert [p.n for p in curve.points] == [20, 40]
    for p in curve.points:
        assert p.certified and p.bound >= p.test_error and p.bound > p.train_ramp >= 0
        assert p.complexity == pytest.approx(4 * p.path_norm * p.radius / math.sqrt(p.n))
    with pytest.raises(ValueError, match="regression"):
        minimum_norm_curve("regression", [20])


# --- online ---------------------------------------------------------------------------------------


@given(
    values=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=60),
    window=st.integers(1, 60),
)
def test_rolling_window_equals_direct_sums(values: list[float], window: int) -> None:
    if window > len(values):
        with pytest.raises(ValueError, match="window"):
            rolling_mean(np.array(values), window)
        return
    out = rolling_mean(np.array(values), window)
    direct = [sum(values[i : i + window]) / window for i in range(len(values) - window + 1)]
    np.testing.assert_allclose(out, direct, rtol=1e-9, atol=1e-9 * max(1.0, max(map(abs, values))))


def test_online_regret_window_arithmetic_and_comparators() -> None:
    study = online_regret(steps=600, window=100, eta=0.01, seed=3)
    assert len(study.runs) == 6
    assert study.window_end[0] == 100 and study.window_end[-1] == 600
    for r in study.runs:
        excess = r.losses - study.comparator_losses[r.model]
        assert r.regret.size == 501
        assert r.regret[0] == pytest.approx(excess[:100].mean())
        assert r.regret[-1] == pytest.approx(excess[-100:].mean())
    # the linear comparator is the best fixed linear predictor in hindsight: every online linear
    # learner's total loss is at least its total
    lin = study.comparator_losses["linear"].sum()
    for r in study.runs:
        if r.model == "linear":
            assert r.losses.sum() >= lin - 1e-9


# --- Hessian spectrum -----------------------------------------------------------------------------


def _fd_hessian(net: TwoLayerReLU, X: np.ndarray, y: np.ndarray, beta: float, h: float = 1e-6) -> np.ndarray:
    """Central differences of J's exact gradient (an independent reference for the assembled HVPs)."""
    from engine.gradient.hessian import pack, unpack

    theta = pack(net)
    m, d = net.width, net.input_dim

    def grad(t):
        gW, ga = unpack(t, m, d).gradients(X, y, "squared", beta)
        return np.concatenate([gW.ravel(), ga])

    H = np.empty((theta.size, theta.size))
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        H[:, i] = (grad(theta + e) - grad(theta - e)) / (2 * h)
    return 0.5 * (H + H.T)


def test_hessian_spectrum_matches_dense_eigvalsh_of_finite_differences() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    teacher = symmetric_teacher(3, 2)
    y = teacher.predict(X)
    net = TwoLayerReLU(W=rng.standard_normal((3, 4)), alpha=rng.standard_normal(3))
    ev = hessian_spectrum(net, X, y, 1e-3)
    ref = np.linalg.eigvalsh(_fd_hessian(net, X, y, 1e-3))
    np.testing.assert_allclose(ev, ref, atol=1e-5 * max(1.0, abs(ref).max()))


def test_spectra_at_minima_finds_a_spurious_minimum() -> None:
    study = spectra_at_minima(d=5, k=5, n=400, starts=10, seed=0)
    g = study.global_min
    assert g.is_minimum and g.grad_norm < 1e-4
    assert g.objective <= study.objectives.min() + 1e-12
    assert study.spurious is not None and study.spurious.is_minimum
    assert study.spurious.objective > g.objective + study.spurious_gap * study.scale
    assert study.spurious_count >= 1
    assert len(g.eigenvalues) == 5 * 7
    assert np.all(np.diff(g.eigenvalues) >= 0)


def test_outliers_are_the_top_eigenvalues_above_the_largest_gap() -> None:
    ev = np.array([-0.1, 0.01, 0.02, 0.03, 1.0, 5.0, 6.0])
    np.testing.assert_array_equal(outliers(ev), [4, 5, 6])  # 1.0 is 33 x the bulk's top
    assert outliers(np.array([-1.0, 0.0])).size == 0


# --- census ---------------------------------------------------------------------------------------


def _sweep_rows() -> pd.DataFrame:
    base = {"n": 20, "noise": 0.1, "loss": "squared", "beta": 1e-3, "status": "ok", "error": ""}
    rows = [
        base
        | {
            "dataset": "moons",
            "seed": 0,
            "method": "convex",
            "objective": 0.5,
            "certified": True,
            "neurons": 4,
        },
        base
        | {
            "dataset": "moons",
            "seed": 1,
            "method": "convex",
            "objective": 0.25,
            "certified": True,
            "neurons": 3,
        },
    ]
    for seed, J in ((0, 0.504), (0, 1.0), (1, 0.25), (1, 0.3)):
        rows.append(
            base
            | {"dataset": "moons", "seed": seed, "method": "sgd", "optimizer": "adam", "width": 5, "lr": 0.1}
            | {"epochs": 10, "objective": J, "test_accuracy": 1.0, "train_time_s": 0.1}
        )
    rows.append(base | {"dataset": "xor", "seed": 0, "method": "sgd", "objective": 1.0, "width": 5})  # no J*
    rows.append(base | {"dataset": "moons", "seed": 0, "method": "sgd", "status": "error", "width": 5})
    return pd.DataFrame(rows)


def test_census_gaps_join_and_summary() -> None:
    gaps = census_gaps(_sweep_rows())
    assert len(gaps) == 4
    np.testing.assert_allclose(sorted(gaps["gap"]), sorted([0.008, 1.0, 0.0, 0.2]), atol=1e-12)
    (row,) = summarize_census(gaps)
    assert row.runs == 4 and row.median == pytest.approx(np.median([0.008, 1.0, 0.0, 0.2]))
    assert row.within_1pct == pytest.approx(0.5) and row.within_10pct == pytest.approx(0.5)
    by = summarize_census(gaps, ["seed"])
    assert [r.group for r in by] == [(0,), (1,)] and [r.runs for r in by] == [2, 2]
    assert "50.0 % of the runs end within 1 %" in census_headline(gaps)
