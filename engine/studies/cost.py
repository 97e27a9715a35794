"""A cost model: the CPU seconds a page section's computation takes, estimated before it starts.

Each section of the app (and any caller of the studies) describes its work by a few counts (points n,
width m, epochs or steps, batch size, restarts, grid sizes, radii, sampled patterns); :func:`estimate`
turns them into seconds with the measured coefficients of :data:`PRIMITIVES` (what one step, one solve,
one Hessian-vector product costs) and the per-section table :data:`SECTIONS`. The app refuses a
request above its budget before starting it, saying what it would cost and which setting drives it.

The model, with ``steps = epochs * ceil(n / b)`` (``epochs`` for full-batch GD, b = n) and ``b' = min(b, n)``:

    sgd(n, m, epochs, b)   = steps * (step + update * (d + 2) * m) + epochs * (epoch + entry * n * m)
                             + logs * (log + eval * n * m)
    convex exact (n)       = exact_base + exact_n15 * n^1.5        (the certified solve, solver auto)
    convex sampled (n, P)  = sampled_base + sampled_np * n * P
    robust (n)             = exact patterns n(n-1)+2 up to n = 20, 200 draws above
    Hessian checkpoints    = points * (probes + lanczos) * hvp * n * m
    reprogramming step     = rp_step + rp_entry * 200 * d * m      (one BLAS thread)
    theory curves          = sum over the doubling sizes n of (kn_base + kn_n2 * n^2) or convex exact (n)

and a section's seconds are ``base + scale * (sum of its parts)``. Coefficients were measured on the
project's 2-core machine in CPU seconds of the process (``time.process_time``: other work sharing the
machine barely moves it, unlike wall-clock time) with ``python -m benchmarks budget``, which writes the
estimate against the measured time for a grid of settings (benchmarks/results/budget.md); a test keeps
the estimate within a factor of 3 of the measured time on a few settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["PRIMITIVES", "SECTIONS", "Estimate", "doubling_sizes", "estimate", "sgd_seconds"]

# Seconds per unit of work, measured (python -m benchmarks budget).
PRIMITIVES: Mapping[str, float] = MappingProxyType(
    {
        "step": 3.7e-7,  # one SGD/Adam step's fixed cost (the compiled loop, engine/gradient/sgd_kernel.py)
        "update": 5.5e-9,  # one weight's optimizer update in a step (all (d + 2) m weights, every step)
        "entry": 2.2e-9,  # one (batch point x neuron) of a step, forward and backward
        "eval": 1.0e-9,  # one (point x neuron) of a logged full-set evaluation
        "log": 3.0e-5,  # one logged evaluation's fixed cost (numpy calls, the history row)
        "epoch": 1.1e-5,  # one epoch's fixed cost (its shuffle drawn, the compiled stretches started)
        "logs": 200.0,  # logged evaluations per run (train and test sets)
        "log_attack": 1.2e-5,  # one PGD step of the logged robust accuracy (whole training set): fixed
        "log_attack_entry": 6.9e-9,  # ... per (point x neuron)
        "exact_base": 0.035,  # the certified exact solve (solver auto): fixed cost
        # ... and per n^1.5 (CPU s, squared: moons / circles / xor 0.04-0.06 s at n = 30, 0.22-0.35 s at
        # n = 200, spirals ~1 s; n = 1000 median 3.3 s: benchmarks/results/certified.md)
        "exact_n15": 2.0e-4,
        "sampled_base": 0.15,  # sampled convex program: fixed cost
        "sampled_np": 8.0e-6,  # ... per point x draw
        "robust_exact_n2": 1.6e-3,  # robust program on exact patterns, per n^2 (n <= 20)
        # robust program on 200 draws (the patterns whose robust cone is {0} leave it before the solve):
        "robust_base": 0.05,  # fixed cost
        "robust_n": 2.0e-3,  # ... per point
        "attack": 10.0,  # PGD steps per training batch (the page's adversarial training)
        "hvp": 5.0e-9,  # one Hessian-vector product, per point x neuron
        "hvp_base": 2.0e-5,  # ... fixed cost
        "lanczos": 40.0,  # Hessian-vector products of one sharpness (Lanczos) estimate
        "xor_step": 1.0e-4,  # one full-batch XOR step's fixed cost
        "xor_entry": 1.5e-10,  # ... per (point x dimension x neuron)
        "status": 5.0e-6,  # one point's PGD attack and exact certificate at one radius, per neuron
        # Theory page (measured with time.process_time on its quick settings, see SECTIONS)
        "rp_step": 4.5e-5,  # one Adam step of a program (200 Bernoulli points): fixed cost
        "rp_entry": 4.0e-10,  # ... per (point x dimension x neuron) of the frozen layer's products (one
        # BLAS thread: with two, a busy 2-core machine made them spin, ~9x the CPU seconds)
        "rp_affine": 2.0e-10,  # the affine program's extra (point x dimension^2) per step
        "kn_base": 0.12,  # excess risk at one n: certified optimum, Adam (50 neurons, 500 epochs), kernels
        "kn_n2": 2.5e-5,  # ... per n^2 (the certified optimum of the 2-D teacher's data dominates)
        "kn_feature": 8.7e-8,  # ... per random feature x (n + 1000 test points)
        "on_step": 5.2e-5,  # one streamed point through all six online learners
        "on_neuron": 1.2e-7,  # ... per neuron of the three network learners
        "sp_start": 5.0e-3,  # one BFGS fit (500 iterations at most) of the symmetric student, per neuron
        "sp_entry": 5.5e-7,  # ... per (point x neuron^2)
    }
)


@dataclass(frozen=True)
class Estimate:
    """Estimated seconds of a section's work, and how much each setting adds to it: ``drivers`` maps a
    knob name to the seconds saved with that knob at its smallest value (largest first)."""

    seconds: float
    drivers: tuple[tuple[str, float], ...] = ()


def _steps(n: int, epochs: int, batch: int, optimizer: str) -> tuple[int, int]:
    """(steps, points per step) of a run."""
    if optimizer == "gd":
        return int(epochs), int(n)
    b = max(1, min(int(batch), int(n)))
    return int(epochs) * math.ceil(int(n) / b), b


def sgd_seconds(
    n: int, width: int, epochs: int, batch: int, optimizer: str = "adam", *, d: int = 2, attack: int = 0
) -> float:
    """Seconds of one ``train_sgd`` run (``attack``: PGD steps per batch, 0 for clean training)."""
    p = PRIMITIVES
    steps, b = _steps(n, epochs, batch, optimizer)
    # every epoch passes each point once: n entries per epoch whatever the batch size
    per_epoch = p["epoch"] + p["entry"] * n * width * (d + 1) / 3
    per_log = (
        p["log"] + p["eval"] * 2 * n * width + attack * (p["log_attack"] + p["log_attack_entry"] * n * width)
    )
    epochs_run = steps if optimizer == "gd" else math.ceil(steps / math.ceil(int(n) / b))
    per_step = p["step"] + p["update"] * (d + 2) * width
    return steps * per_step + epochs_run * per_epoch * (1 + attack) + min(p["logs"], steps) * per_log


def convex_seconds(n: int, patterns: Any) -> float:
    """Seconds of the pages' convex solve (``patterns``: "exact" or a number of draws)."""
    p = PRIMITIVES
    if patterns == "exact":
        return p["exact_base"] + p["exact_n15"] * n**1.5
    return p["sampled_base"] + p["sampled_np"] * n * int(patterns)


