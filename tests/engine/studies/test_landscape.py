"""engine.studies.landscape: multi-start runs, width sweeps, teacher networks and data, neuron alignment."""

from __future__ import annotations

import numpy as np
import pytest

from datasets import make_dataset
from engine.network import TwoLayerReLU
from engine.studies.landscape import (
    multistart,
    neuron_alignment,
    sweep_widths,
    teacher_data,
    teacher_network,
    teacher_student,
    width_sweep,
)

SGD = dict(optimizer="adam", lr=0.05, epochs=30, batch_size=8, init_scale=1.0)


@pytest.fixture(scope="module")
def data():
    return make_dataset("moons", 16, noise=0.1, seed=0)


def test_multistart_is_deterministic_and_seeded(data) -> None:
    a = multistart(data.X, data.y, runs=4, seed=3, width=6, **SGD)
    b = multistart(data.X, data.y, runs=4, seed=3, width=6, **SGD)
    assert a.seeds == [3, 4, 5, 6]
    assert np.array_equal(a.objectives, b.objectives)
    assert len(set(np.round(a.objectives, 12))) > 1  # different starts, different end points
    assert a.objectives[a.best()] == np.nanmin(a.objectives)
    with pytest.raises(ValueError, match="runs"):
        multistart(data.X, data.y, runs=0, **SGD)


def test_width_sweep(data) -> None:
    widths = sweep_widths(4, max_width=20)
    assert widths[0] == 1 and 4 in widths and max(widths) <= 20 and widths == sorted(set(widths))
    sweep = width_sweep(data.X, data.y, [1, 8], runs=2, **SGD)
    assert sweep.objectives.shape == (2, 2)
    assert np.all(sweep.best <= sweep.median + 1e-15)
    with pytest.raises(ValueError, match="widths"):
        width_sweep(data.X, data.y, [], **SGD)


def test_teacher_network_and_data_deterministic() -> None:
    t = teacher_network(3, 4, seed=1)
    assert np.allclose(np.linalg.norm(t.W, axis=1), 1.0) and list(t.alpha) == [1.0, -1.0, 1.0, -1.0]
    assert np.array_equal(t.W, teacher_network(3, 4, seed=1).W)
    X, y = teacher_data(t, 50, seed=2)
    X2, y2 = teacher_data(t, 50, seed=2)
    assert X.shape == (50, 3) and np.array_equal(X, X2) and np.array_equal(y, y2)
    assert np.allclose(y, t.predict(X))
    _, yc = teacher_data(t, 50, seed=2, labels="classification")
    assert set(np.unique(yc)) <= {-1.0, 1.0}
    with pytest.raises(ValueError, match="labels"):
        teacher_data(t, 10, seed=0, labels="other")
    with pytest.raises(ValueError, match="width"):
        teacher_network(2, 0, seed=0)


def test_alignment_with_itself_permuted_and_rescaled() -> None:
    t = teacher_network(2, 5, seed=0)
    same = neuron_alignment(t, t)
    assert np.allclose(same.cosine, 1.0) and same.all_recovered and same.score == pytest.approx(1.0)
    perm = np.array([3, 0, 4, 1, 2])
    scale = np.array([0.5, 2.0, 1.0, 3.0, 0.1])
    student = TwoLayerReLU(W=t.W[perm] * scale[:, None], alpha=t.alpha[perm] / scale)
    al = neuron_alignment(student, t)
    assert np.allclose(al.cosine, 1.0)
    assert list(perm[al.matched]) == list(range(5))
    # wrong output signs never match; a dead student neuron is ignored
    flipped = TwoLayerReLU(W=t.W, alpha=-t.alpha)
    assert np.all(neuron_alignment(flipped, t).cosine < 1 - 1e-9)
    dead = TwoLayerReLU(W=t.W, alpha=np.where(np.arange(5) == 0, 0.0, t.alpha))
    assert neuron_alignment(dead, t).matched[0] != 0
    with pytest.raises(ValueError, match="dimension"):
        neuron_alignment(teacher_network(3, 2, 0), t)


def test_teacher_student_recovery_rate() -> None:
    t = teacher_network(2, 2, seed=0)
    X, y = teacher_data(t, 30, seed=1)
    ts = teacher_student(X, y, t, runs=3, width=8, beta=1e-4, **SGD)
    assert len(ts.alignments) == 3 and ts.worst_angles.shape == (3,)
    assert 0.0 <= ts.recovery_rate <= 1.0


def test_landscape_figures(data) -> None:
    from engine.figures import landscape as fland

    ms = multistart(data.X, data.y, runs=3, width=6, **SGD)
    J_star = float(np.nanmin(ms.objectives)) - 1e-3
    fig = fland.multistart_figure(ms, J_star, selected=ms.best(), title="t")
    assert [t.name.startswith("selected") for t in fig.data] == [False, True]
    sweep = width_sweep(data.X, data.y, [1, 4, 8], runs=1, **SGD)
    fig = fland.width_sweep_figure(sweep, J_star, 4, title="t")
    m_line = next(t for t in fig.data if t.name.startswith("m* = 4"))
    assert list(m_line.x) == [4, 4]
    assert fig.layout.xaxis.range is None  # no shape stretches the log axis
    t = teacher_network(2, 2, seed=0)
    X, y = teacher_data(t, 20, seed=1)
    ts = teacher_student(X, y, t, runs=2, width=6, **SGD)
    fig = fland.teacher_student_figure(ts, float(np.nanmin(ts.runs.objectives)) - 1e-3, 3.0, title="t")
    assert any("convex optimum" in (tr.name or "") for tr in fig.data)
