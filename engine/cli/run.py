"""One training run, as ``python -m engine train`` and every sweep row do it (docs/design.md §2).

* :data:`SETTINGS`: every train setting once: name, value type, choices, help text and option group.
  The command line (engine/cli/commands.py) builds its options from it;
* :class:`RunSpec`: the checked settings of one run, frozen, with the command line's defaults;
* :func:`parse_settings` turns raw values (text or numbers, e.g. a sweep's grid row) into typed ones
  as the command line's parser does, with its messages; :func:`check` applies the argument checks
  (one sentence naming the flag) and fills in the defaults;
* :func:`load_data`, :func:`fit` and :func:`train`: the data, the trained network and the report
  (the fields of ``train --json``).

A user error is a :class:`CLIError` (status 2 for arguments, 1 for data or solver errors). A convex
run that ends without reaching the optimum it promised reports ``outcome = "uncertified"``; the
command line then exits with :data:`UNCERTIFIED_STATUS` (:func:`exit_status`). Imports nothing from
the rest of engine.cli, so the command line and the sweep both build on it.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from datasets.base import MAX_POINTS, MIN_POINTS
from datasets.csv_io import MAX_ABS_VALUE
from engine.gradient.sgd import OPTIMIZERS, SGD_SETTINGS, is_classification_labels, train_sgd
from engine.losses import LOSS_NAMES
from engine.network import TwoLayerReLU, accuracy
from engine.patterns import MAX_SAMPLED_PATTERNS
from engine.robust.certificate import MAX_CERTIFICATE_WIDTH

__all__ = [
    "CLIError",
    "CONVEX_DEFAULTS",
    "DEFAULT_BETA",
    "LIMITS",
    "DEFAULT_N",
    "DEFAULT_N_TEST",
    "DEFAULT_NOISE",
    "DEFAULT_TOL",
    "METHODS",
    "SETTINGS",
    "SGD_DEFAULTS",
    "Limit",
    "RunData",
    "RunSpec",
    "Setting",
    "UNCERTIFIED_STATUS",
    "check",
    "check_input_file",
    "exit_status",
    "fit",
    "flag",
    "load_data",
    "one_line",
    "parse_settings",
    "train",
]

# The app's defaults (explorer/settings.py; tests/engine/cli/test_run.py checks they agree), so that
# `python -m engine train --dataset moons --method sgd` is the Playground's run, number for number.
DEFAULT_N = 30
DEFAULT_N_TEST = 200  # the generators draw the test points with the training points: same data as the app
DEFAULT_NOISE = 0.1
DEFAULT_BETA = 1e-3
DEFAULT_TOL = 1e-6
METHODS = ("convex", "sgd")
NORMS = ("inf", "2")
#: The robust program's default solver (--eps > 0 without --solver): the reduced program, which falls
#: back onto the cvxpy reference when Clarabel fails (engine/robust/solvers/registry.py).
ROBUST_DEFAULT_SOLVER = "reduced"
#: Exit status of ``train`` for a convex run whose outcome is "uncertified" (the report is printed).
UNCERTIFIED_STATUS = 3


class CLIError(Exception):
    """A user error: its message is printed as ``error: <message>`` and the command fails."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def flag(name: str) -> str:
    """The command-line flag of a setting: ``pattern_seed`` -> ``--pattern-seed``."""
    return "--" + name.replace("_", "-")


def one_line(err: BaseException) -> str:
    """An exception's message on one line (its type's name if it has none)."""
    return " ".join(str(err).split()) or type(err).__name__


# ----------------------------------------------------------------------------- the settings


