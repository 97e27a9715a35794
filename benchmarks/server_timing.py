"""``server_timing``: the server's share of a control change, at n = 200 and the default settings.

For each control of ``slider_timing`` (the browser benchmark) this calls what the page calls on a cache
miss, in the page's order, in this process: the cached engine calls of ``explorer.cache`` (the
computation) and the cached figures of ``explorer.cache_figures`` or the page's figure functions (the
pictures, before Streamlit serialises and the browser draws them). Every cache starts empty; the
defaults are computed once first (the page's first load), then each new value of the control is a cache
miss, timed. The browser benchmark's end-to-end time of a miss is this plus the rerun and drawing floor
(its cache-hit column). Wall-clock seconds on a shared 2-core machine: read medians and ratios.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from benchmarks.common import chosen, command_line, fmt_s, machine_header, table, write_report

NAME = "server_timing"
N = 200
TARGET_S = 0.5  # the page's p50 end to end; the server's share must stay well below it


@dataclass(frozen=True)
class Control:
    """A control: its label, page, the values it takes (first = the default) and what a miss does."""

    label: str
    page: str
    values: tuple[Any, ...]
    what: str


CONTROLS: tuple[Control, ...] = (
    Control("data set", "playground", ("moons", "circles", "spirals", "xor"), "new data, convex, SGD"),
    Control("noise", "playground", (0.1, 0.15, 0.2, 0.25), "new data, convex, SGD"),
    Control("data seed", "playground", (0, 1, 2, 3), "new data, convex, SGD"),
    Control("loss", "playground", ("squared", "hinge", "logistic"), "convex, SGD"),
    Control("weight decay β", "playground", (1e-3, 3e-3, 1e-2, 3e-2), "convex, SGD"),
    Control("sampled patterns P", "playground", (200, 210, 220, 230), "convex"),
    Control("optimizer", "playground", ("adam", "sgd", "momentum", "nesterov"), "SGD"),
    Control("learning rate", "playground", (1e-2, 3e-2, 0.1, 0.3), "SGD"),
    Control("epochs", "playground", (500, 510, 520, 530), "SGD"),
    Control("batch size", "playground", (16, 32, 64, 128), "SGD"),
    Control("training seed", "playground", (0, 1, 2, 3), "SGD"),
    Control("sampled directions P", "patterns", (200, 500, 1000, 2000), "coverage, one sampled program"),
    Control("training radius ε_train", "adversarial", (0.1, 0.11, 0.12, 0.13), "robust program, PGD, curves"),
    Control("a click on the plane", "data", (0, 1, 2, 3), "own data set"),
)


def control_names() -> tuple[str, ...]:
    """The names ("page: label") of the controls this benchmark times (what ``--only`` matches)."""
    return tuple(f"{c.page}: {c.label}" for c in CONTROLS)


QUICK_LABELS = ("data set", "optimizer", "sampled directions P", "training radius ε_train")


def _clear() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _playground(settings: dict[str, Any]) -> Callable[[], tuple[float, float]]:
    """The Playground's cached calls for ``settings``: (computation seconds, figure seconds)."""
    from explorer import cache as c
    from explorer import cache_figures as cf
    from explorer.settings import DataKey, SGDSettings

    s = settings
    key = DataKey(s["data"], N, s["noise"], s["dseed"])
    sgd = SGDSettings(s["opt"], 50, s["lr"], s["epochs"], s["batch"], 1.0, s["seed"])
    convex = dict(loss=s["loss"], beta=s["beta"], patterns=s["P"], pattern_seed=0)

    def run() -> tuple[float, float]:
        t0 = time.perf_counter()
        c.get_dataset(key)
        c.run_convex(key, **convex)
        c.run_sgd_more(key, loss=s["loss"], beta=s["beta"], sgd=sgd, rounds=0)
        t1 = time.perf_counter()
        task = "classification"
        cf.get_convex_panel_figure(key, **convex, task=task, title="convex")
        cf.get_playback_figure(key, **convex, sgd=sgd, rounds=0, ghost=True, task=task, title="SGD")
        cf.get_regions_figure(key, side="convex", **convex, title="convex regions")
        sgd_side = dict(loss=s["loss"], beta=s["beta"], sgd=sgd, rounds=0)
        cf.get_regions_figure(key, side="sgd", **sgd_side, title="SGD regions")
        cf.get_objective_figure(key, **convex, sgd=sgd, rounds=0, title="objective")
        return t1 - t0, time.perf_counter() - t1

    return run


