"""The convex solver contract: one registry, one Solution record, one post-processing, clear refusals."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

import engine.convex
import engine.convex.solvers
from engine.convex import program
from engine.convex.program import finish, solve_convex
from engine.convex.recovery import convex_objective
from engine.convex.solvers import registry
from engine.convex.solvers.base import PROGRAMS, ConvexRequest, ConvexSolver, Solution
from engine.convex.solvers.registry import (
    AUTO,
    AUTO_REDUCED_MAX_DRAWS,
    AUTO_REDUCED_MAX_N,
    COLGEN_MAX_N,
    EXACT_MAX_N,
    REGISTRY,
    SOLVER_HELP,
    SOLVERS,
    get_solver,
    make_registry,
    route,
    select_solver,
)
from engine.convex.solvers.working_set import prove_sampled_optimum, sampled_dual_bound
from engine.losses import get_loss
from engine.patterns import build_patterns

BETA = 1e-2
DRAWS = 30
# agreement with the reference (CVXPY + Clarabel) on the same program, as in test_admm / test_colgen
TOLERANCE = {
    "cvxpy": {"squared": 1e-12, "hinge": 1e-12, "logistic": 1e-12},
    "reduced": {"squared": 1e-6, "hinge": 1e-4, "logistic": 1e-4},
    "colgen": {"squared": 1e-6, "hinge": 1e-4, "logistic": 1e-4},
    "admm": {"squared": 1e-4, "hinge": 1e-3, "logistic": 1e-3},
}


def _problem(n: int = 12, d: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """XOR labels (every loss, as in test_solver_routes) on uniform points in [-2, 2]^d."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, d))
    y = np.where(X[:, 0] * X[:, 1] >= 0.0, 1.0, -1.0)
    y[:2] = [1.0, -1.0]
    return X, y


def _request(X: np.ndarray, y: np.ndarray, loss: str, patterns: str | int) -> ConvexRequest:
    return ConvexRequest(
        X=X, y=y, loss=get_loss(loss), beta=BETA, patterns=patterns, pattern_seed=0, tol=1e-6
    )


# ---------------------------------------------------------------------------------------------
# the registry


def test_registry_lists_every_solver_once_and_the_choices_derive_from_it() -> None:
    names = [entry.name for entry in REGISTRY.values()]
    assert names == list(REGISTRY) and len(set(names)) == len(names)
    assert set(names) == {"cvxpy", "admm", "scp", "colgen", "reduced"}
    assert SOLVERS == (*REGISTRY, AUTO) and SOLVERS[-1] == "auto"
    assert list(SOLVER_HELP) == list(SOLVERS)
    assert all(SOLVER_HELP[name] == entry.help and entry.help for name, entry in REGISTRY.items())
    assert SOLVER_HELP[AUTO]
    # one table: the program's, the packages' and the CLI's names are the registry's
    assert program.SOLVERS is SOLVERS and program.SOLVER_HELP is SOLVER_HELP
    assert engine.convex.SOLVERS is SOLVERS and engine.convex.solvers.REGISTRY is REGISTRY
    assert program.EXACT_MAX_N == EXACT_MAX_N and program.COLGEN_MAX_N == COLGEN_MAX_N


def test_registry_is_read_only_and_refuses_a_name_twice() -> None:
    with pytest.raises(TypeError):
        REGISTRY["magic"] = REGISTRY["cvxpy"]  # type: ignore[index]
    entry = REGISTRY["cvxpy"]
    with pytest.raises(ValueError, match="'cvxpy' is taken"):
        make_registry(entry, dataclasses.replace(entry, help="again"))
    with pytest.raises(ValueError, match="'auto' is taken"):
        make_registry(dataclasses.replace(entry, name=AUTO))
    with pytest.raises(ValueError, match="programs"):
        ConvexSolver(name="x", help="x", solve=entry.solve, programs=("everything",))


def test_entries_declare_their_programs_and_limits() -> None:
    for entry in REGISTRY.values():
        assert set(entry.programs) <= set(PROGRAMS) and entry.programs
    assert REGISTRY["scp"].programs == ("sampled",)
    assert REGISTRY["colgen"].needs_2d and REGISTRY["colgen"].exact_max_n == COLGEN_MAX_N
    for name in ("cvxpy", "admm", "reduced"):
        assert REGISTRY[name].exact_max_n == EXACT_MAX_N and not REGISTRY[name].needs_2d


