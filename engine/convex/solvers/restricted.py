"""The restricted program of the working-set methods: the program on a few neuron blocks.

Column generation on the exact program (engine/convex/colgen.py) and the working set of a given
pattern set (engine/convex/solvers/working_set.py) both solve, round after round, the program on a
small set of blocks: patterns D_u for the u_i (output weight > 0) and D_v for the v_i (< 0). This
module holds that solve, shared by both, so that neither imports the other for it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.convex.solvers.reduced import FacetCache, column_keys, solve_reduced
from engine.losses import Loss
from engine.network import lift

__all__ = ["MARGIN_BAND", "RestrictedSolver", "block_keys", "default_restricted_solvers"]

# (X, y, D_u, D_v, directions_u, directions_v, loss, beta) -> (U, V, dual point or None, status):
# the program with patterns D_u for the u_i (output weight > 0) and D_v for the v_i
RestrictedSolver = Callable[
    [np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, Loss, float],
    tuple[np.ndarray, np.ndarray, np.ndarray | None, str],
]

# Hinge loss: the restricted programs keep the loss terms of the points with margin below 1 + this.
MARGIN_BAND = 0.5


def block_keys(D: np.ndarray, sign: np.ndarray) -> list[tuple[bytes, float]]:
    """The key (packed pattern, sign) of every block: column j of D with sign[j] (+1: a u-block, output
    weight > 0; -1: a v-block). How the working sets name their blocks."""
    return [(key, float(s)) for key, s in zip(column_keys(D), sign, strict=True)]


def default_restricted_solvers(
    facet_cache: FacetCache | None = None,
) -> tuple[RestrictedSolver, RestrictedSolver]:
    """The reduced-program solver sharing one facet cache, and its final variant: it also returns the
    solver's dual point (squared, hinge) and solves the logistic loss by proximal Newton on squared-loss
    models (``quadratic_models``, accurate to ~1e-10 where the exponential cones give ~1e-6), started
    from the previous logistic solution's weights of the blocks still in the working set.

    For the hinge loss the restricted program keeps the loss terms of the points near or inside the
    margin only (``loss_points``; the cone constraints still involve every point): a point whose
    margin is >= 1 at the solution has hinge term 0 and multiplier 0 either way. After each solve
    the points that the solution puts inside the margin but were left out are added and the program
    is solved again, so the answer is that of the whole program. The set starts from the points
    within ``MARGIN_BAND`` of the margin at the previous round's solution. ``facet_cache`` (shared
    with e.g. a later re-solve on the support) keeps the facets of every pattern seen.
    """
    cache: FacetCache = {} if facet_cache is None else facet_cache
    state: dict[str, np.ndarray] = {}

    def solve(X, y, Du, Dv, dirs_u, dirs_v, loss: Loss, beta, final=False):
        # logistic: the blocks' keys, to start the final variant from the previous weights of the blocks
        # still here (zero for new ones); no other loss uses a start
        keys: list[tuple[bytes, float]] = []
        warm = None
        if loss.name == "logistic":
            keys = block_keys(np.hstack([Du, Dv]), np.r_[np.ones(Du.shape[1]), -np.ones(Dv.shape[1])])
            last = state.get("weights", {})
            if final and keys:
                warm = np.column_stack([last.get(k, np.zeros(X.shape[1] + 1)) for k in keys])

        def run(points):
            return solve_reduced(
                X,
                y,
                Du,
                loss=loss,
                beta=beta,
                D_v=Dv,
                directions=dirs_u,
                directions_v=dirs_v,
                facet_cache=cache,
                want_dual=final,
                loss_points=points,
                warm_start=warm,
                quadratic_models=final,
            )

        if loss.name != "hinge":
            U, V, lam, status = run(None)
            if keys:
                state["weights"] = dict(zip(keys, np.hstack([U, V]).T, strict=True))
            return U, V, lam, status
        Z = lift(X)
        inside = state.get("inside", np.ones(len(y), dtype=bool))
        while True:
            U, V, lam, status = run(np.flatnonzero(inside))
            margin = y * (np.sum(Du * (Z @ U), axis=1) - np.sum(Dv * (Z @ V), axis=1))
            missing = ~inside & (margin < 1.0 - 1e-9)
            if not missing.any():
                break
            inside = inside | (margin < 1.0 + MARGIN_BAND)
        state["inside"] = margin < 1.0 + MARGIN_BAND
        return U, V, lam, status

    def solve_final(X, y, Du, Dv, dirs_u, dirs_v, loss: Loss, beta):
        return solve(X, y, Du, Dv, dirs_u, dirs_v, loss, beta, final=True)

    return solve, solve_final
