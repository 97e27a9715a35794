"""The robust solvers' contract (engine/robust/solvers/{base,registry}.py): one registry, one solution
record, the fallback rule, the loss passed down as an object, and no import cycle inside engine.robust."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

import engine.robust.program as robust_program
import engine.robust.solvers.reduced as reduced_module
import engine.robust.solvers.reference as reference_module
import engine.robust.solvers.registry as registry
from engine.convex.program import build_patterns
from engine.losses import Loss, get_loss
from engine.robust.program import solve_robust
from engine.robust.solvers.base import RobustProblem, RobustSolution
from engine.robust.terms import robust_objective_linear
from tests.engine.helpers import noisy_xor
from tests.paths import ROOT

NAMES = ("reduced", "cvxpy", "admm")


def test_the_registry_lists_each_solver_once_and_the_names_derive_from_it() -> None:
    names = [entry.name for entry in registry.ROBUST_SOLVER_REGISTRY]
    assert names == list(NAMES)
    assert registry.ROBUST_SOLVERS == tuple(names)
    assert registry.ROBUST_SOLVER_HELP == {
        entry.name: entry.help for entry in registry.ROBUST_SOLVER_REGISTRY
    }
    # the entry point re-exports the same objects (the command line reads them there)
    assert robust_program.ROBUST_SOLVERS is registry.ROBUST_SOLVERS
    assert robust_program.ROBUST_SOLVER_HELP is registry.ROBUST_SOLVER_HELP
    for entry in registry.ROBUST_SOLVER_REGISTRY:
        assert entry.help and "\n" not in entry.help
        assert entry.limits and "\n" not in entry.limits
        assert callable(entry.solve)
        assert registry.get_robust_solver(entry.name) is entry
    # today only the reduced solver falls back, onto the next one: the reference
    assert [entry.name for entry in registry.ROBUST_SOLVER_REGISTRY if entry.falls_back] == ["reduced"]
    with pytest.raises(ValueError, match="unknown robust solver 'nope'; choose one of reduced, cvxpy, admm"):
        registry.get_robust_solver("nope")


def _problem(loss: str, seed: int = 2, n: int = 10, patterns: int = 8) -> RobustProblem:
    """A small problem whose optimum is not 0 for any loss and which ADMM solves in about 1,000 iterations."""
    X, y = noisy_xor(seed, n)
    pset = build_patterns(X, patterns, seed)
    return RobustProblem(
        X=X,
        y=y,
        D=pset.D,
        loss=get_loss(loss),
        beta=0.03,
        eps=0.1,
        norm="inf",
        directions=pset.directions,
    )


@pytest.mark.parametrize("loss", ["hinge", "squared", "logistic"])
def test_every_solver_returns_the_record_and_agrees_with_the_reference(loss: str) -> None:
    problem = _problem(loss)
    p, P = problem.X.shape[1] + 1, problem.D.shape[1]
    kw = dict(loss=problem.loss, beta=problem.beta, eps=problem.eps, norm=problem.norm)
    solutions = {entry.name: entry.solve(problem) for entry in registry.ROBUST_SOLVER_REGISTRY}
    f_ref = robust_objective_linear(
        problem.X, problem.y, problem.D, solutions["cvxpy"].U, solutions["cvxpy"].V, **kw
    )
    assert (
        np.abs(solutions["cvxpy"].U).max() + np.abs(solutions["cvxpy"].V).max() > 0.1
    )  # not the zero network
    for name, solution in solutions.items():
        assert isinstance(solution, RobustSolution), name
        assert solution.U.shape == (p, P) and solution.V.shape == (p, P), name
        assert solution.status in ("optimal", "optimal_inaccurate") and solution.converged, (name, solution)
        assert isinstance(solution.message, str) and solution.message, name
        assert isinstance(solution.iterations, int) and solution.iterations >= 0, name
        assert isinstance(solution.history, list), name
        f = robust_objective_linear(problem.X, problem.y, problem.D, solution.U, solution.V, **kw)
        # the tolerances of test_reduced (reduced vs reference) and test_admm (admm vs reference)
        assert abs(f - f_ref) <= 1e-4 * abs(f_ref), (name, f, f_ref)
    assert (
        solutions["admm"].history
        and solutions["admm"].history[-1]["iteration"] == solutions["admm"].iterations
    )
    assert solutions["reduced"].history == [] and solutions["cvxpy"].history == []


def test_solve_robust_carries_the_record_into_its_result() -> None:
    X, y = noisy_xor(2, 10)
    kw = dict(loss="squared", beta=0.03, eps=0.1, norm="2", patterns=8, pattern_seed=1)
    admm = solve_robust(X, y, solver="admm", **kw)
    assert admm.status == "optimal" and "converged" in admm.message
    assert admm.history and {"iteration", "objective", "violation"} <= set(admm.history[-1])
    reduced = solve_robust(X, y, solver="reduced", **kw)
    assert reduced.status == "optimal" and "Clarabel" in reduced.message and reduced.history == []


def test_a_failed_reduced_solve_falls_back_to_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = noisy_xor(4, 10)
    kw = dict(loss="hinge", beta=0.03, eps=0.1, norm="inf", patterns=8, pattern_seed=2)
    reference = solve_robust(X, y, solver="cvxpy", **kw)

    def stalled(*args, **kwargs):
        raise RuntimeError("Clarabel stalled (test)")

    monkeypatch.setattr(reduced_module, "solve_robust_reduced", stalled)
    res = solve_robust(X, y, solver="reduced", **kw)
    assert res.solver == "reduced"
    assert res.status == (
        f"{reference.status} (cvxpy solver took over; the reduced solver failed: Clarabel stalled (test))"
    )
    np.testing.assert_array_equal(res.U, reference.U)
    np.testing.assert_array_equal(res.V, reference.V)
    assert res.objective == reference.objective


def test_a_solver_that_does_not_fall_back_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = noisy_xor(4, 10)
    kw = dict(loss="hinge", beta=0.03, eps=0.1, norm="inf", patterns=8)

    def broken(*args, **kwargs):
        raise RuntimeError("reference broken (test)")

    monkeypatch.setattr(reference_module, "solve_robust_reference", broken)
    with pytest.raises(RuntimeError, match="reference broken"):
        solve_robust(X, y, solver="cvxpy", **kw)
    # reduced falls back onto the reference, which fails and does not fall back: its error propagates,
    # with the first failure as a note
    monkeypatch.setattr(reduced_module, "solve_robust_reduced", broken)
    with pytest.raises(RuntimeError, match="reference broken") as info:
        solve_robust(X, y, solver="reduced", **kw)
    assert any("the reduced solver failed" in note for note in info.value.__notes__)


def test_the_fallback_follows_the_registry_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule is the registry's: let the reference fall back as well, and ADMM takes over from both."""

    def broken(*args, **kwargs):
        raise RuntimeError("broken (test)")

    entries = tuple(
        dataclasses.replace(entry, falls_back=True) if entry.name == "cvxpy" else entry
        for entry in registry.ROBUST_SOLVER_REGISTRY
    )
    monkeypatch.setattr(registry, "ROBUST_SOLVER_REGISTRY", entries)
    monkeypatch.setattr(reduced_module, "solve_robust_reduced", broken)
    monkeypatch.setattr(reference_module, "solve_robust_reference", broken)
    solution = registry.solve_robust_problem("reduced", _problem("squared"))
    assert solution.status == (
        "optimal (admm solver took over; the reduced solver failed: broken (test); "
        "the cvxpy solver failed: broken (test))"
    )