def robust_seconds(n: int) -> float:
    """Seconds of the pages' robust program (exact patterns up to n = 20, 200 draws above)."""
    p = PRIMITIVES
    return p["robust_exact_n2"] * n * n if n <= 20 else p["robust_base"] + p["robust_n"] * n


def _hessian_seconds(n: int, width: int, products: float) -> float:
    p = PRIMITIVES
    return products * (p["hvp_base"] + p["hvp"] * n * width)


# --- the sections --------------------------------------------------------------------------------------


def _playground(k: Mapping[str, Any]) -> float:
    return convex_seconds(k["n"], k["patterns"]) + sgd_seconds(
        k["n"], k["width"], k["epochs"], k["batch"], k["opt"]
    )


def _patterns(k: Mapping[str, Any]) -> float:
    """The approximation curve: the certified optimum and one sampled program per draw count."""
    counts = k.get("counts") or (k["draws"],)
    n = k["n"]
    return convex_seconds(n, "exact") + sum(convex_seconds(n, c) for c in counts)


def _solvers(k: Mapping[str, Any]) -> float:
    n, P = k["n"], k["race_draws"]
    # ADMM, CVXPY, SCP and column generation on the sampled program, the certified optimum, SGD
    return (
        4 * convex_seconds(n, P)
        + convex_seconds(n, "exact")
        + sgd_seconds(n, k["width"], k["epochs"], k["batch"], k["opt"])
    )


