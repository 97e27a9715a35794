"""The convex program of a two-layer ReLU network: one entry point over the solver registry.

For patterns D_1..D_P and variables u_i, v_i in R^(d+1) (docs/design.md §3):

    C(u, v) = L(yhat) + beta * sum_i (||u_i||_2 + ||v_i||_2),   yhat = sum_i D_i Z (u_i - v_i),
    subject to (2 D_i - I) Z u_i >= 0 and (2 D_i - I) Z v_i >= 0.

With all patterns (``exact``) min C equals the global minimum of J for every width m >= m*. With
sampled patterns the program is a restriction, so its optimum is an upper bound on min J.
Recovery: each nonzero u_i gives the neuron (u_i / sqrt||u_i||, +sqrt||u_i||), each nonzero v_i
gives (v_i / sqrt||v_i||, -sqrt||v_i||); then J(recovered) = C.

:func:`solve_convex` checks the problem once, picks the solver from the registry
(engine/convex/solvers/registry.py), which returns a ``Solution`` (engine/convex/solvers/base.py),
and finishes every solution the same way: polish on its support, recovery, merge, certificate.
"""

from __future__ import annotations

import time

import numpy as np

from engine.convex.certificate import DEFAULT_TOLERANCE, certify
from engine.convex.polish import polish_on_support
from engine.convex.recovery import NEURON_REL_THRESHOLD, convex_objective, merge_neurons, recover_network
from engine.convex.solvers.base import ConvexRequest, Solution
from engine.convex.solvers.reference import cvxpy_mean_loss, solve_cvxpy
from engine.convex.solvers.registry import (
    COLGEN_MAX_N,
    EXACT_MAX_N,
    SOLVER_HELP,
    SOLVERS,
    select_solver,
    solve_with_fallback,
)
from engine.losses import Loss
from engine.patterns import MAX_SAMPLED_PATTERNS, build_patterns, expected_pattern_count
from engine.results import ConvexResult
from engine.threads import one_blas_thread
from engine.validation import validate_problem

__all__ = [
    "COLGEN_MAX_N",
    "EXACT_MAX_N",
    "MAX_SAMPLED_PATTERNS",
    "NEURON_REL_THRESHOLD",
    "SOLVERS",
    "SOLVER_HELP",
    "build_patterns",
    "convex_objective",
    "cvxpy_mean_loss",
    "expected_pattern_count",
    "finish",
    "recover_network",
    "solve_convex",
    "solve_cvxpy",
]


def solve_convex(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str = "squared",
    beta: float = 1e-3,
    patterns: str | int = "exact",
    pattern_seed: int = 0,
    solver: str = "cvxpy",
    tol: float = DEFAULT_TOLERANCE,
    warm_start: ConvexResult | None = None,
) -> ConvexResult:
    """Solve the convex program, recover the network and certify it against the dual bound.

    ``warm_start`` is an earlier result on the same data (beta or the pattern count may differ):
    column generation seeds its working set with it. The other solvers ignore it.

    ``patterns`` is ``"exact"`` (2-D data) or a number of Gaussian draws. ``solver`` is one of
    :data:`SOLVERS` (see :data:`SOLVER_HELP`); the exact program is limited to n <= EXACT_MAX_N for
    the cvxpy, admm and reduced solvers and to n <= COLGEN_MAX_N for colgen / auto. ``objective`` of
    the result is J of the recovered network on (X, y).

    When the solver fails (raises RuntimeError), the registry's fallback takes over
    (engine/convex/solvers/registry.py): the result's ``solver`` names the one that answered and its
    ``fallback`` and ``message`` say what failed. ``status`` is ``"optimal"`` only for an answer at
    the optimum (on the exact program: exactly when certified); ``outcome`` sums it up.
    """
    X, y, loss = validate_problem(X, y, loss, beta)
    request = ConvexRequest(
        X=X,
        y=y,
        loss=loss,
        beta=float(beta),
        patterns=patterns,
        pattern_seed=pattern_seed,
        tol=tol,
        warm_start=warm_start,
    )
    entry = select_solver(solver, request)
    start = time.perf_counter()
    # one BLAS thread: the solves' dense algebra is small (n x a few hundred), where a second OpenBLAS
    # thread only spins; measured on the certified n = 200 cases (2-core machine), CPU time halved
    # and wall time fell too
    with one_blas_thread():
        entry, solution, fallback = solve_with_fallback(entry, request)
        return finish(request, entry.name, solution, start, fallback=fallback)


def _join(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def finish(
    request: ConvexRequest, solver: str, solution: Solution, start: float, *, fallback: str = ""
) -> ConvexResult:
    """The shared post-processing of every solver's :class:`Solution` into a :class:`ConvexResult`.

    Polish on the support (when the solution names a re-solve), recover and merge the network
    (unless the solver gave its own), certify it with the solution's dual points, and settle the
    status. The certificate decides it on the exact program of 2-D data (exact pricing) and for a
    solver whose solution says so: ``"optimal"`` exactly when certified; an answer the solver called
    optimal without a certificate becomes ``"uncertified"``, any other status stays, and the message
    gives the gap. Elsewhere a certificate turns ``optimal_inaccurate`` into ``optimal``, and any
    status but ``optimal`` is named in the message. ``fallback`` (the registry's account of a failed
    solver) leads the message. ``time_s`` runs from ``start`` to the certificate (excluded).
    """
    X, y, loss, beta = request.X, request.y, request.loss, request.beta
    U, V, status, lam = solution.U, solution.V, solution.status, None
    if solution.polish is not None:
        U, V, status, lam = polish_on_support(X, y, solution.D, U, V, status, loss, beta, solution.polish)
    duals = [*solution.duals, *(() if lam is None else (lam, -lam))]
    network = solution.network
    if network is None:
        network = merge_neurons(recover_network(U, V), X)
    elapsed = time.perf_counter() - start
    certificate = certify(X, y, network, loss=loss, beta=beta, tol=request.tol, extra_duals=duals)
    message = solution.message
    decides = solution.certificate_decides or (request.exact and certificate.exact)
    if certificate.certified and (decides or status == "optimal_inaccurate"):
        status = "optimal"  # the certificate proves what the solver could not confirm
    elif decides:
        kind = certificate.gap_kind
        message = _join(
            message,
            f"stopped uncertified ({status}), {kind} gap {certificate.relative_gap:.1e} "
            f"above the tolerance {request.tol:g}",
        )
        status = "uncertified" if status == "optimal" else status
    elif status != "optimal" and repr(status) not in message:
        note = f"the {solver} solver stopped with status {status!r}"
        if status == "optimal_inaccurate":
            note += ": its answer may lie above the optimum of the program"
        message = _join(message, note)
    message = _join(fallback, message)
    history = solution.history or {
        "iteration": [1],
        "objective": [certificate.objective],
        "time_s": [elapsed],
    }
    return ConvexResult(
        network=network,
        objective=certificate.objective,
        convex_objective=convex_objective(X, y, solution.D, U, V, loss, beta),
        certificate=certificate,
        patterns=solution.program_size,
        pattern_mode=request.program,
        solver=solver,
        time_s=elapsed,
        status=status,
        U=U,
        V=V,
        D=solution.D,
        message=message,
        history=history,
        fallback=fallback,
    )
