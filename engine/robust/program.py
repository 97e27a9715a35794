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

Where the parts live: the robust terms and objectives live in :mod:`engine.robust.terms`; the solvers, their
request and solution records and the one registry (with its fallback rule) in
:mod:`engine.robust.solvers`. This module is the entry point: it checks the request once, resolves the
loss, builds the patterns, asks the registry and recovers the network.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import numpy as np

from engine.convex.recovery import merge_neurons, recover_network
from engine.convex.solvers.registry import EXACT_MAX_N
from engine.losses import Loss
from engine.network import TwoLayerReLU
from engine.patterns import build_patterns
from engine.robust.solvers.base import RobustProblem
from engine.robust.solvers.registry import (
    ROBUST_SOLVER_HELP,
    ROBUST_SOLVERS,
    get_robust_solver,
    solve_robust_problem,
)
from engine.robust.terms import NORMS, dual_norm, network_robust_objective, robust_objective_linear
from engine.validation import validate_problem

# NORMS, dual_norm, robust_objective_linear (engine.robust.terms) and ROBUST_SOLVERS, ROBUST_SOLVER_HELP
# (engine.robust.solvers.registry) are defined there and re-exported here for the public API.
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
    status: str  # the solver's status; after a fallback it names the solver that took over
    time_s: float
    U: np.ndarray
    V: np.ndarray
    D: np.ndarray
    solver: str = "cvxpy"  # the solver asked for (see status for a fallback)
    message: str = ""  # the solver's own account of its run
    # logged iterates of an iterative solver (admm), else empty; keys in engine/robust/solvers/admm.py
    history: list[dict] = field(default_factory=list)


def _check_robust_request(X: np.ndarray, eps: float, norm: str, patterns: str | int, solver: str) -> None:
    """What the robust program needs beyond validate_problem: norm, solver, radius, exact-pattern size."""
    dual_norm(norm)
    get_robust_solver(solver)
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
    loss: Loss | str = "hinge",
    beta: float = 1e-3,
    eps: float = 0.1,
    norm: str = "inf",
    patterns: str | int = "exact",
    pattern_seed: int = 0,
    solver: str = "reduced",
) -> RobustResult:
    """Solve the robust program on the exact (2-D, n <= EXACT_MAX_N) or sampled patterns and recover its
    network. ``solver``: 'reduced' (default, fast and exact), 'cvxpy' (the reference) or 'admm'
    (first-order, to about 1e-4 relative); see engine.robust.solvers.registry. When the reduced solver
    fails, the reference takes over and the status says so."""
    start = time.perf_counter()
    X, y, loss = validate_problem(X, y, loss, beta)
    _check_robust_request(X, eps, norm, patterns, solver)
    pset = build_patterns(X, patterns, pattern_seed)
    problem = RobustProblem(
        X=X, y=y, D=pset.D, loss=loss, beta=beta, eps=float(eps), norm=norm, directions=pset.directions
    )
    solution = solve_robust_problem(solver, problem)
    network = merge_neurons(recover_network(solution.U, solution.V), X)
    return RobustResult(
        network=network,
        objective=network_robust_objective(network, X, y, loss=loss, beta=beta, eps=eps, norm=norm),
        nominal_objective=network.objective(X, y, loss, beta),
        eps=float(eps),
        norm=norm,
        patterns=int(pset.D.shape[1]),
        pattern_mode="exact" if pset.exact else "sampled",
        status=solution.status,
        time_s=time.perf_counter() - start,
        U=solution.U,
        V=solution.V,
        D=pset.D,
        solver=solver,
        message=solution.message,
        history=solution.history,
    )


# The reference route, kept under its own name for tests and scripts.
solve_robust_cvxpy = functools.partial(solve_robust, solver="cvxpy")
