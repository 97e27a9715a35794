"""The numbers of the playback: alignment of neurons with the optimum's (against a direct count of angles)
and the per-frame numbers of a recorded run (against the networks' own objective and accuracy)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from datasets import make_dataset
from engine.gradient.sgd import train_sgd
from engine.network import TwoLayerReLU, accuracy
from engine.studies.summary import (
    ALIGN_SIZE_TOL,
    alignment,
    alignments,
    live_mask,
    live_neurons,
    playback_numbers,
)


def _rotate(w: np.ndarray, degrees: float) -> np.ndarray:
    """w rotated by ``degrees`` in the plane of its first two coordinates (the length is kept)."""
    t = math.radians(degrees)
    r = np.array([[math.cos(t), -math.sin(t), 0.0], [math.sin(t), math.cos(t), 0.0], [0.0, 0.0, 1.0]])
    return r @ w


def test_alignment_counts_angle_and_sign() -> None:
    opt = TwoLayerReLU(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), np.array([1.0, -1.0]))
    net = TwoLayerReLU(
        np.array([_rotate(opt.W[0], 5.0), _rotate(opt.W[0], 25.0), 3.0 * opt.W[1], opt.W[0]]),
        np.array([2.0, 1.0, -1.0, -1.0]),  # the last points along neuron 1 but with the wrong sign
    )
    a = alignment(net, opt, max_angle_deg=10.0)
    assert (a.aligned, a.neurons, a.covered, a.targets) == (2, 4, 2, 2)
    a = alignment(net, opt, max_angle_deg=30.0)
    assert (a.aligned, a.covered) == (3, 2)


def test_alignment_ignores_small_neurons() -> None:
    opt = TwoLayerReLU(np.array([[1.0, 0.0, 0.0]]), np.array([1.0]))
    net = TwoLayerReLU(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), np.array([1e-4, 1.0]))
    a = alignment(net, opt)
    assert (a.aligned, a.neurons, a.covered, a.targets) == (0, 1, 0, 1)


@given(seed=st.integers(0, 10_000), angle=st.floats(1.0, 60.0))
def test_alignment_matches_a_direct_count(seed: int, angle: float) -> None:
    rng = np.random.default_rng(seed)
    net = TwoLayerReLU(rng.normal(size=(7, 3)), rng.normal(size=7))
    opt = TwoLayerReLU(rng.normal(size=(4, 3)), rng.normal(size=4))
    a = alignment(net, opt, max_angle_deg=angle, size_tol=0.0)
    close = np.zeros((7, 4), dtype=bool)
    for j in range(7):
        for i in range(4):
            c = net.W[j] @ opt.W[i] / np.linalg.norm(net.W[j]) / np.linalg.norm(opt.W[i])
            close[j, i] = math.degrees(math.acos(np.clip(c, -1, 1))) <= angle + 1e-9 and (
                np.sign(net.alpha[j]) == np.sign(opt.alpha[i])
            )
    assert a.aligned == int(close.any(axis=1).sum()) and a.covered == int(close.any(axis=0).sum())


def test_playback_numbers_follow_the_frames() -> None:
    ds = make_dataset("moons", 30, noise=0.1, seed=1, n_test=40)
    res = train_sgd(ds.X, ds.y, loss="squared", beta=1e-3, width=10, epochs=30, batch_size=8, snapshots=20)
    optimum = TwoLayerReLU(res.network.W.copy(), res.network.alpha.copy())  # the last frame as "optimum"
    nums = playback_numbers(
        res.snapshots, ds.X, ds.y, X_test=ds.X_test, y_test=ds.y_test, optimum=optimum, optimum_objective=0.5
    )
    assert len(nums) == len(res.snapshots)
    for k, fn in enumerate(nums):
        net = res.snapshots.network(k)
        assert fn.step == res.snapshots.step[k]
        assert fn.objective == pytest.approx(net.objective(ds.X, ds.y, "squared", 1e-3), rel=1e-12)
        assert fn.gap == pytest.approx(fn.objective - 0.5)
        assert fn.train == accuracy(net, ds.X, ds.y) and fn.test == accuracy(net, ds.X_test, ds.y_test)
        size = np.abs(net.alpha) * np.linalg.norm(net.W, axis=1)
        assert fn.neurons == int(np.sum(size > ALIGN_SIZE_TOL * size.max()))
    last = nums[-1].alignment
    assert last.aligned == last.neurons and last.covered == last.targets  # the last frame is the optimum


@given(st.integers(0, 2**31 - 1), st.integers(1, 5), st.integers(0, 8))
def test_stacked_masks_and_alignments_equal_each_network(seed: int, K: int, m: int) -> None:
    """live_mask and alignments of K stacked networks (with dead, zero and non-finite ones among them)
    against live_neurons and alignment of each network alone."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(K, m, 3))
    alpha = rng.normal(size=(K, m)) * (rng.random((K, m)) < 0.7)  # some neurons switched off
    if K > 1 and m:
        alpha[1] = 0.0  # a network of zero size
        W[-1, 0, 0] = np.inf  # a diverged one
    opt = TwoLayerReLU(rng.normal(size=(4, 3)), rng.normal(size=4))
    mask = live_mask(W, alpha, 0.05)
    got = alignments(W, alpha, opt, max_angle_deg=40.0)
    for k in range(K):
        net = TwoLayerReLU(W[k], alpha[k])
        assert np.array_equal(np.flatnonzero(mask[k]), live_neurons(net, 0.05))
        assert got[k] == alignment(net, opt, max_angle_deg=40.0)
