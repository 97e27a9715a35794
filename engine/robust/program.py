"""The convex robust (adversarial) training program (docs/design.md §5; Bai et al., section 4).

Every input x_k may be moved by delta with ``||delta|| <= eps`` (l_inf or l2 ball, data units; the
bias coordinate of z = (x, 1) is never perturbed). Freeze every pattern over the whole ball:

    (2 D_i - I) Z u_i >= eps ||u_i[:d]||_*   (and the same for v_i),

where ``||.||_*`` is the dual norm (l1 for the l_inf ball, l2 for the l2 ball): then every neuron keeps
its sign on the ball around every training point, so the network is *linear* on each ball,

    f(x_k + delta) = yhat_k + g_k . delta,    g_k = sum_i d_ik (u_i - v_i)[:d],

and the worst case over the ball is closed-form: ``max_delta g_k . delta = eps ||g_k||_*``. The robust
loss terms are

    hinge     (1 - y_k yhat_k + eps ||g_k||_*)_+
    logistic  log(1 + exp(-y_k yhat_k + eps ||g_k||_*))
    squared   (|yhat_k - y_k| + eps ||g_k||_*)^2 / 2,

and the program is ``min (1/n) sum_k robust term_k + beta sum_i (||u_i|| + ||v_i||)`` under the frozen
pattern constraints. For the recovered network (recovery as in docs/design.md §3) each robust term
is exactly the worst loss of that network over the ball, so the program's value is the true robust
objective of a real network: an **upper bound** on the best robust objective over all networks (the
program only searches networks whose patterns are constant on every ball). With eps = 0 it is the
standard program.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from engine.attacks import input_gradient
from engine.convex.program import EXACT_MAX_N, build_patterns
from engine.convex.recovery import merge_neurons, recover_network
from engine.losses import get_loss
from engine.network import TwoLayerReLU, lift
from engine.validation import validate_problem

__all__ = [
    "NORMS",
    "ROBUST_SOLVERS",
    "ROBUST_SOLVER_HELP",
    "RobustResult",
    "dual_norm",
    "network_robust_objective",
    "robust_objective_linear",
    "solve_robust",
    "solve_robust_cvxpy",
]

NORMS = ("inf", "2")


def dual_norm(norm: str) -> float:
    """The order of the dual norm: l_inf ball -> l1, l2 ball -> l2."""
    if norm == "inf":
        return 1
    if norm == "2":
        return 2
    raise ValueError(f"norm must be 'inf' or '2' (got {norm!r})")


@dataclass
class RobustResult:
    """The robust program's solution and the network recovered from it."""

    network: TwoLayerReLU
    objective: float  # the robust objective of the recovered network (an upper bound, see above)
    nominal_objective: float  # J of the same network without perturbation
    eps: float
    norm: str
    patterns: int
    pattern_mode: str
    status: str
    time_s: float
    U: np.ndarray
    V: np.ndarray
    D: np.ndarray
    solver: str = "cvxpy"


def robust_terms(yhat: np.ndarray, slopes: np.ndarray, y: np.ndarray, loss: str, eps: float) -> np.ndarray:
    """The robust loss term of every point from predictions, local slopes ``eps ||g_k||_*`` and labels."""
    if loss == "hinge":
        return np.maximum(0.0, 1.0 - y * yhat + eps * slopes)
    if loss == "logistic":
        return np.logaddexp(0.0, -y * yhat + eps * slopes)
    if loss == "squared":
        return 0.5 * (np.abs(yhat - y) + eps * slopes) ** 2
    raise ValueError(f"unknown loss {loss!r}")


def robust_objective_linear(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    U: np.ndarray,
    V: np.ndarray,
    *,
    loss: str,
    beta: float,
    eps: float,
    norm: str,
) -> float:
    """The robust program's objective at (U, V) (constraints not checked)."""
    Z = lift(X)
    d = X.shape[1]
    yhat = np.sum(D * (Z @ (U - V)), axis=1)
    G = D.astype(float) @ (U[:d] - V[:d]).T  # n x d local slopes
    slopes = np.linalg.norm(G, ord=dual_norm(norm), axis=1)
    reg = np.sum(np.linalg.norm(U, axis=0)) + np.sum(np.linalg.norm(V, axis=0))
    return float(np.mean(robust_terms(yhat, slopes, y, loss, eps)) + beta * reg)


def network_robust_objective(
    network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, *, loss: str, beta: float, eps: float, norm: str
) -> float:
    """The robust objective of a network that is linear on every ball (as the program's networks are).

    Uses the slope of f at each training point; for a network whose neurons change sign inside a
    ball this is not the worst case (use the exact 2-D certificate instead).
    """
    slopes = np.linalg.norm(input_gradient(network, X), ord=dual_norm(norm), axis=1)
    terms = robust_terms(network.predict(X), slopes, y, loss, eps)
    return float(np.mean(terms) + beta / 2 * (np.sum(network.W**2) + np.sum(network.alpha**2)))


ROBUST_SOLVERS = ("reduced", "cvxpy", "admm")
ROBUST_SOLVER_HELP = {
    "reduced": "Clarabel called directly on the program with each pattern's cone cut to its facets "
    "(engine/robust/solvers/reduced.py)",
    "cvxpy": "reference: CVXPY + Clarabel on the whole program (SCS if Clarabel fails)",
    "admm": "first-order: ADMM with the robust cone projection and the robust loss prox "
    "(engine/robust/solvers/admm.py)",
}