# P: the exact program, the pages' default at n = 200 (<= PAGE_EXACT_MAX_N)
PLAYGROUND = dict(
    data="moons", noise=0.1, dseed=0, loss="squared", beta=1e-3, P="exact", opt="adam", lr=1e-2,
    epochs=500, batch=16, seed=0,
)  # fmt: skip
PLAYGROUND_KEYS = {
    "data set": "data", "noise": "noise", "data seed": "dseed", "loss": "loss", "weight decay β": "beta",
    "sampled patterns P": "P", "optimizer": "opt", "learning rate": "lr", "epochs": "epochs",
    "batch size": "batch", "training seed": "seed",
}  # fmt: skip


def _patterns(draws: int) -> Callable[[], tuple[float, float]]:
    from explorer import cache as c
    from explorer import cache_figures as cf
    from explorer.settings import DataKey

    key = DataKey("moons", N, 0.1, 0)

    def run() -> tuple[float, float]:
        t0 = time.perf_counter()
        c.get_coverage(key, draws=draws, seed=0)
        counts = c.curve_counts(N, draws)
        c.get_approximation(key, loss="squared", beta=1e-3, seed=0, counts=counts)
        t1 = time.perf_counter()
        cf.get_pattern_figures(key, draws=draws, seed=0, task="classification")
        curve = dict(loss="squared", beta=1e-3, seed=0, counts=counts, draws=draws)
        cf.get_approximation_figure(key, **curve)
        return t1 - t0, time.perf_counter() - t1

    return run


def _adversarial(train_eps: float) -> Callable[[], tuple[float, float]]:
    import numpy as np

    from engine.figures import adversarial as fadv
    from engine.figures.playground import plot_bounds
    from explorer import cache as c
    from explorer.settings import AdversarialSettings, DataKey, SGDSettings

    key = DataKey("moons", N, 0.1, 0)
    sgd = SGDSettings("adam", 50, 1e-2, 500, 16, 1.0, 0)
    adv = AdversarialSettings("hinge", 1e-3, 200, 0, float(train_eps), "inf", sgd)
    radii = tuple(float(r) for r in np.round(np.linspace(0.0, 1.0, 11), 4))  # the page's RADII

    def run() -> tuple[float, float]:
        t0 = time.perf_counter()
        nets = c.adversarial_networks(key, adv).value
        c.get_adversarial_objectives(key, adv)
        ds = c.get_dataset(key).value
        statuses = c.get_point_statuses(nets, ds.X, ds.y, 0.1, "inf")
        curves = c.get_accuracy_curves(key, adv, points="train", radii=radii).value
        t1 = time.perf_counter()
        bounds = plot_bounds(np.vstack([ds.X, ds.X_test]), pad=0.06)
        for name, net in nets.items():
            fadv.adversarial_figure(net, ds.X, ds.y, statuses[name], title=name, bounds=bounds, grid=90)
        fadv.accuracy_figure(curves, eps=0.1, title="accuracy")
        return t1 - t0, time.perf_counter() - t1

    return run


def _data(clicks: int) -> Callable[[], tuple[float, float]]:
    from datasets import make_dataset
    from engine.figures.data import points_figure
    from explorer import cache as c
    from explorer.settings import CUSTOM, DataKey

    base = make_dataset("moons", N, noise=0.1, seed=0)
    points = [(float(a), float(b), float(t)) for (a, b), t in zip(base.X, base.y, strict=True)]
    points += [(0.1 * i, 0.5, 1.0) for i in range(clicks)]  # the clicked points
    key = DataKey(CUSTOM, len(points), 0.0, 0, 0, tuple(points))

    def run() -> tuple[float, float]:
        t0 = time.perf_counter()
        data = c.get_dataset(key)
        t1 = time.perf_counter()
        X = [(p[0], p[1]) for p in points]
        points_figure(X, [p[2] for p in points], task=data.value.task, title="points")
        return t1 - t0, time.perf_counter() - t1

    return run


