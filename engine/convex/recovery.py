"""Recovery of a ReLU network from a convex solution, and the convex objective C (docs/design.md §3).

Each nonzero u_i gives the neuron (u_i / sqrt||u_i||, +sqrt||u_i||), each nonzero v_i gives
(v_i / sqrt||v_i||, -sqrt||v_i||). When the cone constraints hold, J(recovered) = C(u, v) exactly.
"""

from __future__ import annotations

import numpy as np

from engine.losses import Loss, get_loss
from engine.network import TwoLayerReLU, lift

# A u_i or v_i counts as a neuron when its norm exceeds this fraction of the largest one.
NEURON_REL_THRESHOLD = 1e-6


def convex_objective(
    X: np.ndarray, y: np.ndarray, D: np.ndarray, U: np.ndarray, V: np.ndarray, loss: Loss | str, beta: float
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


def merge_neurons(network: TwoLayerReLU, X: np.ndarray, rel_tol: float = 1e-9) -> TwoLayerReLU:
    """Merge neurons with the same output sign that are strictly active on the same training points.

    For such neurons relu(Z u_1) + relu(Z u_2) = relu(Z (u_1 + u_2)) on the data (both are positive
    on the same points and <= 0 elsewhere), and ||u_1 + u_2|| <= ||u_1|| + ||u_2||, so the merged
    network makes the same training predictions with no larger J. Interior-point solutions split one
    neuron over several neighbouring patterns; this undoes it.
    """
    if network.width <= 1:
        return network
    Z = lift(X)
    U = network.W.T * np.abs(network.alpha)  # u = |alpha| w  (= alpha^2-balanced group vector)
    pre = Z @ U
    scale = np.linalg.norm(Z, axis=1)[:, None] * np.linalg.norm(U, axis=0)[None, :]
    active = pre > rel_tol * scale
    keys = np.packbits(np.vstack([active, (network.alpha > 0)[None, :]]).T, axis=1)
    groups: dict[bytes, list[int]] = {}
    for j, key in enumerate(keys):
        groups.setdefault(key.tobytes(), []).append(j)
    if len(groups) == network.width:
        return network
    merged = np.stack([U[:, g].sum(axis=1) for g in groups.values()], axis=1)
    signs = np.array([np.sign(network.alpha[g[0]]) for g in groups.values()])
    return recover_network(merged * (signs > 0), merged * (signs < 0), rel_threshold=0.0)
