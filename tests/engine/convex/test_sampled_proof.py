"""auto's route for a small sampled program (the reduced solve, then the proof by the sampled program's
dual bound): the answer is CVXPY's optimum of the same program and is proven, on varied data.

The proof (engine.convex.solvers.working_set.prove_sampled_optimum) prices every block of the sampled
program; a proven answer skips the re-solve on its support. Checked here against an independent
reference: CVXPY + Clarabel on the identical pattern set (engine.convex.solvers.reference), and the
bound's validity against that reference's objective.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.convex.program import solve_convex
from engine.convex.recovery import convex_objective
from engine.convex.solvers import reduced, working_set
from engine.convex.solvers.base import ConvexRequest
from engine.convex.solvers.registry import AUTO, select_solver
from engine.convex.solvers.working_set import sampled_dual_bound
from engine.losses import get_loss
from engine.network import lift

BETA = 1e-2
TOL = 1e-6


def _data(seed: int, n: int, duplicated: bool, collinear: bool) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points in [-2, 2]^2 with XOR labels; optionally the last 3 points repeat the first 3 and
    points 3..6 lie on one line."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, 2))
    if collinear:
        X[3:7, 1] = 0.5 * X[3:7, 0] + 0.25
    if duplicated:
        X[-3:] = X[:3]
    y = np.where(X[:, 0] * X[:, 1] >= 0.0, 1.0, -1.0)
    y[:2] = [1.0, -1.0]
    return X, y


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    loss=st.sampled_from(["squared", "hinge", "logistic"]),
    draws=st.sampled_from([20, 60]),
    duplicated=st.booleans(),
    collinear=st.booleans(),
)
def test_auto_sampled_answer_is_the_reference_optimum_and_proven(
    seed: int, loss: str, draws: int, duplicated: bool, collinear: bool
) -> None:
    X, y = _data(seed, 14, duplicated, collinear)
    request = ConvexRequest(
        X=X, y=y, loss=get_loss(loss), beta=BETA, patterns=draws, pattern_seed=seed, tol=TOL
    )
    entry = select_solver(AUTO, request)
    assert entry.name == "reduced" and entry.fallback == "colgen"
    solution = entry.solve(request)
    pset = request.pattern_set
    value = convex_objective(X, y, solution.D, solution.U, solution.V, loss, BETA)
    reference = solve_convex(X, y, loss=loss, beta=BETA, patterns=draws, pattern_seed=seed, solver="cvxpy")
    assert reference.patterns == pset.count
    # the proof, recomputed: the best sampled dual bound over grad L at the answer and the solver's duals
    yhat = np.sum(solution.D * (lift(X) @ (solution.U - solution.V)), axis=1)
    duals = [get_loss(loss).mean_gradient(yhat, y), *solution.duals]
    bound = max(sampled_dual_bound(X, y, pset.D, pset.directions, d, loss=loss, beta=BETA) for d in duals)
    # a lower bound on the program's optimum: below C of CVXPY's answer on the same patterns (C, not the
    # network's J: merging neurons that are active on the same points may leave the sampled patterns)
    C_ref = reference.convex_objective
    assert bound <= C_ref * (1.0 + 1e-7) + 1e-12
    # "optimal_inaccurate": Clarabel stopped almost solved and the bound did not prove it (left to the
    # shared polish and the certificate, as before the proof)
    assert solution.status in ("optimal", "optimal_inaccurate")
    if solution.polish is None:  # proven: no re-solve on the support
        assert solution.status == "optimal" and value - bound <= TOL * abs(value)
    # the engine's answer (polish, recovery and certificate included) is the program's optimum: no
    # higher than CVXPY's (which may stop almost solved above it, logistic) and, where CVXPY says
    # optimal, equal to it
    result = solve_convex(X, y, loss=loss, beta=BETA, patterns=draws, pattern_seed=seed, solver=AUTO)
    assert result.solver == "reduced" and result.fallback == ""
    assert result.status in ("optimal", "optimal_inaccurate")
    assert result.convex_objective <= C_ref * (1.0 + TOL)
    if reference.status == "optimal":
        assert abs(result.convex_objective / C_ref - 1.0) <= 1e-5
    assert result.objective <= result.convex_objective * (1.0 + 1e-9)  # merging never raises J


def test_the_auto_route_proves_the_n200_answer_without_a_re_solve() -> None:
    """At the benchmark's size (moons, n = 200, 300 draws) every loss's answer is proven by the bound,
    so the re-solve on its support is skipped (the speed-up of issue 14's same-program target)."""
    from datasets import make_dataset

    ds = make_dataset("moons", n=200, seed=0)
    for loss in ("squared", "hinge", "logistic"):
        request = ConvexRequest(
            X=ds.X, y=ds.y, loss=get_loss(loss), beta=1e-3, patterns=300, pattern_seed=0, tol=TOL
        )
        solution = select_solver(AUTO, request).solve(request)
        assert solution.status == "optimal" and solution.polish is None, loss


def _logistic_request(n: int, draws: int, seed: int = 0) -> ConvexRequest:
    from datasets import make_dataset

    ds = make_dataset("circles", n=n, seed=seed)
    loss = get_loss("logistic")
    return ConvexRequest(X=ds.X, y=ds.y, loss=loss, beta=1e-3, patterns=draws, pattern_seed=seed, tol=TOL)


def _whole_program_value(request: ConvexRequest) -> float:
    """C of the reduced solve of the whole program (the route the rough support replaces), proven."""
    solution = working_set.prove_sampled_optimum(request, reduced.solve_program(request))
    assert solution.status == "optimal" and solution.polish is None
    X, y = request.X, request.y
    return convex_objective(X, y, solution.D, solution.U, solution.V, "logistic", request.beta)


def test_the_rough_support_route_settles_logistic_in_one_round_at_n200() -> None:
    """circles, n = 200, 300 draws (the benchmark's slowest logistic case): the 60 largest blocks after
    12 interior-point iterations hold the optimum's support, so one restricted solve is proven, with the
    whole program's optimum."""
    request = _logistic_request(200, 300)
    solution = working_set.solve_from_rough_support(request)
    assert solution is not None
    assert solution.history["round"] == [1] and solution.history["blocks"] == [working_set.ROUGH_BLOCKS]
    proven = working_set.prove_sampled_optimum(request, solution)
    assert proven.status == "optimal" and proven.polish is None
    value = convex_objective(request.X, request.y, proven.D, proven.U, proven.V, "logistic", request.beta)
    assert abs(value / _whole_program_value(_logistic_request(200, 300)) - 1.0) <= 1e-9


def test_a_rough_support_that_misses_blocks_grows_or_gives_way(monkeypatch) -> None:
    """Seeded with 2 blocks only, the violators priced over every block join round after round and the
    answer is still the whole program's optimum; with a single round allowed the route gives way (None)
    and auto solves the whole program, with the same answer."""
    request = _logistic_request(60, 100)
    whole = _whole_program_value(_logistic_request(60, 100))
    monkeypatch.setattr(working_set, "ROUGH_BLOCKS", 2)
    monkeypatch.setattr(working_set, "ROUGH_ROUNDS", 8)
    grown = working_set.solve_from_rough_support(request)
    assert grown is not None and len(grown.history["round"]) > 1
    assert grown.history["blocks"][-1] > 2 and grown.history["violation"][-1] == 0.0
    proven = working_set.prove_sampled_optimum(request, grown)
    value = convex_objective(request.X, request.y, proven.D, proven.U, proven.V, "logistic", request.beta)
    assert proven.status == "optimal" and abs(value / whole - 1.0) <= 1e-7
    monkeypatch.setattr(working_set, "ROUGH_ROUNDS", 1)
    assert working_set.solve_from_rough_support(_logistic_request(60, 100)) is None
    result = solve_convex(
        request.X, request.y, loss="logistic", beta=1e-3, patterns=100, pattern_seed=0, solver=AUTO
    )
    assert result.solver == "reduced" and result.status == "optimal" and "round" not in result.history
    assert abs(result.convex_objective / whole - 1.0) <= 1e-7


def test_the_rough_solve_leaves_the_facet_cache_as_the_hull_gives_it() -> None:
    """A rough iterate violates cone rows by design; its solve must not read that as missing facets (the
    accurate solves after it would then carry every row of those cones)."""
    request = _logistic_request(80, 100)
    pset = request.pattern_set
    cache: reduced.FacetCache = {}
    U, V, lam, status = reduced.solve_reduced(
        request.X,
        request.y,
        pset.D,
        loss="logistic",
        beta=1e-3,
        directions=pset.directions,
        facet_cache=cache,
        rough_iterations=3,
    )
    assert status == "rough" and lam is None and U.shape == V.shape == (3, pset.D.shape[1])
    fresh = reduced.facets_for(lift(request.X), pset.D, pset.directions, None)
    keys = reduced.column_keys(pset.D)
    assert all(np.array_equal(cache[(key, True)], rows) for key, rows in zip(keys, fresh, strict=True))
    assert max(rows.size for rows in fresh) < request.X.shape[0]


def test_only_large_logistic_programs_take_the_rough_support_route() -> None:
    """Squared and hinge programs, and a logistic program of at most 2 ROUGH_BLOCKS blocks, are solved
    whole (the route returns None)."""
    request = _logistic_request(60, 100)
    assert request.pattern_set.D.shape[1] > working_set.ROUGH_BLOCKS
    assert working_set.solve_from_rough_support(request) is not None
    for loss in ("squared", "hinge"):
        assert working_set.solve_from_rough_support(dataclasses.replace(request, loss=get_loss(loss))) is None
    small = _logistic_request(60, 40)
    assert small.pattern_set.D.shape[1] <= working_set.ROUGH_BLOCKS
    assert working_set.solve_from_rough_support(small) is None