def _call(control: Control, value: Any) -> Callable[[], tuple[float, float]]:
    if control.page == "playground":
        return _playground(PLAYGROUND | {PLAYGROUND_KEYS[control.label]: value})
    return {"patterns": _patterns, "adversarial": _adversarial, "data": _data}[control.page](value)


@dataclass
class Row:
    control: Control
    first: tuple[float, float]
    misses: list[tuple[float, float]]


def measure(control: Control, misses: int | None = None) -> Row:
    """Empty caches, the default (first load), then each further value once (cache misses; the first
    ``misses`` of them when given)."""
    _clear()
    first = _call(control, control.values[0])()
    values = control.values[1:] if misses is None else control.values[1 : 1 + misses]
    return Row(control, first, [_call(control, v)() for v in values])


def warm_up() -> None:
    """Imports and compiled kernels (numba loads them from its cache) paid once, before any timing."""
    for control in (CONTROLS[0], CONTROLS[-2]):
        _clear()
        _call(control, control.values[0])()
    _clear()


def run(
    quick: bool = False,
    out_dir: Path | str | None = None,
    argv=None,
    verbose: bool = True,
    only: tuple[str, ...] | None = None,
) -> Path:
    """Time every control (the quick set with ``quick``; with ``only``, those whose "page: label" contains
    one of these texts, case-insensitive) and write ``<out_dir>/server_timing.md``."""
    import streamlit as st  # noqa: F401  (st.cache_data outside a script run: its warnings muted below)

    from benchmarks.common import RESULTS_DIR

    for name in ("cache_data_api", "cache_resource_api"):  # "No runtime found" at every cache made here
        logging.getLogger(f"streamlit.runtime.caching.{name}").setLevel(logging.ERROR)
    wanted = chosen(control_names(), only)
    if not wanted:
        raise ValueError(f"no control's name contains any of {list(only)}")
    start = time.perf_counter()
    warm_up()
    rows = []
    for control in CONTROLS:
        if (quick and control.label not in QUICK_LABELS) or f"{control.page}: {control.label}" not in wanted:
            continue
        row = measure(control, misses=1 if quick else None)
        control = replace(control, values=control.values[: 1 + len(row.misses)])
        totals = [a + b for a, b in row.misses]
        compute = [a for a, _ in row.misses]
        figures = [b for _, b in row.misses]
        rows.append(
            [
                f"{control.page}: {control.label}",
                " → ".join(str(v) for v in control.values),
                fmt_s(sum(row.first)),
                f"{fmt_s(statistics.median(compute))} / {fmt_s(max(compute))}",
                f"{fmt_s(statistics.median(figures))} / {fmt_s(max(figures))}",
                f"{fmt_s(statistics.median(totals))} / {fmt_s(max(totals))}",
                ", ".join(fmt_s(t) for t in totals),
                control.what,
            ]
        )
        if verbose:
            print(" | ".join(rows[-1]), flush=True)
    mode = "quick (four controls, one miss each)" if quick else "full"
    lines = machine_header(
        "Server time of a control change (cache miss), n = 200, default settings", command_line(NAME, argv)
    )
    lines += [
        f"Mode: {mode}; wall time {time.perf_counter() - start:.0f} s. For each "
        "control: empty caches, the default computed once (first load), then each further value once: a "
        "cache miss, timed in this process (no browser, no Streamlit rerun). Computation = the cached "
        "engine calls of explorer.cache the page makes; figures = the cached figures of "
        "explorer.cache_figures or the page's figure functions. Median / largest of the misses; the "
        "end-to-end time in Chromium (python -m benchmarks slider_timing) adds the rerun and drawing "
        f"floor. The page target is p50 <= {TARGET_S} s end to end. Wall-clock seconds on a shared "
        "2-core machine: read medians and ratios.",
        "",
    ]
    lines += table(
        [
            "control",
            "values",
            "first load (s)",
            "computation: median / max (s)",
            "figures: median / max (s)",
            "server total: median / max (s)",
            "each miss (s)",
            "a miss computes",
        ],
        rows,
    )
    return write_report(out_dir or RESULTS_DIR, NAME, lines)


__all__ = ["CONTROLS", "QUICK_LABELS", "control_names", "measure", "run"]
