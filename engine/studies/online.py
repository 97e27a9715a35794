"""Online learning on an endless stream: rolling-window regret of constant and adaptive step sizes, for a
linear model (convex losses) and a two-layer ReLU network (after the convergence analysis of online Adam
for two-layer ReLU networks, 2022).

The stream: ``x_t ~ N(0, I_d)`` and ``y_t = f*(x_t) + noise``, with f* a teacher network
(``engine.studies.landscape.teacher_network``). At step t the learner predicts with its current
parameters theta_t, suffers ``l_t(theta_t) = (f(x_t; theta_t) - y_t)^2 / 2``, then takes one step on that
single point. Learners:

* ``ogd``: online gradient descent, constant step ``eta``;
* ``ogd_decay``: online gradient descent, step ``eta / sqrt(t)``;
* ``adam``: Adam (beta1 = 0.9, beta2 = 0.999, eps = 1e-8), constant step ``eta``: per-coordinate
  adaptive.

The comparator is one fixed predictor for the whole stream: for the linear model (``x -> a . (x, 1)``)
the best one in hindsight (least squares on the whole stream, exact); for the network the teacher
itself (the best fixed predictor in expectation). **Rolling-window regret** at step t with window w:

    R_w(t) = (1/w) sum_{s = t - w + 1}^{t} (l_s(theta_s) - l_s(comparator)),   t >= w,

the average excess loss per step over the last w steps; it tends to 0 when the learner tracks the
comparator, and stays above 0 for a constant step (the noise keeps it moving).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engine.network import lift
from engine.studies.landscape import teacher_network

__all__ = ["LEARNERS", "MODELS", "OnlineRun", "OnlineStudy", "online_regret", "rolling_mean"]

LEARNERS = {"ogd": "OGD, constant η", "ogd_decay": "OGD, η/√t", "adam": "Adam, constant η"}
MODELS = {"linear": "linear model (convex)", "relu": "two-layer ReLU network"}


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """``out[i] = mean(values[i : i + window])`` for every full window (length ``len - window + 1``)."""
    values = np.asarray(values, dtype=float)
    window = int(window)
    if window < 1 or window > values.size:
        raise ValueError(f"the window must be between 1 and {values.size} steps (got {window})")
    c = np.concatenate([[0.0], np.cumsum(values)])
    return (c[window:] - c[:-window]) / window


@dataclass
class OnlineRun:
    """One learner on one model: its loss at every step (before its update) and its rolling regret."""

    model: str
    learner: str
    losses: np.ndarray
    regret: np.ndarray  # rolling-window regret, steps window .. T
    diverged: bool = False


@dataclass
class OnlineStudy:
    """Every learner on every model over one stream, with the comparators' losses."""

    steps: int
    window: int
    eta: float
    runs: list[OnlineRun]
    comparator_losses: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def window_end(self) -> np.ndarray:
        """The step (1-based) each rolling-regret value ends at."""
        return np.arange(self.window, self.steps + 1)


def _adam_step(theta, grad, state, t, eta):
    m, v = state
    m *= 0.9
    m += 0.1 * grad
    v *= 0.999
    v += 0.001 * grad**2
    theta -= eta * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)


def _run(model, learner, X, y, eta, width, seed) -> np.ndarray:
    """The losses l_t(theta_t) of one learner along the stream."""
    T, d = X.shape
    Z = lift(X)
    rng = np.random.default_rng(seed)
    if model == "linear":
        theta = np.zeros(d + 1)
    else:
        W = rng.standard_normal((width, d + 1)) / math.sqrt(d + 1)
        a = rng.standard_normal(width) / math.sqrt(width)
        theta = np.concatenate([W.ravel(), a])
    state = (np.zeros_like(theta), np.zeros_like(theta))
    losses = np.empty(T)
    m1 = width * (d + 1)
    for t in range(T):
        z = Z[t]
        if model == "linear":
            f = float(theta @ z)
            r = f - y[t]
            grad = r * z
        else:
            W = theta[:m1].reshape(width, d + 1)
            a = theta[m1:]
            pre = W @ z
            h = np.maximum(pre, 0.0)
            f = float(a @ h)
            r = f - y[t]
            grad = np.concatenate([(r * a * (pre > 0.0))[:, None] * z[None, :], r * h[None, :]], axis=None)
        losses[t] = 0.5 * r * r
        if not math.isfinite(losses[t]) or losses[t] > 1e12:
            losses[t:] = np.inf
            break
        if learner == "adam":
            _adam_step(theta, grad, state, t + 1, eta)
        else:
            theta -= (eta / math.sqrt(t + 1) if learner == "ogd_decay" else eta) * grad
    return losses


def online_regret(
    *,
    steps: int = 4000,
    window: int = 200,
    eta: float = 0.01,
    d: int = 5,
    teacher_width: int = 3,
    width: int = 20,
    noise: float = 0.1,
    seed: int = 0,
    models: tuple[str, ...] = tuple(MODELS),
    learners: tuple[str, ...] = tuple(LEARNERS),
) -> OnlineStudy:
    """Every learner on every model over one seeded stream of ``steps`` points (see the module doc)."""
    steps, window, d = int(steps), int(window), int(d)
    if steps < 2 or not 1 <= window <= steps:
        raise ValueError(f"need steps >= 2 and a window between 1 and steps (got {steps}, {window})")
    if not (eta > 0 and math.isfinite(eta)):
        raise ValueError(f"the step size must be > 0 (got {eta})")
    bad = [m for m in models if m not in MODELS] + [lr for lr in learners if lr not in LEARNERS]
    if bad:
        raise ValueError(f"unknown model or learner {', '.join(bad)}")
    teacher = teacher_network(d, teacher_width, seed)
    rng = np.random.default_rng([seed, 7])
    X = rng.standard_normal((steps, d))
    f_star = teacher.predict(X)
    y = f_star + noise * rng.standard_normal(steps)
    comparators: dict[str, np.ndarray] = {}
    if "linear" in models:
        Z = lift(X)
        a, *_ = np.linalg.lstsq(Z, y, rcond=None)
        comparators["linear"] = 0.5 * (Z @ a - y) ** 2
    if "relu" in models:
        comparators["relu"] = 0.5 * (f_star - y) ** 2
    runs = []
    for model in models:
        for learner in learners:
            losses = _run(model, learner, X, y, eta, int(width), seed + 1)
            diverged = not np.all(np.isfinite(losses))
            regret = rolling_mean(np.where(np.isfinite(losses), losses, np.nan) - comparators[model], window)
            runs.append(OnlineRun(model, learner, losses, regret, diverged))
    return OnlineStudy(steps=steps, window=window, eta=float(eta), runs=runs, comparator_losses=comparators)