@dataclass(frozen=True)
class RunSpec:
    """Every setting of one training run, checked, with the command line's defaults.

    Build it with :func:`check`, which also resolves ``n_test`` (default 200) and ``init_seed``
    (default: seed). None marks a setting that does not apply to the run: the generator's n, noise
    and n_test with a CSV file, test_fraction with generated data, the SGD settings of a convex run
    and the convex settings of an SGD run. ``eps`` > 0 trains robustly (data units, ``norm`` ball).
    """

    # data
    dataset: str | None = None
    n: int | None = DEFAULT_N
    noise: float | None = DEFAULT_NOISE
    n_test: int | None = None
    data: str | None = None
    test_fraction: float | None = None
    seed: int = 0
    # objective
    loss: str = "squared"
    beta: float = DEFAULT_BETA
    method: str = "convex"
    tol: float = DEFAULT_TOL
    eps: float = 0.0
    norm: str = "inf"
    # convex method
    patterns: str | int | None = "exact"
    pattern_seed: int | None = 0
    solver: str | None = "auto"
    # sgd method
    optimizer: str | None = "adam"
    width: int | None = 50
    lr: float | None = 1e-2
    epochs: int | None = 500
    batch_size: int | None = 16
    init_scale: float | None = 1.0
    momentum: float | None = 0.9
    init_seed: int | None = None
    pgd_steps: int | None = 10
    pgd_restarts: int | None = 0


_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(RunSpec)}
_ALWAYS = ("seed", "loss", "beta", "method", "tol", "eps", "norm")  # settings of every run
_CONVEX = ("patterns", "pattern_seed", "solver")
_SGD = (*SGD_SETTINGS, "init_seed", "pgd_steps", "pgd_restarts")
#: The defaults of the settings that apply to one method only (applied by :func:`check`, so that
#: such a setting given to the other method is reported instead of silently ignored).
SGD_DEFAULTS: dict[str, Any] = {name: _DEFAULTS[name] for name in _SGD}
CONVEX_DEFAULTS: dict[str, Any] = {name: _DEFAULTS[name] for name in _CONVEX}


@dataclass(frozen=True)
class Setting:
    """One train setting as the command line shows it: value type, choices, help text, option group."""

    name: str
    kind: type  # int, float or str
    group: str
    help: str
    choices: tuple[str, ...] | None = None
    metavar: str | None = None

    @property
    def flag(self) -> str:
        return flag(self.name)


#: Every train setting, in the order of ``python -m engine train --help``.
SETTINGS: tuple[Setting, ...] = (
    Setting("dataset", str, "data", "generated data set (see datasets.DATASET_NAMES)", metavar="NAME"),
    Setting("n", int, "data", f"number of training points (default {DEFAULT_N})"),
    Setting("noise", float, "data", f"noise level of the generator (default {DEFAULT_NOISE})"),
    Setting("n_test", int, "data", f"number of generated test points (default {DEFAULT_N_TEST}; 0 = none)"),
    Setting("data", str, "data", "load the training data from a CSV file", metavar="FILE.csv"),
    Setting(
        "test_fraction",
        float,
        "data",
        "with --data: hold out this fraction (0 < F < 1) as a test set",
        metavar="F",
    ),
    Setting("seed", int, "data", "seed for data generation, the CSV split and SGD (default 0)"),
    Setting("loss", str, "objective", "per-sample loss (default squared)", choices=LOSS_NAMES),
    Setting(
        "beta", float, "objective", f"weight decay beta >= 0 (default {DEFAULT_BETA:g}; convex needs > 0)"
    ),
    Setting(
        "method",
        str,
        "objective",
        "convex program (global optimum) or gradient training (default convex)",
        choices=METHODS,
    ),
    Setting("tol", float, "objective", f"relative gap that counts as certified (default {DEFAULT_TOL:g})"),
    Setting(
        "eps",
        float,
        "objective",
        "train robustly against perturbations of this radius (data units; default 0): convex = "
        "the robust program, sgd = PGD adversarial training; the objective is then the robust one",
    ),
    Setting("norm", str, "objective", "perturbation ball: l_inf box or l2 disc", choices=NORMS),
    Setting(
        "patterns",
        str,
        "convex method",
        "'exact' (all patterns, 2-D data) or a number of sampled patterns (default exact)",
        metavar="exact|COUNT",
    ),
    Setting("pattern_seed", int, "convex method", "seed of the pattern sampler (default 0)", metavar="K"),
    Setting(
        "solver",
        str,
        "convex method",
        "convex solver (default auto; with --eps > 0 the robust program's reduced solver, which falls "
        "back to cvxpy): admm = ADMM (Bai et al.); scp = sampled convex program; "
        "colgen = column generation (2-D; certified on the exact program, n <= 2000; exact on a "
        "sampled one); cvxpy = the reference CVXPY + Clarabel; reduced = Clarabel on the facet-reduced "
        "program; auto = colgen for 2-D data, else cvxpy",
        metavar="admm|scp|colgen|cvxpy|reduced|auto",
    ),
    Setting("optimizer", str, "sgd method", "gradient method (default adam)", choices=OPTIMIZERS),
    Setting("width", int, "sgd method", "number of hidden neurons (default 50)"),
    Setting("lr", float, "sgd method", "learning rate (default 0.01)"),
    Setting("epochs", int, "sgd method", "passes over the training data (default 500)"),
    Setting("batch_size", int, "sgd method", "minibatch size, ignored by gd (default 16)"),
    Setting("init_scale", float, "sgd method", "scale of the random initial weights (default 1)"),
    Setting("momentum", float, "sgd method", "momentum mu of heavy-ball and Nesterov (default 0.9)"),
    Setting("init_seed", int, "sgd method", "seed of SGD's initial weights and shuffles (default --seed)"),
    Setting("pgd_steps", int, "sgd method", "PGD steps of adversarial training (default 10)"),
    Setting("pgd_restarts", int, "sgd method", "PGD random restarts of adversarial training (default 0)"),
)
_BY_NAME = {s.name: s for s in SETTINGS}  # the same names as RunSpec's fields (a test checks)