def _adversarial(k: Mapping[str, Any]) -> float:
    n, m = k["n"], k["width"]
    pgd_training = sgd_seconds(n, m, k["epochs"], k["batch"], k["opt"], attack=int(PRIMITIVES["attack"]))
    curves = 3 * k["radii"] * n * PRIMITIVES["status"] * max(m, 10)
    return convex_seconds(n, k["patterns"]) + robust_seconds(n) + pgd_training + curves


def _spurious(k: Mapping[str, Any]) -> float:
    n, m = k["n"], k["width"]
    runs = k["runs"] * sgd_seconds(n, m, k["epochs"], k["batch"], k["opt"])
    return convex_seconds(n, "exact") + runs + 2 * _hessian_seconds(n, m, 30 + PRIMITIVES["lanczos"])


def _width(k: Mapping[str, Any]) -> float:
    n = k["n"]
    per_width = sum(sgd_seconds(n, w, k["epochs"], k["batch"], k["opt"]) for w in k["widths"])
    return convex_seconds(n, "exact") + k["runs"] * per_width


def _teacher(k: Mapping[str, Any]) -> float:
    n = k["n"]
    return convex_seconds(n, "exact") + k["runs"] * sgd_seconds(
        n, k["width"], k["epochs"], k["batch"], k["opt"]
    )


def _stability(k: Mapping[str, Any]) -> float:
    n, m, steps = k["n"], k["width"], k["steps"]
    total = 0.0
    for opt in k["opts"]:
        epochs = steps if opt == "gd" else math.ceil(steps / math.ceil(n / min(k["batch"], n)))
        run = sgd_seconds(n, m, epochs, k["batch"], opt) + _hessian_seconds(
            n, m, 21 * (20 + PRIMITIVES["lanczos"])
        )
        total += run * k["lrs"]
    return total


def _xor(k: Mapping[str, Any]) -> float:
    p = PRIMITIVES
    return k["steps"] * (p["xor_step"] + p["xor_entry"] * (k["n"] + 10) * k["d"] * k["width"])


def _momentum(k: Mapping[str, Any]) -> float:
    n = k["n"]
    return convex_seconds(n, "exact") + 4 * sgd_seconds(n, k["width"], k["steps"], n, "gd")


def _lowrank(k: Mapping[str, Any]) -> float:
    n, d = k["n"], k["d"]
    epochs = math.ceil(k["steps"] / math.ceil(n / min(16, n)))
    return 2 * sgd_seconds(n, k["width"], epochs, 16, "sgd", d=d)


def _reprogram_run(d: int, m: int, affine: bool) -> float:
    """Seconds of one Adam step of one program (n_train = 200, the engine's default)."""
    p = PRIMITIVES
    entries = 200 * d * m
    return p["rp_step"] + p["rp_entry"] * entries + (p["rp_affine"] * 200 * d * d if affine else 0.0)


