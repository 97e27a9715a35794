"""The polish of an interior-point solution: re-solve the program on the patterns it actually uses.

An interior-point solution spreads tiny nonzero groups over every pattern; together they shift yhat.
The program restricted to the support (groups above ``support_threshold`` of the largest) is small,
solves to high accuracy and, when the support is right, has the same optimum (docs/design.md §3).
"""

from __future__ import annotations

import numpy as np

from engine.convex.recovery import NEURON_REL_THRESHOLD, recover_network
from engine.convex.solvers.base import Resolver
from engine.losses import Loss

__all__ = ["polish_on_support"]


def polish_on_support(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    U: np.ndarray,
    V: np.ndarray,
    status: str,
    loss: Loss,
    beta: float,
    resolve: Resolver,
    support_threshold: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray, str, np.ndarray | None]:
    """Re-solve on the support of (U, V) with ``resolve(D_u, D_v)``: ``(U, V, status, dual point)``.

    The polished solution is kept only if its recovered network has a lower J. Also returns the
    restricted program's dual point (None if there was no re-solve).
    """
    best_U, best_V, best_status, best_lam = U, V, status, None
    best_J = recover_network(U, V).objective(X, y, loss, beta)
    for _ in range(3):  # a re-solve can leave tiny groups of its own: shrink the support again
        norms_u, norms_v = np.linalg.norm(U, axis=0), np.linalg.norm(V, axis=0)
        top = max(float(np.max(norms_u, initial=0.0)), float(np.max(norms_v, initial=0.0)))
        if top == 0.0:
            break
        su = np.flatnonzero(norms_u > support_threshold * top)
        sv = np.flatnonzero(norms_v > support_threshold * top)
        try:
            Us, Vs, lam, status_s = resolve(D[:, su], D[:, sv])
        except RuntimeError:
            break
        U, V = np.zeros_like(U), np.zeros_like(V)
        U[:, su], V[:, sv] = Us, Vs
        support = np.concatenate([su, sv])
        best_lam = lam if best_lam is None else best_lam
        J = recover_network(U, V).objective(X, y, loss, beta)
        if J <= best_J:
            best_U, best_V, best_status, best_J, best_lam = U, V, status_s, J, lam
        new_size = np.maximum(np.linalg.norm(U, axis=0), np.linalg.norm(V, axis=0))
        if np.sum(new_size > NEURON_REL_THRESHOLD * np.max(new_size)) == len(support):
            break
    return best_U, best_V, best_status, best_lam
