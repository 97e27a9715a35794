"""The great-circle sweep (engine/convex/pricing.py) against an independent brute force over all cells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.convex.pricing import sphere_price
from engine.network import lift
from engine.patterns import exact_patterns


def g_values(Z: np.ndarray, lam: np.ndarray, W: np.ndarray) -> np.ndarray:
    return np.maximum(W @ Z.T, 0.0) @ lam


def brute_force_price(X: np.ndarray, lam: np.ndarray) -> float:
    """max |g| over a superset of the possible maximisers, built from every exact cell.

    g = c_D . w on cell D, so the maximiser is a vertex +-z_j x z_k, a cell's +-c_D/|c_D|, or, on
    circle k, the projection +-P_k c_D of some adjacent cell's c_D onto the circle's plane.
    """
    Z = lift(X)
    D = exact_patterns(X).D.astype(float)  # n x P
    C = (D * lam[:, None]).T @ Z  # P x 3
    cands = [C, -C]
    j, k = np.triu_indices(len(Z), k=1)
    V = np.cross(Z[j], Z[k])
    cands += [V, -V]
    for z in np.unique(Z, axis=0):
        zhat = z / np.linalg.norm(z)
        proj = C - np.outer(C @ zhat, zhat)
        cands += [proj, -proj]
    W = np.vstack(cands)
    norms = np.linalg.norm(W, axis=1)
    W = W[norms > 1e-12] / norms[norms > 1e-12, None]
    return float(np.max(np.abs(g_values(Z, lam, W)), initial=0.0))


point_sets = st.integers(min_value=1, max_value=9).flatmap(
    lambda n: st.tuples(
        st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=n, max_size=n),
        st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=n, max_size=n),
        st.booleans(),
    )
)


@settings(max_examples=60, deadline=None)
@given(point_sets)
def test_sweep_equals_brute_force_on_grids(data):
    """Integer grids: duplicates, collinear triples, several circles through one vertex, zero lambdas."""
    pts, lam, halve = data
    X = np.array(pts, dtype=float) * (0.5 if halve else 1.0)
    lam = np.array(lam)
    sp = sphere_price(lift(X), lam)
    ref = brute_force_price(X, lam)
    assert sp.value == pytest.approx(ref, rel=1e-9, abs=1e-12)
    # the reported maximiser attains the value with the reported sign
    g_at_max = sp.sign * g_values(lift(X), lam, sp.direction[None])[0]
    assert g_at_max == pytest.approx(sp.value, rel=1e-9, abs=1e-12)
    assert np.linalg.norm(sp.direction) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(8))
def test_sweep_equals_brute_force_in_general_position(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 14))
    X = rng.standard_normal((n, 2)) * rng.uniform(0.1, 5.0)
    lam = rng.standard_normal(n)
    assert sphere_price(lift(X), lam).value == pytest.approx(brute_force_price(X, lam), rel=1e-10)


def test_sweep_never_below_dense_sampling():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 2))
    lam = rng.standard_normal(60) / 60
    W = rng.standard_normal((200_000, 3))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    sampled = float(np.max(np.abs(g_values(lift(X), lam, W))))
    value = sphere_price(lift(X), lam).value
    assert sampled <= value * (1 + 1e-12)
    assert sampled >= value * 0.99  # and dense sampling gets close to it


def test_candidates_above_threshold():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 2))
    lam = rng.standard_normal(30) / 30
    Z = lift(X)
    value = sphere_price(Z, lam).value
    thr = 0.7 * value
    sp = sphere_price(Z, lam, threshold=thr, k=25)
    assert 0 < len(sp.candidate_values) <= 25
    assert np.all(np.abs(sp.candidate_values) > thr)
    assert np.abs(sp.candidate_values[0]) == pytest.approx(value, rel=1e-12)
    assert np.all(np.diff(np.abs(sp.candidate_values)) <= 1e-15)
    np.testing.assert_allclose(g_values(Z, lam, sp.candidates), sp.candidate_values, rtol=1e-9, atol=1e-14)
    # nothing above the price itself
    assert len(sphere_price(Z, lam, threshold=value * (1 + 1e-9), k=10).candidate_values) == 0


def test_trivial_inputs():
    Z = lift(np.array([[1.0, 2.0], [1.0, 2.0]]))
    sp = sphere_price(Z, np.array([0.5, -0.2]))  # one distinct point with lambda 0.3
    assert sp.value == pytest.approx(0.3 * np.linalg.norm(Z[0]))
    assert sphere_price(Z, np.zeros(2)).value == 0.0