@dataclass(frozen=True)
class Limit:
    """The sane range of a numeric setting: ``low <= value <= high`` (``<`` where open), and why the
    upper end is where it is."""

    low: float
    high: float
    why: str
    low_open: bool = False
    high_open: bool = False

    def problem(self, name: str, value: float) -> str | None:
        """None when ``value`` is in range, else one sentence naming the flag."""
        if not math.isfinite(value):
            return f"{flag(name)} must be a finite number, not {value}"
        if value < self.low or (self.low_open and value == self.low):
            return f"{flag(name)} must be {'>' if self.low_open else '>='} {_number(self.low)}"
        if value > self.high or (self.high_open and value == self.high):
            return (
                f"{flag(name)} must be {'below' if self.high_open else 'at most'} {_number(self.high)} "
                f"({self.why}), not {_number(value)}"
            )
        return None


def _number(value: float) -> str:
    """A number as a user would type it: whole numbers in full, others in %g."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else f"{value:g}"


_SEEDS = Limit(0, 2**32 - 1, "seeds are 32-bit")
#: The range of every numeric setting, checked by :func:`check` before anything runs (CLIError naming
#: the flag, status 2). Values outside are typos or attacks, never useful runs: ``--beta 1e300`` broke
#: the solver, ``--radii 1e308`` overflowed the attack, ``--width 100000000`` filled the memory.
LIMITS: dict[str, Limit] = {
    "n": Limit(MIN_POINTS, MAX_POINTS, "the data sets' limit"),
    "n_test": Limit(0, MAX_POINTS, "the data sets' limit"),
    "noise": Limit(0.0, 100.0, "generated features are clipped to a box of size 12"),
    "test_fraction": Limit(0.0, 1.0, "a fraction of the points", low_open=True, high_open=True),
    "seed": _SEEDS,
    "beta": Limit(0.0, 1e6, "far beyond the beta at which every network is zero"),
    "tol": Limit(0.0, 1.0, "a relative gap", low_open=True),
    "eps": Limit(0.0, MAX_ABS_VALUE, "the largest coordinate a data file may hold"),
    "pattern_seed": _SEEDS,
    "width": Limit(1, MAX_CERTIFICATE_WIDTH, "the exact robustness certificate's limit"),
    "lr": Limit(0.0, 1e12, "far beyond any step that converges", low_open=True),
    "epochs": Limit(1, 100_000, "hours of training at the largest n"),
    "batch_size": Limit(1, MAX_POINTS, "the data sets' limit"),
    "init_scale": Limit(0.0, 1e3, "far beyond any useful start"),
    "momentum": Limit(0.0, 1.0, "momentum 1 never forgets", high_open=True),
    "init_seed": _SEEDS,
    "pgd_steps": Limit(1, 1000, "the attack converges in tens of steps"),
    "pgd_restarts": Limit(0, 100, "each restart repeats the whole attack"),
}


def parse_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values of raw settings (text or numbers; None: not given), converted as the command line
    converts its arguments: ``kind(str(value))`` and the choices, in :data:`SETTINGS` order, with the
    parser's messages (``argument --n: invalid int value: '12.5'``; CLIError, status 2)."""
    unknown = sorted(set(raw) - set(_BY_NAME))
    if unknown:
        raise CLIError(f"unknown setting(s) {', '.join(unknown)}", 2)
    out: dict[str, Any] = {}
    for setting in SETTINGS:
        value = raw.get(setting.name)
        if value is None:
            continue
        text = str(value)
        try:
            typed = setting.kind(text)
        except ValueError:
            msg = f"argument {setting.flag}: invalid {setting.kind.__name__} value: {text!r}"
            raise CLIError(msg, 2) from None
        if setting.choices is not None and typed not in setting.choices:
            choices = ", ".join(map(repr, setting.choices))
            raise CLIError(f"argument {setting.flag}: invalid choice: {typed!r} (choose from {choices})", 2)
        out[setting.name] = typed
    return out


