"""Adversarial reprogramming of a random, frozen two-layer ReLU network (Englert & Lazic, "Adversarial
Reprogramming Revisited", NeurIPS 2022).

The network ``f(x) = sum_j a_j relu(w_j . x + b_j)`` on ``x in R^d`` has random weights that are never
trained: ``w_j ~ N(0, I_d / d)``, ``b_j ~ N(0, 1/d)``, ``a_j ~ N(0, 1/m)``. A new task is given on
hypercube vertices by a Bernoulli data model: a hidden sign vector ``s in {-1, +1}^d``; a point of class
``c in {-1, +1}`` has independent coordinates ``x_i = c s_i`` with probability ``q`` and ``-c s_i``
otherwise (``q > 1/2``: a noisy copy of ``c s``). Only an input **program** is learned, additive
``x -> x + p`` or affine ``x -> A x + p``: the prediction is ``sign f(program(x))`` and the program
minimises the mean logistic loss ``mean log(1 + exp(-c f(program(x))))`` by Adam on a training sample.
Since ``W (x + p) + b = W x + (W p + b)``, an additive program can set every neuron's offset freely
exactly when ``W`` (m x d) has full row rank, i.e. when ``m <= d`` (an affine one then sets every
neuron's weights too, ``W A`` being any m x d matrix); the paper proves arbitrarily high accuracy when
``m <= d``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.threads import one_blas_thread

__all__ = [
    "PROGRAMS",
    "RATIOS",
    "ReprogramCurve",
    "ReprogramResult",
    "bernoulli_cube",
    "random_network",
    "reprogram",
    "reprogramming_curve",
]


def random_network(d: int, width: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The frozen random network ``(W, b, a)``: ``W`` m x d with N(0, 1/d) entries, ``b`` N(0, 1/d),
    ``a`` N(0, 1/m), from ``default_rng(seed)``."""
    d, width = int(d), int(width)
    if d < 1 or width < 1:
        raise ValueError(f"the random network needs d >= 1 and width >= 1 (got d = {d}, width = {width})")
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((width, d)) / math.sqrt(d)
    b = rng.standard_normal(width) / math.sqrt(d)
    a = rng.standard_normal(width) / math.sqrt(width)
    return W, b, a


