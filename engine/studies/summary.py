"""The Playground's numbers: one convex and one SGD network side by side, and how SGD compares.

* :func:`summarize`: per network its objective J, the exact dual bound and gap, whether it is certified
  globally optimal, live neurons, train/test accuracy (classification) or RMSE (regression), time;
* :func:`compare`: which of the verdict's cases holds (SGD at the certified optimum, above it, the
  convex program not certified, ...) with the numbers that case states;
* :func:`live_neurons`: the neurons whose ``|alpha_j| ||w_j||`` is not negligible;
* :func:`alignment`: how many of a network's neurons point along a neuron of the optimum;
* :func:`playback_numbers`: the numbers of every frame of a recorded gradient run (step, J, gap to J*,
  accuracies, neurons, alignment), which the Playground's playback shows frame by frame.

Numbers only: engine/figures/playground.py formats them (the numbers table, the verdict's sentence).
The bound and certificate are those of docs/design.md §3 (a gap <= tol certifies global optimality).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.convex.certificate import within_gap
from engine.network import TwoLayerReLU, accuracy
from engine.results import Certificate, ConvexResult, Snapshots, TrainResult

__all__ = [
    "ALIGN_ANGLE_DEG",
    "ALIGN_SIZE_TOL",
    "DEAD_NEURON_TOL",
    "Alignment",
    "FrameNumbers",
    "alignment",
    "alignments",
    "playback_numbers",
    "VERDICT_CASES",
    "Comparison",
    "NetworkNumbers",
    "Verdict",
    "compare",
    "live_mask",
    "live_neurons",
    "network_is_finite",
    "rmse",
    "summarize",
]

# Relative size below which a neuron counts as dead: |alpha_j| ||w_j|| <= tol * max_k |alpha_k| ||w_k||
# (the same default as TwoLayerReLU.active_neurons, so figures and table agree).
DEAD_NEURON_TOL = 1e-8
# SGD's objective counts as at the certified optimum when (J - J*) / |J*| <= this (round-off; the absolute
# difference when J* = 0, engine.convex.certificate.gap_measure).
AT_OPTIMUM_RTOL = 1e-6


def network_is_finite(network: TwoLayerReLU) -> bool:
    """Whether every weight is finite (a diverged run has inf or nan weights)."""
    return bool(np.all(np.isfinite(network.W)) and np.all(np.isfinite(network.alpha)))


def live_neurons(network: TwoLayerReLU, tol: float = DEAD_NEURON_TOL) -> np.ndarray:
    """Indices of the neurons whose ``|alpha_j| ||w_j||`` is not negligible (relative to the largest)."""
    return np.flatnonzero(live_mask(network.W, network.alpha, tol))


def live_mask(W: np.ndarray, alpha: np.ndarray, tol: float = DEAD_NEURON_TOL) -> np.ndarray:
    """Which neurons of one or more networks (``W``: ... x m x (d+1), ``alpha``: ... x m, e.g. the
    snapshots of a run) have ``|alpha_j| ||w_j|| > tol max_k |alpha_k| ||w_k||``, per network (... x m);
    none of a network whose sizes are all 0 or not all finite."""
    with np.errstate(invalid="ignore", over="ignore"):  # a diverged network: inf times 0
        size = np.abs(alpha) * np.linalg.norm(W, axis=-1)
    if size.shape[-1] == 0:
        return np.zeros(size.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        top = np.max(size, axis=-1, keepdims=True)
        ok = np.isfinite(size).all(axis=-1, keepdims=True) & (top > 0.0)
        return (size > tol * top) & ok


def rmse(network: TwoLayerReLU, X: np.ndarray, y: np.ndarray) -> float:
    """Root mean squared error ``sqrt(mean (f(x_k) - y_k)^2)`` (nan without points)."""
    if len(y) == 0:
        return float("nan")
    return float(np.sqrt(np.mean((network.predict(X) - y) ** 2)))


# ----------------------------------------------------------------------------------------------
# neurons against the optimum's, and the numbers of a recorded run

#: Two neurons are aligned when their lifted weight vectors ``w = (a, b)`` (the line ``w . (x, 1) = 0``
#: and its active side) are within this angle and their output weights alpha have the same sign.
ALIGN_ANGLE_DEG = 10.0
#: A neuron counts in the alignment and in a frame's neuron count when its ``|alpha_j| ||w_j||`` is at
#: least this fraction of the largest (gradient training never makes a neuron exactly zero).
ALIGN_SIZE_TOL = 0.05


@dataclass(frozen=True)
class Alignment:
    """How a network's neurons sit against the optimum's: ``aligned`` of its ``neurons`` (sizeable ones)
    lie within ``max_angle_deg`` of a same-sign optimum neuron; ``covered`` of the optimum's ``targets``
    neurons have at least one such network neuron."""

    aligned: int
    neurons: int
    covered: int
    targets: int
    max_angle_deg: float


def _sizeable(network: TwoLayerReLU, tol: float) -> np.ndarray:
    return live_neurons(network, tol) if network_is_finite(network) else np.zeros(0, dtype=int)


def _sizeable_mask(W: np.ndarray, alpha: np.ndarray, tol: float) -> np.ndarray:
    """:func:`_sizeable` of K networks (``W``: K x m x (d+1), ``alpha``: K x m) as a K x m mask."""
    finite = np.isfinite(W).all(axis=(1, 2)) & np.isfinite(alpha).all(axis=1)
    return live_mask(W, alpha, tol) & finite[:, None]


def alignment(
    network: TwoLayerReLU,
    optimum: TwoLayerReLU,
    *,
    max_angle_deg: float = ALIGN_ANGLE_DEG,
    size_tol: float = ALIGN_SIZE_TOL,
) -> Alignment:
    """Neurons of ``network`` aligned with a neuron of ``optimum``: the angle between the lifted weight
    vectors ``w_j`` and ``w*_i`` (bias included, in degrees) is at most ``max_angle_deg`` and
    ``sign(alpha_j) = sign(alpha*_i)``. Only neurons with ``|alpha| ||w||`` at least ``size_tol`` times
    the largest of their network count, in both networks."""
    return alignments(
        network.W[None], network.alpha[None], optimum, max_angle_deg=max_angle_deg, size_tol=size_tol
    )[0]


def alignments(
    W: np.ndarray,
    alpha: np.ndarray,
    optimum: TwoLayerReLU,
    *,
    max_angle_deg: float = ALIGN_ANGLE_DEG,
    size_tol: float = ALIGN_SIZE_TOL,
) -> list[Alignment]:
    """:func:`alignment` of K networks at once (``W``: K x m x (d+1), ``alpha``: K x m; e.g. the
    snapshots of a run), one :class:`Alignment` each."""
    mine = _sizeable_mask(W, alpha, size_tol)
    targets = _sizeable(optimum, size_tol)
    counts = mine.sum(axis=1)
    aligned = covered = np.zeros(len(counts), dtype=int)
    if targets.size:
        with np.errstate(all="ignore"):  # neurons left out may be zero or not finite: masked below
            A = W / np.linalg.norm(W, axis=2, keepdims=True)
        B = optimum.W[targets] / np.linalg.norm(optimum.W[targets], axis=1, keepdims=True)
        same_sign = np.sign(alpha)[:, :, None] == np.sign(optimum.alpha[targets])[None, None, :]
        close = (A @ B.T >= math.cos(math.radians(max_angle_deg))) & same_sign & mine[:, :, None]
        aligned, covered = close.any(axis=2).sum(axis=1), close.any(axis=1).sum(axis=1)
    return [
        Alignment(int(aligned[k]), int(counts[k]), int(covered[k]), int(targets.size), float(max_angle_deg))
        for k in range(len(counts))
    ]


@dataclass(frozen=True)
class FrameNumbers:
    """The numbers of one playback frame: the network after ``step`` steps has objective J, ``gap``
    ``J - J*`` to the convex objective (None without one), ``train``/``test`` accuracy (classification)
    or RMSE (regression; test None without a test set), ``neurons`` sizeable neurons (see
    :data:`ALIGN_SIZE_TOL`) of ``width``, and its alignment with the optimum (None without one)."""

    step: int
    objective: float
    gap: float | None
    train: float
    test: float | None
    neurons: int
    width: int
    alignment: Alignment | None


def playback_numbers(
    snapshots: Snapshots,
    X: np.ndarray,
    y: np.ndarray,
    *,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    optimum: TwoLayerReLU | None = None,
    optimum_objective: float | None = None,
    task: str = "classification",
) -> list[FrameNumbers]:
    """The numbers of every frame of ``snapshots`` (see :class:`FrameNumbers`)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    has_test = X_test is not None and y_test is not None and len(y_test) > 0
    score = rmse if task == "regression" else accuracy
    # the neuron counts and alignments of all frames at once
    neurons = _sizeable_mask(snapshots.W, snapshots.alpha, ALIGN_SIZE_TOL).sum(axis=1)
    aligned = alignments(snapshots.W, snapshots.alpha, optimum) if optimum is not None else None
    out = []
    for k in range(len(snapshots)):
        net = snapshots.network(k)
        J = float(snapshots.objective[k])
        finite = network_is_finite(net)
        nan = float("nan")
        out.append(
            FrameNumbers(
                step=int(snapshots.step[k]),
                objective=J,
                gap=J - optimum_objective if optimum_objective is not None else None,
                train=score(net, X, y) if finite else nan,
                test=(score(net, X_test, y_test) if finite else nan) if has_test else None,
                neurons=int(neurons[k]),
                width=net.width,
                alignment=aligned[k] if aligned is not None else None,
            )
        )
    return out


