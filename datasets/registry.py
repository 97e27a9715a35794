"""The named data sets, their parameters and :func:`make_dataset`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datasets import generators as gen
from datasets.base import (
    MAX_POINTS,
    STREAM_FLIP,
    DataError,
    Dataset,
    check_float,
    check_int,
    check_n,
    check_noise,
    check_seed,
    rng_for,
)
from datasets.split import train_test_split


@dataclass(frozen=True)
class _Spec:
    """One named data set: its generator, task and extra parameters with their defaults."""

    make: Callable[..., tuple[np.ndarray, np.ndarray]]
    task: str
    params: dict[str, Any] = field(default_factory=dict)


_SPECS: dict[str, _Spec] = {
    "moons": _Spec(gen.make_moons, "classification"),
    "circles": _Spec(gen.make_circles, "classification", {"factor": 0.5}),
    "spirals": _Spec(gen.make_spirals, "classification", {"turns": 1.5}),
    "xor": _Spec(gen.make_xor, "classification", {"a": 1.5, "std": 0.5}),
    "gaussians": _Spec(gen.make_gaussians, "classification", {"separation": 3.0, "std": 0.5}),
    "checkerboard": _Spec(gen.make_checkerboard, "classification", {"cells": 4}),
    "teacher": _Spec(gen.make_teacher, "classification", {"width": 4}),
    "regression": _Spec(gen.make_regression, "regression", {"target": "sine", "width": 4}),
}

DATASET_NAMES: tuple[str, ...] = tuple(_SPECS)
CLASSIFICATION_DATASETS: tuple[str, ...] = tuple(k for k, s in _SPECS.items() if s.task == "classification")
REGRESSION_DATASETS: tuple[str, ...] = tuple(k for k, s in _SPECS.items() if s.task == "regression")
FLIP_PARAM: str = "flip"
"""Extra parameter of every classification data set: fraction in ``[0, 0.5]`` of training labels to flip."""


def _spec(name: object) -> _Spec:
    if not isinstance(name, str) or name not in _SPECS:
        raise DataError(f"Unknown data set {name!r}; choose one of: {', '.join(DATASET_NAMES)}.")
    return _SPECS[name]


def dataset_task(name: str) -> str:
    """``"classification"`` or ``"regression"`` for a data set name."""
    return _spec(name).task


def dataset_params(name: str) -> dict[str, Any]:
    """The extra keyword parameters of a data set with their defaults (``flip`` for classification)."""
    spec = _spec(name)
    params = dict(spec.params)
    if spec.task == "classification":
        params[FLIP_PARAM] = 0.0
    return params


def make_dataset(
    name: str, n: int, noise: float = 0.1, seed: int = 0, *, n_test: int = 0, **params: Any
) -> Dataset:
    """Draw ``n + n_test`` points from generator ``name`` with ``seed`` and split off ``n_test`` test points.

    Deterministic from ``(name, n, noise, seed, n_test, params)``. ``noise`` has the meaning of the
    generator (see :mod:`datasets.generators`). ``params`` are the generator's own (see
    :func:`dataset_params`) plus, for classification, ``flip`` in ``[0, 0.5]``: exactly
    ``round(flip * n)`` **training** labels are flipped after the split (one point per class is spared so
    both classes remain); ``Dataset.flipped`` is their mask and ``Dataset.notes`` lists them.
    ``n + n_test`` may not exceed ``MAX_POINTS``. Every invalid argument raises :class:`DataError`.
    """
    spec = _spec(name)
    n = check_n(n)
    noise = check_noise(noise)
    seed = check_seed(seed)
    n_test = check_int(n_test, "The number of test points n_test", 0, MAX_POINTS)
    if n + n_test > MAX_POINTS:
        raise DataError(f"n + n_test = {n + n_test} points is more than the limit of {MAX_POINTS}.")
    allowed = dataset_params(name)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        choices = ", ".join(allowed) if allowed else "none"
        raise DataError(
            f"Unknown parameter(s) {', '.join(unknown)} for the {name} data set; "
            f"its parameters are: {choices}."
        )
    flip = check_float(params.pop(FLIP_PARAM, 0.0), "The flip fraction", 0.0, 0.5)

    X, y = spec.make(n + n_test, noise, seed, **params)
    X_test = y_test = None
    if n_test:
        X, y, X_test, y_test = train_test_split(X, y, seed=seed, n_test=n_test)

    notes = ""
    flipped = None
    if spec.task == "classification" and flip > 0.0:
        flipped = gen.flip_mask(y, round(flip * n), rng_for(seed, STREAM_FLIP))
        y = np.where(flipped, -y, y)
        idx = np.flatnonzero(flipped)
        notes = f"{idx.size} of {n} training labels flipped (flip={flip:g}); indices: {_list(idx)}."
    return Dataset(
        X=X, y=y, name=name, task=spec.task, X_test=X_test, y_test=y_test, notes=notes, flipped=flipped
    )


def _list(idx: np.ndarray, limit: int = 40) -> str:
    """Comma-separated indices, shortened after ``limit`` entries."""
    head = ", ".join(str(int(i)) for i in idx[:limit])
    if idx.size == 0:
        return "none"
    return head if idx.size <= limit else f"{head}, ... ({idx.size - limit} more)"
