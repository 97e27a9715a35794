"""The facet-reduced robust program (Clarabel direct) against the CVXPY reference on the same patterns."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.convex.program import build_patterns, solve_convex
from engine.losses import get_loss
from engine.network import lift
from engine.robust.program import solve_robust
from engine.robust.solvers.reduced import solve_robust_reduced, zero_robust_cones
from engine.robust.terms import dual_norm, robust_objective_linear


def _problem(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = np.where(X[:, 0] * X[:, 1] + 0.3 * rng.normal(size=n) >= 0, 1.0, -1.0)
    if np.all(y == y[0]):
        y[0] = -y[0]
    return X, y


def _violation(X: np.ndarray, D: np.ndarray, W: np.ndarray, eps: float, norm: str) -> float:
    """Largest violation of ``(2 d_k - 1) z_k . w >= eps ||w[:d]||_*`` over ALL points and blocks."""
    Z = lift(X)
    S = 2.0 * D - 1.0
    margins = S * (Z @ W) - eps * np.linalg.norm(W[:-1], ord=dual_norm(norm), axis=0)
    return float(max(0.0, -margins.min()))


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    loss=st.sampled_from(["hinge", "squared", "logistic"]),
    norm=st.sampled_from(["inf", "2"]),
    eps=st.sampled_from([0.0, 0.05, 0.2]),
    beta=st.sampled_from([1e-2, 5e-2]),
)
def test_reduced_robust_program_matches_reference(seed, loss, norm, eps, beta):
    X, y = _problem(seed, 12)
    kw = dict(loss=loss, beta=beta, eps=eps, norm=norm, patterns=10, pattern_seed=seed)
    ref = solve_robust(X, y, solver="cvxpy", **kw)
    fast = solve_robust(X, y, solver="reduced", **kw)
    assert np.array_equal(ref.D, fast.D)
    obj = dict(loss=get_loss(loss), beta=beta, eps=eps, norm=norm)
    j_ref = robust_objective_linear(X, y, ref.D, ref.U, ref.V, **obj)
    j_fast = robust_objective_linear(X, y, fast.D, fast.U, fast.V, **obj)
    assert j_fast == pytest.approx(j_ref, rel=1e-4)
    # the facet rows imply every dropped constraint: all of them hold at the solution
    scale = max(1.0, float(np.abs(np.hstack([fast.U, fast.V])).max()))
    assert _violation(X, fast.D, fast.U, eps, norm) <= 1e-7 * scale
    assert _violation(X, fast.D, fast.V, eps, norm) <= 1e-7 * scale
    # the recovered network's robust objective is the program's value
    assert fast.objective == pytest.approx(j_fast, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("loss", ["hinge", "squared", "logistic"])
def test_exact_patterns_match_reference(loss):
    X, y = _problem(3, 10)
    kw = dict(loss=loss, beta=2e-2, eps=0.1, norm="inf", patterns="exact")
    ref = solve_robust(X, y, solver="cvxpy", **kw)
    fast = solve_robust(X, y, solver="reduced", **kw)
    assert fast.objective == pytest.approx(ref.objective, rel=1e-4)
    assert fast.pattern_mode == "exact" and fast.solver == "reduced"


@pytest.mark.parametrize("loss", ["hinge", "squared", "logistic"])
def test_eps_zero_is_the_standard_program(loss):
    X, y = _problem(5, 14)
    standard = solve_convex(X, y, loss=loss, beta=2e-2, patterns="exact", solver="cvxpy")
    robust = solve_robust(X, y, loss=loss, beta=2e-2, eps=0.0, norm="2", patterns="exact", solver="reduced")
    assert robust.objective == pytest.approx(standard.objective, rel=1e-6, abs=1e-9)
    assert robust.nominal_objective == pytest.approx(robust.objective, rel=1e-9)


def test_larger_radius_never_lowers_the_value():
    """The robust feasible set shrinks and every term grows with eps: the value is nondecreasing."""
    X, y = _problem(11, 20)
    D = build_patterns(X, 30, 0).D
    hinge = get_loss("hinge")
    values = []
    for eps in (0.0, 0.05, 0.1, 0.2):
        sol = solve_robust_reduced(X, y, D, loss=hinge, beta=1e-2, eps=eps, norm="inf")
        values.append(
            robust_objective_linear(X, y, D, sol.U, sol.V, loss=hinge, beta=1e-2, eps=eps, norm="inf")
        )
    assert all(b >= a - 1e-7 for a, b in zip(values, values[1:], strict=False))


def test_bad_requests_are_refused():
    X, y = _problem(0, 10)
    D = build_patterns(X, 5, 0).D
    with pytest.raises(ValueError, match="norm"):
        solve_robust_reduced(X, y, D, loss=get_loss("hinge"), beta=1e-2, eps=0.1, norm="1")
    with pytest.raises(ValueError, match="robust solver"):
        solve_robust(X, y, solver="nope")
    with pytest.raises(ValueError, match="eps"):
        solve_robust(X, y, eps=-1.0)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    norm=st.sampled_from(["inf", "2"]),
    eps=st.sampled_from([0.05, 0.2, 0.5]),
)
def test_cones_screened_as_zero_hold_only_zero(seed, norm, eps):
    """Every pattern ``zero_robust_cones`` flags has the robust cone {0}: CVXPY's largest |w_i| over
    the cone and the box ||w||_inf <= 1 is 0 in each coordinate (an independent check of the proof; the
    cone is scale-invariant, so for a cone other than {0} some coordinate would reach 1)."""
    import cvxpy as cp

    X, _ = _problem(seed, 10)
    D = build_patterns(X, 12, seed).D
    flagged = np.flatnonzero(zero_robust_cones(X, D, eps, norm))
    Z = lift(X)
    q = dual_norm(norm)
    for j in flagged[:4]:
        w = cp.Variable(3)
        S = 2.0 * D[:, j] - 1.0
        cone = [cp.multiply(S, Z @ w) >= eps * cp.norm(w[:2], q), cp.norm(w, "inf") <= 1]
        for i in range(3):
            for sign in (1.0, -1.0):
                value = cp.Problem(cp.Maximize(sign * w[i]), cone).solve(solver=cp.CLARABEL)
                assert value <= 1e-4


@pytest.mark.parametrize("loss", ["hinge", "squared", "logistic"])
def test_the_zero_cone_screen_keeps_the_optimum(loss):
    """On dense data most sampled patterns' robust cones are {0} (dropped before Clarabel); the
    program's value is still the CVXPY reference's on all the patterns, and the dropped blocks are 0."""
    rng = np.random.default_rng(7)
    X = rng.uniform(-1.0, 1.0, size=(30, 2))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] >= 0.1, 1.0, -1.0)
    kw = dict(loss=loss, beta=1e-2, eps=0.15, norm="2", patterns=40, pattern_seed=1)
    ref = solve_robust(X, y, solver="cvxpy", **kw)
    fast = solve_robust(X, y, solver="reduced", **kw)
    flagged = zero_robust_cones(X, fast.D, 0.15, "2")
    assert 0 < flagged.sum() < flagged.size
    assert np.all(fast.U[:, flagged] == 0.0) and np.all(fast.V[:, flagged] == 0.0)
    assert fast.objective == pytest.approx(ref.objective, rel=1e-5)


def test_every_cone_zero_gives_the_zero_network():
    X = np.array([[0.0, 0.0], [0.05, 0.0], [0.0, 0.05], [0.05, 0.05]])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    D = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=bool)
    sol = solve_robust_reduced(X, y, D, loss=get_loss("hinge"), beta=1e-2, eps=0.1, norm="2")
    assert sol.status == "optimal" and not sol.U.any() and not sol.V.any()
