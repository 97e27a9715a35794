"""Loading data sets from CSV files (uploads included), writing them back, and the bundled samples.

The format: a header line naming exactly the columns ``x1``, ``x2``, ``y`` (any order, whitespace and
letter case around the names tolerated), then one point per line, comma-separated. Labels 0/1 are mapped
to -1/+1, labels -1/+1 are kept, other real labels make a regression data set. Every problem with the
content raises :class:`DataError` with one sentence naming the line (the header is line 1) and column.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from datasets.base import FEATURE_BOUND, MAX_POINTS, MIN_POINTS, TASKS, DataError, Dataset, check_int

COLUMNS: tuple[str, ...] = ("x1", "x2", "y")
MAX_BYTES: int = 10_000_000
"""Largest file accepted (bytes); far above what ``MAX_POINTS`` rows need."""
MAX_ABS_VALUE: float = 1e6
"""Largest magnitude of any cell; bigger values would overflow the squared losses."""
SAMPLE_DIR: Path = Path(__file__).resolve().parent / "samples"


def load_csv(source: Any, *, max_rows: int = MAX_POINTS, task: str | None = None) -> Dataset:
    """Read a data set from ``source``: a path (``str`` or :class:`pathlib.Path`), ``bytes`` (an upload),
    a file-like object (text or binary; its ``getvalue()`` is used when it has one, e.g. Streamlit's
    ``UploadedFile``), or a ``str`` holding CSV text (recognised by a line break, as from :func:`to_csv`).

    ``task=None`` infers the task from the labels; ``"classification"`` or ``"regression"`` forces it.
    At most ``max_rows`` data rows are accepted. Duplicate points are kept and counted in ``notes``.
    """
    max_rows = check_int(max_rows, "max_rows", 1)
    if task is not None and task not in TASKS:
        raise DataError(f"The task must be 'classification', 'regression' or None, not {task!r}.")
    text, name = _read_text(source)
    X, y = _parse(text, max_rows)
    return checked_dataset(X, y, name=name, task=task)


def checked_dataset(X: np.ndarray, y: np.ndarray, *, name: str, task: str | None = None) -> Dataset:
    """A :class:`Dataset` from parsed points: labels checked (0/1 mapped to -1/+1 for classification,
    ``task=None`` infers the task), with notes on mapped labels, duplicate points and the feature range."""
    y, task, label_note = _labels(y, task)
    notes = [note for note in (label_note, _duplicate_note(X, y, task), _range_note(X)) if note]
    return Dataset(X=X, y=y, name=name, task=task, notes=" ".join(notes))


def to_csv(dataset: Dataset) -> str:
    """The training points of ``dataset`` as CSV text ``x1,x2,y`` (floats written exactly, classification
    labels as -1/1), so that ``load_csv(to_csv(d))`` gives back the same ``X``, ``y`` and task."""
    lines = [",".join(COLUMNS)]
    for (x1, x2), label in zip(
        np.asarray(dataset.X, dtype=float), np.asarray(dataset.y, dtype=float), strict=True
    ):
        value = str(int(label)) if dataset.task == "classification" else repr(float(label))
        lines.append(f"{float(x1)!r},{float(x2)!r},{value}")
    return "\n".join(lines) + "\n"


def sample_names() -> tuple[str, ...]:
    """Names (file stems) of the CSV samples bundled in ``datasets/samples``."""
    return tuple(sorted(p.stem for p in SAMPLE_DIR.glob("*.csv")))


def load_sample(name: str) -> Dataset:
    """Load the bundled sample ``name`` (see :func:`sample_names`)."""
    if name not in sample_names():
        raise DataError(f"Unknown sample {name!r}; choose one of: {', '.join(sample_names())}.")
    return load_csv(SAMPLE_DIR / f"{name}.csv")


# --- reading -------------------------------------------------------------------------------------------


def _read_text(source: Any) -> tuple[str, str]:
    """The decoded text of ``source`` and a name for the data set."""
    name = "uploaded"
    if isinstance(source, (bytes, bytearray, memoryview)):
        data: bytes | str = bytes(source)
    elif isinstance(source, str) and ("\n" in source or "\r" in source):
        data, name = source, "csv"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = path.stem or name
        data = _read_path(path)
    elif hasattr(source, "read"):
        name = Path(str(getattr(source, "name", "") or "")).stem or name
        try:
            data = source.getvalue() if hasattr(source, "getvalue") else source.read(MAX_BYTES + 1)
        except (OSError, ValueError) as exc:
            raise DataError(f"The uploaded file could not be read ({exc}).") from None
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, (bytes, str)):
            raise DataError("The uploaded file could not be read: it gave no text.")
    else:
        raise DataError(f"Cannot read CSV data from a {type(source).__name__}; give a path, bytes or a file.")
    if len(data) > MAX_BYTES:
        raise DataError(
            f"The file is larger than {MAX_BYTES // 1_000_000} MB, far too big for {MAX_POINTS} rows."
        )
    if isinstance(data, bytes):
        if b"\x00" in data:
            raise DataError("The file is not a CSV text file: it contains binary data.")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError("The file is not readable text: it is not encoded as UTF-8.") from None
    elif "\x00" in data:
        raise DataError("The file is not a CSV text file: it contains binary data.")
    return data.removeprefix("\ufeff"), name


def _read_path(path: Path) -> bytes:
    """The bytes of the file at ``path``; every failure becomes a :class:`DataError`."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DataError(
                f"The file is larger than {MAX_BYTES // 1_000_000} MB, far too big for {MAX_POINTS} rows."
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"The file {str(path)!r} does not exist.") from None
    except IsADirectoryError:
        raise DataError(f"{str(path)!r} is a folder, not a CSV file.") from None
    except OSError as exc:
        raise DataError(f"The file {str(path)!r} could not be read ({exc.strerror or exc}).") from None