def bernoulli_cube(
    n: int, signs: np.ndarray, q: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of the Bernoulli model on ``{-1, +1}^d`` (balanced classes ``c``) and their classes:
    coordinate i is ``c s_i`` with probability ``q``, else ``-c s_i``."""
    if not 0.5 < q <= 1.0:
        raise ValueError(f"q must be in (0.5, 1] (got {q})")
    c = np.where(np.arange(int(n)) % 2 == 0, 1.0, -1.0)
    rng.shuffle(c)
    keep = rng.random((int(n), signs.size)) < q
    X = np.where(keep, 1.0, -1.0) * c[:, None] * signs[None, :]
    return X, c


PROGRAMS = ("additive", "affine")
RATIOS = (0.25, 0.5, 1.0, 2.0, 4.0)  # the widths of the reprogramming curve (the Theory page), as m / d


def _forward(W, b, a, X, A, p):
    """f at the programmed inputs ``x A^T + p`` (A None: the identity) and the preactivations."""
    inner = X + p if A is None else X @ A.T + p
    pre = inner @ W.T + b
    return np.maximum(pre, 0.0) @ a, pre


@dataclass
class ReprogramResult:
    """One reprogramming: the program, train and test accuracy with it and without it (p = 0), and the
    test points with the frozen network's outputs before and after (for the 2-D picture)."""

    d: int
    width: int
    program: np.ndarray  # the additive part p
    kind: str  # "additive" (x + p) or "affine" (A x + p)
    train_accuracy: float
    test_accuracy: float
    test_accuracy_unprogrammed: float  # the better of the two label maps, sign f and -sign f, at p = 0
    losses: np.ndarray  # training loss per Adam step
    score: np.ndarray  # s . x / d of the test points (the task's signal, in [-1, 1])
    label: np.ndarray  # classes of the test points
    output_before: np.ndarray  # f(x) on the test points
    output_after: np.ndarray  # f(x + p) on the test points


def reprogram(
    d: int,
    width: int,
    *,
    q: float = 0.75,
    n_train: int = 200,
    n_test: int = 500,
    steps: int = 300,
    lr: float = 0.1,
    seed: int = 0,
    kind: str = "additive",
) -> ReprogramResult:
    """Learn a program for the frozen random network of ``seed`` on the Bernoulli task of ``seed``
    (Adam, ``steps`` full-batch steps of size ``lr``, logistic loss): ``kind="additive"`` learns
    ``p`` in ``x + p`` from p = 0; ``"affine"`` learns ``A`` and ``p`` in ``A x + p`` from (I, 0)."""
    if kind not in PROGRAMS:
        raise ValueError(f"unknown program {kind!r}; choose one of {', '.join(PROGRAMS)}")
    d, width, steps = int(d), int(width), int(steps)
    if steps < 1 or not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"steps must be >= 1 and lr > 0 (got steps = {steps}, lr = {lr})")
    if n_train < 2 or n_test < 2:
        raise ValueError(f"need at least 2 training and 2 test points (got {n_train}, {n_test})")
    W, b, a = random_network(d, width, seed)
    rng = np.random.default_rng([seed, 1])
    signs = np.where(rng.random(d) < 0.5, -1.0, 1.0)
    X, c = bernoulli_cube(n_train, signs, q, rng)
    Xt, ct = bernoulli_cube(n_test, signs, q, rng)
    affine = kind == "affine"
    theta = np.concatenate([np.eye(d).ravel(), np.zeros(d)]) if affine else np.zeros(d)

    def split(theta: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        return (theta[: d * d].reshape(d, d), theta[d * d :]) if affine else (None, theta)

    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    losses = np.empty(steps)
    with one_blas_thread():  # small products: a second BLAS thread only spins (load-dependent cost)
        for t in range(1, steps + 1):
            A, p = split(theta)
            f, pre = _forward(W, b, a, X, A, p)
            margin = c * f
            losses[t - 1] = float(np.mean(np.logaddexp(0.0, -margin)))
            # d/df log(1 + e^(-c f)) = -c sigma(-c f); then back through the frozen layer to the inputs
            g_f = -c * np.exp(-np.logaddexp(0.0, margin)) / X.shape[0]
            H = (g_f[:, None] * (pre > 0.0) * a[None, :]) @ W  # n x d: dL/d(programmed input)
            grad = np.concatenate([(H.T @ X).ravel(), H.sum(axis=0)]) if affine else H.sum(axis=0)
            m1 = 0.9 * m1 + 0.1 * grad
            m2 = 0.999 * m2 + 0.001 * grad**2
            theta = theta - lr * (m1 / (1 - 0.9**t)) / (np.sqrt(m2 / (1 - 0.999**t)) + 1e-8)
    A, p = split(theta)
    f_train, _ = _forward(W, b, a, X, A, p)
    before, _ = _forward(W, b, a, Xt, None, np.zeros(d))
    after, _ = _forward(W, b, a, Xt, A, p)
    unprogrammed = float(np.mean(np.where(before >= 0, 1.0, -1.0) == ct))
    return ReprogramResult(
        d=d,
        width=width,
        program=p,
        kind=kind,
        train_accuracy=float(np.mean(np.where(f_train >= 0, 1.0, -1.0) == c)),
        test_accuracy=float(np.mean(np.where(after >= 0, 1.0, -1.0) == ct)),
        test_accuracy_unprogrammed=max(unprogrammed, 1.0 - unprogrammed),
        losses=losses,
        score=Xt @ signs / d,
        label=ct,
        output_before=before,
        output_after=after,
    )


@dataclass
class ReprogramCurve:
    """Test accuracy of reprogramming against the width at one input dimension, over seeds."""

    d: int
    widths: list[int]
    accuracy: np.ndarray  # len(widths) x seeds
    q: float
    kind: str

    @property
    def mean(self) -> np.ndarray:
        return self.accuracy.mean(axis=1)

    @property
    def bayes(self) -> float:
        """Accuracy of the best classifier of the task, ``sign(s . x)``, by the exact binomial sum: the
        probability that more than half of the d coordinates agree (ties split evenly)."""
        d, q = self.d, self.q
        total = 0.0
        for k in range(d + 1):
            pk = math.comb(d, k) * q**k * (1 - q) ** (d - k)
            total += pk if 2 * k > d else 0.5 * pk if 2 * k == d else 0.0
        return total


def reprogramming_curve(
    d: int,
    widths: Sequence[int],
    *,
    seeds: int = 3,
    seed: int = 0,
    q: float = 0.75,
    n_train: int = 200,
    steps: int = 300,
    lr: float = 0.1,
    kind: str = "additive",
) -> ReprogramCurve:
    """Test accuracy of :func:`reprogram` for every width, seeds ``seed .. seed + seeds - 1``."""
    widths = [int(m) for m in widths]
    if not widths or seeds < 1:
        raise ValueError("need at least one width and one seed")
    acc = np.array(
        [
            [
                reprogram(
                    d, m, q=q, n_train=n_train, n_test=400, steps=steps, lr=lr, seed=seed + s, kind=kind
                ).test_accuracy
                for s in range(int(seeds))
            ]
            for m in widths
        ]
    )
    return ReprogramCurve(d=int(d), widths=widths, accuracy=acc, q=float(q), kind=kind)
