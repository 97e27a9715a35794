"""Training dynamics of the two-layer ReLU network: sharpness, benign overfitting, momentum, low rank.

* :func:`track_sharpness`: GD or SGD (``train_sgd``) with the sharpness ``lambda_max`` of the Hessian of
  J and its trace (Hutchinson) measured at checkpoints (Wu & Su: a minimum is linearly stable for GD
  only if ``lambda_max <= 2 / eta``; for SGD the trace is the relevant measure).
* :func:`make_xor_clusters`, :func:`train_xor`: XOR-cluster data in R^d with a fraction of flipped labels
  and gradient descent on the first layer of a ReLU net (the setting of "Benign overfitting and grokking
  in ReLU networks for XOR cluster data"), with train, test and flipped-label accuracy per step.
* :func:`momentum_race`: GD, heavy ball, Nesterov and Adam from the same start on the full batch.
* :func:`singular_value_trace`: the singular values of the first-layer weights during SGD.

``track_sharpness`` and ``singular_value_trace`` train in chunks: ``train_sgd(init=previous network,
max_steps=chunk)``. GD and plain SGD carry no optimizer state between steps, so chunking changes nothing
but the minibatch shuffles (chunk i shuffles with seed ``seed + 1 + i``); they refuse stateful optimizers.
Everything is deterministic from its seeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.cancel import check as check_cancel
from engine.gradient.hessian import HessianOperator, hutchinson_trace, sharpness
from engine.gradient.sgd import init_network, is_classification_labels, train_sgd
from engine.losses import Loss, get_loss
from engine.network import TwoLayerReLU, accuracy
from engine.threads import one_blas_thread

__all__ = [
    "MomentumCurve",
    "SharpnessTrace",
    "SingularValueTrace",
    "XORData",
    "XORTrace",
    "checkpoints",
    "make_xor_clusters",
    "momentum_race",
    "singular_value_trace",
    "track_sharpness",
    "train_xor",
]

STATELESS = ("gd", "sgd")
MAX_XOR_DIM = 5000
MAX_XOR_POINTS = 2000


def checkpoints(steps: int, points: int) -> list[int]:
    """About ``points`` evenly spaced integer steps from 0 to ``steps`` (both included)."""
    steps, points = int(steps), max(1, int(points))
    if steps < 1:
        raise ValueError(f"steps must be >= 1 (got {steps})")
    return sorted({int(round(s)) for s in np.linspace(0, steps, min(points, steps) + 1)})


def _chunked(
    X: np.ndarray,
    y: np.ndarray,
    visit: Callable[[int, TwoLayerReLU], None],
    start: tuple[int, float],
    marks: Sequence[int],
    plan: dict,
) -> str:
    """Train with ``train_sgd`` from ``init_network(d, *start, seed)`` (``start = (width, init_scale)``)
    through the steps ``marks`` (ascending, from 0), calling ``visit(step, network)`` at each; ``plan``
    holds loss, beta, optimizer, lr, batch_size and seed. Returns train_sgd's divergence message or ''."""
    optimizer, batch_size, seed = plan["optimizer"], plan["batch_size"], plan["seed"]
    if optimizer not in STATELESS:
        raise ValueError(f"tracking runs in chunks and needs a stateless optimizer ({', '.join(STATELESS)})")
    n = np.asarray(X).shape[0]
    per_epoch = 1 if optimizer == "gd" else math.ceil(n / min(int(batch_size), n))
    net = init_network(np.asarray(X).shape[1], start[0], start[1], seed)
    visit(marks[0], net)
    for i, (a, b) in enumerate(zip(marks[:-1], marks[1:], strict=True)):
        res = train_sgd(
            X,
            y,
            **plan | dict(seed=int(seed) + 1 + i),
            epochs=math.ceil((b - a) / per_epoch),
            max_steps=b - a,
            log_every=b - a,
            init=net,
        )
        if res.diverged:
            return res.message
        net = res.network
        visit(b, net)
    return ""


@dataclass
class SharpnessTrace:
    """Sharpness measures of J along one GD/SGD run, at the checkpoint steps."""

    label: str
    lr: float
    optimizer: str
    step: list[int] = field(default_factory=list)
    objective: list[float] = field(default_factory=list)
    lambda_max: list[float] = field(default_factory=list)  # largest Hessian eigenvalue
    trace: list[float] = field(default_factory=list)  # Hutchinson estimate of tr(H)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    norm_sq: list[float] = field(default_factory=list)  # ||W||^2 + ||alpha||^2
    message: str = ""  # divergence message, '' otherwise

    @property
    def threshold(self) -> float:
        """The linear-stability threshold ``2 / eta``."""
        return 2.0 / self.lr


