"""How well sampled activation patterns approximate the exact convex program (2-D data).

* :func:`count_exact_patterns` counts the cells of the plane arrangement (the exact patterns, the empty
  one included) without listing them: O(n^3) arithmetic and O(n^2) memory, so it stays fast where
  :func:`engine.patterns.exact_patterns` (which builds every n-vector) is slow.
* :func:`pattern_coverage` draws Gaussian directions and says how many distinct exact patterns they hit.
* :func:`approximation_curve` solves the sampled program for a growing number of draws (the first k of
  one seeded draw, so the pattern sets are nested and the optimum can only go down) and compares each
  optimum with the certified global optimum.

Counting. The planes ``z_k . w = 0`` of distinct lifted points are distinct and never parallel (the last
coordinate of z is 1). On the sphere they are great circles, and by Euler's formula an arrangement of
great circles has ``F = 2 + sum_v (m_v - 1)`` faces, the sum over the vertices v of the sphere (both
antipodal copies) and m_v the number of circles through v. A vertex line through m circles is met by
C(m, 2) pairs of circles, so ``F = 2 + sum_{pairs j<k} 4 / m_jk`` with m_jk the number of planes through
``z_j x z_k``: n(n-1) + 2 in general position, 2n for collinear points.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.convex.program import solve_convex
from engine.convex.recovery import NEURON_REL_THRESHOLD
from engine.convex.solvers.registry import AUTO, REGISTRY
from engine.losses import Loss
from engine.network import lift
from engine.patterns import MAX_SAMPLED_PATTERNS, PatternSet, count_exact_patterns, sample_patterns
from engine.results import ConvexResult
from engine.validation import validate_problem

__all__ = [
    "DEFAULT_COUNTS",
    "ApproximationCurve",
    "PatternCoverage",
    "approximation_curve",
    "join_curves",
    "count_exact_patterns",
    "curve_counts",
    "pattern_coverage",
    "optimum_neurons",
    "neurons_held",
]

# Draw counts of the approximation curve (log-spaced up to the largest sampled program).
DEFAULT_COUNTS: tuple[int, ...] = tuple(
    c for c in (10, 20, 50, 100, 200, 500, 1000, 2000) if c <= MAX_SAMPLED_PATTERNS
)
# Work budget of the default curve: draw counts with n * draws above this are left out (unless asked for).
CURVE_BUDGET = 100_000
# Relative gap under which a sampled optimum counts as the global one (as the certificate's tolerance).
REACHED_TOLERANCE = 1e-6
# Relative distance under which a training point counts as lying on a neuron's line.
_ON_NEURON_TOL = 1e-7


def curve_counts(n: int, draws: int | None = None, budget: int = CURVE_BUDGET) -> tuple[int, ...]:
    """The draw counts of the approximation curve for n points: those of DEFAULT_COUNTS with
    ``n * count <= budget``, and every count up to ``draws`` (the one the user looks at)."""
    return tuple(c for c in DEFAULT_COUNTS if n * c <= budget or (draws is not None and c <= draws))


def curve_solver(d: int = 2) -> str:
    """The solver of the sampled programs on d-dimensional data: ``auto`` on 2-D data (the registry's
    route: the reduced solve of the whole program for at most AUTO_REDUCED_MAX_DRAWS draws on at most
    AUTO_REDUCED_MAX_N points, else column generation: the program on a working set of its patterns,
    every pattern priced), else the reduced interior-point route when the registry has it. Both reach
    the program's optimum. On 2-D data at
    n = 200 the working set answered in a fraction of the reduced solve once P was in the hundreds
    (P = 2000 on moons: 1.1 s against 5.8 s); since the reduced program's pattern-tree columns the two
    are close (P = 2000, CPU s, working set / reduced: moons squared 0.7 / 0.9, hinge 0.6 / 1.3,
    spirals squared 2.2 / 1.3), and the working set stays the choice."""
    if d == 2:
        return AUTO
    return "reduced" if "reduced" in REGISTRY else "cvxpy"


@dataclass
class PatternCoverage:
    """Gaussian draws against the exact patterns of 2-D data.

    ``sampled`` holds the distinct patterns the draws hit (the empty one included when hit) and the
    first direction that produced each; every sampled pattern is an exact pattern, so ``hits`` of the
    ``exact_count`` patterns were found.
    """

    sampled: PatternSet
    exact_count: int
    draws: int
    seed: int

    @property
    def hits(self) -> int:
        return self.sampled.count

    @property
    def fraction(self) -> float:
        return self.hits / self.exact_count


def pattern_coverage(X: np.ndarray, draws: int, seed: int = 0) -> PatternCoverage:
    """The distinct patterns of ``draws`` seeded Gaussian directions and the exact pattern count."""
    sampled = sample_patterns(X, int(draws), int(seed), include_empty=True)
    return PatternCoverage(sampled, count_exact_patterns(X), int(draws), int(seed))


def optimum_neurons(result: ConvexResult) -> np.ndarray:
    """The first-layer weights (m x (d+1)) of the live neurons of ``result``'s network."""
    net = result.network
    size = np.abs(net.alpha) * np.linalg.norm(net.W, axis=1)
    top = float(np.max(size, initial=0.0))
    if top == 0.0:
        return np.zeros((0, net.W.shape[1]))
    return net.W[size > NEURON_REL_THRESHOLD * top]


