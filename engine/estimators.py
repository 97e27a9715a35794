"""scikit-learn estimators: the two-layer ReLU network trained by its convex program or by gradients.

``f(x) = sum_j alpha_j relu(w_j . (x, 1))`` is fitted to the objective of docs/design.md §2,

    J(W, alpha) = (1/n) sum_k l(f(x_k), y_k) + (beta/2) (||W||_F^2 + ||alpha||^2),

either globally through the convex program (:class:`ConvexReLUClassifier`,
:class:`ConvexReLURegressor`, via :func:`engine.convex.solve_convex`) or by gradient training from a
random start (:class:`SGDReLUClassifier`, :class:`SGDReLURegressor`, via
:func:`engine.gradient.sgd.train_sgd`).
``beta`` is in the units of J: it is not rescaled by n, and the inputs are not standardised (put a
``StandardScaler`` in front of the estimator in a ``Pipeline`` for data that are not of order 1).

Classifiers accept any labels. With two classes, ``classes_[1]`` is mapped to ``+1`` and
``classes_[0]`` to ``-1``; ``decision_function`` is ``f(x)`` and ``predict`` picks ``classes_[1]``
where ``f(x) > 0``. With K > 2 classes, K one-vs-rest networks are fitted (class k against the rest);
``decision_function`` is the n x K matrix of their outputs and ``predict`` its arg-max.
``predict_proba`` exists only for the logistic loss: ``sigmoid(f)`` (one-vs-rest: normalised over the
classes). Regressors use the squared loss ``(f - y)^2 / 2``.

Patterns (convex estimators): ``patterns="auto"`` (the default) uses the exact patterns, and so a
certified global optimum, for 2-D data with ``n <= AUTO_EXACT_MAX_N`` points, and
``DEFAULT_SAMPLED_PATTERNS`` Gaussian pattern draws otherwise (an upper bound on the global optimum;
``certificate_`` then tells how far it can be from it; for d > 2 it is only an estimate).

Fitted attributes (trailing underscore): ``n_features_in_``; ``result_`` (the engine's
:class:`~engine.results.ConvexResult` or :class:`~engine.results.TrainResult`), ``network_``
(:class:`~engine.network.TwoLayerReLU`), ``W_`` (m x (d+1), bias last), ``alpha_`` (m), ``objective_``
(J on the training data, with the +-1 labels), ``history_`` (the solver's or optimizer's log) and, for
the convex estimators, ``certificate_``, ``status_`` (the solver's status: ``"optimal"`` only at the
optimum of the program; on the exact program only when certified) and ``outcome_`` (``"certified"``,
``"solved"``: the optimum of a sampled program, an upper bound; or ``"uncertified"``: the solver
stopped short, with a ConvergenceWarning). A K-class classifier keeps one of each per class in
``results_``, ``networks_``, ``objectives_`` and, convex, ``certificates_``, ``statuses_`` and
``outcomes_`` (lists in the order of ``classes_``) and has the singular attributes only when K = 2.
``certified_`` (convex, every K) is True exactly when every fitted network is a certified global
optimum.

Randomness: ``random_state`` (default 0, so that two fits agree) seeds the pattern sampler (convex) or
the initial weights and minibatch shuffles (SGD). An int is used as the engine's seed as it is (the
same as ``--pattern-seed`` / ``--init-seed`` on the command line); a ``RandomState`` or None draws one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from engine.losses import LOSS_NAMES, Loss, get_loss

__all__ = [
    "AUTO_EXACT_MAX_N",
    "DEFAULT_SAMPLED_PATTERNS",
    "ConvexReLUClassifier",
    "ConvexReLURegressor",
    "SGDReLUClassifier",
    "SGDReLURegressor",
]

#: ``patterns="auto"``: exact patterns for 2-D data up to this many training points (the cap of the
#: reference solver on the exact program, engine.convex.EXACT_MAX_N).
AUTO_EXACT_MAX_N = 40
#: ``patterns="auto"``: the number of Gaussian pattern draws otherwise.
DEFAULT_SAMPLED_PATTERNS = 30
_CLASSIFIER_LOSSES = tuple(LOSS_NAMES)
# Fitted attributes of one network: set by two-class (and regression) fits only.
_SINGLE_ATTRIBUTES = (
    "result_",
    "network_",
    "W_",
    "alpha_",
    "objective_",
    "history_",
    "certificate_",
    "status_",
    "outcome_",
)


def _engine_seed(random_state: Any) -> int:
    """The engine's integer seed: an int as it is, else one drawn from the ``RandomState``."""
    if isinstance(random_state, int | np.integer) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0 (got {random_state})")
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _check_loss(loss: Any) -> Loss:
    """The estimator's ``loss`` parameter (a name) as the Loss the training back ends take."""
    if loss not in _CLASSIFIER_LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(_CLASSIFIER_LOSSES)}")
    return get_loss(loss)