def test_auto_is_a_route_not_an_entry() -> None:
    assert AUTO not in REGISTRY
    assert route(AUTO, 2) == "colgen" and route(AUTO, 3) == "cvxpy"
    # a sampled program of few draws: the reduced solve of the whole program; more: the working set
    assert route(AUTO, 2, AUTO_REDUCED_MAX_DRAWS, AUTO_REDUCED_MAX_N) == "reduced"
    assert route(AUTO, 2, AUTO_REDUCED_MAX_DRAWS + 1, 10) == "colgen"
    assert route(AUTO, 2, 10, AUTO_REDUCED_MAX_N + 1) == "colgen" and route(AUTO, 3, 10, 10) == "cvxpy"
    assert all(route(name, 2) == name and route(name, 2, 10) == name for name in REGISTRY)
    X, y = _problem()
    assert select_solver(AUTO, _request(X, y, "squared", "exact")) is REGISTRY["colgen"]
    many = _request(X, y, "squared", AUTO_REDUCED_MAX_DRAWS + 1)
    assert select_solver(AUTO, many) is REGISTRY["colgen"]
    Xn, yn = _problem(n=AUTO_REDUCED_MAX_N + 1)
    assert select_solver(AUTO, _request(Xn, yn, "squared", DRAWS)) is REGISTRY["colgen"]
    # auto's reduced solve falls back onto the working set first; the reduced entry itself is unchanged
    few = select_solver(AUTO, _request(X, y, "squared", DRAWS))
    assert few.name == "reduced" and few.fallback == "colgen" and REGISTRY["reduced"].fallback == "cvxpy"
    assert select_solver("reduced", _request(X, y, "squared", DRAWS)) is REGISTRY["reduced"]
    X3, y3 = _problem(d=3)
    assert select_solver(AUTO, _request(X3, y3, "squared", DRAWS)) is REGISTRY["cvxpy"]


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_auto_solves_a_small_sampled_program_to_the_reference_optimum(loss: str) -> None:
    """auto's reduced route on a sampled program: CVXPY's optimum, the working set's, and (squared,
    logistic) within 1e-6 of the program's own dual bound; duplicated and collinear points included."""
    X, y = _problem(n=16)
    X[-4:] = X[:4]  # duplicated points
    X[4:8, 1] = 0.5 * X[4:8, 0] + 0.25  # collinear points
    for draws in (DRAWS, 200):
        result = solve_convex(X, y, loss=loss, beta=BETA, patterns=draws, solver=AUTO)
        assert result.solver == "reduced" and result.fallback == "" and result.status == "optimal"
        reference = solve_convex(X, y, loss=loss, beta=BETA, patterns=draws, solver="cvxpy")
        working_set = solve_convex(X, y, loss=loss, beta=BETA, patterns=draws, solver="colgen")
        assert result.objective == pytest.approx(reference.objective, rel=TOLERANCE["reduced"][loss])
        assert result.objective == pytest.approx(working_set.objective, rel=TOLERANCE["colgen"][loss])
        pset = build_patterns(X, draws, 0)
        # any dual point gives a lower bound: grad L at the answer and at the reference's answer (the
        # answer's own yhat may be too coarse for a tight one when its solver's multiplier proved it)
        bound = max(
            sampled_dual_bound(
                X,
                y,
                pset.D,
                pset.directions,
                get_loss(loss).mean_gradient(r.network.predict(X), y),
                loss=loss,
                beta=BETA,
            )
            for r in (result, reference)
        )
        assert bound <= min(reference.objective, working_set.objective) * (1.0 + 1e-9)
        if loss != "hinge":  # grad L is the dual point (hinge needs the multiplier at margin 1)
            assert result.objective - bound <= 1e-6 * result.objective


def test_sampled_dual_bound_is_a_lower_bound_for_any_dual_point() -> None:
    X, y = _problem()
    pset = build_patterns(X, DRAWS, 0)
    rng = np.random.default_rng(1)
    for loss in ("squared", "hinge", "logistic"):
        optimum = solve_convex(X, y, loss=loss, beta=BETA, patterns=DRAWS, solver="cvxpy").objective
        for _ in range(5):
            lam = rng.normal(size=len(y)) / len(y)
            bound = sampled_dual_bound(X, y, pset.D, pset.directions, lam, loss=loss, beta=BETA)
            assert bound <= optimum * (1.0 + 1e-9)