def track_sharpness(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str = "squared",
    beta: float = 1e-3,
    optimizer: str = "gd",
    lr: float = 0.1,
    width: int = 20,
    init_scale: float = 1.0,
    steps: int = 500,
    batch_size: int = 8,
    seed: int = 0,
    points: int = 20,
    probes: int = 20,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
) -> SharpnessTrace:
    """Train by ``optimizer`` ("gd" or "sgd") and measure ``lambda_max(H)`` (Lanczos), ``tr(H)``
    (Hutchinson with ``probes`` Rademacher vectors) and accuracies at ``points`` checkpoints.

    The initial network is ``init_network(d, width, init_scale, seed)`` (the same for GD and SGD).
    A diverged run keeps its checkpoints so far and says so in ``message``.
    """
    loss = get_loss(loss)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    out = SharpnessTrace(label=f"{optimizer.upper()} η = {lr:g}", lr=float(lr), optimizer=optimizer)
    labels = is_classification_labels(y)  # accuracies only for +-1 labels (nan for regression)

    def visit(step: int, net: TwoLayerReLU) -> None:
        op = HessianOperator(net, X, y, loss, beta)
        out.step.append(step)
        out.objective.append(net.objective(X, y, loss, beta))
        out.lambda_max.append(sharpness(op, seed=seed))
        out.trace.append(hutchinson_trace(op, probes=probes, seed=seed)[0])
        out.train_accuracy.append(accuracy(net, X, y) if labels else float("nan"))
        out.test_accuracy.append(
            accuracy(net, X_test, y_test) if labels and X_test is not None else float("nan")
        )
        out.norm_sq.append(2.0 * net.regulariser())

    plan = dict(loss=loss, beta=beta, optimizer=optimizer, lr=lr, batch_size=batch_size, seed=seed)
    out.message = _chunked(X, y, visit, (width, init_scale), checkpoints(steps, points), plan)
    return out


# ----------------------------------------------------------------------------------------------
# XOR clusters: benign overfitting and grokking


@dataclass
class XORData:
    """XOR clusters in R^d: training points with (partly flipped) labels and clean test points."""

    X: np.ndarray
    y: np.ndarray  # training labels, flipped ones included
    flipped: np.ndarray  # bool mask of the flipped training labels
    X_test: np.ndarray
    y_test: np.ndarray  # clean labels


def make_xor_clusters(
    n: int, d: int, *, mu: float = 10.0, flip: float = 0.1, seed: int = 0, n_test: int = 500
) -> XORData:
    """Points ``x = c + xi`` with ``xi ~ N(0, I_d)`` and a cluster mean ``c`` drawn uniformly from
    ``{+mu e_1, -mu e_1}`` (label +1) or ``{+mu e_2, -mu e_2}`` (label -1): the XOR of the paper, mean
    norm ``mu`` (noise has norm about sqrt(d)).

    Exactly ``round(flip * n)`` training labels are flipped (a uniformly random subset); test labels are
    clean. Training and test points, then the flipped subset, come from ``default_rng(seed)``.
    """
    n, d, n_test = int(n), int(d), int(n_test)
    if not 4 <= n <= MAX_XOR_POINTS:
        raise ValueError(f"n must be between 4 and {MAX_XOR_POINTS} (got {n})")
    if not 2 <= d <= MAX_XOR_DIM:
        raise ValueError(f"d must be between 2 and {MAX_XOR_DIM} (got {d})")
    if not (math.isfinite(mu) and mu > 0):
        raise ValueError(f"the cluster mean norm mu must be > 0 (got {mu})")
    if not 0.0 <= flip <= 0.5:
        raise ValueError(f"the flip fraction must be in [0, 0.5] (got {flip})")
    if n_test < 1:
        raise ValueError(f"n_test must be >= 1 (got {n_test})")
    rng = np.random.default_rng(seed)

    def draw(k: int) -> tuple[np.ndarray, np.ndarray]:
        cluster = rng.integers(0, 4, k)  # 0, 1: +-e1 (label +1); 2, 3: +-e2 (label -1)
        C = np.zeros((k, d))
        C[np.arange(k), np.where(cluster < 2, 0, 1)] = np.where(cluster % 2 == 0, mu, -mu)
        return C + rng.standard_normal((k, d)), np.where(cluster < 2, 1.0, -1.0)

    X, y = draw(n)
    X_test, y_test = draw(n_test)
    flipped = np.zeros(n, dtype=bool)
    flipped[rng.choice(n, size=round(flip * n), replace=False)] = True
    return XORData(X=X, y=np.where(flipped, -y, y), flipped=flipped, X_test=X_test, y_test=y_test)


