"""The solver race (engine/studies/race.py), the pattern approximation
(engine/studies/approximation.py) and the race figure (engine/figures/solvers.py), on small problems;
the pattern figures are tested in tests/engine/figures/test_patterns.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasets import make_dataset
from engine.convex.program import solve_convex
from engine.convex.solvers.registry import REGISTRY
from engine.figures import solvers as fsol
from engine.patterns import exact_patterns, pattern_keys, sample_patterns
from engine.studies import race as race_module
from engine.studies.approximation import (
    approximation_curve,
    count_exact_patterns,
    curve_solver,
    join_curves,
    neurons_held,
    optimum_neurons,
    pattern_coverage,
)
from engine.studies.race import RaceResult, SolverTrace, certified_optimum, run_race

N = 12
BETA = 1e-2
SGD = dict(optimizer="adam", width=10, lr=1e-2, epochs=30, batch_size=4, seed=0)


def _rel(value: float) -> float:
    return 1e-6 * max(1.0, abs(value))


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    ds = make_dataset("moons", N, noise=0.1, seed=1)
    return ds.X, ds.y


@pytest.fixture(scope="module")
def reference(data):
    X, y = data
    return certified_optimum(X, y, loss="squared", beta=BETA)


@pytest.fixture(scope="module")
def race(data, reference) -> RaceResult:
    X, y = data
    return run_race(X, y, loss="squared", beta=BETA, patterns=30, sgd=SGD, reference=reference)


# ---------------------------------------------------------------------------------------------
# counting and coverage


@pytest.mark.parametrize(
    "X",
    [
        np.random.default_rng(0).normal(size=(15, 2)),
        np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]),  # collinear
        np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]),  # duplicate, a square
        np.array([[0.5, -0.5]]),
    ],
    ids=["random", "collinear", "duplicates", "single"],
)
def test_count_matches_enumeration(X: np.ndarray) -> None:
    assert count_exact_patterns(X) == exact_patterns(X).count


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=1, max_size=9))
def test_count_matches_enumeration_on_grid_points(points: list[tuple[int, int]]) -> None:
    X = np.array(points, dtype=float)  # integer grid: many collinear triples and duplicates
    assert count_exact_patterns(X) == exact_patterns(X).count


def test_count_general_position() -> None:
    X = np.random.default_rng(3).normal(size=(40, 2))
    assert count_exact_patterns(X) == 40 * 39 + 2


def test_coverage_counts_distinct_exact_patterns(data) -> None:
    X, _ = data
    cov = pattern_coverage(X, 200, seed=4)
    exact = pattern_keys(exact_patterns(X).D)
    sampled = pattern_keys(cov.sampled.D)
    assert sampled <= exact
    assert cov.hits == len(sampled) <= cov.exact_count == len(exact)
    assert 0.0 < cov.fraction <= 1.0


def test_first_draws_are_nested(data) -> None:
    X, _ = data
    small, large = sample_patterns(X, 20, 7), sample_patterns(X, 200, 7)
    assert pattern_keys(small.D) <= pattern_keys(large.D)


# ---------------------------------------------------------------------------------------------
# approximation curve


def test_curves_of_single_counts_join_into_the_curve_of_all_counts(data, reference) -> None:
    """The app caches the curve per draw count and joins the pieces (explorer.cache.get_approximation):
    the join equals one call on every count (each entry depends on its own count only), duplicates
    kept once; curves of another seed are refused."""
    X, y = data
    counts = (5, 20, 100)
    whole = approximation_curve(X, y, loss="squared", beta=BETA, counts=counts, reference=reference)
    pieces = [
        approximation_curve(X, y, loss="squared", beta=BETA, counts=(c,), reference=reference)
        for c in (100, 5, 20, 5)
    ]
    joined = join_curves(pieces)
    assert joined.counts == list(counts)
    for name in ("patterns", "hits", "support_held", "errors"):
        assert getattr(joined, name) == getattr(whole, name), name
    np.testing.assert_allclose(joined.objective, whole.objective, rtol=1e-9)
    for name in ("exact_count", "seed", "optimum", "lower_bound", "certified", "support_size"):
        assert getattr(joined, name) == getattr(whole, name), name
    other = approximation_curve(
        X, y, loss="squared", beta=BETA, counts=(5,), pattern_seed=1, reference=reference
    )
    with pytest.raises(ValueError, match="seed"):
        join_curves([pieces[0], other])
    with pytest.raises(ValueError):
        join_curves([])


def test_approximation_curve_is_nested_and_above_the_optimum(data, reference) -> None:
    X, y = data
    curve = approximation_curve(
        X, y, loss="squared", beta=BETA, counts=(5, 20, 100, 400), reference=reference
    )
    J = np.array(curve.objective)
    assert np.all(np.isfinite(J)), curve.errors
    assert np.all(np.diff(J) <= _rel(J[0])), J  # nested pattern sets: never up
    assert np.all(J >= reference.objective - _rel(reference.objective))
    assert reference.lower_bound is not None and np.all(J >= reference.lower_bound - _rel(J[0]))
    assert curve.hits == sorted(curve.hits) and curve.hits[-1] <= curve.exact_count
    held = [h for h in curve.support_held if h is not None]
    assert held == sorted(held) and max(held) <= curve.support_size
    # once every neuron of the optimum is held, the sampled program reaches the optimum
    for value, h in zip(J, curve.support_held, strict=True):
        if h == curve.support_size:
            assert value <= reference.objective + 1e-5 * max(1.0, reference.objective)


@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_approximation_curve_values_are_the_sampled_programs_optima(data, reference, loss: str) -> None:
    """Each point of the curve (the working-set route of curve_solver on 2-D data) is the optimum of the
    sampled program as the CVXPY reference solves it on the same draws."""
    X, y = data
    assert curve_solver(2) == "auto" and curve_solver(3) != "auto"
    counts = (5, 20, 100)
    curve = approximation_curve(X, y, loss=loss, beta=BETA, counts=counts)
    for count, value in zip(counts, curve.objective, strict=True):
        ref = solve_convex(X, y, loss=loss, beta=BETA, patterns=count, pattern_seed=0, solver="cvxpy")
        assert value == pytest.approx(ref.objective, rel=1e-5), count


def test_all_exact_patterns_hold_the_optimum(data, reference) -> None:
    X, _ = data
    W = optimum_neurons(reference)
    assert W.shape[0] >= 1
    assert neurons_held(X, exact_patterns(X).D, W).all()


# ---------------------------------------------------------------------------------------------
# race


def test_race_traces_are_finite_and_above_the_bound(race: RaceResult) -> None:
    assert race.optimum is not None and race.lower_bound is not None
    assert race.certified
    assert [t.solver for t in race.traces] == list(race_module.RACE_SOLVERS)
    for t in race.traces:
        if t.solver == "colgen" and not race_module.colgen_available():
            assert "not available" in t.error
            continue
        assert t.ok, (t.solver, t.error)
        assert np.all(np.isfinite(t.objective)) and np.all(np.isfinite(t.time_s)), t.solver
        assert np.all(t.time_s >= 0.0)
        # every route's objective is J of a real network: never below the certified lower bound
        assert np.all(t.objective >= race.lower_bound - _rel(race.lower_bound)), t.solver
    colgen = race.trace("colgen")
    if colgen.ok:  # column generation solves the exact program: its gap is >= 0 up to round-off
        assert np.all(colgen.objective - race.optimum >= -_rel(race.optimum))
        assert colgen.lower_bound is None or np.all(colgen.lower_bound <= race.optimum + _rel(race.optimum))
    # the sampled program's optimum is an upper bound on the global optimum
    assert race.trace("cvxpy").final_objective >= race.optimum - _rel(race.optimum)
    assert race.trace("admm").final_objective >= race.optimum - _rel(race.optimum)


def _without_colgen() -> dict:
    """The convex solver registry of an engine without column generation."""
    return {name: entry for name, entry in REGISTRY.items() if name != "colgen"}


def test_race_reports_failing_routes_as_messages(data, reference, monkeypatch) -> None:
    X, y = data

    def unsupported(*args, **kwargs):
        raise ValueError("ADMM supports only the squared loss so far")

    monkeypatch.setattr(race_module, "admm_solve", unsupported)
    monkeypatch.setattr(race_module, "REGISTRY", _without_colgen())
    res = run_race(X, y, loss="hinge", beta=BETA, patterns=20, sgd=SGD, solvers=("admm", "colgen", "sgd"))
    admm, colgen, sgd = res.traces
    assert not admm.ok and "squared loss" in admm.error
    assert not colgen.ok and "not available" in colgen.error
    assert sgd.ok
    assert res.optimum is not None and res.optimum_solver == "cvxpy"  # small n: CVXPY on the exact program


def test_race_without_optimum_says_why(data, monkeypatch) -> None:
    X, y = data
    monkeypatch.setattr(race_module, "REGISTRY", _without_colgen())
    monkeypatch.setattr(race_module, "EXACT_MAX_N", 5)
    res = run_race(X, y, loss="squared", beta=BETA, patterns=20, solvers=("scp",))
    assert res.optimum is None and "column generation" in res.optimum_error
    assert res.traces[0].ok
    fig = fsol.race_figure(res)
    assert "no optimum" in fig.layout.title.text


def test_race_rejects_unknown_routes(data) -> None:
    X, y = data
    with pytest.raises(ValueError, match="unknown race routes"):
        run_race(X, y, loss="squared", beta=BETA, patterns=20, solvers=("magic",))


# ---------------------------------------------------------------------------------------------
# figures


def test_race_figure_marks_gaps_at_or_below_zero() -> None:
    it, t = np.array([10.0, 20.0, 30.0]), np.array([0.1, 0.2, 0.3])
    traces = [
        SolverTrace("admm", "ADMM", "sampled program", it, t, np.array([1.5, 1.01, 0.999999])),
        SolverTrace(
            "cvxpy", "CVXPY", "sampled program", np.array([math.nan]), np.array([0.05]), np.array([1.2])
        ),
        SolverTrace("scp", "SCP", "SCP program", error="the hinge loss is not supported"),
    ]
    res = RaceResult(traces, 1.0, 0.9999999, True, "colgen", "", 20, 15, 0)
    fig = fsol.race_figure(res)
    below = [t for t in fig.data if t.marker is not None and t.marker.symbol == "triangle-down"]
    assert below and all(np.all(np.asarray(t.customdata) <= 0) for t in below)
    floor = below[0].y[0]
    assert floor == pytest.approx(0.01 / 10)  # a decade below the smallest positive gap
    # CVXPY (no iteration count) only in the time panel
    cvx = [t for t in fig.data if t.name and t.name.startswith("CVXPY")]
    assert len(cvx) == 1 and cvx[0].xaxis == "x2"
    assert any("SCP: no trace (the hinge loss is not supported)" == t.name for t in fig.data)
    table = fsol.race_table(res)
    assert table.loc["SCP", "status"] == "the hinge loss is not supported"
    assert table.loc["CVXPY", "iterations"] == "one call"


def test_curve_counts_keep_the_work_bounded() -> None:
    from engine.studies.approximation import CURVE_BUDGET, DEFAULT_COUNTS, curve_counts

    assert curve_counts(30) == DEFAULT_COUNTS  # small data: the whole grid
    big = curve_counts(400)
    assert big and all(400 * c <= CURVE_BUDGET for c in big)
    assert curve_counts(400, 1000)[-1] == 1000  # the count the user looks at is always on the curve
