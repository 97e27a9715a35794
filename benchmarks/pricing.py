"""``pricing``: one exact pricing sweep, the compiled kernel against the previous numpy sweep.

The price ``max_{|w| = 1} |lambda . relu(Z w)|`` of lifted 2-D data (engine/convex/pricing.py) for
two moons and two spirals (noise 0.1, seed 0) at n = 200, 1000, 2000, and two dual points:

* ``random``: lambda ~ N(0, 1) / n (seed 0);
* ``fitted``: the squared loss's gradient ``(f - y) / n`` at the prediction f of a fitted network
  (50 random ReLU neurons, seed 0, output layer by least squares): a dual point of the kind column
  generation prices, where g is small by cancellation.

Competitors: ``numpy`` is the previous implementation (kept below verbatim as
:func:`numpy_sphere_price`: the sweep vectorised over blocks of circles with numpy, trigonometry and
a full sort per circle, every cell carried along); ``numba`` is :func:`engine.convex.pricing.sphere_price`.
Times are CPU seconds (``time.process_time``; both run on one core), medians over the repeats, after
one warm-up call (the kernels are compiled and cached beforehand; the one-time costs are measured
apart, in fresh processes). "candidates" is the sweep column generation asks for
(``threshold = 0.9 price``, ``k = 100``). The values of the two implementations are compared to
their relative difference.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.common import command_line, fmt_ratio, machine_header, table, write_report
from engine.convex.pricing import SpherePrice, ridge_values

NAME = "pricing"
NOISE = 0.1
SEED = 0
DUALS = ("random", "fitted")
TARGET_N = 1000
TARGET_S = 0.2  # issue 14: one exact sweep at n = 1000 in <= 0.2 s
_FEATURES = 50


@dataclass(frozen=True)
class Grid:
    ns: tuple[int, ...]
    datasets: tuple[str, ...]
    repeats_numba: int
    repeats_numpy: int
    one_time: bool  # measure the numba import, cache load and cold compile in fresh processes


FULL = Grid(
    ns=(200, 1000, 2000), datasets=("moons", "spirals"), repeats_numba=7, repeats_numpy=3, one_time=True
)
QUICK = Grid(ns=(60, 150), datasets=("moons", "spirals"), repeats_numba=3, repeats_numpy=1, one_time=False)


# --------------------------------------------------------------------------------------------------
# the previous implementation (engine/convex/pricing.py before the compiled kernel), verbatim


_BLOCK_ENTRIES = 1_500_000  # arcs per sweep block (several float arrays of this size)
_CELL_BLOCK = 4096  # cell stationary directions evaluated per block
_HASH_SEED = 20220105  # fixed: pattern hashes only need to differ between patterns


def _merge_duplicates(Z: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct lifted points with lambda added over duplicates; points with zero weight dropped."""
    Zu, inverse = np.unique(Z, axis=0, return_inverse=True)
    lam_u = np.bincount(inverse.reshape(-1), weights=lam, minlength=Zu.shape[0])
    scale = float(np.max(np.abs(lam))) if lam.size else 0.0
    keep = np.abs(lam_u) > 1e-15 * scale
    return Zu[keep], lam_u[keep]


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


def numpy_sphere_price(
    Z: np.ndarray, lam: np.ndarray, *, threshold: float = np.inf, k: int = 0
) -> SpherePrice:
    """Exact ``max_{||w||=1} |lambda . relu(Z w)|`` for lifted 2-D data Z (n x 3).

    With a finite ``threshold`` and ``k > 0`` also up to k directions with ``|g| > threshold``
    (arc extremes and cell stationary directions), largest first, for column generation.
    """
    Z = np.asarray(Z, dtype=float)
    lam = np.asarray(lam, dtype=float)
    if Z.ndim != 2 or Z.shape[1] != 3:
        raise ValueError("numpy_sphere_price needs lifted 2-D data (n x 3)")
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


# --------------------------------------------------------------------------------------------------
# the benchmark


def dual_point(X: np.ndarray, y: np.ndarray, kind: str) -> np.ndarray:
    """The dual point ``kind`` ("random" or "fitted") for data (X, y); see the module docstring."""
    from engine.network import lift

    n = X.shape[0]
    rng = np.random.default_rng(SEED)
    if kind == "random":
        return rng.standard_normal(n) / n
    features = np.maximum(lift(X) @ rng.standard_normal((3, _FEATURES)), 0.0)
    coef, *_ = np.linalg.lstsq(features, y, rcond=None)
    return (features @ coef - y) / n


def _cpu_median(fn, repeats: int) -> tuple[float, object]:
    out = fn()  # warm-up (and the result)
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times), out


