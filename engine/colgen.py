"""Column generation for the exact convex program of 2-D data (DESIGN.md section 3).

Solve the program on a working set of patterns, price the restricted dual point exactly over the unit
sphere, add the patterns of the most violating directions, repeat until the certificate closes the
gap. The restricted solver is a parameter, so faster first-order solvers can slot in later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.certificate import DEFAULT_TOLERANCE, certify, violating_directions
from engine.losses import get_loss
from engine.network import lift
from engine.patterns import pattern_keys, sample_patterns
from engine.recovery import recover_network
from engine.results import Certificate

# (X, y, D, loss, beta) -> (U, V, dual point or None, status)
RestrictedSolver = Callable[
    [np.ndarray, np.ndarray, np.ndarray, str, float], tuple[np.ndarray, np.ndarray, np.ndarray | None, str]
]


@dataclass
class ColumnGenerationResult:
    U: np.ndarray
    V: np.ndarray
    D: np.ndarray  # the final working set (n x P)
    duals: list[np.ndarray]  # dual points worth certifying with
    certificate: Certificate
    rounds: int
    status: str


def orient_dual(lam: np.ndarray, f: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """Give a solver's multiplier the sign of grad L(f) (for hinge/logistic: inside the domain)."""
    grad = get_loss(loss).mean_gradient(f, y)
    score = float(lam @ grad)
    if loss != "squared" and abs(score) <= 1e-14:
        score = -float(lam @ y)  # the conjugate's domain needs lam_k y_k <= 0
    return lam if score >= 0.0 else -lam


def column_generation(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: str,
    beta: float,
    restricted_solver: RestrictedSolver,
    initial_draws: int | None = None,
    seed: int = 0,
    add_per_round: int = 10,
    max_rounds: int = 60,
    tol: float = DEFAULT_TOLERANCE,
) -> ColumnGenerationResult:
    """Grow a working set of patterns until the recovered network is certified (or nothing violates)."""
    Z = lift(X)
    draws = initial_draws if initial_draws is not None else max(10, 2 * len(y))
    D = sample_patterns(X, draws, seed).D
    keys = pattern_keys(D)
    status, rounds = "max_rounds", 0
    while rounds < max_rounds:
        rounds += 1
        U, V, lam, solver_status = restricted_solver(X, y, D, loss, beta)
        network = recover_network(U, V)
        f = np.sum(D * (Z @ (U - V)), axis=1)
        duals = [get_loss(loss).mean_gradient(f, y)]
        if lam is not None:
            duals.append(orient_dual(lam, f, y, loss))
        cert = certify(X, y, network, loss=loss, beta=beta, tol=tol, extra_duals=duals[1:])
        if cert.certified:
            status = "certified"
            break
        new_cols = []
        for lam_k in duals:
            lam_k = get_loss(loss).project_to_domain(lam_k, y)
            for w in violating_directions(X, lam_k, beta * (1.0 + 1e-9), add_per_round):
                col = (Z @ w) >= 0.0
                key = pattern_keys(col[:, None]).pop()
                if col.any() and key not in keys:
                    keys.add(key)
                    new_cols.append(col)
        if not new_cols:
            status = "stalled" if solver_status == "optimal" else solver_status
            break
        D = np.hstack([D, np.array(new_cols).T])
    return ColumnGenerationResult(U, V, D, duals, cert, rounds, status)