# ----------------------------------------------------------------------------------------------
# the numbers table


@dataclass(frozen=True)
class NetworkNumbers:
    """One network's numbers (None: not available, e.g. no result, no exact certificate, no test set).

    ``train`` and ``test`` are accuracies (fractions) for classification and RMSEs for regression;
    ``lower_bound``, ``gap`` and ``relative_gap`` come from an exact dual certificate only;
    ``neurons`` is (live neurons, width).
    """

    objective: float | None = None
    lower_bound: float | None = None
    gap: float | None = None
    relative_gap: float | None = None
    # what relative_gap holds: "relative" ((J - bound) / |J|) or "absolute" (J - bound, when J = 0)
    gap_kind: str | None = None
    certified: bool | None = None
    neurons: tuple[int, int] | None = None
    train: float | None = None
    test: float | None = None
    time_s: float | None = None
    method: str | None = None  # how the network was found, e.g. "exact patterns (133), cvxpy, optimal"


@dataclass(frozen=True)
class Comparison:
    """The numbers of the convex and the SGD network on one data set (``task``: what train/test mean)."""

    convex: NetworkNumbers
    sgd: NetworkNumbers
    task: str = "classification"


def _numbers(
    network: TwoLayerReLU | None,
    objective: float | None,
    certificate: Certificate | None,
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray | None,
    y_test: np.ndarray | None,
    task: str,
    *,
    time_s: float | None,
    method: str | None,
) -> NetworkNumbers:
    lower = certificate.lower_bound if certificate is not None and certificate.exact else None
    neurons = train = test = None
    if network is not None and network_is_finite(network):
        neurons = (len(live_neurons(network)), network.width)
        score = rmse if task == "regression" else accuracy
        train = score(network, X, y)
        test = score(network, X_test, y_test) if X_test is not None and y_test is not None else None
    return NetworkNumbers(
        objective=objective,
        lower_bound=lower,
        gap=certificate.gap if lower is not None else None,
        relative_gap=certificate.relative_gap if lower is not None else None,
        gap_kind=certificate.gap_kind if lower is not None else None,
        certified=bool(certificate.certified) if certificate is not None else None,
        neurons=neurons,
        train=train,
        test=test,
        time_s=time_s,
        method=method,
    )