def test_auto_falls_back_onto_the_working_set_when_the_reduced_solve_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(request: ConvexRequest) -> Solution:
        raise RuntimeError("Clarabel (reduced program) stopped with status InsufficientProgress")

    table = {name: entry for name, entry in REGISTRY.items()}
    table["reduced"] = dataclasses.replace(REGISTRY["reduced"], solve=broken)
    monkeypatch.setattr(registry, "REGISTRY", make_registry(*table.values()))
    X, y = _problem()
    result = solve_convex(X, y, loss="logistic", beta=BETA, patterns=DRAWS, solver=AUTO)
    assert result.solver == "colgen" and result.status == "optimal"
    assert result.fallback == (
        "the reduced solver failed (Clarabel (reduced program) stopped with status InsufficientProgress); "
        "the colgen solver took over"
    )
    reference = solve_convex(X, y, loss="logistic", beta=BETA, patterns=DRAWS, solver="cvxpy")
    assert result.objective == pytest.approx(reference.objective, rel=TOLERANCE["colgen"]["logistic"])
    # asked for by name, the reduced solver still falls back onto the reference
    assert solve_convex(X, y, loss="logistic", beta=BETA, patterns=DRAWS, solver="reduced").solver == "cvxpy"


# ---------------------------------------------------------------------------------------------
# refusals: the same messages as before the registry


def _refusal(solver: str, patterns: str | int, n: int = 12, d: int = 2) -> str:
    X, y = _problem(n=n, d=d)
    with pytest.raises(ValueError) as info:
        solve_convex(X, y, beta=BETA, patterns=patterns, solver=solver)
    return str(info.value)


def test_unknown_solver_names_the_choices() -> None:
    assert (
        _refusal("bogus", 20)
        == "unknown solver 'bogus'; choose one of cvxpy, admm, scp, colgen, reduced, auto"
    )
    with pytest.raises(ValueError, match=re.escape("unknown solver 'auto'")):
        get_solver(AUTO)  # a route, not an entry


@pytest.mark.parametrize("solver", ["cvxpy", "admm", "reduced"])
def test_whole_program_solvers_refuse_the_large_exact_program(solver: str) -> None:
    n = EXACT_MAX_N + 1
    assert _refusal(solver, "exact", n=n) == (
        f"the exact program is limited to n <= {EXACT_MAX_N} points with the {solver} solver (n = {n}); "
        f"use --solver colgen (certified, n <= {COLGEN_MAX_N}) or sampled patterns"
    )


@pytest.mark.parametrize("solver", ["colgen", "auto"])
def test_column_generation_refuses_beyond_its_limit(solver: str) -> None:
    n = COLGEN_MAX_N + 1
    assert (
        _refusal(solver, "exact", n=n)
        == f"column generation is limited to n <= {COLGEN_MAX_N} points (n = {n})"
    )


def test_programs_a_solver_does_not_handle_are_refused() -> None:
    assert (
        _refusal("scp", "exact")
        == "SCP samples its first-layer directions: give a number of sampled patterns"
    )
    assert _refusal("colgen", DRAWS, d=3) == (
        "column generation needs 2-D data (its pricing works on 2-D pattern cones)"
    )
    for solver in SOLVERS:
        assert _refusal(solver, "exact", d=3) == (
            "exact patterns need 2-D data; give a number of sampled patterns instead"
        )


# ---------------------------------------------------------------------------------------------
# every entry: one Solution record, consistent shapes, the reference's optimum


