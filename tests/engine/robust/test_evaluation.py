"""Robust evaluation (engine/robust/evaluation.py): per-point status from PGD and the exact certificate,
and accuracy against the radius."""

from __future__ import annotations

import numpy as np
import pytest

from engine.network import TwoLayerReLU
from engine.robust.evaluation import STATUS_KEYS, accuracy_curves, join_accuracy_curves, point_status


def _toy() -> tuple[TwoLayerReLU, np.ndarray, np.ndarray]:
    net = TwoLayerReLU(np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]), np.array([1.0, -1.0]))  # f = x1
    X = np.array([[2.0, 0.0], [0.05, 0.0], [-1.0, 0.5], [1.0, 1.0]])
    y = np.array([1.0, 1.0, 1.0, -1.0])
    return net, X, y


def test_point_status() -> None:
    net, X, y = _toy()
    st = point_status(net, X, y, 0.1, "inf")
    assert list(st.status) == ["certified", "attack", "misclassified", "misclassified"]
    assert st.certified_accuracy == 0.25 and st.pgd_accuracy == 0.25 and st.clean_accuracy == 0.5
    assert set(st.status) <= set(STATUS_KEYS)
    assert st.X_adv.shape == X.shape and st.worst_margin is not None
    np.testing.assert_allclose(st.worst_margin[:2], [1.9, -0.05])  # y f = x1 - 0.1 at the box's edge


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_radius_zero_is_the_clean_classification(norm: str) -> None:
    net, X, y = _toy()
    st = point_status(net, X, y, 0.0, norm)
    assert list(st.status) == ["certified", "certified", "misclassified", "misclassified"]
    assert st.clean_accuracy == st.pgd_accuracy == st.certified_accuracy == 0.5


def test_accuracy_curves() -> None:
    net, X, y = _toy()
    curves = accuracy_curves({"a": net, "b": net}, X, y, [0.0, 0.5, 1.0], "inf")
    assert curves.certified["a"][0] == 0.5 and curves.certified["a"][-1] == 0.25
    assert curves.clean == {"a": 0.5, "b": 0.5} and curves.norm == "inf"
    for name in ("a", "b"):  # a proof never beats an attack, an attack never beats the clean accuracy
        assert np.all(curves.certified[name] <= curves.pgd[name]) and np.all(curves.pgd[name] <= 0.5)


def test_joined_one_network_curves_equal_one_call_on_all() -> None:
    """Curves computed one network at a time (each under any name) and joined are the curves of one call
    on all the networks."""
    net, X, y = _toy()
    other = TwoLayerReLU(np.array([[0.0, 1.0, 0.2]]), np.array([1.0]))  # f = relu(x2 + 0.2)
    radii = [0.0, 0.3, 1.0]
    together = accuracy_curves({"a": net, "b": other}, X, y, radii, "2")
    joined = join_accuracy_curves(
        {name: accuracy_curves({"net": n}, X, y, radii, "2") for name, n in (("a", net), ("b", other))}
    )
    assert joined.clean == together.clean and joined.norm == "2"
    np.testing.assert_array_equal(joined.radii, together.radii)
    for name in ("a", "b"):
        np.testing.assert_array_equal(joined.pgd[name], together.pgd[name])
        np.testing.assert_array_equal(joined.certified[name], together.certified[name])
