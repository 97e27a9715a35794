"""The compiled inner loops of the great-circle sweep of engine/convex/pricing.py (docs/design.md §3).

numba-compiled with ``cache=True`` (compiled once per machine into ``__pycache__``, then loaded in a
fraction of a second). The maths, the bounds and their proofs are in engine/convex/pricing.py; here:

* :func:`sweep_circles`: for every circle, O(m) for its events and the screen's bound; unless the
  screen skips it, a bucket sort of the events (O(m) expected) and one pass over the 2(m - 1)
  arcs; it returns the largest |g| of each circle and the cells whose stationary direction may lie
  inside them;
* :func:`cell_values`: g at those stationary directions, rejecting early the ones that cannot lie in
  their cell.

Conventions: the m rows of ``Z`` are distinct lifted points with nonzero ``lam``; circle i is
``{w : z_i . w = 0, |w| = 1}``, walked as ``w(t) = cos t e1 + sin t e2`` in the orthonormal frame
(e1, e2, zhat_i) of :func:`_frame`. A point j != i is on (``z_j . w > 0``) for t in an open half
circle; its two events (on, off) are antipodal on the circle, so sorting the m - 1 events in
[0, pi) orders all 2(m - 1) of them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["cell_values", "sweep_circles"]

_INITIAL_CELLS = 4096  # initial capacity of the cell-candidate buffers (doubled when full)
_MAX_BUCKET = 48  # a circle whose fullest sort bucket holds more events is sorted by np.argsort
# cell buffer columns: the oriented coefficient c (3), |c|, the largest in-plane norm of c over the
# three circles tested (for the margin filter of pricing.py)
_C_BOUND = 3
_C_PLANE = 4


@njit(cache=True)
def _frame(z0: float, z1: float, z2: float):
    """An orthonormal frame (e1, e2, zhat), zhat = z / |z|, and |z| (the numpy sweep's frame)."""
    nz = np.sqrt(z0 * z0 + z1 * z1 + z2 * z2)
    h0, h1, h2 = z0 / nz, z1 / nz, z2 / nz
    if abs(h0) < 0.9:  # e1 = zhat x (1, 0, 0)
        a0, a1, a2 = 0.0, h2, -h1
    else:  # e1 = zhat x (0, 1, 0)
        a0, a1, a2 = -h2, 0.0, h0
    na = np.sqrt(a0 * a0 + a1 * a1 + a2 * a2)
    a0, a1, a2 = a0 / na, a1 / na, a2 / na
    b0 = h1 * a2 - h2 * a1  # e2 = zhat x e1
    b1 = h2 * a0 - h0 * a2
    b2 = h0 * a1 - h1 * a0
    return a0, a1, a2, b0, b1, b2, h0, h1, h2, nz


@njit(cache=True)
def _screen_bound(pos: float, neg: float, sig_a: float, sig_b: float, spos: float, sneg: float) -> float:
    """The screen's bound W_i from circle i's sums (statement and proof in engine/convex/pricing.py)."""
    top = max(pos, neg)
    on_circle = min(top, 0.5 * (np.sqrt(sig_a * sig_a + sig_b * sig_b) + top))
    normal = max(spos, sneg)
    return np.sqrt(on_circle * on_circle + normal * normal)


@njit(cache=True)
def _heap_sort(key: np.ndarray, cnt: int, order: np.ndarray) -> None:
    """``order[:cnt]`` = an argsort of ``key[:cnt]`` by heap sort (O(cnt log cnt), for crowded keys)."""
    for q in range(cnt):
        order[q] = q
    for end in range(cnt, 1, -1):
        start = end // 2 - 1 if end == cnt else 0
        for root0 in range(start, -1, -1):  # heapify once, then sift the new root down
            root = root0
            while True:
                child = 2 * root + 1
                if child >= end:
                    break
                if child + 1 < end and key[order[child + 1]] > key[order[child]]:
                    child += 1
                if key[order[root]] >= key[order[child]]:
                    break
                order[root], order[child] = order[child], order[root]
                root = child
        order[0], order[end - 1] = order[end - 1], order[0]


@njit(cache=True)
def _sort_events(key: np.ndarray, cnt: int, bucket: np.ndarray, order: np.ndarray) -> None:
    """``order[:cnt]`` = the argsort of ``key[:cnt]`` (values in [0, 2)): buckets, then insertion.

    Expected O(cnt) for spread keys; a circle with a crowded bucket falls back to np.argsort.
    """
    nb = cnt
    scale = nb / 2.0
    bucket[: nb + 1] = 0
    for q in range(cnt):
        b = min(int(key[q] * scale), nb - 1)
        bucket[b + 1] += 1
    fullest = 0
    for b in range(nb):
        fullest = max(fullest, bucket[b + 1])
        bucket[b + 1] += bucket[b]
    if fullest > _MAX_BUCKET:
        _heap_sort(key, cnt, order)
        return
    for q in range(cnt):
        b = min(int(key[q] * scale), nb - 1)
        order[bucket[b]] = q
        bucket[b] += 1
    for p in range(1, cnt):  # insertion sort: only elements of one bucket are out of order
        q = order[p]
        kq = key[q]
        r = p - 1
        while r >= 0 and key[order[r]] > kq:
            order[r + 1] = order[r]
            r -= 1
        order[r + 1] = q


@njit(cache=True)
def _grow(buf: np.ndarray, hashes: np.ndarray, count: int):
    new_buf = np.empty((2 * buf.shape[0], buf.shape[1]))
    new_hashes = np.empty(2 * buf.shape[0], dtype=np.uint64)
    for r in range(count):
        for c in range(buf.shape[1]):
            new_buf[r, c] = buf[r, c]
        new_hashes[r] = hashes[r]
    return new_buf, new_hashes


@njit(cache=True)
def _push_kth(tops: np.ndarray, value: float) -> None:
    """Keep ``tops`` (ascending) the len(tops) largest values seen: tops[0] is the k-th largest."""
    if value <= tops[0]:
        return
    p = 0
    while p + 1 < tops.size and tops[p + 1] < value:
        tops[p] = tops[p + 1]
        p += 1
    tops[p] = value


@njit(cache=True)
def sweep_circles(
    Z: np.ndarray,
    lam: np.ndarray,
    hashes: np.ndarray,
    want_cells: bool,
    floor: float,
    k: int,
    screen: bool,
):
    """Sweep every circle: (best, best_dir, bound, cells, cell_hashes).

    ``best[i]`` is g at ``best_dir[i]``, the point of circle i with the largest |g|; ``bound[i]`` is
    the screen's bound W_i. With ``screen``, circle i is skipped (``best[i]`` NaN) when W_i (with a
    margin for its rounding) is below ``floor`` or the k-th largest circle value so far.

    With ``want_cells``: the cells next to the swept arcs whose stationary direction ``+-c / |c|``
    (oriented to the cell's side of circle i) may lie inside them, as rows of ``cells`` (the
    oriented c, |c|, the largest in-plane norm of c over the three circles tested) and
    ``cell_hashes`` (the sum mod 2^64 of the hashes of the cell's active points: equal for every
    appearance of a cell). Kept: |c| above ``floor`` and above the k-th largest circle value so far
    (the caller never needs cells below it), the foot of the direction on circle i inside the arc
    (the nearest-edge lemma), the direction on the cell's side of circle i and of the two circles
    ending the arc. Spurious appearances (zero-length arcs where several circles meet) may pass:
    the caller evaluates g there.
    """
    m = Z.shape[0]
    best = np.full(m, np.nan)
    bound = np.empty(m)
    best_dir = np.zeros((m, 3))
    cells = np.empty((_INITIAL_CELLS, 5))
    cell_hashes = np.empty(_INITIAL_CELLS, dtype=np.uint64)
    n_cells = 0
    # per-circle scratch: the events in slot order, then in angular order
    pa = np.empty(m)  # z_j . e1
    pb = np.empty(m)  # z_j . e2
    ps = np.empty(m)  # z_j . zhat_i
    pn = np.empty(m)  # |z_j|^2
    pl = np.empty(m)  # lam_j * (+1 on, -1 off): the change of c's weight on z_j at the event
    ph = np.empty(m, dtype=np.uint64)
    ux = np.empty(m)  # unit direction of the event in [0, pi) (the one at t + pi is its negative)
    uy = np.empty(m)
    key = np.empty(m)
    up = np.empty(m, dtype=np.bool_)  # switches on at (ux, uy)
    order = np.empty(m, dtype=np.int64)
    bucket = np.empty(m + 1, dtype=np.int64)
    sa_ = np.empty(m)
    sb_ = np.empty(m)
    ss_ = np.empty(m)
    sn_ = np.empty(m)
    sl_ = np.empty(m)
    sux = np.empty(m)
    suy = np.empty(m)
    sh_ = np.empty(m, dtype=np.uint64)
    sup = np.empty(m, dtype=np.bool_)
    tops = np.zeros(max(k, 1))  # the k largest circle values so far
    zero = np.uint64(0)
    for i in range(m):
        a0, a1, a2, b0, b1, b2, h0, h1, h2, nz = _frame(Z[i, 0], Z[i, 1], Z[i, 2])
        ca = 0.0  # c . e1, c . e2, c . zhat_i of the arc's coefficient c; at t = 0^- to start with
        cb = 0.0
        cs = 0.0
        hsum = zero
        plus_cs = lam[i] * nz  # the own point is on in the cells on the + side (zhat_i . w > 0)
        plus_hash = hashes[i]
        minus_cs = 0.0
        minus_hash = zero
        pos = 0.0  # the screen's sums: lam_j |P_i z_j| over lam_j > 0, over lam_j < 0 (negated),
        neg = 0.0
        sig_a = 0.0  # sum_j lam_j P_i z_j,
        sig_b = 0.0
        spos = max(plus_cs, 0.0)  # and the positive and negative parts of lam_j z_j . zhat_i
        sneg = max(-plus_cs, 0.0)
        cnt = 0
        for j in range(m):
            if j == i:
                continue
            zj0, zj1, zj2 = Z[j, 0], Z[j, 1], Z[j, 2]
            aj = a0 * zj0 + a1 * zj1 + a2 * zj2
            bj = b0 * zj0 + b1 * zj1 + b2 * zj2
            sj = h0 * zj0 + h1 * zj1 + h2 * zj2
            lj = lam[j]
            if lj * sj > 0.0:
                spos += lj * sj
            else:
                sneg -= lj * sj
            # z_j parallel to z_i (or so nearly that |(aj, bj)|^2 underflows, e.g. points 1e-199 apart):
            # 0 on the circle, on for one side
            if aj * aj + bj * bj == 0.0:
                if sj > 0.0:
                    plus_cs += lj * sj
                    plus_hash += hashes[j]
                else:
                    minus_cs += lj * sj
                    minus_hash += hashes[j]
                continue
            if aj > 0.0 or (aj == 0.0 and bj < 0.0):  # on just before t = 0
                ca += lj * aj
                cb += lj * bj
                cs += lj * sj
                hsum += hashes[j]
            qx, qy, on = -bj, aj, False  # z_j . w(t) switches off at the direction (-bj, aj)
            if qy < 0.0 or (qy == 0.0 and qx < 0.0):
                qx, qy, on = bj, -aj, True  # ... and on at its negative, the one in [0, pi)
            r = np.sqrt(qx * qx + qy * qy)
            qx /= r
            qy /= r
            if lj > 0.0:
                pos += lj * r
            else:
                neg -= lj * r
            sig_a += lj * aj
            sig_b += lj * bj
            pa[cnt] = aj
            pb[cnt] = bj
            ps[cnt] = sj
            pn[cnt] = zj0 * zj0 + zj1 * zj1 + zj2 * zj2
            pl[cnt] = lj if on else -lj
            ph[cnt] = hashes[j]
            ux[cnt] = qx
            uy[cnt] = qy
            up[cnt] = on
            key[cnt] = 1.0 - qx / (abs(qx) + qy)  # increasing with the angle on [0, pi)
            cnt += 1
        bound[i] = _screen_bound(pos, neg, sig_a, sig_b, spos, sneg)
        if screen and bound[i] * (1.0 + 1e-12) + 1e-300 < max(floor, tops[0]):
            continue  # neither circle i nor a cell whose nearest edge is on it can matter
        if cnt == 0:  # every other point parallel: g = 0 on the circle; two hemispheres as cells
            best[i] = 0.0
            best_dir[i, 0], best_dir[i, 1], best_dir[i, 2] = a0, a1, a2
            _push_kth(tops, 0.0)
            if want_cells:
                for side_index in range(2):
                    side = 1.0 - 2.0 * side_index
                    s = plus_cs if side > 0.0 else minus_cs
                    if abs(s) > floor:
                        o = 1.0 if s * side > 0.0 else -1.0
                        if n_cells == cells.shape[0]:
                            cells, cell_hashes = _grow(cells, cell_hashes, n_cells)
                        cells[n_cells, 0] = o * s * h0
                        cells[n_cells, 1] = o * s * h1
                        cells[n_cells, 2] = o * s * h2
                        cells[n_cells, _C_BOUND] = abs(s)
                        cells[n_cells, _C_PLANE] = 0.0
                        cell_hashes[n_cells] = plus_hash if side > 0.0 else minus_hash
                        n_cells += 1
            continue
        _sort_events(key, cnt, bucket, order)
        for p in range(cnt):  # gather into angular order: the sweep reads memory in sequence
            q = order[p]
            sa_[p] = pa[q]
            sb_[p] = pb[q]
            ss_[p] = ps[q]
            sn_[p] = pn[q]
            sl_[p] = pl[q]
            sh_[p] = ph[q]
            sux[p] = ux[q]
            suy[p] = uy[q]
            sup[p] = up[q]
        start_a, start_b, start_s, start_h = ca, cb, cs, hsum
        top = -1.0
        top_val, top_x, top_y = 0.0, 1.0, 0.0
        n_events = 2 * cnt
        low_cells = max(floor, tops[0])
        for e in range(n_events):
            # event e: slot p, at (ux, uy) for e < cnt and at its negative (type flipped) after
            p = e if e < cnt else e - cnt
            fl = 1.0 if e < cnt else -1.0
            u0x = fl * sux[p]
            u0y = fl * suy[p]
            on0 = sup[p] if e < cnt else not sup[p]
            if e == n_events - 1:  # back at the start: c exactly as at t = 0^-
                ca, cb, cs, hsum = start_a, start_b, start_s, start_h
            else:
                w = fl * sl_[p]
                ca += w * sa_[p]
                cb += w * sb_[p]
                cs += w * ss_[p]
                if on0:
                    hsum += sh_[p]
                else:
                    hsum -= sh_[p]
            e1 = e + 1 if e + 1 < n_events else 0
            p1 = e1 if e1 < cnt else e1 - cnt
            fl1 = 1.0 if e1 < cnt else -1.0
            u1x = fl1 * sux[p1]
            u1y = fl1 * suy[p1]
            # the arc from u0 to u1 (at most pi long), g = c . w = ca cos t + cb sin t on it: its
            # start, and a stationary point strictly inside (the derivative changes sign)
            v = ca * u0x + cb * u0y
            if abs(v) > top:
                top, top_val, top_x, top_y = abs(v), v, u0x, u0y
            d0 = u0x * cb - u0y * ca
            d1 = u1x * cb - u1y * ca
            R2 = ca * ca + cb * cb
            if (d0 > 0.0 and d1 < 0.0) or (d0 < 0.0 and d1 > 0.0):
                if R2 > top * top:
                    R = np.sqrt(R2)
                    sgn = 1.0 if d0 > 0.0 else -1.0
                    top, top_val, top_x, top_y = R, sgn * R, sgn * ca / R, sgn * cb / R
            if not want_cells:
                continue
            foot_tol = 1e-9 * np.sqrt(R2)
            if (d0 > foot_tol and d1 > foot_tol) or (d0 < -foot_tol and d1 < -foot_tol):
                continue  # g monotone on the arc: no cell's stationary direction has its foot here
            low = max(low_cells, top) if k == 1 else low_cells
            low2 = low * low
            on1 = not (sup[p1] if e1 < cnt else not sup[p1])  # state in the arc of the point ending it
            for side_index in range(2):  # the cell with the own point on (+ side) and off (- side)
                side = 1.0 - 2.0 * side_index
                s = cs + (plus_cs if side > 0.0 else minus_cs)
                norm2 = R2 + s * s
                if norm2 <= low2 or s == 0.0:
                    continue
                o = 1.0 if s * side > 0.0 else -1.0  # +-c on the cell's side of circle i
                if o * d0 < -foot_tol or o * d1 > foot_tol:
                    continue  # the foot of +-c on circle i is outside the arc (the nearest-edge lemma)
                f0 = ca * sa_[p] + cb * sb_[p] + s * ss_[p]  # z . c for the circles ending the arc
                f1 = ca * sa_[p1] + cb * sb_[p1] + s * ss_[p1]
                if (o * f0 < 0.0 if on0 else o * f0 > 0.0) or (o * f1 < 0.0 if on1 else o * f1 > 0.0):
                    continue  # +-c / |c| on the wrong side of one of them: not in the cell
                if n_cells == cells.shape[0]:
                    cells, cell_hashes = _grow(cells, cell_hashes, n_cells)
                cells[n_cells, 0] = o * (ca * a0 + cb * b0 + s * h0)
                cells[n_cells, 1] = o * (ca * a1 + cb * b1 + s * h1)
                cells[n_cells, 2] = o * (ca * a2 + cb * b2 + s * h2)
                cells[n_cells, _C_BOUND] = np.sqrt(norm2)
                plane = max(R2, norm2 - f0 * f0 / sn_[p], norm2 - f1 * f1 / sn_[p1])
                cells[n_cells, _C_PLANE] = np.sqrt(max(plane, 0.0))
                cell_hashes[n_cells] = hsum + (plus_hash if side > 0.0 else minus_hash)
                n_cells += 1
        best[i] = top_val
        best_dir[i, 0] = top_x * a0 + top_y * b0
        best_dir[i, 1] = top_x * a1 + top_y * b1
        best_dir[i, 2] = top_x * a2 + top_y * b2
        _push_kth(tops, top)
    return best, best_dir, bound, cells[:n_cells], cell_hashes[:n_cells]


@njit(cache=True)
def cell_values(Z: np.ndarray, lam: np.ndarray, C: np.ndarray, boundary_max: float) -> np.ndarray:
    """g at ``C[r] / |C[r]|`` for every row (NaN where rejected early: not inside its cell).

    A cell's stationary direction w* = c / |c| with |c| > B (``boundary_max``, at least the largest
    |g| on any circle) lies inside its cell only if every circle is at least acos(B / |c|) away from
    it: ``(z_j . c)^2 >= (|c|^2 - B^2) |z_j|^2`` for all j (proof in engine/convex/pricing.py). The
    test stops at the first circle that fails it; the ones that pass get their exact g.
    """
    out = np.empty(C.shape[0])
    for r in range(C.shape[0]):
        c0, c1, c2 = C[r, 0], C[r, 1], C[r, 2]
        V2 = c0 * c0 + c1 * c1 + c2 * c2
        margin = (V2 - boundary_max * boundary_max) * (1.0 - 1e-9)
        acc = 0.0
        for j in range(Z.shape[0]):
            zj0, zj1, zj2 = Z[j, 0], Z[j, 1], Z[j, 2]
            p = zj0 * c0 + zj1 * c1 + zj2 * c2
            if p * p < margin * (zj0 * zj0 + zj1 * zj1 + zj2 * zj2):
                acc = np.nan
                break
            if p > 0.0:
                acc += lam[j] * p
        out[r] = acc / np.sqrt(V2)
    return out
