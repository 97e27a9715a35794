"""Plain result objects returned by the engine and consumed by figures, pages, the CLI and tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.network import TwoLayerReLU


@dataclass
class Certificate:
    """A dual lower bound on the global optimum of J and the gap of one network to it.

    ``lower_bound`` is a true bound only when ``exact`` (2-D data: pricing over the unit sphere is
    exact). For d > 2 the pricing is sampled, so the number is an estimate and ``certified`` is False.
    """

    lower_bound: float
    objective: float  # J of the network the certificate is about
    gap: float  # objective - lower_bound (may be tiny-negative from round-off)
    # gap / |objective| (gap_kind "relative"), or the absolute gap when objective == 0 ("absolute")
    relative_gap: float
    certified: bool  # exact and relative_gap <= tolerance
    exact: bool  # pricing was exact (d == 2)
    tolerance: float
    dual_scale: float  # factor applied to the raw dual point to make it feasible
    price: float  # max_{||w||<=1} |lambda . relu(Z w)| of the raw dual point
    argmax_direction: np.ndarray  # a unit w attaining the price (lifted, length d+1)
    argmax_sign: float  # +1 if lambda . relu(Z w) = +price at argmax_direction, else -1
    gap_kind: str = "relative"  # what relative_gap holds: "relative" (J != 0) or "absolute" (J == 0)


#: What a convex result is, from the strongest claim down (:attr:`ConvexResult.outcome`):
#: ``certified``: the dual certificate proves a global minimiser of J up to the tolerance;
#: ``solved``: not certified, but the solver reached the optimum of the program it was given (status
#: ``"optimal"``: a sampled program, whose optimum is an upper bound on min J);
#: ``uncertified``: neither: the solver stopped short (``optimal_inaccurate``, an iteration or time
#: limit, ...) or, on the exact program, the certificate's gap stayed above the tolerance.
OUTCOMES = ("certified", "solved", "uncertified")


@dataclass
class ConvexResult:
    """The network recovered from a solved convex program, with its certificate.

    ``status`` is ``"optimal"`` only for an answer at the optimum of its program: on the exact program
    with an exact certificate (2-D data) exactly when the certificate holds (an answer the solver
    called optimal that the certificate does not confirm is ``"uncertified"``); otherwise the solver's
    word (``"optimal_inaccurate"``, ``"max_iter"``, ...). ``fallback`` is empty, or says which solver
    failed and which one took over (``solver`` names the one that answered).
    """

    network: TwoLayerReLU
    objective: float  # J of the recovered network on the training data
    convex_objective: float  # C(u, v) of the program's solution
    certificate: Certificate | None
    patterns: int  # number of patterns in the program
    pattern_mode: str  # "exact" or "sampled"
    solver: str
    time_s: float
    status: str  # solver status, e.g. "optimal"
    U: np.ndarray  # (d+1) x P, the u_i as columns
    V: np.ndarray  # (d+1) x P
    D: np.ndarray  # n x P boolean pattern matrix
    message: str = ""
    # per-iteration (or per-round) log of the solver, e.g. iteration/round, objective, lower_bound, time_s
    history: dict[str, list] = field(default_factory=dict)
    # "" or the account of a fallback: "the reduced solver failed (...); the cvxpy solver took over"
    fallback: str = ""

    @property
    def outcome(self) -> str:
        """``certified``, ``solved`` or ``uncertified`` (:data:`OUTCOMES`)."""
        if self.certified:
            return "certified"
        return "solved" if self.status == "optimal" else "uncertified"

    @property
    def neurons(self) -> int:
        return self.network.width

    @property
    def lower_bound(self) -> float | None:
        """The certified lower bound, or None when it cannot be certified (d > 2)."""
        if self.certificate is None or not self.certificate.exact:
            return None
        return self.certificate.lower_bound

    @property
    def certified(self) -> bool:
        return bool(self.certificate is not None and self.certificate.certified)


@dataclass
class TrainHistory:
    """What gradient training logged, one entry per logged step."""

    step: list[int] = field(default_factory=list)  # optimizer steps taken so far
    epoch: list[float] = field(default_factory=list)
    objective: list[float] = field(default_factory=list)  # J on the full training set
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)  # nan when there is no test set
    time_s: list[float] = field(default_factory=list)  # wall time since the start of training
    # adversarial training only (else empty): PGD accuracy on the training set under the training attack
    robust_accuracy: list[float] = field(default_factory=list)


@dataclass
class Snapshots:
    """The weights of a gradient run at a few steps, for playback (frame k = the network after
    ``step[k]`` optimizer steps): ``W`` is k x m x (d+1) (bias last), ``alpha`` k x m, ``objective`` J
    on the full training set at each of them."""

    step: np.ndarray  # (k,) int, increasing, step[0] = 0
    W: np.ndarray  # (k, m, d+1)
    alpha: np.ndarray  # (k, m)
    objective: np.ndarray  # (k,)

    def __len__(self) -> int:
        return int(self.step.shape[0])

    def network(self, k: int) -> TwoLayerReLU:
        """The network of frame ``k``."""
        return TwoLayerReLU(W=self.W[k].copy(), alpha=self.alpha[k].copy())

    def shifted(self, steps: int) -> Snapshots:
        """The same frames with ``steps`` added to every step number (a continued run)."""
        return Snapshots(self.step + int(steps), self.W, self.alpha, self.objective)

    @staticmethod
    def join(first: Snapshots, second: Snapshots) -> Snapshots:
        """The frames of ``first`` then those of ``second`` (whose steps must come later); a first frame
        of ``second`` at the last step of ``first`` (the same network) is kept once."""
        start = 1 if len(second) and len(first) and second.step[0] == first.step[-1] else 0
        return Snapshots(
            np.concatenate([first.step, second.step[start:]]),
            np.concatenate([first.W, second.W[start:]]),
            np.concatenate([first.alpha, second.alpha[start:]]),
            np.concatenate([first.objective, second.objective[start:]]),
        )


@dataclass
class TrainResult:
    """A gradient-trained network and its history; ``diverged`` runs stop early with a message."""

    network: TwoLayerReLU
    history: TrainHistory
    objective: float  # J of the returned network on the training data
    optimizer: str
    diverged: bool
    message: str
    time_s: float
    settings: dict = field(default_factory=dict)
    snapshots: Snapshots | None = None  # weights at a few steps (train_sgd's ``snapshots``), for playback
