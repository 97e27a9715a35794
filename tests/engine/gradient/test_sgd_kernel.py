"""The compiled step loop of train_sgd (engine/gradient/sgd_kernel.py) against the numpy loop it
replaced (``sgd.COMPILED_LOOP = False``): the same run up to rounding, event for event."""

from __future__ import annotations

import numpy as np
import pytest

from datasets import make_dataset
from engine.attacks import AdversarialSpec
from engine.gradient import sgd

CASES = [
    dict(loss="squared", optimizer="adam", batch_size=16),
    dict(loss="hinge", optimizer="sgd", batch_size=7, lr=0.1),
    dict(loss="logistic", optimizer="momentum", batch_size=8),
    dict(loss="squared", optimizer="nesterov", batch_size=64, lr=0.03),
    dict(loss="logistic", optimizer="gd", lr=0.5),
    dict(loss="hinge", optimizer="adam", batch_size=16, adversarial=AdversarialSpec(0.1, "inf", steps=4)),
    dict(loss="squared", optimizer="sgd", batch_size=10, adversarial=AdversarialSpec(0.15, "2", steps=3)),
    dict(loss="logistic", optimizer="gd", adversarial=AdversarialSpec(0.1, "inf", steps=2, step_size=0.07)),
    dict(loss="squared", optimizer="sgd", batch_size=16, lr=1.0),  # diverges
    dict(loss="squared", optimizer="gd", lr=3.0),  # diverges, full batch
]


def _both(monkeypatch, **kw):
    ds = make_dataset("moons", 50, 0.1, 0, n_test=30)
    args = dict(X_test=ds.X_test, y_test=ds.y_test, width=12, epochs=15, snapshots=25, seed=3) | kw
    monkeypatch.setattr(sgd, "COMPILED_LOOP", False)
    reference = sgd.train_sgd(ds.X, ds.y, **args)
    monkeypatch.setattr(sgd, "COMPILED_LOOP", True)
    return reference, sgd.train_sgd(ds.X, ds.y, **args)


IDS = [f"{c['optimizer']}-{c['loss']}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_compiled_loop_is_the_numpy_loop(monkeypatch, case) -> None:
    ref, out = _both(monkeypatch, **case)
    assert out.diverged == ref.diverged and out.message == ref.message
    assert out.history.step == ref.history.step
    scale = max(1.0, float(np.max(np.abs(ref.network.W))))
    np.testing.assert_allclose(out.network.W, ref.network.W, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(out.network.alpha, ref.network.alpha, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(out.history.objective, ref.history.objective, rtol=1e-9)
    np.testing.assert_array_equal(out.history.train_accuracy, ref.history.train_accuracy)
    np.testing.assert_array_equal(out.history.robust_accuracy, ref.history.robust_accuracy)
    assert list(out.snapshots.step) == list(ref.snapshots.step)
    np.testing.assert_allclose(out.snapshots.objective, ref.snapshots.objective, rtol=1e-9)
    if "adversarial" in case:
        a, b = ref.settings["adversarial"], out.settings["adversarial"]
        assert b["robust_objective"] == pytest.approx(a["robust_objective"], rel=1e-9)


def test_compiled_loop_honours_max_steps_and_log_every(monkeypatch) -> None:
    ref, out = _both(monkeypatch, loss="squared", optimizer="adam", batch_size=9, max_steps=37, log_every=5)
    assert out.history.step == ref.history.step and out.history.step[-1] == 37
    np.testing.assert_allclose(out.network.W, ref.network.W, rtol=1e-9, atol=1e-12)


def test_restarts_keep_the_numpy_loop(monkeypatch) -> None:
    """Adversarial training with random restarts draws its starts from numpy: both paths are one run."""
    spec = AdversarialSpec(0.1, "inf", steps=2, restarts=1)
    ref, out = _both(monkeypatch, loss="hinge", optimizer="adam", batch_size=16, adversarial=spec)
    np.testing.assert_array_equal(out.network.W, ref.network.W)
