"""Per-sample losses l(f, y) and the conjugate of their mean (docs/design.md §2 and §3).

Conventions: the training loss is always the **mean** over the n points,
``L(yhat) = (1/n) sum_k l(yhat_k, y_k)``;

* squared   ``l(f, y) = (f - y)^2 / 2``
* hinge     ``l(f, y) = max(0, 1 - y f)``
* logistic  ``l(f, y) = log(1 + exp(-y f))``

``mean_conjugate`` returns ``L*(lam) = sum_k h_k*(lam_k)`` where ``h_k = l(., y_k) / n``; it is ``+inf``
outside the domain (hinge and logistic need ``-n lam_k y_k`` in ``[0, 1]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOSS_NAMES = ("squared", "hinge", "logistic")

# Slack used when testing conjugate domains, so that a dual point scaled into the domain by
# floating-point arithmetic is not rejected for a rounding error.
_DOMAIN_SLACK = 1e-12


@dataclass(frozen=True)
class Loss:
    """A per-sample loss ``l(f, y)``: value, derivative in ``f`` and the conjugate of its mean."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in LOSS_NAMES:
            raise ValueError(f"unknown loss {self.name!r}; choose one of {', '.join(LOSS_NAMES)}")

    def __str__(self) -> str:
        return self.name

    def value(self, f: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per-sample loss values ``l(f_k, y_k)``."""
        f = np.asarray(f, dtype=float)
        y = np.asarray(y, dtype=float)
        if self.name == "squared":
            return 0.5 * (f - y) ** 2
        if self.name == "hinge":
            return np.maximum(0.0, 1.0 - y * f)
        # log(1 + exp(-t)) computed without overflow
        return np.logaddexp(0.0, -y * f)

    def derivative(self, f: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per-sample derivative ``dl/df`` (for the hinge: the subgradient -y where 1 - y f > 0, else 0)."""
        f = np.asarray(f, dtype=float)
        y = np.asarray(y, dtype=float)
        if self.name == "squared":
            return f - y
        if self.name == "hinge":
            return np.where(1.0 - y * f > 0.0, -y, 0.0)
        # d/df log(1+exp(-y f)) = -y * sigmoid(-y f)
        return -y * _sigmoid(-y * f)

    def second_derivative(self, f: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per-sample ``d^2 l / df^2`` (hinge: 0 away from its kink, where it is undefined)."""
        f = np.asarray(f, dtype=float)
        y = np.asarray(y, dtype=float)
        if self.name == "squared":
            return np.ones_like(f)
        if self.name == "hinge":
            return np.zeros_like(f)
        s = _sigmoid(-y * f)
        return s * (1.0 - s) * y**2

    def mean(self, f: np.ndarray, y: np.ndarray) -> float:
        """The training loss ``L(f) = (1/n) sum_k l(f_k, y_k)``."""
        return float(np.mean(self.value(f, y)))

    def mean_gradient(self, f: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Gradient of ``L`` with respect to the prediction vector: ``l'(f_k, y_k) / n``."""
        return self.derivative(f, y) / len(np.asarray(y))

    def mean_conjugate(self, lam: np.ndarray, y: np.ndarray) -> float:
        """Convex conjugate ``L*(lam)`` of the mean loss; ``+inf`` outside its domain."""
        lam = np.asarray(lam, dtype=float)
        y = np.asarray(y, dtype=float)
        n = len(y)
        if self.name == "squared":
            return float(np.sum(0.5 * n * lam**2 + lam * y))
        a = -n * lam * y
        if np.any(a < -_DOMAIN_SLACK) or np.any(a > 1.0 + _DOMAIN_SLACK):
            return float("inf")
        a = np.clip(a, 0.0, 1.0)
        if self.name == "hinge":
            return float(np.sum(lam * y))
        return float(np.sum(_xlogx(a) + _xlogx(1.0 - a)) / n)

    def project_to_domain(self, lam: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The nearest dual point inside the conjugate's domain (clips ``-n lam_k y_k`` into [0, 1])."""
        lam = np.asarray(lam, dtype=float)
        if self.name == "squared":
            return lam
        y = np.asarray(y, dtype=float)
        n = len(y)
        a = np.clip(-n * lam * y, 0.0, 1.0)
        return -a * y / n

    def dual_scale_limit(self, lam: np.ndarray, y: np.ndarray) -> float:
        """Largest ``t >= 0`` with ``t * lam`` inside the conjugate's domain (``inf`` for squared)."""
        if self.name == "squared":
            return float("inf")
        a = -len(y) * np.asarray(lam, dtype=float) * np.asarray(y, dtype=float)
        if np.any(a < -_DOMAIN_SLACK):
            return 0.0
        top = float(np.max(a)) if a.size else 0.0
        return float("inf") if top <= 0.0 else 1.0 / top

    def is_classification(self) -> bool:
        """Hinge and logistic need labels in {-1, +1}; squared works for both."""
        return self.name != "squared"


def _sigmoid(t: np.ndarray) -> np.ndarray:
    out = np.empty_like(t, dtype=float)
    pos = t >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-t[pos]))
    e = np.exp(t[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def _xlogx(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0.0, a * np.log(np.where(a > 0.0, a, 1.0)), 0.0)


def get_loss(loss: Loss | str) -> Loss:
    """The loss called ``loss`` (one of ``LOSS_NAMES``), or ``loss`` itself if it is a :class:`Loss`.

    Entry points (``solve_convex``, ``solve_robust``, ``train_sgd``, ``certify``, the estimators, the
    command line) resolve the loss once with this; everything below them takes the :class:`Loss`.
    A ValueError names the choices for an unknown name.
    """
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSS_NAMES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSS_NAMES)}")
    return Loss(loss)
