"""Coverage of the sphere of neuron directions by a sampled pattern set (engine/studies/sphere.py)."""

from __future__ import annotations

import numpy as np

from datasets import make_dataset
from engine.network import lift
from engine.patterns import exact_patterns, pattern_keys
from engine.studies.approximation import pattern_coverage
from engine.studies.sphere import hemisphere_coverage


def test_every_direction_is_covered_by_the_exact_patterns() -> None:
    X = make_dataset("moons", 10, noise=0.1, seed=0).X
    exact = exact_patterns(X, include_empty=True)
    for upper in (True, False):
        axis, raster = hemisphere_coverage(X, exact, 31, upper=upper)
        assert axis.shape == (31,) and raster.shape == (31, 31)
        inside = ~np.isnan(raster)
        assert inside[15, 15] and not inside[0, 0]  # the disc's centre, not the square's corner
        assert np.all(raster[inside] == 1.0)


def test_a_pixel_is_covered_exactly_when_its_pattern_was_sampled() -> None:
    X = make_dataset("moons", 10, noise=0.1, seed=0).X
    sampled = pattern_coverage(X, 5, seed=0).sampled
    axis, raster = hemisphere_coverage(X, sampled, 21, upper=False)
    keys = pattern_keys(sampled.D)
    Z = lift(X)
    for i, j in [(10, 10), (4, 12), (15, 6), (10, 2)]:
        a, b = axis[j], axis[i]  # rows run along the second coordinate
        w = np.array([a, b, -np.sqrt(1.0 - a * a - b * b)])
        pattern = np.packbits((Z @ w) >= 0.0).tobytes()
        assert raster[i, j] == float(pattern in keys)
    assert 0.0 in raster and 1.0 in raster  # five draws miss some cells


def test_every_pixel_matches_the_set_membership_of_its_pattern() -> None:
    """All pixels of both hemispheres, for a few draw counts (the sort-based match of the pixel patterns
    against the sampled ones, checked against Python set membership, one pixel at a time)."""
    X = make_dataset("moons", 30, noise=0.2, seed=3).X
    Z = lift(X)
    for draws in (1, 7, 60):
        sampled = pattern_coverage(X, draws, seed=2).sampled
        keys = pattern_keys(sampled.D)
        for upper in (True, False):
            axis, raster = hemisphere_coverage(X, sampled, 25, upper=upper)
            for i, b in enumerate(axis):
                for j, a in enumerate(axis):
                    if a * a + b * b >= 1.0:
                        assert np.isnan(raster[i, j])
                        continue
                    w = np.array([a, b, (1.0 if upper else -1.0) * np.sqrt(1.0 - a * a - b * b)])
                    assert raster[i, j] == float(np.packbits((Z @ w) >= 0.0).tobytes() in keys)
