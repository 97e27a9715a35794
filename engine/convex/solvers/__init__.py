"""Solvers of the convex program (ADMM, facet-reduced Clarabel, SCP, working set)."""

from __future__ import annotations

from engine._exports import lazy_exports

_EXPORTS = {
    "admm_solve": "engine.convex.solvers.admm",
    "solve_reduced": "engine.convex.solvers.reduced",
    "scp_solve": "engine.convex.solvers.scp",
    "solve_on_working_set": "engine.convex.solvers.working_set",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
