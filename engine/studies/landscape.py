"""The loss landscape of J seen by gradient training: many random starts, width sweeps, teacher networks.

* :func:`multistart` trains the same network from ``runs`` seeded random initialisations (``train_sgd``)
  and collects the final objectives, to set against the certified global optimum J*: an end point with
  ``J > J*`` that training cannot leave is a spurious minimum (or a very flat region).
* :func:`width_sweep` trains at several widths m; the convex optimum needs m* neurons, and with all
  patterns ``min J`` is the same for every ``m >= m*``.
* :func:`teacher_network`, :func:`teacher_data` draw a random two-layer ReLU teacher and data labelled by
  it; :func:`neuron_alignment` measures how well a student's neurons point along the teacher's.

Everything is deterministic from its seeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.gradient.sgd import train_sgd
from engine.losses import Loss, get_loss
from engine.network import TwoLayerReLU
from engine.results import TrainResult

__all__ = [
    "Alignment",
    "MultiStart",
    "WidthSweep",
    "multistart",
    "neuron_alignment",
    "run_seeds",
    "sweep_widths",
    "teacher_data",
    "teacher_network",
    "teacher_student",
    "TeacherStudent",
    "width_sweep",
]

MAX_RUNS = 500
RECOVERY_ANGLE_DEG = 10.0  # a teacher neuron counts as recovered when a student neuron is this close
DEAD_TOL = 1e-6  # relative size |alpha_j| ||w_j|| below which a neuron counts as dead


def run_seeds(seed: int, runs: int) -> list[int]:
    """The ``runs`` initialisation seeds of a multi-start experiment: ``seed, seed + 1, ...``."""
    return [int(seed) + i for i in range(int(runs))]


@dataclass
class MultiStart:
    """Final objectives of ``train_sgd`` from many random initialisations (one entry per run)."""

    seeds: list[int]
    objectives: np.ndarray  # J of each final network (nan for diverged runs)
    train_accuracy: np.ndarray  # nan for non +-1 labels
    networks: list[TwoLayerReLU]
    diverged: np.ndarray  # bool
    settings: dict = field(default_factory=dict)

    def best(self) -> int:
        """Index of the run with the smallest final objective (diverged runs never win)."""
        objs = np.where(np.isfinite(self.objectives), self.objectives, np.inf)
        return int(np.argmin(objs))


def multistart(
    X: np.ndarray,
    y: np.ndarray,
    *,
    runs: int = 30,
    seed: int = 0,
    loss: Loss | str = "squared",
    beta: float = 1e-3,
    **sgd,
) -> MultiStart:
    """Train from ``runs`` initialisations (seeds from :func:`run_seeds`), other settings as ``train_sgd``.

    ``sgd`` holds train_sgd's keywords (optimizer, width, lr, epochs, batch_size, init_scale, ...); its
    ``seed`` is replaced by each run's seed. Cost: ``runs`` times one training run.
    """
    loss = get_loss(loss)
    runs = int(runs)
    if not 1 <= runs <= MAX_RUNS:
        raise ValueError(f"runs must be between 1 and {MAX_RUNS} (got {runs})")
    sgd = {k: v for k, v in sgd.items() if k != "seed"}
    seeds = run_seeds(seed, runs)
    results: list[TrainResult] = [train_sgd(X, y, loss=loss, beta=beta, seed=s, **sgd) for s in seeds]
    y = np.asarray(y, dtype=float)
    objs = np.array([np.nan if r.diverged else r.objective for r in results])
    acc = np.array([r.history.train_accuracy[-1] for r in results])
    return MultiStart(
        seeds=seeds,
        objectives=objs,
        train_accuracy=acc,
        networks=[r.network for r in results],
        diverged=np.array([r.diverged for r in results]),
        settings=dict(sgd, loss=loss.name, beta=beta, runs=runs, seed=seed),
    )


@dataclass
class WidthSweep:
    """Best and median final objective over ``runs`` seeds at each width."""

    widths: np.ndarray
    best: np.ndarray
    median: np.ndarray
    objectives: np.ndarray  # len(widths) x runs
    runs: int


def sweep_widths(m_star: int, max_width: int = 200) -> list[int]:
    """Widths to try around m*: 1, a few below m*, m* itself, and 1.5x, 2x, 4x, 8x above (capped)."""
    m_star = max(1, int(m_star))
    below = {1, max(1, m_star // 4), max(1, m_star // 2), max(1, (3 * m_star) // 4), max(1, m_star - 1)}
    above = {m_star, m_star + 1, math.ceil(1.5 * m_star), 2 * m_star, 4 * m_star, 8 * m_star}
    return sorted(w for w in below | above if 1 <= w <= max_width)


def width_sweep(
    X: np.ndarray,
    y: np.ndarray,
    widths: Sequence[int],
    *,
    runs: int = 3,
    seed: int = 0,
    loss: Loss | str = "squared",
    beta: float = 1e-3,
    **sgd,
) -> WidthSweep:
    """For every width, :func:`multistart` with ``runs`` seeds; best (min) and median final J per width."""
    widths = [int(w) for w in widths]
    if not widths or min(widths) < 1:
        raise ValueError(f"widths must be a non-empty list of integers >= 1 (got {widths})")
    sgd = {k: v for k, v in sgd.items() if k != "width"}
    table = np.array(
        [
            multistart(X, y, runs=runs, seed=seed, loss=loss, beta=beta, width=w, **sgd).objectives
            for w in widths
        ]
    )
    with np.errstate(all="ignore"):
        finite = np.where(np.isfinite(table), table, np.nan)
        best = np.array([np.nanmin(r) if np.any(np.isfinite(r)) else np.nan for r in finite])
        median = np.array([np.nanmedian(r) if np.any(np.isfinite(r)) else np.nan for r in finite])
    return WidthSweep(widths=np.array(widths), best=best, median=median, objectives=table, runs=int(runs))


def teacher_network(d: int, width: int, seed: int) -> TwoLayerReLU:
    """A random teacher: unit-norm neurons ``w_j`` (bias included) with Gaussian directions, and output
    weights ``alpha_j = +-1`` alternating in sign (``+1, -1, +1, ...``), from ``default_rng(seed)``.

    Bias entries are drawn at a third of the scale of the input weights so boundaries pass near the
    data (inputs are standard normal, see :func:`teacher_data`).
    """
    d, width = int(d), int(width)
    if d < 1 or width < 1:
        raise ValueError(f"the teacher needs d >= 1 and width >= 1 (got d = {d}, width = {width})")
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((width, d + 1))
    W[:, -1] /= 3.0
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    alpha = np.where(np.arange(width) % 2 == 0, 1.0, -1.0)
    return TwoLayerReLU(W=W, alpha=alpha)


def teacher_data(
    teacher: TwoLayerReLU, n: int, *, seed: int, noise: float = 0.0, labels: str = "regression"
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``x ~ N(0, I_d)`` from ``default_rng(seed)`` and targets from the teacher.

    ``labels="regression"``: ``y = f_teacher(x) + noise * N(0, 1)`` (for the squared loss);
    ``labels="classification"``: ``y = sign(f_teacher(x))`` in {-1, +1} (0 maps to +1; ``noise`` is then
    Gaussian input noise added after labelling).
    """
    n = int(n)
    if n < 2:
        raise ValueError(f"the teacher data set needs n >= 2 points (got {n})")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0 and finite (got {noise})")
    if labels not in ("regression", "classification"):
        raise ValueError(f"labels must be 'regression' or 'classification' (got {labels!r})")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, teacher.input_dim))
    eps = rng.standard_normal(X.shape if labels == "classification" else n)
    if labels == "regression":
        return X, teacher.predict(X) + noise * eps
    y = teacher.classify(X)
    return X + noise * eps, y


