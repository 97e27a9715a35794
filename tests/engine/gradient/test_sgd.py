"""Gradient training (engine.gradient.sgd): descent, determinism, divergence handling, validation, logging."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from engine.gradient.sgd import OPTIMIZERS, init_network, train_sgd
from engine.network import TwoLayerReLU


def _xor(n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = np.where(X[:, 0] * X[:, 1] >= 0, 1.0, -1.0)
    return X, y


def _regression(n: int = 30, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    return X, np.sin(2 * X[:, 0]) + X[:, 1]


LRS = {"gd": 0.1, "sgd": 0.05, "momentum": 0.02, "nesterov": 0.02, "adam": 0.01}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_training_decreases_objective(optimizer, loss):
    X, y = _xor()
    res = train_sgd(X, y, loss=loss, optimizer=optimizer, lr=LRS[optimizer], width=20, epochs=60, seed=1)
    assert not res.diverged
    J0 = res.history.objective[0]
    assert res.objective < 0.9 * J0
    assert res.objective == pytest.approx(res.network.objective(X, y, loss, 1e-3), rel=1e-12)
    assert res.history.objective[-1] == res.objective


def test_gd_small_lr_decreases_monotonically():
    X, y = _xor(30)
    res = train_sgd(X, y, loss="squared", optimizer="gd", lr=0.01, width=10, epochs=300, log_every=1)
    J = np.array(res.history.objective)
    assert len(J) == 301
    assert np.all(np.diff(J) <= 1e-15)
    assert J[-1] < J[0]


def test_same_seed_same_result_and_different_seeds_differ():
    X, y = _xor()
    kwargs = dict(loss="logistic", optimizer="adam", width=15, epochs=20, batch_size=8)
    a = train_sgd(X, y, seed=7, **kwargs)
    b = train_sgd(X, y, seed=7, **kwargs)
    c = train_sgd(X, y, seed=8, **kwargs)
    np.testing.assert_array_equal(a.network.W, b.network.W)
    np.testing.assert_array_equal(a.network.alpha, b.network.alpha)
    assert a.history.objective == b.history.objective
    assert a.history.step == b.history.step
    assert a.history.train_accuracy == b.history.train_accuracy
    assert not np.array_equal(a.network.W, c.network.W)
    assert a.history.objective != c.history.objective


def test_shuffle_depends_on_seed_with_fixed_init():
    X, y = _xor()
    init = init_network(2, 10, 1.0, seed=0)
    a = train_sgd(X, y, optimizer="sgd", init=init, epochs=5, batch_size=4, seed=1)
    b = train_sgd(X, y, optimizer="sgd", init=init, epochs=5, batch_size=4, seed=2)
    assert not np.array_equal(a.network.W, b.network.W)
    assert a.history.objective[0] == b.history.objective[0]


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
@pytest.mark.parametrize(("n", "width"), [(30, 7), (1000, 500)])  # one piece / cache-sized row blocks
def test_one_gd_step_matches_network_gradients(loss, n, width):
    X, y = _xor(n, seed=3)
    init = init_network(2, width, 1.0, seed=4)
    lr = 0.1
    res = train_sgd(X, y, loss=loss, beta=0.01, optimizer="gd", lr=lr, init=init, epochs=1)
    gW, ga = init.gradients(X, y, loss, 0.01)
    np.testing.assert_allclose(res.network.W, init.W - lr * gW, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.network.alpha, init.alpha - lr * ga, rtol=1e-10, atol=1e-12)
    assert res.history.objective[0] == pytest.approx(init.objective(X, y, loss, 0.01), rel=1e-12)


def _reference_steps(optimizer: str, init: TwoLayerReLU, X, y, lr: float, mu: float, steps: int):
    """The update rules written out with TwoLayerReLU.gradients (full batch)."""
    W, a = init.W.copy(), init.alpha.copy()
    bW, ba, vW, va = (np.zeros_like(W), np.zeros_like(a), np.zeros_like(W), np.zeros_like(a))
    for t in range(1, steps + 1):
        gW, ga = TwoLayerReLU(W, a).gradients(X, y, "logistic", 0.01)
        if optimizer == "sgd":
            W, a = W - lr * gW, a - lr * ga
        elif optimizer == "momentum":
            bW, ba = mu * bW + gW, mu * ba + ga
            W, a = W - lr * bW, a - lr * ba
        elif optimizer == "nesterov":
            bW, ba = mu * bW + gW, mu * ba + ga
            W, a = W - lr * (gW + mu * bW), a - lr * (ga + mu * ba)
        else:
            bW, ba = 0.9 * bW + 0.1 * gW, 0.9 * ba + 0.1 * ga
            vW, va = 0.999 * vW + 0.001 * gW**2, 0.999 * va + 0.001 * ga**2
            c1, c2 = 1 - 0.9**t, 1 - 0.999**t
            W = W - lr * (bW / c1) / (np.sqrt(vW / c2) + 1e-8)
            a = a - lr * (ba / c1) / (np.sqrt(va / c2) + 1e-8)
    return W, a


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
def test_update_rules_match_reference(optimizer):
    X, y = _xor(25, seed=2)
    init = init_network(2, 6, 1.0, seed=9)
    res = train_sgd(
        X,
        y,
        loss="logistic",
        beta=0.01,
        optimizer=optimizer,
        lr=0.05,
        momentum=0.8,
        init=init,
        epochs=4,
        batch_size=100,
    )  # one full batch per epoch
    W, a = _reference_steps(optimizer, init, X, y, 0.05, 0.8, 4)
    np.testing.assert_allclose(res.network.W, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res.network.alpha, a, rtol=1e-9, atol=1e-12)


def test_init_network_scaling_and_determinism():
    a = init_network(2, 2000, 0.5, seed=3)
    b = init_network(2, 2000, 0.5, seed=3)
    np.testing.assert_array_equal(a.W, b.W)
    assert a.W.shape == (2000, 3) and a.alpha.shape == (2000,)
    assert np.std(a.W) == pytest.approx(0.5 / np.sqrt(3), rel=0.05)
    assert np.std(a.alpha) == pytest.approx(0.5 / np.sqrt(2000), rel=0.05)
    zero = init_network(2, 5, 0.0, seed=0)
    assert not zero.W.any() and not zero.alpha.any()


def test_init_is_not_modified_and_is_used():
    X, y = _xor()
    init = init_network(2, 6, 1.0, seed=5)
    W0 = init.W.copy()
    res = train_sgd(X, y, init=init, width=99, epochs=3)
    np.testing.assert_array_equal(init.W, W0)
    assert res.network.width == 6
    assert res.history.objective[0] == pytest.approx(init.objective(X, y, "squared", 1e-3))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_divergence_is_reported_not_raised(optimizer):
    X, y = _xor()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning may escape
        res = train_sgd(X, y, optimizer=optimizer, lr=1e8, width=10, epochs=50)
    assert res.diverged
    assert "diverged at step" in res.message and "learning rate" in res.message
    assert np.isfinite(res.objective)
    assert np.all(np.isfinite(res.network.W)) and np.all(np.isfinite(res.network.alpha))
    assert res.objective == pytest.approx(res.network.objective(X, y, "squared", 1e-3))
    assert all(np.isfinite(res.history.objective))
    assert res.history.objective[-1] == res.objective


def test_objective_explosion_threshold_triggers_divergence():
    X, y = _regression()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = train_sgd(X, y, optimizer="gd", lr=10.0, width=10, epochs=200)
    assert res.diverged
    # caught by the 1e6 * max(1, J_0) rule while the objective is still finite
    reported = float(res.message.split("objective ")[1].split(")")[0])
    assert np.isfinite(reported) and reported > 1e6 * max(1.0, res.history.objective[0])
    assert res.objective <= 1e6 * max(1.0, res.history.objective[0])


def test_history_logging_schedule():
    X, y = _xor(40)
    res = train_sgd(X, y, optimizer="sgd", epochs=10, batch_size=16, log_every=7)
    steps = res.history.step
    total = 10 * 3
    assert steps[0] == 0 and steps[-1] == total
    assert steps[1:-1] == list(range(7, total, 7))
    assert res.history.epoch[-1] == 10.0
    h = res.history
    assert (
        len(
            {
                len(h.step),
                len(h.epoch),
                len(h.objective),
                len(h.train_accuracy),
                len(h.test_accuracy),
                len(h.time_s),
            }
        )
        == 1
    )
    assert all(np.isnan(h.test_accuracy))
    assert np.all(np.diff(h.time_s) >= 0)
    # default: about 200 log points
    res = train_sgd(X, y, optimizer="sgd", epochs=500, batch_size=16)
    assert 150 <= len(res.history.step) <= 260
    assert res.history.step[-1] == 1500


def test_test_accuracy_and_regression_nan():
    X, y = _xor(40, seed=0)
    Xt, yt = _xor(50, seed=1)
    res = train_sgd(X, y, loss="hinge", epochs=100, X_test=Xt, y_test=yt, width=30)
    assert 0.0 <= res.history.test_accuracy[-1] <= 1.0
    assert res.history.train_accuracy[-1] > 0.8
    Xr, yr = _regression()
    res = train_sgd(Xr, yr, epochs=5)
    assert all(np.isnan(res.history.train_accuracy))
    with pytest.raises(ValueError, match="labels"):
        train_sgd(Xr, yr, loss="hinge")


def test_max_steps_and_settings():
    X, y = _xor()
    res = train_sgd(X, y, optimizer="adam", epochs=100, batch_size=10, max_steps=13)
    assert res.history.step[-1] == 13
    assert res.settings["optimizer"] == "adam"
    assert res.settings["steps"] == 13
    assert res.settings["batch_size"] == 10
    res = train_sgd(X, y, max_steps=0)
    assert res.history.step == [0]
    big = train_sgd(X, y, optimizer="sgd", batch_size=1000, epochs=3)
    assert big.settings["batch_size"] == len(y) and big.history.step[-1] == 3


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"lr": 0.0}, "lr"),
        ({"lr": -1.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"lr": float("inf")}, "lr"),
        ({"width": 0}, "width"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"init_scale": -0.1}, "init_scale"),
        ({"beta": -1.0}, "beta"),
        ({"loss": "l1"}, "loss"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, name):
    X, y = _xor(10)
    with pytest.raises(ValueError, match=name):
        train_sgd(X, y, **kwargs)


def test_default_run_reports_its_own_time():
    """The run's time_s is the time of the run (its speed is measured in benchmarks/sgd.py, not here)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    t = time.perf_counter()
    res = train_sgd(X, y)
    elapsed = time.perf_counter() - t
    assert 0 < res.time_s
    assert isinstance(res.network, TwoLayerReLU)
    assert res.time_s <= elapsed
