"""The great-circle sweep (engine/convex/pricing.py): against a brute force over all cells, against the
previous numpy sweep (benchmarks/pricing.py), the screen's bounds and the candidates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.pricing import numpy_sphere_price
from engine.convex.pricing import sphere_price
from engine.convex.pricing_kernel import sweep_circles
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


# --------------------------------------------------------------------------------------------------
# the compiled sweep against the previous numpy sweep (kept in benchmarks/pricing.py as the competitor)


def _scale(Z: np.ndarray, lam: np.ndarray) -> float:
    """sum |lambda_k| |z_k|: a bound of |g| and the size of the rounding errors of a sweep."""
    return float(np.abs(lam) @ np.linalg.norm(Z, axis=1))


def _assert_same_price(X: np.ndarray, lam: np.ndarray) -> None:
    Z = lift(X)
    new, old = sphere_price(Z, lam), numpy_sphere_price(Z, lam)
    assert new.exact and new.skipped == 0
    assert new.value == pytest.approx(old.value, rel=1e-12, abs=1e-14 * _scale(Z, lam))
    # the reported maximiser attains the value with the reported sign
    g_at_max = new.sign * g_values(Z, lam, new.direction[None])[0]
    assert g_at_max == pytest.approx(new.value, rel=1e-12, abs=1e-14 * _scale(Z, lam))
    assert np.linalg.norm(new.direction) == pytest.approx(1.0)


# zero, or of size 1e-6 to 2 (the numpy sweep loses tiny values: see test_tiny_lambdas)
lambdas = st.one_of(
    st.just(0.0), st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(1e-6, 2.0)).map(lambda t: t[0] * t[1])
)
grid_problems = st.integers(min_value=2, max_value=14).flatmap(
    lambda n: st.tuples(
        st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=n, max_size=n),
        st.lists(lambdas, min_size=n, max_size=n),
    )
)


@settings(max_examples=150, deadline=None)
@given(grid_problems)
def test_compiled_sweep_equals_numpy_sweep_on_grids(data):
    """Integer grids: duplicates, collinear points, 3+ circles through one vertex, zero lambdas."""
    pts, lam = data
    _assert_same_price(np.array(pts, dtype=float), np.array(lam))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 10).flatmap(
        lambda n: st.tuples(
            st.tuples(st.floats(-2, 2), st.floats(-2, 2), st.floats(-1, 1), st.floats(-1, 1)),
            st.lists(st.integers(-6, 6), min_size=n, max_size=n),
            st.lists(lambdas, min_size=n, max_size=n),
            st.lists(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), min_size=0, max_size=6),
        )
    )
)
def test_compiled_sweep_equals_numpy_sweep_on_lines(data):
    """Points on one line (many collinear ones, some repeated) plus a few others."""
    (ax, ay, dx, dy), steps, lam, others = data
    line = np.array([[ax + t * dx, ay + t * dy] for t in steps])
    X = np.vstack([line, np.array(others, dtype=float).reshape(-1, 2)])
    lam = np.concatenate([np.array(lam), np.linspace(-1.0, 1.0, len(others))])
    _assert_same_price(X, lam)


@pytest.mark.parametrize("seed", range(6))
def test_compiled_sweep_equals_numpy_sweep_on_larger_sets(seed):
    rng = np.random.default_rng(seed)
    n = 150
    X = rng.standard_normal((n, 2)) * rng.uniform(0.2, 3.0)
    X[: n // 10] = X[n // 10 : 2 * (n // 10)]  # duplicates
    lam = rng.standard_normal(n) * (rng.random(n) < 0.8)  # zero entries
    _assert_same_price(X, lam)


def test_compiled_sweep_equals_numpy_sweep_with_many_collinear_points():
    """A line of 120 points puts that many events at one angle of each of their circles (the sort's
    crowded case), plus a few points off the line."""
    rng = np.random.default_rng(7)
    t = rng.uniform(-2.0, 2.0, 120)
    X = np.vstack([np.c_[t, 0.5 * t + 0.3], rng.standard_normal((20, 2))])
    _assert_same_price(X, rng.standard_normal(140))


# --------------------------------------------------------------------------------------------------
# the screen and the candidates


def _circle_maxima(X: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brute force, per distinct point with lambda != 0: (the point, the largest |g| on its circle).

    On circle i, g = c_D . w on the arc of every cell D it borders: the extremes are at vertices
    (+-z_i x z_k) or at the projections +-P_i c_D onto the circle's plane.
    """
    Z = lift(X)
    Zu, inverse = np.unique(Z, axis=0, return_inverse=True)
    lam_u = np.bincount(inverse.reshape(-1), weights=lam, minlength=Zu.shape[0])
    D = exact_patterns(X).D.astype(float)
    C = (D * lam[:, None]).T @ Z
    points, maxima = [], []
    for z, l_z in zip(Zu, lam_u, strict=True):
        if l_z == 0.0:
            continue
        zhat = z / np.linalg.norm(z)
        V = np.vstack([np.cross(z, Zu), C - np.outer(C @ zhat, zhat)])
        V = V[np.linalg.norm(V, axis=1) > 1e-12]
        V = V / np.linalg.norm(V, axis=1, keepdims=True)
        points.append(z)
        maxima.append(float(np.max(np.abs(g_values(Z, lam, np.vstack([V, -V]))), initial=0.0)))
    return np.array(points), np.array(maxima)


