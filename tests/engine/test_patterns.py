"""Exact and sampled activation patterns against counts and an LP brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from engine.network import lift
from engine.patterns import (
    count_exact_patterns,
    exact_patterns,
    expected_exact_count,
    pattern_keys,
    sample_patterns,
)


def brute_force_patterns(X: np.ndarray) -> set[bytes]:
    """Every d in {0,1}^n realisable as 1[Z w >= 0], found by one LP feasibility test per d.

    d is realisable iff some w has z_k . w >= 0 where d_k = 1 and z_k . w <= -1 where d_k = 0
    (strict negativity, scaled). Independent of the enumeration's geometry.
    """
    Z = lift(X)
    n = Z.shape[0]
    found = []
    for bits in itertools.product([False, True], repeat=n):
        d = np.array(bits)
        # rows: -z_k . w <= 0 for d_k = 1 ; z_k . w <= -1 for d_k = 0
        A = np.where(d[:, None], -Z, Z)
        b = np.where(d, 0.0, -1.0)
        res = linprog(np.zeros(3), A_ub=A, b_ub=b, bounds=[(None, None)] * 3, method="highs")
        if res.status == 0:
            found.append(d)
    return pattern_keys(np.array(found).T)


def assert_directions_generate(X: np.ndarray, ps) -> None:
    assert np.array_equal((lift(X) @ ps.directions.T) >= 0.0, ps.D)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 30), seed=st.integers(0, 10_000))
def test_general_position_count_is_n_n_minus_1_plus_2(n: int, seed: int) -> None:
    X = np.random.default_rng(seed).standard_normal((n, 2)) * 2.0
    ps = exact_patterns(X)
    assert ps.count == expected_exact_count(n)
    assert len(pattern_keys(ps.D)) == ps.count  # all distinct
    assert_directions_generate(X, ps)


DEGENERATE_CASES = {
    "three collinear + others": [[0, 0], [1, 1], [2, 2], [0, 1], [1, 0], [3, -1]],
    "duplicates": [[0, 0], [0, 0], [1, 2], [1, 2], [-1, 0.5], [2, -1]],
    "grid 2x3": [[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]],
    "all collinear": [[0, 0], [1, 1], [2, 2], [-3, -3], [0.5, 0.5]],
    "one point repeated": [[1, -1], [1, -1], [1, -1]],
    "collinear with duplicate": [[0, 0], [1, 0], [1, 0], [2, 0], [0, 1], [5, 3]],
    "two points": [[0, 1], [2, -1]],
}


@pytest.mark.parametrize("name", sorted(DEGENERATE_CASES))
def test_degenerate_inputs_match_lp_brute_force(name: str) -> None:
    X = np.array(DEGENERATE_CASES[name], dtype=float)
    ps = exact_patterns(X)
    assert pattern_keys(ps.D) == brute_force_patterns(X)
    assert_directions_generate(X, ps)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 7))
def test_integer_points_match_lp_brute_force(seed: int, n: int) -> None:
    """Small integer grids are full of duplicates and collinear triples."""
    X = np.random.default_rng(seed).integers(-2, 3, size=(n, 2)).astype(float)
    ps = exact_patterns(X)
    assert pattern_keys(ps.D) == brute_force_patterns(X)


def test_empty_pattern_can_be_dropped() -> None:
    X = np.random.default_rng(0).standard_normal((8, 2))
    full = exact_patterns(X)
    assert (~full.D).all(axis=0).sum() == 1
    assert exact_patterns(X, include_empty=False).count == full.count - 1


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 40), draws=st.integers(1, 400), seed=st.integers(0, 1000))
def test_sampled_patterns_are_a_subset_of_the_exact_ones(n: int, draws: int, seed: int) -> None:
    X = np.random.default_rng(seed + 1).standard_normal((n, 2))
    sampled = sample_patterns(X, draws, seed)
    assert pattern_keys(sampled.D) <= pattern_keys(exact_patterns(X).D)
    assert sampled.count <= draws
    assert not np.any((~sampled.D).all(axis=0))  # the empty pattern is dropped
    assert_directions_generate(X, sampled)


def test_sampling_is_seeded() -> None:
    X = np.random.default_rng(0).standard_normal((30, 2))
    a, b, c = sample_patterns(X, 100, 7), sample_patterns(X, 100, 7), sample_patterns(X, 100, 8)
    assert np.array_equal(a.D, b.D) and np.array_equal(a.directions, b.directions)
    assert not np.array_equal(a.directions, c.directions)


def test_sampling_works_in_higher_dimensions() -> None:
    X = np.random.default_rng(0).standard_normal((20, 5))
    ps = sample_patterns(X, 200, 0)
    assert ps.D.shape[0] == 20 and ps.directions.shape[1] == 6
    assert_directions_generate(X, ps)


def test_exact_patterns_reject_non_2d_data() -> None:
    with pytest.raises(ValueError, match="2-D"):
        exact_patterns(np.zeros((5, 3)))


@pytest.mark.parametrize("name", ["moons", "spirals"])
def test_pattern_count_is_scale_invariant(name: str) -> None:
    """Patterns do not change when the data is scaled (a -> a / s): the same count at 1e-9, 1 and 1e9
    (before the tolerances were relative to the data's scale, moons n = 30 gave 1278 / 513 at 1e-9),
    n(n-1)+2 as for any points in general position, and the directions generate the patterns exactly."""
    from datasets import make_dataset

    X = make_dataset(name, 30, noise=0.1, seed=0).X
    for scale in (1e-9, 1.0, 1e9, 1e-300, 1e300):
        Xs = X * scale
        ps = exact_patterns(Xs)
        assert ps.count == count_exact_patterns(Xs) == expected_exact_count(30) == 872, scale
        assert np.array_equal((lift(Xs) @ ps.directions.T) >= 0.0, ps.D)
        assert pattern_keys(ps.D) == pattern_keys(exact_patterns(X).D)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 6), exponent=st.integers(-200, 200))
def test_scaled_integer_points_match_lp_brute_force(seed: int, n: int, exponent: int) -> None:
    """Small integer grids (collinear and repeated points) scaled by 10^exponent: the enumeration
    still equals the LP brute force on the unscaled points (patterns are scale-invariant)."""
    X = np.random.default_rng(seed).integers(-2, 3, size=(n, 2)).astype(float)
    assert pattern_keys(exact_patterns(X * 10.0**exponent).D) == brute_force_patterns(X)
