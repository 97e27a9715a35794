"""Cached wrappers around the engine for the Streamlit pages.

Each helper is keyed by the settings records of :mod:`explorer.settings` (a ``DataKey``, an
``SGDSettings``, an ``AdversarialSettings``) and plain values (names, numbers), all hashable, so
``st.cache_data`` keys on them; it rebuilds what it needs from them and returns an :class:`Outcome`:
the engine's result, or the one-line message of the error the engine raised
(invalid settings, a failed solver). Errors are returned rather than raised so that they are cached
too and a page can show them with ``st.error`` while it renders everything else. Everything returned
is pickleable (dataclasses of numpy arrays), as ``st.cache_data`` requires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import streamlit as st

from datasets import DataError, make_dataset
from datasets.points import dataset_from_points
from engine.attacks import AdversarialSpec
from engine.convex.certificate import certify
from engine.convex.program import solve_convex
from engine.figures.playground import PLAYBACK_FRAMES
from engine.gradient.sgd import continue_training, train_sgd
from engine.results import Certificate, ConvexResult, TrainResult
from engine.robust.certificate import robust_objective_exact
from engine.robust.evaluation import (
    AccuracyCurves,
    PointStatus,
    accuracy_curves,
    join_accuracy_curves,
    point_status,
)
from engine.robust.program import RobustResult, solve_robust
from engine.studies.approximation import (
    CURVE_BUDGET,
    ApproximationCurve,
    PatternCoverage,
    approximation_curve,
    curve_counts,
    join_curves,
    pattern_coverage,
)
from engine.studies.race import RaceResult, certified_optimum, run_race
from explorer.settings import CUSTOM, AdversarialSettings, DataKey, SGDSettings
from explorer.streamlit_internals import holds_result
from explorer.url import plain

__all__ = [
    "CURVE_BUDGET",
    "ENGINE_ERRORS",
    "PGD_NAME",
    "ROBUST_DRAWS",
    "ROBUST_EXACT_MAX_N",
    "AdversarialObjectives",
    "ApproximationCurve",
    "Outcome",
    "SGDRun",
    "adversarial_networks",
    "approximation_pending",
    "curve_counts",
    "get_accuracy_curves",
    "get_adversarial_objectives",
    "get_approximation",
    "get_certified_optimum",
    "get_coverage",
    "get_dataset",
    "get_point_statuses",
    "get_race",
    "guard",
    "network_accuracy",
    "message_of",
    "on_dataset",
    "pgd_args",
    "robust_args",
    "run_convex",
    "run_pgd_sgd",
    "run_robust",
    "run_sgd",
    "run_sgd_more",
]

if TYPE_CHECKING:
    from datasets.base import Dataset

T = TypeVar("T")

# Errors the engine raises for settings it rejects or problems it cannot solve; anything else is a bug
# and is left to surface.
ENGINE_ERRORS: tuple[type[Exception], ...] = (DataError, ValueError, RuntimeError, ArithmeticError)

_CACHE_ENTRIES = 64


@dataclass
class Outcome(Generic[T]):
    """A result or the message of the error that prevented it."""

    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.value is not None


@dataclass
class SGDRun:
    """A gradient-training run and the dual certificate of its final network (None if not computable)."""

    result: TrainResult
    certificate: Certificate | None
    certificate_error: str | None = None


def message_of(exc: Exception) -> str:
    """The message of an engine error, cut to its first line when it is long, as literal Markdown (an
    engine message may quote a file's cells or name: it is shown as text, never as markup)."""
    text = str(exc).strip() or type(exc).__name__
    return plain(text.splitlines()[0] if len(text) > 400 else text)


def guard(compute: Callable[[], T]) -> Outcome[T]:
    """``Outcome(compute())``, or the one-line message of an engine error."""
    try:
        return Outcome(compute())
    except ENGINE_ERRORS as exc:
        return Outcome(error=message_of(exc))


def on_dataset(key: DataKey, compute: Callable[[Dataset], T]) -> Outcome[T]:
    """``compute(data set of key)`` as an Outcome: the data set's error, the engine's error or the value."""
    data = get_dataset(key)
    if not data.ok:
        return Outcome(error=data.error)
    assert data.value is not None
    return guard(lambda: compute(data.value))


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def get_dataset(key: DataKey) -> Outcome[Dataset]:
    """The data set for ``key`` (the user's own points for ``key.name == CUSTOM``)."""
    if key.name == CUSTOM:
        return guard(lambda: dataset_from_points(key.points))
    return guard(lambda: make_dataset(key.name, key.n, noise=key.noise, seed=key.seed, n_test=key.n_test))


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def run_convex(
    key: DataKey, *, loss: str, beta: float, patterns: str | int, pattern_seed: int
) -> Outcome[ConvexResult]:
    """Solve the convex program on the data set of ``key`` (solver ``auto``: column generation,
    certified on the exact program, over the sampled patterns otherwise)."""
    return on_dataset(
        key,
        lambda ds: solve_convex(
            ds.X, ds.y, loss=loss, beta=beta, patterns=patterns, pattern_seed=pattern_seed, solver="auto"
        ),
    )


def _certified_run(ds: Dataset, trained: Outcome[TrainResult], *, loss: str, beta: float) -> Outcome[SGDRun]:
    """A training outcome with the dual certificate of its network (none for a diverged run)."""
    if not trained.ok:
        return Outcome(error=trained.error)
    result = trained.value
    assert result is not None
    certificate, cert_error = None, None
    if not result.diverged:
        try:
            certificate = certify(ds.X, ds.y, result.network, loss=loss, beta=beta)
        except ENGINE_ERRORS as exc:
            cert_error = message_of(exc)
    return Outcome(SGDRun(result, certificate, cert_error))


def _playback_training(ds: Dataset, loss: str, beta: float, train_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keywords of the Playground's gradient runs (first and continued): the objective, the test
    set, ``PLAYBACK_FRAMES`` recorded snapshots and the optimizer settings ``train_kwargs``."""
    return dict(
        loss=loss, beta=beta, X_test=ds.X_test, y_test=ds.y_test, snapshots=PLAYBACK_FRAMES, **train_kwargs
    )


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def run_sgd(key: DataKey, *, loss: str, beta: float, sgd: SGDSettings) -> Outcome[SGDRun]:
    """Train by ``train_sgd`` with the settings ``sgd`` on the data set of ``key`` (recording
    ``PLAYBACK_FRAMES`` snapshots for the playback) and certify the result."""
    data = get_dataset(key)
    if not data.ok:
        return Outcome(error=data.error)
    ds = data.value
    assert ds is not None
    trained = guard(lambda: train_sgd(ds.X, ds.y, **_playback_training(ds, loss, beta, sgd.train_kwargs())))
    return _certified_run(ds, trained, loss=loss, beta=beta)


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def run_sgd_more(key: DataKey, *, loss: str, beta: float, sgd: SGDSettings, rounds: int) -> Outcome[SGDRun]:
    """The run of :func:`run_sgd` continued ``rounds`` times by ``sgd.epochs`` more epochs each
    (``continue_training``: from the last weights, the optimizer's state afresh, shuffles from the
    seed ``sgd.seed + round``), certified; ``rounds = 0`` is :func:`run_sgd` itself."""
    if rounds <= 0:
        return run_sgd(key, loss=loss, beta=beta, sgd=sgd)
    before = run_sgd_more(key, loss=loss, beta=beta, sgd=sgd, rounds=rounds - 1)
    if not before.ok:
        return before
    data = get_dataset(key)
    ds = data.value
    assert ds is not None and before.value is not None
    kwargs = _playback_training(ds, loss, beta, sgd.train_kwargs() | {"seed": sgd.seed + rounds})
    trained = guard(lambda: continue_training(before.value.result, ds.X, ds.y, **kwargs))
    return _certified_run(ds, trained, loss=loss, beta=beta)


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def get_certified_optimum(key: DataKey, *, loss: str, beta: float) -> Outcome[ConvexResult]:
    """The certified global optimum (exact program) on the data set of ``key``."""
    return on_dataset(key, lambda ds: certified_optimum(ds.X, ds.y, loss=loss, beta=beta))


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def get_coverage(key: DataKey, *, draws: int, seed: int) -> Outcome[PatternCoverage]:
    """The patterns ``draws`` seeded Gaussian directions hit, against the exact pattern count."""
    return on_dataset(key, lambda ds: pattern_coverage(ds.X, draws, seed))


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def _approximation_point(
    key: DataKey, *, loss: str, beta: float, seed: int, count: int
) -> Outcome[ApproximationCurve]:
    """The sampled program's optimum on the first ``count`` draws (a one-entry curve), against the
    certified optimum; cached per count, so a new P solves only the counts not seen before."""
    reference = get_certified_optimum(key, loss=loss, beta=beta)
    return on_dataset(
        key,
        lambda ds: approximation_curve(
            ds.X, ds.y, loss=loss, beta=beta, counts=(count,), pattern_seed=seed, reference=reference.value
        ),
    )


def approximation_pending(
    key: DataKey, *, loss: str, beta: float, seed: int, counts: tuple[int, ...]
) -> tuple[int, ...]:
    """The draw counts of ``counts`` whose sampled program :func:`get_approximation` has not cached yet
    (read from the cache, computing nothing: ``streamlit_internals.holds_result``)."""
    return tuple(
        int(c)
        for c in counts
        if not holds_result(_approximation_point, key, loss=loss, beta=beta, seed=seed, count=int(c))
    )


def get_approximation(
    key: DataKey, *, loss: str, beta: float, seed: int, counts: tuple[int, ...]
) -> Outcome[ApproximationCurve]:
    """The sampled program's optimum for each draw count in ``counts``, against the certified optimum
    (each count solved once and cached: moving P to a new value solves that count alone)."""
    points = [_approximation_point(key, loss=loss, beta=beta, seed=seed, count=int(c)) for c in counts]
    failed = next((p for p in points if not p.ok), None)
    if failed is not None:
        return Outcome(error=failed.error)
    return guard(lambda: join_curves([p.value for p in points]))


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def get_race(
    key: DataKey, *, loss: str, beta: float, patterns: int, pattern_seed: int, sgd: SGDSettings
) -> Outcome[RaceResult]:
    """The solver race on the data set of ``key``; reuses the cached optimum and SGD run."""
    reference = get_certified_optimum(key, loss=loss, beta=beta)
    sgd_run = run_sgd(key, loss=loss, beta=beta, sgd=sgd)
    return on_dataset(
        key,
        lambda ds: run_race(
            ds.X,
            ds.y,
            loss=loss,
            beta=beta,
            patterns=patterns,
            pattern_seed=pattern_seed,
            sgd=sgd.train_kwargs(),
            reference=reference.value,
            reference_error=reference.error or "",
            sgd_result=sgd_run.value.result if sgd_run.ok and sgd_run.value is not None else None,
        ),
    )


# The robust program uses the exact patterns up to this n (n(n-1)+2 of them; about 0.4 s at n = 20,
# 5 s at n = 40 with the reduced solver) and ROBUST_DRAWS sampled draws above (about 1 s at n = 100).
# Sampling loses little here: cells too thin to hold a line eps away from every point carry no
# robust neuron, and the wide cells are the ones the draws hit.
ROBUST_EXACT_MAX_N = 20
ROBUST_DRAWS = 200


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def run_robust(
    key: DataKey,
    *,
    loss: str,
    beta: float,
    eps: float,
    norm: str,
    pattern_seed: int = 0,
    draws: int | None = None,
) -> Outcome[RobustResult]:
    """The convex robust program (``solve_robust``, reduced solver) at radius ``eps``: exact patterns for
    n <= ROBUST_EXACT_MAX_N, ROBUST_DRAWS sampled Gaussian draws above; ``draws`` sampled draws instead
    when given (a fast first answer: explorer.progressive)."""
    patterns: str | int = "exact" if key.n <= ROBUST_EXACT_MAX_N else ROBUST_DRAWS
    if draws is not None:
        patterns = int(draws)
    return on_dataset(
        key,
        lambda ds: solve_robust(
            ds.X,
            ds.y,
            loss=loss,
            beta=beta,
            eps=eps,
            norm=norm,
            patterns=patterns,
            pattern_seed=pattern_seed,
            solver="reduced",
        ),
    )


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def run_pgd_sgd(
    key: DataKey, *, loss: str, beta: float, eps: float, norm: str, sgd: SGDSettings, steps: int = 10
) -> Outcome[TrainResult]:
    """PGD adversarial training (``train_sgd`` with the settings ``sgd`` and
    ``adversarial=AdversarialSpec(eps, norm, steps)``), without the history's robust accuracy (the page
    does not show it; the network is the same: ``AdversarialSpec.history``)."""
    return on_dataset(
        key,
        lambda ds: train_sgd(
            ds.X,
            ds.y,
            loss=loss,
            beta=beta,
            X_test=ds.X_test,
            y_test=ds.y_test,
            adversarial=AdversarialSpec(eps, norm, steps=steps, history=False),
            **sgd.train_kwargs(),
        ),
    )


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def get_accuracy_curves(
    key: DataKey, adv: AdversarialSettings, *, points: str, radii: tuple[float, ...], pgd: bool = True
) -> Outcome[AccuracyCurves]:
    """Clean, PGD and certified accuracy against eps of the networks of the Adversarial page (standard
    convex, robust convex and, with ``pgd``, PGD-trained SGD: :func:`adversarial_networks`), on the
    training (``points="train"``) or the test points. Each network's curve is cached by the network
    (:func:`network_accuracy`): the standard convex one does not depend on the training radius, so a
    new radius computes two curves, not three."""
    nets = adversarial_networks(key, adv, pgd=pgd)
    if not nets.ok:
        return Outcome(error=nets.error)

    def compute(ds: Dataset) -> AccuracyCurves:
        X, y = (ds.X, ds.y) if points == "train" or ds.X_test is None else (ds.X_test, ds.y_test)
        return join_accuracy_curves(
            {name: network_accuracy(net, X, y, radii, adv.norm) for name, net in nets.value.items()}
        )

    return on_dataset(key, compute)


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def network_accuracy(net: Any, X: Any, y: Any, radii: tuple[float, ...], norm: str) -> AccuracyCurves:
    """One network's accuracy curves (``accuracy_curves`` of ``{"net": net}``), keyed by its weights."""
    return accuracy_curves({"net": net}, X, y, radii, norm)


def robust_args(adv: AdversarialSettings) -> dict[str, Any]:
    """The keywords of :func:`run_robust` for the Adversarial page's settings ``adv`` (one place, so that
    a page asking whether the result is cached asks with the very keywords the call uses)."""
    return dict(
        loss=adv.loss,
        beta=adv.beta,
        eps=adv.train_eps,
        norm=adv.norm,
        pattern_seed=adv.pattern_seed,
        draws=adv.robust_draws,
    )


# The Adversarial page's PGD-trained network (its name in :func:`adversarial_networks`).
PGD_NAME = "PGD-trained SGD"


def pgd_args(adv: AdversarialSettings) -> dict[str, Any]:
    """The keywords of :func:`run_pgd_sgd` for the Adversarial page's settings ``adv`` (as
    :func:`robust_args`)."""
    return dict(loss=adv.loss, beta=adv.beta, eps=adv.train_eps, norm=adv.norm, sgd=adv.sgd)


def adversarial_networks(key: DataKey, adv: AdversarialSettings, *, pgd: bool = True) -> Outcome[dict]:
    """The networks of the Adversarial page by name (cached runs), or the first error: the standard
    convex, the robust convex and (``pgd``) the PGD-trained one. Without ``pgd`` nothing waits for
    PGD training (a progressive page's first answer)."""
    loss, beta = adv.loss, adv.beta
    runs = {
        "standard convex": run_convex(
            key, loss=loss, beta=beta, patterns=adv.patterns, pattern_seed=adv.pattern_seed
        ),
        "robust convex": run_robust(key, **robust_args(adv)),
    }
    if pgd:
        runs[PGD_NAME] = run_pgd_sgd(key, **pgd_args(adv))
    for label, out in runs.items():
        if not out.ok:
            return Outcome(error=f"{label}: {out.error}")
    return Outcome({label: out.value.network for label, out in runs.items()})


@dataclass
class AdversarialObjectives:
    """Each network's exact robust objective at the training radius and its nominal objective J."""

    robust: dict[str, float]
    nominal: dict[str, float]


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def get_adversarial_objectives(
    key: DataKey, adv: AdversarialSettings, *, pgd: bool = True
) -> Outcome[AdversarialObjectives]:
    """The exact worst-case objective over the ``adv.train_eps`` balls (``robust_objective_exact``) and
    the unperturbed J of each network of :func:`adversarial_networks` (``pgd`` as there), on the training
    points."""
    nets = adversarial_networks(key, adv, pgd=pgd)
    if not nets.ok:
        return Outcome(error=nets.error)

    def compute(ds: Dataset) -> AdversarialObjectives:
        robust = {
            name: robust_objective_exact(
                net, ds.X, ds.y, loss=adv.loss, beta=adv.beta, eps=adv.train_eps, norm=adv.norm
            )
            for name, net in nets.value.items()
        }
        nominal = {name: net.objective(ds.X, ds.y, adv.loss, adv.beta) for name, net in nets.value.items()}
        return AdversarialObjectives(robust, nominal)

    return on_dataset(key, compute)


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def get_point_statuses(nets: dict[str, Any], X: Any, y: Any, eps: float, norm: str) -> dict[str, PointStatus]:
    """Every point's status at radius ``eps`` for each network (PGD and the exact certificate), cached
    so that moving the Adversarial page's display radius back to a value shown before only redraws."""
    return {name: point_status(net, X, y, eps, norm) for name, net in nets.items()}