# ----------------------------------------------------------------------------- argument checks


def check(options: Mapping[str, Any]) -> RunSpec:
    """The checked run of typed ``options`` (a missing name or None: not given; other keys ignored).

    Rejects bad or conflicting settings with one sentence naming the flag (CLIError, status 2), fills in
    the defaults and resolves ``n_test`` and ``init_seed``.
    """
    s: dict[str, Any] = {name: options.get(name) for name in _DEFAULTS}
    for name in _ALWAYS:
        if s[name] is None:
            s[name] = _DEFAULTS[name]
    if (s["dataset"] is None) == (s["data"] is None):
        raise CLIError("give exactly one of --dataset NAME or --data FILE.csv", 2)
    if s["data"] is not None:
        for name in ("n", "noise", "n_test"):
            if s[name] is not None:
                raise CLIError(f"{flag(name)} only applies to generated data (--dataset)", 2)
        _check_ranges(s, ("test_fraction",))
    else:
        if s["test_fraction"] is not None:
            raise CLIError("--test-fraction only applies to --data; use --n-test with --dataset", 2)
        s["n"] = DEFAULT_N if s["n"] is None else s["n"]
        s["noise"] = DEFAULT_NOISE if s["noise"] is None else s["noise"]
        _check_ranges(s, ("n",))
        s["n_test"] = DEFAULT_N_TEST if s["n_test"] is None else s["n_test"]
    _check_ranges(s, ("n_test", "noise", "seed", "beta", "tol", "eps"))
    if s["method"] not in METHODS:
        raise CLIError(f"unknown --method {s['method']!r}; choose convex or sgd", 2)

    own, other = (SGD_DEFAULTS, CONVEX_DEFAULTS) if s["method"] == "sgd" else (CONVEX_DEFAULTS, SGD_DEFAULTS)
    for name in other:
        if s[name] is not None:
            raise CLIError(f"{flag(name)} does not apply to --method {s['method']}", 2)
    if s["method"] == "convex" and s["eps"] > 0 and s["solver"] is None:
        s["solver"] = ROBUST_DEFAULT_SOLVER
    for name, default in own.items():
        if s[name] is None:
            s[name] = default

    if s["method"] == "convex":
        _check_convex(s)
    else:
        _check_sgd(s)
    return RunSpec(**s)


def _check_ranges(s: dict[str, Any], names: tuple[str, ...]) -> None:
    """CLIError (status 2) for the first of ``names`` outside its :data:`LIMITS` (None: not given)."""
    for name in names:
        problem = None if s[name] is None else LIMITS[name].problem(name, s[name])
        if problem is not None:
            raise CLIError(problem, 2)


def _check_convex(s: dict[str, Any]) -> None:
    if s["beta"] <= 0:
        raise CLIError("--beta must be > 0 for the convex method", 2)
    if s["patterns"] != "exact":
        try:
            count = int(s["patterns"])
        except ValueError:
            msg = f"--patterns must be 'exact' or a positive whole number, not {s['patterns']!r}"
            raise CLIError(msg, 2) from None
        if count < 1:
            raise CLIError("--patterns must be 'exact' or a positive whole number", 2)
        if count > MAX_SAMPLED_PATTERNS:
            msg = f"--patterns must be at most {MAX_SAMPLED_PATTERNS} sampled patterns, not {count}"
            raise CLIError(msg, 2)
        s["patterns"] = count
    _check_ranges(s, ("pattern_seed",))
    from engine.convex.program import (
        SOLVERS,  # imported here: cvxpy is slow to import and SGD does not need it
    )

    if s["solver"] not in SOLVERS:
        raise CLIError(f"unknown --solver {s['solver']!r}; choose one of {', '.join(SOLVERS)}", 2)


