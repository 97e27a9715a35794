"""engine.gradient.hessian: exact Hessian-vector products against finite differences of the gradient, power
iteration and Lanczos against the dense spectrum, Hutchinson's trace against the exact trace."""

from __future__ import annotations

import numpy as np
import pytest

from engine.gradient.hessian import (
    HessianOperator,
    flatness,
    hessian_matrix,
    hutchinson_trace,
    pack,
    power_iteration,
    sharpness,
    unpack,
)
from engine.gradient.sgd import init_network
from engine.network import TwoLayerReLU


def _problem(seed: int = 0, n: int = 20, width: int = 5) -> tuple[TwoLayerReLU, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = np.where(rng.standard_normal(n) >= 0, 1.0, -1.0)
    net = init_network(2, width, 1.0, seed + 1)
    # points away from the kinks: every preactivation at least 1e-3 from 0
    assert np.min(np.abs(net.preactivations(X))) > 1e-3
    return net, X, y


def _grad(theta: np.ndarray, net: TwoLayerReLU, X, y, loss: str, beta: float) -> np.ndarray:
    gW, ga = unpack(theta, net.width, net.input_dim).gradients(X, y, loss, beta)
    return np.concatenate([gW.ravel(), ga])


def test_pack_roundtrip() -> None:
    net, _, _ = _problem()
    back = unpack(pack(net), net.width, net.input_dim)
    assert np.array_equal(back.W, net.W) and np.array_equal(back.alpha, net.alpha)
    with pytest.raises(ValueError, match="entries"):
        unpack(np.zeros(3), 5, 2)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("beta", [0.0, 0.05])
def test_hvp_matches_finite_differences(loss: str, beta: float) -> None:
    net, X, y = _problem()
    op = HessianOperator(net, X, y, loss, beta)
    theta = pack(net)
    rng = np.random.default_rng(3)
    for _ in range(3):
        v = rng.standard_normal(theta.size)
        h = 1e-6  # small enough that no preactivation changes sign
        plus, minus = _grad(theta + h * v, net, X, y, loss, beta), _grad(theta - h * v, net, X, y, loss, beta)
        fd = (plus - minus) / (2 * h)
        assert np.allclose(op(v), fd, rtol=1e-6, atol=1e-8)


def test_dense_hessian_is_symmetric_and_block_products_agree() -> None:
    net, X, y = _problem()
    op = HessianOperator(net, X, y, "squared", 0.01)
    H = op(np.eye(op.size))
    assert np.allclose(H, H.T, atol=1e-12)
    assert np.allclose(hessian_matrix(op), H)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_power_iteration_and_lanczos_match_dense_eigenvalue(loss: str) -> None:
    net, X, y = _problem(width=4)
    op = HessianOperator(net, X, y, loss, 1e-3)
    top = np.linalg.eigvalsh(hessian_matrix(op))[-1]
    assert power_iteration(op, iters=5000, tol=1e-13, seed=1) == pytest.approx(top, rel=1e-6)
    assert sharpness(op, seed=1) == pytest.approx(top, rel=1e-6)


def test_power_iteration_finds_top_of_indefinite_spectrum() -> None:
    """A spectrum whose largest magnitude is negative: the shift must recover the largest algebraic."""

    class Diag:
        size = 4

        def __call__(self, v):
            return np.array([-5.0, 1.0, 2.0, 0.5]) * v

    assert power_iteration(Diag(), iters=5000, tol=1e-14) == pytest.approx(2.0, rel=1e-6)


def test_hutchinson_close_to_exact_trace() -> None:
    net, X, y = _problem()
    op = HessianOperator(net, X, y, "logistic", 0.01)
    exact = float(np.trace(hessian_matrix(op)))
    mean, err = hutchinson_trace(op, probes=3000, seed=0)
    assert abs(mean - exact) < 4 * err + 1e-9
    assert abs(mean - exact) < 0.05 * abs(exact)
    assert hutchinson_trace(op, probes=10, seed=5) == hutchinson_trace(op, probes=10, seed=5)
    with pytest.raises(ValueError, match="probes"):
        hutchinson_trace(op, probes=0)


def test_operator_rejects_bad_input() -> None:
    net, X, y = _problem()
    with pytest.raises(ValueError, match="inputs"):
        HessianOperator(net, np.zeros((3, 3)), np.ones(3), "squared", 0.0)
    with pytest.raises(ValueError, match="beta"):
        HessianOperator(net, X, y, "squared", -1.0)
    with pytest.raises(ValueError, match="entries"):
        HessianOperator(net, X, y, "squared", 0.0)(np.zeros(2))


def test_flatness_is_sharpness_and_trace() -> None:
    net, X, y = _problem()
    lam, tr = flatness(net, X, y, "squared", 0.01, probes=5, seed=2)
    op = HessianOperator(net, X, y, "squared", 0.01)
    assert lam == pytest.approx(sharpness(op, seed=2)) and tr == hutchinson_trace(op, probes=5, seed=2)[0]
