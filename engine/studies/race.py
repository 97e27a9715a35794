"""A race of the training routes on one problem: objective against iterations and wall time.

Every route reports the objective J of a real two-layer ReLU network, so every curve can be compared
with the certified global optimum J* (column generation on the exact program, or CVXPY on the exact
program for small n):

* ``admm``   ADMM (:mod:`engine.convex.solvers.admm`) on the sampled program (J of the network recovered from
  each logged iterate);
* ``scp``    the SCP of :mod:`engine.convex.solvers.scp`: fixed sampled directions, l1 output weights (a ReLU
  network whose kinks sit on the sampled lines), its own restriction of the training problem;
* ``colgen`` certified column generation on the exact program (one point per round, with the dual
  lower bound of that round);
* ``cvxpy``  CVXPY + Clarabel on the sampled program: one point (its time, its objective);
* ``sgd``    gradient training of the non-convex objective (:func:`engine.gradient.sgd.train_sgd`).

A route that cannot run (an unsupported loss, a missing solver, a failure) gets an empty trace and a
one-line ``error``; the race itself only raises for invalid data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.convex.program import solve_convex
from engine.convex.solvers.admm import admm_solve
from engine.convex.solvers.registry import EXACT_MAX_N, REGISTRY
from engine.convex.solvers.scp import scp_solve
from engine.gradient.sgd import train_sgd
from engine.losses import Loss
from engine.patterns import build_patterns
from engine.results import ConvexResult, TrainResult
from engine.validation import validate_problem

__all__ = [
    "RACE_SOLVERS",
    "RaceResult",
    "SolverTrace",
    "certified_optimum",
    "colgen_available",
    "run_race",
]

RACE_SOLVERS: tuple[str, ...] = ("admm", "scp", "colgen", "cvxpy", "sgd")
PROGRAMS = {
    "admm": "sampled program",
    "scp": "SCP program (sampled directions, ℓ1 output weights)",
    "colgen": "exact program",
    "cvxpy": "sampled program",
    "sgd": "non-convex objective",
}
# ADMM settings of the race: a tight tolerance so its curve runs down to round-off (or the budget).
ADMM_TOL = 1e-8
ADMM_MAX_ITER = 3000
# Errors a route may raise for settings it rejects or problems it cannot solve.
ROUTE_ERRORS: tuple[type[Exception], ...] = (ValueError, RuntimeError, ArithmeticError)


@dataclass
class SolverTrace:
    """One route's log: ``iteration``, ``time_s`` (seconds since its start) and ``objective`` (J).

    ``iteration`` counts the route's own steps (ADMM/FISTA iterations, column-generation rounds,
    optimizer steps); it is nan for CVXPY (one interior-point call). ``lower_bound`` is the certified
    dual bound per point where the route has one (column generation). An empty trace has ``error``.
    """

    solver: str
    label: str
    program: str
    iteration: np.ndarray = field(default_factory=lambda: np.zeros(0))
    time_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    objective: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lower_bound: np.ndarray | None = None
    error: str = ""
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.objective.size > 0

    @property
    def final_objective(self) -> float:
        return float(self.objective[-1]) if self.objective.size else math.nan


@dataclass
class RaceResult:
    """The traces of every route and the reference optimum J* they are measured against.

    ``optimum`` is J of the reference network (None when it could not be computed, see
    ``optimum_error``); ``certified`` says whether its dual certificate holds, ``lower_bound`` is the
    certified lower bound on the global optimum. ``draws`` Gaussian directions gave ``patterns`` distinct
    non-empty patterns for the sampled routes.
    """

    traces: list[SolverTrace]
    optimum: float | None
    lower_bound: float | None
    certified: bool
    optimum_solver: str
    optimum_error: str
    draws: int
    patterns: int
    pattern_seed: int

    def trace(self, solver: str) -> SolverTrace:
        for t in self.traces:
            if t.solver == solver:
                return t
        raise KeyError(solver)


def colgen_available() -> bool:
    """Whether the convex solver registry offers certified column generation (``solver="colgen"``)."""
    return "colgen" in REGISTRY


def certified_optimum(X: np.ndarray, y: np.ndarray, *, loss: Loss | str, beta: float) -> ConvexResult:
    """The global optimum of the exact program: column generation, else CVXPY for n <= EXACT_MAX_N."""
    X, y, loss = validate_problem(X, y, loss, beta)
    if colgen_available():
        return solve_convex(X, y, loss=loss, beta=beta, patterns="exact", solver="colgen")
    if X.shape[0] <= EXACT_MAX_N:
        return solve_convex(X, y, loss=loss, beta=beta, patterns="exact", solver="cvxpy")
    raise ValueError(
        f"the certified optimum at n = {X.shape[0]} needs column generation, which this engine does not "
        f"offer yet (the exact program with CVXPY is limited to n <= {EXACT_MAX_N})"
    )


def _message(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _fill(trace: SolverTrace, iteration: list, time_s: list, objective: list) -> None:
    """Copy a route's log into ``trace`` as float arrays."""
    trace.iteration = np.asarray(iteration, dtype=float)
    trace.time_s = np.asarray(time_s, dtype=float)
    trace.objective = np.asarray(objective, dtype=float)


