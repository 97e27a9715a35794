"""Exact pricing over the unit sphere for 2-D data by a sweep along every great circle.

For lifted 2-D data z_k in R^3 and a dual point lambda, the price is

    price(lambda) = max_{||w|| = 1} |g(w)|,    g(w) = sum_k lambda_k relu(z_k . w).

Only the points with lambda_k != 0 put a kink into g (duplicate points are merged by adding their
lambda), so g is linear, ``g(w) = c_C . w``, on every cell C of the arrangement of the m great circles
``z_k . w = 0`` of those points. The maximum of |g| on the sphere therefore lies on a great circle or
inside a cell, at the cell's stationary direction ``w* = +-c_C / |c_C|`` (value ``|c_C|``).

**The sweep of circle i** (compiled: engine/convex/pricing_kernel.py). In the frame (e1, e2, zhat_i),
``w(t) = cos t e1 + sin t e2``, point j != i is on (``z_j . w > 0``) on an open half circle: it
switches on and off at two antipodal directions, so sorting the m - 1 directions folded into
[0, pi) (by a pseudo-angle, no trigonometry; a bucket sort, O(m) expected) orders all 2(m - 1)
events. Walking them, the coefficient c changes by ``+- lambda_j z_j``; on the arc from event
direction u0 to u1 (at most pi long), ``g = c . w`` is a sinusoid whose largest |g| is at u0 (each
vertex starts an arc) or at the in-plane stationary direction ``+-P_i c / |P_i c|`` when the
derivative ``u x P_i c`` changes sign between u0 and u1 (value ``|P_i c|``).

**Cells.** An arc borders two cells: c with the own point off (the side ``zhat_i . w < 0``) and
``c + lambda_i z_i`` (on). Most cells' stationary directions lie outside them (``|c_C|`` is often
far above every value of g), so a cell is kept only when three necessary conditions hold:

* *Nearest-edge lemma.* If w* lies inside C, let k be the circle nearest to w* and f the foot of w*
  on it (distance d_k < pi/2). f lies on the boundary of C: otherwise the geodesic from w* to f
  leaves C at a point q != f of some circle l, and l would be nearer (dist(w*, l) <= |w* q| < d_k).
  So f lies on C's edge on circle k, where ``g(f) = c_C . f = +-|P_k c_C|``: f is the stationary
  point of that arc. The sweep of circle k therefore meets C at an arc whose stationary point (of
  the sign of w*) lies inside it; only such arcs propose their cells.
* *Sides.* w* lies on C's side of circle i and of the two circles through the arc's end points.
* *Margin lemma.* Let B >= the largest |g| on every circle. If w* lies inside C, with V = |c_C|,
  the point q of the boundary of C nearest to w* (distance delta) lies on a circle and has
  ``|g(q)| = V cos delta <= B``; every circle j is at distance d_j >= delta (the geodesic to its
  foot leaves C), so ``|P_j c_C| = V cos d_j <= B``, i.e. ``(z_j . c_C)^2 >= (V^2 - B^2) |z_j|^2``
  for all j. The sweep stores ``max |P_j c|`` over the three circles above; the evaluation stops at
  the first circle j that breaks the inequality.

Appearances of one cell are merged by a pattern hash (random 64-bit integers summed over the cell's
active points, carried along the sweep like c), and g is evaluated exactly at the survivors (zero
to a few per sweep), so a spurious proposal (e.g. a zero-length arc where 3+ circles meet) costs one
evaluation and cannot change the result.

**Screen** (skips circles; free: its sums ride on the projections the sweep computes anyway). With
``r_j = |P_i z_j|``, ``s_j = z_j . zhat_i``, P and N the sums of ``lambda_j r_j`` over
``lambda_j > 0`` and of ``|lambda_j| r_j`` over ``lambda_j < 0``, ``sigma = sum_j lambda_j P_i z_j``
and S+, S- the sums of the positive and negative parts of ``lambda_j s_j`` (j = i included):

* on circle i, ``g(u) = sum_j lambda_j relu(P_i z_j . u)`` lies in [-N, P], and since
  ``relu(x) = (x + |x|) / 2``, ``g(u) = sigma . u / 2 + sum_j lambda_j |P_i z_j . u| / 2`` with the
  last sum in [-N, P]: ``|g| <= U_i = min(max(P, N), (|sigma| + max(P, N)) / 2)``;
* a cell whose nearest edge is on circle i (the lemma) has ``|c_C|^2 = |P_i c_C|^2 + (c_C . zhat_i)^2``
  with ``|P_i c_C| = |g(f)| <= U_i`` and ``c_C . zhat_i = sum_{j on in C} lambda_j s_j`` in [-S-, S+]:
  ``|c_C| <= W_i = sqrt(U_i^2 + max(S+, S-)^2)``.

So circle i is skipped when W_i (plus a margin for rounding) is below the level of interest: the best value
found so far for the price, ``max(threshold, k-th best circle value so far)`` for candidates. The
result is exact except when nothing exceeds the threshold, where the value may be the largest W_i
skipped (an upper bound of the price, at most the threshold: ``exact`` False), which is all a dual
bound needs. The bounds ignore the cancellation in g, so on the dual points of column generation
(where g is small by cancellation) they are many times the circle's largest |g| and rarely skip.

**Candidates** for column generation (``k`` > 0 and a finite threshold): the best direction of every
circle and every cell maximum with ``|g| > threshold``, largest |g| first.

Cost: per circle O(m) for the events, O(m) expected for the sort (O(m log m) when crowded), O(m) for
the sweep: O(m^2) in all, O(m) memory, no per-arc Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.convex.pricing_kernel import cell_values, sweep_circles

__all__ = ["SpherePrice", "heuristic_candidates", "ridge_values", "sphere_price"]

_BLOCK_ENTRIES = 1_500_000  # entries of Z @ W evaluated per block by ridge_values
_HASH_SEED = 20220105  # fixed: pattern hashes only need to differ between patterns


@dataclass
class SpherePrice:
    """The exact price of one dual point and the directions that attain large |g|."""

    value: float  # max_{||w||=1} |g(w)| (an upper bound, at most the threshold asked, when not exact)
    direction: np.ndarray  # a unit w in R^3 attaining it
    sign: float  # sign of g at ``direction`` (+1 or -1)
    candidates: np.ndarray  # unit directions (rows) with |g| > threshold, largest |g| first: the best
    # of every great circle and every cell's interior maximum
    candidate_values: np.ndarray  # g at those directions (signed)
    exact: bool = True  # False: value is an upper bound of the price, at most the threshold asked
    skipped: int = 0  # circles the screen skipped


def _merge_duplicates(Z: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct lifted points with lambda added over duplicates; points with zero weight dropped."""
    Zu, inverse = np.unique(Z, axis=0, return_inverse=True)
    lam_u = np.bincount(inverse.reshape(-1), weights=lam, minlength=Zu.shape[0])
    scale = float(np.max(np.abs(lam))) if lam.size else 0.0
    keep = np.abs(lam_u) > 1e-15 * scale
    return Zu[keep], lam_u[keep]


