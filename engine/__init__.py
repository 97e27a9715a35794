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

from engine._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__)
