"""The Patterns page's figures (engine/figures/patterns.py): arrangement plane, direction sphere,
approximation curve, on a small moons set."""

from __future__ import annotations

import numpy as np
import pytest

from datasets import make_dataset
from engine.figures import patterns as fpat
from engine.studies.approximation import approximation_curve, pattern_coverage
from engine.studies.race import certified_optimum

N = 12
BETA = 1e-2


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    ds = make_dataset("moons", N, noise=0.1, seed=1)
    return ds.X, ds.y


def test_plane_figure_draws_lines_as_one_trace(data) -> None:
    X, y = data
    cov = pattern_coverage(X, 500, seed=0)
    fig = fpat.arrangement_plane_figure(X, y, cov.sampled.directions, title="plane")
    lines = [t for t in fig.data if t.name and t.name.startswith("line")]
    assert len(lines) == 1
    assert np.isnan(np.asarray(lines[0].x, dtype=float)).sum() >= cov.hits - 2  # separators


def test_sphere_figure_counts_and_discs(data) -> None:
    X, _ = data
    cov = pattern_coverage(X, 100, seed=0)
    fig = fpat.direction_sphere_figure(X, cov, title="sphere", grid=41)
    assert f"{cov.exact_count} exact patterns" in fig.layout.title.text
    assert f"hit {cov.hits}" in fig.layout.title.text
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert len(heatmaps) == 2
    z = np.asarray(heatmaps[0].z, dtype=float)
    assert np.nanmax(z) == 1.0  # some cell holds a sample


def test_approximation_figure(data) -> None:
    X, y = data
    reference = certified_optimum(X, y, loss="squared", beta=BETA)
    curve = approximation_curve(X, y, loss="squared", beta=BETA, counts=(5, 50), reference=reference)
    fig = fpat.approximation_figure(curve, current=50)
    names = " ".join(t.name or "" for t in fig.data)
    assert "certified global optimum" in names and "current P = 50" in names
    assert fig.layout.xaxis.type == "log"
