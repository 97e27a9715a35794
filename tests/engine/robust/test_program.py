"""The convex robust program (engine/robust/program.py): eps = 0 is the standard program, and each robust
term is exactly the worst loss of the recovered network over the ball."""

from __future__ import annotations

import numpy as np
import pytest

from datasets import make_dataset
from engine.attacks import input_gradient
from engine.convex.program import solve_cvxpy
from engine.convex.recovery import convex_objective
from engine.losses import get_loss
from engine.network import lift
from engine.robust.program import solve_robust_cvxpy
from engine.robust.terms import dual_norm, robust_objective_linear


def _data(n: int = 16, seed: int = 0):
    d = make_dataset("moons", n, 0.15, seed)
    return d.X, d.y


def _worst_perturbation(g: np.ndarray, y: np.ndarray, eps: float, norm: str) -> np.ndarray:
    """The delta in the ball that lowers y f the most when f is linear with slope g on the ball."""
    if norm == "inf":
        direction = np.sign(g)
    else:
        direction = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-300)
    return -y[:, None] * eps * direction


@pytest.mark.parametrize("loss", ["hinge", "squared", "logistic"])
def test_eps_zero_is_the_standard_program(loss: str) -> None:
    X, y = _data()
    res = solve_robust_cvxpy(X, y, loss=loss, beta=1e-2, eps=0.0, patterns="exact")
    U, V, _, _ = solve_cvxpy(X, y, res.D, loss, 1e-2)
    program = robust_objective_linear(
        X, y, res.D, res.U, res.V, loss=get_loss(loss), beta=1e-2, eps=0.0, norm="inf"
    )
    assert program == pytest.approx(convex_objective(X, y, res.D, U, V, loss, 1e-2), rel=1e-6)
    assert res.objective == pytest.approx(program, rel=1e-4)  # the recovered network (tiny weights dropped)
    assert res.objective == pytest.approx(res.nominal_objective, rel=1e-5)


def test_robust_objective_grows_with_eps() -> None:
    X, y = _data()
    values = [
        solve_robust_cvxpy(X, y, loss="hinge", beta=1e-2, eps=e, patterns=60).objective
        for e in (0, 0.05, 0.1)
    ]
    assert values[0] <= values[1] + 1e-9 <= values[2] + 2e-9


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("loss", ["hinge", "logistic"])
def test_robust_terms_are_the_worst_loss_of_the_recovered_network(loss: str, norm: str) -> None:
    X, y = _data(seed=1)
    eps, beta = 0.2, 1e-2
    res = solve_robust_cvxpy(X, y, loss=loss, beta=beta, eps=eps, norm=norm, patterns="exact")
    net, lo = res.network, get_loss(loss)
    standard = solve_robust_cvxpy(X, y, loss=loss, beta=beta, eps=0.0, patterns="exact").objective
    assert res.objective >= res.nominal_objective - 1e-9
    assert res.nominal_objective > standard + 1e-4  # robustness costs nominal objective at this eps
    # the network is linear on every ball: the worst case is at the closed-form perturbation
    g = input_gradient(net, X)
    worst = X + _worst_perturbation(g, y, eps, norm)
    slopes = np.linalg.norm(g, ord=dual_norm(norm), axis=1)
    margin = y * net.predict(X)
    if loss == "hinge":
        robust_terms = np.maximum(0.0, 1.0 - margin + eps * slopes)
    else:
        robust_terms = np.logaddexp(0.0, -margin + eps * slopes)
    np.testing.assert_allclose(lo.value(net.predict(worst), y), robust_terms, rtol=1e-6, atol=1e-8)
    # random perturbations in the ball never do worse, and every neuron keeps its sign on the ball
    rng = np.random.default_rng(0)
    big = np.abs(net.alpha) * np.linalg.norm(net.W, axis=1) > 1e-6 * np.max(np.abs(net.alpha))
    signs = (lift(X) @ net.W[big].T) > 0.0
    for _ in range(50):
        delta = rng.uniform(-1.0, 1.0, size=X.shape)
        if norm == "2":
            delta /= np.maximum(1.0, np.linalg.norm(delta, axis=1, keepdims=True))
        Xp = X + eps * delta
        assert np.all(lo.value(net.predict(Xp), y) <= robust_terms + 1e-9)
        moved = (lift(Xp) @ net.W[big].T) > 0.0
        assert np.array_equal(moved, signs)
    # and the program's value is the robust objective of this very network (up to tiny dropped weights)
    J_robust = float(np.mean(robust_terms)) + beta / 2 * (np.sum(net.W**2) + np.sum(net.alpha**2))
    assert J_robust == pytest.approx(res.objective, rel=1e-5)


def test_squared_loss_robust_term() -> None:
    X, y = _data(seed=2)
    res = solve_robust_cvxpy(X, y, loss="squared", beta=1e-2, eps=0.05, norm="inf", patterns=80)
    again = robust_objective_linear(
        X, y, res.D, res.U, res.V, loss=get_loss("squared"), beta=1e-2, eps=0.05, norm="inf"
    )
    assert again == pytest.approx(res.objective, rel=1e-5)  # the network's value is the program's
    assert res.objective > res.nominal_objective


def test_bad_arguments() -> None:
    X, y = _data()
    with pytest.raises(ValueError, match="norm"):
        solve_robust_cvxpy(X, y, eps=0.1, norm="1")
    with pytest.raises(ValueError, match="eps"):
        solve_robust_cvxpy(X, y, eps=-0.1)


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_pgd_never_beats_the_robust_terms(norm: str) -> None:
    """The loss of the recovered network at a strong PGD perturbation <= the program's robust term."""
    from engine.attacks import pgd

    X, y = _data(n=20, seed=4)
    eps = 0.15
    res = solve_robust_cvxpy(X, y, loss="hinge", beta=1e-2, eps=eps, norm=norm, patterns="exact")
    net = res.network
    g = input_gradient(net, X)
    slopes = np.linalg.norm(g, ord=dual_norm(norm), axis=1)
    terms = np.maximum(0.0, 1.0 - y * net.predict(X) + eps * slopes)
    attack = pgd(net, X, y, eps, norm, steps=40, restarts=5, seed=0, loss="hinge")
    assert np.all(get_loss("hinge").value(net.predict(attack.X_adv), y) <= terms + 1e-9)
