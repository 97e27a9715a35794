"""The compiled pricing of the working-set solver (engine/convex/solvers/working_set.py): the norm of
the projection of a vector onto a polyhedral cone of R^3, for many cones at once.

numba-compiled with ``cache=True`` (compiled once per machine into ``__pycache__``). The maths is that
of :func:`engine.convex.solvers.working_set.cone_projection_norm`, which stays the readable numpy
reference: for ``K = {u : A u >= 0}`` given by its facet rows A, ``Proj_K(c)`` is c itself when c lies in
K, else the closest to c of the feasible candidates among the projections onto each facet's plane,
onto each edge ray (cross product of two facet normals, either sign, kept when it lies in K) and the
apex; ties go to the first candidate in that order. Only the rounding of the 3-term dot products can
differ from the numpy reference (~1e-16 relative).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["projection_norms"]


@njit(cache=True)
def _feasible(An: np.ndarray, u0: float, u1: float, u2: float, slack: float) -> bool:
    for r in range(An.shape[0]):
        if An[r, 0] * u0 + An[r, 1] * u1 + An[r, 2] * u2 < -slack:
            return False
    return True


@njit(cache=True)
def _projection_norm(A: np.ndarray, c0: float, c1: float, c2: float) -> float:
    """``||Proj_K(c)||`` for ``K = {u : A u >= 0}`` (A: q x 3 facet rows)."""
    q = A.shape[0]
    An = np.empty((q, 3))
    for r in range(q):
        nr = np.sqrt(A[r, 0] * A[r, 0] + A[r, 1] * A[r, 1] + A[r, 2] * A[r, 2])
        An[r, 0], An[r, 1], An[r, 2] = A[r, 0] / nr, A[r, 1] / nr, A[r, 2] / nr
    cn = np.sqrt(c0 * c0 + c1 * c1 + c2 * c2)
    slack = 1e-12 * max(1.0, cn)
    if _feasible(An, c0, c1, c2, slack):
        return cn
    best_d, best_n = cn, 0.0  # the apex: always feasible, at distance |c|
    for r in range(q):  # onto the plane of one facet
        t = An[r, 0] * c0 + An[r, 1] * c1 + An[r, 2] * c2
        p0, p1, p2 = c0 - t * An[r, 0], c1 - t * An[r, 1], c2 - t * An[r, 2]
        if _feasible(An, p0, p1, p2, slack):
            d = np.sqrt((p0 - c0) ** 2 + (p1 - c1) ** 2 + (p2 - c2) ** 2)
            if d < best_d:
                best_d, best_n = d, np.sqrt(p0 * p0 + p1 * p1 + p2 * p2)
    for sign in (1.0, -1.0):  # onto an edge ray: all rays of one sign, then the other (as the reference)
        for i in range(q):
            for j in range(i + 1, q):
                r0 = An[i, 1] * An[j, 2] - An[i, 2] * An[j, 1]
                r1 = An[i, 2] * An[j, 0] - An[i, 0] * An[j, 2]
                r2 = An[i, 0] * An[j, 1] - An[i, 1] * An[j, 0]
                nr = np.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
                if nr <= 1e-14:
                    continue
                r0, r1, r2 = sign * r0 / nr, sign * r1 / nr, sign * r2 / nr
                if not _feasible(An, r0, r1, r2, 1e-12):  # not a ray of the cone
                    continue
                s = max(r0 * c0 + r1 * c1 + r2 * c2, 0.0)
                e0, e1, e2 = s * r0, s * r1, s * r2
                if _feasible(An, e0, e1, e2, slack):
                    d = np.sqrt((e0 - c0) ** 2 + (e1 - c1) ** 2 + (e2 - c2) ** 2)
                    if d < best_d:
                        best_d, best_n = d, np.sqrt(e0 * e0 + e1 * e1 + e2 * e2)
    return best_n


@njit(cache=True)
def projection_norms(A: np.ndarray, starts: np.ndarray, C: np.ndarray) -> np.ndarray:
    """``out[k] = ||Proj_{K_k}(C[k])||`` with ``K_k = {u : A[starts[k]:starts[k+1]] u >= 0}`` (rows of
    R^3, each cone's facets stacked one after another in A; ``starts`` has one entry more than C)."""
    out = np.empty(C.shape[0])
    for k in range(C.shape[0]):
        out[k] = _projection_norm(A[starts[k] : starts[k + 1]], C[k, 0], C[k, 1], C[k, 2])
    return out
