"""Reproducible sweeps: one training run per point of a grid, in parallel, as one tidy table.

A grid maps parameter names to a value or a list of values; the runs are the Cartesian product
(``GRID_DEFAULTS`` fills what the grid leaves out). Every run is exactly the command line's
``python -m engine train`` with those settings, through the same run layer (engine/cli/run.py: the
same parsing, checks, data, solver routes and reported numbers: ``objective`` is J, or the robust
objective when eps > 0, with ``nominal_objective`` = J), plus an evaluation at the run's radius eps on
the evaluation split (the test set when there is one, else the training set):

* ``clean_accuracy``: fraction of correct signs;
* ``pgd_accuracy``: accuracy under the margin PGD attack at eps (``attack_steps`` steps, an upper bound
  on the robust accuracy; equal to the clean accuracy at eps = 0);
* ``certified_accuracy``: the exact 2-D certificate (engine/robust/certificate.py): points whose whole
  eps-ball is classified correctly (empty for d != 2);
* ``outcome``: the run's ``outcome`` of ``train --json`` (convex: certified, solved or uncertified;
  SGD: certified, trained or diverged): a run that finished but is not a certified optimum says so here.

Keys that do not apply to a method are dropped from its runs (``patterns`` and ``solver`` for SGD; the
optimizer settings for the convex program), so an SGD run is not repeated per pattern count. The
``seed`` seeds the data, SGD's initial weights and shuffles, and the pattern sampler. A run that fails
becomes a row with ``status = "error"`` and the one-line message in ``error``; a bad grid value is
rejected before anything runs (ValueError, one line).

Limits: a grid of more than :data:`MAX_RUNS` runs is refused before anything runs (``max_runs=None``
or ``--force`` lifts it), and so is ``--jobs`` above the machine's cores for the local backends.
On the command line, ``--out FILE.csv`` is checked before the first run, every finished row is
appended to it at once (a crash or Ctrl-C keeps every finished run), the same command resumes from
the file (runs whose settings already have a row are skipped) and at the end the file is rewritten in
grid order (rows of other grids that were in the file are kept after them).

Parallelism is joblib's: ``backend`` None / "loky" (processes on this machine), "threading", "dask"
(a ``distributed`` cluster: the client already connected, else one at ``scheduler``, else a local
cluster started for the sweep) or "ray" (``ray.util.joblib``; needs ray installed).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.cli.run import (
    DEFAULT_BETA,
    DEFAULT_N,
    DEFAULT_N_TEST,
    DEFAULT_NOISE,
    SGD_DEFAULTS,
    CLIError,
    RunData,
    RunSpec,
    check,
    load_data,
    one_line,
    parse_settings,
    train,
)

if TYPE_CHECKING:  # pandas and joblib are imported when a sweep runs (the command line starts faster)
    import pandas as pd

__all__ = [
    "BACKENDS",
    "COLUMNS",
    "GRID_DEFAULTS",
    "MAX_RUNS",
    "count_runs",
    "expand_grid",
    "iter_rows",
    "run_one",
    "run_sweep",
]

#: Largest grid a sweep runs without ``force`` (``--force``): 10,000 runs of a second each are
#: hours on a small machine; an 800,000-run grid was accepted silently before.
MAX_RUNS = 10_000

# Every grid key: its default (those of ``python -m engine train``, solver auto) and what it sets.
_GRID: dict[str, tuple[Any, str]] = {
    "dataset": ("moons", "generated data sets (datasets.DATASET_NAMES)"),
    "n": (DEFAULT_N, "training points"),
    "noise": (DEFAULT_NOISE, "noise level of the generator"),
    "n_test": (DEFAULT_N_TEST, "test points, 0 for none (evaluation then on the training set)"),
    "seed": (0, "seeds of the data, SGD's start and shuffles, and the pattern sampler"),
    "method": ("convex", "convex and/or sgd"),
    "loss": ("squared", "squared, hinge or logistic"),
    "beta": (DEFAULT_BETA, "weight decay beta of J"),
    "eps": (0.0, "perturbation radii, data units (0: standard training; > 0: robust program / PGD training)"),
    "norm": ("inf", "perturbation ball: inf or 2"),
    "patterns": ("exact", "convex: 'exact' or a number of sampled patterns"),
    "solver": ("auto", "convex solver (engine.convex.SOLVERS)"),
    "optimizer": (SGD_DEFAULTS["optimizer"], "sgd: gd, sgd, momentum, nesterov or adam"),
    "width": (SGD_DEFAULTS["width"], "sgd: hidden neurons"),
    "lr": (SGD_DEFAULTS["lr"], "sgd: learning rate"),
    "epochs": (SGD_DEFAULTS["epochs"], "sgd: passes over the data"),
    "batch_size": (SGD_DEFAULTS["batch_size"], "sgd: minibatch size"),
    "pgd_steps": (SGD_DEFAULTS["pgd_steps"], "sgd with eps > 0: PGD steps of adversarial training"),
    "attack_steps": (20, "PGD steps of the evaluation attack at eps"),
}
#: Every grid key and its default.
GRID_DEFAULTS: dict[str, Any] = {key: default for key, (default, _) in _GRID.items()}
_CONVEX_ONLY = ("patterns", "solver")
_SGD_ONLY = ("optimizer", "width", "lr", "epochs", "batch_size", "pgd_steps")
_RESULTS = (
    "status",
    "error",
    "objective",
    "nominal_objective",
    "lower_bound",
    "gap",
    "certified",
    "outcome",
    "neurons",
    "train_accuracy",
    "test_accuracy",
    "eval_split",
    "clean_accuracy",
    "pgd_accuracy",
    "certified_accuracy",
    "train_time_s",
    "time_s",
)
# What a run takes over from the `train --json` record.
_TRAIN_REPORT = _RESULTS[2:11]
#: The columns of the sweep table, in order: the run number, every grid key, then the results.
COLUMNS: tuple[str, ...] = ("run", *GRID_DEFAULTS, *_RESULTS)
# Column types of the table (nullable: a key that does not apply to a method, or a result that a run
# lacks, stays missing); the other columns are text.
_DTYPES = {
    **dict.fromkeys(("run", "n", "n_test", "seed", "width", "epochs", "batch_size"), "Int64"),
    **dict.fromkeys(("pgd_steps", "attack_steps", "neurons"), "Int64"),
    **dict.fromkeys(
        ("noise", "beta", "eps", "lr", "objective", "nominal_objective", "lower_bound"), "Float64"
    ),
    **dict.fromkeys(("gap", "train_accuracy", "test_accuracy", "clean_accuracy", "pgd_accuracy"), "Float64"),
    **dict.fromkeys(("certified_accuracy", "train_time_s", "time_s"), "Float64"),
    "certified": "boolean",
}
BACKENDS = ("loky", "threading", "multiprocessing", "dask", "ray")


def _as_list(key: str, value: Any) -> list:
    values = list(value) if isinstance(value, list | tuple | np.ndarray) else [value]
    if not values:
        raise ValueError(f"grid: {key} has no values")
    return values


def _axes(grid: Mapping[str, Any]) -> dict[str, list]:
    unknown = sorted(set(grid) - set(GRID_DEFAULTS))
    if unknown:
        raise ValueError(
            f"grid: unknown key(s) {', '.join(unknown)}; the keys are {', '.join(GRID_DEFAULTS)}"
        )
    return {key: _as_list(key, grid.get(key, default)) for key, default in GRID_DEFAULTS.items()}


def count_runs(grid: Mapping[str, Any]) -> int:
    """How many runs a grid asks for at most, without listing them: per method, the product of the
    numbers of distinct values of the keys that apply to it (exact but for n_test values equal to n)."""
    axes = _axes(grid)
    total = 0
    for method in dict.fromkeys(map(repr, axes["method"])):
        skip = _SGD_ONLY if method == repr("convex") else _CONVEX_ONLY
        total += math.prod(len({repr(v) for v in axes[key]}) for key in axes if key not in (*skip, "method"))
    return total


def expand_grid(grid: Mapping[str, Any], max_runs: int | None = None) -> list[dict[str, Any]]:
    """The runs of a grid (a dict of value or list of values per key), in grid order, duplicates dropped.

    ``max_runs``: refuse a grid of more runs (ValueError) before listing or checking any of them."""
    axes = _axes(grid)
    if max_runs is not None and (count := count_runs(grid)) > max_runs:
        raise ValueError(
            f"grid: {count:,} runs is more than the limit of {max_runs:,}; give fewer values "
            "(or --force to run them all)"
        )
    runs, seen = [], set()
    for values in itertools.product(*axes.values()):
        run = dict(zip(axes, values, strict=True))
        for key in _SGD_ONLY if run["method"] == "convex" else _CONVEX_ONLY:
            run[key] = None  # does not apply to this method
        if run["n_test"] is None:
            run["n_test"] = run["n"]
        signature = tuple(repr(v) for v in run.values())
        if signature not in seen:
            seen.add(signature)
            runs.append(run)
    for i, run in enumerate(runs):
        try:
            _prepare(run)
        except ValueError as err:
            raise ValueError(f"grid: {one_line(err)} (run {i + 1}: {_describe(run)})") from None
    return runs


def _describe(run: Mapping[str, Any]) -> str:
    """The settings of a run that differ from the defaults, as ``key=value, ...``."""
    defaults = GRID_DEFAULTS
    return ", ".join(f"{k}={v}" for k, v in run.items() if v is not None and v != defaults[k])


def _settings(run: Mapping[str, Any]) -> dict[str, Any]:
    """The ``train`` settings of one run (raw values; pattern seed = seed): every key but
    ``attack_steps``, less those that do not apply to its method."""
    keys = ["dataset", "n", "noise", "n_test", "seed", "method", "loss", "beta", "eps", "norm"]
    keys += list(_CONVEX_ONLY if run["method"] == "convex" else _SGD_ONLY)
    settings = {key: run[key] for key in keys}
    if run["method"] == "convex":
        settings["pattern_seed"] = run["seed"]
    return settings


def _prepare(run: Mapping[str, Any]) -> tuple[RunSpec, RunData]:
    """Check a run as the command line checks ``train`` and load its data: (spec, data). ValueError if
    bad, with the command line's message naming grid keys instead of flags."""
    if run["method"] not in ("convex", "sgd"):
        raise ValueError(f"unknown method {run['method']!r}; choose convex or sgd")
    try:
        steps = int(run["attack_steps"])
    except (TypeError, ValueError):
        steps = 0
    if steps < 1:
        raise ValueError(f"attack_steps must be a whole number >= 1 (got {run['attack_steps']!r})")
    try:
        spec = check(parse_settings(_settings(run)))
        return spec, load_data(spec)
    except CLIError as err:
        # the command line's messages name flags (--pattern-seed): name the grid key instead
        raise ValueError(
            re.sub(r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_"), str(err))
        ) from None


def _evaluate(network, data: RunData, eps: float, norm: str, steps: int, seed: int) -> dict:
    """Clean, PGD and (2-D) certified accuracy at radius eps on the test set, else the training set."""
    from engine.attacks import pgd_accuracy
    from engine.gradient.sgd import is_classification_labels
    from engine.network import accuracy
    from engine.robust.certificate import certified_accuracy

    split = "test" if data.X_test is not None else "train"
    X, y = (data.X_test, data.y_test) if split == "test" else (data.X, data.y)
    out: dict[str, Any] = {"eval_split": split}
    if data.task != "classification" or not is_classification_labels(y):
        return out
    out["clean_accuracy"] = accuracy(network, X, y)
    out["pgd_accuracy"] = (
        pgd_accuracy(network, X, y, eps, norm, steps=steps, seed=seed) if eps > 0 else out["clean_accuracy"]
    )
    if X.shape[1] == 2:
        out["certified_accuracy"] = certified_accuracy(network, X, y, eps, norm)
    return out


def run_one(run: Mapping[str, Any]) -> dict[str, Any]:
    """One run of the grid: its parameters and results (never raises: errors become a row)."""
    from engine.network import TwoLayerReLU

    start = time.perf_counter()
    row: dict[str, Any] = dict(run)
    try:
        spec, data = _prepare(run)
        record = train(spec, data)
        network = TwoLayerReLU.from_dict(record["network"])
        row.update({key: record.get(key) for key in _TRAIN_REPORT})
        row["train_time_s"] = record["time_s"]
        evaluation = _evaluate(network, data, spec.eps, spec.norm, int(run["attack_steps"]), spec.seed)
        row.update(evaluation, status="ok", error="")
    except Exception as err:  # a failed run is a row of the table, not the end of the sweep
        row.update(status="error", error=f"{type(err).__name__}: {one_line(err)}")
    row["time_s"] = time.perf_counter() - start
    return row


def _indexed(i: int, run: Mapping[str, Any], sweep_pid: int | None = None) -> tuple[int, dict[str, Any]]:
    """``(i, run_one(run))``. In a worker process (not the sweep's own, ``sweep_pid``) Ctrl-C is left to
    the sweep: the terminal sends SIGINT to the whole process group, and a worker that took it would
    print a traceback while the sweep already stops cleanly and keeps the finished rows."""
    if sweep_pid is not None and os.getpid() != sweep_pid:
        with contextlib.suppress(ValueError):  # not the main thread (a threaded Dask worker): nothing to do
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    return i, run_one(run)


def print_progress(done: int, total: int, errors: int) -> None:
    """The default progress report on stderr: one line rewritten in place on a terminal, else a line
    at every tenth of the runs."""
    line = f"sweep: {done}/{total} runs done ({errors} failed)"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line + ("\n" if done == total else ""))
    elif done == total or done % max(1, total // 10) == 0:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


@contextlib.contextmanager
def _backend(backend: str | None, jobs: int, scheduler: str | None) -> Iterator[None]:
    """joblib's parallel_config for ``backend``; for dask, a distributed client for the sweep."""
    from joblib import parallel_config

    if backend is None or backend in ("loky", "threading", "multiprocessing"):
        with parallel_config(backend=backend or "loky", n_jobs=jobs):
            yield
        return
    if backend == "ray":
        try:
            from ray.util.joblib import register_ray
        except ImportError:
            raise ValueError("the ray backend needs ray installed (pip install 'ray[default]')") from None
        register_ray()
        with parallel_config(backend="ray", n_jobs=jobs):
            yield
        return
    if backend != "dask":
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    try:
        from distributed import Client, LocalCluster, get_client
    except ImportError:
        raise ValueError("the dask backend needs dask installed (pip install 'dask[distributed]')") from None
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            stack.enter_context(Client(scheduler))
        else:
            try:
                get_client()  # a client the caller already connected
            except ValueError:
                workers = jobs if jobs > 0 else None
                local = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
                cluster = stack.enter_context(local)
                stack.enter_context(Client(cluster))
        with parallel_config(backend="dask", n_jobs=jobs):
            yield


def _check_jobs(jobs: Any, backend: str | None, force: bool) -> None:
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs == 0 or jobs < -1:
        raise ValueError(f"jobs must be a positive whole number or -1 (got {jobs!r})")
    cores = _cores()
    if not force and backend in (None, "loky", "threading", "multiprocessing") and jobs > cores:
        raise ValueError(
            f"jobs = {jobs} is more than the {cores} cores of this machine (runs would only wait for "
            "each other); use --jobs -1 for all of them (or --force)"
        )


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def iter_rows(
    runs: Iterable[tuple[int, dict[str, Any]]],
    *,
    jobs: int = 1,
    backend: str | None = None,
    scheduler: str | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(i, row)`` for every ``(i, run)`` of ``runs`` (runs of :func:`expand_grid` and their numbers) as
    soon as it ends, in the order the runs end; ``row["run"] == i``. Stopping the iteration (or Ctrl-C)
    stops the sweep."""
    from joblib import Parallel, delayed

    with _backend(backend, jobs, scheduler):
        # Ray's joblib backend returns only a list (progress then comes at the end); rows carry their index
        order = "list" if backend == "ray" else "generator_unordered"
        sweep_pid = os.getpid()
        results = Parallel(return_as=order)(delayed(_indexed)(i, r, sweep_pid) for i, r in runs)
        for i, row in results:
            yield i, row | {"run": i}


def run_sweep(
    grid: Mapping[str, Any],
    *,
    jobs: int = 1,
    backend: str | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int, int], None] | bool = False,
    max_runs: int | None = MAX_RUNS,
    force: bool = False,
) -> pd.DataFrame:
    """Run every point of ``grid`` (see :func:`expand_grid`) and return one row per run (:data:`COLUMNS`).

    ``jobs`` parallel workers (-1: all cores or all cluster workers; at most the cores for the local
    backends unless ``force``); ``backend`` one of :data:`BACKENDS` (default loky); ``scheduler`` a
    dask scheduler address; ``progress`` True for a line on stderr or a callable ``(done, total,
    failed)``; ``max_runs`` the largest grid (None: any). Rows come in grid order whatever order the
    runs end in.
    """
    _check_jobs(jobs, backend, force)
    runs = expand_grid(grid, None if force else max_runs)
    report = print_progress if progress is True else (progress or None)
    rows: list[dict[str, Any] | None] = [None] * len(runs)
    failed = 0
    finished = iter_rows(enumerate(runs), jobs=jobs, backend=backend, scheduler=scheduler)
    for done, (i, row) in enumerate(finished, start=1):
        rows[i] = row
        failed += row["status"] != "ok"
        if report is not None:
            report(done, len(runs), failed)
    return _table(rows)


def _table(rows: list[dict[str, Any] | None]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(_DTYPES)


# ----------------------------------------------------------------------------- command line


def _grid_value(text: str) -> Any:
    """A command-line grid value: a whole number, a real number, or text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def add_sweep_parser(sub: Any) -> None:
    """The ``sweep`` subcommand on the command line's subparsers (engine/cli/commands.py)."""
    p = sub.add_parser(
        "sweep",
        help="train over a grid (data sets x beta x patterns x eps x seeds x methods) into one CSV",
        description="Run `train` for every point of a grid, in parallel, and write one tidy CSV: a row per "
        "run with its settings, objective, nominal objective, certificate, clean / PGD / certified accuracy "
        "at eps, times and status. Every grid option takes one or more values.",
        allow_abbrev=False,
    )
    grid = p.add_argument_group("grid (each option takes one or more values)")
    for key, (default, text) in _GRID.items():
        shown = default
        grid.add_argument(
            f"--{key.replace('_', '-')}",
            dest=key,
            nargs="+",
            type=_grid_value,
            metavar="V",
            help=f"{text} (default {shown})",
        )
    run = p.add_argument_group("running")
    run.add_argument(
        "--jobs", type=int, default=1, help="parallel runs (-1: every core or worker; default 1)"
    )
    run.add_argument(
        "--backend",
        choices=BACKENDS,
        help="joblib backend (default loky: processes here; dask / ray: a cluster)",
    )
    run.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler address, e.g. tcp://host:8786")
    run.add_argument("--out", default="-", metavar="FILE.csv", help="the CSV file (default: standard output)")
    run.add_argument("--quiet", action="store_true", help="no progress line on standard error")
    run.add_argument(
        "--force",
        action="store_true",
        help=f"run a grid of more than {MAX_RUNS:,} runs, or more --jobs than this machine has cores",
    )


class _OutFile:
    """The ``--out`` CSV of a sweep: checked before the first run, a row appended (and flushed) as each
    run ends, the rows already there kept (resume), rewritten in grid order at the end."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.kept: dict[tuple[str, ...], list[str]] = {}  # grid-key text -> the row's fields, as read
        self.dropped = 0  # lines cut short (a run killed while writing), left out

    def open(self) -> None:
        """Check the file can be written and read the rows it holds (CLIError, status 2)."""
        path = self.path
        if os.path.isdir(path):
            raise CLIError(f"--out: {path!r} is a folder, not a CSV file", 2)
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise CLIError(f"--out: no such directory for {path!r}", 2)
        try:
            with open(path, "a", encoding="utf-8", newline=""):
                pass
            with open(path, encoding="utf-8-sig", newline="") as fh:
                lines = list(csv.reader(fh))
        except OSError as err:
            raise CLIError(f"--out: cannot write {path!r} ({err.strerror or one_line(err)})", 2) from None
        except (UnicodeDecodeError, csv.Error):
            lines = [["?"]]
        if lines and lines[0] != list(COLUMNS):
            raise CLIError(
                f"--out: {path!r} already holds something other than a sweep table (its first line is "
                "not the sweep's header); give a new file name",
                2,
            )
        for fields in lines[1:]:
            if len(fields) != len(COLUMNS):
                self.dropped += 1
                continue
            self.kept.setdefault(_key(fields), fields)
        if not lines:
            self._write([list(COLUMNS)], "w")

    def append(self, row: dict[str, Any]) -> None:
        """Append one finished row at once (flushed: a crash or Ctrl-C later does not lose it)."""
        self._write(_fields([row]), "a")

    def finish(self, runs: list[dict[str, Any]], rows: dict[int, dict[str, Any]]) -> tuple[int, int]:
        """Rewrite the file: the grid's rows in grid order (new ones and those kept), then the kept rows
        of other grids. Returns (rows of this grid in the file, failed among them)."""
        ordered, placed, failed = [list(COLUMNS)], set(), 0
        new = dict(zip(sorted(rows), _fields([rows[i] for i in sorted(rows)]), strict=True))
        for i, key in enumerate(_keys(runs)):
            if i in new:
                fields = new[i]
            elif key in self.kept:
                fields = [str(i), *self.kept[key][1:]]
            else:
                continue
            placed.add(key)
            failed += fields[COLUMNS.index("status")] != "ok"
            ordered.append(fields)
        done = len(ordered) - 1
        ordered += [fields for key, fields in self.kept.items() if key not in placed]
        tmp = f"{self.path}.part"
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerows(ordered)
            os.replace(tmp, self.path)
        except OSError:  # the appended rows stay where they are
            with contextlib.suppress(OSError):
                os.remove(tmp)
        return done, failed

    def _write(self, lines: list[list[str]], mode: str) -> None:
        with open(self.path, mode, encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(lines)
            fh.flush()


_GRID_FIELDS = slice(1, 1 + len(GRID_DEFAULTS))  # the grid keys' columns of a table row


def _fields(rows: list[dict[str, Any] | None]) -> list[list[str]]:
    """Rows as the text fields the sweep table writes (None: a run's settings, results empty)."""
    text = _table(rows).to_csv(index=False, header=False, lineterminator="\n")
    return list(csv.reader(io.StringIO(text)))


def _key(fields: list[str]) -> tuple[str, ...]:
    return tuple(fields[_GRID_FIELDS])


def _keys(runs: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The grid-key text of each run, as its row in the table shows it."""
    return [_key(fields) for fields in _fields([dict(run) for run in runs])]


def sweep_command(args: Any) -> int:
    """Run ``python -m engine sweep``: 0 when every run succeeded, 1 when some failed (the CSV has them),
    130 when stopped by Ctrl-C (the finished rows are kept; the same command resumes)."""
    grid = {key: getattr(args, key) for key in GRID_DEFAULTS if getattr(args, key) is not None}
    if args.scheduler is not None and args.backend != "dask":
        raise CLIError("--scheduler goes with --backend dask", 2)
    out = None if args.out == "-" else _OutFile(args.out)
    try:
        _check_jobs(args.jobs, args.backend, args.force)
        if out is not None:
            out.open()  # before the grid is checked: an unwritable file is found at once
        runs = expand_grid(grid, None if args.force else MAX_RUNS)
    except ValueError as err:  # a bad grid value, backend or job count
        raise CLIError(one_line(err), 2) from None
    keys = _keys(runs)
    todo = [
        (i, run)
        for i, (run, key) in enumerate(zip(runs, keys, strict=True))
        if out is None or key not in out.kept
    ]
    if out is not None and len(todo) < len(runs) and not args.quiet:
        print(
            f"sweep: resuming: {len(runs) - len(todo)} of {len(runs)} runs already in {args.out}",
            file=sys.stderr,
        )
    rows: dict[int, dict[str, Any]] = {}
    failed, stopped = 0, ""
    try:
        finished = iter_rows(todo, jobs=args.jobs, backend=args.backend, scheduler=args.scheduler)
        for done, (i, row) in enumerate(finished, start=1):
            rows[i] = row
            failed += row["status"] != "ok"
            if out is not None:
                out.append(row)
            if not args.quiet:
                print_progress(done, len(todo), failed)
    except KeyboardInterrupt:
        stopped = "Ctrl-C"
    except ValueError as err:  # a backend that cannot start
        if not rows:
            raise CLIError(one_line(err), 2) from None
        stopped = one_line(err)
    except Exception as err:  # a worker process lost; Ctrl-C reaches the workers too (exit code SIGINT)
        stopped = "Ctrl-C" if "SIGINT" in str(err) else f"{type(err).__name__}: {one_line(err)}"
    with _no_interrupts():  # a second Ctrl-C must not cut the file while it is rewritten
        if out is None:
            _table([rows[i] for i in sorted(rows)]).to_csv(sys.stdout, index=False)
            written, failed_all = len(rows), failed
        else:
            written, failed_all = out.finish(runs, rows)
    if stopped:
        where = "printed above" if out is None else f"kept in {args.out}; the same command resumes"
        done = f"{len(rows)} of {len(todo)} runs"
        print(f"\nsweep: stopped ({stopped}) after {done}; the finished rows are {where}", file=sys.stderr)
        return 130 if stopped == "Ctrl-C" else 1
    if out is not None and not args.quiet:
        print(f"sweep: {written} runs ({failed_all} failed) written to {args.out}", file=sys.stderr)
    return 1 if failed_all else 0


@contextlib.contextmanager
def _no_interrupts() -> Iterator[None]:
    """Ctrl-C ignored inside (main thread only; elsewhere signals cannot be set and none arrive)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
