"""Gradients, loss derivatives and conjugates of engine.losses / engine.network against first principles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.losses import LOSS_NAMES, get_loss
from engine.network import TwoLayerReLU, accuracy, lift

KINK_MARGIN = 1e-3  # stay this far from relu and hinge kinks so central differences are exact enough
H = 1e-6


def _problem(seed: int, n: int, d: int, m: int, loss: str):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.choice([-1.0, 1.0], size=n) if loss != "squared" else rng.standard_normal(n)
    net = TwoLayerReLU(W=rng.standard_normal((m, d + 1)), alpha=rng.standard_normal(m))
    return X, y, net


def _numeric_gradient(net: TwoLayerReLU, X, y, loss: str, beta: float):
    def obj(W, a):
        return TwoLayerReLU(W=W, alpha=a).objective(X, y, loss, beta)

    gW = np.zeros_like(net.W)
    for idx in np.ndindex(net.W.shape):
        Wp, Wm = net.W.copy(), net.W.copy()
        Wp[idx] += H
        Wm[idx] -= H
        gW[idx] = (obj(Wp, net.alpha) - obj(Wm, net.alpha)) / (2 * H)
    ga = np.zeros_like(net.alpha)
    for j in range(net.width):
        ap, am = net.alpha.copy(), net.alpha.copy()
        ap[j] += H
        am[j] -= H
        ga[j] = (obj(net.W, ap) - obj(net.W, am)) / (2 * H)
    return gW, ga


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(1, 12),
    d=st.integers(1, 4),
    m=st.integers(1, 6),
    loss=st.sampled_from(LOSS_NAMES),
    beta=st.sampled_from([0.0, 1e-3, 0.5]),
)
def test_gradients_match_central_differences(seed, n, d, m, loss, beta):
    X, y, net = _problem(seed, n, d, m, loss)
    assume(np.min(np.abs(net.preactivations(X))) > KINK_MARGIN)
    if loss == "hinge":
        assume(np.min(np.abs(1.0 - y * net.predict(X))) > KINK_MARGIN)
    gW, ga = net.gradients(X, y, loss, beta)
    nW, na = _numeric_gradient(net, X, y, loss, beta)
    np.testing.assert_allclose(gW, nW, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ga, na, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_loss_derivative_matches_finite_difference(loss):
    rng = np.random.default_rng(1)
    f = rng.uniform(-3, 3, size=200)
    y = rng.choice([-1.0, 1.0], size=200) if loss != "squared" else rng.standard_normal(200)
    keep = np.abs(1.0 - y * f) > KINK_MARGIN  # hinge kink
    f, y = f[keep], y[keep]
    L = get_loss(loss)
    numeric = (L.value(f + H, y) - L.value(f - H, y)) / (2 * H)
    np.testing.assert_allclose(L.derivative(f, y), numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(L.mean_gradient(f, y), L.derivative(f, y) / len(y))


def test_logistic_is_stable_for_large_margins():
    L = get_loss("logistic")
    f = np.array([-1e4, 1e4])
    y = np.array([1.0, 1.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        np.testing.assert_allclose(L.value(f, y), [1e4, 0.0], atol=1e-12)
        np.testing.assert_allclose(L.derivative(f, y), [-1.0, 0.0], atol=1e-12)


def _dual_point_in_domain(loss: str, y: np.ndarray, rng) -> np.ndarray:
    n = len(y)
    if loss == "squared":
        return rng.standard_normal(n)
    a = rng.uniform(0.0, 1.0, size=n)  # a = -n lam y in [0, 1]
    return -a * y / n


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("seed", range(5))
def test_fenchel_young_inequality(loss, seed):
    rng = np.random.default_rng(seed)
    n = 1 + seed * 7
    y = rng.choice([-1.0, 1.0], size=n) if loss != "squared" else rng.standard_normal(n)
    L = get_loss(loss)
    for _ in range(20):
        f = rng.uniform(-4, 4, size=n)
        lam = _dual_point_in_domain(loss, y, rng)
        conj = L.mean_conjugate(lam, y)
        assert np.isfinite(conj)
        assert L.mean(f, y) + conj >= lam @ f - 1e-12


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_fenchel_young_equality_at_the_gradient(loss):
    rng = np.random.default_rng(3)
    n = 17
    y = rng.choice([-1.0, 1.0], size=n) if loss != "squared" else rng.standard_normal(n)
    f = rng.uniform(-3, 3, size=n)
    if loss == "hinge":  # equality holds off the kink
        keep = np.abs(1 - y * f) > KINK_MARGIN
        f, y = f[keep], y[keep]
    L = get_loss(loss)
    lam = L.mean_gradient(f, y)
    assert L.mean(f, y) + L.mean_conjugate(lam, y) == pytest.approx(lam @ f, abs=1e-12)


@pytest.mark.parametrize("loss", ["hinge", "logistic"])
def test_conjugate_is_infinite_outside_domain(loss):
    y = np.array([1.0, -1.0, 1.0])
    L = get_loss(loss)
    assert L.mean_conjugate(np.array([0.1, 0.0, 0.0]), y) == np.inf  # a = -n lam y < 0
    assert L.mean_conjugate(np.array([-1.0, 0.0, 0.0]), y) == np.inf  # a > 1
    lam = np.array([-2.0, 1.0, -0.5])
    t = L.dual_scale_limit(lam, y)
    assert np.isfinite(L.mean_conjugate(t * lam, y))
    assert L.mean_conjugate(1.01 * t * lam, y) == np.inf


def test_network_shapes_prediction_and_roundtrip():
    rng = np.random.default_rng(0)
    net = TwoLayerReLU(W=rng.standard_normal((4, 3)), alpha=rng.standard_normal(4))
    X = rng.standard_normal((10, 2))
    Z = lift(X)
    assert Z.shape == (10, 3) and np.all(Z[:, -1] == 1.0)
    expected = np.maximum(Z @ net.W.T, 0) @ net.alpha
    np.testing.assert_allclose(net.predict(X), expected)
    back = TwoLayerReLU.from_dict(net.to_dict())
    np.testing.assert_array_equal(back.W, net.W)
    np.testing.assert_array_equal(back.alpha, net.alpha)
    y = net.classify(X)
    assert accuracy(net, X, y) == 1.0
    J = net.objective(X, y, "hinge", 0.1)
    assert J == pytest.approx(get_loss("hinge").mean(net.predict(X), y) + 0.1 * net.regulariser())


def test_network_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="alpha"):
        TwoLayerReLU(W=np.zeros((3, 3)), alpha=np.zeros(2))