def _reprogram(k: Mapping[str, Any]) -> float:
    """The curve (``seeds`` programs at every width ``ratio * d`` of ``ratios``) and the picture's program
    (width ``ratio * d``), ``steps`` Adam steps each."""
    d, affine = int(k["d"]), k.get("kind") == "affine"
    widths = [max(1, round(r * d)) for r in k["ratios"]]
    per_step = k["seeds"] * sum(_reprogram_run(d, m, affine) for m in widths)
    per_step += _reprogram_run(d, max(1, round(k["ratio"] * d)), affine)
    return k["steps"] * per_step


def doubling_sizes(lo: int, hi: int) -> tuple[int, ...]:
    """``lo, 2 lo, 4 lo, ...`` up to ``hi`` (``hi`` included): the Theory page's training sizes."""
    out = [lo]
    while out[-1] * 2 <= hi:
        out.append(out[-1] * 2)
    return tuple(out)


def _kernels(k: Mapping[str, Any]) -> float:
    """Every estimator at n = 16, 32, ... up to ``n_max``."""
    p = PRIMITIVES
    return sum(
        p["kn_base"] + p["kn_n2"] * n * n + p["kn_feature"] * k["features"] * (n + 1000)
        for n in doubling_sizes(16, int(k["n_max"]))
    )


def _minnorm(k: Mapping[str, Any]) -> float:
    """A certified optimum at n = 20, 40, ... up to ``n_max``."""
    return sum(convex_seconds(n, "exact") for n in doubling_sizes(20, int(k["n_max"])))


def _online(k: Mapping[str, Any]) -> float:
    p = PRIMITIVES
    return k["steps"] * (p["on_step"] + p["on_neuron"] * k["width"])


def _spectrum(k: Mapping[str, Any]) -> float:
    """``starts`` BFGS fits of the width-k student on n points (the two Hessians are small beside them)."""
    p = PRIMITIVES
    kk = int(k["k"])
    return k["starts"] * (p["sp_start"] * kk + p["sp_entry"] * k["n"] * kk * kk)


@dataclass(frozen=True)
class Section:
    """How one section's seconds follow from its knobs: ``base + scale * parts(knobs)``."""

    parts: Callable[[Mapping[str, Any]], float]
    base: float = 0.05
    scale: float = 1.0


# The per-section table (base seconds: drawing, figures; scale: measured against the sum of the parts).
SECTIONS: Mapping[str, Section] = MappingProxyType(
    {
        "playground": Section(_playground, scale=0.5),  # the app's auto route (reduced, sampled)
        "patterns": Section(_patterns),
        "solvers": Section(_solvers, scale=1.5),  # ADMM's iterations grow with P
        "adversarial": Section(_adversarial),
        "spurious": Section(_spurious),
        "width": Section(_width),
        "teacher": Section(_teacher),
        "stability": Section(_stability),
        "xor": Section(_xor),
        "momentum": Section(_momentum),
        "lowrank": Section(_lowrank, scale=1.7),  # checkpoints: 40 chunks, an SVD each
        # the Theory page (its census section only reads a table)
        "reprogram": Section(_reprogram),
        "kernels": Section(_kernels),
        "minnorm": Section(_minnorm, scale=0.6),  # moons at n = 20 ... 320: fewer columns than the mean
        "online": Section(_online),
        "spectrum": Section(_spectrum),
    }
)


def _seconds(section: str, knobs: Mapping[str, Any]) -> float:
    s = SECTIONS[section]
    return s.base + s.scale * s.parts(knobs)


def estimate(section: str, knobs: Mapping[str, Any], lowest: Mapping[str, Any] | None = None) -> Estimate:
    """Estimated seconds of ``section`` with these knobs; with ``lowest`` (a knob's smallest value), also
    the seconds each of those knobs would save at its smallest value (the drivers, largest first)."""
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; one of {', '.join(SECTIONS)}")
    total = _seconds(section, knobs)
    saved = []
    for name, low in (lowest or {}).items():
        saved.append((name, total - _seconds(section, {**knobs, name: low})))
    saved.sort(key=lambda item: -item[1])
    return Estimate(total, tuple(saved))
