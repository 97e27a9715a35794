"""Problems shared by several engine test modules."""

from __future__ import annotations

import numpy as np


def noisy_xor(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n Gaussian points in the plane labelled by the sign of x1 x2 plus noise (labels -1/+1)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = np.where(X[:, 0] * X[:, 1] + 0.3 * rng.standard_normal(n) >= 0.0, 1.0, -1.0)
    return X, y