# --- parsing -------------------------------------------------------------------------------------------


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _header(row: list[str]) -> list[str]:
    """Validated, normalised column names of the header row."""
    names = [cell.strip().lower() for cell in row]
    if len(names) == 1 and names[0] not in COLUMNS:
        raise DataError(
            "The file does not look like comma-separated values: its first line has no commas "
            "(expected the header x1,x2,y)."
        )
    if len(names) >= 2 and all(_is_number(name) for name in names):
        raise DataError(
            "The first line holds numbers, but it must be the header naming the columns x1, x2, y."
        )
    for position, name in enumerate(names, start=1):
        if not name:
            raise DataError(
                f"Column {position} of the header has no name; the columns must be exactly x1, x2, y."
            )
    counts = Counter(names)  # linear in the header's length (a header can be a megabyte long)
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise DataError(f"The column {_quoted(repeated[0])} appears more than once in the header.")
    missing = [c for c in COLUMNS if c not in counts]
    extra = [name for name in names if name not in COLUMNS]
    listed = _listed(extra)
    if missing and extra:
        raise DataError(
            f"Missing column(s) {', '.join(missing)} and unexpected column(s) {listed}; "
            "the columns must be exactly x1, x2, y."
        )
    if missing:
        raise DataError(f"Missing column(s) {', '.join(missing)}; the columns must be exactly x1, x2, y.")
    if extra:
        raise DataError(f"Unexpected extra column(s) {listed}; the columns must be exactly x1, x2, y.")
    return names