def ridge_values(Z: np.ndarray, lam: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``g(w) = lambda . relu(Z w)`` for every row w of W (blocked to bound memory)."""
    out = np.empty(W.shape[0])
    block = max(1, _BLOCK_ENTRIES // max(1, Z.shape[0]))
    for s in range(0, W.shape[0], block):
        out[s : s + block] = np.maximum(Z @ W[s : s + block].T, 0.0).T @ lam
    return out


def _hashes(m: int) -> np.ndarray:
    """Fixed random 64-bit integers, one per point: a pattern's hash is the sum of its points' (mod 2^64)."""
    return np.random.default_rng(_HASH_SEED).integers(1, 2**63 - 1, size=m, dtype=np.int64).view(np.uint64)


def _cell_maxima(
    Z: np.ndarray, lam: np.ndarray, cells: np.ndarray, cell_hashes: np.ndarray, cutoff: float, boundary: float
) -> tuple[np.ndarray, np.ndarray]:
    """The cells' stationary directions that lie inside their cell, with |g| above ``cutoff``: (dirs, g).

    ``cells`` are the sweep's candidates (oriented c, |c|, in-plane norm); ``boundary`` is at least
    the largest |g| on any circle. Kept: |c| above the cutoff and the in-plane norm at most
    ``boundary`` (the margin lemma), one appearance per cell (pattern hash); then g is evaluated
    (:func:`engine.convex.pricing_kernel.cell_values`, which rejects by the margin lemma early).
    """
    keep = (cells[:, 3] > cutoff) & (cells[:, 4] <= boundary)
    if not keep.any():
        return np.zeros((0, 3)), np.zeros(0)
    _, first = np.unique(cell_hashes[keep], return_index=True)
    cells = cells[keep][first]
    g = cell_values(Z, lam, np.ascontiguousarray(cells[:, :3]), boundary)
    good = np.abs(g) > cutoff  # NaN (rejected) compares False
    return cells[good, :3] / cells[good, 3:4], g[good]


def sphere_price(
    Z: np.ndarray, lam: np.ndarray, *, threshold: float = np.inf, k: int | None = 0
) -> SpherePrice:
    """Exact ``max_{||w|| = 1} |lambda . relu(Z w)|`` for lifted 2-D data Z (n x 3).

    With a finite ``threshold`` and ``k`` > 0 (None: no limit), also the candidates for column
    generation: the best direction of every great circle and every cell's interior maximum with
    ``|g| > threshold``, largest |g| first, at most k (the overall maximiser first when it exceeds
    the threshold). When nothing exceeds the threshold, ``value`` may be an upper bound at most the
    threshold (``exact`` False; see the screen in the module docstring).
    """
    Z = np.asarray(Z, dtype=float)
    lam = np.asarray(lam, dtype=float)
    if Z.ndim != 2 or Z.shape[1] != 3:
        raise ValueError("sphere_price needs lifted 2-D data (n x 3)")
    if lam.shape != (Z.shape[0],):
        raise ValueError("sphere_price needs one lambda per point")
    empty = np.zeros((0, 3))
    want = (k is None or k > 0) and bool(np.isfinite(threshold))
    Zm, lm = _merge_duplicates(Z, lam)
    m = Zm.shape[0]
    if m == 0:
        return SpherePrice(0.0, np.array([0.0, 0.0, 1.0]), 1.0, empty, np.zeros(0))
    if m == 1:  # g = lambda relu(z . w): largest at w = z / |z|
        w = Zm[0] / np.linalg.norm(Zm[0])
        v = float(lm[0] * np.linalg.norm(Zm[0]))
        cands = (w[None], np.array([v])) if abs(v) > threshold and want else (empty, np.zeros(0))
        return SpherePrice(abs(v), w, 1.0 if v >= 0 else -1.0, *cands)
    # g is linear in lambda and in each |z_j|: sweep unit points with weights of largest size 1
    norms = np.linalg.norm(Zm, axis=1)
    weights = lm * norms
    scale = float(np.max(np.abs(weights)))
    Zn, ln = np.ascontiguousarray(Zm / norms[:, None]), weights / scale
    k_top = (m if k is None else min(int(k), m)) if want else 1  # the k-th best circle value matters
    floor = float(threshold) / scale if want else 0.0
    best, best_dir, bound, cells, cell_hashes = sweep_circles(Zn, ln, _hashes(m), True, floor, k_top, True)
    swept = np.flatnonzero(~np.isnan(best))
    circle_abs = np.abs(best[swept])
    best_val, direction = 0.0, np.array([0.0, 0.0, 1.0])
    if swept.size:  # (else the screen skipped every circle: nothing exceeds the threshold)
        i_best = int(swept[np.argmax(circle_abs)])
        best_val, direction = float(best[i_best]), best_dir[i_best]
    skipped_bound = float(np.max(bound[np.isnan(best)], initial=0.0))
    # cells: only those that can beat the best circle value (or make the k best above the threshold)
    kth = float(np.sort(circle_abs)[-k_top]) if circle_abs.size >= k_top else 0.0
    cutoff = max(floor, kth)
    boundary = max(abs(best_val), skipped_bound) * (1.0 + 1e-9)
    cell_dirs, cell_vals = _cell_maxima(Zn, ln, cells, cell_hashes, cutoff, boundary)
    if cell_vals.size and float(np.max(np.abs(cell_vals))) > abs(best_val):
        j = int(np.argmax(np.abs(cell_vals)))
        best_val, direction = float(cell_vals[j]), cell_dirs[j]
    direction = direction / np.linalg.norm(direction)
    sign = 1.0 if best_val >= 0 else -1.0
    exact = skipped_bound <= abs(best_val)
    value = scale * (abs(best_val) if exact else skipped_bound)
    n_skipped = int(m - swept.size)
    if not want:
        return SpherePrice(value, direction, sign, empty, np.zeros(0), exact, n_skipped)
    dirs = np.vstack([best_dir[swept], cell_dirs])
    vals = np.concatenate([best[swept], cell_vals])
    above = np.abs(vals) > floor
    dirs, vals = dirs[above], vals[above]
    order = np.argsort(-np.abs(vals), kind="stable")[: (vals.size if k is None else int(k))]
    dirs = dirs[order] / np.linalg.norm(dirs[order], axis=1, keepdims=True)
    return SpherePrice(value, direction, sign, dirs, scale * vals[order], exact, n_skipped)


def heuristic_candidates(
    Z: np.ndarray, lam: np.ndarray, starts: np.ndarray, *, threshold: float, k: int, steps: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Directions with large |g| found cheaply (no guarantee): (directions, g values), largest first.

    From the unit directions ``starts`` (e.g. the current neurons and a fixed random pool), the best
    4k are moved a few times to the stationary direction of their cell, ``w <- sign(g) c(w) / |c(w)|``
    with ``c(w) = sum_k lambda_k 1[z_k . w > 0] z_k`` (the maximiser of the cell's linear piece; a
    fixed point is a local maximiser of |g|). Cost O(n) per direction and step, against
    O(n^2) for the exact sweep; column generation uses it while it finds clear violations and
    falls back to the exact sweep otherwise.
    """
    nonzero = lam != 0.0  # g depends on the points with lambda_k != 0 only (hinge: few of them)
    Z, lam = Z[nonzero], lam[nonzero]
    W = starts / np.linalg.norm(starts, axis=1, keepdims=True)
    W = W[np.argsort(-np.abs(ridge_values(Z, lam, W)))[: 4 * k]]
    for _ in range(steps):
        on = (W @ Z.T) > 0.0
        C = (on * lam) @ Z * np.where(ridge_values(Z, lam, W) >= 0.0, 1.0, -1.0)[:, None]
        norms = np.linalg.norm(C, axis=1, keepdims=True)
        W = np.where(norms > 0.0, C / np.maximum(norms, 1e-300), W)
    g = ridge_values(Z, lam, W)
    keep = np.abs(g) > threshold
    W, g = W[keep], g[keep]
    order = np.argsort(-np.abs(g))[:k]
    return W[order], g[order]
