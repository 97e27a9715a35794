"""Column generation and the facet-reduced solver against the CVXPY reference on the same programs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from datasets import make_dataset
from engine.convex.colgen import column_generation
from engine.convex.program import solve_convex
from engine.convex.recovery import convex_objective
from engine.convex.solvers.reduced import cone_facets, solve_reduced
from engine.convex.solvers.reference import solve_cvxpy
from engine.convex.solvers.registry import AUTO_REDUCED_MAX_DRAWS
from engine.network import lift
from engine.patterns import exact_patterns, sample_patterns

TOLERANCE = {"squared": 1e-6, "hinge": 1e-4, "logistic": 1e-4}


def _problem(seed: int, n: int, loss: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    if loss == "squared":
        y = np.sin(2.0 * X[:, 0]) + 0.3 * X[:, 1]
    else:
        y = np.where(X[:, 0] * X[:, 1] + 0.2 * rng.standard_normal(n) >= 0.0, 1.0, -1.0)
        y[:2] = [1.0, -1.0]
    return X, y


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_colgen_equals_the_exact_program_and_is_certified(loss: str, seed: int) -> None:
    X, y = _problem(seed, 12, loss)
    beta = 1e-2
    ref = solve_convex(X, y, loss=loss, beta=beta, patterns="exact", solver="cvxpy")
    cg = solve_convex(X, y, loss=loss, beta=beta, patterns="exact", solver="colgen")
    assert cg.certified and cg.solver == "colgen"
    assert cg.objective == pytest.approx(ref.objective, rel=TOLERANCE[loss])
    cert = cg.certificate
    assert cert.lower_bound <= ref.objective * (1 + 1e-9) + 1e-12  # a true lower bound
    assert cert.lower_bound <= cg.objective + 1e-12
    # the reported objective is J of the recovered network, and the working set is a proper subset
    assert cg.objective == pytest.approx(cg.network.objective(X, y, loss, beta), rel=1e-12)
    assert cg.D.shape[1] <= exact_patterns(X, include_empty=False).count
    h = cg.history
    assert h["round"] == list(range(1, len(h["round"]) + 1))
    bounds = np.array(h["lower_bound"])
    known = np.isfinite(bounds)  # rounds before the first exact pricing have no bound yet
    assert known[-1] and np.all(np.diff(bounds[known]) >= 0.0)  # the best bound so far never drops
    assert np.all(bounds[known] <= np.array(h["objective"])[known] + 1e-12)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 14), beta=st.sampled_from([1e-3, 1e-2, 1e-1]))
def test_colgen_squared_matches_cvxpy_on_random_problems(seed: int, n: int, beta: float) -> None:
    X, y = _problem(seed, n, "squared")
    ref = solve_convex(X, y, loss="squared", beta=beta, patterns="exact", solver="cvxpy")
    cg = solve_convex(X, y, loss="squared", beta=beta, patterns="exact", solver="colgen")
    assert cg.certified
    assert cg.objective == pytest.approx(ref.objective, rel=1e-6)


def test_colgen_on_moons_beyond_the_reference_limit() -> None:
    d = make_dataset("moons", 60, 0.1, 0)
    res = solve_convex(d.X, d.y, loss="hinge", beta=1e-3, patterns="exact", solver="auto")
    assert res.solver == "colgen" and res.certified
    assert res.certificate.relative_gap <= 1e-6
    # never below the certified bound, and a sampled program (an upper bound) is never below it
    sampled = solve_convex(d.X, d.y, loss="hinge", beta=1e-3, patterns=100, solver="reduced")
    assert sampled.objective >= res.certificate.lower_bound - 1e-12


def test_warm_start_with_another_beta_needs_fewer_rounds() -> None:
    d = make_dataset("moons", 40, 0.1, 1)
    first = solve_convex(d.X, d.y, loss="squared", beta=1e-3, patterns="exact", solver="colgen")
    cold = solve_convex(d.X, d.y, loss="squared", beta=2e-3, patterns="exact", solver="colgen")
    warm = solve_convex(
        d.X, d.y, loss="squared", beta=2e-3, patterns="exact", solver="colgen", warm_start=first
    )
    assert warm.certified and cold.certified
    assert warm.objective == pytest.approx(cold.objective, rel=1e-6)
    assert len(warm.history["round"]) < len(cold.history["round"])


def test_custom_restricted_solver_is_used() -> None:
    X, y = _problem(3, 10, "squared")
    calls = []

    def reference(X, y, Du, Dv, dirs_u, dirs_v, loss, beta):
        calls.append(Du.shape[1] + Dv.shape[1])
        return solve_cvxpy(X, y, Du, loss, beta, options={"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-10}, D_v=Dv)

    cg = column_generation(X, y, loss="squared", beta=1e-2, restricted_solver=reference)
    assert cg.status == "certified" and len(calls) == cg.rounds


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_reduced_program_equals_the_full_program(loss: str) -> None:
    """Cutting each cone to its facets changes neither the feasible set nor the optimum."""
    d = make_dataset("moons", 50, 0.15, 2)
    ps = sample_patterns(d.X, 60, 0)
    beta = 1e-3
    U, V, _, status = solve_reduced(d.X, d.y, ps.D, loss=loss, beta=beta, directions=ps.directions)
    Ur, Vr, _, _ = solve_cvxpy(
        d.X, d.y, ps.D, loss, beta, options={"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-10}
    )
    ours = convex_objective(d.X, d.y, ps.D, U, V, loss, beta)
    ref = convex_objective(d.X, d.y, ps.D, Ur, Vr, loss, beta)
    assert status.startswith("optimal")
    assert ours == pytest.approx(ref, rel=TOLERANCE[loss])
    # the solution satisfies every one of the n constraints of every pattern, not only the facets
    S = 2.0 * ps.D - 1.0
    Z = lift(d.X)
    scale = np.linalg.norm(Z, axis=1)[:, None]
    top = max(np.linalg.norm(U, axis=0).max(), np.linalg.norm(V, axis=0).max())
    assert np.all(S * (Z @ U) >= -1e-7 * scale * top)
    assert np.all(S * (Z @ V) >= -1e-7 * scale * top)


@pytest.mark.parametrize("seed", range(6))
def test_facets_imply_every_constraint(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((25, 2)), 1 if seed % 2 else 6)  # some duplicates when rounded
    Z = lift(X)
    for g in rng.standard_normal((5, 3)):
        d = (Z @ g) >= 0.0
        facets = cone_facets(Z, d, g)
        A = np.where(d[:, None], Z, -Z)
        assert 1 <= facets.size <= len(Z)
        for k in np.setdiff1d(np.arange(len(Z)), facets):
            # min a_k . u over {A_F u >= 0, |u| <= 1}: never negative if row k is implied
            res = linprog(
                A[k], A_ub=-A[facets], b_ub=np.zeros(facets.size), bounds=[(-1, 1)] * 3, method="highs"
            )
            assert res.status == 0 and res.fun >= -1e-9


def test_route_checks() -> None:
    X, y = _problem(0, 50, "squared")
    with pytest.raises(ValueError, match="colgen"):
        solve_convex(X, y, patterns="exact", solver="cvxpy")
    res = solve_convex(X, y, patterns=30, solver="auto")  # few draws: the reduced solve of all blocks
    assert res.solver == "reduced" and res.pattern_mode == "sampled"
    res = solve_convex(X, y, patterns=AUTO_REDUCED_MAX_DRAWS + 1, solver="auto")  # more: the working set
    assert res.solver == "colgen" and res.pattern_mode == "sampled"
    X4 = np.random.default_rng(1).standard_normal((20, 4))
    with pytest.raises(ValueError, match="2-D"):
        solve_convex(X4, X4[:, 0], patterns=30, solver="colgen")
    assert solve_convex(X4, X4[:, 0], patterns=30, solver="auto").solver == "cvxpy"  # any d works


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_working_set_solves_the_whole_sampled_program(loss: str) -> None:
    """Column generation over a sampled set = the sampled program (CVXPY), with a small working set."""
    d = make_dataset("moons", 60, 0.15, 3)
    beta = 1e-3
    ref = solve_convex(d.X, d.y, loss=loss, beta=beta, patterns=150, pattern_seed=2, solver="cvxpy")
    cg = solve_convex(d.X, d.y, loss=loss, beta=beta, patterns=150, pattern_seed=2, solver="colgen")
    assert cg.pattern_mode == "sampled" and cg.patterns == ref.patterns
    assert cg.objective == pytest.approx(ref.objective, rel=TOLERANCE[loss])
    assert cg.status == "optimal"
    assert max(cg.history["blocks"]) < 2 * cg.patterns  # never the whole program
    assert cg.history["violation"][-1] == 0.0


def test_cone_projection_norm_matches_a_qp() -> None:
    import cvxpy as cp

    from engine.convex.solvers.working_set import cone_projection_norm

    rng = np.random.default_rng(5)
    for _ in range(20):
        g = rng.standard_normal(3)
        A = rng.standard_normal((6, 3))
        A = np.where((A @ g)[:, None] >= 0, A, -A)  # a cone with g inside
        c = rng.standard_normal(3)
        u = cp.Variable(3)
        cp.Problem(cp.Minimize(cp.sum_squares(u - c)), [A @ u >= 0]).solve()
        assert cone_projection_norm(A, c) == pytest.approx(float(np.linalg.norm(u.value)), abs=1e-6)


def test_cone_facets_are_scale_invariant() -> None:
    """The facets of every pattern's cone are the same rows when the data is scaled by 1e-9 or 1e9
    (with absolute margins the thin cones of tiny data fell back to all n rows)."""
    from datasets import make_dataset

    X = make_dataset("moons", 30, noise=0.1, seed=0).X
    facets = {}
    for scale in (1e-9, 1.0, 1e9):
        ps = exact_patterns(X * scale, include_empty=False)
        Z = lift(X * scale)
        facets[scale] = [tuple(cone_facets(Z, ps.D[:, i], ps.directions[i])) for i in range(0, ps.count, 9)]
    assert facets[1e-9] == facets[1.0] == facets[1e9]
    assert sum(map(len, facets[1.0])) < 0.5 * len(facets[1.0]) * len(X)  # really reduced


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 30),
    decimals=st.sampled_from([0, 1, 6]),
    hint=st.sampled_from(["inside", "on_wall", "across_wall", "none"]),
)
def test_facets_define_the_same_cone_as_every_row(seed: int, n: int, decimals: int, hint: str) -> None:
    """Whatever the interior hint (inside, on a wall, just across one, none), the facet rows cut out
    the cone of all n rows: no other row can be violated on the facets' cone (an LP per row), and
    every facet row is needed (dropping it lets an LP violate it)."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((n, 2)) * 2.0, decimals)  # duplicates and collinear points
    Z = lift(X)
    g = rng.standard_normal(3)
    d = (Z @ g) >= 0.0
    A = np.where(d[:, None], Z, -Z)
    An = A / np.linalg.norm(A, axis=1, keepdims=True)
    k = int(np.argmin(An @ g))
    direction = {
        "inside": g,
        "on_wall": g - (An[k] @ g) * An[k],
        "across_wall": g - (An[k] @ g + 1e-6) * An[k],
        "none": None,
    }[hint]
    facets = cone_facets(Z, d, direction)
    assert 1 <= facets.size <= n

    def min_over_cone(rows: np.ndarray, c: np.ndarray) -> float:
        res = linprog(c, A_ub=-A[rows], b_ub=np.zeros(rows.size), bounds=[(-1, 1)] * 3, method="highs")
        assert res.status == 0
        return float(res.fun)

    for j in np.setdiff1d(np.arange(n), facets):
        assert min_over_cone(facets, A[j]) >= -1e-9  # implied by the facets
    if facets.size < n:  # a real reduction: every facet kept is needed
        for f in facets:
            others = facets[facets != f]
            if others.size:
                assert min_over_cone(others, A[f]) < 0.0 or np.any(
                    np.all(np.isclose(An[others], An[f]), axis=1)
                )