def _check_sgd(s: dict[str, Any]) -> None:
    if s["init_seed"] is None:
        s["init_seed"] = s["seed"]
    _check_ranges(s, ("width", "lr", "epochs", "batch_size", "init_scale", "momentum"))
    _check_ranges(s, ("pgd_steps", "pgd_restarts", "init_seed"))


# ----------------------------------------------------------------------------- data


def check_input_file(option: str, path: str, what: str) -> None:
    """CLIError (status 2) unless ``path`` names a readable file: one sentence with the path as given."""
    if os.path.isdir(path):
        raise CLIError(f"{option}: {path!r} is a folder, not a {what}", 2)
    if not os.path.isfile(path):
        raise CLIError(f"{option}: no such file {path!r}", 2)
    if not os.access(path, os.R_OK):
        raise CLIError(f"{option}: {path!r} cannot be read (no permission)", 2)


@dataclass(frozen=True)
class RunData:
    """The training and optional test arrays of a run, the data set's name and its task."""

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray | None
    y_test: np.ndarray | None
    name: str
    task: str


def load_data(spec: RunSpec) -> RunData:
    """The run's data: generated (``dataset``) or read from a CSV file (``data``, split by
    ``test_fraction``); CLIError for an unknown data set, a missing file or a loss the data cannot take."""
    from datasets import DATASET_NAMES, load_csv, make_dataset, train_test_split

    if spec.dataset is not None:
        if spec.dataset not in DATASET_NAMES:
            raise CLIError(f"unknown --dataset {spec.dataset!r}; choose one of {', '.join(DATASET_NAMES)}", 2)
        ds = make_dataset(spec.dataset, spec.n, noise=spec.noise, seed=spec.seed, n_test=spec.n_test)
        X_test, y_test = ds.X_test, ds.y_test
        X, y = ds.X, ds.y
    else:
        assert spec.data is not None
        check_input_file("--data", spec.data, "CSV file")
        ds = load_csv(spec.data)
        X, y, X_test, y_test = ds.X, ds.y, None, None
        if spec.test_fraction is not None:
            X, y, X_test, y_test = train_test_split(ds.X, ds.y, spec.test_fraction, spec.seed)
    if X_test is not None and len(X_test) == 0:
        X_test = y_test = None
    if spec.loss != "squared" and (ds.task != "classification" or not is_classification_labels(y)):
        raise CLIError(
            f"--loss {spec.loss} needs classification data with labels -1/+1; "
            f"{ds.name!r} is a {ds.task} data set (use --loss squared)"
        )
    return RunData(X=X, y=y, X_test=X_test, y_test=y_test, name=ds.name, task=ds.task)


# ----------------------------------------------------------------------------- training


#: The report fields of a run without a dual bound (the robust program, gradient training).
_NO_BOUND: dict[str, Any] = {
    "lower_bound": None,
    "gap": None,
    "relative_gap": None,
    "gap_kind": None,
    "certified": False,
}


def _program_keywords(spec: RunSpec) -> dict[str, Any]:
    """The settings the convex and the robust program both take: the objective and the patterns."""
    return {
        "loss": spec.loss,
        "beta": spec.beta,
        "patterns": spec.patterns,
        "pattern_seed": spec.pattern_seed,
    }