def test_the_loss_reaches_the_solvers_as_an_object(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[RobustProblem] = []
    original = registry.solve_robust_problem

    def spy(name: str, problem: RobustProblem) -> RobustSolution:
        seen.append(problem)
        return original(name, problem)

    monkeypatch.setattr(robust_program, "solve_robust_problem", spy)
    X, y = noisy_xor(1, 10)
    res = solve_robust(X, y, loss="logistic", beta=0.03, eps=0.05, patterns=6)
    assert isinstance(seen[0].loss, Loss) and seen[0].loss.name == "logistic"
    assert res.status.startswith("optimal")
    # the entry point accepts the Loss itself as well, with the same result
    again = solve_robust(X, y, loss=get_loss("logistic"), beta=0.03, eps=0.05, patterns=6)
    np.testing.assert_array_equal(again.U, res.U)


def _robust_imports(path: Path) -> set[str]:
    """The engine.robust modules a file imports, at any depth of the file (function-level imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("engine.robust")}


def test_no_import_cycle_inside_engine_robust() -> None:
    package = ROOT / "engine" / "robust"
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): path
        for path in package.rglob("*.py")
        if path.name != "__init__.py"
    }
    graph = {name: _robust_imports(path) & set(modules) for name, path in modules.items()}
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        assert state.get(name) != "open", f"import cycle: {' -> '.join([*trail, name])}"
        state[name] = "open"
        for target in sorted(graph[name]):
            visit(target, [*trail, name])
        state[name] = "done"

    for name in sorted(graph):
        visit(name, [])
    # the intended layers: the entry point asks the registry, the registry knows the solvers, the
    # solvers know only the shared records and terms
    assert "engine.robust.solvers.registry" in graph["engine.robust.program"]
    assert graph["engine.robust.terms"] == set()
    assert graph["engine.robust.solvers.base"] == set()
    for solver in ("reduced", "reference", "admm"):
        assert graph[f"engine.robust.solvers.{solver}"] <= {
            "engine.robust.solvers.base",
            "engine.robust.terms",
        }
