"""engine.cancel: a caller's flag stops the engine's long loops (SGD steps and restarts, XOR steps, ADMM
iterations, column-generation rounds) within a few iterations; without a flag nothing changes."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from datasets import make_dataset
from engine.cancel import Cancelled, check, stop_when
from engine.convex.program import solve_convex
from engine.gradient.sgd import train_sgd
from engine.studies.dynamics import make_xor_clusters, train_xor
from engine.studies.landscape import multistart


def _after(calls: int):
    """A flag that says stop from its ``calls``-th look on, counting the looks."""
    looks = []

    def should_stop() -> bool:
        looks.append(1)
        return len(looks) >= calls

    return should_stop, looks


def test_check_without_a_flag_never_raises() -> None:
    check()
    ds = make_dataset("moons", 20, seed=0)
    a = train_sgd(ds.X, ds.y, epochs=30, width=5, seed=1)
    with stop_when(lambda: False):
        b = train_sgd(ds.X, ds.y, epochs=30, width=5, seed=1)
    np.testing.assert_array_equal(a.network.W, b.network.W)  # a flag that never fires changes nothing


def test_the_flag_is_restored_after_the_block_and_is_per_thread() -> None:
    seen = []
    with stop_when(lambda: True):
        with pytest.raises(Cancelled):
            check()
        other = threading.Thread(target=lambda: seen.append(_raises()))
        other.start()
        other.join()
    check()  # the block is over
    assert seen == [False]  # another thread never sees this thread's flag


def _raises() -> bool:
    try:
        check()
    except Cancelled:
        return True
    return False


def test_sgd_stops_within_a_few_steps() -> None:
    ds = make_dataset("moons", 40, seed=0)
    stop, looks = _after(3)
    start = time.perf_counter()
    with stop_when(stop), pytest.raises(Cancelled):
        train_sgd(ds.X, ds.y, epochs=1_000_000, width=20, batch_size=1)  # hours without the flag
    assert len(looks) == 3 and time.perf_counter() - start < 5


def test_restarts_stop() -> None:
    ds = make_dataset("moons", 20, seed=0)
    stop, looks = _after(40)
    with stop_when(stop), pytest.raises(Cancelled):
        multistart(ds.X, ds.y, runs=500, seed=0, epochs=20, width=5)
    assert len(looks) == 40


def test_xor_steps_stop() -> None:
    stop, looks = _after(2)
    with stop_when(stop), pytest.raises(Cancelled):
        train_xor(make_xor_clusters(20, 50, seed=0), width=10, steps=10_000_000)
    assert len(looks) == 2


@pytest.mark.parametrize(("solver", "patterns"), [("admm", 200), ("colgen", "exact")])
def test_convex_solvers_stop(solver: str, patterns) -> None:
    ds = make_dataset("moons", 30, seed=0)
    with stop_when(lambda: True), pytest.raises(Cancelled):
        solve_convex(ds.X, ds.y, loss="squared", beta=1e-3, patterns=patterns, solver=solver)
