"""Data sets built from a user's own points (the explorer's Data page), validated as CSV files are.

Points are plain ``(x1, x2, y)`` float tuples, so that a tuple of them is hashable and a cache can key
on the content. Labels follow :func:`datasets.load_csv`: 0/1 or -1/+1 make a classification data set
(mapped to -1/+1), other real labels a regression data set.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from datasets.base import MAX_POINTS, MIN_POINTS, DataError, Dataset
from datasets.csv_io import MAX_ABS_VALUE, checked_dataset

__all__ = ["Point", "as_points", "dataset_from_points", "points_from_dataset", "points_task"]

Point = tuple[float, float, float]
_COLUMNS = ("x1", "x2", "y")


def _value(raw: object, row: int, column: str) -> float:
    """One cell of point ``row`` (1-based) as a finite float of sensible size, or :class:`DataError`."""
    where = f"Point {row}, {column}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise DataError(f"{where}: the cell is empty.")
    if isinstance(raw, bool):
        raise DataError(f"{where}: {raw!r} is not a number.")
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        shown = str(raw) if len(str(raw)) <= 30 else str(raw)[:27] + "..."
        raise DataError(f"{where}: {shown!r} is not a number.") from None
    if math.isnan(value):
        raise DataError(f"{where}: the value is missing (NaN).")
    if math.isinf(value):
        raise DataError(f"{where}: the value is infinite.")
    if abs(value) > MAX_ABS_VALUE:
        raise DataError(
            f"{where}: the value {value:g} is too large (the limit is {MAX_ABS_VALUE:g} in magnitude)."
        )
    return value


def as_points(rows: Iterable[Sequence[object]], max_points: int = MAX_POINTS) -> tuple[Point, ...]:
    """Validated ``(x1, x2, y)`` float tuples from rows of three cells (numbers or numeric strings).

    Raises :class:`DataError` naming the first bad point (1-based) and column; at most ``max_points``.
    """
    points: list[Point] = []
    for row_number, row in enumerate(rows, start=1):
        if row_number > max_points:
            raise DataError(f"More than {max_points} points; the limit is {max_points}.")
        cells = list(row)
        if len(cells) != 3:
            raise DataError(f"Point {row_number} has {len(cells)} values; each point needs x1, x2 and y.")
        x1, x2, y = (_value(cell, row_number, column) for cell, column in zip(cells, _COLUMNS, strict=True))
        points.append((x1, x2, y))
    return tuple(points)


def points_task(points: Sequence[Point]) -> str:
    """The task the labels imply: ``"classification"`` for labels in {0, 1} or {-1, +1} (and for no
    points at all), else ``"regression"``."""
    labels = {float(p[2]) for p in points}
    binary = labels <= {0.0, 1.0} or labels <= {-1.0, 1.0}
    return "classification" if binary else "regression"


def dataset_from_points(points: Sequence[Point], name: str = "custom") -> Dataset:
    """A :class:`Dataset` (training points only, no test part) from ``points``, validated like a CSV
    file: at least ``MIN_POINTS`` and at most ``MAX_POINTS`` finite points, both classes present for
    classification labels; duplicates are kept and counted in ``notes``."""
    checked = as_points(points)
    if len(checked) < MIN_POINTS:
        raise DataError(
            f"Your data set has {len(checked)} point{'s' if len(checked) != 1 else ''}; at least "
            f"{MIN_POINTS} are needed (add points on the Data page)."
        )
    data = np.array(checked, dtype=float)
    return checked_dataset(data[:, :2], data[:, 2], name=name)


def points_from_dataset(dataset: Dataset) -> tuple[Point, ...]:
    """The training points of ``dataset`` as ``(x1, x2, y)`` float tuples."""
    return tuple(
        (float(x1), float(x2), float(label))
        for (x1, x2), label in zip(np.asarray(dataset.X), np.asarray(dataset.y), strict=True)
    )
