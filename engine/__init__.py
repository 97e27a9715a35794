"""ReLU Convexity Explorer engine: two-layer ReLU networks trained two ways (convex and gradient).

No Streamlit in here: pages, the command line and tests all call these plain functions. The public
API is re-exported here (imported on first use); the families live in subpackages:

* model: ``network``, ``losses``, ``patterns``, ``attacks``, ``results``, ``validation``;
* ``convex``: the convex program, its solvers (one registry), certificate, pricing, column generation;
* ``robust``: the robust (adversarial) program, its solvers, the exact 2-D certificate, evaluation;
* ``gradient``: gradient training (GD, SGD, momentum, Nesterov, Adam) and the Hessian;
* ``studies``: the numerics behind the phenomena pages (race, approximation, landscape, dynamics);
* ``figures``: Plotly builders (nothing else in the engine imports them but ``cli``);
* ``cli``: ``python -m engine`` (train, certify, sweep); ``estimators``: scikit-learn estimators.
"""

from __future__ import annotations

from engine._exports import lazy_exports

_EXPORTS = {
    "TwoLayerReLU": "engine.network",
    "lift": "engine.network",
    "accuracy": "engine.network",
    "Loss": "engine.losses",
    "LOSS_NAMES": "engine.losses",
    "get_loss": "engine.losses",
    "PatternSet": "engine.patterns",
    "exact_patterns": "engine.patterns",
    "sample_patterns": "engine.patterns",
    "count_exact_patterns": "engine.patterns",
    "AdversarialSpec": "engine.attacks",
    "fgsm": "engine.attacks",
    "pgd": "engine.attacks",
    "pgd_accuracy": "engine.attacks",
    "Certificate": "engine.results",
    "ConvexResult": "engine.results",
    "TrainHistory": "engine.results",
    "TrainResult": "engine.results",
    "solve_convex": "engine.convex.program",
    "SOLVERS": "engine.convex.program",
    "certify": "engine.convex.certificate",
    "solve_robust": "engine.robust.program",
    "RobustResult": "engine.robust.program",
    "certified_accuracy": "engine.robust.certificate",
    "min_margin": "engine.robust.certificate",
    "robust_objective_exact": "engine.robust.certificate",
    "train_sgd": "engine.gradient.sgd",
    "OPTIMIZERS": "engine.gradient.sgd",
    "ConvexReLUClassifier": "engine.estimators",
    "ConvexReLURegressor": "engine.estimators",
    "SGDReLUClassifier": "engine.estimators",
    "SGDReLURegressor": "engine.estimators",
    "run_sweep": "engine.cli.sweep",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