def _fit_robust_convex(spec: RunSpec, data: RunData) -> tuple[TwoLayerReLU, dict[str, Any]]:
    """The convex robust program (engine/robust/program.py): its objective is the robust one, an upper
    bound."""
    from engine.robust.program import ROBUST_SOLVERS, solve_robust

    solver = "reduced" if spec.solver == "auto" else spec.solver
    if solver not in ROBUST_SOLVERS:
        raise CLIError(
            f"the robust program (--eps > 0) is solved by {', '.join(ROBUST_SOLVERS)} or auto (= reduced), "
            f"not --solver {spec.solver}",
            2,
        )
    res = solve_robust(data.X, data.y, **_program_keywords(spec), eps=spec.eps, norm=spec.norm, solver=solver)
    return res.network, {
        "objective": res.objective,
        "nominal_objective": res.nominal_objective,
        **_NO_BOUND,
        "time_s": res.time_s,
        "solver": f"robust:{solver}",
        "patterns": int(res.patterns),
        "pattern_mode": res.pattern_mode,
        "status": res.status,
        "outcome": _robust_outcome(res.status),
        "fallback": _robust_fallback(res.status),
        "message": "robust program: the objective is the network's worst-case objective over the "
        f"{spec.norm}-ball of radius {spec.eps:g}, an upper bound on the best robust objective"
        + ("" if res.status == "optimal" else f"; the solver's status: {res.status}"),
    }


def _robust_outcome(status: str) -> str:
    """``solved`` for a robust program solved to optimality (after a fallback the status reads
    ``"optimal (<solver> solver took over; ...)"``), else ``uncertified``; never ``certified`` (the
    robust program's optimum is an upper bound)."""
    return "solved" if status == "optimal" or status.startswith("optimal (") else "uncertified"


def _robust_fallback(status: str) -> str | None:
    """The robust registry's account of a fallback (the parenthesis of the status), or None."""
    head, _, rest = status.partition(" (")
    return rest[:-1] if rest.endswith(")") and "took over" in rest else None


def _fit_convex(spec: RunSpec, data: RunData) -> tuple[TwoLayerReLU, dict[str, Any]]:
    from engine.convex.program import solve_convex

    if spec.eps > 0:
        return _fit_robust_convex(spec, data)

    res = solve_convex(data.X, data.y, **_program_keywords(spec), solver=spec.solver, tol=spec.tol)
    cert = res.certificate
    lower = res.lower_bound
    return res.network, {
        "objective": res.objective,
        "lower_bound": lower,
        "gap": (res.objective - lower) if lower is not None else None,
        "relative_gap": cert.relative_gap if (cert is not None and lower is not None) else None,
        "certified": res.certified,
        "gap_kind": cert.gap_kind if (cert is not None and lower is not None) else None,
        "time_s": res.time_s,
        "solver": res.solver,
        "requested_solver": spec.solver,
        "patterns": int(res.patterns),
        "pattern_mode": res.pattern_mode,
        "status": res.status,
        "outcome": res.outcome,
        "fallback": res.fallback or None,
        "message": res.message,
        "convex_objective": res.convex_objective,
    }


def _fit_sgd(spec: RunSpec, data: RunData) -> tuple[TwoLayerReLU, dict[str, Any]]:
    from engine.attacks import AdversarialSpec
    from engine.convex.certificate import certify

    adversarial = None
    if spec.eps > 0:
        adversarial = AdversarialSpec(spec.eps, spec.norm, steps=spec.pgd_steps, restarts=spec.pgd_restarts)

    res = train_sgd(
        data.X,
        data.y,
        loss=spec.loss,
        beta=spec.beta,
        seed=spec.init_seed,
        **{name: getattr(spec, name) for name in SGD_SETTINGS},
        X_test=data.X_test,
        y_test=data.y_test,
        adversarial=adversarial,
    )
    out: dict[str, Any] = {
        "objective": res.objective,
        **_NO_BOUND,
        "outcome": "diverged" if res.diverged else "trained",
        "time_s": res.time_s,
        "solver": f"sgd:{res.optimizer}",
        "patterns": None,
        "diverged": res.diverged,
        "message": res.message,
        "settings": res.settings,
    }
    if adversarial is not None:  # the global-optimality certificate is about the nominal program
        out["nominal_objective"] = res.objective
        if data.X.shape[1] != 2:
            out["objective"] = res.settings["adversarial"]["robust_objective"]  # a PGD estimate
            out["message"] = "robust objective estimated by PGD (exact only for 2-D data)"
        return res.network, out
    t = time.perf_counter()
    cert = certify(data.X, data.y, res.network, loss=spec.loss, beta=spec.beta, tol=spec.tol)
    out["certificate_time_s"] = time.perf_counter() - t
    out["certificate_exact"] = bool(cert.exact)
    if cert.exact:
        out.update(
            lower_bound=cert.lower_bound,
            gap=cert.gap,
            relative_gap=cert.relative_gap,
            gap_kind=cert.gap_kind,
            certified=bool(cert.certified),
        )
    out["outcome"] = "certified" if out["certified"] else ("diverged" if res.diverged else "trained")
    return res.network, out


