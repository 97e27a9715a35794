"""Gradient attacks on a two-layer ReLU network: input gradient, FGSM and PGD (docs/design.md §2, §5).

Conventions: the attacker moves the input ``x`` (data units) inside a ball of radius ``eps`` around each
point, ``||x' - x||_inf <= eps`` (``norm="inf"``) or ``||x' - x||_2 <= eps`` (``norm="2"``); the bias
coordinate of ``z = (x, 1)`` is never perturbed. relu'(0) is taken as 0.

What the attack maximises (``loss``):

* ``"margin"`` (classification, labels in {-1, +1}): it **minimises** the margin ``y f(x)``; the
  hinge and logistic losses are decreasing in the margin, so ``"hinge"``/``"logistic"`` attack the same
  way (the margin direction also moves where the hinge is flat);
* ``"squared"``: it maximises ``(f(x) - y)^2 / 2`` (regression, or squared-loss training on +-1 labels).

``loss=None`` picks ``"margin"`` for +-1 labels and ``"squared"`` otherwise; a training loss may also
be given as its :class:`engine.losses.Loss`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.losses import LOSS_NAMES, Loss
from engine.network import TwoLayerReLU, accuracy, lift

NORMS = ("inf", "2")
ATTACK_LOSSES = ("margin", *LOSS_NAMES)


@dataclass(frozen=True)
class AdversarialSpec:
    """Settings of a PGD attack used inside adversarial training (Madry et al. 2018).

    ``eps`` radius in data units, ``norm`` ``"inf"`` or ``"2"``, ``steps`` PGD steps, ``restarts``
    extra random starts, ``step_size`` (None: ``2.5 eps / steps``). ``history``: whether training also
    attacks the whole training set at every logged step for ``history.robust_accuracy`` (its own random
    stream: the trained network is the same either way; False saves ~40 % of PGD training at n = 200).
    """

    eps: float
    norm: str = "inf"
    steps: int = 10
    restarts: int = 0
    step_size: float | None = None
    history: bool = True

    def __post_init__(self) -> None:
        _check_eps_norm(self.eps, self.norm)
        if int(self.steps) < 1:
            raise ValueError(f"steps must be >= 1 (got {self.steps})")
        if int(self.restarts) < 0:
            raise ValueError(f"restarts must be >= 0 (got {self.restarts})")
        if self.step_size is not None and not (math.isfinite(self.step_size) and self.step_size >= 0):
            raise ValueError(f"step_size must be >= 0 and finite (got {self.step_size})")


@dataclass
class AttackResult:
    """Outcome of an attack on n points.

    ``X_adv`` n x d perturbed inputs (inside the ball); ``margins`` ``y f(X_adv)`` (None unless the labels
    are +-1); ``losses`` the per-point attacked quantity at ``X_adv`` (``-margin`` for ``"margin"``,
    ``"hinge"`` and ``"logistic"``, ``(f - y)^2 / 2`` for ``"squared"``); ``success`` misclassified at
    ``X_adv`` (all False for non +-1 labels); ``loss`` the attack loss' name.
    """

    X_adv: np.ndarray
    margins: np.ndarray | None
    losses: np.ndarray
    success: np.ndarray
    eps: float
    norm: str
    loss: str


def _check_eps_norm(eps: float, norm: str) -> None:
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; choose one of {', '.join(NORMS)}")
    try:
        ok = math.isfinite(float(eps)) and float(eps) >= 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"eps must be >= 0 and finite (got {eps!r})")


def _is_pm1(y: np.ndarray) -> bool:
    return bool(y.size > 0 and np.all((y == 1.0) | (y == -1.0)))


def _prepare(network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, loss: Loss | str | None):
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[1] != network.input_dim:
        raise ValueError(f"X must be n x {network.input_dim} (got shape {X.shape})")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} entries")
    pm1 = _is_pm1(y)
    if isinstance(loss, Loss):
        loss = loss.name
    if loss is None:
        loss = "margin" if pm1 else "squared"
    if loss not in ATTACK_LOSSES:
        raise ValueError(f"unknown attack loss {loss!r}; choose one of {', '.join(ATTACK_LOSSES)}")
    if loss != "squared" and not pm1:
        raise ValueError(f"attack loss {loss!r} needs labels in {{-1, +1}}")
    return X, y, pm1, loss


def _value_and_direction(
    network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, loss: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per-point attacked value ``v`` (higher = worse for the model) and ``dv/dx`` (n x d).

    ``"margin"``/``"hinge"``/``"logistic"``: ``v = -y f(x)``, ``dv/dx = -y grad f``;
    ``"squared"``: ``v = (f - y)^2 / 2``, ``dv/dx = (f - y) grad f``.
    """
    return _lifted_value_and_direction(network, lift(X), y, loss)