# ----------------------------------------------------------------------------- training back ends


class _ConvexFit:
    """Training by the convex program (engine.convex.solve_convex)."""

    def _resolve_patterns(self, n: int, d: int) -> str | int:
        """``"auto"``: exact for 2-D data with n <= AUTO_EXACT_MAX_N (not for SCP), else
        DEFAULT_SAMPLED_PATTERNS draws."""
        patterns = self.patterns
        if isinstance(patterns, str):
            if patterns == "auto":  # SCP samples its own directions: never the exact program
                exact = d == 2 and n <= AUTO_EXACT_MAX_N and self.solver != "scp"
                return "exact" if exact else DEFAULT_SAMPLED_PATTERNS
            if patterns == "exact":
                return patterns
        elif isinstance(patterns, int | np.integer) and not isinstance(patterns, bool) and patterns >= 1:
            return int(patterns)
        raise ValueError(f"patterns must be 'auto', 'exact' or a positive whole number (got {patterns!r})")

    def _train(self, X: np.ndarray, y: np.ndarray, loss: Loss, seed: int):
        from engine.convex.program import solve_convex  # cvxpy is slow to import: only when fitting

        result = solve_convex(
            X,
            y,
            loss=loss,
            beta=self.beta,
            patterns=self._resolve_patterns(*X.shape),
            pattern_seed=seed,
            solver=self.solver,
            tol=self.tol,
        )
        if result.outcome == "uncertified":
            message = result.message or f"the convex solver stopped with status {result.status!r}"
            warnings.warn(f"not a certified optimum: {message}", ConvergenceWarning, stacklevel=5)
        return result

    def _set_extra(self, results: list, single: bool) -> None:
        self.certificates_ = [r.certificate for r in results]
        self.statuses_ = [r.status for r in results]
        self.outcomes_ = [r.outcome for r in results]
        self.certified_ = all(r.certified for r in results)
        if single:
            self.certificate_ = results[0].certificate
            self.status_ = results[0].status
            self.outcome_ = results[0].outcome


class _SGDFit:
    """Gradient training from a random start (engine.gradient.sgd.train_sgd)."""

    def _train(self, X: np.ndarray, y: np.ndarray, loss: Loss, seed: int):
        from engine.gradient.sgd import SGD_SETTINGS, train_sgd

        settings = {name: getattr(self, name) for name in SGD_SETTINGS}
        result = train_sgd(X, y, loss=loss, beta=self.beta, seed=seed, **settings)
        if result.diverged:
            warnings.warn(result.message, ConvergenceWarning, stacklevel=5)
        return result

    def _set_extra(self, results: list, single: bool) -> None:
        pass


