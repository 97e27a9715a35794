"""``admm_scaling``: ADMM's time per iteration against n at a fixed pattern count, with the log-log slope.

Two moons (noise 0.1, seed 0) at growing n, the patterns of a fixed number of Gaussian draws
(``engine.patterns.sample_patterns``, seed 0; P distinct non-empty patterns, about the same for every
n), beta = 1e-3, a fixed number of ADMM iterations (the stopping test cannot fire: tol = 1e-30). The
time per iteration is read off ADMM's own log (logged after the first and the last iteration, so the
setup, the n x n factorisation included, is left out and reported on its own); the median of the
repeats is reported. Bai et al.'s ADMM costs O(n^2) per iteration for fixed P (the n x n triangular
solves) and O(n P) for the rest; the target is a fitted slope <= 2. The hinge loss is run too when
ADMM supports it (else "n/a (loss)").
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from benchmarks.common import (
    command_line,
    fmt_s,
    guarded,
    loglog_slope,
    machine_header,
    table,
    write_report,
)

NAME = "admm_scaling"
BETA = 1e-3
NOISE = 0.1
SEED = 0
LOSSES = ("squared", "hinge")
SLOPE_TARGET = 2.0


@dataclass(frozen=True)
class Grid:
    ns: tuple[int, ...]
    draws: int
    iterations: int
    repeats: int
    limit_s: float  # hard limit per ADMM call


FULL = Grid(ns=(100, 200, 400, 800, 1600), draws=200, iterations=200, repeats=3, limit_s=300.0)
QUICK = Grid(ns=(40, 80, 160), draws=50, iterations=30, repeats=3, limit_s=60.0)


def _admm_timing(X, y, D, loss: str, iterations: int) -> dict:
    from engine.convex.solvers.admm import admm_solve

    res = admm_solve(X, y, D, beta=BETA, loss=loss, max_iter=iterations, tol=1e-30, log_every=iterations)
    times = res.history["time_s"]
    iters = res.history["iteration"]
    per_iteration = (times[-1] - times[0]) / (iters[-1] - iters[0])
    return {"per_iteration": float(per_iteration), "setup": float(times[0]), "iterations": int(iters[-1])}


def run(quick: bool = False, out_dir: Path | str | None = None, argv=None, verbose: bool = True) -> Path:
    """Run the benchmark and write ``<out_dir>/admm_scaling.md``; returns the path."""
    from benchmarks.common import RESULTS_DIR
    from datasets import make_dataset
    from engine.patterns import sample_patterns

    grid = QUICK if quick else FULL
    start = time.perf_counter()
    results: dict[str, dict[int, dict | str]] = {loss: {} for loss in LOSSES}
    patterns: dict[int, int] = {}
    for n in grid.ns:
        data = make_dataset("moons", n, NOISE, SEED)
        X, y = data.X, data.y
        D = sample_patterns(X, grid.draws, SEED).D
        patterns[n] = int(D.shape[1])
        for loss in LOSSES:
            runs, note = [], ""
            for _ in range(grid.repeats):
                out = guarded(partial(_admm_timing, X, y, D, loss, grid.iterations), grid.limit_s)
                if out.kind != "ok":
                    if out.kind == "value_error":
                        note = "n/a (loss)" if "loss" in out.message.lower() else "n/a: " + out.message[:60]
                    else:
                        note = out.message[:60] or out.kind
                    break
                runs.append(out.value)
            if runs:
                results[loss][n] = {
                    "per_iteration": statistics.median(r["per_iteration"] for r in runs),
                    "setup": statistics.median(r["setup"] for r in runs),
                }
            else:
                results[loss][n] = note
            if verbose:
                print(f"[{time.perf_counter() - start:7.1f} s] n={n} {loss}: {results[loss][n]}", flush=True)

    lines = machine_header("ADMM time per iteration against n", command_line(NAME, argv))
    lines += [
        f"Mode: {'quick' if quick else 'full'}; wall time {(time.perf_counter() - start) / 60:.1f} min. "
        f"Two moons (noise {NOISE}, seed {SEED}), {grid.draws} Gaussian draws (seed {SEED}), "
        f"beta = {BETA:g}, {grid.iterations} iterations, median of {grid.repeats} runs. 'setup' is the "
        "time to the end of the first iteration (operators, n x n Cholesky); 'per iteration' leaves it out.",
        "",
    ]
    header = ["n", "P"]
    for loss in LOSSES:
        header += [f"{loss}: per iteration (ms)", f"{loss}: setup (s)"]
    rows = []
    for n in grid.ns:
        row = [str(n), str(patterns[n])]
        for loss in LOSSES:
            r = results[loss][n]
            if isinstance(r, dict):
                row += [f"{1e3 * r['per_iteration']:.3g}", fmt_s(r["setup"])]
            else:
                row += [r, "—"]
        rows.append(row)
    lines += table(header, rows)
    lines += ["", "## Log-log slope of the time per iteration against n", ""]
    for loss in LOSSES:
        got = [(n, r["per_iteration"]) for n, r in results[loss].items() if isinstance(r, dict)]
        if len(got) < 2:
            lines.append(
                f"- {loss}: not enough points ({', '.join(str(r) for r in results[loss].values())})."
            )
            continue
        slope = loglog_slope([g[0] for g in got], [g[1] for g in got])
        tail = loglog_slope([g[0] for g in got[-3:]], [g[1] for g in got[-3:]]) if len(got) >= 3 else slope
        verdict = "met" if slope <= SLOPE_TARGET else "missed"
        lines.append(
            f"- {loss}: slope {slope:.2f} over n = {got[0][0]}..{got[-1][0]} (last three points: "
            f"{tail:.2f}); target <= {SLOPE_TARGET:g}: {verdict}."
        )
    return write_report(out_dir or RESULTS_DIR, NAME, lines)