def fit(spec: RunSpec, data: RunData) -> tuple[TwoLayerReLU, dict[str, Any]]:
    """The trained network and what its method reports (objective, bound, gap, certificate, time,
    solver, ...): the convex (or robust convex) program, or gradient training (PGD training when eps > 0)."""
    return _fit_convex(spec, data) if spec.method == "convex" else _fit_sgd(spec, data)


def _robust_report(spec: RunSpec, data: RunData, net: TwoLayerReLU) -> dict[str, Any]:
    """Exact robust objective and certified accuracy (2-D data) of a network at eps / norm."""
    if data.X.shape[1] != 2:
        return {"certified_accuracy": None}
    from engine.robust.certificate import certified_accuracy, robust_objective_exact

    out: dict[str, Any] = {
        "robust_objective": robust_objective_exact(
            net, data.X, data.y, loss=spec.loss, beta=spec.beta, eps=spec.eps, norm=spec.norm
        )
    }
    if data.task == "classification" and is_classification_labels(data.y):
        out["certified_accuracy"] = certified_accuracy(net, data.X, data.y, spec.eps, spec.norm)
    return out


def _accuracy_or_none(
    net: TwoLayerReLU, X: np.ndarray | None, y: np.ndarray | None, task: str
) -> float | None:
    """Fraction of correct signs, or None for regression data or a missing test set."""
    if X is None or y is None or len(y) == 0 or task != "classification" or not is_classification_labels(y):
        return None
    return accuracy(net, X, y)


def train(spec: RunSpec, data: RunData | None = None) -> dict[str, Any]:
    """Train one run and report it: the record of ``python -m engine train --json`` (before NaN is
    written as null). ``data``: the run's data when already loaded (:func:`load_data`).

    ``objective`` is J, or for eps > 0 the robust objective (exact for 2-D data) with
    ``nominal_objective`` = J; for SGD the bound, gap and ``certified`` come from the dual certificate
    of the SGD network.
    """
    data = load_data(spec) if data is None else data
    net, out = fit(spec, data)
    out.setdefault("nominal_objective", out["objective"])
    if spec.eps > 0:
        robust = _robust_report(spec, data, net)
        if "robust_objective" in robust:  # exact (2-D): the objective of a robust run
            out["objective"] = robust.pop("robust_objective")
        out.update(robust)
    return {
        "method": spec.method,
        "dataset": data.name,
        "task": data.task,
        "n": int(len(data.y)),
        "n_test": 0 if data.y_test is None else int(len(data.y_test)),
        "loss": spec.loss,
        "beta": spec.beta,
        "eps": spec.eps,
        "norm": spec.norm,
        "seed": spec.seed,
        **out,
        "neurons": net.active_neurons(),
        "width": net.width,
        "train_accuracy": _accuracy_or_none(net, data.X, data.y, data.task),
        "test_accuracy": _accuracy_or_none(net, data.X_test, data.y_test, data.task),
        "network": net.to_dict(),
    }


def exit_status(record: Mapping[str, Any]) -> int:
    """The exit status of ``train`` for its report: :data:`UNCERTIFIED_STATUS` for a convex run (or a
    robust program) whose ``outcome`` is ``"uncertified"`` (the solver stopped short, or the exact
    program's certificate did not close the gap), else 0. A sampled program solved to its optimum
    (``"solved"``, an upper bound) and gradient training exit 0; their ``certified`` says the rest.
    A gradient run that diverged exits with the same status (its report shows the last good iterate)."""
    if record.get("method") == "convex" and record.get("outcome") == "uncertified":
        return UNCERTIFIED_STATUS
    if record.get("diverged"):
        return UNCERTIFIED_STATUS
    return 0
