"""engine.studies.dynamics: chunked training with sharpness tracking, XOR clusters with label flips, the
momentum race and singular-value tracking."""

from __future__ import annotations

import numpy as np
import pytest

from datasets import make_dataset
from engine.gradient.sgd import init_network, train_sgd
from engine.studies.dynamics import (
    checkpoints,
    log_steps,
    make_xor_clusters,
    momentum_race,
    singular_value_trace,
    track_sharpness,
    train_xor,
)
from engine.studies.landscape import teacher_data, teacher_network


@pytest.fixture(scope="module")
def data():
    return make_dataset("moons", 16, noise=0.1, seed=0, n_test=40)


def test_checkpoints_and_log_steps() -> None:
    assert checkpoints(10, 5) == [0, 2, 4, 6, 8, 10]
    assert checkpoints(3, 10) == [0, 1, 2, 3]
    steps = log_steps(1000, 30)
    assert steps[0] == 0 and steps[1] == 1 and steps[-1] == 1000 and steps == sorted(set(steps))
    with pytest.raises(ValueError, match="steps"):
        checkpoints(0, 5)


def test_chunked_gd_equals_one_run(data) -> None:
    """GD carries no state: the chunked run ends where one train_sgd call ends."""
    tr = track_sharpness(data.X, data.y, optimizer="gd", lr=0.1, width=6, steps=40, points=4, probes=3)
    one = train_sgd(data.X, data.y, optimizer="gd", lr=0.1, epochs=40, init=init_network(2, 6, 1.0, 0))
    assert tr.step == [0, 10, 20, 30, 40]
    assert tr.objective[-1] == pytest.approx(one.objective, rel=1e-10)
    assert len(tr.lambda_max) == len(tr.trace) == 5 and tr.threshold == pytest.approx(20.0)
    assert all(lam > 0 for lam in tr.lambda_max)


def test_sharpness_tracking_sgd_and_stateful_refused(data) -> None:
    kw = dict(optimizer="sgd", lr=0.05, width=6, steps=20, points=2, probes=3)
    a, b = (track_sharpness(data.X, data.y, X_test=data.X_test, y_test=data.y_test, **kw) for _ in range(2))
    assert a.lambda_max == b.lambda_max and 0 <= a.test_accuracy[-1] <= 1
    with pytest.raises(ValueError, match="stateless"):
        track_sharpness(data.X, data.y, optimizer="adam", steps=5)


def test_xor_clusters_deterministic_flip_exact() -> None:
    a = make_xor_clusters(40, 30, mu=5.0, flip=0.15, seed=2, n_test=50)
    b = make_xor_clusters(40, 30, mu=5.0, flip=0.15, seed=2, n_test=50)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y) and np.array_equal(a.flipped, b.flipped)
    assert a.flipped.sum() == 6 and a.X.shape == (40, 30) and a.X_test.shape == (50, 30)
    clean = make_xor_clusters(40, 30, mu=5.0, flip=0.0, seed=2, n_test=50)
    fl = a.flipped
    assert np.array_equal(clean.y[~fl], a.y[~fl]) and np.all(clean.y[fl] == -a.y[fl])
    # labels follow the cluster: +1 along e1, -1 along e2 (large mu: the mean dominates)
    big = make_xor_clusters(200, 5, mu=50.0, flip=0.0, seed=0)
    along_e1 = np.abs(big.X[:, 0]) > np.abs(big.X[:, 1])
    assert np.all(big.y[along_e1] == 1.0) and np.all(big.y[~along_e1] == -1.0)
    for kwargs, match in [(dict(flip=0.6), "flip"), (dict(mu=0.0), "mu"), (dict(n=2), "n must")]:
        with pytest.raises(ValueError, match=match):
            make_xor_clusters(**{"n": 10, "d": 5, **kwargs})


