"""Cached engine calls of the Landscape, Dynamics and Theory pages (``engine.studies.landscape``,
``engine.studies.dynamics``; for the Theory page ``reprogramming``, ``kernels``, ``minnorm``, ``online``,
``spectrum`` and ``census``).

Same contract as :mod:`explorer.cache`: keyed by settings records (:class:`~explorer.settings.DataKey`,
:class:`~explorer.settings.SGDSettings`) and plain values, every helper returns an
:class:`~explorer.cache.Outcome` (the value, or the one-line message of the engine's error, cached too).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from engine.gradient.hessian import flatness
from engine.network import TwoLayerReLU
from engine.results import ConvexResult
from engine.studies.census import CENSUS_COLUMNS
from engine.studies.cost import doubling_sizes
from engine.studies.dynamics import (
    MomentumCurve,
    SharpnessTrace,
    SingularValueTrace,
    XORTrace,
    make_xor_clusters,
    momentum_race,
    singular_value_trace,
    track_sharpness,
    train_xor,
)
from engine.studies.kernels import RiskCurve, excess_risk_curves
from engine.studies.landscape import (
    RECOVERY_ANGLE_DEG,
    MultiStart,
    TeacherStudent,
    WidthSweep,
    multistart,
    neuron_alignment,
    sweep_widths,
    teacher_data,
    teacher_network,
    teacher_student,
    width_sweep,
)
from engine.studies.minnorm import MinNormCurve, minimum_norm_curve
from engine.studies.online import OnlineStudy, online_regret
from engine.studies.race import certified_optimum
from engine.studies.reprogramming import (
    RATIOS,
    ReprogramCurve,
    ReprogramResult,
    reprogram,
    reprogramming_curve,
)
from engine.studies.spectrum import SpectrumStudy, spectra_at_minima
from explorer.cache import ENGINE_ERRORS, Outcome, guard, message_of, on_dataset
from explorer.settings import DataKey, SGDSettings

__all__ = [
    "RECOVERY_ANGLE_DEG",
    "TeacherStudentView",
    "get_flatness",
    "get_momentum",
    "get_multistart",
    "get_sharpness",
    "get_singular_values",
    "get_teacher_student",
    "get_width_sweep",
    "get_xor",
    "sweep_widths",
    "CENSUS_CSV",
    "get_census",
    "get_minnorm",
    "get_online",
    "get_program_example",
    "get_reprogramming",
    "get_risk_curves",
    "get_spectrum",
    "reprogramming_widths",
    "doubling_sizes",
]

_ENTRIES = 32


def _train_settings(sgd: SGDSettings) -> dict:
    """The sidebar's gradient settings without the seed (multi-start runs pick their own)."""
    return {k: v for k, v in sgd.train_kwargs().items() if k != "seed"}


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_multistart(
    key: DataKey, *, loss: str, beta: float, runs: int, sgd: SGDSettings
) -> Outcome[MultiStart]:
    """``runs`` random starts with the sidebar's settings, seeds from the sidebar's training seed on."""
    return on_dataset(
        key,
        lambda ds: multistart(
            ds.X, ds.y, runs=runs, seed=sgd.seed, loss=loss, beta=beta, **_train_settings(sgd)
        ),
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_flatness(
    key: DataKey, *, loss: str, beta: float, network: TwoLayerReLU
) -> Outcome[tuple[float, float]]:
    """``(lambda_max(H), tr(H))`` of J at ``network`` on the data set of ``key`` (Lanczos, Hutchinson)."""
    return on_dataset(key, lambda ds: flatness(network, ds.X, ds.y, loss, beta))


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_width_sweep(
    key: DataKey, *, loss: str, beta: float, widths: tuple[int, ...], runs: int, sgd: SGDSettings
) -> Outcome[WidthSweep]:
    """Best and median final J over ``runs`` seeds at each width."""
    return on_dataset(
        key,
        lambda ds: width_sweep(
            ds.X, ds.y, widths, runs=runs, seed=sgd.seed, loss=loss, beta=beta, **_train_settings(sgd)
        ),
    )


@dataclass
class TeacherStudentView:
    """Teacher data (2-D), the student runs, the certified optimum and its alignment with the teacher."""

    X: np.ndarray
    y: np.ndarray
    result: TeacherStudent
    optimum: ConvexResult | None
    optimum_error: str
    optimum_angle: float | None


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_teacher_student(
    *,
    teacher_width: int,
    n: int,
    noise: float,
    seed: int,
    runs: int,
    beta: float,
    sgd: SGDSettings,
) -> Outcome[TeacherStudentView]:
    """A 2-D teacher of ``teacher_width`` neurons (seed ``seed``), ``n`` regression targets (seed
    ``seed + 1``), students by multi-start SGD (squared loss) and the certified convex optimum."""

    def compute() -> TeacherStudentView:
        teacher = teacher_network(2, teacher_width, seed)
        X, y = teacher_data(teacher, n, seed=seed + 1, noise=noise)
        result = teacher_student(
            X, y, teacher, runs=runs, seed=sgd.seed, loss="squared", beta=beta, **_train_settings(sgd)
        )
        optimum, error, angle = None, "", None
        try:
            optimum = certified_optimum(X, y, loss="squared", beta=beta)
            angle = float(np.max(neuron_alignment(optimum.network, teacher).angle_deg))
        except ENGINE_ERRORS as exc:
            error = message_of(exc)
        return TeacherStudentView(X, y, result, optimum, error, angle)

    return guard(compute)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_sharpness(
    key: DataKey,
    *,
    loss: str,
    beta: float,
    optimizer: str,
    lr: float,
    width: int,
    init_scale: float,
    seed: int,
    steps: int,
    batch_size: int,
) -> Outcome[SharpnessTrace]:
    """``track_sharpness`` on the data set of ``key`` (test points for the test accuracy)."""
    return on_dataset(
        key,
        lambda ds: track_sharpness(
            ds.X,
            ds.y,
            loss=loss,
            beta=beta,
            optimizer=optimizer,
            lr=lr,
            width=width,
            init_scale=init_scale,
            seed=seed,
            steps=steps,
            batch_size=batch_size,
            X_test=ds.X_test,
            y_test=ds.y_test,
        ),
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_xor(
    *, n: int, d: int, mu: float, flip: float, seed: int, width: int, lr: float, steps: int
) -> Outcome[XORTrace]:
    """Gradient descent on XOR clusters (data seed ``seed``, initialisation seed ``seed + 1``)."""
    return guard(
        lambda: train_xor(
            make_xor_clusters(n, d, mu=mu, flip=flip, seed=seed),
            width=width,
            lr=lr,
            steps=steps,
            seed=seed + 1,
        )
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_momentum(
    key: DataKey,
    *,
    loss: str,
    beta: float,
    lr: float,
    adam_lr: float,
    steps: int,
    width: int,
    init_scale: float,
    momentum: float,
    seed: int,
) -> Outcome[list[MomentumCurve]]:
    """``momentum_race`` on the data set of ``key``: GD, heavy ball and Nesterov at step ``lr``, Adam at
    ``adam_lr``, all from one initial network."""
    return on_dataset(
        key,
        lambda ds: momentum_race(
            ds.X,
            ds.y,
            loss=loss,
            beta=beta,
            lr=lr,
            adam_lr=adam_lr,
            steps=steps,
            width=width,
            init_scale=init_scale,
            momentum=momentum,
            seed=seed,
        ),
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_singular_values(
    *,
    d: int,
    teacher_width: int,
    n: int,
    seed: int,
    betas: tuple[float, ...],
    lr: float,
    steps: int,
    width: int,
    batch_size: int,
) -> Outcome[list[SingularValueTrace]]:
    """Singular values of W during SGD on d-dimensional teacher data, one run per weight decay."""

    def compute() -> list[SingularValueTrace]:
        teacher = teacher_network(d, teacher_width, seed)
        X, y = teacher_data(teacher, n, seed=seed + 1)
        return [
            singular_value_trace(
                X, y, beta=b, seed=seed, lr=lr, steps=steps, width=width, batch_size=batch_size
            )
            for b in betas
        ]

    return guard(compute)


# --- Theory page ----------------------------------------------------------------------------------------

#: The census the page shows (written by ``python -m benchmarks census``; read, never recomputed).
CENSUS_CSV = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "census.csv"


def reprogramming_widths(d: int) -> tuple[int, ...]:
    """The widths of the reprogramming curve at input dimension d: ``m / d`` in :data:`RATIOS`."""
    return tuple(max(1, round(r * d)) for r in RATIOS)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_reprogramming(
    *, d: int, kind: str, q: float, seeds: int, steps: int, seed: int
) -> Outcome[ReprogramCurve]:
    """Reprogramming test accuracy at the widths :func:`reprogramming_widths` (``d``), seeds from ``seed``."""
    return guard(
        lambda: reprogramming_curve(
            d, reprogramming_widths(d), seeds=seeds, seed=seed, q=q, steps=steps, kind=kind
        )
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_program_example(
    *, d: int, width: int, kind: str, q: float, steps: int, seed: int
) -> Outcome[ReprogramResult]:
    """One reprogramming (width ``width``, seed ``seed``) with its test points, for the picture."""
    return guard(lambda: reprogram(d, width, q=q, steps=steps, seed=seed, kind=kind))


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_risk_curves(
    *, n_max: int, teacher_width: int, noise: float, beta: float, features: int, seed: int
) -> Outcome[RiskCurve]:
    """Excess risk of the networks and the kernel estimators at n = 16, 32, ... up to ``n_max``."""
    return guard(
        lambda: excess_risk_curves(
            doubling_sizes(16, n_max),
            teacher_width=teacher_width,
            noise=noise,
            beta=beta,
            features=features,
            seed=seed,
        )
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_minnorm(key: DataKey, *, loss: str, beta: float, n_max: int) -> Outcome[MinNormCurve]:
    """Path norm and bound of the certified optimum on the data set of ``key`` (its name, noise and
    seed) at n = 20, 40, ... up to ``n_max``."""
    return guard(
        lambda: minimum_norm_curve(
            key.name, doubling_sizes(20, n_max), loss=loss, beta=beta, noise=key.noise, seed=key.seed
        )
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_online(
    *, eta: float, steps: int, window: int, width: int, noise: float, seed: int
) -> Outcome[OnlineStudy]:
    """Rolling-window regret of every learner on the linear model and the ReLU network."""
    return guard(
        lambda: online_regret(steps=steps, window=window, eta=eta, width=width, noise=noise, seed=seed)
    )


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def get_spectrum(*, k: int, n: int, starts: int, seed: int) -> Outcome[SpectrumStudy]:
    """Hessian spectra at the global and a spurious minimum of the symmetric teacher-student fit, d = k."""
    return guard(lambda: spectra_at_minima(d=k, k=k, n=n, starts=starts, seed=seed))


@st.cache_data(max_entries=2, show_spinner=False)
def get_census(path: str = str(CENSUS_CSV)) -> Outcome[pd.DataFrame]:
    """The shipped census table (one row per gradient run), checked for its columns."""

    def load() -> pd.DataFrame:
        try:
            table = pd.read_csv(path)
        except FileNotFoundError:
            raise ValueError("no census table yet: run python -m benchmarks census") from None
        missing = [c for c in CENSUS_COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"the census table lacks the columns {', '.join(missing)}")
        return table

    return guard(load)