_ONE_TIME = """
import time
t0 = time.process_time()
import numpy as np
from engine.convex.pricing import sphere_price
from engine.network import lift
t1 = time.process_time()
X = np.random.default_rng(0).standard_normal((40, 2))
sphere_price(lift(X), np.random.default_rng(1).standard_normal(40), threshold=0.01, k=5)
print(t1 - t0, time.process_time() - t1)
"""


def _one_time_costs() -> dict[str, tuple[float, float]]:
    """(import, first call) CPU seconds in fresh processes: from an empty numba cache and from a warm one."""
    root = Path(__file__).resolve().parent.parent
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(root))
        for label in ("cold (compile)", "warm (cached)"):
            res = subprocess.run(
                [sys.executable, "-c", _ONE_TIME],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            imp, first = (float(v) for v in res.stdout.split())
            out[label] = (imp, first)
    return out


def run(quick: bool = False, out_dir: Path | str | None = None, argv=None, verbose: bool = True) -> Path:
    """Run the benchmark and write ``<out_dir>/pricing.md``; returns the path."""
    from benchmarks.common import RESULTS_DIR
    from datasets import make_dataset
    from engine.convex.pricing import sphere_price
    from engine.network import lift

    grid = QUICK if quick else FULL
    start = time.perf_counter()
    rows = []
    at_target = []
    for n in grid.ns:
        for name in grid.datasets:
            data = make_dataset(name, n, NOISE, SEED)
            Z = lift(data.X)
            for kind in DUALS:
                lam = dual_point(data.X, data.y, kind)
                t_new, sp = _cpu_median(lambda Z=Z, lam=lam: sphere_price(Z, lam), grid.repeats_numba)
                t_old, sp_old = _cpu_median(
                    lambda Z=Z, lam=lam: numpy_sphere_price(Z, lam), grid.repeats_numpy
                )
                thr = 0.9 * sp.value
                t_cand, cand = _cpu_median(
                    lambda Z=Z, lam=lam, thr=thr: sphere_price(Z, lam, threshold=thr, k=100),
                    grid.repeats_numba,
                )
                diff = abs(sp.value - sp_old.value) / max(sp_old.value, 1e-300)
                if n == TARGET_N:
                    at_target.append(t_new)
                rows.append(
                    [
                        name,
                        str(n),
                        kind,
                        f"{sp.value:.6g}",
                        f"{1e3 * t_old:.1f}",
                        f"{1e3 * t_new:.2f}",
                        fmt_ratio(t_old / max(t_new, 1e-9)),
                        f"{diff:.1e}",
                        f"{1e3 * t_cand:.2f} ({len(cand.candidate_values)})",
                    ]
                )
                if verbose:
                    print(f"[{time.perf_counter() - start:7.1f} s] {' | '.join(rows[-1])}", flush=True)
    one_time = _one_time_costs() if grid.one_time else {}

    from importlib import metadata

    lines = machine_header(
        "Exact pricing sweep: compiled kernel vs the previous numpy sweep", command_line(NAME, argv)
    )
    lines += [
        f"Mode: {'quick' if quick else 'full'}; wall time {(time.perf_counter() - start) / 60:.1f} min; "
        f"numba {metadata.version('numba')}. CPU milliseconds, medians of {grid.repeats_numpy} (numpy) and "
        f"{grid.repeats_numba} (numba) runs after a warm-up. 'rel. diff' is |value_numba - value_numpy| / "
        "value_numpy; 'candidates' the sweep with threshold 0.9 price and k = 100 (in brackets: how many it "
        "returned).",
        "",
    ]
    lines += table(
        [
            "data",
            "n",
            "dual",
            "price",
            "numpy (ms)",
            "numba (ms)",
            "speed-up",
            "rel. diff",
            "candidates (ms)",
        ],
        rows,
    )
    lines += ["", "## Target", ""]
    if at_target:
        worst = max(at_target)
        verdict = "met" if worst <= TARGET_S else "missed"
        lines.append(
            f"- One exact sweep at n = {TARGET_N} in <= {TARGET_S:g} s: slowest case "
            f"{1e3 * worst:.1f} ms: {verdict}."
        )
    else:
        lines.append(f"- n = {TARGET_N} is not in this grid (quick mode).")
    lines += ["", "## One-time costs of numba (CPU seconds, fresh processes)", ""]
    if one_time:
        lines += table(
            ["numba cache", "import (numba, engine.convex.pricing)", "first call (compile or load)"],
            [[label, f"{imp:.2f}", f"{first:.2f}"] for label, (imp, first) in one_time.items()],
        )
        lines += [
            "",
            "The compiled kernels are cached in engine/convex/__pycache__ (or NUMBA_CACHE_DIR): the cold "
            "compile is paid once per machine, the warm load once per process.",
        ]
    else:
        lines.append("- skipped in quick mode.")
    return write_report(out_dir or RESULTS_DIR, NAME, lines)
