"""The :class:`Dataset` container, the :class:`DataError` exception and shared validation helpers.

Conventions (docs/design.md §2): features ``X`` are ``n x 2`` floats in data units, labels ``y`` are
exactly ``-1.0`` / ``+1.0`` for classification and real numbers for regression.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

MAX_POINTS: int = 5000
"""Hard limit on the number of points a generator draws and on the data rows of a CSV file."""

MIN_POINTS: int = 4
"""The smallest data set accepted anywhere (generators, CSV files)."""

FEATURE_BOUND: float = 6.0
"""Generated features are clipped to the box ``[-FEATURE_BOUND, FEATURE_BOUND]^2`` (data units)."""

TASKS: tuple[str, ...] = ("classification", "regression")


class DataError(ValueError):
    """Every rejection of a data set, a generator argument or a file; ``str()`` is one sentence for a user."""


@dataclass
class Dataset:
    """A 2-D data set: training points ``(X, y)``, an optional test part and a note for the user.

    ``X`` is ``n x 2`` (data units), ``y`` has length ``n`` (``-1.0``/``+1.0`` for classification, real
    for regression). ``flipped`` is a boolean mask over the training points whose labels were flipped on
    purpose (label noise), or ``None`` when no flipping was asked for.
    """

    X: np.ndarray
    y: np.ndarray
    name: str
    task: str
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    notes: str = ""
    flipped: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(f"The task must be 'classification' or 'regression', not {self.task!r}.")
        self.X, self.y = _as_xy(self.X, self.y, "training")
        if (self.X_test is None) != (self.y_test is None):
            raise DataError("X_test and y_test must be given together.")
        if self.X_test is not None:
            self.X_test, self.y_test = _as_xy(self.X_test, self.y_test, "test")
        if self.flipped is not None:
            self.flipped = np.asarray(self.flipped, dtype=bool).reshape(-1)
            if self.flipped.shape[0] != self.X.shape[0]:
                raise DataError("The flipped mask must have one entry per training point.")

    @property
    def n(self) -> int:
        """Number of training points."""
        return int(self.X.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test points (0 without a test part)."""
        return 0 if self.X_test is None else int(self.X_test.shape[0])


def _as_xy(X: object, y: object, part: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert to float arrays ``(n x 2, n)`` and check the shapes."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise DataError(f"The {part} features must be an n x 2 array, got shape {X.shape}.")
    if X.shape[0] != y.shape[0]:
        raise DataError(f"The {part} part has {X.shape[0]} points but {y.shape[0]} labels.")
    return X, y


def check_int(value: object, what: str, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` as an ``int`` in ``[lo, hi]`` or raise :class:`DataError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise DataError(f"{what} must be a whole number, not {value!r}.")
    value = int(value)
    if lo is not None and value < lo:
        raise DataError(f"{what} must be at least {lo}, got {value}.")
    if hi is not None and value > hi:
        raise DataError(f"{what} must be at most {hi}, got {value}.")
    return value


def check_float(
    value: object,
    what: str,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` in the (closed or open) range or raise :class:`DataError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DataError(f"{what} must be a number, not {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise DataError(f"{what} must be a finite number, got {value}.")
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise DataError(f"{what} must be {'greater than' if lo_open else 'at least'} {lo:g}, got {value:g}.")
    if hi is not None and (value > hi or (hi_open and value == hi)):
        raise DataError(f"{what} must be {'less than' if hi_open else 'at most'} {hi:g}, got {value:g}.")
    return value


def check_n(n: object) -> int:
    """Number of points: a whole number in ``[MIN_POINTS, MAX_POINTS]``."""
    return check_int(n, "The number of points n", MIN_POINTS, MAX_POINTS)


def check_noise(noise: object) -> float:
    """Noise level: a finite number ``>= 0``."""
    return check_float(noise, "The noise level", 0.0)


def check_seed(seed: object) -> int:
    """Seed: a whole number ``>= 0`` (fed to ``numpy.random.default_rng``)."""
    return check_int(seed, "The seed", 0)


def rng_for(seed: int, stream: int) -> np.random.Generator:
    """An independent random stream ``stream`` derived from ``seed`` (stream 0 is ``default_rng(seed)``)."""
    if stream == 0:
        return np.random.default_rng(seed)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))


# Random streams derived from one seed, so that e.g. the split does not reuse the generator's draws.
STREAM_SPLIT = 1
STREAM_FLIP = 2
STREAM_TEACHER = 3
