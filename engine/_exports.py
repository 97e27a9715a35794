"""The engine's public API, and lazy names for its package ``__init__`` files (PEP 562).

Each package's public names are listed once, in :data:`PUBLIC_API`, with the module each lives in; a
name is imported on first use. So ``import engine`` or ``from engine.convex.pricing import
sphere_price`` does not import CVXPY (about a second) unless a convex solver is actually used, and a
package never imports its own modules at load time (no import cycle through an ``__init__``).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

# package -> {module: public names it provides}
PUBLIC_API: dict[str, dict[str, tuple[str, ...]]] = {
    "engine": {
        "engine.network": ("TwoLayerReLU", "lift", "accuracy"),
        "engine.losses": ("Loss", "LOSS_NAMES", "get_loss"),
        "engine.patterns": (
            "PatternSet",
            "exact_patterns",
            "sample_patterns",
            "count_exact_patterns",
            "build_patterns",
        ),
        "engine.attacks": ("AdversarialSpec", "fgsm", "pgd", "pgd_accuracy"),
        "engine.results": ("Certificate", "ConvexResult", "Snapshots", "TrainHistory", "TrainResult"),
        "engine.convex.program": ("solve_convex",),
        "engine.convex.solvers.registry": ("SOLVERS",),
        "engine.convex.certificate": ("certify",),
        "engine.robust.program": ("solve_robust", "RobustResult"),
        "engine.robust.certificate": ("certified_accuracy", "min_margin", "robust_objective_exact"),
        "engine.gradient.sgd": ("train_sgd", "OPTIMIZERS"),
        "engine.estimators": (
            "ConvexReLUClassifier",
            "ConvexReLURegressor",
            "SGDReLUClassifier",
            "SGDReLURegressor",
        ),
        "engine.cli.sweep": ("run_sweep",),
    },
    "engine.convex": {
        "engine.convex.program": ("solve_convex",),
        "engine.convex.solvers.registry": ("SOLVERS", "SOLVER_HELP", "EXACT_MAX_N", "COLGEN_MAX_N"),
        "engine.convex.solvers.reference": ("solve_cvxpy",),
        "engine.patterns": ("build_patterns", "MAX_SAMPLED_PATTERNS"),
        "engine.convex.certificate": ("certify", "DEFAULT_TOLERANCE", "gap_measure", "within_gap"),
        "engine.convex.recovery": (
            "recover_network",
            "merge_neurons",
            "convex_objective",
            "NEURON_REL_THRESHOLD",
        ),
        "engine.convex.colgen": ("column_generation",),
    },
    "engine.convex.solvers": {
        "engine.convex.solvers.registry": (
            "REGISTRY",
            "SOLVERS",
            "SOLVER_HELP",
            "get_solver",
            "select_solver",
            "solve_with_fallback",
        ),
        "engine.convex.solvers.base": ("ConvexRequest", "ConvexSolver", "Solution"),
        "engine.convex.solvers.reference": ("solve_cvxpy",),
        "engine.convex.solvers.admm": ("admm_solve",),
        "engine.convex.solvers.reduced": ("solve_reduced",),
        "engine.convex.solvers.scp": ("scp_solve",),
        "engine.convex.solvers.working_set": ("solve_on_working_set",),
    },
    "engine.robust": {
        "engine.robust.program": ("solve_robust", "solve_robust_cvxpy", "RobustResult"),
        "engine.robust.terms": ("NORMS", "dual_norm", "robust_terms", "network_robust_objective"),
        "engine.robust.solvers.registry": ("ROBUST_SOLVERS", "ROBUST_SOLVER_HELP"),
        "engine.robust.evaluation": (
            "PointStatus",
            "point_status",
            "AccuracyCurves",
            "accuracy_curves",
            "join_accuracy_curves",
        ),
        "engine.robust.certificate": (
            "certified_accuracy",
            "certified_robust",
            "min_margin",
            "robust_objective_exact",
            "robust_radius",
        ),
    },
    "engine.robust.solvers": {
        "engine.robust.solvers.base": ("RobustProblem", "RobustSolution", "RobustSolver"),
        "engine.robust.solvers.registry": (
            "ROBUST_SOLVER_REGISTRY",
            "get_robust_solver",
            "solve_robust_problem",
        ),
        "engine.robust.solvers.reduced": ("solve_robust_reduced",),
        "engine.robust.solvers.reference": ("solve_robust_reference",),
        "engine.robust.solvers.admm": ("robust_admm_solve",),
    },
    "engine.gradient": {
        "engine.gradient.sgd": ("train_sgd", "init_network", "OPTIMIZERS"),
        "engine.gradient.hessian": ("HessianOperator", "sharpness", "hutchinson_trace", "flatness"),
    },
    "engine.studies": {
        "engine.studies.race": ("run_race", "certified_optimum", "RaceResult"),
        "engine.studies.summary": ("summarize", "compare"),
        "engine.studies.approximation": ("approximation_curve", "pattern_coverage"),
        "engine.studies.landscape": ("multistart", "width_sweep", "teacher_student"),
        "engine.studies.dynamics": ("track_sharpness", "train_xor", "momentum_race", "singular_value_trace"),
        "engine.studies.reprogramming": ("reprogram", "reprogramming_curve"),
        "engine.studies.kernels": ("excess_risk_curves", "fit_kernel_ridge", "arccos_kernel"),
        "engine.studies.minnorm": ("minimum_norm_curve", "path_norm"),
        "engine.studies.online": ("online_regret", "rolling_mean"),
        "engine.studies.spectrum": ("spectra_at_minima", "hessian_spectrum"),
        "engine.studies.census": ("census_gaps", "summarize_census"),
    },
    "engine.cli": {
        "engine.cli.commands": ("main", "build_parser"),
        "engine.cli.sweep": ("run_sweep",),
        "engine.cli.run": ("RunSpec", "CLIError", "check", "train"),
    },
}


def lazy_exports(package: str) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for ``package``, from its entry in :data:`PUBLIC_API`."""
    exports = {name: module for module, names in PUBLIC_API[package].items() for name in names}

    def getattr_(name: str) -> Any:
        module = exports.get(name)
        if module is not None:
            return getattr(importlib.import_module(module), name)
        if not name.startswith("_") and importlib.util.find_spec(f"{package}.{name}") is not None:
            return importlib.import_module(f"{package}.{name}")  # a submodule, e.g. engine.cli
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        return sorted(exports)

    return getattr_, dir_, sorted(exports)
