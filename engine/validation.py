"""Checks shared by every training route: data shapes, finite values, labels and beta."""

from __future__ import annotations

import numpy as np

from engine.losses import Loss, get_loss


def validate_problem(
    X: np.ndarray, y: np.ndarray, loss: Loss | str, beta: float
) -> tuple[np.ndarray, np.ndarray, Loss]:
    """Check shapes, finiteness, labels and beta once, at an entry point: ``(X, y, the Loss)``.

    Raises ValueError with a one-sentence message. What it returns is what the internals take.
    """
    loss = get_loss(loss)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise ValueError("X must be an n x d array with one label per row")
    if X.shape[0] < 2:
        raise ValueError("training needs at least 2 points")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("the data contain NaN or infinite values")
    if not (np.isfinite(beta) and beta > 0.0):
        raise ValueError("beta must be a positive number")
    if loss.is_classification() and not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"the {loss} loss needs labels -1/+1; use the squared loss for regression targets")
    return X, y, loss