def test_train_xor_fits_noise_and_generalises() -> None:
    data = make_xor_clusters(40, 400, mu=12.0, flip=0.1, seed=0, n_test=200)
    tr = train_xor(data, width=20, lr=1.0, steps=100)
    assert tr.step[0] == 0 and tr.step[-1] == 100
    assert tr.train_accuracy[-1] == 1.0 and tr.flipped_fit[-1] == 1.0  # the noise is fitted
    assert tr.test_accuracy[-1] > 0.75
    assert tr.network is not None and tr.network.W.shape == (20, 401)
    assert isinstance(tr.late_generalisation(), bool)


def test_momentum_race_same_start(data) -> None:
    curves = momentum_race(data.X, data.y, steps=30, width=6, lr=0.05)
    assert [c.optimizer for c in curves] == ["gd", "momentum", "nesterov", "adam"]
    assert len({c.objective[0] for c in curves}) == 1  # same initial network
    assert all(c.step[-1] == 30 for c in curves)


def test_singular_values_shrink_with_weight_decay() -> None:
    t = teacher_network(10, 2, seed=0)
    X, y = teacher_data(t, 80, seed=1)
    kw = dict(lr=0.2, width=16, steps=1500, batch_size=16, points=5)
    free = singular_value_trace(X, y, beta=0.0, **kw)
    decay = singular_value_trace(X, y, beta=0.01, **kw)
    assert free.matrix().shape == (6, 10)
    assert decay.effective_rank() < free.effective_rank()
    assert np.array_equal(free.singular_values[0], decay.singular_values[0])  # same start


def test_dynamics_figures(data) -> None:
    from engine.figures import dynamics as fdyn

    runs = [
        track_sharpness(data.X, data.y, optimizer=o, lr=0.05, width=6, steps=10, points=2, probes=2)
        for o in ("gd", "sgd")
    ]
    fig = fdyn.sharpness_figure(runs, title="t")
    assert sum(1 for t in fig.data if t.name.startswith("2/η = 40 ")) == 2  # one per panel
    table = fdyn.sharpness_table(runs)
    assert list(table.index) == ["GD η = 0.05", "SGD η = 0.05"] and "tr(H)" in table.columns
    xor = train_xor(make_xor_clusters(20, 50, mu=8.0, seed=0, n_test=20), width=4, steps=10)
    assert len(fdyn.xor_figure(xor, level=0.9, title="t").data) >= 3
    t = teacher_network(10, 2, seed=0)
    X, y = teacher_data(t, 30, seed=1)
    svs = [singular_value_trace(X, y, beta=b, width=8, steps=20, points=2) for b in (0.0, 0.01)]
    fig = fdyn.singular_values_figure(svs, top=8, title="t")
    assert [t.name for t in fig.data if t.showlegend] == ["σ1", "σ2", "σ3 … σ8"]
    curves = momentum_race(data.X, data.y, steps=10, width=4)
    assert len(fdyn.momentum_figure(curves, None, title="t").data) >= 4


def test_xor_verdict_reasons() -> None:
    from engine.studies.dynamics import XORTrace

    def trace(train, test, flipped):
        return XORTrace(step=[0, 1, 10, 100], train_accuracy=train, test_accuracy=test, flipped_fit=flipped)

    nan = float("nan")
    seen, why = trace([0.5, 1, 1, 1], [0.5, 0.55, 0.7, 0.95], [0.5, 1, 1, 1]).verdict(0.9)
    assert seen and "step 1" in why and "step 100" in why and "noise still fitted" in why
    assert trace([0.5, 1, 1, 1], [0.5, 0.55, 0.7, 0.95], [nan] * 4).verdict(0.9)[0]  # no flipped labels
    assert "never fits" in trace([0.5, 0.9, 0.9, 0.9], [0.5] * 4, [0.5] * 4).verdict(0.9)[1]
    assert "never reaches 90%" in trace([0.5, 1, 1, 1], [0.5, 0.6, 0.7, 0.8], [1] * 4).verdict(0.9)[1]
    assert "already 85%" in trace([0.5, 1, 1, 1], [0.5, 0.85, 0.9, 0.95], [1] * 4).verdict(0.9)[1]
    assert "no longer fitted" in trace([0.5, 1, 1, 1], [0.5, 0.55, 0.7, 0.95], [1, 1, 1, 0]).verdict(0.9)[1]
