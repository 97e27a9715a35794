"""ADMM (engine.solvers.admm) against the reference solver (CVXPY + Clarabel) on two moons.

Run from the repository root: ``python -m benchmarks.admm_vs_cvxpy [--n 200] [--draws 300]``. Prints a
markdown table: the time the reference solver takes, and the first logged ADMM iteration (and its wall
time, logging included) whose recovered network is within 1e-2 .. 1e-6 relative of the reference J.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from datasets import make_dataset
from engine.convex import solve_cvxpy
from engine.patterns import sample_patterns
from engine.recovery import recover_network
from engine.solvers.admm import admm_solve

LEVELS = (1e-2, 1e-3, 1e-4, 1e-6)


def run(n: int, draws: int, betas: tuple[float, ...], max_iter: int) -> list[str]:
    data = make_dataset("moons", n, 0.1, 0)
    X, y = data.X, data.y
    D = sample_patterns(X, draws, 0).D
    solve_cvxpy(X, y, D[:, :5], "squared", betas[0])  # warm up CVXPY
    rows = [
        f"two moons, n = {n}, {D.shape[1]} sampled patterns ({draws} draws), squared loss",
        "",
        "| beta | CVXPY time (s) | " + " | ".join(f"ADMM to {lv:.0e}: iter (s)" for lv in LEVELS) + " |",
        "|---" * (2 + len(LEVELS)) + "|",
    ]
    for beta in betas:
        start = time.perf_counter()
        U, V, _, _ = solve_cvxpy(X, y, D, "squared", beta)
        t_ref = time.perf_counter() - start
        J_ref = recover_network(U, V).objective(X, y, "squared", beta)
        result = admm_solve(X, y, D, beta=beta, max_iter=max_iter, tol=1e-12, log_every=10)
        objective = np.asarray(result.history["objective"])
        rel = np.abs(objective - J_ref) / abs(J_ref)
        cells = []
        for level in LEVELS:
            hit = np.flatnonzero(rel <= level)
            if hit.size:
                i = hit[0]
                cells.append(f"{result.history['iteration'][i]} ({result.history['time_s'][i]:.2f})")
            else:
                cells.append(f"> {max_iter}")
        rows.append(f"| {beta:g} | {t_ref:.2f} | " + " | ".join(cells) + " |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--max-iter", type=int, default=20000)
    args = parser.parse_args()
    print("\n".join(run(args.n, args.draws, (1e-2, 1e-3), args.max_iter)))


if __name__ == "__main__":
    main()
