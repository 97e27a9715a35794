"""The reference solver: the whole convex program in CVXPY, solved by Clarabel (docs/design.md §3).

    min  L(yhat) + beta * sum_i (||u_i||_2 + ||v_i||_2),   yhat = sum_i D_i Z (u_i - v_i),
    s.t. (2 D_i - I) Z u_i >= 0,  (2 D_i - I) Z v_i >= 0.

On a sampled program SCS takes over when Clarabel fails (numerical trouble, mostly with the logistic
loss); on the exact program column generation does (engine/convex/colgen.py). The answer is polished
on its support by the same CVXPY program with tight tolerances.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from engine.convex.colgen import column_generation
from engine.convex.solvers.base import ConvexRequest, Resolver, Solution, dual_pair
from engine.losses import Loss, get_loss
from engine.network import lift

__all__ = ["POLISH_OPTIONS", "SCS_OPTIONS", "cvxpy_mean_loss", "solve_cvxpy", "solve_program"]

# SCS is the fallback when Clarabel fails; bounded so the app never waits long.
SCS_OPTIONS = {"eps": 1e-7, "max_iters": 4000, "time_limit_secs": 10.0}
# Tight Clarabel tolerances for the small re-solve on the support (objectives can be ~1e-3).
POLISH_OPTIONS = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8}


def cvxpy_mean_loss(f: cp.Expression, y: np.ndarray, loss: Loss | str) -> cp.Expression:
    """The mean loss (docs/design.md §2) of the predictions ``f`` as a CVXPY expression."""
    name = get_loss(loss).name
    n = len(y)
    if name == "squared":
        return cp.sum_squares(f - y) / (2 * n)
    if name == "hinge":
        return cp.sum(cp.pos(1 - cp.multiply(y, f))) / n
    return cp.sum(cp.logistic(-cp.multiply(y, f))) / n


def solve_cvxpy(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    loss: Loss | str,
    beta: float,
    solver: str = "CLARABEL",
    options: dict | None = None,
    D_v: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Solve the convex program on patterns D with CVXPY: (U, V, dual point lambda or None, status).

    ``lambda`` is the multiplier of ``yhat = sum_i D_i Z (u_i - v_i)`` (up to sign, a dual point for
    the certificate). ``options`` go to the solver (e.g. Clarabel's tolerances). ``D_v``, if given,
    is a separate pattern set for the v_i (default: the same as the u_i's). RuntimeError on failure.
    """
    Z = lift(X)
    n, p = Z.shape
    Du = D.astype(float)
    Dv = Du if D_v is None else D_v.astype(float)
    U = cp.Variable((p, Du.shape[1]))
    V = cp.Variable((p, Dv.shape[1]))
    f = cp.Variable(n)
    ZU, ZV = Z @ U, Z @ V
    link = f == cp.sum(cp.multiply(Du, ZU), axis=1) - cp.sum(cp.multiply(Dv, ZV), axis=1)
    data = cvxpy_mean_loss(f, y, loss)
    reg = cp.sum(cp.norm(U, 2, axis=0)) + cp.sum(cp.norm(V, 2, axis=0))
    problem = cp.Problem(
        cp.Minimize(data + beta * reg),
        [link, cp.multiply(2.0 * Du - 1.0, ZU) >= 0, cp.multiply(2.0 * Dv - 1.0, ZV) >= 0],
    )
    try:
        problem.solve(solver=solver, **(options or {}))
    except cp.error.SolverError as exc:
        raise RuntimeError(f"the reference solver failed: {exc}") from exc
    if U.value is None:
        raise RuntimeError(f"the reference solver returned no solution (status {problem.status})")
    lam = None if link.dual_value is None else np.asarray(link.dual_value, dtype=float).reshape(-1)
    return np.asarray(U.value), np.asarray(V.value), lam, str(problem.status)


def solve_with_fallback(
    X: np.ndarray, y: np.ndarray, D: np.ndarray, loss: Loss, beta: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Clarabel first; if it fails (numerical trouble, mostly with the logistic loss), SCS."""
    try:
        return solve_cvxpy(X, y, D, loss, beta, solver="CLARABEL")
    except RuntimeError as first:
        try:
            return solve_cvxpy(X, y, D, loss, beta, solver="SCS", options=SCS_OPTIONS)
        except RuntimeError:
            raise RuntimeError(f"{first}; SCS failed too") from first


def polish_resolver(X: np.ndarray, y: np.ndarray, loss: Loss, beta: float) -> Resolver:
    """The re-solve on a support for the polish: the CVXPY program with tight Clarabel tolerances."""

    def resolve(Du: np.ndarray, Dv: np.ndarray):
        return solve_cvxpy(X, y, Du, loss, beta, options=POLISH_OPTIONS, D_v=Dv)

    return resolve


def solve_program(request: ConvexRequest) -> Solution:
    """The ``cvxpy`` entry: the whole program in CVXPY (exact: column generation if Clarabel fails)."""
    X, y, loss, beta = request.X, request.y, request.loss, request.beta
    pset = request.pattern_set
    message = ""
    try:
        if pset.exact:
            U, V, lam, status = solve_cvxpy(X, y, pset.D, loss, beta)
        else:
            U, V, lam, status = solve_with_fallback(X, y, pset.D, loss, beta)
        D = pset.D
    except RuntimeError:
        if not pset.exact:
            raise
        cg = column_generation(X, y, loss=loss, beta=beta, tol=request.tol)
        U, V, D, lam = cg.U, cg.V, cg.D, None
        status = "optimal" if cg.status == "certified" else cg.status
        message = (
            f"Clarabel failed on the full program; column generation used {D.shape[1]} of the "
            f"{pset.count} patterns ({cg.rounds} rounds)"
        )
    return Solution(
        U=U,
        V=V,
        D=D,
        status=status,
        program_size=pset.count,
        duals=dual_pair(lam),
        message=message,
        polish=polish_resolver(X, y, loss, beta),
    )
