"""Recovery of a ReLU network from a convex solution, and the convex objective C (DESIGN.md section 3).

Each nonzero u_i gives the neuron (u_i / sqrt||u_i||, +sqrt||u_i||), each nonzero v_i gives
(v_i / sqrt||v_i||, -sqrt||v_i||). When the cone constraints hold, J(recovered) = C(u, v) exactly.
"""

from __future__ import annotations

import numpy as np

from engine.losses import get_loss
from engine.network import TwoLayerReLU, lift

# A u_i or v_i counts as a neuron when its norm exceeds this fraction of the largest one.
NEURON_REL_THRESHOLD = 1e-6


def convex_objective(
    X: np.ndarray, y: np.ndarray, D: np.ndarray, U: np.ndarray, V: np.ndarray, loss: str, beta: float
) -> float:
    """``C(u, v)`` for columns u_i = U[:, i], v_i = V[:, i] of the patterns D (constraints not checked)."""
    Z = lift(X)
    yhat = np.sum(D * (Z @ (U - V)), axis=1)
    reg = np.sum(np.linalg.norm(U, axis=0)) + np.sum(np.linalg.norm(V, axis=0))
    return get_loss(loss).mean(yhat, y) + beta * float(reg)


def recover_network(
    U: np.ndarray, V: np.ndarray, rel_threshold: float = NEURON_REL_THRESHOLD
) -> TwoLayerReLU:
    """The ReLU network of a convex solution: one neuron per nonzero u_i (alpha > 0) and v_i (alpha < 0)."""
    norms_u = np.linalg.norm(U, axis=0)
    norms_v = np.linalg.norm(V, axis=0)
    top = max(float(np.max(norms_u, initial=0.0)), float(np.max(norms_v, initial=0.0)))
    rows, alphas = [], []
    if top > 0.0:
        for M, norms, sign in ((U, norms_u, 1.0), (V, norms_v, -1.0)):
            for i in np.flatnonzero(norms > rel_threshold * top):
                r = np.sqrt(norms[i])
                rows.append(M[:, i] / r)
                alphas.append(sign * r)
    if not rows:
        return TwoLayerReLU(W=np.zeros((0, U.shape[0])), alpha=np.zeros(0))
    return TwoLayerReLU(W=np.vstack(rows), alpha=np.array(alphas))