@dataclass
class XORTrace:
    """Accuracies along gradient descent on XOR clusters, at the logged steps."""

    step: list[int] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)  # against the (noisy) training labels
    test_accuracy: list[float] = field(default_factory=list)  # against clean test labels
    # flipped training points predicted with their flipped (training) label
    flipped_fit: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)  # mean logistic loss on the training set
    network: TwoLayerReLU | None = None

    def fit_step(self) -> int | None:
        """First logged step at which every training label (noise included) is fitted."""
        return next((s for s, a in zip(self.step, self.train_accuracy, strict=True) if a >= 1.0), None)

    def generalise_step(self, level: float) -> int | None:
        """First logged step with test accuracy >= ``level``."""
        return next((s for s, a in zip(self.step, self.test_accuracy, strict=True) if a >= level), None)

    def verdict(self, level: float = 0.9, gap: float = 0.1) -> tuple[bool, str]:
        """Whether late generalisation (grokking) was seen, and one sentence saying why or why not.

        Seen when every training label (flipped ones included) is fitted while test accuracy is still
        below ``level - gap``, and test accuracy reaches ``level`` at a later step with the flipped labels
        still fitted (at least half of them; the condition is void without flipped labels).
        """
        fit, late = self.fit_step(), self.generalise_step(level)
        if fit is None:
            return False, "the network never fits every training label"
        test_at_fit = self.test_accuracy[self.step.index(fit)]
        if late is None:
            return False, f"test accuracy never reaches {level:.0%} within {self.step[-1]} steps"
        if late <= fit or test_at_fit >= level - gap:
            return (
                False,
                f"test accuracy is already {test_at_fit:.0%} when the training set is fitted (step {fit})",
            )
        noise = self.flipped_fit[self.step.index(late)]
        if not math.isnan(noise) and noise < 0.5:
            return (
                False,
                f"by step {late} (test accuracy {level:.0%}) the flipped labels are no longer fitted",
            )
        return True, (
            f"every training label (the flipped ones too) is fitted at step {fit} while test accuracy is "
            f"{test_at_fit:.0%}; test accuracy reaches {level:.0%} only at step {late}"
            + ("" if math.isnan(noise) else ", the noise still fitted")
        )

    def late_generalisation(self, level: float = 0.9, gap: float = 0.1) -> bool:
        """Grokking seen (see :meth:`verdict`)."""
        return self.verdict(level, gap)[0]


def log_steps(steps: int, points: int = 60) -> list[int]:
    """Logged steps for :func:`train_xor`: 0, 1, 2, ... then geometrically spaced up to ``steps``."""
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be >= 1 (got {steps})")
    return sorted({0, steps} | {int(round(s)) for s in np.geomspace(1, steps, points)})


def train_xor(
    data: XORData,
    *,
    width: int = 40,
    lr: float = 1.0,
    steps: int = 300,
    init_scale: float = 1e-4,
    seed: int = 0,
) -> XORTrace:
    """Full-batch gradient descent on the first layer only, the paper's setting.

    ``f(x) = sum_j a_j relu(w_j . x)`` with fixed ``a_j = +-1/sqrt(m)`` (half each sign), no bias, small
    initialisation ``w_j ~ init_scale N(0, I_d)`` from ``default_rng(seed)``, logistic loss
    ``(1/n) sum log(1 + exp(-y f))`` without weight decay, step ``W -= lr grad_W``.
    (``train_sgd`` trains both layers, so this setting needs its own few-line loop.)
    """
    width, steps = int(width), int(steps)
    if width < 2:
        raise ValueError(f"width must be >= 2 (got {width})")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be > 0 and finite (got {lr})")
    X, y = data.X, data.y
    n, d = X.shape
    rng = np.random.default_rng(seed)
    W = init_scale * rng.standard_normal((width, d))
    a = np.where(np.arange(width) % 2 == 0, 1.0, -1.0) / math.sqrt(width)
    logged = set(log_steps(steps))
    out = XORTrace()
    with np.errstate(over="ignore"), one_blas_thread():
        for t in range(steps + 1):
            if t % 64 == 0:
                check_cancel()
            pre = X @ W.T
            f = np.maximum(pre, 0.0) @ a
            if t in logged:
                pred = np.where(f >= 0.0, 1.0, -1.0)
                f_test = np.maximum(data.X_test @ W.T, 0.0) @ a
                out.step.append(t)
                out.train_accuracy.append(float(np.mean(pred == y)))
                out.test_accuracy.append(float(np.mean(np.where(f_test >= 0.0, 1.0, -1.0) == data.y_test)))
                fl = data.flipped
                out.flipped_fit.append(float(np.mean(pred[fl] == y[fl])) if fl.any() else float("nan"))
                out.loss.append(float(np.mean(np.logaddexp(0.0, -y * f))))
            if t == steps:
                break
            g = -y / (1.0 + np.exp(y * f)) / n  # dL/df_k
            W = W - lr * ((pre > 0.0) * g[:, None] * a[None, :]).T @ X
    out.network = TwoLayerReLU(W=np.hstack([W, np.zeros((width, 1))]), alpha=a)
    return out


