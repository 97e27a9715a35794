"""Benchmark suite: side-by-side speed and accuracy runs that write their tables into the repository.

Run ``python -m benchmarks <name> [--quick] [--out DIR]`` from the repository root, with ``<name>`` one
of :data:`BENCHMARKS` (or ``all``). Each benchmark runs its competitors in one run on one machine and
writes ``benchmarks/results/<name>.md`` (or ``DIR/<name>.md``), headed by the date, the machine, the
library versions and the exact command.
"""

from __future__ import annotations

BENCHMARKS = {
    "solvers": "convex solvers on identical programs (time to 1e-4 / 1e-6 vs CVXPY + Clarabel / SCS), "
    "then the certified exact solve at scale (certified.md)",
    "sgd": "Adam and SGD: time to within 1 % of the certified global optimum",
    "admm_scaling": "ADMM time per iteration against n, with the fitted log-log slope",
    "robust": "the convex robust program: CVXPY reference vs reduced (Clarabel direct) vs ADMM",
    "slider_timing": "slider move to re-rendered chart in Chromium at n = 200 (target < 1 s)",
    "figure_draw": "each Playground figure drawn by Plotly in Chromium; the raster plane vs heatmap/contour",
    "server_timing": "the server's share of those control changes: cached computation and figures per miss",
    "chart_update": "charts updated in place (Plotly.react, explorer.live_chart) vs st.plotly_chart",
    "pricing": "one exact pricing sweep: compiled kernel vs the previous numpy sweep (0.2 s at n = 1000)",
    "census": "gradient training vs the certified optimum: J/J* - 1 over data, optimizers, widths, seeds",
    "budget": "the work-budget cost model (engine.studies.cost) against measured time, per page section",
    "load": "20 concurrent browser sessions moving sliders: errors, cross-talk, server memory, p95",
    "certified": "the certified exact solve at n = 200, 1000, 2000 for 4 data sets x 3 losses, log-log plot",
}

__all__ = ["BENCHMARKS", "ONLY_TAKERS", "PART_OF", "run_benchmark"]

# Benchmarks that take ``--only TEXT`` (time just the controls whose name contains TEXT).
ONLY_TAKERS = ("slider_timing", "server_timing")


# Benchmarks that another one also writes in the same run (``solvers`` writes ``certified.md`` too):
# ``all`` does not run them twice.
PART_OF = {"certified": "solvers"}


def run_benchmark(
    name: str, *, quick: bool = False, out_dir=None, argv=None, verbose: bool = True, **options
):
    """Run one benchmark by name; returns the path of the markdown file it wrote. ``options``: the
    benchmark's own keywords (``only`` for :data:`ONLY_TAKERS`)."""
    import importlib

    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}")
    module = importlib.import_module(f"benchmarks.{name}")
    return module.run(quick=quick, out_dir=out_dir, argv=argv, verbose=verbose, **options)