def _quoted(text: str, limit: int = 30) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _listed(names: list[str], most: int = 3) -> str:
    """The first ``most`` names, each cut short, and how many more: messages stay one short line."""
    shown = ", ".join(n if len(n) <= 30 else _quoted(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _cell(cell: str, line: int, column: str) -> float:
    """One numeric cell; empty, non-numeric, NaN, infinite or huge cells raise :class:`DataError`."""
    cell = cell.strip()
    where = f"Line {line}, column {column}"
    if not cell:
        raise DataError(f"{where}: the cell is empty.")
    try:
        value = float(cell)
    except ValueError:
        shown = cell if len(cell) <= 30 else cell[:27] + "..."
        raise DataError(f"{where}: {shown!r} is not a number.") from None
    if math.isnan(value):
        raise DataError(f"{where}: the value is NaN (missing).")
    if math.isinf(value):
        raise DataError(f"{where}: the value {cell!r} is infinite.")
    if abs(value) > MAX_ABS_VALUE:
        raise DataError(
            f"{where}: the value {cell} is too large (the limit is {MAX_ABS_VALUE:g} in magnitude)."
        )
    return value


def _parse(text: str, max_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (n x 2) and raw labels ``y`` from CSV text; blank lines are skipped."""
    if not text.strip():
        raise DataError("The file is empty.")
    reader = csv.reader(io.StringIO(text), strict=True)
    names: list[str] | None = None
    rows: list[list[float]] = []
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            line = reader.line_num
            if names is None:
                names = _header(row)
                continue
            if len(rows) >= max_rows:
                raise DataError(f"The file has more than {max_rows} data rows; the limit is {max_rows} rows.")
            if len(row) != len(names):
                raise DataError(
                    f"Line {line} has {len(row)} values, but the header has {len(names)} columns."
                )
            values = dict(zip(names, row, strict=True))
            rows.append([_cell(values[c], line, c) for c in COLUMNS])
    except csv.Error as exc:
        raise DataError(f"The file is not valid CSV: line {reader.line_num}: {exc}.") from None
    if len(rows) < MIN_POINTS:
        raise DataError(f"The file has only {len(rows)} data rows; at least {MIN_POINTS} are needed.")
    data = np.array(rows, dtype=float)
    return data[:, :2], data[:, 2]


# --- labels and notes ----------------------------------------------------------------------------------


def _labels(y: np.ndarray, task: str | None) -> tuple[np.ndarray, str, str]:
    """``(labels, task, note)``: 0/1 and -1/+1 labels become -1.0/+1.0 for classification."""
    values = set(np.unique(y).tolist())
    binary = values <= {0.0, 1.0} or values <= {-1.0, 1.0}
    if task is None:
        if not binary and len(values) == 2:
            a, b = sorted(values)
            raise DataError(
                f"The labels take only the two values {a:g} and {b:g}; use 0/1 or -1/+1 for classification, "
                "or load with task='regression'."
            )
        task = "classification" if binary else "regression"
    if task == "regression":
        return y, task, ""
    if not binary:
        examples = ", ".join(f"{v:g}" for v in sorted(values - {0.0, 1.0, -1.0})[:3])
        raise DataError(f"Classification needs labels 0/1 or -1/+1, but column y also holds {examples}.")
    if len(values) == 1:
        raise DataError(
            f"All {y.size} labels are {next(iter(values)):g}; a classification data set needs both classes."
        )
    note = "Labels 0/1 mapped to -1/+1." if 0.0 in values else ""
    return np.where(y > 0.0, 1.0, -1.0), task, note


def _duplicate_note(X: np.ndarray, y: np.ndarray, task: str) -> str:
    """How many rows repeat an earlier row's point (and, for classification, with a different label)."""
    _, first, inverse = np.unique(X, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    repeats = X.shape[0] - first.size
    if repeats == 0:
        return ""
    note = f"{repeats} duplicate point{'s' if repeats != 1 else ''} (same x1, x2 as an earlier row), kept"
    if task == "classification":
        conflicting = int(np.sum(y != y[first[inverse]]))
        if conflicting:
            note += f"; {conflicting} of them with a label different from the first occurrence"
    return note + "."


def _range_note(X: np.ndarray) -> str:
    """A hint when the features leave the usual box of the generated data sets."""
    largest = float(np.abs(X).max())
    if largest <= FEATURE_BOUND:
        return ""
    return (
        f"Features reach {largest:g} in magnitude, outside the usual box "
        f"[-{FEATURE_BOUND:g}, {FEATURE_BOUND:g}]^2; consider rescaling."
    )