def neurons_held(X: np.ndarray, D: np.ndarray, W: np.ndarray) -> np.ndarray:
    """For each neuron w (row of W): does some column of D agree with its pattern ``1[Z w >= 0]``?

    Points on the neuron's line (``z . w = 0`` up to round-off) may take either value, since the cone
    constraint ``(2 d - 1) z . w >= 0`` holds there for both. A held neuron is feasible in the program
    on D; when all are held, the sampled program contains the optimum and reaches it.
    """
    Z = lift(X)
    D = np.asarray(D, dtype=bool)
    held = np.zeros(len(W), dtype=bool)
    for j, w in enumerate(W):
        s = Z @ w
        tol = _ON_NEURON_TOL * np.linalg.norm(Z, axis=1) * np.linalg.norm(w)
        on, off = s > tol, s < -tol
        held[j] = bool(np.any(np.all(D[on], axis=0) & ~np.any(D[off], axis=0)))
    return held


@dataclass
class ApproximationCurve:
    """The optimum of the sampled program for growing numbers of draws, against the global optimum.

    Entry i is about the first ``counts[i]`` draws of one seeded Gaussian sequence (nested pattern
    sets): ``patterns[i]`` distinct non-empty patterns, ``objective[i]`` the program's optimum C (nan
    when the solve failed, with the reason in ``errors[i]``), ``support_held[i]`` how many of the
    ``support_size`` neurons of the reference network have their pattern among them (all: the sampled
    optimum is the global one; the converse fails, as the optimal network is rarely unique).
    ``optimum`` / ``lower_bound`` / ``certified`` describe the reference (None without one).
    ``errors[i]`` also carries a solver's note when it returned a value.
    """

    counts: list[int]
    patterns: list[int]
    hits: list[int]  # distinct patterns hit, the empty one included (compare with exact_count)
    objective: list[float]
    support_held: list[int | None]  # how many of the reference optimum's neurons the program holds
    errors: list[str]
    exact_count: int
    seed: int
    optimum: float | None = None
    lower_bound: float | None = None
    certified: bool = False
    support_size: int = 0
    time_s: list[float] = field(default_factory=list)

    def reached(self, tol: float = REACHED_TOLERANCE) -> list[bool]:
        """Whether each sampled optimum is within ``tol`` of the reference optimum J*: relative,
        ``J - J* <= tol |J*|`` (absolute when J* = 0), as the certificate measures gaps."""
        if self.optimum is None:
            return [False] * len(self.counts)
        scale = abs(self.optimum) if self.optimum != 0.0 else 1.0
        return [bool(math.isfinite(J) and J - self.optimum <= tol * scale) for J in self.objective]

    def first_reached(self, tol: float = REACHED_TOLERANCE) -> int | None:
        """The smallest draw count on the curve whose sampled optimum reaches the reference optimum."""
        return next((c for c, ok in zip(self.counts, self.reached(tol), strict=True) if ok), None)