@dataclass
class Alignment:
    """How well a student's neurons point along the teacher's.

    ``cosine[j]``: the largest cosine between teacher neuron j's lifted weight vector ``w_j`` and a live
    student neuron with the same sign of alpha (-1 when there is none); ``angle_deg`` the matching angle.
    """

    cosine: np.ndarray
    angle_deg: np.ndarray
    matched: np.ndarray  # index of the best student neuron per teacher neuron (-1 if none)
    threshold_deg: float

    @property
    def recovered(self) -> np.ndarray:
        """Teacher neurons with a student neuron within ``threshold_deg``."""
        return self.angle_deg <= self.threshold_deg

    @property
    def score(self) -> float:
        """Mean best cosine over the teacher's neurons (1 = every teacher neuron found exactly)."""
        return float(np.mean(self.cosine))

    @property
    def all_recovered(self) -> bool:
        return bool(np.all(self.recovered))


def neuron_alignment(
    student: TwoLayerReLU, teacher: TwoLayerReLU, *, threshold_deg: float = RECOVERY_ANGLE_DEG
) -> Alignment:
    """Match every teacher neuron to its closest live student neuron by direction (scale-free).

    Directions are the lifted weight vectors ``w_j`` (bias included): relu is positively homogeneous, so
    ``(c w_j, alpha_j / c)`` is the same neuron for every ``c > 0`` and only the direction and the sign of
    ``alpha_j`` matter. Student neurons with ``|alpha_j| ||w_j|| <= 1e-6 max`` are dead and ignored.
    """
    if student.input_dim != teacher.input_dim:
        raise ValueError(
            f"student ({student.input_dim}-D inputs) and teacher ({teacher.input_dim}-D) differ in dimension"
        )
    size = np.abs(student.alpha) * np.linalg.norm(student.W, axis=1)
    live = size > DEAD_TOL * max(float(np.max(size)) if size.size else 0.0, 1e-300)
    S = student.W / np.maximum(np.linalg.norm(student.W, axis=1, keepdims=True), 1e-300)
    T = teacher.W / np.maximum(np.linalg.norm(teacher.W, axis=1, keepdims=True), 1e-300)
    cos = np.clip(T @ S.T, -1.0, 1.0)  # teacher x student
    same_sign = np.sign(teacher.alpha)[:, None] == np.sign(student.alpha)[None, :]
    cos = np.where(same_sign & live[None, :], cos, -np.inf)
    matched = np.argmax(cos, axis=1) if cos.shape[1] else np.zeros(teacher.width, dtype=int)
    best = cos[np.arange(teacher.width), matched] if cos.shape[1] else np.full(teacher.width, -np.inf)
    matched = np.where(np.isfinite(best), matched, -1)
    best = np.where(np.isfinite(best), best, -1.0)
    return Alignment(
        cosine=best,
        angle_deg=np.degrees(np.arccos(np.clip(best, -1.0, 1.0))),
        matched=matched,
        threshold_deg=float(threshold_deg),
    )


