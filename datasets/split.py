"""Deterministic train/test split, stratified for +-1 labels."""

from __future__ import annotations

import numpy as np

from datasets.base import STREAM_SPLIT, DataError, check_float, check_int, check_seed, rng_for

DEFAULT_TEST_FRACTION: float = 0.25


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    test_fraction: float | None = None,
    seed: int = 0,
    *,
    n_test: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split ``(X, y)`` into ``(X_train, y_train, X_test, y_test)``, deterministically from ``seed``.

    The test part has ``n_test`` points, or ``round(test_fraction * n)`` clipped to ``[1, n - 1]``
    (``test_fraction`` in the open interval ``(0, 1)``; 0.25 when neither is given). When the labels are
    exactly ``-1``/``+1`` the split is stratified: each class goes to the test part in proportion
    (largest remainders), and each class with at least 2 points gets at least one point in each part
    whenever both parts have room for both classes; a class with a single point keeps it in training when
    it can. Both parts keep the original order of the points.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise DataError(
            f"X must be an n x d array with one row per label, got shapes {X.shape} and {y.shape}."
        )
    n = int(y.shape[0])
    if n < 2:
        raise DataError(f"Splitting needs at least 2 points, got {n}.")
    seed = check_seed(seed)
    if test_fraction is not None and n_test is not None:
        raise DataError("Give either test_fraction or n_test, not both.")
    if n_test is None:
        fraction = DEFAULT_TEST_FRACTION if test_fraction is None else test_fraction
        fraction = check_float(fraction, "The test fraction", 0.0, 1.0, lo_open=True, hi_open=True)
        n_test = int(min(max(round(fraction * n), 1), n - 1))
    else:
        n_test = check_int(n_test, "The number of test points n_test", 1, n - 1)

    rng = rng_for(seed, STREAM_SPLIT)
    test = np.zeros(n, dtype=bool)
    labels = np.unique(y)
    if labels.size == 2 and set(labels.tolist()) == {-1.0, 1.0}:
        members = [np.flatnonzero(y == label) for label in labels]
        take = _allocate(np.array([m.size for m in members]), n_test)
        for idx, k in zip(members, take, strict=True):
            test[rng.permutation(idx)[:k]] = True
    else:
        test[rng.permutation(n)[:n_test]] = True
    return X[~test], y[~test], X[test], y[test]


def _allocate(counts: np.ndarray, n_test: int) -> np.ndarray:
    """Test points per class: proportional (largest remainders), then moved so that every class with at
    least 2 points has at least one point in each part when that is possible."""
    n = int(counts.sum())
    exact = n_test * counts / n
    take = np.floor(exact).astype(int)
    order = np.argsort(-(exact - take), kind="stable")
    take[order[: n_test - int(take.sum())]] += 1
    k = counts.size
    lo = np.where((counts >= 2) & (n_test >= k), 1, 0)
    hi = np.where((counts >= 2) & (n - n_test >= k), counts - 1, counts)
    hi = np.where(counts == 1, 0, hi)  # a lone point of a class stays in training if it can
    take = np.clip(take, lo, hi)
    while take.sum() > n_test:
        take[np.argmax(np.where(take > lo, take - lo, -1))] -= 1
    while take.sum() < n_test:
        if np.all(take >= hi):
            hi = counts
        take[np.argmax(np.where(take < hi, hi - take, -1))] += 1
    return take
