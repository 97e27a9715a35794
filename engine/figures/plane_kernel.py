"""The compiled inner loops of the plane figures (engine/figures/style.py, engine/figures/playground.py).

numba-compiled with ``cache=True`` (compiled once per machine into ``__pycache__``, then loaded in a
fraction of a second). The Playground's playback draws f of 80 snapshots on a 60 x 60 grid with its
level line f = 0 each; in numpy that was ~0.14 s of temporaries (f) and ~0.06 s of Python loops
(marching squares) per new run, here it is a few milliseconds.

* :func:`relu_values`: ``f_k(p) = sum_j alpha_kj max(0, W_kj . (p, 1))`` of K two-layer ReLU networks
  at n points at once (the same sum as ``TwoLayerReLU.predict``, in another order of the additions);
* :func:`level_polylines`: the level ``F = 0`` of values on a grid by marching squares, the cell pieces
  chained into polylines.

A kernel module imports nothing of the engine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["level_polylines", "relu_values"]


@njit(cache=True)
def relu_values(W: np.ndarray, alpha: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """``out[k, p] = sum_j alpha[k, j] max(0, W[k, j, 0] px[p] + W[k, j, 1] py[p] + W[k, j, 2])``: the
    outputs of K networks (``W``: K x m x 3, ``alpha``: K x m) at the n points (px, py), K x n.
    Neurons are summed in order, one pass over the points each (the points stay in cache)."""
    K, m = alpha.shape
    n = px.shape[0]
    out = np.zeros((K, n))
    for k in range(K):
        row = out[k]
        for j in range(m):
            a, b, c, s = W[k, j, 0], W[k, j, 1], W[k, j, 2], alpha[k, j]
            if s == 0.0:
                continue
            for p in range(n):
                z = a * px[p] + b * py[p] + c
                row[p] += s * max(z, 0.0)
    return out


@njit(cache=True)
def _link(links: np.ndarray, degree: np.ndarray, a: int, b: int) -> None:
    links[a, degree[a]] = b
    degree[a] += 1
    links[b, degree[b]] = a
    degree[b] += 1


@njit(cache=True)
def _crossing(F: np.ndarray, xs: np.ndarray, ys: np.ndarray, e: int, nx: int, H: int) -> tuple[float, float]:
    """The point where F = 0 on edge ``e`` (linear interpolation, t clipped to [0, 1]; NaN when the
    values there are not finite). Edge ids: horizontal (i, j)-(i, j+1) -> ``i (nx - 1) + j``, vertical
    (i, j)-(i+1, j) -> ``H + i nx + j``."""
    if e < H:
        i, j = e // (nx - 1), e % (nx - 1)
        t = F[i, j] / (F[i, j] - F[i, j + 1])
        if not np.isfinite(t):
            return np.nan, np.nan
        t = min(max(t, 0.0), 1.0)
        return xs[j] + t * (xs[j + 1] - xs[j]), ys[i]
    i, j = (e - H) // nx, (e - H) % nx
    t = F[i, j] / (F[i, j] - F[i + 1, j])
    if not np.isfinite(t):
        return np.nan, np.nan
    t = min(max(t, 0.0), 1.0)
    return xs[j], ys[i] + t * (ys[i + 1] - ys[i])


@njit(cache=True)
def level_polylines(F: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The level ``F = 0`` of ``F[i, j]`` at ``(xs[j], ys[i])`` (float64, finite or NaN) as polylines, a
    NaN after each line; x and y as float64 arrays (empty when F has one sign).

    A value counts as positive when ``F > 0`` (NaN does not). Each cell whose corners differ in sign
    joins the crossing points of two of its edges (linear interpolation along the edge); a saddle cell
    (signs alternate around it) is split by the sign of its centre value (the mean of its corners), so
    that the corners agreeing with the centre are connected. The pieces are chained: the open lines
    first (from an edge on the box's side, edges in id order), then the closed loops, which end where
    they start.
    """
    ny, nx = F.shape
    H = ny * (nx - 1)
    E = H + (ny - 1) * nx
    pos = np.empty((ny, nx), dtype=np.bool_)
    for i in range(ny):
        for j in range(nx):
            pos[i, j] = F[i, j] > 0.0
    links = np.full((E, 2), -1, dtype=np.int64)
    degree = np.zeros(E, dtype=np.int64)
    hit = np.empty(4, dtype=np.int64)
    for i in range(ny - 1):
        for j in range(nx - 1):
            # the cell's edges counter-clockwise from the bottom: bottom, right, top, left
            n = 0
            if pos[i, j] != pos[i, j + 1]:
                hit[n] = i * (nx - 1) + j
                n += 1
            if pos[i, j + 1] != pos[i + 1, j + 1]:
                hit[n] = H + i * nx + j + 1
                n += 1
            if pos[i + 1, j] != pos[i + 1, j + 1]:
                hit[n] = (i + 1) * (nx - 1) + j
                n += 1
            if pos[i, j] != pos[i + 1, j]:
                hit[n] = H + i * nx + j
                n += 1
            if n == 2:
                _link(links, degree, hit[0], hit[1])
            elif n == 4:
                centre = F[i, j] + F[i, j + 1] + F[i + 1, j] + F[i + 1, j + 1] > 0.0
                if pos[i, j] == centre:  # bottom-left and top-right agree with the centre: cut them off
                    _link(links, degree, hit[0], hit[1])
                    _link(links, degree, hit[2], hit[3])
                else:
                    _link(links, degree, hit[3], hit[0])
                    _link(links, degree, hit[1], hit[2])
    crossed = 0
    for e in range(E):
        if degree[e] > 0:
            crossed += 1
    # each crossed edge once, a loop's start twice, a NaN per line (at most one line per edge)
    x = np.empty(3 * crossed)
    y = np.empty(3 * crossed)
    seen = np.zeros(E, dtype=np.bool_)
    count = 0
    for want in (1, 2):  # open lines start where a line meets the box's side (one neighbour)
        for start in range(E):
            if degree[start] != want or seen[start]:
                continue
            prev, cur, length = -1, start, 1
            seen[start] = True
            x[count], y[count] = _crossing(F, xs, ys, start, nx, H)
            count += 1
            while True:
                nxt = -1
                for s in range(degree[cur]):
                    e = links[cur, s]
                    if e != prev and not seen[e]:
                        nxt = e
                        break
                if nxt < 0:
                    if degree[cur] == 2 and length > 2 and (links[cur, 0] == start or links[cur, 1] == start):
                        x[count], y[count] = x[count - length], y[count - length]  # a closed loop
                        count += 1
                    break
                prev, cur = cur, nxt
                seen[cur] = True
                x[count], y[count] = _crossing(F, xs, ys, cur, nx, H)
                count += 1
                length += 1
            x[count], y[count] = np.nan, np.nan
            count += 1
    return x[:count], y[:count]