class _NetworkEstimator(BaseEstimator):
    """Shared fitting and prediction code: one network per binary problem (or regression)."""

    def _fit_problems(self, X: np.ndarray, targets: list[np.ndarray], loss: Loss) -> None:
        """Train one network per target vector and store the fitted attributes."""
        seed = _engine_seed(self.random_state)
        results = [self._train(X, t, loss, seed) for t in targets]
        self.results_ = results
        self.networks_ = [r.network for r in results]
        self.objectives_ = [float(r.objective) for r in results]
        single = len(results) == 1
        for name in _SINGLE_ATTRIBUTES:  # a K-class refit must not keep a two-class fit's network
            self.__dict__.pop(name, None)
        if single:
            r = results[0]
            self.result_ = r
            self.network_ = r.network
            self.W_ = r.network.W
            self.alpha_ = r.network.alpha
            self.objective_ = float(r.objective)
            self.history_ = r.history
        self._set_extra(results, single)

    def _outputs(self, X: Any) -> np.ndarray:
        """The n x (number of networks) matrix of network outputs f(x) on validated X."""
        check_is_fitted(self, "networks_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.column_stack([net.predict(X) for net in self.networks_])


class _ReLUClassifier(ClassifierMixin, _NetworkEstimator):
    """Binary or one-vs-rest classification with any two or more labels."""

    def fit(self, X: Any, y: Any):
        """Fit one network (two classes: ``classes_[1]`` -> +1) or K one-vs-rest networks."""
        loss = _check_loss(self.loss)
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_min_samples=2)
        check_classification_targets(y)
        self.classes_, index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"the classifier needs samples of at least 2 classes; the data contain only one class "
                f"({self.classes_[0]!r})"
            )
        positive = [1] if len(self.classes_) == 2 else range(len(self.classes_))
        self._fit_problems(X, [np.where(index == k, 1.0, -1.0) for k in positive], loss)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """``f(x)``, the network output (n,) for two classes; n x K one-vs-rest outputs otherwise."""
        F = self._outputs(X)
        return F[:, 0] if len(self.classes_) == 2 else F

    def predict(self, X: Any) -> np.ndarray:
        """``classes_[1]`` where ``f(x) > 0`` (two classes), else the class of the largest output."""
        F = self.decision_function(X)
        index = (F > 0.0).astype(int) if F.ndim == 1 else np.argmax(F, axis=1)
        return self.classes_[index]

    def _has_proba(self) -> bool:
        return self.loss == "logistic"

    @available_if(_has_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Logistic loss only: ``P(classes_[1] | x) = sigmoid(f(x))``; one-vs-rest sigmoids normalised."""
        F = self.decision_function(X)
        if F.ndim == 1:
            p = expit(F)
            return np.column_stack([1.0 - p, p])
        P = expit(F)
        total = P.sum(axis=1, keepdims=True)
        P = np.where(total > 0.0, P, 1.0)  # every sigmoid underflowed: no preference
        return P / P.sum(axis=1, keepdims=True)

    @available_if(_has_proba)
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


class _ReLURegressor(RegressorMixin, _NetworkEstimator):
    """Regression with the squared loss ``(f - y)^2 / 2``."""

    def fit(self, X: Any, y: Any):
        """Fit one network to real targets y."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, ensure_min_samples=2)
        self._fit_problems(X, [np.asarray(y, dtype=float)], get_loss("squared"))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The network output ``f(x)``."""
        return self._outputs(X)[:, 0]


# ----------------------------------------------------------------------------- the parameters
# Each family's parameters are declared once, as dataclass fields; ``@dataclass`` writes every
# estimator's ``__init__`` from them: explicit keyword parameters in this order, each stored unchanged
# (the scikit-learn contract; ``get_params`` reads that signature). The classifier's ``loss`` comes
# first: dataclass fields are collected from the bases in reverse method resolution order.
# ``eq=False, repr=False`` keep scikit-learn's identity comparison and repr.


@dataclass(eq=False, repr=False)
class _ClassifierParameters:
    loss: str = "hinge"


@dataclass(eq=False, repr=False)
class _ConvexParameters:
    beta: float = 1e-3
    patterns: str | int = "auto"
    solver: str = "auto"
    tol: float = 1e-6
    random_state: Any = 0


@dataclass(eq=False, repr=False)
class _SGDParameters:
    beta: float = 1e-3
    optimizer: str = "adam"
    width: int = 50
    lr: float = 1e-2
    epochs: int = 200
    batch_size: int = 32
    init_scale: float = 1.0
    momentum: float = 0.9
    random_state: Any = 0


# ----------------------------------------------------------------------------- the four estimators


@dataclass(eq=False, repr=False)
class ConvexReLUClassifier(_ConvexFit, _ReLUClassifier, _ConvexParameters, _ClassifierParameters):
    """Two-layer ReLU classifier at the global optimum of J, by the convex program.

    Parameters: ``loss`` (``"hinge"``, ``"logistic"`` or ``"squared"`` on +-1 labels), ``beta > 0``
    (weight decay in J), ``patterns`` (``"auto"``, ``"exact"`` for 2-D data, or a number of Gaussian
    draws), ``solver`` (one of engine.convex.SOLVERS; ``"auto"`` = column generation for 2-D data, the
    CVXPY reference otherwise), ``tol`` (relative gap that counts as certified), ``random_state``
    (pattern sampler seed).
    """


@dataclass(eq=False, repr=False)
class ConvexReLURegressor(_ConvexFit, _ReLURegressor, _ConvexParameters):
    """Two-layer ReLU regressor (squared loss) at the global optimum of J, by the convex program.

    Parameters as :class:`ConvexReLUClassifier`, without ``loss``.
    """


@dataclass(eq=False, repr=False)
class SGDReLUClassifier(_SGDFit, _ReLUClassifier, _SGDParameters, _ClassifierParameters):
    """Two-layer ReLU classifier trained by a gradient method on J (engine.gradient.sgd.train_sgd).

    Parameters: ``loss``, ``beta >= 0``, ``optimizer`` (gd, sgd, momentum, nesterov, adam), ``width``
    (hidden neurons), ``lr`` (learning rate), ``epochs``, ``batch_size``, ``init_scale`` (scale of the
    random initial weights), ``momentum`` (heavy ball / Nesterov mu), ``random_state`` (initial
    weights and minibatch shuffles). A diverged run keeps its last good iterate and warns.
    """


@dataclass(eq=False, repr=False)
class SGDReLURegressor(_SGDFit, _ReLURegressor, _SGDParameters):
    """Two-layer ReLU regressor (squared loss) trained by a gradient method on J.

    Parameters as :class:`SGDReLUClassifier`, without ``loss``.
    """
