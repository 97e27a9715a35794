"""The convex program of a two-layer ReLU network, its reference solver and network recovery.

For patterns D_1..D_P and variables u_i, v_i in R^(d+1) (DESIGN.md section 3):

    C(u, v) = L(yhat) + beta * sum_i (||u_i||_2 + ||v_i||_2),   yhat = sum_i D_i Z (u_i - v_i),
    subject to (2 D_i - I) Z u_i >= 0 and (2 D_i - I) Z v_i >= 0.

With all patterns (``exact``) min C equals the global minimum of J for every width m >= m*. With
sampled patterns the program is a restriction, so its optimum is an upper bound on min J.
Recovery: each nonzero u_i gives the neuron (u_i / sqrt||u_i||, +sqrt||u_i||), each nonzero v_i
gives (v_i / sqrt||v_i||, -sqrt||v_i||); then J(recovered) = C.
"""

from __future__ import annotations

import time

import cvxpy as cp
import numpy as np

from engine.certificate import DEFAULT_TOLERANCE, certify
from engine.losses import LOSS_NAMES, get_loss
from engine.network import TwoLayerReLU, lift
from engine.patterns import PatternSet, exact_patterns, sample_patterns
from engine.results import ConvexResult

SOLVERS = ("cvxpy",)
# Largest training-set size for which the reference solver (CVXPY + Clarabel) handles the exact
# program, n(n-1)+2 patterns, within a few seconds. Faster solvers lift this cap.
EXACT_MAX_N = 40
# Largest number of sampled patterns the reference solver is asked to handle.
MAX_SAMPLED_PATTERNS = 2000
# A u_i or v_i counts as a neuron when its norm exceeds this fraction of the largest one.
NEURON_REL_THRESHOLD = 1e-7


def convex_objective(
    X: np.ndarray, y: np.ndarray, D: np.ndarray, U: np.ndarray, V: np.ndarray, loss: str, beta: float
) -> float:
    """``C(u, v)`` for columns u_i = U[:, i], v_i = V[:, i] of the patterns D (constraints not checked)."""
    Z = lift(X)
    yhat = np.sum(D * (Z @ (U - V)), axis=1)
    reg = np.sum(np.linalg.norm(U, axis=0)) + np.sum(np.linalg.norm(V, axis=0))
    return get_loss(loss).mean(yhat, y) + beta * float(reg)


def recover_network(
    U: np.ndarray, V: np.ndarray, rel_threshold: float = NEURON_REL_THRESHOLD
) -> TwoLayerReLU:
    """The ReLU network of a convex solution: one neuron per nonzero u_i (alpha > 0) and v_i (alpha < 0)."""
    norms_u = np.linalg.norm(U, axis=0)
    norms_v = np.linalg.norm(V, axis=0)
    top = max(float(np.max(norms_u, initial=0.0)), float(np.max(norms_v, initial=0.0)))
    rows, alphas = [], []
    if top > 0.0:
        for M, norms, sign in ((U, norms_u, 1.0), (V, norms_v, -1.0)):
            for i in np.flatnonzero(norms > rel_threshold * top):
                r = np.sqrt(norms[i])
                rows.append(M[:, i] / r)
                alphas.append(sign * r)
    if not rows:
        return TwoLayerReLU(W=np.zeros((0, U.shape[0])), alpha=np.zeros(0))
    return TwoLayerReLU(W=np.vstack(rows), alpha=np.array(alphas))


def build_patterns(X: np.ndarray, patterns: str | int, pattern_seed: int = 0) -> PatternSet:
    """The exact patterns (2-D) or ``patterns`` Gaussian draws, without the empty pattern."""
    if patterns == "exact":
        return exact_patterns(X, include_empty=False)
    count = int(patterns)
    if count < 1 or count > MAX_SAMPLED_PATTERNS:
        raise ValueError(f"the number of sampled patterns must be between 1 and {MAX_SAMPLED_PATTERNS}")
    return sample_patterns(X, count, pattern_seed)


