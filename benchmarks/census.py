"""``census``: how far gradient training lands from the certified global optimum J*.

One ``engine sweep`` (engine/cli/sweep.py, :func:`engine.cli.sweep.run_sweep`, so any of its backends:
local processes, a Dask or a Ray cluster) over six 2-D classification data sets x 20 seeds (each seed
draws its own training set, so every (data set, seed) is one instance with its own J*), squared loss,
beta = 1e-3, n = 60:

* per instance, the certified optimum J* (method convex, column generation on the exact program);
* per instance, gradient training of J with 4 optimizers x 3 widths x 2 learning rates, 1500 epochs,
  batch 32 (one step per epoch for full-batch gd), the engine's default initialisation;

then ``gap = J_SGD / J* - 1`` per run (:func:`engine.studies.census.census_gaps`) and its distribution
(:func:`engine.studies.census.summarize_census`): median, quartiles, fraction within 1 % and 10 %, by
width, optimizer, learning rate and data set. Writes ``census.md`` and ``census.csv`` (one row per
gradient run; the Theory page shows its distribution without recomputing).

Options (``python -m benchmarks census [--quick] [--jobs J] [--backend B] [--scheduler ADDRESS]``):
``--jobs`` parallel runs (default 2), ``--backend`` one of the sweep's backends.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import (
    RESULTS_DIR,
    command_line,
    git_revision,
    machine_header,
    table,
    utc_now,
    write_report,
)

NAME = "census"


@dataclass(frozen=True)
class Grid:
    datasets: tuple[str, ...]
    seeds: int
    optimizers: tuple[str, ...]
    widths: tuple[int, ...]
    lrs: tuple[float, ...]
    n: int
    epochs: int
    batch_size: int
    beta: float
    loss: str
    noise: float


FULL = Grid(
    datasets=("moons", "circles", "spirals", "xor", "gaussians", "checkerboard"),
    seeds=20,
    optimizers=("gd", "sgd", "momentum", "adam"),
    widths=(5, 20, 60),
    lrs=(0.01, 0.1),
    n=60,
    epochs=1500,
    batch_size=32,
    beta=1e-3,
    loss="squared",
    noise=0.1,
)
QUICK = Grid(
    datasets=("moons", "xor"),
    seeds=2,
    optimizers=("gd", "adam"),
    widths=(5, 20),
    lrs=(0.1,),
    n=20,
    epochs=100,
    batch_size=32,
    beta=1e-3,
    loss="squared",
    noise=0.1,
)


def grids(g: Grid) -> tuple[dict, dict]:
    """The two sweep grids of a census: the convex runs (J*) and the gradient runs."""
    common = {
        "dataset": list(g.datasets),
        "n": g.n,
        "noise": g.noise,
        "n_test": g.n,
        "seed": list(range(g.seeds)),
        "loss": g.loss,
        "beta": g.beta,
    }
    convex = common | {"method": "convex", "patterns": "exact", "solver": "colgen"}
    sgd = common | {
        "method": "sgd",
        "optimizer": list(g.optimizers),
        "width": list(g.widths),
        "lr": list(g.lrs),
        "epochs": g.epochs,
        "batch_size": g.batch_size,
    }
    return convex, sgd


def sweep_command(grid: dict, out: str, jobs: int) -> str:
    """The ``python -m engine sweep`` command line of a grid."""
    parts = ["python -m engine sweep"]
    for key, value in grid.items():
        values = value if isinstance(value, list) else [value]
        if key == "seed" and len(values) > 2 and values == list(range(len(values))):
            shown = f"$(seq 0 {len(values) - 1})"
        else:
            shown = " ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)
        parts.append(f"--{key.replace('_', '-')} {shown}")
    parts.append(f"--jobs {jobs} --out {out}")
    return " ".join(parts)


def _pct(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{100 * x:.1f} %"


def _gap(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:.3g}"


def _rows(summary, label) -> list[list[str]]:
    return [
        [*label(r.group), str(r.runs), _gap(r.median), f"{_gap(r.q1)} – {_gap(r.q3)}", _pct(r.within_1pct)]
        + [_pct(r.within_10pct)]
        for r in summary
    ]


def run(quick: bool = False, out_dir=None, argv=None, verbose: bool = True, **options) -> Path:
    """Run the census sweep and write ``census.md`` and ``census.csv`` into ``out_dir``."""
    from engine.cli.sweep import run_sweep
    from engine.studies.census import census_gaps, census_headline, summarize_census

    parser = argparse.ArgumentParser(prog="python -m benchmarks census")
    parser.add_argument("name", nargs="?")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--scheduler", default=None)
    args, _ = parser.parse_known_args(list(argv or []))
    jobs = options.get("jobs") or args.jobs
    backend = options.get("backend") or args.backend
    scheduler = options.get("scheduler") or args.scheduler
    g = QUICK if quick else FULL
    out = Path(out_dir) if out_dir else RESULTS_DIR
    convex_grid, sgd_grid = grids(g)
    commit, date = git_revision(), utc_now()  # the code and time the runs start from
    start = time.perf_counter()
    tables = []
    for grid in (convex_grid, sgd_grid):
        tables.append(run_sweep(grid, jobs=jobs, backend=backend, scheduler=scheduler, progress=verbose))
    elapsed = time.perf_counter() - start
    import pandas as pd

    sweep = pd.concat(tables, ignore_index=True)
    failed = sweep[sweep["status"] != "ok"]
    gaps = census_gaps(sweep)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"{NAME}.csv"
    gaps.to_csv(csv_path, index=False, float_format="%.10g")

    n_convex = int((sweep["method"] == "convex").sum())
    n_certified = int(sweep[(sweep["method"] == "convex") & (sweep["status"] == "ok")]["certified"].sum())
    lines = machine_header(
        "Census: how far gradient training lands from the certified optimum",
        command_line(NAME, argv),
        date=date,
        commit=commit,
    )
    lines += [
        f"- run time: {elapsed:.0f} s wall ({jobs} parallel runs, backend {backend or 'loky'}); the machine "
        "was shared with other jobs",
        f"- grid: {len(g.datasets)} data sets ({', '.join(g.datasets)}) x {g.seeds} seeds x "
        f"{len(g.optimizers)} optimizers ({', '.join(g.optimizers)}) x {len(g.widths)} widths "
        f"({', '.join(map(str, g.widths))}) x {len(g.lrs)} learning rates "
        f"({', '.join(f'{v:g}' for v in g.lrs)})",
        f"- problem: n = {g.n} training points (noise {g.noise:g}; seed s draws the data, the start and the "
        f"shuffles), {g.loss} loss, beta = {g.beta:g}; {g.epochs} epochs, batch {g.batch_size} (gd: full "
        "batch, one step per epoch)",
        f"- J*: {n_convex} convex runs (column generation, exact program), {n_certified} certified; "
        f"{len(gaps)} gradient runs joined, {len(failed)} failed runs left out",
        f"- data: `{csv_path.name}` (one row per gradient run: settings, J, J*, gap)",
        "",
        "gap = J_SGD / J* − 1 (J of the final network over the certified optimum of the same training set).",
        "",
        "## Headline",
        "",
        census_headline(gaps),
        "",
    ]
    head = ["runs", "median gap", "quartiles", "within 1 %", "within 10 %"]
    sections = (
        ("By width", ["width"], ["width m"]),
        ("By optimizer and learning rate", ["optimizer", "lr"], ["optimizer", "lr"]),
        ("By data set", ["dataset"], ["data set"]),
        ("By optimizer and width", ["optimizer", "width"], ["optimizer", "width m"]),
    )
    for title, by, names in sections:
        summary = summarize_census(gaps, by)
        lines += [f"## {title}", ""]
        lines += table(
            [*names, *head],
            _rows(summary, lambda grp: [f"{v:g}" if isinstance(v, float) else str(v) for v in grp]),
        )
        lines.append("")
    lines += [
        "## The sweeps",
        "",
        "The same runs from the command line (add `--backend dask` or `--backend ray` for a cluster):",
        "",
        "```",
        sweep_command(convex_grid, "convex.csv", jobs),
        sweep_command(sgd_grid, "sgd.csv", jobs),
        "```",
    ]
    if len(failed):
        lines += ["", "## Failed runs", ""]
        lines += [
            f"- run {r.run} ({r.method}, {r.dataset}, seed {r.seed}): {r.error}" for r in failed.itertuples()
        ][:20]
    return write_report(out, NAME, lines)
