"""ADMM for the robust program (engine.robust.solvers.admm): the cone projection, the robust loss prox,
the Woodbury x-step, and agreement with the CVXPY reference (engine.robust.solve_robust_cvxpy)."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.convex.program import build_patterns, solve_cvxpy
from engine.convex.recovery import recover_network
from engine.losses import get_loss
from engine.network import lift
from engine.robust.program import solve_robust_cvxpy
from engine.robust.solvers.admm import (
    _RobustOperators,
    has_interior,
    project_robust_cone,
    repair_block,
    robust_admm_solve,
    robust_loss_prox,
)
from engine.robust.terms import dual_norm, robust_objective_linear, robust_terms
from tests.engine.helpers import noisy_xor

_FEW = settings(max_examples=6, deadline=None)
_CLARABEL_TIGHT = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8}


def _cone_violation(X, D, U, V, eps, norm) -> float:
    """Largest violation of (2 D_i - I) Z u_i >= eps ||u_i[:d]||_*, relative to the largest block."""
    Z = lift(X)
    S = 2.0 * D.astype(float) - 1.0
    q = dual_norm(norm)
    worst = 0.0
    for W in (U, V):
        slack = S * (Z @ W) - eps * np.linalg.norm(W[:-1], ord=q, axis=0)[None]
        worst = max(worst, float(-slack.min()))
    scale = max(np.linalg.norm(U, axis=0).max(), np.linalg.norm(V, axis=0).max(), 1e-300)
    return max(worst, 0.0) / scale


@_FEW
@given(
    seed=st.integers(0, 10_000),
    eps=st.sampled_from([0.0, 0.05, 0.3, 2.0]),
    norm=st.sampled_from(["inf", "2"]),
    d=st.integers(1, 3),
)
def test_cone_projection_matches_qp(seed, eps, norm, d):
    rng = np.random.default_rng(seed)
    n, B = 6, 4
    s0 = rng.standard_normal((n, B))
    t0 = 2.0 * rng.standard_normal((d, B))
    s, t = project_robust_cone(s0, t0, eps, norm)
    for j in range(B):
        sv, tv = cp.Variable(n), cp.Variable(d)
        cons = [sv >= eps * cp.norm(tv, dual_norm(norm))]
        cp.Problem(cp.Minimize(cp.sum_squares(sv - s0[:, j]) + cp.sum_squares(tv - t0[:, j])), cons).solve(
            solver="CLARABEL", **_CLARABEL_TIGHT
        )
        # feasible, no farther from (s0, t0) than the QP's point, and close to it
        assert s[:, j].min() >= eps * np.linalg.norm(t[:, j], ord=dual_norm(norm)) - 1e-12
        mine = np.sum((s[:, j] - s0[:, j]) ** 2) + np.sum((t[:, j] - t0[:, j]) ** 2)
        theirs = np.sum((sv.value - s0[:, j]) ** 2) + np.sum((tv.value - t0[:, j]) ** 2)
        assert mine <= theirs + 1e-9
        np.testing.assert_allclose(s[:, j], sv.value, atol=1e-5)
        np.testing.assert_allclose(t[:, j], tv.value, atol=1e-5)


def _prox_reference(a_q, a_r, y, loss, eps, norm, tau):
    """The robust loss prox of all points at once as one (separable) CVXPY problem."""
    n, d = a_r.shape
    q, r = cp.Variable(n), cp.Variable((n, d))
    slope = eps * cp.norm(r, dual_norm(norm), axis=1)
    cons = []
    if loss == "hinge":
        terms = cp.pos(1 - cp.multiply(y, q) + slope)
    elif loss == "logistic":
        terms = cp.logistic(-cp.multiply(y, q) + slope)
    else:
        e = cp.Variable(n, nonneg=True)
        cons.append(e >= cp.abs(q - y) + slope)
        terms = cp.square(e) / 2
    objective = tau * cp.sum(terms) + (cp.sum_squares(q - a_q) + cp.sum_squares(r - a_r)) / 2
    cp.Problem(cp.Minimize(objective), cons).solve(solver="CLARABEL")
    return q.value, r.value


def _prox_objective(q, r, a_q, a_r, y, loss, eps, norm, tau):
    """Per point: tau * robust term + ((q - a_q)^2 + ||r - a_r||^2) / 2."""
    slope = np.linalg.norm(r, ord=dual_norm(norm), axis=1)
    term = robust_terms(q, slope, y, get_loss(loss), eps)
    return tau * term + ((q - a_q) ** 2 + np.sum((r - a_r) ** 2, axis=1)) / 2


@_FEW
@given(
    seed=st.integers(0, 10_000),
    loss=st.sampled_from(["hinge", "logistic", "squared"]),
    norm=st.sampled_from(["inf", "2"]),
    eps=st.sampled_from([0.0, 0.1, 0.7]),
    tau=st.sampled_from([0.05, 1.0, 8.0]),
)
def test_loss_prox_matches_direct_minimisation(seed, loss, norm, eps, tau):
    rng = np.random.default_rng(seed)
    n, d = 12, 2
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    a_q = 2.0 * rng.standard_normal(n)
    a_r = 2.0 * rng.standard_normal((n, d))
    q, r = robust_loss_prox(a_q, a_r, y, loss=get_loss(loss), eps=eps, norm=norm, tau=tau)
    q_ref, r_ref = _prox_reference(a_q, a_r, y, loss, eps, norm, tau)
    # the prox objective is 1-strongly convex: no point may do worse than the reference's, and both
    # lie close (Clarabel's exponential cone is accurate to about 1e-5 only)
    mine = _prox_objective(q, r, a_q, a_r, y, loss, eps, norm, tau)
    theirs = _prox_objective(q_ref, r_ref, a_q, a_r, y, loss, eps, norm, tau)
    assert np.all(mine <= theirs + 1e-10)
    np.testing.assert_allclose(q, q_ref, atol=1e-4)
    np.testing.assert_allclose(r, r_ref if eps > 0.0 else a_r, atol=1e-4)


def test_woodbury_solve_equals_dense_solve():
    X, _ = noisy_xor(0, 6)
    Z = lift(X)
    n, p = Z.shape
    d = p - 1
    D = build_patterns(X, 5, 0).D
    P = D.shape[1]
    rng = np.random.default_rng(1)
    for gamma, kappa, rho, rho_q in [(1.0, 1.0, 0.3, 1.0 / n), (0.0, 0.0, 2.0, 0.5), (0.7, 1.3, 0.05, 3.0)]:
        ops = _RobustOperators(Z, D, gamma, kappa)
        ops.factor(rho, rho_q)
        basis = np.eye(p * 2 * P)
        G = np.stack(
            [
                np.concatenate([s.ravel(), t.ravel()])
                for s, t in (ops.apply_g(b.reshape(p, 2 * P)) for b in basis)
            ],
            1,
        )
        F = np.stack([ops.apply_f(b.reshape(p, 2 * P)).ravel() for b in basis], 1)
        dense = rho * (np.eye(p * 2 * P) + G.T @ G) + rho_q * F.T @ F
        R = rng.standard_normal((p, 2 * P))
        np.testing.assert_allclose(
            ops.solve(R).ravel(), scipy.linalg.solve(dense, R.ravel()), rtol=1e-8, atol=1e-10
        )
        # F maps to (kappa r_k, q_k) with the prediction q and the local slope r
        x = rng.standard_normal((p, 2 * P))
        o = ops.apply_f(x)
        Df = D.astype(float)
        np.testing.assert_allclose(o[:, d], np.sum(Df * (Z @ (x[:, :P] - x[:, P:])), axis=1))
        np.testing.assert_allclose(o[:, :d], kappa * Df @ (x[:d, :P] - x[:d, P:]).T)


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_repair_block_is_the_projection_onto_the_robust_cone(norm):
    X, _ = noisy_xor(3, 9)
    Z = lift(X)
    D = build_patterns(X, 6, 0).D
    rng = np.random.default_rng(0)
    eps = 0.1
    for j in range(D.shape[1]):
        Zs = (2.0 * D[:, [j]] - 1.0) * Z
        w = rng.standard_normal(3)
        x = repair_block(Zs, w, eps, norm)
        xv = cp.Variable(3)
        cp.Problem(
            cp.Minimize(cp.sum_squares(xv - w)), [Zs @ xv >= eps * cp.norm(xv[:2], dual_norm(norm))]
        ).solve(solver="CLARABEL")
        np.testing.assert_allclose(x, xv.value, atol=1e-6)
        assert np.min(Zs @ x) >= eps * np.linalg.norm(x[:2], ord=dual_norm(norm)) - 1e-12 * np.linalg.norm(x)


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_has_interior_matches_the_socp_margin(norm):
    X, _ = noisy_xor(4, 30)
    Z = lift(X)
    D = build_patterns(X, 30, 0).D
    eps = 0.15
    verdicts = []
    for j in range(D.shape[1]):
        Zs = (2.0 * D[:, [j]] - 1.0) * Z
        x, m = cp.Variable(3), cp.Variable()
        cons = [Zs @ x >= eps * cp.norm(x[:2], dual_norm(norm)) + m, cp.norm(x, "inf") <= 1]
        cp.Problem(cp.Maximize(m), cons).solve(solver="CLARABEL")
        if m.value > 1e-6 or m.value < 1e-9:  # x = 0 gives m = 0: no interior iff max m = 0
            verdicts.append((has_interior(Zs, eps, norm), m.value > 1e-6))
    assert len(verdicts) > 10 and {v for v, _ in verdicts} == {True, False}
    assert all(mine == ref for mine, ref in verdicts)


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
@settings(max_examples=2, deadline=None)
@given(data=st.data())
def test_admm_matches_cvxpy_on_the_same_patterns(loss, data):
    seed = data.draw(st.integers(0, 10_000), label="seed")
    n = data.draw(st.integers(8, 15), label="n")
    P = data.draw(st.integers(8, 15), label="P")
    eps = data.draw(st.sampled_from([0.0, 0.05, 0.1]), label="eps")
    norm = data.draw(st.sampled_from(["inf", "2"]), label="norm")
    beta = data.draw(st.sampled_from([0.01, 0.03, 0.1]), label="beta")
    X, y = noisy_xor(seed, n)
    D = build_patterns(X, P, seed).D
    ref = solve_robust_cvxpy(X, y, loss=loss, beta=beta, eps=eps, norm=norm, patterns=P, pattern_seed=seed)
    assert np.array_equal(ref.D, D)
    kw = dict(loss=get_loss(loss), beta=beta, eps=eps, norm=norm)
    f_ref = robust_objective_linear(X, y, D, ref.U, ref.V, **kw)
    res = robust_admm_solve(X, y, D, **kw)
    f = robust_objective_linear(X, y, D, res.U, res.V, **kw)
    assert abs(f - f_ref) <= 1e-4 * abs(f_ref), (f, f_ref, res.iterations, res.message)
    assert _cone_violation(X, D, res.U, res.V, eps, norm) <= 1e-9
    last = res.history[-1]
    assert last["iteration"] == res.iterations and abs(last["objective"] - f) <= 1e-12 * abs(f)
    assert {"primal_residual", "dual_residual", "time_s", "violation", "objective_w"} <= set(last)


def test_time_limit_and_max_iter_stop_the_run():
    X, y = noisy_xor(2, 12)
    D = build_patterns(X, 10, 0).D
    kw = dict(loss=get_loss("hinge"), beta=0.01, eps=0.1, norm="2")
    res = robust_admm_solve(X, y, D, max_iter=30, **kw)
    assert res.iterations == 30 and not res.converged and "max_iter" in res.message
    assert _cone_violation(X, D, res.U, res.V, 0.1, "2") <= 1e-9  # feasible at any stop
    res = robust_admm_solve(X, y, D, time_limit_s=0.0, **kw)
    assert res.iterations == 1 and "time limit" in res.message


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_eps_zero_is_the_standard_program(loss):
    X, y = noisy_xor(5, 12)
    D = build_patterns(X, 12, 0).D
    beta = 0.03
    res = robust_admm_solve(X, y, D, loss=get_loss(loss), beta=beta, eps=0.0, norm="inf")
    U, V, _, _ = solve_cvxpy(X, y, D, loss, beta)
    f_ref = recover_network(U, V).objective(X, y, loss, beta)
    f = recover_network(res.U, res.V).objective(X, y, loss, beta)
    assert abs(f - f_ref) <= 1e-4 * abs(f_ref)
    assert (
        abs(
            robust_objective_linear(X, y, D, res.U, res.V, loss=get_loss(loss), beta=beta, eps=0.0, norm="2")
            - f
        )
        <= 1e-9
    )