def _check_solution(solution: Solution, request: ConvexRequest) -> None:
    n, d = request.X.shape
    assert isinstance(solution, Solution)
    P = solution.D.shape[1]
    assert solution.D.dtype == bool and solution.D.shape == (n, P) and P >= 1
    assert solution.U.shape == solution.V.shape == (d + 1, P)
    assert np.all(np.isfinite(solution.U)) and np.all(np.isfinite(solution.V))
    assert isinstance(solution.status, str) and solution.status
    assert solution.program_size >= 1
    assert all(lam.shape == (n,) for lam in solution.duals)
    lengths = {len(values) for values in solution.history.values()}
    assert len(lengths) <= 1  # every column of the log has one entry per logged point
    if solution.network is not None:
        assert solution.network.input_dim == d
    # each block really has its pattern (cone constraints, up to the solver's accuracy)
    Z = np.hstack([request.X, np.ones((n, 1))])
    sign = np.where(solution.D, 1.0, -1.0)
    scale = max(1.0, float(np.max(np.abs(solution.U), initial=0.0)), float(np.max(np.abs(solution.V))))
    for M in (solution.U, solution.V):
        assert np.min(sign * (Z @ M), initial=0.0) >= -1e-4 * scale


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_every_entry_returns_a_solution_and_reaches_the_reference_on_the_sampled_program(loss: str) -> None:
    X, y = _problem()
    reference = solve_convex(X, y, loss=loss, beta=BETA, patterns=DRAWS, solver="cvxpy")
    patterns = build_patterns(X, DRAWS, 0)
    for name, entry in REGISTRY.items():
        request = _request(X, y, loss, DRAWS)
        solution = entry.solve(request)
        _check_solution(solution, request)
        result = solve_convex(X, y, loss=loss, beta=BETA, patterns=DRAWS, solver=name)
        assert result.solver == name and result.pattern_mode == "sampled"
        assert result.objective == pytest.approx(result.network.objective(X, y, loss, BETA), rel=1e-12)
        if name == "scp":  # fixed directions: a restriction of the sampled program on the same patterns
            assert result.objective >= reference.objective - 1e-9
            continue
        assert result.patterns == patterns.count == reference.patterns
        assert np.array_equal(solution.D, patterns.D)
        assert result.objective == pytest.approx(reference.objective, rel=TOLERANCE[name][loss]), name


@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_exact_program_entries_agree_and_are_certified(loss: str) -> None:
    X, y = _problem(n=10)
    reference = solve_convex(X, y, loss=loss, beta=BETA, patterns="exact", solver="cvxpy")
    assert reference.certified
    for name, entry in REGISTRY.items():
        if "exact" not in entry.programs:
            continue
        request = _request(X, y, loss, "exact")
        _check_solution(entry.solve(request), request)
        result = solve_convex(X, y, loss=loss, beta=BETA, patterns="exact", solver=name)
        assert result.pattern_mode == "exact" and result.patterns == reference.patterns
        assert result.objective == pytest.approx(reference.objective, rel=TOLERANCE[name][loss]), name
        assert result.objective >= result.certificate.lower_bound - 1e-9
        if name != "admm":  # ADMM stops at its own tolerance, looser than the certificate's
            assert result.certified, name


def test_column_generation_never_lists_the_exact_patterns() -> None:
    X, y = _problem()
    request = _request(X, y, "squared", "exact")
    solution = REGISTRY["colgen"].solve(request)
    assert "pattern_set" not in request.__dict__  # the lazy pattern set was never built
    assert solution.certificate_decides and solution.network is not None
    assert solution.program_size == build_patterns(X, "exact").count
    assert solution.D.shape[1] < solution.program_size  # a working set, not the whole program


def test_request_builds_its_patterns_once() -> None:
    X, y = _problem()
    request = _request(X, y, "squared", DRAWS)
    assert request.pattern_set is request.pattern_set
    assert np.array_equal(request.pattern_set.D, build_patterns(X, DRAWS, 0).D)
    assert request.program == "sampled" and not request.exact
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.beta = 1.0  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# the shared post-processing


def test_finish_trusts_a_certificate_over_an_inaccurate_status() -> None:
    X, y = _problem()
    request = _request(X, y, "squared", DRAWS)
    solution = REGISTRY["reduced"].solve(request)
    exact = _request(X, y, "squared", "exact")
    certified = finish(exact, "reduced", REGISTRY["reduced"].solve(exact), 0.0)
    assert certified.certified and certified.status == "optimal"
    inaccurate = dataclasses.replace(REGISTRY["reduced"].solve(exact), status="optimal_inaccurate")
    assert finish(exact, "reduced", inaccurate, 0.0).status == "optimal"
    # a status the certificate does not decide stays, with a message naming it
    stopped = finish(request, "reduced", dataclasses.replace(solution, status="max_iter", polish=None), 0.0)
    assert (
        stopped.status == "max_iter"
        and stopped.message == "the reduced solver stopped with status 'max_iter'"
    )
    assert stopped.history == {"iteration": [1], "objective": [stopped.objective], "time_s": [stopped.time_s]}


