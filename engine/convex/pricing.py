"""Exact pricing over the unit sphere for 2-D data by a sweep along every great circle.

For lifted 2-D data z_k in R^3 and a dual point lambda, the price is

    price(lambda) = max_{||w|| = 1} |g(w)|,    g(w) = sum_k lambda_k relu(z_k . w).

Only the points with lambda_k != 0 put a kink into g (duplicate points are merged by adding their
lambda), so g is linear, ``g(w) = c_C . w``, on every cell C of the arrangement of the m great circles
``z_k . w = 0`` of those points. The maximum of |g| on the sphere therefore lies

* on a great circle: walking once around circle i, the points j != i switch on and off at the
  two angles where ``z_j . w`` changes sign, so the coefficient c of g along the circle changes by
  ``+- lambda_j z_j`` at those events. Sorting the 2(m - 1) event angles and taking a cumulative sum
  gives c on every arc; on an arc ``g = a cos t + b sin t`` has its extremes at the stationary angle
  ``atan2(b, a)`` (+ pi) when it lies inside the arc, else at the arc's end points (vertices);
* or inside a cell, at the cell's stationary direction ``+-c_C / ||c_C||`` (value ``||c_C||``). Every
  cell borders an arc, so its coefficient is the arc's c with or without ``lambda_i z_i``. ``||c_C||``
  is an upper bound of |g| on the cell, so only cells with ``||c_C||`` above the best boundary value
  need a look: g is evaluated at their stationary directions (largest bound first, stopping once no
  remaining bound can beat the best value found).

Cost: O(m^2 log m) for the sweep (m circles, 2(m - 1) events each) plus O(m) per cell candidate,
instead of O(m^3) for listing all m(m - 1) + 2 cells with their patterns. Memory is bounded by
sweeping a block of circles at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SpherePrice", "heuristic_candidates", "ridge_values", "sphere_price"]

_BLOCK_ENTRIES = 1_500_000  # arcs per sweep block (several float arrays of this size)
_CELL_BLOCK = 4096  # cell stationary directions evaluated per block
_HASH_SEED = 20220105  # fixed: pattern hashes only need to differ between patterns


@dataclass
class SpherePrice:
    """The exact price of one dual point and the directions that attain large |g|."""

    value: float  # max_{||w||=1} |g(w)|
    direction: np.ndarray  # a unit w in R^3 attaining it
    sign: float  # sign of g at ``direction`` (+1 or -1)
    candidates: np.ndarray  # unit directions (rows) with |g| > threshold, largest |g| first
    candidate_values: np.ndarray  # g at those directions (signed)


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


def _plane_bases(Zb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal bases (e1, e2) of the planes z . w = 0 for the rows z of Zb."""
    zhat = Zb / np.linalg.norm(Zb, axis=1, keepdims=True)
    helper = np.where(np.abs(zhat[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    e1 = np.cross(zhat, helper)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    return e1, np.cross(zhat, e1)


def _in_arc(angle: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    return np.mod(angle - start, 2.0 * np.pi) <= length


def _sweep_block(
    Z: np.ndarray, lam: np.ndarray, hashes: np.ndarray, rows: np.ndarray, threshold: float
) -> dict[str, np.ndarray]:
    """Sweep the circles ``rows``: per arc, the extreme of g and the two adjacent cells.

    ``hashes`` are random 64-bit integers, one per point; a cell's pattern hash is the sum (mod 2^64)
    of the hashes of its active points, carried along the sweep like the coefficient c.
    """
    m = Z.shape[0]
    b = rows.size
    Zb = Z[rows]
    e1, e2 = _plane_bases(Zb)
    A = e1 @ Z.T  # b x m: z_j . w(t) = A cos t + B sin t on circle i
    Bm = e2 @ Z.T
    weight = np.broadcast_to(lam, (b, m)).copy()
    weight[np.arange(b), rows] = 0.0  # a circle's own point is 0 on it
    hash_w = np.broadcast_to(hashes, (b, m)).copy()
    hash_w[np.arange(b), rows] = 0
    phi = np.arctan2(Bm, A)
    # events: point j switches on at phi - pi/2 and off at phi + pi/2
    ev_angle = np.mod(np.concatenate([phi - np.pi / 2.0, phi + np.pi / 2.0], axis=1), 2.0 * np.pi)
    ev_sign = np.concatenate([np.ones((b, m)), -np.ones((b, m))], axis=1)
    ev_point = np.concatenate([np.tile(np.arange(m), (b, 1))] * 2, axis=1)
    order = np.argsort(ev_angle, axis=1)
    ang = np.take_along_axis(ev_angle, order, axis=1)
    K = ang.shape[1]
    gaps = np.diff(np.concatenate([ang, ang[:, :1] + 2.0 * np.pi], axis=1), axis=1)
    first = (np.argmax(gaps, axis=1) + 1) % K  # first event after the largest gap
    t_start = ang[np.arange(b), first - 1] + gaps[np.arange(b), first - 1] / 2.0  # middle of that gap
    roll = (np.arange(K)[None, :] + first[:, None]) % K
    order = np.take_along_axis(order, roll, axis=1)
    ang = np.take_along_axis(ang, roll, axis=1) + 2.0 * np.pi * (np.arange(K)[None, :] + first[:, None] >= K)
    point = np.take_along_axis(ev_point, order, axis=1)
    sgn = np.take_along_axis(ev_sign, order, axis=1)
    w_ev = np.take_along_axis(weight, point, axis=1) * sgn  # b x K: +-lambda_j at each event
    on0 = np.cos(t_start[:, None] - phi) > 0.0
    S = Zb @ Z.T  # z_i . z_j
    # coordinates of c along the circle (a = c.e1, bb = c.e2, side = c.z_i) after each event (the arc
    # starting there), by cumulative sums; the last arc wraps round to the start, where c = c0
    coords = []
    for P_ in (A, Bm, S):
        start_val = np.sum(on0 * weight * P_, axis=1)
        vals = start_val[:, None] + np.cumsum(w_ev * np.take_along_axis(P_, point, axis=1), axis=1)
        vals[:, -1] = start_val
        coords.append(vals)
    a, bb, side = coords
    t0 = ang
    cos0, sin0 = np.cos(t0), np.sin(t0)
    cos1, sin1 = np.roll(cos0, -1, axis=1), np.roll(sin0, -1, axis=1)
    length = np.concatenate([ang[:, 1:], ang[:, :1] + 2.0 * np.pi], axis=1) - t0
    psi = np.arctan2(bb, a)
    R = np.hypot(a, bb)
    h0 = a * cos0 + bb * sin0
    h1 = a * cos1 + bb * sin1
    # the arc's largest |g|: a stationary angle inside the arc, else an end point
    first_end = np.abs(h0) >= np.abs(h1)
    best_val = np.where(first_end, h0, h1)
    best_cos = np.where(first_end, cos0, cos1)
    best_sin = np.where(first_end, sin0, sin1)
    in_max = _in_arc(psi, t0, length)
    in_min = _in_arc(psi + np.pi, t0, length)
    inside = in_max | in_min
    best_val = np.where(in_max, R, np.where(in_min, -R, best_val))
    flip = np.where(in_min, -1.0, 1.0)
    best_cos = np.where(inside, flip * a / np.maximum(R, 1e-300), best_cos)
    best_sin = np.where(inside, flip * bb / np.maximum(R, 1e-300), best_sin)
    # adjacent cells: the circle's own point off (c) or on (c + lambda_i z_i), kept when |c| > low,
    # with the pattern's hash and whether +-c/|c| lies on the cell's side of this circle
    h_ev = np.where(sgn > 0, 1, -1).astype(np.int64).view(np.uint64) * np.take_along_axis(
        hash_w, point, axis=1
    )
    hs0 = np.where(on0, hash_w, np.uint64(0)).sum(axis=1, dtype=np.uint64)
    H = hs0[:, None] + np.cumsum(h_ev, axis=1, dtype=np.uint64)
    H[:, -1] = hs0
    znorm = np.linalg.norm(Zb, axis=1)[:, None]
    side_on = side + lam[rows, None] * znorm**2
    low = min(float(np.max(np.abs(best_val))), threshold)
    base = a**2 + bb**2
    cells, hashes_out, plus_ok, minus_ok = [], [], [], []
    for sd, hh, on_side in ((side, H, False), (side_on, H + hashes[rows, None], True)):
        big = base + (sd / znorm) ** 2 > low**2
        r, kk = np.nonzero(big)
        zc = sd[r, kk] / znorm[r, 0]
        cells.append(a[r, kk, None] * e1[r] + bb[r, kk, None] * e2[r] + zc[:, None] * Zb[r] / znorm[r])
        hashes_out.append(hh[r, kk])
        plus_ok.append(sd[r, kk] > 0.0 if on_side else sd[r, kk] < 0.0)
        minus_ok.append(sd[r, kk] < 0.0 if on_side else sd[r, kk] > 0.0)
    out = {
        "cells": np.vstack(cells),
        "hash": np.concatenate(hashes_out),
        "plus_ok": np.concatenate(plus_ok),
        "minus_ok": np.concatenate(minus_ok),
    }
    absval = np.abs(best_val)
    i_best = np.unravel_index(int(np.argmax(absval)), absval.shape)
    out["best_value"] = np.array([best_val[i_best]])
    out["best_dir"] = (best_cos[i_best] * e1[i_best[0]] + best_sin[i_best] * e2[i_best[0]])[None]
    r, k = np.nonzero(absval > threshold)
    out["cand_values"] = best_val[r, k]
    out["cand_dirs"] = best_cos[r, k, None] * e1[r] + best_sin[r, k, None] * e2[r]
    return out


def _best_cells(
    Z: np.ndarray, lam: np.ndarray, parts: list[dict], low: float
) -> tuple[np.ndarray, np.ndarray]:
    """Stationary directions of the cells that contain them, with |g| above ``low``: (dirs, values).

    A cell appears once for every arc on its boundary; its stationary direction +-c/|c| lies in the
    cell exactly when it is on the cell's side of every boundary circle, i.e. when the side test
    passes at every appearance (appearances are grouped by the pattern hash). g is evaluated exactly
    at the directions that pass, so a spurious pass (at a vertex shared by 3+ circles) costs nothing.
    """
    cells, hashes, plus_ok, minus_ok = [], [], [], []
    for part in parts:
        big = np.linalg.norm(part["cells"], axis=1) > low
        cells.append(part["cells"][big])
        hashes.append(part["hash"][big])
        plus_ok.append(part["plus_ok"][big])
        minus_ok.append(part["minus_ok"][big])
    cells = np.vstack(cells)
    if cells.shape[0] == 0:
        return np.zeros((0, 3)), np.zeros(0)
    _, first, inverse = np.unique(np.concatenate(hashes), return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    groups = first.size
    plus = np.bincount(inverse, weights=~np.concatenate(plus_ok), minlength=groups) == 0
    minus = np.bincount(inverse, weights=~np.concatenate(minus_ok), minlength=groups) == 0
    c = cells[first]
    dirs = np.vstack([c[plus], -c[minus]])
    if dirs.shape[0] == 0:
        return np.zeros((0, 3)), np.zeros(0)
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    vals = ridge_values(Z, lam, dirs)
    good = np.abs(vals) > low
    return dirs[good], vals[good]


def sphere_price(Z: np.ndarray, lam: np.ndarray, *, threshold: float = np.inf, k: int = 0) -> SpherePrice:
    """Exact ``max_{||w||=1} |lambda . relu(Z w)|`` for lifted 2-D data Z (n x 3).

    With a finite ``threshold`` and ``k > 0`` also up to k directions with ``|g| > threshold``
    (arc extremes and cell stationary directions), largest first, for column generation.
    """
    Z = np.asarray(Z, dtype=float)
    lam = np.asarray(lam, dtype=float)
    if Z.ndim != 2 or Z.shape[1] != 3:
        raise ValueError("sphere_price needs lifted 2-D data (n x 3)")
    empty = np.zeros((0, 3))
    Zm, lm = _merge_duplicates(Z, lam)
    m = Zm.shape[0]
    if m == 0:
        return SpherePrice(0.0, np.array([0.0, 0.0, 1.0]), 1.0, empty, np.zeros(0))
    if m == 1:  # g = lambda relu(z . w): largest at w = z / |z|
        w = Zm[0] / np.linalg.norm(Zm[0])
        v = float(lm[0] * np.linalg.norm(Zm[0]))
        cands = (w[None], np.array([v])) if abs(v) > threshold and k > 0 else (empty, np.zeros(0))
        return SpherePrice(abs(v), w, 1.0 if v >= 0 else -1.0, *cands)
    thr = threshold if k > 0 else np.inf
    block = max(1, _BLOCK_ENTRIES // (2 * m))
    best_val, best_dir = 0.0, np.array([0.0, 0.0, 1.0])
    hashes = np.random.default_rng(_HASH_SEED).integers(1, 2**63 - 1, size=m, dtype=np.int64).view(np.uint64)
    cand_dirs, cand_vals, parts = [], [], []
    for s in range(0, m, block):
        part = _sweep_block(Zm, lm, hashes, np.arange(s, min(m, s + block)), thr)
        if abs(part["best_value"][0]) > abs(best_val):
            best_val, best_dir = float(part["best_value"][0]), part["best_dir"][0]
        cand_dirs.append(part["cand_dirs"])
        cand_vals.append(part["cand_values"])
        parts.append(part)
    cdirs, cvals = _best_cells(Zm, lm, parts, min(abs(best_val), thr))
    if cvals.size:
        i = int(np.argmax(np.abs(cvals)))
        if abs(cvals[i]) > abs(best_val):
            best_val, best_dir = float(cvals[i]), cdirs[i]
    dirs = np.vstack(cand_dirs + [cdirs])
    vals = np.concatenate(cand_vals + [cvals])
    keep = np.abs(vals) > thr
    dirs, vals = dirs[keep], vals[keep]
    order = np.argsort(-np.abs(vals))[: max(k, 0)]
    best_dir = best_dir / np.linalg.norm(best_dir)
    return SpherePrice(abs(best_val), best_dir, 1.0 if best_val >= 0 else -1.0, dirs[order], vals[order])


def heuristic_candidates(
    Z: np.ndarray, lam: np.ndarray, starts: np.ndarray, *, threshold: float, k: int, steps: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Directions with large |g| found cheaply (no guarantee): (directions, g values), largest first.

    From the unit directions ``starts`` (e.g. the current neurons and a fixed random pool), the best
    4k are moved a few times to the stationary direction of their cell, ``w <- sign(g) c(w) / |c(w)|``
    with ``c(w) = sum_k lambda_k 1[z_k . w > 0] z_k`` (the maximiser of the cell's linear piece; a
    fixed point is a local maximiser of |g|). Cost O(n) per direction and step, against
    O(n^2 log n) for the exact sweep; column generation uses it while it finds clear violations and
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
