"""ADMM for the convex program (engine.solvers.admm): the Woodbury u-step, agreement with the reference
solver, residuals, warm starts and the certificate."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from engine.certificate import certify
from engine.convex import solve_cvxpy
from engine.network import lift
from engine.patterns import exact_patterns, sample_patterns
from engine.recovery import recover_network
from engine.solvers.admm import AdmmResult, _Operators, admm_solve

# Tight Clarabel tolerances so the reference objective is accurate well beyond 1e-4.
_CLARABEL_TIGHT = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8}


def _problem(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = np.where(X[:, 0] * X[:, 1] + 0.3 * rng.standard_normal(n) >= 0.0, 1.0, -1.0)
    return X, y


def _reference_objective(X, y, D, beta):
    U, V, _, _ = solve_cvxpy(X, y, D, "squared", beta, options=_CLARABEL_TIGHT)
    return recover_network(U, V).objective(X, y, "squared", beta)


def _dense_system(Z: np.ndarray, D: np.ndarray, rho: float) -> np.ndarray:
    """F^T F / n + rho I + rho G^T G, formed explicitly (blocks u_1..u_P, v_1..v_P)."""
    n, p = Z.shape
    P = D.shape[1]
    blocks = [D[:, [i]] * Z for i in range(P)]
    F = np.hstack(blocks + [-b for b in blocks])
    cone = [(2.0 * D[:, [i]] - 1.0) * Z for i in range(P)]
    G = scipy.linalg.block_diag(*(cone + cone))
    return F.T @ F / n + rho * np.eye(2 * p * P) + rho * G.T @ G


@pytest.mark.parametrize("rho", [0.05, 1.0, 30.0])
def test_woodbury_solve_equals_dense_solve(rho):
    X, _ = _problem(0, 7)
    Z = lift(X)
    D = exact_patterns(X, include_empty=False).D.astype(float)
    p, P = Z.shape[1], D.shape[1]
    ops = _Operators(Z, D)
    ops.factor(rho)
    R = np.random.default_rng(1).standard_normal((p, 2 * P))
    dense = np.linalg.solve(_dense_system(Z, D, rho), R.T.reshape(-1))  # block j = column j of R
    np.testing.assert_allclose(ops.solve(R).T.reshape(-1), dense, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize(
    ("seed", "n", "mode", "beta"),
    [
        (0, 8, "exact", 0.1),
        (1, 12, "sampled", 0.1),
        (2, 16, "exact", 0.05),
        (3, 20, "sampled", 0.1),
        (7, 12, "sampled", 0.01),
        (8, 10, "exact", 0.01),
    ],
)
def test_admm_matches_reference_solver(seed, n, mode, beta):
    X, y = _problem(seed, n)
    D = exact_patterns(X, include_empty=False).D if mode == "exact" else sample_patterns(X, 40, seed).D
    reference = _reference_objective(X, y, D, beta)
    result = admm_solve(X, y, D, beta=beta, max_iter=6000, tol=1e-7)
    J = recover_network(result.U, result.V).objective(X, y, "squared", beta)
    assert abs(J - reference) <= 1e-4 * abs(reference)
    assert result.history["objective"][-1] == pytest.approx(J, rel=1e-12)
    for key in ("iteration", "objective", "primal_residual", "dual_residual", "time_s"):
        values = np.asarray(result.history[key], dtype=float)
        assert len(values) == len(result.history["iteration"]) and np.all(np.isfinite(values))
    assert result.history["iteration"][-1] == result.iterations
    # residuals end far below where they start
    assert result.history["primal_residual"][-1] < 1e-3 * result.history["primal_residual"][0]
    assert result.history["dual_residual"][-1] < 1e-3 * max(result.history["dual_residual"][:5])
    assert result.U.shape == result.V.shape == (3, D.shape[1])


def test_tight_tolerance_reaches_1e6():
    """The objective's relative error tracks tol (about tol to 10 tol): tol = 1e-8 gives 1e-6."""
    X, y = _problem(1, 12)
    D = sample_patterns(X, 40, 1).D
    reference = _reference_objective(X, y, D, 0.1)
    result = admm_solve(X, y, D, beta=0.1, max_iter=6000, tol=1e-8)
    assert result.converged
    J = recover_network(result.U, result.V).objective(X, y, "squared", 0.1)
    assert abs(J - reference) <= 1e-6 * abs(reference)


def test_warm_start_with_changed_beta_needs_fewer_iterations():
    X, y = _problem(5, 12)
    D = exact_patterns(X, include_empty=False).D
    first = admm_solve(X, y, D, beta=0.1, max_iter=6000, tol=1e-6)
    assert first.converged
    cold = admm_solve(X, y, D, beta=0.08, max_iter=6000, tol=1e-6)
    warm = admm_solve(X, y, D, beta=0.08, max_iter=6000, tol=1e-6, warm_start=first)
    assert cold.converged and warm.converged
    assert warm.iterations < cold.iterations
    J_cold = recover_network(cold.U, cold.V).objective(X, y, "squared", 0.08)
    J_warm = recover_network(warm.U, warm.V).objective(X, y, "squared", 0.08)
    assert J_warm == pytest.approx(J_cold, rel=1e-4)


def test_certificate_of_admm_network_on_exact_patterns():
    X, y = _problem(3, 12)
    D = exact_patterns(X, include_empty=False).D
    result = admm_solve(X, y, D, beta=0.1, max_iter=6000, tol=1e-8)
    network = recover_network(result.U, result.V)
    cert = certify(X, y, network, loss="squared", beta=0.1)
    assert cert.exact
    assert cert.relative_gap <= 1e-5


def test_regression_targets_and_result_type():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((10, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    D = sample_patterns(X, 30, 0).D
    result = admm_solve(X, y, D, beta=0.05, max_iter=6000, tol=1e-7)
    assert isinstance(result, AdmmResult)
    reference = _reference_objective(X, y, D, 0.05)
    J = recover_network(result.U, result.V).objective(X, y, "squared", 0.05)
    assert abs(J - reference) <= 1e-4 * abs(reference)


def test_invalid_arguments():
    X, y = _problem(0, 8)
    D = sample_patterns(X, 10, 0).D
    with pytest.raises(ValueError, match="squared loss"):
        admm_solve(X, y, D, beta=0.1, loss="hinge")
    with pytest.raises(ValueError, match="beta"):
        admm_solve(X, y, D, beta=0.0)
    with pytest.raises(ValueError, match="rho"):
        admm_solve(X, y, D, beta=0.1, rho=-1.0)
    with pytest.raises(ValueError, match="n x P"):
        admm_solve(X, y, D[:5], beta=0.1)
    other = sample_patterns(X, 40, 1).D
    previous = admm_solve(X, y, D, beta=0.1, max_iter=20)
    if other.shape[1] != D.shape[1]:
        with pytest.raises(ValueError, match="warm start"):
            admm_solve(X, y, other, beta=0.1, warm_start=previous)