def test_finish_reports_an_uncertified_answer_the_certificate_decides() -> None:
    X, y = _problem()
    request = _request(X, y, "squared", "exact")
    zero = np.zeros((3, 1))
    solution = Solution(
        U=zero,
        V=zero,
        D=np.ones((len(y), 1), dtype=bool),
        status="stalled",
        program_size=5,
        message="a note",
        certificate_decides=True,
    )
    result = finish(request, "colgen", solution, 0.0)
    assert not result.certified and result.status == "stalled" and result.patterns == 5
    assert result.message.startswith("a note; stopped uncertified (stalled), relative gap ")
    assert result.network.width == 0 and result.objective == pytest.approx(0.5)  # (0 - y)^2 / 2, y = +-1


def test_an_almost_solved_sampled_answer_is_proven_or_left_inaccurate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """auto's reduced route checks an answer Clarabel calls almost solved against the sampled program's
    own dual bound: the optimum is reported optimal (outcome "solved", as the working set says), a
    worse answer stays "optimal_inaccurate"; the exact program and other statuses are left alone. A
    proven answer needs no re-solve on its support (no polish); an optimal one the bound does not prove
    is re-solved on its support at once and returned when that is proven, else it keeps its re-solve."""
    X, y = _problem()
    for loss in ("squared", "hinge", "logistic"):
        request = _request(X, y, loss, DRAWS)
        solution = REGISTRY["reduced"].solve(request)
        assert solution.status == "optimal" and solution.polish is not None
        optimum = convex_objective(X, y, solution.D, solution.U, solution.V, request.loss, BETA)
        assert prove_sampled_optimum(request, solution).polish is None, loss
        almost = dataclasses.replace(solution, status="optimal_inaccurate")
        proven = prove_sampled_optimum(request, almost)
        assert proven.status == "optimal" and "dual bound proves" in proven.message, loss
        assert proven.polish is None, loss
        worse = dataclasses.replace(almost, U=0.8 * solution.U, V=0.8 * solution.V)  # still feasible
        assert prove_sampled_optimum(request, worse).status == "optimal_inaccurate", loss
        # an "optimal" answer that is not: re-solved on its support, proven, returned
        fixed = prove_sampled_optimum(request, dataclasses.replace(worse, status="optimal"))
        assert fixed.status == "optimal" and fixed.polish is None, loss
        value = convex_objective(X, y, fixed.D, fixed.U, fixed.V, request.loss, BETA)
        assert value == pytest.approx(optimum, rel=1e-6), loss

        def coarse(Du: np.ndarray, Dv: np.ndarray, solution: Solution = solution):
            U, V, lam, _ = solution.polish(Du, Dv)
            return 0.8 * U, 0.8 * V, lam, "optimal_inaccurate"

        # ... and when that re-solve is not proven either, it stays for the shared polish, which keeps
        # it only when its J is no higher: an almost-solved re-solve counts as optimal there
        kept = prove_sampled_optimum(request, dataclasses.replace(worse, status="optimal", polish=coarse))
        assert kept.status == "optimal" and kept.polish is not None, loss
        assert kept.polish(solution.D, solution.D)[3] == "optimal", loss
    assert (
        prove_sampled_optimum(request, dataclasses.replace(solution, status="max_iter")).status == "max_iter"
    )
    exact = _request(X, y, "squared", "exact")
    assert prove_sampled_optimum(exact, almost) is almost

    original = REGISTRY["reduced"].solve

    def almost_solved(request: ConvexRequest) -> Solution:
        return dataclasses.replace(original(request), status="optimal_inaccurate")

    table = dict(REGISTRY)
    table["reduced"] = dataclasses.replace(REGISTRY["reduced"], solve=almost_solved)
    monkeypatch.setattr(registry, "REGISTRY", make_registry(*table.values()))
    result = solve_convex(X, y, loss="logistic", beta=BETA, patterns=DRAWS, solver=AUTO)
    assert result.solver == "reduced" and result.status == "optimal" and result.outcome == "solved"
    # by name, the reduced solver's solution keeps what Clarabel said (no pricing of every block)
    named = _request(X, y, "logistic", DRAWS)
    assert select_solver("reduced", named).solve(named).status == "optimal_inaccurate"
