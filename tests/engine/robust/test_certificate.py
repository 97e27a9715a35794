"""Tests of the exact 2-D robustness certificate (engine/robust/certificate.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.network import TwoLayerReLU
from engine.robust.certificate import (
    certified_accuracy,
    certified_robust,
    margin_tolerance,
    min_margin,
    robust_radius,
)

NORMS = ["inf", "2"]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _random_net(seed: int, m: int) -> TwoLayerReLU:
    rng = np.random.default_rng(seed)
    return TwoLayerReLU(rng.normal(size=(m, 3)), rng.normal(size=m))


def _ball_grid(norm: str, eps: float) -> tuple[np.ndarray, float]:
    """Offsets covering the ball and the largest l2 distance from a ball point to the nearest offset."""
    if norm == "inf":
        g = np.linspace(-1.0, 1.0, 161)
        U = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
        gap = np.sqrt(2.0) * (g[1] - g[0]) / 2.0
    else:
        r, t = np.meshgrid(np.linspace(0.0, 1.0, 81), np.linspace(0.0, 2.0 * np.pi, 721))
        U = np.stack([r * np.cos(t), r * np.sin(t)], axis=-1).reshape(-1, 2)
        gap = 1.0 / 80.0 + 2.0 * np.pi / 720.0
    return eps * U, eps * gap


def _grid_min(net: TwoLayerReLU, X: np.ndarray, y: np.ndarray, norm: str, eps: float) -> tuple:
    U, gap = _ball_grid(norm, eps)
    vals = np.array([np.min(y[k] * net.predict(X[k] + U)) for k in range(X.shape[0])])
    lipschitz = float(np.sum(np.abs(net.alpha) * np.linalg.norm(net.W[:, :2], axis=1)))
    return vals, lipschitz * gap


def _check_against_grid(net: TwoLayerReLU, X: np.ndarray, y: np.ndarray, norm: str, eps: float) -> None:
    vals, arg = min_margin(net, X, y, eps, norm)
    grid, slack = _grid_min(net, X, y, norm, eps)
    tiny = 1e-9 * (1.0 + np.abs(grid))
    assert np.all(vals <= grid + tiny), "exact minimum above a sampled value"
    assert np.all(grid - vals <= slack + tiny), "exact minimum further below the grid than grid precision"
    ord_ = np.inf if norm == "inf" else 2
    dist = np.linalg.norm(arg - X, ord=ord_, axis=1)
    assert np.all(dist <= eps * (1 + 1e-12) + 1e-12)
    np.testing.assert_allclose(y * net.predict(arg), vals, rtol=0, atol=1e-12)


@SETTINGS
@given(
    seed=st.integers(0, 2**31 - 1),
    m=st.integers(0, 6),
    eps=st.floats(0.05, 1.5),
    norm=st.sampled_from(NORMS),
)
def test_min_margin_matches_grid(seed: int, m: int, eps: float, norm: str) -> None:
    rng = np.random.default_rng(seed + 1)
    net = _random_net(seed, m)
    X = rng.normal(size=(3, 2))
    y = rng.choice([-1.0, 1.0], size=3)
    _check_against_grid(net, X, y, norm, eps)


@pytest.mark.parametrize("norm", NORMS)
def test_degenerate_arrangements(norm: str) -> None:
    x = np.array([[0.3, -0.2]])
    eps = 0.5
    W = np.array(
        [
            [1.0, 1.0, -(0.8 + 0.3)],  # through the corner (0.8, 0.3) of the box
            [1.0, 1.0, -(0.8 + 0.3)],  # duplicate neuron
            [2.0, 2.0, 0.1],  # parallel line
            [0.0, 1.0, 0.2],  # horizontal line
            [1.0, 0.0, -0.3],  # vertical line through the centre
            [0.0, 0.0, 0.7],  # constant neuron (no line)
        ]
    )
    for alpha in ([1.0, -2.0, 0.5, -1.0, 1.5, -0.3], [-1.0, 1.0, 1.0, 2.0, -1.0, 0.2]):
        net = TwoLayerReLU(W, np.array(alpha))
        for yk in (-1.0, 1.0):
            _check_against_grid(net, x, np.array([yk]), norm, eps)


@pytest.mark.parametrize("norm", NORMS)
def test_eps_zero_gives_margin(norm: str) -> None:
    net = _random_net(3, 5)
    X = np.random.default_rng(4).normal(size=(20, 2))
    y = np.where(np.arange(20) % 2 == 0, 1.0, -1.0)
    vals, arg = min_margin(net, X, y, 0.0, norm)
    np.testing.assert_allclose(vals, y * net.predict(X), rtol=0, atol=1e-14)
    np.testing.assert_array_equal(arg, X)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("seed", [11, 101, 139])
def test_robust_radius_consistent(norm: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 1)
    net = _random_net(seed, 5)
    X = rng.normal(size=(12, 2))
    y = np.where(net.predict(X) >= 0, 1.0, -1.0)
    y[:3] *= -1.0  # some misclassified points
    r = robust_radius(net, X, y, norm)
    assert np.all(r[:3] == 0.0)
    good = (y * net.predict(X) > 0) & (r < 10.0)
    assert np.sum(good) >= 5
    inner = min_margin(net, X[good], y[good], r[good] * (1 - 1e-6), norm)[0]
    outer = min_margin(net, X[good], y[good], r[good] * (1 + 1e-6), norm)[0]
    assert np.all(inner > 0.0)
    assert np.all(outer <= margin_tolerance(net, X[good], r[good] * (1 + 1e-6)))
    assert np.all(certified_robust(net, X[good], y[good], r[good] * (1 - 1e-6), norm))


@pytest.mark.parametrize("norm", NORMS)
def test_single_neuron_analytic(norm: str) -> None:
    a, b = np.array([1.5, -0.5]), 0.2
    net = TwoLayerReLU(np.array([[a[0], a[1], b]]), np.array([2.0]))
    X = np.array([[0.4, 0.1], [1.0, -1.0], [-1.0, 0.0]])
    y = np.array([1.0, 1.0, 1.0])
    dual = np.sum(np.abs(a)) if norm == "inf" else np.linalg.norm(a)
    pre = X @ a + b
    r = robust_radius(net, X, y, norm)
    expected = np.where(pre > 0, pre / dual, 0.0)
    np.testing.assert_allclose(r, expected, rtol=1e-8, atol=1e-12)
    eps = 0.1
    vals, _ = min_margin(net, X, y, eps, norm)
    np.testing.assert_allclose(vals, 2.0 * np.maximum(pre - eps * dual, 0.0), atol=1e-12)


def test_certified_accuracy_and_validation() -> None:
    net = _random_net(5, 4)
    X = np.random.default_rng(6).normal(size=(10, 2))
    y = np.where(net.predict(X) >= 0, 1.0, -1.0)
    assert certified_accuracy(net, X, y, 0.0, "inf") == pytest.approx(np.mean(y * net.predict(X) > 0))
    assert certified_accuracy(net, X, y, 0.3, "2") <= certified_accuracy(net, X, y, 0.1, "2")
    assert np.isnan(certified_accuracy(net, np.zeros((0, 2)), np.zeros(0), 0.1))
    with pytest.raises(ValueError):
        min_margin(net, X, y, 0.1, "1")
    with pytest.raises(ValueError):
        min_margin(net, X, y, -0.1)
    with pytest.raises(ValueError):
        min_margin(TwoLayerReLU(np.ones((2, 4)), np.ones(2)), np.zeros((1, 3)), np.ones(1), 0.1)


@pytest.mark.parametrize("theta", [0.0, 0.3, 1.1])
def test_dead_cell_touch(theta: float) -> None:
    """``f = relu(u . (x - c)) + relu(v . (x - c))`` >= 0 is 0 on a rotated quadrant: margin touches 0."""
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    centre = np.array([0.37, -0.21])
    A = rot.T  # rows u, v: rotated axes
    W = np.hstack([A, -(A @ centre)[:, None]])
    net = TwoLayerReLU(W, np.array([1.0, 1.0]))
    local = np.array([[0.3, 0.7], [1.2, 0.4], [-0.5, 0.9]])  # coordinates in the rotated frame
    X = centre + local @ rot.T
    y = np.ones(3)
    # l2 distance from x to the dead quadrant {u, v <= 0}
    expected_l2 = np.linalg.norm(np.maximum(local, 0.0), axis=1)
    r2 = robust_radius(net, X, y, "2")
    np.testing.assert_allclose(r2, expected_l2, rtol=1e-8)
    for norm in NORMS:
        r = robust_radius(net, X, y, norm)
        assert np.all(min_margin(net, X, y, r * (1 - 1e-6), norm)[0] > 0.0)
        outer = min_margin(net, X, y, r * (1 + 1e-6), norm)[0]
        assert np.all(np.abs(outer) <= margin_tolerance(net, X, r * (1 + 1e-6)))


def _box_vertices_min(net: TwoLayerReLU, x: np.ndarray, y: float, eps: float) -> float:
    """Reference for the l_inf box, one point, plain loops: the minimum of y f over every vertex of the
    arrangement cut to the box (corners, line-edge and line-line crossings inside)."""
    lo, hi = x - eps, x + eps
    pts = [np.array([u, v]) for u in (lo[0], hi[0]) for v in (lo[1], hi[1])]
    lines = [w for w in net.W if np.any(w[:2] != 0.0)]
    for a0, a1, b in lines:
        for t in (lo[0], hi[0]):
            if a1 != 0.0:
                pts.append(np.array([t, -(b + a0 * t) / a1]))
        for t in (lo[1], hi[1]):
            if a0 != 0.0:
                pts.append(np.array([-(b + a1 * t) / a0, t]))
    for i, (a0, a1, b) in enumerate(lines):
        for c0, c1, d in lines[i + 1 :]:
            det = a0 * c1 - a1 * c0
            if abs(det) > 1e-12 * np.hypot(a0, a1) * np.hypot(c0, c1):
                pts.append(np.array([(-b * c1 + d * a1) / det, (-a0 * d + c0 * b) / det]))
    inside = [p for p in pts if np.all(p >= lo - 1e-9) and np.all(p <= hi + 1e-9)]
    return float(np.min(y * net.predict(np.clip(np.array(inside), lo, hi))))


def _blocks(entries: int):
    """Both block sizes of the certificate module set to ``entries`` (a context manager)."""
    from unittest import mock

    import engine.robust.certificate as module

    return mock.patch.multiple(module, _BLOCK_ENTRIES=entries, _CACHE_ENTRIES=entries)


@SETTINGS
@given(
    seed=st.integers(0, 2**31 - 1),
    m=st.integers(0, 12),
    eps=st.floats(0.0, 3.0),
    norm=st.sampled_from(NORMS),
)
def test_blocked_equals_one_block(seed: int, m: int, eps: float, norm: str) -> None:
    """Blocks of one number (every point, crossing and candidate alone) give the same minima as one
    block holding everything, and for the box the same as the plain-loop vertex reference."""
    rng = np.random.default_rng(seed + 1)
    net = _random_net(seed, m)
    X = rng.normal(size=(7, 2))
    y = rng.choice([-1.0, 1.0], size=7)
    with _blocks(1 << 40):
        whole, _ = min_margin(net, X, y, eps, norm)
    with _blocks(1):
        tiny, arg = min_margin(net, X, y, eps, norm)
    np.testing.assert_allclose(tiny, whole, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y * net.predict(arg), tiny, rtol=0, atol=1e-12)
    if norm == "inf":
        ref = [_box_vertices_min(net, X[k], y[k], eps) for k in range(len(y))]
        np.testing.assert_allclose(tiny, ref, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("norm", NORMS)
def test_memory_is_bounded_by_the_blocks(norm: str) -> None:
    """tracemalloc peak of the exact certificate with every crossing inside every ball (the worst case)
    at widths 250 and 500: at most 100 bytes per line crossing (k(k-1)/2 of them: the point, f there,
    the sort) plus 16 MB of blocks, so under 30 MB at 500 neurons. Before the blocks the peak grew as
    width^3 (100 MB measured at width 200, 2.7 GB at 600)."""
    import tracemalloc

    for m in (250, 500):
        rng = np.random.default_rng(m)
        net = _random_net(m, m)
        X = rng.normal(size=(4, 2))
        tracemalloc.start()
        try:
            min_margin(net, X, np.ones(4), 50.0, norm)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 100 * m * (m - 1) / 2 + 16e6, (m, peak)


def test_too_wide_network_is_refused() -> None:
    """Above MAX_CERTIFICATE_WIDTH neurons: one sentence naming the cap, before any work."""
    from engine.robust.certificate import MAX_CERTIFICATE_WIDTH

    m = MAX_CERTIFICATE_WIDTH + 1
    net = TwoLayerReLU(np.ones((m, 3)), np.ones(m))
    X = np.zeros((10**6, 2))  # the refusal comes first: no million-point work
    for call in (min_margin, certified_accuracy):
        with pytest.raises(
            ValueError, match=f"at most {MAX_CERTIFICATE_WIDTH} neurons \\(this one has {m}\\)"
        ):
            call(net, X, np.ones(len(X)), 0.1, "inf")
    assert min_margin(_random_net(0, MAX_CERTIFICATE_WIDTH), np.zeros((1, 2)), np.ones(1), 0.0)[0].shape == (
        1,
    )
