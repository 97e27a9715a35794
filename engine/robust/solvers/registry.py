"""The one registry of robust solvers (docs/design.md §5) and its fallback rule.

:data:`ROBUST_SOLVER_REGISTRY` lists every solver of the robust program once, in order; the names
(:data:`ROBUST_SOLVERS`) and the help texts (:data:`ROBUST_SOLVER_HELP`) derive from it. Every entry
maps a :class:`~engine.robust.solvers.base.RobustProblem` to a
:class:`~engine.robust.solvers.base.RobustSolution`.

**Fallback rule.** :func:`solve_robust_problem` runs the requested solver; when it raises RuntimeError
and its entry ``falls_back``, the next solver of the registry takes over (and may fall back in turn),
and the status of the solution names the solver that took over and every failure before it. Today only
``reduced`` falls back (Clarabel can stall on exponential cones), onto the ``cvxpy`` reference.
"""

from __future__ import annotations

import dataclasses

from engine.robust.solvers.admm import ADMM_SOLVER
from engine.robust.solvers.base import RobustProblem, RobustSolution, RobustSolver
from engine.robust.solvers.reduced import REDUCED_SOLVER
from engine.robust.solvers.reference import CVXPY_SOLVER

__all__ = [
    "ROBUST_SOLVERS",
    "ROBUST_SOLVER_HELP",
    "ROBUST_SOLVER_REGISTRY",
    "get_robust_solver",
    "solve_robust_problem",
]

ROBUST_SOLVER_REGISTRY: tuple[RobustSolver, ...] = (REDUCED_SOLVER, CVXPY_SOLVER, ADMM_SOLVER)
ROBUST_SOLVERS: tuple[str, ...] = tuple(entry.name for entry in ROBUST_SOLVER_REGISTRY)
ROBUST_SOLVER_HELP: dict[str, str] = {entry.name: entry.help for entry in ROBUST_SOLVER_REGISTRY}


def get_robust_solver(name: str) -> RobustSolver:
    """The registry entry called ``name``; ValueError naming the choices for an unknown name."""
    for entry in ROBUST_SOLVER_REGISTRY:
        if entry.name == name:
            return entry
    raise ValueError(f"unknown robust solver {name!r}; choose one of {', '.join(ROBUST_SOLVERS)}")


def _next_solver(entry: RobustSolver) -> RobustSolver | None:
    """The solver after ``entry`` in the registry, or None for the last one."""
    position = ROBUST_SOLVER_REGISTRY.index(entry)
    return ROBUST_SOLVER_REGISTRY[position + 1] if position + 1 < len(ROBUST_SOLVER_REGISTRY) else None


def solve_robust_problem(name: str, problem: RobustProblem) -> RobustSolution:
    """Solve ``problem`` with the solver ``name``, falling back along the registry (module docstring).

    After a fallback the status reads ``'<status> (<solver> solver took over; the <failed> solver
    failed: <error>)'``. The RuntimeError of a solver that does not fall back (or of the last one)
    propagates, with the earlier failures as notes.
    """
    entry = get_robust_solver(name)
    failures: list[str] = []
    while True:
        try:
            solution = entry.solve(problem)
        except RuntimeError as exc:
            successor = _next_solver(entry) if entry.falls_back else None
            if successor is None:
                for failure in failures:
                    exc.add_note(f"before it, {failure}")
                raise
            failures.append(f"the {entry.name} solver failed: {exc}")
            entry = successor
            continue
        if not failures:
            return solution
        note = "; ".join(failures)
        return dataclasses.replace(
            solution, status=f"{solution.status} ({entry.name} solver took over; {note})"
        )
