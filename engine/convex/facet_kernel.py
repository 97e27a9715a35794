"""The compiled set-up loops of the reduced program (engine/convex/solvers/reduced.py): the facets of
many pattern cones of R^3 at once (2-D data), and Prim's spanning tree of the patterns.

numba-compiled with ``cache=True`` (compiled once per machine into ``__pycache__``). The maths is that
of :func:`engine.convex.solvers.reduced.cone_facets`, which stays the readable reference (and does the
hard cases): for the cone ``K = {u : a_k . u >= 0}``, ``a_k = (2 d_k - 1) z_k``, and a direction g
strictly inside it, the facets are the vertices of the 2-D convex hull of the central projections
``a_k / (a_k . g)`` in an orthonormal basis of g's complement, found by Andrew's monotone chain with the
same collinearity rule (a turn whose sine is at most 1e-12 is not a left turn). As in the reference, the
points strictly inside the polygon of a few extreme points are dropped first (here 8 directions, there
32; the hull is the same): the sort and the chain then see a handful of the n points (300 cones at
n = 200: 9 -> 3.5 ms).
A cone is left to the reference (``ok`` false) when its direction is not inside it by the reference's
margin (the reference then pushes the direction or solves an LP) or the hull has fewer than three
vertices (degenerate).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["hull_facets", "prim_parents"]

_INTERIOR = 4e-9  # 4 x reduced._INTERIOR_MARGIN: a direction this far inside every row is used as is
# Before the chain, the points strictly inside the polygon of the extreme points in this many directions
# are dropped (most of a cone's n points: the sort and the chain then see a handful)
_PRUNE_DIRECTIONS = 8
_PRUNE_COS = np.cos(np.arange(_PRUNE_DIRECTIONS) * (2.0 * np.pi / _PRUNE_DIRECTIONS))
_PRUNE_SIN = np.sin(np.arange(_PRUNE_DIRECTIONS) * (2.0 * np.pi / _PRUNE_DIRECTIONS))


@njit(cache=True)
def _chain(px: np.ndarray, py: np.ndarray, order: np.ndarray, out: np.ndarray) -> int:
    """One half of the monotone chain over the points in ``order``: the kept indices in ``out``, count."""
    k = 0
    for t in range(order.size):
        i = order[t]
        x, y = px[i], py[i]
        inner = False
        while k >= 2:
            a, b = out[k - 2], out[k - 1]
            ax, ay, bx, by = px[a], py[a], px[b], py[b]
            cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
            tol = 1e-12 * np.hypot(bx - ax, by - ay) * np.hypot(x - ax, y - ay)
            if cross <= tol:
                if cross >= -tol and _within(ax, ay, bx, by, x, y):
                    inner = True  # on the segment a-b (points tied to the last bit can come out of order)
                    break
                k -= 1
            else:
                break
        if not inner:
            out[k] = i
            k += 1
    return k


@njit(cache=True)
def _within(ax: float, ay: float, bx: float, by: float, x: float, y: float) -> bool:
    """Whether the point (x, y), on the line through a and b (a != b), lies between them (ends included)."""
    ex, ey = bx - ax, by - ay
    s = ex * (x - ax) + ey * (y - ay)
    return 0.0 <= s <= ex * ex + ey * ey and ex * ex + ey * ey > 0.0


@njit(cache=True)
def _outside_polygon(px: np.ndarray, py: np.ndarray, n: int, cand: np.ndarray) -> int:
    """The points that may be hull vertices, in ``cand[:count]`` (ascending), count returned: those not
    strictly inside the polygon of the extreme points in _PRUNE_DIRECTIONS directions (counter-clockwise,
    as the directions turn), by more than 1e-9 of the points' span (a vertex is never dropped; a point on
    or near an edge stays for the chain's own collinearity rule). Fewer than three distinct extreme
    points: every point stays."""
    k_dirs = _PRUNE_DIRECTIONS
    best = np.full(k_dirs, -np.inf)
    ext = np.zeros(k_dirs, dtype=np.int64)
    span = 0.0
    for k in range(n):
        span = max(span, abs(px[k]), abs(py[k]))
        for t in range(k_dirs):
            v = px[k] * _PRUNE_COS[t] + py[k] * _PRUNE_SIN[t]
            if v > best[t]:
                best[t] = v
                ext[t] = k
    poly = np.empty(k_dirs, dtype=np.int64)
    m = 0
    for t in range(k_dirs):  # consecutive repeats (wrapping) removed
        if m == 0 or ext[t] != poly[m - 1]:
            poly[m] = ext[t]
            m += 1
    while m > 1 and poly[m - 1] == poly[0]:
        m -= 1
    count = 0
    if m < 3 or not np.isfinite(span):
        for k in range(n):
            cand[k] = k
        return n
    tol = 1e-9 * span
    for k in range(n):
        inside = True
        for t in range(m):
            a, b = poly[t], poly[(t + 1) % m]
            ex, ey = px[b] - px[a], py[b] - py[a]
            cross = ex * (py[k] - py[a]) - ey * (px[k] - px[a])
            if cross <= tol * np.hypot(ex, ey):
                inside = False
                break
        if not inside:
            cand[count] = k
            count += 1
    return count


@njit(cache=True)
def hull_facets(Z: np.ndarray, D: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Facet rows of the cones of the patterns ``D[:, i]`` (n x P bool) with interior hints ``G[i]``.

    ``Z`` (n x 3) are the lifted points, already scaled as the reference scales them. Returns
    ``(starts, rows, ok)``: the sorted facet rows of cone i are ``rows[starts[i]:starts[i + 1]]`` when
    ``ok[i]``; cones with ``ok[i]`` false have no rows here and go to the reference.
    """
    n = Z.shape[0]
    P = D.shape[1]
    starts = np.zeros(P + 1, dtype=np.int64)
    rows = np.empty(P * 8, dtype=np.int64)
    ok = np.zeros(P, dtype=np.bool_)
    An = np.empty((n, 3))
    px = np.empty(n)
    py = np.empty(n)
    lower = np.empty(n + 1, dtype=np.int64)
    upper = np.empty(n + 1, dtype=np.int64)
    mark = np.zeros(n, dtype=np.bool_)
    cand = np.empty(n, dtype=np.int64)
    used = 0
    for i in range(P):
        starts[i] = used
        g0, g1, g2 = G[i, 0], G[i, 1], G[i, 2]
        gn = np.sqrt(g0 * g0 + g1 * g1 + g2 * g2)
        if not gn > 0.0:
            continue
        g0, g1, g2 = g0 / gn, g1 / gn, g2 / gn
        inside = True
        for k in range(n):
            s = 1.0 if D[k, i] else -1.0
            a0, a1, a2 = s * Z[k, 0], s * Z[k, 1], s * Z[k, 2]
            an = np.sqrt(a0 * a0 + a1 * a1 + a2 * a2)
            An[k, 0], An[k, 1], An[k, 2] = a0 / an, a1 / an, a2 / an
            if An[k, 0] * g0 + An[k, 1] * g1 + An[k, 2] * g2 <= _INTERIOR:
                inside = False
                break
        if not inside:
            continue
        # an orthonormal basis (q, r) of g's complement: q from the axis least aligned with g
        e = 0
        if abs(g1) < abs(g0) and abs(g1) <= abs(g2):
            e = 1
        elif abs(g2) < abs(g0) and abs(g2) < abs(g1):
            e = 2
        q0 = (1.0 if e == 0 else 0.0) - g0 * (g0 if e == 0 else (g1 if e == 1 else g2))
        q1 = (1.0 if e == 1 else 0.0) - g1 * (g0 if e == 0 else (g1 if e == 1 else g2))
        q2 = (1.0 if e == 2 else 0.0) - g2 * (g0 if e == 0 else (g1 if e == 1 else g2))
        qn = np.sqrt(q0 * q0 + q1 * q1 + q2 * q2)
        q0, q1, q2 = q0 / qn, q1 / qn, q2 / qn
        r0, r1, r2 = g1 * q2 - g2 * q1, g2 * q0 - g0 * q2, g0 * q1 - g1 * q0
        for k in range(n):
            s = 1.0 if D[k, i] else -1.0
            a0, a1, a2 = s * Z[k, 0], s * Z[k, 1], s * Z[k, 2]
            h = a0 * g0 + a1 * g1 + a2 * g2
            px[k] = (a0 * q0 + a1 * q1 + a2 * q2) / h
            py[k] = (a0 * r0 + a1 * r1 + a2 * r2) / h
        m = _outside_polygon(px, py, n, cand)
        by_y = cand[:m][np.argsort(py[cand[:m]], kind="mergesort")]
        order = by_y[np.argsort(px[by_y], kind="mergesort")]  # lexicographic: x, then y
        nl = _chain(px, py, order, lower)
        nu = _chain(px, py, order[::-1], upper)
        count = 0
        for t in range(nl - 1):
            if not mark[lower[t]]:
                mark[lower[t]] = True
                count += 1
        for t in range(nu - 1):
            if not mark[upper[t]]:
                mark[upper[t]] = True
                count += 1
        if nl - 1 + nu - 1 < 3:
            for k in range(n):
                mark[k] = False
            continue
        if used + count > rows.size:
            grown = np.empty(max(2 * rows.size, used + count), dtype=np.int64)
            grown[:used] = rows[:used]
            rows = grown
        for k in range(n):  # sorted, each once
            if mark[k]:
                rows[used] = k
                used += 1
                mark[k] = False
        ok[i] = True
    starts[P] = used
    return starts, rows[:used], ok


@njit(cache=True)
def prim_parents(H: np.ndarray, root_distance: np.ndarray) -> np.ndarray:
    """Prim's minimum spanning tree over B nodes and a root (-1), dense: the parent of every node.

    ``H`` (B x B) are the distances between the nodes, ``root_distance`` (B) those to the root. The loop
    of :func:`engine.convex.solvers.reduced._pattern_tree` (the same ties: the first minimum), compiled.
    """
    B = root_distance.size
    near = root_distance.astype(np.float64).copy()  # distance of every node to the tree so far
    parent = np.full(B, -1, dtype=np.int64)
    left = np.ones(B, dtype=np.bool_)
    for _ in range(B):
        j = int(np.argmin(near))
        left[j] = False
        near[j] = np.inf
        for k in range(B):
            if left[k] and H[j, k] < near[k]:
                near[k] = H[j, k]
                parent[k] = j
    return parent
