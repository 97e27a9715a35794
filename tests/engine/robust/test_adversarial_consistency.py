"""Attacks against exact certificates: PGD never beats the exact 2-D minimum margin, certified points
are never broken, and the robust program's networks are certified where their robust margin is > 0."""

from __future__ import annotations

import numpy as np
import pytest

from datasets import make_dataset
from engine.attacks import pgd
from engine.gradient.sgd import train_sgd
from engine.network import TwoLayerReLU
from engine.robust.certificate import certified_robust, min_margin
from engine.robust.program import solve_robust_cvxpy
from engine.robust.terms import dual_norm


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("seed", range(3))
def test_pgd_never_beats_the_exact_minimum(norm: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = TwoLayerReLU(W=rng.standard_normal((8, 3)), alpha=rng.standard_normal(8))
    X = rng.uniform(-2, 2, size=(40, 2))
    y = np.where(net.predict(X) >= 0, 1.0, -1.0)
    eps = 0.3
    exact, _ = min_margin(net, X, y, eps, norm)
    attack = pgd(net, X, y, eps, norm, steps=50, restarts=8, seed=seed)
    assert np.all(attack.margins >= exact - 1e-9)
    certified = certified_robust(net, X, y, eps, norm)
    assert not np.any(certified & attack.success)  # a certified point is never broken


def test_trained_network_certificate_and_attack_agree() -> None:
    d = make_dataset("moons", 60, 0.1, 0)
    run = train_sgd(d.X, d.y, loss="hinge", beta=1e-3, optimizer="adam", width=16, lr=0.02, epochs=60, seed=0)
    for eps in (0.05, 0.2, 0.5):
        exact, _ = min_margin(run.network, d.X, d.y, eps, "inf")
        attack = pgd(run.network, d.X, d.y, eps, "inf", steps=40, restarts=4, seed=1)
        assert np.all(attack.margins >= exact - 1e-9)
        # PGD accuracy is an upper bound on certified accuracy
        assert np.mean(~attack.success) >= np.mean(certified_robust(run.network, d.X, d.y, eps, "inf"))


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_robust_program_margins_are_exact(norm: str) -> None:
    """The robust program's network is linear on every ball: its exact minimum margin is y f - eps slope."""
    from engine.attacks import input_gradient

    d = make_dataset("moons", 16, 0.15, 1)
    eps = 0.2
    res = solve_robust_cvxpy(d.X, d.y, loss="hinge", beta=1e-2, eps=eps, norm=norm, patterns="exact")
    net = res.network
    slopes = np.linalg.norm(input_gradient(net, d.X), ord=dual_norm(norm), axis=1)
    exact, _ = min_margin(net, d.X, d.y, eps, norm)
    np.testing.assert_allclose(exact, d.y * net.predict(d.X) - eps * slopes, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("loss", ["hinge", "logistic", "squared"])
def test_exact_robust_objective(loss: str) -> None:
    """Exact worst-case objective: equals the robust program's value on its network, above PGD's loss."""
    from engine.robust.certificate import robust_objective_exact

    d = make_dataset("moons", 16, 0.15, 1)
    eps = 0.2
    res = solve_robust_cvxpy(d.X, d.y, loss=loss, beta=1e-2, eps=eps, norm="inf", patterns="exact")
    exact = robust_objective_exact(res.network, d.X, d.y, loss=loss, beta=1e-2, eps=eps, norm="inf")
    assert exact == pytest.approx(res.objective, rel=1e-6)
    assert exact >= res.network.objective(d.X, d.y, loss, 1e-2)
    at_zero = robust_objective_exact(res.network, d.X, d.y, loss=loss, beta=1e-2, eps=0.0, norm="inf")
    assert at_zero == pytest.approx(res.network.objective(d.X, d.y, loss, 1e-2), rel=1e-12)
