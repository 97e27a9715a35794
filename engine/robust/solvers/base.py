"""The contract every robust solver keeps (docs/design.md §5): one request, one solution, one entry.

* :class:`RobustProblem` is what a solver is asked: the robust program on fixed patterns D, with a
  resolved :class:`engine.losses.Loss` and data already checked by the entry point
  (:func:`engine.robust.program.solve_robust`). Solvers do not check it again.
* :class:`RobustSolution` is what every solver returns: the program's weights U, V (p x P, the u_i and
  v_i as columns, p = d + 1) with the solver's status, message, iteration count and history.
* :class:`RobustSolver` is a solver's entry in the registry (:mod:`engine.robust.solvers.registry`):
  its name, a one-line help, its limits, the function ``solve(problem) -> RobustSolution`` and
  whether a failure (RuntimeError) hands the problem to the next solver of the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.losses import Loss

__all__ = ["RobustProblem", "RobustSolution", "RobustSolver"]


@dataclass(frozen=True, eq=False)
class RobustProblem:
    """The robust program on patterns ``D``: min (1/n) sum_k robust term_k + beta sum_i (||u_i|| + ||v_i||)
    under the frozen-pattern constraints ``(2 D_i - I) Z u_i >= eps ||u_i[:d]||_*`` (and the same for v_i).

    ``X`` (n x d) and ``y`` (n) are checked data, ``D`` (n x P) the boolean patterns, ``eps >= 0`` the
    radius of the ``norm`` ball ('inf' or '2') in data units, ``directions`` (P x p, optional) points
    inside the pattern cones (they speed up the facet search of the reduced solver; others ignore them).
    """

    X: np.ndarray
    y: np.ndarray
    D: np.ndarray
    loss: Loss
    beta: float
    eps: float
    norm: str
    directions: np.ndarray | None = None

    def call(self, function: Callable[..., RobustSolution], *, directions: bool = False) -> RobustSolution:
        """``function(X, y, D, loss=, beta=, eps=, norm=[, directions=])``: a solver's own signature
        applied to this problem (``directions`` only for the solvers that use them)."""
        extra = {"directions": self.directions} if directions else {}
        return function(
            self.X, self.y, self.D, loss=self.loss, beta=self.beta, eps=self.eps, norm=self.norm, **extra
        )


@dataclass
class RobustSolution:
    """A robust solver's answer: the weights and how the solver got there.

    ``status`` is ``'optimal'`` or ``'optimal_inaccurate'`` for a solved program, else it says why not
    (e.g. ``'not converged: ...'``; after a fallback it names the solver that took over and the failure).
    ``message`` is the solver's own account (its raw status, why it stopped); ``iterations`` the number of
    iterations it reports (0 when it reports none); ``history`` a list of logged iterates (dicts, iterative
    solvers only; see :mod:`engine.robust.solvers.admm` for the keys).
    """

    U: np.ndarray  # p x P, the u_i as columns
    V: np.ndarray  # p x P, the v_i as columns
    status: str
    message: str = ""
    iterations: int = 0
    history: list[dict] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        """Whether the solver reached its optimality criterion (the status starts with 'optimal')."""
        return self.status.startswith("optimal")


@dataclass(frozen=True)
class RobustSolver:
    """A robust solver's entry in the registry.

    ``help`` is one line for the command line and the app; ``limits`` one line on its accuracy and the
    problems it is slow or unreliable on. ``falls_back``: when ``solve`` raises RuntimeError, the next
    solver of the registry takes over (and the status says so); otherwise the error propagates.
    """

    name: str
    help: str
    limits: str
    solve: Callable[[RobustProblem], RobustSolution]
    falls_back: bool = False