def solve_cvxpy(
    X: np.ndarray, y: np.ndarray, D: np.ndarray, loss: str, beta: float, solver: str = "CLARABEL"
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Solve the convex program on patterns D with CVXPY: (U, V, dual point lambda or None, status).

    ``lambda`` is the multiplier of ``yhat = sum_i D_i Z (u_i - v_i)``, oriented as grad L(yhat), a
    dual point for the certificate.
    """
    Z = lift(X)
    n, p = Z.shape
    P = D.shape[1]
    Df = D.astype(float)
    S = 2.0 * Df - 1.0
    U = cp.Variable((p, P))
    V = cp.Variable((p, P))
    f = cp.Variable(n)
    ZU, ZV = Z @ U, Z @ V
    link = f == cp.sum(cp.multiply(Df, ZU - ZV), axis=1)
    if loss == "squared":
        data = cp.sum_squares(f - y) / (2 * n)
    elif loss == "hinge":
        data = cp.sum(cp.pos(1 - cp.multiply(y, f))) / n
    else:
        data = cp.sum(cp.logistic(-cp.multiply(y, f))) / n
    reg = cp.sum(cp.norm(U, 2, axis=0)) + cp.sum(cp.norm(V, 2, axis=0))
    problem = cp.Problem(
        cp.Minimize(data + beta * reg), [link, cp.multiply(S, ZU) >= 0, cp.multiply(S, ZV) >= 0]
    )
    try:
        problem.solve(solver=solver)
    except cp.error.SolverError as exc:
        raise RuntimeError(f"the reference solver failed: {exc}") from exc
    if U.value is None:
        raise RuntimeError(f"the reference solver returned no solution (status {problem.status})")
    lam = None
    if link.dual_value is not None:
        lam = np.asarray(link.dual_value, dtype=float).reshape(-1)
        grad = get_loss(loss).mean_gradient(np.asarray(f.value).reshape(-1), y)
        if float(lam @ grad) < 0.0:
            lam = -lam
    return np.asarray(U.value), np.asarray(V.value), lam, str(problem.status)


def _polish(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    U: np.ndarray,
    V: np.ndarray,
    status: str,
    loss: str,
    beta: float,
    support_threshold: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Re-solve on the patterns an interior-point solution actually uses.

    An interior-point solution spreads tiny nonzero groups over every pattern; together they shift
    yhat. The program restricted to the support (groups above ``support_threshold`` of the largest)
    is small, solves to high accuracy and, when the support is right, has the same optimum. The
    polished solution is kept only if its recovered network has a lower J.
    """
    size = np.maximum(np.linalg.norm(U, axis=0), np.linalg.norm(V, axis=0))
    if size.size == 0 or np.max(size) == 0.0:
        return U, V, status
    support = np.flatnonzero(size > support_threshold * np.max(size))
    if len(support) == D.shape[1]:
        return U, V, status
    try:
        Us, Vs, _, status_s = solve_cvxpy(X, y, D[:, support], loss, beta)
    except RuntimeError:
        return U, V, status
    U2, V2 = np.zeros_like(U), np.zeros_like(V)
    U2[:, support], V2[:, support] = Us, Vs
    before = recover_network(U, V).objective(X, y, loss, beta)
    after = recover_network(U2, V2).objective(X, y, loss, beta)
    if after <= before:
        return U2, V2, status_s
    return U, V, status


def validate_problem(X: np.ndarray, y: np.ndarray, loss: str, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Check shapes, finiteness, labels and beta; raise ValueError with a one-sentence message."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if loss not in LOSS_NAMES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSS_NAMES)}")
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise ValueError("X must be an n x d array with one label per row")
    if X.shape[0] < 2:
        raise ValueError("training needs at least 2 points")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("the data contain NaN or infinite values")
    if not (np.isfinite(beta) and beta > 0.0):
        raise ValueError("beta must be a positive number")
    if loss != "squared" and not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"the {loss} loss needs labels -1/+1; use the squared loss for regression targets")
    return X, y


def solve_convex(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: str = "squared",
    beta: float = 1e-3,
    patterns: str | int = "exact",
    pattern_seed: int = 0,
    solver: str = "cvxpy",
    tol: float = DEFAULT_TOLERANCE,
) -> ConvexResult:
    """Solve the convex program, recover the network and certify it against the dual bound.

    ``patterns`` is ``"exact"`` (2-D data, n <= EXACT_MAX_N for the reference solver) or a number of
    Gaussian draws. ``objective`` of the result is J of the recovered network on (X, y).
    """
    X, y = validate_problem(X, y, loss, beta)
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    if patterns == "exact":
        if X.shape[1] != 2:
            raise ValueError("exact patterns need 2-D data; give a number of sampled patterns instead")
        if X.shape[0] > EXACT_MAX_N:
            raise ValueError(
                f"the exact program is limited to n <= {EXACT_MAX_N} points with the reference "
                f"solver (n = {X.shape[0]}); use sampled patterns"
            )
    start = time.perf_counter()
    pset = build_patterns(X, patterns, pattern_seed)
    U, V, lam, status = solve_cvxpy(X, y, pset.D, loss, beta)
    U, V, status = _polish(X, y, pset.D, U, V, status, loss, beta)
    network = recover_network(U, V)
    elapsed = time.perf_counter() - start
    certificate = certify(
        X, y, network, loss=loss, beta=beta, tol=tol, extra_duals=[lam] if lam is not None else None
    )
    message = ""
    if status != "optimal":
        message = f"the reference solver stopped with status {status!r}"
    return ConvexResult(
        network=network,
        objective=certificate.objective,
        convex_objective=convex_objective(X, y, pset.D, U, V, loss, beta),
        certificate=certificate,
        patterns=pset.count,
        pattern_mode="exact" if pset.exact else "sampled",
        solver=solver,
        time_s=elapsed,
        status=status,
        U=U,
        V=V,
        D=pset.D,
        message=message,
    )
