"""The reference solver of the robust program: the whole program as one CVXPY problem (docs/design.md §5).

All 2nP frozen-pattern norm-cone rows ``(2 D_i - I) Z u_i >= eps ||u_i[:d]||_*`` (and the same for the
v_i) are written out, the robust terms of :mod:`engine.robust.terms` are CVXPY expressions (the squared
term through ``t >= |yhat - y| + eps slope, t >= 0``, as the objective increases in t), and the problem
goes to Clarabel, or to SCS when Clarabel fails. Slow for large n, but the plainest statement of the
program: the other solvers are tested against it.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from engine.losses import Loss
from engine.network import lift
from engine.robust.solvers.base import RobustProblem, RobustSolution, RobustSolver
from engine.robust.terms import dual_norm

__all__ = ["CVXPY_SOLVER", "solve_robust_reference"]

_SCS_OPTIONS = {"eps": 1e-8, "max_iters": 20_000}


def solve_robust_reference(
    X: np.ndarray, y: np.ndarray, D: np.ndarray, *, loss: Loss, beta: float, eps: float, norm: str
) -> RobustSolution:
    """The robust program on patterns D (n x P boolean) by CVXPY + Clarabel (SCS if Clarabel fails).

    Raises RuntimeError when both fail or return no solution.
    """
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
    if loss.name == "hinge":
        data = cp.sum(cp.pos(1 - cp.multiply(y, yhat) + eps * slopes)) / n
    elif loss.name == "logistic":
        data = cp.sum(cp.logistic(-cp.multiply(y, yhat) + eps * slopes)) / n
    elif loss.name == "squared":  # t >= |yhat - y| + eps slope, t >= 0; the objective increases in t
        t = cp.Variable(n, nonneg=True)
        constraints.append(t >= cp.abs(yhat - y) + eps * slopes)
        data = cp.sum_squares(t) / (2 * n)
    else:
        raise ValueError(f"no robust program for the {loss} loss")
    reg = cp.sum(cp.norm(U, 2, axis=0)) + cp.sum(cp.norm(V, 2, axis=0))
    problem = cp.Problem(cp.Minimize(data + beta * reg), constraints)
    try:
        problem.solve(solver="CLARABEL")
    except cp.error.SolverError:
        try:  # Clarabel fails on some logistic programs (exponential cones); SCS is the fallback
            problem.solve(solver="SCS", **_SCS_OPTIONS)
        except cp.error.SolverError as exc:
            raise RuntimeError(f"the reference solvers failed on the robust program: {exc}") from exc
    if U.value is None:
        raise RuntimeError(f"the reference solver returned no solution (status {problem.status})")
    stats = problem.solver_stats
    return RobustSolution(
        U=np.asarray(U.value),
        V=np.asarray(V.value),
        status=str(problem.status),
        message=f"CVXPY with {stats.solver_name}: {problem.status}",
        iterations=int(stats.num_iters or 0),
    )


def _solve(problem: RobustProblem) -> RobustSolution:
    return problem.call(solve_robust_reference)


CVXPY_SOLVER = RobustSolver(
    name="cvxpy",
    help="reference: CVXPY + Clarabel on the whole program (SCS if Clarabel fails)",
    limits="exact; slow for large n (all 2nP norm-cone rows go through the modelling layer)",
    solve=_solve,
)
