"""The robust loss terms and the robust objective (docs/design.md §5), shared by the program and its solvers.

On a ball ``||delta|| <= eps`` (l_inf ball: ``norm = 'inf'``, l2 ball: ``norm = '2'``; data units, the
bias coordinate never perturbed) a network that is linear on the ball, ``f(x_k + delta) = yhat_k +
g_k . delta``, has the closed-form worst case ``max_delta g_k . delta = eps ||g_k||_*`` with the dual
norm ``||.||_*`` (l1 for the l_inf ball, l2 for the l2 ball). The robust loss term of point k is then

    hinge     (1 - y_k yhat_k + eps ||g_k||_*)_+
    logistic  log(1 + exp(-y_k yhat_k + eps ||g_k||_*))
    squared   (|yhat_k - y_k| + eps ||g_k||_*)^2 / 2.

Every function here takes a resolved :class:`engine.losses.Loss` (the entry points resolve it once).
"""

from __future__ import annotations

import numpy as np

from engine.attacks import input_gradient
from engine.losses import Loss
from engine.network import TwoLayerReLU, lift

__all__ = ["NORMS", "dual_norm", "network_robust_objective", "robust_objective_linear", "robust_terms"]

NORMS = ("inf", "2")


def dual_norm(norm: str) -> int:
    """The order of the dual norm: l_inf ball -> l1, l2 ball -> l2. Raises ValueError for another norm."""
    if norm == "inf":
        return 1
    if norm == "2":
        return 2
    raise ValueError(f"norm must be 'inf' or '2' (got {norm!r})")


def robust_terms(yhat: np.ndarray, slopes: np.ndarray, y: np.ndarray, loss: Loss, eps: float) -> np.ndarray:
    """The robust loss term of every point from predictions, local slopes ``||g_k||_*`` and labels."""
    if loss.name == "hinge":
        return np.maximum(0.0, 1.0 - y * yhat + eps * slopes)
    if loss.name == "logistic":
        return np.logaddexp(0.0, -y * yhat + eps * slopes)
    if loss.name == "squared":
        return 0.5 * (np.abs(yhat - y) + eps * slopes) ** 2
    raise ValueError(f"no robust term for the {loss} loss")


def robust_objective_linear(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    U: np.ndarray,
    V: np.ndarray,
    *,
    loss: Loss,
    beta: float,
    eps: float,
    norm: str,
) -> float:
    """The robust program's objective at (U, V) on patterns D (constraints not checked):
    ``(1/n) sum_k robust term_k + beta sum_i (||u_i|| + ||v_i||)``."""
    Z = lift(X)
    d = X.shape[1]
    yhat = np.sum(D * (Z @ (U - V)), axis=1)
    G = D.astype(float) @ (U[:d] - V[:d]).T  # n x d local slopes
    slopes = np.linalg.norm(G, ord=dual_norm(norm), axis=1)
    reg = np.sum(np.linalg.norm(U, axis=0)) + np.sum(np.linalg.norm(V, axis=0))
    return float(np.mean(robust_terms(yhat, slopes, y, loss, eps)) + beta * reg)


def network_robust_objective(
    network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, *, loss: Loss, beta: float, eps: float, norm: str
) -> float:
    """The robust objective of a network that is linear on every ball (as the program's networks are):
    ``(1/n) sum_k robust term_k + (beta/2) ||theta||^2``.

    Uses the slope of f at each training point; for a network whose neurons change sign inside a
    ball this is not the worst case (use the exact 2-D certificate instead).
    """
    slopes = np.linalg.norm(input_gradient(network, X), ord=dual_norm(norm), axis=1)
    terms = robust_terms(network.predict(X), slopes, y, loss, eps)
    return float(np.mean(terms) + beta / 2 * (np.sum(network.W**2) + np.sum(network.alpha**2)))