# ----------------------------------------------------------------------------------------------
# momentum


@dataclass
class MomentumCurve:
    """Objective J against full-batch step for one optimizer."""

    optimizer: str
    lr: float
    step: np.ndarray
    objective: np.ndarray
    message: str


def momentum_race(
    X: np.ndarray,
    y: np.ndarray,
    *,
    optimizers: Sequence[str] = ("gd", "momentum", "nesterov", "adam"),
    lr: float = 0.1,
    adam_lr: float = 0.01,
    steps: int = 500,
    loss: Loss | str = "squared",
    beta: float = 1e-3,
    width: int = 50,
    init_scale: float = 1.0,
    momentum: float = 0.9,
    seed: int = 0,
) -> list[MomentumCurve]:
    """Every optimizer from the same initial network, full batch (``batch_size = n``), ``steps`` steps;
    ``lr`` for GD, heavy ball and Nesterov, ``adam_lr`` for Adam. J is logged at ~200 steps."""
    n = np.asarray(X).shape[0]
    # The same objective and initial network for every optimizer, full batch: one epoch is one step.
    shared = dict(loss=loss, beta=beta, width=width, init_scale=init_scale, seed=seed, momentum=momentum)
    curves = []
    for opt in optimizers:
        rate = adam_lr if opt == "adam" else lr
        res = train_sgd(X, y, optimizer=opt, lr=rate, epochs=int(steps), batch_size=n, **shared)
        curves.append(
            MomentumCurve(
                optimizer=opt,
                lr=float(rate),
                step=np.asarray(res.history.step),
                objective=np.asarray(res.history.objective),
                message=res.message if res.diverged else "",
            )
        )
    return curves


# ----------------------------------------------------------------------------------------------
# weight decay and low rank


@dataclass
class SingularValueTrace:
    """Singular values of the first-layer input weights ``W[:, :d]`` at the checkpoint steps."""

    beta: float
    step: list[int] = field(default_factory=list)
    singular_values: list[np.ndarray] = field(default_factory=list)  # each sorted, descending
    objective: list[float] = field(default_factory=list)
    message: str = ""

    def matrix(self) -> np.ndarray:
        """checkpoints x min(m, d) array of singular values."""
        return np.vstack(self.singular_values) if self.singular_values else np.zeros((0, 0))

    def effective_rank(self, rel: float = 0.1) -> int:
        """Number of final singular values above ``rel`` times the largest."""
        if not self.singular_values:
            return 0
        s = self.singular_values[-1]
        return int(np.sum(s > rel * s[0])) if s.size and s[0] > 0 else 0


def singular_value_trace(
    X: np.ndarray,
    y: np.ndarray,
    *,
    beta: float,
    loss: Loss | str = "squared",
    optimizer: str = "sgd",
    lr: float = 0.05,
    width: int = 32,
    init_scale: float = 1.0,
    steps: int = 2000,
    batch_size: int = 16,
    seed: int = 0,
    points: int = 40,
) -> SingularValueTrace:
    """Train (GD/SGD, ``train_sgd`` in chunks) and record the singular values of the ``m x d`` input
    weights (bias column left out) at ``points`` checkpoints. Same seed, same start for every beta."""
    loss = get_loss(loss)
    X = np.asarray(X, dtype=float)
    out = SingularValueTrace(beta=float(beta))
    d = X.shape[1]

    def visit(step: int, net: TwoLayerReLU) -> None:
        out.step.append(step)
        out.singular_values.append(np.linalg.svd(net.W[:, :d], compute_uv=False))
        out.objective.append(net.objective(X, y, loss, beta))

    plan = dict(loss=loss, beta=beta, optimizer=optimizer, lr=lr, batch_size=batch_size, seed=seed)
    out.message = _chunked(X, y, visit, (width, init_scale), checkpoints(steps, points), plan)
    return out