def _lifted_value_and_direction(
    network: TwoLayerReLU, Z: np.ndarray, y: np.ndarray, loss: str
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_value_and_direction` at the lifted points ``Z = (X, 1)`` (the PGD loop keeps one lifted
    buffer and writes each iterate into it, instead of lifting a fresh copy per step)."""
    pre = Z @ network.W.T
    f = np.maximum(pre, 0.0) @ network.alpha
    grad_f = ((pre > 0.0) * network.alpha[None, :]) @ network.W[:, :-1]
    if loss == "squared":
        r = f - y
        return 0.5 * r * r, r[:, None] * grad_f
    return -y * f, -y[:, None] * grad_f


def input_gradient(network: TwoLayerReLU, X: np.ndarray) -> np.ndarray:
    """``df/dx`` at every row of X (n x d): ``sum_j alpha_j 1[w_j . z > 0] w_j[:d]`` (relu'(0) = 0)."""
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    pre = lift(X) @ network.W.T
    return ((pre > 0.0) * network.alpha[None, :]) @ network.W[:, :-1]


def _ascent_step(g: np.ndarray, norm: str) -> np.ndarray:
    """Steepest-ascent unit step for the norm: ``sign(g)`` (l_inf) or ``g / ||g||_2`` (0 where g = 0)."""
    if norm == "inf":
        return np.sign(g)
    nrm = np.linalg.norm(g, axis=1, keepdims=True)
    return np.divide(g, nrm, out=np.zeros_like(g), where=nrm > 0.0)


def _project(X_adv: np.ndarray, X: np.ndarray, eps: float, norm: str) -> np.ndarray:
    """Euclidean projection of each row of ``X_adv`` onto the ball of radius eps around that row of X."""
    delta = X_adv - X
    if norm == "inf":  # np.clip without its dispatch overhead (PGD calls this thousands of times)
        return X + np.minimum(np.maximum(delta, -eps), eps)
    nrm = np.linalg.norm(delta, axis=1, keepdims=True)
    scale = np.minimum(1.0, np.divide(eps, nrm, out=np.ones_like(nrm), where=nrm > eps))
    return X + delta * scale


def _fgsm_point(X: np.ndarray, g: np.ndarray, eps: float, norm: str) -> np.ndarray:
    """The FGSM point of each row: one step of length eps along the steepest ascent of the gradient g,
    kept in the ball (``x + eps sign(g)`` for l_inf, ``x + eps g / ||g||_2`` for l2)."""
    return _project(X + eps * _ascent_step(g, norm), X, eps, norm)


def _random_in_ball(rng: np.random.Generator, shape: tuple[int, int], eps: float, norm: str) -> np.ndarray:
    """Uniform random offsets in the l_inf box or the l2 ball of radius eps (one per row)."""
    if norm == "inf":
        return rng.uniform(-eps, eps, size=shape)
    direction = rng.standard_normal(shape)
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-300)
    radius = eps * rng.uniform(0.0, 1.0, size=(shape[0], 1)) ** (1.0 / shape[1])
    return direction * radius


def _result(
    network: TwoLayerReLU, X_adv: np.ndarray, y: np.ndarray, pm1: bool, loss: str, eps: float, norm: str
) -> AttackResult:
    losses, _ = _value_and_direction(network, X_adv, y, loss)
    margins = y * network.predict(X_adv) if pm1 else None
    success = network.classify(X_adv) != y if pm1 else np.zeros(len(y), dtype=bool)
    return AttackResult(X_adv, margins, losses, success, float(eps), norm, loss)


def fgsm(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    eps: float,
    norm: str = "inf",
    loss: Loss | str | None = None,
) -> AttackResult:
    """One step of size eps along the steepest ascent direction of the attacked loss.

    ``x' = x + eps sign(g)`` (l_inf) or ``x' = x + eps g / ||g||_2`` (l2), with ``g`` the input gradient
    of the attacked loss (see the module docstring); for classification this lowers the margin ``y f``
    to first order. Points with ``g = 0`` stay where they are.
    """
    _check_eps_norm(eps, norm)
    X, y, pm1, loss = _prepare(network, X, y, loss)
    if eps == 0.0:
        return _result(network, X.copy(), y, pm1, loss, 0.0, norm)
    _, g = _value_and_direction(network, X, y, loss)
    return _result(network, _fgsm_point(X, g, eps, norm), y, pm1, loss, eps, norm)


def pgd(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    eps: float,
    norm: str = "inf",
    *,
    steps: int = 20,
    step_size: float | None = None,
    restarts: int = 0,
    seed: int | np.random.Generator | None = 0,
    loss: Loss | str | None = None,
) -> AttackResult:
    """Projected gradient ascent of the attacked loss inside the eps-ball around each point.

    Iterate ``x <- Proj_ball(x + a u(g))`` with ``u`` the l_inf/l2 steepest-ascent unit step and
    ``a = step_size`` (default ``2.5 eps / steps``). Run 0 starts at x itself; each of ``restarts``
    further runs starts at a uniform random point of the ball (from ``numpy.random.default_rng(seed)``:
    same seed, same result). Per point the worst iterate (lowest margin / highest loss) over every run
    and step is returned; the clean point and the FGSM point are candidates too, so PGD is never weaker
    than FGSM. ``eps = 0`` returns X unchanged. Vectorised over points.
    """
    _check_eps_norm(eps, norm)
    if int(steps) < 0:
        raise ValueError(f"steps must be >= 0 (got {steps})")
    if int(restarts) < 0:
        raise ValueError(f"restarts must be >= 0 (got {restarts})")
    X, y, pm1, loss = _prepare(network, X, y, loss)
    eps = float(eps)
    if eps == 0.0 or X.shape[0] == 0:
        return _result(network, X.copy(), y, pm1, loss, eps, norm)
    a = 2.5 * eps / max(int(steps), 1) if step_size is None else float(step_size)
    rng = np.random.default_rng(seed)
    X_adv = pgd_points(network, X, y, eps, norm, a, int(steps), int(restarts), rng, loss)
    return _result(network, X_adv, y, pm1, loss, eps, norm)


def pgd_points(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    eps: float,
    norm: str,
    step_size: float,
    steps: int,
    restarts: int,
    rng: np.random.Generator,
    loss: str,
) -> np.ndarray:
    """The points of :func:`pgd` alone (n x d), for callers that need nothing else (adversarial
    training, every minibatch): no input checks (X an n x d float array, y its labels, ``eps > 0``,
    ``loss`` an attack loss' name valid for y) and no margins, losses or successes at the result.
    :func:`pgd` is this plus its checks and its :class:`AttackResult`, so both give the same points."""
    Z = lift(X)  # the lifted iterate: its first d columns are overwritten, the ones stay

    def value_and_direction(Xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Z[:, :-1] = Xc
        return _lifted_value_and_direction(network, Z, y, loss)

    best_v, g0 = value_and_direction(X)
    best_X = X.copy()

    def consider(Xc: np.ndarray, vc: np.ndarray) -> None:
        better = vc > best_v
        best_v[better] = vc[better]
        best_X[better] = Xc[better]

    X_f = _fgsm_point(X, g0, eps, norm)
    consider(X_f, value_and_direction(X_f)[0])
    for run in range(restarts + 1):
        Xc = X.copy() if run == 0 else X + _random_in_ball(rng, X.shape, eps, norm)
        v, g = value_and_direction(Xc)
        consider(Xc, v)
        for _ in range(steps):
            Xc = _project(Xc + step_size * _ascent_step(g, norm), X, eps, norm)
            v, g = value_and_direction(Xc)
            consider(Xc, v)
    return best_X


# The fraction of points with sign(f(x)) == y (labels in {-1, +1}): the network module's accuracy.
clean_accuracy = accuracy


def pgd_accuracy(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    eps: float,
    norm: str = "inf",
    *,
    steps: int = 20,
    restarts: int = 0,
    seed: int | np.random.Generator | None = 0,
) -> float:
    """Robust accuracy under the margin PGD attack: fraction of points still correct at ``X_adv``.

    An upper bound on the true robust accuracy (the attack may miss the worst point of the ball).
    """
    y = np.asarray(y, dtype=float).reshape(-1)
    if y.size == 0:
        return float("nan")
    res = pgd(network, X, y, eps, norm, steps=steps, restarts=restarts, seed=seed, loss="margin")
    return float(1.0 - np.mean(res.success))
