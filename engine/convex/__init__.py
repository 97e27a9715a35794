"""The convex program of a two-layer ReLU network: routes, solvers, recovery, certificate, pricing."""

from __future__ import annotations

from engine._exports import lazy_exports

_EXPORTS = {
    "solve_convex": "engine.convex.program",
    "solve_cvxpy": "engine.convex.program",
    "build_patterns": "engine.convex.program",
    "SOLVERS": "engine.convex.program",
    "SOLVER_HELP": "engine.convex.program",
    "EXACT_MAX_N": "engine.convex.program",
    "COLGEN_MAX_N": "engine.convex.program",
    "MAX_SAMPLED_PATTERNS": "engine.convex.program",
    "certify": "engine.convex.certificate",
    "DEFAULT_TOLERANCE": "engine.convex.certificate",
    "recover_network": "engine.convex.recovery",
    "merge_neurons": "engine.convex.recovery",
    "convex_objective": "engine.convex.recovery",
    "NEURON_REL_THRESHOLD": "engine.convex.recovery",
    "column_generation": "engine.convex.colgen",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