def _sweep(Z: np.ndarray, lam: np.ndarray, floor: float, screen: bool):
    """The kernel on the distinct points of Z with lambda != 0 (as sphere_price calls it)."""
    Zu, inverse = np.unique(Z, axis=0, return_inverse=True)
    lam_u = np.bincount(inverse.reshape(-1), weights=lam, minlength=Zu.shape[0])
    keep = lam_u != 0.0
    Zm, lm = np.ascontiguousarray(Zu[keep]), lam_u[keep]
    hashes = np.arange(1, Zm.shape[0] + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    best, _, bound, _, _ = sweep_circles(Zm, lm, hashes, False, floor, Zm.shape[0], screen)
    return Zm, lm, best, bound


@settings(max_examples=60, deadline=None)
@given(grid_problems, st.floats(0.0, 1.0))
def test_the_screen_bounds_every_circle_and_every_cell_maximum(data, level):
    """W_i >= max |g| on circle i, and W_k >= |c_C| for a cell maximum whose nearest circle is k."""
    pts, lam = data
    X, lam = np.array(pts, dtype=float), np.array(lam)
    Z = lift(X)
    Zm, lm, best, bound = _sweep(Z, lam, 0.0, screen=False)
    if Zm.shape[0] < 2:
        return
    assert not np.any(np.isnan(best))
    assert np.all(bound >= np.abs(best) * (1 - 1e-12) - 1e-14 * _scale(Z, lam))
    D = exact_patterns(X).D
    C = (D * lam[:, None]).T.astype(float) @ Z
    for c in C:
        norm = np.linalg.norm(c)
        if norm < 1e-12:
            continue
        for w in (c / norm, -c / norm):
            margins = Zm @ w / np.linalg.norm(Zm, axis=1)
            on = D[:, np.flatnonzero((C == c).all(axis=1))[0]]
            if np.min(np.abs(margins)) > 1e-9 and np.array_equal(Z @ w > 0, on):  # w inside the cell
                assert bound[int(np.argmin(np.abs(margins)))] >= norm * (1 - 1e-12)
    # the screen at a level between the bounds: it never skips a circle holding a value above it
    thr = float(np.quantile(bound, level))
    _, _, screened, _ = _sweep(Z, lam, thr, screen=True)
    skipped = np.isnan(screened)
    assert np.all(np.abs(best[skipped]) <= thr)
    np.testing.assert_array_equal(screened[~skipped], best[~skipped])


def test_the_screen_skips_circles_and_the_value_stays_a_bound():
    """One heavy point at (2, 0), light ones around (-2, 0).

    On a light point's circle W_i is about ``sqrt(|P_i z_0|^2 + (zhat_i . z_0)^2) = |z_0|``, the
    price, plus the light points' share: a threshold 1 % above the price rules those circles out.
    (The bounds ignore cancellation, so below the price they rarely skip anything.)
    """
    rng = np.random.default_rng(3)
    X = np.vstack([[2.0, 0.0], [-2.0, 0.0] + 0.3 * rng.standard_normal((30, 2))])
    lam = np.r_[1.0, 1e-4 * rng.standard_normal(30)]
    Z = lift(X)
    price = sphere_price(Z, lam)
    assert price.exact and price.value == pytest.approx(numpy_sphere_price(Z, lam).value, rel=1e-12)
    above = sphere_price(Z, lam, threshold=1.01 * price.value, k=10)  # nothing above the threshold
    assert above.skipped > 0 and len(above.candidate_values) == 0
    assert price.value * (1 - 1e-12) <= above.value <= 1.01 * price.value
    below = sphere_price(Z, lam, threshold=0.9 * price.value, k=None)
    assert below.exact and below.value == pytest.approx(price.value, rel=1e-12)
    assert below.candidate_values[0] == pytest.approx(price.sign * price.value, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(grid_problems, st.floats(0.05, 0.95))
def test_candidates_hold_the_best_of_every_circle_above_the_threshold(data, fraction):
    pts, lam = data
    X, lam = np.array(pts, dtype=float), np.array(lam)
    Z = lift(X)
    value = sphere_price(Z, lam).value
    if value < 1e-9:
        return
    thr = fraction * value
    sp = sphere_price(Z, lam, threshold=thr, k=None)
    assert sp.value == pytest.approx(value, rel=1e-12)
    assert abs(sp.candidate_values[0]) == pytest.approx(value, rel=1e-12)  # the overall best first
    assert np.all(np.abs(sp.candidate_values) > thr)
    assert np.all(np.diff(np.abs(sp.candidate_values)) <= 1e-15)
    np.testing.assert_allclose(g_values(Z, lam, sp.candidates), sp.candidate_values, rtol=1e-9, atol=1e-12)
    points, maxima = _circle_maxima(X, lam)
    for z, top in zip(points, maxima, strict=True):
        if top <= thr * (1 + 1e-9):
            continue
        on_circle = np.abs(sp.candidates @ z) <= 1e-9 * np.linalg.norm(z)
        assert np.any(np.isclose(np.abs(sp.candidate_values[on_circle]), top, rtol=1e-9))


def test_tiny_lambdas():
    """Sizes near underflow (the sweep works on unit points and weights scaled to size 1)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    lam = np.array([1.1e-302, 1.1e-302, 0.0])
    sp = sphere_price(lift(X), lam)
    assert sp.value == pytest.approx(brute_force_price(X, lam), rel=1e-12)
    assert sp.value == pytest.approx(np.sqrt(5.0) * 1.1e-302, rel=1e-12)  # at w = (0, 1, 2) / sqrt(5)


def test_lambda_must_match_the_points():
    with pytest.raises(ValueError):
        sphere_price(lift(np.zeros((3, 2))), np.zeros(2))


@pytest.mark.parametrize("gap", [2e-199, 1e-300, 5e-324])
def test_points_so_close_their_circle_coordinates_underflow(gap):
    """Points 1e-199 apart: |(a, b)|^2 of one in the other's frame underflows to 0. The compiled sweep
    treats them as parallel (it divided by zero before) and agrees with the numpy sweep."""
    X = np.array([[0.0, 0.0], [gap, 0.0], [2 * gap, 0.0], [1.0, 0.5]])
    for lam in ([1.0, -1.0, 0.5, 0.0], [1.0, 1.0, -2.0, 0.3]):
        _assert_same_price(X, np.array(lam))
