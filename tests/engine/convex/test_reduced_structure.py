"""The sparse structure of the reduced program (engine/convex/solvers/reduced.py) against plain references:
the pattern-tree columns reproduce sum_j sign_j D_j Z w_j exactly, the facet hull finds Qhull's vertices,
the general-position screen of the pattern count agrees with the full count, and the Newton polish
reaches round-off on a program whose interior-point solution leaves binding facets loose."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.spatial import ConvexHull

import engine.patterns as patterns
from engine.convex.certificate import certify
from engine.convex.solvers import reduced
from engine.network import lift


def _working_set(rng: np.random.Generator, n: int, B: int, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """Lifted data and B patterns: cells of random directions and neighbours (one point flipped),
    duplicates included, as column generation's working sets have them."""
    Z = lift(np.round(rng.standard_normal((n, 2)) * 2.0, decimals))
    D = (Z @ rng.standard_normal((3, B))) >= 0.0
    flips = rng.integers(0, n, size=B // 2)
    D[flips, np.arange(B // 2)] ^= True  # a neighbour of its cell (not always a real cell: irrelevant here)
    D[:, -1] = D[:, 0]  # a duplicate pattern
    return Z, D


def _prim_reference(D: np.ndarray) -> np.ndarray:
    """Prim's tree from the empty pattern in plain numpy (float64 Hamming distances, first minimum)."""
    n, B = D.shape
    S = np.where(D, 1.0, -1.0)
    H = (n - S.T @ S) / 2.0
    near, parent, left = D.sum(axis=0).astype(float), np.full(B, -1), np.ones(B, dtype=bool)
    for _ in range(B):
        j = int(np.argmin(near))
        left[j], near[j] = False, np.inf
        closer = left & (H[j] < near)
        near[closer], parent[closer] = H[j, closer], j
    return parent


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), B=st.integers(1, 80))
def test_pattern_tree_is_prims_tree(seed: int, n: int, B: int) -> None:
    """The compiled tree over the distinct patterns (float32 distances) is the plain one, duplicates
    (u- and v-blocks of one pattern) included."""
    rng = np.random.default_rng(seed)
    Z, D = _working_set(rng, n + 2, B, 1)
    D = np.hstack([D, D[:, rng.integers(0, B, size=B // 2)]])
    assert np.array_equal(reduced._pattern_tree(D), _prim_reference(D))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 120),
    draws=st.integers(1, 80),
    decimals=st.sampled_from([None, 0, 1]),
    exponent=st.integers(-40, 40),
)
# found by hypothesis: three points on a line whose x ties to the last bit came out of order along it, and
# the monotone chain (the kernel's, or the reference's) dropped the line's true end; a duplicated point
@example(seed=0, n=4, draws=5, decimals=0, exponent=0)
@example(seed=1, n=24, draws=4, decimals=1, exponent=19)
@example(seed=1, n=8, draws=1, decimals=1, exponent=0)
def test_compiled_facets_are_the_references(
    seed: int, n: int, draws: int, decimals: int | None, exponent: int
) -> None:
    """facets_for's compiled hull (engine/convex/facet_kernel.py) gives every cone the rows of
    cone_facets: the same facet rows (as points; duplicated points may differ in index), on random,
    rounded (collinear, duplicated) and scaled data, with hints inside, on a wall, or missing."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    if decimals is not None:
        X = np.round(X, decimals)
    X = X * 10.0**exponent
    pset = patterns.build_patterns(X, draws, seed)
    Z = lift(X)
    hints = pset.directions.copy()
    if hints.shape[0] > 1:  # one hint moved onto a wall of its cone: the kernel leaves it to the reference
        z = Z[0] / np.linalg.norm(Z[0])
        hints[0] = hints[0] - (hints[0] @ z) * z
    ours = reduced.facets_for(Z, pset.D, hints, None)
    for i, rows in enumerate(ours):
        ref = reduced.cone_facets(Z, pset.D[:, i], hints[i])
        A = np.where(pset.D[:, i][:, None], Z, -Z)
        assert np.all(np.diff(rows) > 0)
        if {tuple(r) for r in A[rows]} != {tuple(r) for r in A[ref]}:
            # only where points tie to the last bit (an edge with three points one ulp off a line) may the
            # two monotone chains keep different ends; then ours must still cut out the whole cone
            _assert_rows_cut_out_the_cone(A, rows, Z)


def _assert_rows_cut_out_the_cone(A: np.ndarray, rows: np.ndarray, Z: np.ndarray) -> None:
    """Every row a_k of A holds on the cone of ``rows`` (min a_k . u over that cone in the unit box is
    >= 0 up to round-off, an LP on the data as the kernel scales it): the rows lose no facet."""
    e = patterns.unit_scale_exponent(Z[:, :-1])
    S = np.concatenate([np.ldexp(A[:, :-1], -e), A[:, -1:]], axis=1)
    S = S / np.linalg.norm(S, axis=1, keepdims=True)
    for k in range(S.shape[0]):
        res = linprog(S[k], A_ub=-S[rows], b_ub=np.zeros(rows.size), bounds=[(-1.0, 1.0)] * 3, method="highs")
        assert res.status == 0 and res.fun >= -1e-9, (k, res.fun)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 40),
    B=st.integers(1, 60),
    decimals=st.sampled_from([0, 1, 6]),
)
def test_pattern_tree_columns_give_the_same_prediction(seed: int, n: int, B: int, decimals: int) -> None:
    rng = np.random.default_rng(seed)
    Z, D = _working_set(rng, n, B, decimals)
    p = Z.shape[1]
    sign = np.where(rng.random(B) < 0.5, 1.0, -1.0)
    F, E = reduced._pattern_columns(Z, D, sign)
    parent = reduced._pattern_tree(D)
    # a tree: following parents from any block reaches the root (-1) in fewer than B steps
    for j in range(B):
        k, steps = j, 0
        while k >= 0:
            k, steps = parent[k], steps + 1
            assert steps <= B
    # the aggregates G_j = sign_j w_j + sum over children, children before parents (deepest first)
    W = rng.standard_normal((p, B))
    depth = np.zeros(B, dtype=int)
    for j in range(B):
        k = parent[j]
        while k >= 0:
            depth[j] += 1
            k = parent[k]
    G = sign * W
    for j in np.argsort(-depth, kind="stable"):
        if parent[j] >= 0:
            G[:, parent[j]] += G[:, j]
    x = np.r_[W.T.ravel(), G.T.ravel()]
    yhat = np.einsum("nb,nb->n", D * sign, Z @ W)
    assert np.allclose(F @ x, yhat, atol=1e-10 * (1.0 + np.abs(yhat).max()))
    assert np.allclose(E @ x, 0.0, atol=1e-10 * (1.0 + np.abs(G).max()))
    # F holds only the differences to the parents: never more than the direct columns
    base = np.zeros_like(D)
    base[:, parent >= 0] = D[:, parent[parent >= 0]]
    assert F.nnz <= p * int(np.sum(D != base)) <= p * int(D.sum())


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    m=st.integers(3, 250),
    decimals=st.sampled_from([None, 0, 1]),
    exponent=st.integers(-6, 6),
    line=st.booleans(),
)
@example(seed=3554, m=50, decimals=1, exponent=-6, line=True)  # a cluster 1e-6 wide beside an edge of 6
@example(seed=0, m=20, decimals=0, exponent=0, line=False)  # duplicates
def test_hull_vertices_are_qhulls(seed: int, m: int, decimals: int | None, exponent: int, line: bool) -> None:
    """The same vertex set as Qhull, on random, rounded (collinear, duplicated) and scaled points, with
    points along one hull edge when ``line``."""
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((m, 2))
    if decimals is not None:
        P = np.round(P, decimals)
    P = P * 10.0**exponent
    if line:
        P = np.vstack([P, np.c_[np.linspace(-3.0, 3.0, 9), np.full(9, 5.0)]])
    try:
        qhull = ConvexHull(P).vertices
    except Exception:  # a degenerate set (all on a line): Qhull gives no answer to compare with
        return
    ours = reduced._hull_vertices(P)
    assert ours is not None
    if {tuple(r) for r in P[ours]} != {tuple(r) for r in P[qhull]}:
        # by design a turn whose sine is at most 1e-12 is no vertex (a tiny cluster beside a long edge
        # can make one): then every point still lies in our hull up to that, and ours are Qhull's
        assert set(map(tuple, P[ours])) <= set(map(tuple, P[qhull]))
        assert _outside_distance(P[ours], P) <= 1e-11 * np.abs(P).max()


def _outside_distance(V: np.ndarray, P: np.ndarray) -> float:
    """The largest distance by which a point of P lies outside the convex polygon of the vertices V."""
    c = V.mean(axis=0)
    V = V[np.argsort(np.arctan2(V[:, 1] - c[1], V[:, 0] - c[0]))]  # counter-clockwise
    edge = np.roll(V, -1, axis=0) - V
    normal = np.c_[edge[:, 1], -edge[:, 0]] / np.hypot(edge[:, 0], edge[:, 1])[:, None]  # outward
    signed = np.einsum("pvk,vk->pv", P[:, None, :] - V[None, :, :], normal)  # > 0: beyond that edge
    return max(float(signed.max(axis=1).max()), 0.0)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 40),
    decimals=st.sampled_from([None, 0, 1, 3]),
    exponent=st.integers(-12, 12),
    shape=st.sampled_from(["random", "line", "near_line", "duplicates"]),
)
def test_general_position_screen_keeps_the_exact_count(
    seed: int, n: int, decimals: int | None, exponent: int, shape: str
) -> None:
    """count_exact_patterns with its O(m^2 log m) screen equals the full O(m^3) count."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    if shape == "line":
        X[: n // 2] = np.c_[np.linspace(0.0, 1.0, n // 2), 3.0 * np.linspace(0.0, 1.0, n // 2) + 1.0]
    elif shape == "near_line":
        t = np.linspace(0.0, 1.0, n)
        X = np.c_[t, 3.0 * t + 1e-13 * rng.standard_normal(n)]
    elif shape == "duplicates":
        X = np.vstack([X, X[: n // 2]])
    if decimals is not None:
        X = np.round(X, decimals)
    X = X * 10.0**exponent
    screened = patterns.count_exact_patterns(X)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(patterns, "_in_general_position", lambda P: False)
        full = patterns.count_exact_patterns(X)
    assert screened == full


def test_newton_polish_reaches_round_off_when_a_loose_facet_binds() -> None:
    """moons n = 30, squared loss, every exact pattern: the interior-point solution leaves a facet that
    binds at the optimum loose, so the first Newton point crosses it; held tight on the retry, the
    polished network's own gradient certifies it (the gap of grad L(f) alone, no solver multiplier)."""
    from datasets import make_dataset
    from engine.convex.program import solve_convex

    d = make_dataset("moons", 30, noise=0.1, seed=0)
    result = solve_convex(d.X, d.y, loss="squared", beta=1e-3, patterns="exact", solver="reduced")
    own = certify(d.X, d.y, result.network, loss="squared", beta=1e-3)
    assert own.certified and own.relative_gap < 1e-6
