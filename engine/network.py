"""The two-layer ReLU network and its training objective J (docs/design.md §2).

``f(x) = sum_j alpha_j relu(w_j . z)`` with the lifted input ``z = (x, 1)``; ``W`` is ``m x (d+1)``
(last column = bias), ``alpha`` has length ``m``. The objective is

    J(W, alpha) = (1/n) sum_k l(f(x_k), y_k) + (beta/2) (||W||_F^2 + ||alpha||^2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.losses import Loss, get_loss


def lift(X: np.ndarray) -> np.ndarray:
    """Append the constant 1 to every row: ``Z = [X, 1]`` (n x (d+1))."""
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    return np.hstack([X, np.ones((X.shape[0], 1))])


@dataclass
class TwoLayerReLU:
    """A two-layer ReLU network ``f(x) = sum_j alpha_j relu(w_j . (x, 1))``."""

    W: np.ndarray  # m x (d+1), bias in the last column
    alpha: np.ndarray  # m

    def __post_init__(self) -> None:
        self.W = np.atleast_2d(np.asarray(self.W, dtype=float))
        self.alpha = np.asarray(self.alpha, dtype=float).reshape(-1)
        if self.W.shape[0] != self.alpha.shape[0]:
            raise ValueError(f"W has {self.W.shape[0]} rows but alpha has {self.alpha.shape[0]} entries")

    @property
    def width(self) -> int:
        return int(self.W.shape[0])

    @property
    def input_dim(self) -> int:
        return int(self.W.shape[1] - 1)

    def preactivations(self, X: np.ndarray) -> np.ndarray:
        """``Z W^T`` (n x m): each neuron's ``w_j . (x, 1)``."""
        return lift(X) @ self.W.T

    def hidden(self, X: np.ndarray) -> np.ndarray:
        """Hidden activations ``relu(Z W^T)`` (n x m)."""
        return np.maximum(self.preactivations(X), 0.0)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Network output ``f(x)`` for every row of X."""
        return self.hidden(X) @ self.alpha

    def classify(self, X: np.ndarray) -> np.ndarray:
        """Predicted label ``sign(f(x))`` in {-1, +1} (0 maps to +1)."""
        return np.where(self.predict(X) >= 0.0, 1.0, -1.0)

    def activation_pattern(self, X: np.ndarray) -> np.ndarray:
        """Boolean n x m matrix: neuron j is on at x (``w_j . (x,1) >= 0``)."""
        return self.preactivations(X) >= 0.0

    def regulariser(self) -> float:
        """``(||W||_F^2 + ||alpha||^2) / 2`` (multiply by beta)."""
        return 0.5 * float(np.sum(self.W**2) + np.sum(self.alpha**2))

    def objective(self, X: np.ndarray, y: np.ndarray, loss: Loss | str, beta: float) -> float:
        """The training objective J on (X, y)."""
        return get_loss(loss).mean(self.predict(X), y) + beta * self.regulariser()

    def gradients(
        self, X: np.ndarray, y: np.ndarray, loss: Loss | str, beta: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of J: ``(dJ/dW, dJ/dalpha)``, with relu'(0) taken as 0."""
        loss = get_loss(loss)
        Z = lift(X)
        pre = Z @ self.W.T
        act = np.maximum(pre, 0.0)
        g = loss.mean_gradient(act @ self.alpha, y)  # dL/df_k
        grad_alpha = act.T @ g + beta * self.alpha
        gate = (pre > 0.0).astype(float)
        grad_W = ((gate * g[:, None]) * self.alpha[None, :]).T @ Z + beta * self.W
        return grad_W, grad_alpha

    def active_neurons(self, rel_tol: float = 1e-8) -> int:
        """Number of neurons whose ``|alpha_j| * ||w_j||`` is not negligible."""
        size = np.abs(self.alpha) * np.linalg.norm(self.W, axis=1)
        if size.size == 0 or np.max(size) == 0.0:
            return 0
        return int(np.sum(size > rel_tol * np.max(size)))

    def to_dict(self) -> dict:
        """Plain JSON-ready form: ``{"W": [[...]], "alpha": [...]}`` (bias = last column of W)."""
        return {"W": self.W.tolist(), "alpha": self.alpha.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> TwoLayerReLU:
        return cls(W=np.asarray(data["W"], dtype=float), alpha=np.asarray(data["alpha"], dtype=float))


def accuracy(net: TwoLayerReLU, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of points with ``sign(f(x)) == y`` (labels in {-1, +1})."""
    if len(y) == 0:
        return float("nan")
    return float(np.mean(net.classify(X) == np.asarray(y)))
