"""Snapshots of a gradient run (playback) and continued training: the recorded frames are the run's own
iterates (J recomputed independently), recording never changes the run, and continuing plain gradient
descent equals one longer run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from datasets import make_dataset
from engine.gradient.sgd import continue_training, snapshot_steps, train_sgd
from engine.results import Snapshots


@pytest.fixture(scope="module")
def moons():
    return make_dataset("moons", 30, noise=0.1, seed=0)


@given(total=st.integers(0, 20_000), count=st.integers(1, 150))
@example(total=1000, count=126)
def test_snapshot_steps_are_distinct_log_spaced_and_end_at_the_last_step(total: int, count: int) -> None:
    steps = snapshot_steps(total, count)
    assert steps[0] == 0 and steps[-1] == total
    assert np.all(np.diff(steps) > 0)
    assert steps.size >= min(count, total + 1)
    assert steps.size <= max(count, 2) + 2 or steps.size <= total + 1
    if total >= 1000 and count >= 20:
        # dense early: the first tenth of the run holds at least 4x the share of frames an even spacing
        # gives it (log spacing gives ~1/2 or more; distinct integers fill the first steps one by one, so
        # 126 frames over 1000 steps put exactly half there, a case hypothesis found)
        assert np.mean(steps <= total / 10) >= 0.4


def test_snapshot_steps_empty_for_zero_count() -> None:
    assert snapshot_steps(100, 0).size == 0


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "momentum"])
def test_recording_does_not_change_the_run_and_frames_are_its_iterates(moons, optimizer: str) -> None:
    kwargs = dict(loss="squared", beta=1e-3, optimizer=optimizer, width=12, lr=1e-2, epochs=40, batch_size=8)
    plain = train_sgd(moons.X, moons.y, **kwargs)
    recorded = train_sgd(moons.X, moons.y, snapshots=30, **kwargs)
    assert plain.snapshots is None
    snaps = recorded.snapshots
    assert isinstance(snaps, Snapshots) and 25 <= len(snaps) <= 32
    np.testing.assert_array_equal(recorded.network.W, plain.network.W)
    np.testing.assert_array_equal(recorded.network.alpha, plain.network.alpha)
    last = snaps.network(len(snaps) - 1)
    np.testing.assert_array_equal(last.W, plain.network.W)
    assert snaps.step[-1] == plain.history.step[-1]
    # J of every frame, recomputed from its weights by the network's own objective
    for k in range(len(snaps)):
        J = snaps.network(k).objective(moons.X, moons.y, "squared", 1e-3)
        assert snaps.objective[k] == pytest.approx(J, rel=1e-12)
    # frames at logged steps agree with the history
    logged = dict(zip(plain.history.step, plain.history.objective, strict=True))
    common = [k for k, s in enumerate(snaps.step) if s in logged]
    assert len(common) >= 2
    for k in common:
        assert snaps.objective[k] == pytest.approx(logged[int(snaps.step[k])], rel=1e-12)


def test_diverged_run_frames_end_at_the_returned_iterate(moons) -> None:
    res = train_sgd(
        moons.X, moons.y, optimizer="gd", lr=1.0, init_scale=5.0, width=20, epochs=200, snapshots=50
    )
    assert res.diverged
    snaps = res.snapshots
    np.testing.assert_array_equal(snaps.network(len(snaps) - 1).W, res.network.W)
    assert snaps.step[-1] == res.history.step[-1]
    assert np.all(np.isfinite(snaps.objective))


def test_continuing_gradient_descent_equals_one_longer_run(moons) -> None:
    kwargs = dict(loss="squared", beta=1e-3, optimizer="gd", width=10, lr=0.1)
    first = train_sgd(moons.X, moons.y, epochs=60, snapshots=20, **kwargs)
    more = continue_training(first, moons.X, moons.y, epochs=60, snapshots=20, **kwargs)
    whole = train_sgd(moons.X, moons.y, epochs=120, **kwargs)
    np.testing.assert_allclose(more.network.W, whole.network.W, rtol=1e-12, atol=1e-14)
    assert more.history.step[-1] == 120 and more.history.step[: len(first.history.step)] == first.history.step
    assert more.objective == pytest.approx(whole.objective, rel=1e-12)
    steps = more.snapshots.step
    assert steps[0] == 0 and steps[-1] == 120 and np.all(np.diff(steps) > 0)
    assert 60 in steps.tolist()


def test_a_diverged_run_cannot_be_continued(moons) -> None:
    res = train_sgd(moons.X, moons.y, optimizer="gd", lr=1.0, init_scale=5.0, epochs=200)
    with pytest.raises(ValueError, match="diverged"):
        continue_training(res, moons.X, moons.y, optimizer="gd", lr=0.1, epochs=10)


def test_negative_snapshots_are_refused(moons) -> None:
    with pytest.raises(ValueError, match="snapshots"):
        train_sgd(moons.X, moons.y, epochs=2, snapshots=-1)
