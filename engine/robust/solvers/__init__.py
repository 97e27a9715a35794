"""Solvers of the robust program (facet-reduced Clarabel, ADMM)."""

from __future__ import annotations

from engine._exports import lazy_exports

_EXPORTS = {
    "solve_robust_reduced": "engine.robust.solvers.reduced",
    "robust_admm_solve": "engine.robust.solvers.admm",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
