"""Tests for engine.attacks (input gradient, FGSM, PGD) and PGD adversarial training in train_sgd."""

from __future__ import annotations

import numpy as np
import pytest

from datasets import make_dataset
from engine.attacks import (
    AdversarialSpec,
    clean_accuracy,
    fgsm,
    input_gradient,
    pgd,
    pgd_accuracy,
    pgd_points,
)
from engine.gradient.sgd import train_sgd
from engine.network import TwoLayerReLU


def _random_net(seed: int, d: int = 2, m: int = 12) -> TwoLayerReLU:
    rng = np.random.default_rng(seed)
    return TwoLayerReLU(W=rng.standard_normal((m, d + 1)), alpha=rng.standard_normal(m))


def _random_points(seed: int, n: int = 40, d: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 100)
    X = rng.uniform(-2.0, 2.0, size=(n, d))
    y = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
    return X, y


@pytest.mark.parametrize("seed", range(3))
def test_input_gradient_matches_finite_differences(seed: int) -> None:
    net = _random_net(seed, d=3)
    X, _ = _random_points(seed, n=30, d=3)
    h = 1e-6
    pre = net.preactivations(X)
    keep = np.min(np.abs(pre), axis=1) > 1e-3  # away from every kink
    assert keep.sum() >= 10
    G = input_gradient(net, X)
    assert G.shape == X.shape
    for i in range(X.shape[1]):
        E = np.zeros_like(X)
        E[:, i] = h
        fd = (net.predict(X + E) - net.predict(X - E)) / (2 * h)
        np.testing.assert_allclose(G[keep, i], fd[keep], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("seed", range(3))
def test_pgd_stays_in_ball_and_is_never_weaker_than_fgsm(norm: str, seed: int) -> None:
    net = _random_net(seed)
    X, y = _random_points(seed)
    eps = 0.3
    res = pgd(net, X, y, eps, norm, steps=10, restarts=2, seed=seed)
    delta = res.X_adv - X
    size = np.max(np.abs(delta), axis=1) if norm == "inf" else np.linalg.norm(delta, axis=1)
    assert np.all(size <= eps * (1 + 1e-12))
    assert res.X_adv.shape == X.shape  # inputs are x (d columns), the bias is not an input
    np.testing.assert_allclose(res.margins, y * net.predict(res.X_adv))
    np.testing.assert_array_equal(res.success, net.classify(res.X_adv) != y)
    clean = y * net.predict(X)
    fg = fgsm(net, X, y, eps, norm)
    fsize = np.max(np.abs(fg.X_adv - X), axis=1) if norm == "inf" else np.linalg.norm(fg.X_adv - X, axis=1)
    assert np.all(fsize <= eps * (1 + 1e-12))
    assert np.all(res.margins <= fg.margins + 1e-12)
    assert np.all(res.margins <= clean + 1e-12)
    assert np.mean(res.margins < clean - 1e-9) > 0.5  # the attack does something


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_pgd_squared_loss_regression(norm: str) -> None:
    net = _random_net(5)
    X, _ = _random_points(5)
    y = np.sin(X[:, 0])
    res = pgd(net, X, y, 0.2, norm, steps=8, restarts=1, seed=1)
    assert res.margins is None and not res.success.any()
    clean = 0.5 * (net.predict(X) - y) ** 2
    np.testing.assert_allclose(res.losses, 0.5 * (net.predict(res.X_adv) - y) ** 2)
    assert np.all(res.losses >= clean - 1e-12)


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_eps_zero_is_identity(norm: str) -> None:
    net = _random_net(1)
    X, y = _random_points(1)
    for res in (pgd(net, X, y, 0.0, norm, restarts=3), fgsm(net, X, y, 0.0, norm)):
        np.testing.assert_array_equal(res.X_adv, X)
        np.testing.assert_allclose(res.margins, y * net.predict(X))
    assert pgd_accuracy(net, X, y, 0.0) == clean_accuracy(net, X, y)


def test_pgd_is_deterministic_with_a_seed() -> None:
    net = _random_net(2)
    X, y = _random_points(2)
    a = pgd(net, X, y, 0.4, "2", steps=5, restarts=3, seed=7)
    b = pgd(net, X, y, 0.4, "2", steps=5, restarts=3, seed=7)
    np.testing.assert_array_equal(a.X_adv, b.X_adv)


def test_invalid_arguments() -> None:
    net = _random_net(0)
    X, y = _random_points(0)
    with pytest.raises(ValueError):
        pgd(net, X, y, -0.1)
    with pytest.raises(ValueError):
        pgd(net, X, y, 0.1, norm="1")
    with pytest.raises(ValueError):
        fgsm(net, X, np.linspace(0, 1, len(y)), 0.1, loss="margin")
    with pytest.raises(ValueError):
        AdversarialSpec(0.1, steps=0)


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_pgd_finds_minimal_margin_of_a_linear_network(norm: str) -> None:
    """On a region where every neuron is on, f(x) = a . x + c is linear and
    min_{||delta|| <= eps} y f(x + delta) = y f(x) - eps ||a||_* (dual norm: l1 for l_inf, l2 for l2)."""
    a = np.array([1.5, -0.5])
    B = 50.0  # large bias: both neurons active on the data
    net = TwoLayerReLU(W=np.array([[a[0], a[1], B], [0.0, 0.0, B]]), alpha=np.array([1.0, -1.0]))
    rng = np.random.default_rng(0)
    X = rng.uniform(-1.0, 1.0, size=(30, 2))
    y = np.where(X @ a >= 0, 1.0, -1.0)  # linearly separable
    eps = 0.25
    dual = np.sum(np.abs(a)) if norm == "inf" else np.linalg.norm(a)
    expected = y * (X @ a) - eps * dual
    res = pgd(net, X, y, eps, norm, steps=10, seed=0)
    np.testing.assert_allclose(res.margins, expected, atol=1e-9)
    assert np.array_equal(res.success, expected < 0)


def test_adversarial_training_raises_pgd_accuracy_on_moons() -> None:
    ds = make_dataset("moons", 100, 0.1, 0)
    eps = 0.6
    kw = dict(loss="hinge", width=16, epochs=40, batch_size=20, lr=0.02, seed=0, beta=1e-4)
    plain = train_sgd(ds.X, ds.y, **kw)
    spec = AdversarialSpec(eps, "inf", steps=5)
    robust = train_sgd(ds.X, ds.y, adversarial=spec, **kw)
    again = train_sgd(ds.X, ds.y, adversarial=spec, **kw)
    np.testing.assert_array_equal(robust.network.W, again.network.W)  # deterministic
    acc_plain = pgd_accuracy(plain.network, ds.X, ds.y, eps, steps=20, restarts=2, seed=1)
    acc_robust = pgd_accuracy(robust.network, ds.X, ds.y, eps, steps=20, restarts=2, seed=1)
    assert acc_robust >= acc_plain + 0.2
    assert clean_accuracy(robust.network, ds.X, ds.y) >= 0.85
    summary = robust.settings["adversarial"]
    assert summary["eps"] == eps and 0.0 <= summary["robust_train_accuracy"] <= 1.0
    assert summary["robust_objective"] >= robust.objective - 1e-12
    assert "adversarial" not in plain.settings
    # the standard history fields are all still there, one entry per logged step
    h = robust.history
    assert len(h.step) == len(h.objective) == len(h.train_accuracy) == len(h.test_accuracy) == len(h.time_s)
    # robust accuracy is logged at every step: never above the clean accuracy, and it rises in training
    assert len(h.robust_accuracy) == len(h.step) and plain.history.robust_accuracy == []
    assert all(r <= c + 1e-12 for r, c in zip(h.robust_accuracy, h.train_accuracy, strict=True))
    assert h.robust_accuracy[-1] >= h.robust_accuracy[0] + 0.2


@pytest.mark.parametrize(("norm", "restarts"), [("inf", 0), ("2", 1)])  # the compiled loop and the numpy one
def test_adversarial_training_without_its_robust_history_trains_the_same_network(
    norm: str, restarts: int
) -> None:
    """``AdversarialSpec(history=False)`` skips the per-log attack on the whole training set (its own random
    stream): the same steps, network, history and summary, only ``robust_accuracy`` left empty."""
    ds = make_dataset("moons", 80, 0.1, 2)
    kw = dict(loss="hinge", width=12, epochs=15, batch_size=16, lr=0.02, seed=4, snapshots=10)
    full = train_sgd(ds.X, ds.y, adversarial=AdversarialSpec(0.15, norm, steps=4, restarts=restarts), **kw)
    spec = AdversarialSpec(0.15, norm, steps=4, restarts=restarts, history=False)
    lean = train_sgd(ds.X, ds.y, adversarial=spec, **kw)
    np.testing.assert_array_equal(lean.network.W, full.network.W)
    np.testing.assert_array_equal(lean.network.alpha, full.network.alpha)
    np.testing.assert_array_equal(lean.snapshots.W, full.snapshots.W)
    for name in ("step", "objective", "train_accuracy", "test_accuracy"):
        np.testing.assert_array_equal(getattr(lean.history, name), getattr(full.history, name))
    assert lean.history.robust_accuracy == [] and len(full.history.robust_accuracy) == len(full.history.step)
    for name in ("robust_objective", "robust_train_accuracy"):
        assert lean.settings["adversarial"][name] == full.settings["adversarial"][name]


def test_adversarial_eps_zero_matches_standard_training() -> None:
    ds = make_dataset("moons", 60, 0.1, 0)
    kw = dict(loss="logistic", width=8, epochs=5, batch_size=16, lr=0.02, seed=3)
    a = train_sgd(ds.X, ds.y, **kw)
    b = train_sgd(ds.X, ds.y, adversarial=AdversarialSpec(0.0), **kw)
    np.testing.assert_array_equal(a.network.W, b.network.W)
    np.testing.assert_array_equal(a.history.objective, b.history.objective)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_adversarial_training_full_batch_and_divergence(optimizer: str) -> None:
    ds = make_dataset("moons", 40, 0.1, 0)
    spec = AdversarialSpec(0.2, "2", steps=3, restarts=1)
    kw = dict(loss="squared", width=8, adversarial=spec)
    ok = train_sgd(ds.X, ds.y, optimizer=optimizer, epochs=5, lr=0.01, **kw)
    assert not ok.diverged and np.isfinite(ok.objective)
    bad = train_sgd(ds.X, ds.y, optimizer="gd", epochs=50, lr=1e3, **kw)
    assert bad.diverged and np.isfinite(bad.objective)


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("loss", ["margin", "hinge", "squared"])
@pytest.mark.parametrize("restarts", [0, 2])
def test_pgd_points_are_the_points_of_pgd(norm: str, loss: str, restarts: int) -> None:
    """The unchecked fast path of adversarial training gives exactly pgd's points, and leaves X alone."""
    net = _random_net(7)
    X, y = _random_points(7, n=25)
    X_before = X.copy()
    full = pgd(net, X, y, 0.3, norm, steps=6, step_size=0.1, restarts=restarts, seed=11, loss=loss)
    fast = pgd_points(net, X, y, 0.3, norm, 0.1, 6, restarts, np.random.default_rng(11), loss)
    np.testing.assert_array_equal(fast, full.X_adv)
    np.testing.assert_array_equal(X, X_before)


def test_full_batch_adversarial_training_logs_the_clean_objective() -> None:
    """gd attacks the whole training set in place of the batch; the logged J stays the clean J."""
    ds = make_dataset("moons", 40, 0.1, 0)
    spec = AdversarialSpec(0.2, "inf", steps=3)
    res = train_sgd(ds.X, ds.y, loss="hinge", optimizer="gd", width=8, epochs=7, lr=0.05, adversarial=spec)
    clean = res.network.objective(ds.X, ds.y, "hinge", 1e-3)
    assert res.history.objective[-1] == pytest.approx(clean, rel=1e-12)
