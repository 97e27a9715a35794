"""``budget``: the cost model of engine.studies.cost against measured time, section by section.

For every page section, a few settings (small to the largest this machine does in about a minute) are
run through the same engine calls the page makes (:func:`run_section`), timed (wall clock, one run after
a warm-up of the compiled kernels), and set beside :func:`engine.studies.cost.estimate`. The table gives
the ratio measured / estimated; the model is kept within a factor of 3 (tests/engine/studies/
test_cost.py checks a few quick settings in every test run).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.common import command_line, machine_header, table, write_report
from engine.studies.cost import doubling_sizes
from engine.studies.reprogramming import RATIOS

NAME = "budget"
FACTOR = 3.0

BASE = dict(n=30, width=50, epochs=500, batch=16, opt="adam", patterns="exact")

# (section, knobs): the quick grid (also the test's), then the full grid's extra rows.
QUICK: tuple[tuple[str, dict[str, Any]], ...] = (
    ("playground", dict(BASE, n=30, epochs=1000, batch=4)),
    ("spurious", dict(BASE, n=20, runs=10, epochs=100, width=10)),
    ("xor", dict(n=100, d=500, width=50, steps=300)),
    ("momentum", dict(n=60, width=50, steps=2000)),
    ("reprogram", dict(d=20, kind="additive", seeds=2, steps=200, ratio=1.0, ratios=RATIOS)),
    ("kernels", dict(n_max=64, features=200)),
    ("minnorm", dict(n_max=80)),
    ("online", dict(steps=4000, width=20)),
    ("spectrum", dict(k=5, n=400, starts=10)),
)
FULL: tuple[tuple[str, dict[str, Any]], ...] = QUICK + (
    ("playground", dict(BASE, n=200, patterns=200, width=100, epochs=500, batch=8)),
    ("playground", dict(BASE, n=400, patterns=1000, width=200, epochs=300, batch=4)),
    ("patterns", dict(n=30, draws=200)),
    ("patterns", dict(n=200, draws=1000)),
    ("solvers", dict(BASE, n=30, race_draws=200, epochs=200)),
    ("solvers", dict(BASE, n=100, race_draws=500, epochs=200)),
    ("adversarial", dict(BASE, n=30, radii=11, epochs=200)),
    ("adversarial", dict(BASE, n=60, radii=11, epochs=300, width=100)),
    ("spurious", dict(BASE, n=60, runs=40, epochs=300, width=20, batch=32)),
    ("width", dict(BASE, n=30, runs=2, epochs=200, widths=(1, 2, 4, 6, 8, 9, 12, 16, 32, 64))),
    ("teacher", dict(BASE, n=40, runs=10, epochs=300, width=20)),
    ("stability", dict(n=30, width=50, steps=500, batch=8, opts=("gd", "sgd"), lrs=2)),
    ("stability", dict(n=100, width=100, steps=1000, batch=4, opts=("gd", "sgd"), lrs=3)),
    ("xor", dict(n=200, d=2000, width=200, steps=1000)),
    ("momentum", dict(n=200, width=100, steps=2000)),
    ("lowrank", dict(n=100, d=20, width=32, steps=2000)),
    ("lowrank", dict(n=200, d=50, width=100, steps=3000)),
    ("reprogram", dict(d=40, kind="affine", seeds=2, steps=500, ratio=4.0, ratios=RATIOS)),
    ("kernels", dict(n_max=256, features=800)),
    ("minnorm", dict(n_max=320)),
    ("online", dict(steps=20000, width=50)),
    ("spectrum", dict(k=8, n=2000, starts=40)),
)


def _data(n: int):
    from datasets import make_dataset

    return make_dataset("moons", n, noise=0.1, seed=0, n_test=200)


def run_section(section: str, k: Mapping[str, Any]) -> None:
    """Run the engine work of a page section with the knobs ``k`` (as the page does, without the cache)."""
    from engine.convex.certificate import certify
    from engine.convex.program import solve_convex
    from engine.gradient.sgd import train_sgd

    sgd = dict(optimizer=k.get("opt", "adam"), width=k.get("width", 50), epochs=k.get("epochs", 100))
    sgd.update(batch_size=k.get("batch", 16))
    if section == "playground":
        ds = _data(k["n"])
        solve_convex(ds.X, ds.y, loss="squared", beta=1e-3, patterns=k["patterns"], solver="auto")
        r = train_sgd(ds.X, ds.y, loss="squared", beta=1e-3, X_test=ds.X_test, y_test=ds.y_test, **sgd)
        certify(ds.X, ds.y, r.network, loss="squared", beta=1e-3)
    elif section == "patterns":
        from engine.studies.approximation import approximation_curve, curve_counts, pattern_coverage
        from engine.studies.race import certified_optimum

        ds = _data(k["n"])
        pattern_coverage(ds.X, k["draws"], 0)
        ref = certified_optimum(ds.X, ds.y, loss="squared", beta=1e-3)
        counts = curve_counts(k["n"], k["draws"])
        approximation_curve(
            ds.X, ds.y, loss="squared", beta=1e-3, counts=counts, pattern_seed=0, reference=ref
        )
    elif section == "solvers":
        from engine.studies.race import run_race

        ds = _data(k["n"])
        run_race(ds.X, ds.y, loss="squared", beta=1e-3, patterns=k["race_draws"], pattern_seed=0, sgd=sgd)
    elif section == "adversarial":
        from engine.attacks import AdversarialSpec
        from engine.robust.evaluation import accuracy_curves
        from engine.robust.program import solve_robust

        ds = _data(k["n"])
        c = solve_convex(ds.X, ds.y, loss="hinge", beta=1e-3, patterns=k["patterns"], solver="auto")
        patterns = "exact" if k["n"] <= 20 else 200
        r = solve_robust(ds.X, ds.y, loss="hinge", beta=1e-3, eps=0.1, norm="inf", patterns=patterns)
        t = train_sgd(
            ds.X, ds.y, loss="hinge", beta=1e-3, adversarial=AdversarialSpec(0.1, "inf", steps=10), **sgd
        )
        nets = {"a": c.network, "b": r.network, "c": t.network}
        radii = [i / (k["radii"] - 1) for i in range(k["radii"])]
        accuracy_curves(nets, ds.X, ds.y, radii, "inf")
    elif section == "spurious":
        from engine.gradient.hessian import flatness
        from engine.studies.landscape import multistart
        from engine.studies.race import certified_optimum

        ds = _data(k["n"])
        opt = certified_optimum(ds.X, ds.y, loss="squared", beta=1e-3)
        sgd.pop("batch_size")
        ms = multistart(
            ds.X, ds.y, runs=k["runs"], seed=0, loss="squared", beta=1e-3, batch_size=k["batch"], **sgd
        )
        flatness(ms.networks[0], ds.X, ds.y, "squared", 1e-3)
        flatness(opt.network, ds.X, ds.y, "squared", 1e-3)
    elif section == "width":
        from engine.studies.landscape import width_sweep
        from engine.studies.race import certified_optimum

        ds = _data(k["n"])
        certified_optimum(ds.X, ds.y, loss="squared", beta=1e-3)
        sgd.pop("width")
        width_sweep(ds.X, ds.y, k["widths"], runs=k["runs"], seed=0, loss="squared", beta=1e-3, **sgd)
    elif section == "teacher":
        from engine.studies.landscape import teacher_data, teacher_network, teacher_student
        from engine.studies.race import certified_optimum

        teacher = teacher_network(2, 3, 0)
        X, y = teacher_data(teacher, k["n"], seed=1, noise=0.0)
        teacher_student(X, y, teacher, runs=k["runs"], seed=0, loss="squared", beta=1e-3, **sgd)
        certified_optimum(X, y, loss="squared", beta=1e-3)
    elif section == "stability":
        from engine.studies.dynamics import track_sharpness

        ds = _data(k["n"])
        for opt in k["opts"]:
            for lr in (0.003, 0.01, 0.03, 0.1, 0.2, 0.3)[: k["lrs"]]:
                track_sharpness(
                    ds.X,
                    ds.y,
                    optimizer=opt,
                    lr=lr,
                    width=k["width"],
                    steps=k["steps"],
                    batch_size=k["batch"],
                )
    elif section == "xor":
        from engine.studies.dynamics import make_xor_clusters, train_xor

        train_xor(
            make_xor_clusters(k["n"], k["d"], seed=0), width=k["width"], lr=1.0, steps=k["steps"], seed=1
        )
    elif section == "momentum":
        from engine.studies.dynamics import momentum_race
        from engine.studies.race import certified_optimum

        ds = _data(k["n"])
        certified_optimum(ds.X, ds.y, loss="squared", beta=1e-3)
        momentum_race(ds.X, ds.y, steps=k["steps"], width=k["width"], lr=0.1)
    elif section == "lowrank":
        from engine.studies.dynamics import singular_value_trace
        from engine.studies.landscape import teacher_data, teacher_network

        teacher = teacher_network(k["d"], 3, 0)
        X, y = teacher_data(teacher, k["n"], seed=1)
        for beta in (0.0, 1e-3):
            singular_value_trace(X, y, beta=beta, lr=0.05, steps=k["steps"], width=k["width"], batch_size=16)
    elif section == "reprogram":
        from engine.studies.reprogramming import reprogram, reprogramming_curve

        d, kind, steps = k["d"], k["kind"], k["steps"]
        widths = [max(1, round(r * d)) for r in k["ratios"]]
        reprogramming_curve(d, widths, seeds=k["seeds"], steps=steps, kind=kind)
        reprogram(d, max(1, round(k["ratio"] * d)), steps=steps, kind=kind)
    elif section == "kernels":
        from engine.studies.kernels import excess_risk_curves

        excess_risk_curves(doubling_sizes(16, k["n_max"]), features=k["features"])
    elif section == "minnorm":
        from engine.studies.minnorm import minimum_norm_curve

        minimum_norm_curve("moons", doubling_sizes(20, k["n_max"]), loss="squared", beta=1e-3)
    elif section == "online":
        from engine.studies.online import online_regret

        online_regret(steps=k["steps"], window=min(500, k["steps"]), width=k["width"])
    elif section == "spectrum":
        from engine.studies.spectrum import spectra_at_minima

        spectra_at_minima(d=k["k"], k=k["k"], n=k["n"], starts=k["starts"])
    else:
        raise ValueError(f"no runner for section {section!r}")


def measure(section: str, knobs: Mapping[str, Any]) -> float:
    """CPU seconds of one run of the section (this process, all threads: what the budget counts, and far
    less disturbed than wall-clock time when other work shares the machine)."""
    start = time.process_time()
    run_section(section, knobs)
    return time.process_time() - start


def warm_up() -> None:
    """Compile the numba kernels and import the solvers once, so the first timed row does not pay it."""
    run_section("playground", dict(BASE, n=10, epochs=10))


def run(quick: bool = False, out_dir: Path | str | None = None, argv=None, verbose: bool = True) -> Path:
    """Run the grid and write ``<out_dir>/budget.md``; returns the path."""
    from benchmarks.common import RESULTS_DIR
    from engine.studies.cost import estimate

    warm_up()
    rows, worst = [], 1.0
    for section, knobs in QUICK if quick else FULL:
        est = estimate(section, knobs).seconds
        took = measure(section, knobs)
        ratio = took / est
        worst = max(worst, ratio, 1 / ratio)
        shown = ", ".join(f"{k}={v}" for k, v in knobs.items() if k != "widths")
        rows.append([section, shown, f"{est:.2f}", f"{took:.2f}", f"{ratio:.2f}"])
        if verbose:
            print(" | ".join(rows[-1]), flush=True)
    lines = machine_header(
        "Work budget: estimated against measured seconds per section", command_line(NAME, argv)
    )
    lines += [
        f"Mode: {'quick' if quick else 'full'}. One run per row after a warm-up; CPU seconds of the process "
        f"(all threads) on a shared 2-core machine. Worst ratio either way: {worst:.2f} (the model must "
        f"stay within {FACTOR:g}).",
        "",
    ]
    lines += table(
        ["section", "settings", "estimate (CPU s)", "measured (CPU s)", "measured / estimate"], rows
    )
    return write_report(out_dir or RESULTS_DIR, NAME, lines)


__all__ = ["FULL", "QUICK", "measure", "run", "run_section", "warm_up"]