@dataclass
class TeacherStudent:
    """Students trained from many seeds on teacher data, and each one's alignment with the teacher."""

    teacher: TwoLayerReLU
    runs: MultiStart
    alignments: list[Alignment]

    @property
    def recovery_rate(self) -> float:
        """Fraction of (non-diverged) runs whose student recovered every teacher neuron."""
        ok = [a.all_recovered for a, bad in zip(self.alignments, self.runs.diverged, strict=True) if not bad]
        return float(np.mean(ok)) if ok else float("nan")

    @property
    def worst_angles(self) -> np.ndarray:
        """Per run: the largest angle (degrees) between a teacher neuron and its best student neuron."""
        return np.array([float(np.max(a.angle_deg)) for a in self.alignments])


def teacher_student(
    X: np.ndarray,
    y: np.ndarray,
    teacher: TwoLayerReLU,
    *,
    runs: int = 20,
    seed: int = 0,
    loss: Loss | str = "squared",
    beta: float = 1e-3,
    threshold_deg: float = RECOVERY_ANGLE_DEG,
    **sgd,
) -> TeacherStudent:
    """:func:`multistart` on the teacher's data, then :func:`neuron_alignment` of every student."""
    ms = multistart(X, y, runs=runs, seed=seed, loss=loss, beta=beta, **sgd)
    aligns = [neuron_alignment(net, teacher, threshold_deg=threshold_deg) for net in ms.networks]
    return TeacherStudent(teacher=teacher, runs=ms, alignments=aligns)