def _fill_history(trace: SolverTrace, history: dict[str, list], iteration_key: str) -> None:
    _fill(trace, history.get(iteration_key, []), history.get("time_s", []), history.get("objective", []))


def _iterations_trace(
    trace: SolverTrace, history: dict[str, list], converged: bool, iterations: int, stopped: str
) -> None:
    """An iterative solver's curve, one point per logged iteration; if it did not converge, a note
    that its curve ends at the last iterate (``stopped`` says what it failed to do)."""
    _fill_history(trace, history, "iteration")
    if not converged:
        trace.note = (
            f"{stopped} within the budget of {iterations} iterations: "
            "its curve ends at the last iterate's network"
        )


def _label(solver: str, sgd_settings: dict[str, Any] | None) -> str:
    if solver == "sgd":
        return f"SGD ({(sgd_settings or {}).get('optimizer', 'adam')})"
    return {"admm": "ADMM", "scp": "SCP", "colgen": "column generation", "cvxpy": "CVXPY (Clarabel)"}[solver]


def _colgen_trace(trace: SolverTrace, reference: ConvexResult | None, reference_error: str) -> None:
    if reference is None:
        trace.error = f"no column-generation run: {reference_error}"
        return
    history = reference.history or {}
    if reference.solver != "colgen" or "round" not in history:
        trace.error = (
            "column generation is not available in this engine version; the optimum comes from "
            f"{reference.solver} on all {reference.patterns} exact patterns"
        )
        return
    _fill_history(trace, history, "round")
    if "lower_bound" in history:
        trace.lower_bound = np.asarray(history["lower_bound"], dtype=float)


def run_race(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str,
    beta: float,
    patterns: int,
    pattern_seed: int = 0,
    sgd: dict[str, Any] | None = None,
    solvers: Sequence[str] = RACE_SOLVERS,
    reference: ConvexResult | None = None,
    sgd_result: TrainResult | None = None,
    reference_error: str = "",
    admm_max_iter: int = ADMM_MAX_ITER,
) -> RaceResult:
    """Run every route in ``solvers`` on (X, y) and measure it against the certified optimum.

    ``patterns`` Gaussian draws (seed ``pattern_seed``) define the sampled program of ADMM and CVXPY and
    SCP's directions; ``sgd`` are keyword settings of :func:`engine.gradient.sgd.train_sgd`. ``reference`` (a
    result of :func:`certified_optimum`) and ``sgd_result`` reuse earlier runs instead of solving again;
    ``reference_error`` (why an earlier attempt found no optimum) skips computing the reference.
    """
    X, y, loss = validate_problem(X, y, loss, beta)
    unknown = set(solvers) - set(RACE_SOLVERS)
    if unknown:
        raise ValueError(f"unknown race routes {sorted(unknown)}; choose from {', '.join(RACE_SOLVERS)}")
    pset = build_patterns(X, int(patterns), int(pattern_seed))
    if reference is None and not reference_error:
        try:
            reference = certified_optimum(X, y, loss=loss, beta=beta)
        except ROUTE_ERRORS as exc:
            reference_error = _message(exc)
    traces = []
    for solver in solvers:
        trace = SolverTrace(solver=solver, label=_label(solver, sgd), program=PROGRAMS[solver])
        try:
            if solver == "colgen":
                _colgen_trace(trace, reference, reference_error)
            elif solver == "admm":
                res = admm_solve(
                    X, y, pset.D, beta=beta, loss=loss, tol=ADMM_TOL, max_iter=admm_max_iter, log_every=10
                )
                stopped = f"did not reach its tolerance {ADMM_TOL:g}"
                _iterations_trace(trace, res.history, res.converged, res.iterations, stopped)
            elif solver == "scp":
                res_scp = scp_solve(
                    X, y, loss=loss, beta=beta, patterns=int(patterns), seed=int(pattern_seed)
                )
                _iterations_trace(
                    trace, res_scp.history, res_scp.converged, res_scp.iterations, "did not converge"
                )
            elif solver == "cvxpy":
                res_cvx = solve_convex(
                    X, y, loss=loss, beta=beta, patterns=int(patterns), pattern_seed=int(pattern_seed)
                )
                _fill(trace, [math.nan], [res_cvx.time_s], [res_cvx.objective])
                trace.note = res_cvx.message
            else:  # sgd
                run = (
                    sgd_result
                    if sgd_result is not None
                    else train_sgd(X, y, loss=loss, beta=beta, **(sgd or {}))
                )
                _fill(trace, run.history.step, run.history.time_s, run.history.objective)
                if run.diverged:
                    trace.note = f"diverged: {run.message}"
        except ROUTE_ERRORS as exc:
            trace.error = _message(exc)
        if not trace.error and trace.objective.size == 0:
            trace.error = "the route logged no objective values"
        traces.append(trace)
    return RaceResult(
        traces=traces,
        optimum=reference.objective if reference is not None else None,
        lower_bound=reference.lower_bound if reference is not None else None,
        certified=bool(reference is not None and reference.certified),
        optimum_solver=reference.solver if reference is not None else "",
        optimum_error=reference_error,
        draws=int(patterns),
        patterns=pset.count,
        pattern_seed=int(pattern_seed),
    )