def _check_robust_request(X: np.ndarray, eps: float, norm: str, patterns: str | int, solver: str) -> None:
    dual_norm(norm)
    if solver not in ROBUST_SOLVERS:
        raise ValueError(f"unknown robust solver {solver!r}; choose one of {', '.join(ROBUST_SOLVERS)}")
    if not (np.isfinite(eps) and eps >= 0.0):
        raise ValueError(f"eps must be a number >= 0 (got {eps})")
    if patterns == "exact" and X.shape[0] > EXACT_MAX_N:
        raise ValueError(
            f"the exact robust program is limited to n <= {EXACT_MAX_N} points "
            f"(n = {X.shape[0]}); use sampled patterns"
        )


def solve_robust(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: str = "hinge",
    beta: float = 1e-3,
    eps: float = 0.1,
    norm: str = "inf",
    patterns: str | int = "exact",
    pattern_seed: int = 0,
    solver: str = "reduced",
) -> RobustResult:
    """Solve the robust program on the exact (2-D, n <= EXACT_MAX_N) or sampled patterns and recover its
    network. ``solver``: 'reduced' (default, fast and exact), 'cvxpy' (the reference) or 'admm'
    (first-order, to about 1e-4 relative)."""
    start = time.perf_counter()
    X, y, _ = validate_problem(X, y, loss, beta)
    _check_robust_request(X, eps, norm, patterns, solver)
    pset = build_patterns(X, patterns, pattern_seed)
    D = pset.D
    if solver == "cvxpy":
        U, V, status = _solve_cvxpy_program(X, y, D, loss=loss, beta=beta, eps=eps, norm=norm)
    elif solver == "reduced":
        from engine.robust.solvers.reduced import solve_robust_reduced

        try:
            U, V, status = solve_robust_reduced(
                X, y, D, loss=loss, beta=beta, eps=eps, norm=norm, directions=pset.directions
            )
        except RuntimeError as exc:  # Clarabel can stall on exponential cones: the reference takes over
            U, V, status = _solve_cvxpy_program(X, y, D, loss=loss, beta=beta, eps=eps, norm=norm)
            status = f"{status} (reference solver; the reduced program failed: {exc})"
    else:
        from engine.robust.solvers.admm import robust_admm_solve

        res = robust_admm_solve(X, y, D, loss=loss, beta=beta, eps=eps, norm=norm)
        U, V = res.U, res.V
        status = "optimal" if res.converged else f"not converged: {res.message}"
    network = merge_neurons(recover_network(U, V), X)
    return RobustResult(
        network=network,
        objective=network_robust_objective(network, X, y, loss=loss, beta=beta, eps=eps, norm=norm),
        nominal_objective=network.objective(X, y, get_loss(loss), beta),
        eps=float(eps),
        norm=norm,
        patterns=int(D.shape[1]),
        pattern_mode="exact" if pset.exact else "sampled",
        status=status,
        time_s=time.perf_counter() - start,
        U=U,
        V=V,
        D=D,
        solver=solver,
    )


# The reference route, kept under its own name for tests and scripts.
solve_robust_cvxpy = functools.partial(solve_robust, solver="cvxpy")


def _solve_cvxpy_program(
    X: np.ndarray, y: np.ndarray, D: np.ndarray, *, loss: str, beta: float, eps: float, norm: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """The robust program on patterns D as one CVXPY problem (Clarabel, SCS fallback): (U, V, status)."""
    q = dual_norm(norm)
    Z = lift(X)
    n, p = Z.shape
    d = p - 1
    P = D.shape[1]
    Df = D.astype(float)
    S = 2.0 * Df - 1.0
    U = cp.Variable((p, P))
    V = cp.Variable((p, P))
    yhat = cp.sum(cp.multiply(Df, Z @ U), axis=1) - cp.sum(cp.multiply(Df, Z @ V), axis=1)
    G = Df @ (U[:d, :] - V[:d, :]).T  # n x d
    slopes = cp.norm(G, q, axis=1)
    ones = np.ones((n, 1))
    constraints = [
        cp.multiply(S, Z @ U) >= eps * ones @ cp.reshape(cp.norm(U[:d, :], q, axis=0), (1, P), order="C"),
        cp.multiply(S, Z @ V) >= eps * ones @ cp.reshape(cp.norm(V[:d, :], q, axis=0), (1, P), order="C"),
    ]
    if loss == "hinge":
        data = cp.sum(cp.pos(1 - cp.multiply(y, yhat) + eps * slopes)) / n
    elif loss == "logistic":
        data = cp.sum(cp.logistic(-cp.multiply(y, yhat) + eps * slopes)) / n
    else:  # squared: t >= |yhat - y| + eps slope, t >= 0; the objective increases in t
        t = cp.Variable(n, nonneg=True)
        constraints.append(t >= cp.abs(yhat - y) + eps * slopes)
        data = cp.sum_squares(t) / (2 * n)
    reg = cp.sum(cp.norm(U, 2, axis=0)) + cp.sum(cp.norm(V, 2, axis=0))
    problem = cp.Problem(cp.Minimize(data + beta * reg), constraints)
    try:
        problem.solve(solver="CLARABEL")
    except cp.error.SolverError:
        try:  # Clarabel fails on some logistic programs (exponential cones); SCS is the fallback
            problem.solve(solver="SCS", eps=1e-8, max_iters=20_000)
        except cp.error.SolverError as exc:
            raise RuntimeError(f"the reference solvers failed on the robust program: {exc}") from exc
    if U.value is None:
        raise RuntimeError(f"the reference solver returned no solution (status {problem.status})")
    return np.asarray(U.value), np.asarray(V.value), str(problem.status)