def approximation_curve(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str,
    beta: float,
    counts: Sequence[int] = DEFAULT_COUNTS,
    pattern_seed: int = 0,
    reference: ConvexResult | None = None,
) -> ApproximationCurve:
    """Solve the sampled program on the first ``k`` draws for every ``k`` in ``counts``.

    The value reported is J of the network recovered from the program's solution (= its optimum C up to
    the solver's accuracy). The pattern sets are nested (one seeded sequence of draws), so the curve is
    non-increasing and never below the global optimum. A failed solve gives nan and a message instead
    of raising. The solver is :func:`curve_solver`'s; see :func:`curve_counts` for a budgeted grid.
    """
    X, y, loss = validate_problem(X, y, loss, beta)
    counts = sorted({int(c) for c in counts})
    if not counts or counts[0] < 1:
        raise ValueError("the draw counts must be positive integers")
    neurons = optimum_neurons(reference) if reference is not None else None
    curve = ApproximationCurve(
        counts=[],
        patterns=[],
        hits=[],
        objective=[],
        support_held=[],
        errors=[],
        exact_count=count_exact_patterns(X),
        seed=int(pattern_seed),
        optimum=reference.objective if reference is not None else None,
        lower_bound=reference.lower_bound if reference is not None else None,
        certified=bool(reference is not None and reference.certified),
        support_size=len(neurons) if neurons is not None else 0,
    )
    solver = curve_solver(X.shape[1])
    for count in counts:
        sampled = sample_patterns(X, count, pattern_seed, include_empty=True)
        pset = sampled.without_empty()
        start = time.perf_counter()
        value, error = math.nan, ""
        try:
            result = solve_convex(
                X, y, loss=loss, beta=beta, patterns=count, pattern_seed=pattern_seed, solver=solver
            )
            value, error = result.objective, result.message
        except (RuntimeError, ValueError, ArithmeticError) as exc:
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        curve.counts.append(count)
        curve.patterns.append(pset.count)
        curve.hits.append(sampled.count)
        curve.objective.append(float(value))
        curve.support_held.append(None if neurons is None else int(np.sum(neurons_held(X, pset.D, neurons))))
        curve.errors.append(error)
        curve.time_s.append(time.perf_counter() - start)
    return curve


def join_curves(curves: Sequence[ApproximationCurve]) -> ApproximationCurve:
    """One curve from curves of the same data, seed and reference (each :func:`approximation_curve` on
    some of the counts), its entries in increasing draw count: the same curve as one call on all their
    counts, since every entry depends only on its own count (nested draws of one seeded sequence).
    A count held by more than one curve is kept once. ValueError for no curves or curves that differ in
    seed, exact pattern count or reference."""
    if not curves:
        raise ValueError("no curves to join")
    first = curves[0]
    meta = ("exact_count", "seed", "optimum", "lower_bound", "certified", "support_size")
    for c in curves[1:]:
        for name in meta:
            a, b = getattr(first, name), getattr(c, name)
            if a != b and not (
                isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
            ):
                raise ValueError(f"the curves differ in {name} ({a!r} vs {b!r})")
    entries: dict[int, tuple] = {}
    for c in curves:
        times = c.time_s if len(c.time_s) == len(c.counts) else [math.nan] * len(c.counts)
        for row in zip(
            c.counts, c.patterns, c.hits, c.objective, c.support_held, c.errors, times, strict=True
        ):
            entries.setdefault(row[0], row)
    rows = [entries[k] for k in sorted(entries)]
    counts, patterns, hits, objective, held, errors, times = (list(col) for col in zip(*rows, strict=True))
    return ApproximationCurve(
        counts=counts,
        patterns=patterns,
        hits=hits,
        objective=objective,
        support_held=held,
        errors=errors,
        exact_count=first.exact_count,
        seed=first.seed,
        optimum=first.optimum,
        lower_bound=first.lower_bound,
        certified=first.certified,
        support_size=first.support_size,
        time_s=times,
    )