def summarize(
    convex_result: ConvexResult | None,
    train_result: TrainResult | None,
    *,
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    sgd_certificate: Certificate | None = None,
    task: str = "classification",
) -> Comparison:
    """The numbers of both networks; the SGD network's bound and gap come from ``sgd_certificate``
    (``certify`` on the SGD network). A missing result gives a column of None."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X_test is None or y_test is None or len(y_test) == 0:
        X_test = y_test = None
    cr, tr = convex_result, train_result
    convex_method = f"{cr.pattern_mode} patterns ({cr.patterns}), {cr.solver}, {cr.status}" if cr else None
    sgd_method = None
    if tr is not None:
        steps = tr.history.step[-1] if tr.history.step else 0
        sgd_method = f"{tr.optimizer}, {steps} steps" + (", diverged" if tr.diverged else "")
    data = (X, y, X_test, y_test, task)
    convex = _numbers(
        cr.network if cr else None,
        cr.objective if cr else None,
        cr.certificate if cr else None,
        *data,
        time_s=cr.time_s if cr else None,
        method=convex_method,
    )
    sgd = _numbers(
        tr.network if tr else None,
        tr.objective if tr else None,
        sgd_certificate,
        *data,
        time_s=tr.time_s if tr else None,
        method=sgd_method,
    )
    return Comparison(convex=convex, sgd=sgd, task=task)


# ----------------------------------------------------------------------------------------------
# the verdict

#: The verdict's cases, from the best news to none.
VERDICT_CASES = (
    "sgd_at_optimum",  # the convex optimum is certified and SGD reached it (or certifies itself)
    "sgd_above_optimum",  # the convex optimum is certified and SGD ended above it
    "sgd_certified_alone",  # no convex result, but SGD's own dual certificate proves it optimal
    "sgd_bounded_alone",  # no convex result; SGD's exact certificate bounds its gap, not certified
    "not_certified",  # the convex program was solved (sampled patterns): only an upper bound on the optimum
    "convex_uncertified",  # the convex solver stopped short of its program's optimum (status says why)
    "optimum_without_sgd",  # a certified optimum, but no usable SGD result
    "no_comparison",  # neither a convex result nor an exact SGD certificate
)


@dataclass(frozen=True)
class Verdict:
    """How SGD compares to the global optimum: the case (one of :data:`VERDICT_CASES`) and its numbers.

    ``optimum``: the convex objective J* (certified or not); ``sgd_objective``: SGD's J;
    ``difference``: ``sgd_objective - optimum``; ``lower_bound`` and ``gap``: the dual bound stated by
    the case (the convex program's when it is not certified, SGD's own without a convex result);
    ``pattern_mode``: "exact" or "sampled" (the convex program's patterns); ``status`` and
    ``relative_gap`` / ``gap_kind``: the convex result's status and certificate gap (for the case
    ``convex_uncertified``, where they say how far the answer may be); ``fallback``: the convex
    result's account of a solver that failed and the one that took over ("" for none).
    """

    case: str
    optimum: float | None = None
    sgd_objective: float | None = None
    difference: float | None = None
    lower_bound: float | None = None
    gap: float | None = None
    pattern_mode: str | None = None
    status: str | None = None
    relative_gap: float | None = None
    gap_kind: str | None = None
    fallback: str = ""


def compare(
    convex_result: ConvexResult | None,
    train_result: TrainResult | None,
    sgd_certificate: Certificate | None = None,
) -> Verdict:
    """Which verdict holds for an SGD run against the convex program (and SGD's own certificate).

    SGD is "at the optimum" when ``(J - J*) / |J*| <= 1e-6`` for a certified J* (round-off of the solver)
    or its own certificate certifies it; a diverged or non-finite SGD run counts as none. A convex result
    that is neither certified nor the optimum of its program (``outcome == "uncertified"``: e.g. a solver
    that stopped ``optimal_inaccurate``) is the case ``convex_uncertified``, never a J* to compare with.
    """
    sgd_ok = train_result is not None and not train_result.diverged and math.isfinite(train_result.objective)
    if convex_result is None:
        if sgd_ok and sgd_certificate is not None and sgd_certificate.exact:
            if sgd_certificate.certified:
                return Verdict("sgd_certified_alone")
            return Verdict(
                "sgd_bounded_alone", lower_bound=sgd_certificate.lower_bound, gap=sgd_certificate.gap
            )
        return Verdict("no_comparison")
    opt = convex_result.objective
    mode = convex_result.pattern_mode
    cert = convex_result.certificate
    lower = cert.lower_bound if cert is not None and cert.exact else None
    about = {
        "pattern_mode": mode,
        "status": convex_result.status,
        "relative_gap": cert.relative_gap if lower is not None else None,
        "gap_kind": cert.gap_kind if lower is not None else None,
        "fallback": convex_result.fallback,
    }
    if convex_result.certified:
        if not sgd_ok:
            return Verdict("optimum_without_sgd", optimum=opt, **about)
        assert train_result is not None
        diff = train_result.objective - opt
        close = within_gap(train_result.objective, opt, AT_OPTIMUM_RTOL)  # at the optimum up to round-off
        at_optimum = close or (sgd_certificate is not None and sgd_certificate.certified)
        return Verdict(
            "sgd_at_optimum" if at_optimum else "sgd_above_optimum",
            optimum=opt,
            sgd_objective=train_result.objective,
            difference=diff,
            **about,
        )
    case = "convex_uncertified" if convex_result.outcome == "uncertified" else "not_certified"
    if not sgd_ok:
        return Verdict(case, optimum=opt, lower_bound=lower, **about)
    assert train_result is not None
    return Verdict(
        case,
        optimum=opt,
        sgd_objective=train_result.objective,
        difference=train_result.objective - opt,
        lower_bound=lower,
        **about,
    )
