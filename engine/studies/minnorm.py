"""An a-priori generalisation bound through the minimum-norm solution: the path norm of the certified
optimum against n (after Xu, Zhang, Zhang & Zhao, a-priori generalisation of two-layer networks via
the minimum-norm solution, 2019).

The **path norm** of a two-layer network is ``||theta||_P = sum_j |alpha_j| ||w_j||_2`` (w_j with its
bias). At a minimiser of J every neuron is balanced (``|alpha_j| = ||w_j||``, else rescaling
``w_j -> c w_j, alpha_j -> alpha_j / c`` lowers the penalty), so ``(beta/2)(||W||^2 + ||alpha||^2) =
beta ||theta||_P``: the convex program's regulariser ``beta sum_i (||u_i|| + ||v_i||)`` *is* beta times
the path norm of the recovered network, and the program minimises loss + beta * path norm exactly.

**The bound** (for ±1 labels, the 0-1 test error of ``sign f``). The networks of path norm at most Q
have empirical Rademacher complexity at most ``2 Q R / sqrt(n)`` on points with ``||(x, 1)|| <= R``
(relu is 1-Lipschitz; the absolute value costs the factor 2). The ramp loss
``r(t) = min(1, max(0, 1 - t))`` of the margin ``t = y f(x)`` is 1-Lipschitz and bounds the 0-1 error,
so with probability at least ``1 - delta`` over the sample

    test error <= mean_k r(y_k f(x_k)) + 4 Q R / sqrt(n) + 3 sqrt(log(2 / delta) / (2 n)).

It is stated for Q fixed before the data; taking Q as the optimum's path norm needs a union bound over
a grid of Q values, which adds a lower-order log log term left out here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from datasets import make_dataset
from engine.network import TwoLayerReLU, lift
from engine.results import ConvexResult
from engine.studies.race import certified_optimum

__all__ = [
    "BoundPoint",
    "MinNormCurve",
    "minimum_norm_curve",
    "path_norm",
    "program_regulariser",
    "ramp_loss",
]

DELTA = 0.05


def path_norm(network: TwoLayerReLU) -> float:
    """``sum_j |alpha_j| ||w_j||_2`` (w_j with its bias)."""
    return float(np.sum(np.abs(network.alpha) * np.linalg.norm(network.W, axis=1)))


def program_regulariser(result: ConvexResult) -> float:
    """``sum_i (||u_i|| + ||v_i||)`` at the program's solution (multiply by beta for its penalty)."""
    return float(np.linalg.norm(result.U, axis=0).sum() + np.linalg.norm(result.V, axis=0).sum())


def ramp_loss(margins: np.ndarray) -> float:
    """Mean ramp loss ``min(1, max(0, 1 - t))`` of the margins t."""
    return float(np.mean(np.clip(1.0 - np.asarray(margins, dtype=float), 0.0, 1.0)))


@dataclass
class BoundPoint:
    """One training size: the optimum's path norm, its J, train ramp loss, test error and the bound."""

    n: int
    path_norm: float
    objective: float
    certified: bool
    train_ramp: float
    train_error: float
    test_error: float
    radius: float  # R = max ||(x, 1)|| over the training points
    complexity: float  # 4 Q R / sqrt(n)
    confidence: float  # 3 sqrt(log(2 / delta) / (2 n))

    @property
    def bound(self) -> float:
        return self.train_ramp + self.complexity + self.confidence


@dataclass
class MinNormCurve:
    """The bound's terms against n; ``messages`` name the sizes that failed."""

    dataset: str
    beta: float
    points: list[BoundPoint]
    messages: list[str] = field(default_factory=list)


def minimum_norm_curve(
    dataset: str,
    ns: Sequence[int],
    *,
    loss: str = "squared",
    beta: float = 1e-3,
    noise: float = 0.1,
    seed: int = 0,
    n_test: int = 500,
    delta: float = DELTA,
) -> MinNormCurve:
    """For every n: the certified optimum of J on the data set (``make_dataset(dataset, n, ...)``), its
    path norm and the Rademacher bound on its test error (classification data sets only)."""
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1) (got {delta})")
    ns = sorted({int(n) for n in ns})
    points, messages = [], []
    for n in ns:
        data = make_dataset(dataset, n, noise=noise, seed=seed, n_test=n_test)
        if data.task != "classification":
            raise ValueError(
                f"the bound is on the classification error: {dataset!r} is a regression data set"
            )
        try:
            opt = certified_optimum(data.X, data.y, loss=loss, beta=beta)
        except (ValueError, RuntimeError) as exc:
            messages.append(f"n = {n}: {' '.join(str(exc).split())}")
            continue
        net = opt.network
        Q = path_norm(net)
        R = float(np.max(np.linalg.norm(lift(data.X), axis=1)))
        points.append(
            BoundPoint(
                n=n,
                path_norm=Q,
                objective=float(opt.objective),
                certified=opt.certified,
                train_ramp=ramp_loss(data.y * net.predict(data.X)),
                train_error=float(np.mean(net.classify(data.X) != data.y)),
                test_error=float(np.mean(net.classify(data.X_test) != data.y_test)),
                radius=R,
                complexity=4.0 * Q * R / math.sqrt(n),
                confidence=3.0 * math.sqrt(math.log(2.0 / delta) / (2.0 * n)),
            )
        )
    return MinNormCurve(dataset=dataset, beta=float(beta), points=points, messages=messages)
