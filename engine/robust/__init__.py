"""Robust (adversarial) training: the convex robust program, its solvers, the exact 2-D certificate."""

from __future__ import annotations

from engine._exports import lazy_exports

_EXPORTS = {
    "solve_robust": "engine.robust.program",
    "solve_robust_cvxpy": "engine.robust.program",
    "RobustResult": "engine.robust.program",
    "ROBUST_SOLVERS": "engine.robust.program",
    "NORMS": "engine.robust.program",
    "dual_norm": "engine.robust.program",
    "certified_accuracy": "engine.robust.certificate",
    "certified_robust": "engine.robust.certificate",
    "min_margin": "engine.robust.certificate",
    "robust_objective_exact": "engine.robust.certificate",
    "robust_radius": "engine.robust.certificate",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
