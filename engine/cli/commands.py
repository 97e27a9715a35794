"""Command line: ``python -m engine train ...`` trains one network (convex or SGD) and reports it.

Data: ``--dataset NAME --n N --noise S --seed K`` generates training data and a test set of
``--n-test`` points (default N; 0 for none); ``--data FILE.csv`` loads a file, all of it training
data unless ``--test-fraction F`` splits off a test part (split seeded by ``--seed``).

``--seed`` seeds the data generator, the CSV split and, for SGD, the initial weights and minibatch
shuffles; ``--init-seed`` gives SGD its own seed instead. The objective is the mean loss plus
``beta/2`` times the squared weights, bias included (docs/design.md §2).

``--eps E --norm inf|2`` trains robustly: ``--method convex`` solves the convex robust program
(engine/robust/program.py), ``--method sgd`` trains with PGD adversarial examples (``--pgd-steps``,
``--pgd-restarts``). The reported ``objective`` is then the robust objective (for 2-D data the exact
worst case over the balls, engine/robust/certificate.py; for the convex program this is the upper
bound it certifies) and ``nominal_objective`` is J; ``certified_accuracy`` is the fraction of training
points whose whole ball is classified correctly.

``--json`` prints one JSON object (NaN written as null). For ``--method sgd`` the lower bound, gap
and ``certified`` come from the dual certificate of the SGD network (engine.convex.certificate.certify),
so they say how far SGD is from the global optimum. Errors print one line ``error: ...`` on stderr
and return a non-zero status (2 for argument errors, 1 for data or solver errors); the command
reads only the CSV it is given and writes nothing but its report.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import Any, NoReturn

import numpy as np

from engine.gradient.sgd import OPTIMIZERS, is_classification_labels, train_sgd
from engine.losses import LOSS_NAMES
from engine.network import TwoLayerReLU, accuracy

DEFAULT_N = 40  # small enough for the exact convex program of the reference solver
DEFAULT_NOISE = 0.1
DEFAULT_BETA = 1e-3
DEFAULT_TOL = 1e-6

# SGD options: (flag, attribute, default). Defaults are applied after parsing so that an SGD-only
# option given with --method convex (or the reverse) can be reported instead of silently ignored.
SGD_DEFAULTS: dict[str, Any] = {
    "optimizer": "adam",
    "width": 50,
    "lr": 1e-2,
    "epochs": 200,
    "batch_size": 32,
    "init_scale": 1.0,
    "momentum": 0.9,
    "init_seed": None,
    "pgd_steps": 10,
    "pgd_restarts": 0,
}
CONVEX_DEFAULTS: dict[str, Any] = {"patterns": "exact", "pattern_seed": 0, "solver": "cvxpy"}


class CLIError(Exception):
    """A user error: its message is printed as ``error: <message>`` and the command fails."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class _OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one ``error: ...`` line on stderr (no usage block)."""

    def error(self, message: str) -> NoReturn:
        raise CLIError(message.replace("\n", " "), status=2)


def _flag(attr: str) -> str:
    return "--" + attr.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m engine``."""
    parser = _OneLineParser(
        prog="python -m engine",
        description="Train a two-layer ReLU network by its convex program or by gradient descent.",
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser(
        "train",
        help="train one network and report objective, certificate and accuracy",
        description="Train one network and report its objective J, a certified lower bound and accuracy.",
        allow_abbrev=False,
    )
    _add_train_arguments(p)
    c = sub.add_parser(
        "certify",
        help="clean, PGD and certified accuracy of a network at one or more radii",
        description="Clean, PGD-attacked and exactly certified (2-D) accuracy of a network at the given "
        "radii: the network from a JSON file written by `train --json` (--network), or trained on the "
        "spot with the train options.",
        allow_abbrev=False,
    )
    _add_train_arguments(c)
    cert = c.add_argument_group("certify")
    cert.add_argument("--network", metavar="FILE.json", help="a network written by `train --json`")
    cert.add_argument(
        "--radii", type=float, nargs="+", required=True, metavar="E", help="perturbation radii (data units)"
    )
    cert.add_argument("--attack-steps", type=int, default=50, help="PGD steps of the attack (default 50)")
    cert.add_argument("--attack-restarts", type=int, default=5, help="PGD random restarts (default 5)")
    from engine.cli.sweep import add_sweep_parser  # `sweep`: a grid of train runs into one CSV

    add_sweep_parser(sub)
    return parser


def _add_train_arguments(p: argparse.ArgumentParser) -> None:
    """The data, objective and method options of ``train`` (``certify`` trains with them too)."""
    data = p.add_argument_group("data")
    data.add_argument("--dataset", metavar="NAME", help="generated data set (see datasets.DATASET_NAMES)")
    data.add_argument("--n", type=int, help=f"number of training points (default {DEFAULT_N})")
    data.add_argument("--noise", type=float, help=f"noise level of the generator (default {DEFAULT_NOISE})")
    data.add_argument("--n-test", type=int, help="number of generated test points (default: --n; 0 = none)")
    data.add_argument("--data", metavar="FILE.csv", help="load the training data from a CSV file")
    data.add_argument(
        "--test-fraction",
        type=float,
        metavar="F",
        help="with --data: hold out this fraction (0 < F < 1) as a test set",
    )
    data.add_argument(
        "--seed", type=int, default=0, help="seed for data generation, the CSV split and SGD (default 0)"
    )

    model = p.add_argument_group("objective")
    model.add_argument(
        "--loss", choices=LOSS_NAMES, default="squared", help="per-sample loss (default squared)"
    )
    model.add_argument(
        "--beta",
        type=float,
        default=DEFAULT_BETA,
        help=f"weight decay beta >= 0 (default {DEFAULT_BETA:g}; convex needs > 0)",
    )
    model.add_argument(
        "--method",
        choices=("convex", "sgd"),
        default="convex",
        help="convex program (global optimum) or gradient training (default convex)",
    )
    model.add_argument(
        "--tol",
        type=float,
        default=DEFAULT_TOL,
        help=f"relative gap that counts as certified (default {DEFAULT_TOL:g})",
    )

    model.add_argument(
        "--eps",
        type=float,
        default=0.0,
        help="train robustly against perturbations of this radius (data units; default 0): convex = "
        "the robust program, sgd = PGD adversarial training; the objective is then the robust one",
    )
    model.add_argument(
        "--norm", choices=("inf", "2"), default="inf", help="perturbation ball: l_inf box or l2 disc"
    )

    cvx = p.add_argument_group("convex method")
    cvx.add_argument(
        "--patterns",
        metavar="exact|COUNT",
        help="'exact' (all patterns, 2-D data) or a number of sampled patterns (default exact)",
    )
    cvx.add_argument("--pattern-seed", type=int, metavar="K", help="seed of the pattern sampler (default 0)")
    cvx.add_argument(
        "--solver",
        metavar="admm|scp|colgen|cvxpy|reduced|auto",
        help="convex solver (default cvxpy): admm = ADMM (Bai et al.); scp = sampled convex program; "
        "colgen = column generation (2-D; certified on the exact program, n <= 2000; exact on a "
        "sampled one); cvxpy = the reference CVXPY + Clarabel; reduced = Clarabel on the facet-reduced "
        "program; auto = colgen for 2-D data, else cvxpy",
    )

    sgd = p.add_argument_group("sgd method")
    sgd.add_argument("--optimizer", choices=OPTIMIZERS, help="gradient method (default adam)")
    sgd.add_argument("--width", type=int, help="number of hidden neurons (default 50)")
    sgd.add_argument("--lr", type=float, help="learning rate (default 0.01)")
    sgd.add_argument("--epochs", type=int, help="passes over the training data (default 200)")
    sgd.add_argument("--batch-size", type=int, help="minibatch size, ignored by gd (default 32)")
    sgd.add_argument("--init-scale", type=float, help="scale of the random initial weights (default 1)")
    sgd.add_argument("--momentum", type=float, help="momentum mu of heavy-ball and Nesterov (default 0.9)")
    sgd.add_argument(
        "--init-seed", type=int, help="seed of SGD's initial weights and shuffles (default --seed)"
    )
    sgd.add_argument("--pgd-steps", type=int, help="PGD steps of adversarial training (default 10)")
    sgd.add_argument(
        "--pgd-restarts", type=int, help="PGD random restarts of adversarial training (default 0)"
    )

    p.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")


# ----------------------------------------------------------------------------- argument checks


def _check_args(args: argparse.Namespace) -> None:
    """Reject bad or conflicting arguments with one sentence naming the flag; fill in defaults."""
    if (args.dataset is None) == (args.data is None):
        raise CLIError("give exactly one of --dataset NAME or --data FILE.csv", 2)
    if args.data is not None:
        for attr in ("n", "noise", "n_test"):
            if getattr(args, attr) is not None:
                raise CLIError(f"{_flag(attr)} only applies to generated data (--dataset)", 2)
        if args.test_fraction is not None and not (0.0 < args.test_fraction < 1.0):
            raise CLIError("--test-fraction must be between 0 and 1 (exclusive)", 2)
    else:
        if args.test_fraction is not None:
            raise CLIError("--test-fraction only applies to --data; use --n-test with --dataset", 2)
        args.n = DEFAULT_N if args.n is None else args.n
        args.noise = DEFAULT_NOISE if args.noise is None else args.noise
        args.n_test = args.n if args.n_test is None else args.n_test
        if args.n_test < 0:
            raise CLIError("--n-test must be >= 0", 2)
        if not (math.isfinite(args.noise) and args.noise >= 0):
            raise CLIError("--noise must be >= 0", 2)
    if args.seed < 0:
        raise CLIError("--seed must be >= 0", 2)
    if not (math.isfinite(args.beta) and args.beta >= 0):
        raise CLIError("--beta must be >= 0", 2)
    if not (math.isfinite(args.tol) and args.tol > 0):
        raise CLIError("--tol must be > 0", 2)
    if not (math.isfinite(args.eps) and args.eps >= 0):
        raise CLIError("--eps must be >= 0", 2)

    own, other = (SGD_DEFAULTS, CONVEX_DEFAULTS) if args.method == "sgd" else (CONVEX_DEFAULTS, SGD_DEFAULTS)
    for attr in other:
        if getattr(args, attr) is not None:
            raise CLIError(f"{_flag(attr)} does not apply to --method {args.method}", 2)
    for attr, default in own.items():
        if getattr(args, attr) is None:
            setattr(args, attr, default)

    if args.method == "convex":
        _check_convex_args(args)
    else:
        _check_sgd_args(args)


def _check_convex_args(args: argparse.Namespace) -> None:
    if args.beta <= 0:
        raise CLIError("--beta must be > 0 for the convex method", 2)
    if args.patterns != "exact":
        try:
            count = int(args.patterns)
        except ValueError:
            msg = f"--patterns must be 'exact' or a positive whole number, not {args.patterns!r}"
            raise CLIError(msg, 2) from None
        if count < 1:
            raise CLIError("--patterns must be 'exact' or a positive whole number", 2)
        args.patterns = count
    if args.pattern_seed < 0:
        raise CLIError("--pattern-seed must be >= 0", 2)
    from engine.convex.program import (
        SOLVERS,  # imported here: cvxpy is slow to import and SGD does not need it
    )

    if args.solver not in SOLVERS:
        raise CLIError(f"unknown --solver {args.solver!r}; choose one of {', '.join(SOLVERS)}", 2)


def _check_sgd_args(args: argparse.Namespace) -> None:
    rules = [
        ("width", args.width >= 1, ">= 1"),
        ("lr", math.isfinite(args.lr) and args.lr > 0, "> 0"),
        ("epochs", args.epochs >= 1, ">= 1"),
        ("batch_size", args.batch_size >= 1, ">= 1"),
        ("init_scale", math.isfinite(args.init_scale) and args.init_scale >= 0, ">= 0"),
        ("momentum", math.isfinite(args.momentum) and 0 <= args.momentum < 1, "in [0, 1)"),
        ("pgd_steps", args.pgd_steps >= 1, ">= 1"),
        ("pgd_restarts", args.pgd_restarts >= 0, ">= 0"),
    ]
    for attr, ok, rule in rules:
        if not ok:
            raise CLIError(f"{_flag(attr)} must be {rule}", 2)
    if args.init_seed is None:
        args.init_seed = args.seed
    elif args.init_seed < 0:
        raise CLIError("--init-seed must be >= 0", 2)


# ----------------------------------------------------------------------------- data


def _load_data(args: argparse.Namespace) -> dict[str, Any]:
    """Training and optional test arrays, the data set's name and its task."""
    from datasets import DATASET_NAMES, load_csv, make_dataset, train_test_split

    if args.dataset is not None:
        if args.dataset not in DATASET_NAMES:
            raise CLIError(f"unknown --dataset {args.dataset!r}; choose one of {', '.join(DATASET_NAMES)}", 2)
        ds = make_dataset(args.dataset, args.n, noise=args.noise, seed=args.seed, n_test=args.n_test)
        X_test, y_test = ds.X_test, ds.y_test
        X, y = ds.X, ds.y
    else:
        if not os.path.isfile(args.data):
            raise CLIError(f"--data: no such file {args.data!r}")
        ds = load_csv(args.data)
        X, y, X_test, y_test = ds.X, ds.y, None, None
        if args.test_fraction is not None:
            X, y, X_test, y_test = train_test_split(ds.X, ds.y, args.test_fraction, args.seed)
    if X_test is not None and len(X_test) == 0:
        X_test = y_test = None
    if args.loss != "squared" and (ds.task != "classification" or not is_classification_labels(y)):
        raise CLIError(
            f"--loss {args.loss} needs classification data with labels -1/+1; "
            f"{ds.name!r} is a {ds.task} data set (use --loss squared)"
        )
    return {"X": X, "y": y, "X_test": X_test, "y_test": y_test, "name": ds.name, "task": ds.task}


# ----------------------------------------------------------------------------- training


def _run_robust_convex(args: argparse.Namespace, data: dict[str, Any]) -> dict[str, Any]:
    """The convex robust program (engine/robust/program.py): its objective is the robust one, an upper
    bound."""
    from engine.robust.program import ROBUST_SOLVERS, solve_robust

    solver = "reduced" if args.solver == "auto" else args.solver
    if solver not in ROBUST_SOLVERS:
        raise CLIError(
            f"the robust program (--eps > 0) is solved by {', '.join(ROBUST_SOLVERS)} or auto (= reduced), "
            f"not --solver {args.solver}",
            2,
        )
    res = solve_robust(
        data["X"],
        data["y"],
        loss=args.loss,
        beta=args.beta,
        eps=args.eps,
        norm=args.norm,
        patterns=args.patterns,
        pattern_seed=args.pattern_seed,
        solver=solver,
    )
    return {
        "network": res.network,
        "objective": res.objective,
        "nominal_objective": res.nominal_objective,
        "lower_bound": None,
        "gap": None,
        "relative_gap": None,
        "certified": False,
        "time_s": res.time_s,
        "solver": f"robust:{solver}",
        "patterns": int(res.patterns),
        "pattern_mode": res.pattern_mode,
        "status": res.status,
        "message": "robust program: the objective is the network's worst-case objective over the "
        f"{args.norm}-ball of radius {args.eps:g}, an upper bound on the best robust objective",
    }


def _robust_report(args: argparse.Namespace, data: dict[str, Any], net: TwoLayerReLU) -> dict[str, Any]:
    """Exact robust objective and certified accuracy (2-D data) of a network at --eps / --norm."""
    if data["X"].shape[1] != 2:
        return {"certified_accuracy": None}
    from engine.robust.certificate import certified_accuracy, robust_objective_exact

    out: dict[str, Any] = {
        "robust_objective": robust_objective_exact(
            net, data["X"], data["y"], loss=args.loss, beta=args.beta, eps=args.eps, norm=args.norm
        )
    }
    if data["task"] == "classification" and is_classification_labels(data["y"]):
        out["certified_accuracy"] = certified_accuracy(net, data["X"], data["y"], args.eps, args.norm)
    return out


def _run_convex(args: argparse.Namespace, data: dict[str, Any]) -> dict[str, Any]:
    from engine.convex.program import solve_convex

    if args.eps > 0:
        return _run_robust_convex(args, data)

    res = solve_convex(
        data["X"],
        data["y"],
        loss=args.loss,
        beta=args.beta,
        patterns=args.patterns,
        pattern_seed=args.pattern_seed,
        solver=args.solver,
        tol=args.tol,
    )
    cert = res.certificate
    lower = res.lower_bound
    return {
        "network": res.network,
        "objective": res.objective,
        "lower_bound": lower,
        "gap": (res.objective - lower) if lower is not None else None,
        "relative_gap": cert.relative_gap if (cert is not None and lower is not None) else None,
        "certified": res.certified,
        "time_s": res.time_s,
        "solver": res.solver,
        "patterns": int(res.patterns),
        "pattern_mode": res.pattern_mode,
        "status": res.status,
        "message": res.message,
        "convex_objective": res.convex_objective,
    }


def _run_sgd(args: argparse.Namespace, data: dict[str, Any]) -> dict[str, Any]:
    from engine.attacks import AdversarialSpec
    from engine.convex.certificate import certify

    adversarial = None
    if args.eps > 0:
        adversarial = AdversarialSpec(args.eps, args.norm, steps=args.pgd_steps, restarts=args.pgd_restarts)

    res = train_sgd(
        data["X"],
        data["y"],
        loss=args.loss,
        beta=args.beta,
        optimizer=args.optimizer,
        width=args.width,
        lr=args.lr,
        epochs=args.epochs,
        batch_size=args.batch_size,
        init_scale=args.init_scale,
        seed=args.init_seed,
        momentum=args.momentum,
        X_test=data["X_test"],
        y_test=data["y_test"],
        adversarial=adversarial,
    )
    out: dict[str, Any] = {
        "network": res.network,
        "objective": res.objective,
        "lower_bound": None,
        "gap": None,
        "relative_gap": None,
        "certified": False,
        "time_s": res.time_s,
        "solver": f"sgd:{res.optimizer}",
        "patterns": None,
        "diverged": res.diverged,
        "message": res.message,
        "settings": res.settings,
    }
    if adversarial is not None:  # the global-optimality certificate is about the nominal program
        out["nominal_objective"] = res.objective
        if data["X"].shape[1] != 2:
            out["objective"] = res.settings["adversarial"]["robust_objective"]  # a PGD estimate
            out["message"] = "robust objective estimated by PGD (exact only for 2-D data)"
        return out
    t = time.perf_counter()
    cert = certify(data["X"], data["y"], res.network, loss=args.loss, beta=args.beta, tol=args.tol)
    out["certificate_time_s"] = time.perf_counter() - t
    out["certificate_exact"] = bool(cert.exact)
    if cert.exact:
        out.update(
            lower_bound=cert.lower_bound,
            gap=cert.gap,
            relative_gap=cert.relative_gap,
            certified=bool(cert.certified),
        )
    return out


def _accuracy_or_none(
    net: TwoLayerReLU, X: np.ndarray | None, y: np.ndarray | None, task: str
) -> float | None:
    """Fraction of correct signs, or None for regression data or a missing test set."""
    if X is None or y is None or len(y) == 0 or task != "classification" or not is_classification_labels(y):
        return None
    return accuracy(net, X, y)


def _jsonable(value: Any) -> Any:
    """Plain JSON types; NaN and infinities become None."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def _train(args: argparse.Namespace) -> dict[str, Any]:
    data = _load_data(args)
    out = _run_convex(args, data) if args.method == "convex" else _run_sgd(args, data)
    net: TwoLayerReLU = out.pop("network")
    out.setdefault("nominal_objective", out["objective"])
    if args.eps > 0:
        robust = _robust_report(args, data, net)
        if "robust_objective" in robust:  # exact (2-D): the objective of a robust run
            out["objective"] = robust.pop("robust_objective")
        out.update(robust)
    record: dict[str, Any] = {
        "method": args.method,
        "dataset": data["name"],
        "task": data["task"],
        "n": int(len(data["y"])),
        "n_test": 0 if data["y_test"] is None else int(len(data["y_test"])),
        "loss": args.loss,
        "beta": args.beta,
        "eps": args.eps,
        "norm": args.norm,
        "seed": args.seed,
        **out,
        "neurons": net.active_neurons(),
        "width": net.width,
        "train_accuracy": _accuracy_or_none(net, data["X"], data["y"], data["task"]),
        "test_accuracy": _accuracy_or_none(net, data["X_test"], data["y_test"], data["task"]),
        "network": net.to_dict(),
    }
    return record


def _load_network(path: str, d: int) -> TwoLayerReLU:
    """The network of a JSON record written by ``train --json`` (one-line errors for bad files)."""
    if not os.path.isfile(path):
        raise CLIError(f"--network: no such file {path!r}")
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
        net = TwoLayerReLU.from_dict(record["network"] if "network" in record else record)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CLIError(
            f"--network: {path!r} is not a network written by `train --json` ({_one_line(exc)})"
        ) from None
    if net.W.ndim != 2 or net.W.shape[1] != d + 1 or net.alpha.shape != (net.W.shape[0],):
        raise CLIError(f"--network: the network in {path!r} does not fit {d}-D data (W must be m x {d + 1})")
    if not (np.all(np.isfinite(net.W)) and np.all(np.isfinite(net.alpha))):
        raise CLIError(f"--network: the network in {path!r} has non-finite weights")
    return net


def _certify(args: argparse.Namespace) -> dict[str, Any]:
    """Clean, PGD and certified accuracy of one network at each radius, on the training and test sets."""
    from engine.attacks import pgd

    if args.attack_steps < 1 or args.attack_restarts < 0:
        raise CLIError("--attack-steps must be >= 1 and --attack-restarts >= 0", 2)
    if any(not (math.isfinite(r) and r >= 0) for r in args.radii):
        raise CLIError("--radii must be numbers >= 0", 2)
    data = _load_data(args)
    if data["task"] != "classification" or not is_classification_labels(data["y"]):
        raise CLIError("certify needs classification data with labels -1/+1")
    if args.network is not None:
        net = _load_network(args.network, data["X"].shape[1])
        source = args.network
    else:
        net = (_run_convex(args, data) if args.method == "convex" else _run_sgd(args, data))["network"]
        source = f"trained here ({args.method})"
    exact = data["X"].shape[1] == 2
    rows = []
    for split, X, y in (("train", data["X"], data["y"]), ("test", data["X_test"], data["y_test"])):
        if X is None or len(y) == 0:
            continue
        for eps in args.radii:
            attack = pgd(
                net,
                X,
                y,
                eps,
                args.norm,
                steps=args.attack_steps,
                restarts=args.attack_restarts,
                seed=args.seed,
            )
            row = {
                "split": split,
                "eps": eps,
                "clean_accuracy": accuracy(net, X, y),
                "pgd_accuracy": float(np.mean(~attack.success)),
                "certified_accuracy": None,
            }
            if exact:
                from engine.robust.certificate import certified_accuracy

                row["certified_accuracy"] = certified_accuracy(net, X, y, eps, args.norm)
            rows.append(row)
    return {
        "command": "certify",
        "network_source": source,
        "dataset": data["name"],
        "n": int(len(data["y"])),
        "norm": args.norm,
        "attack": {"steps": args.attack_steps, "restarts": args.attack_restarts, "seed": args.seed},
        "exact_certificate": exact,
        "rows": rows,
        "network": net.to_dict(),
    }


def _certify_summary(r: dict[str, Any]) -> str:
    lines = [
        f"network: {r['network_source']}; data {r['dataset']} (n={r['n']}); {r['norm']}-ball; "
        f"PGD {r['attack']['steps']} steps, {r['attack']['restarts']} restarts",
        "  split   eps        clean    PGD      certified",
    ]
    for row in r["rows"]:
        cert = "n/a" if row["certified_accuracy"] is None else f"{100 * row['certified_accuracy']:.1f}%"
        lines.append(
            f"  {row['split']:<7} {row['eps']:<10.4g} {100 * row['clean_accuracy']:.1f}%   "
            f"{100 * row['pgd_accuracy']:.1f}%   {cert}"
        )
    return "\n".join(lines)


def _fmt(value: float | None, spec: str = ".6g") -> str:
    return "n/a" if value is None else format(value, spec)


def _summary(r: dict[str, Any]) -> str:
    """A few human-readable lines about one run."""
    if r["method"] == "convex":
        head = f"convex ({r['solver']}, {r['patterns']} {r['pattern_mode']} patterns)"
    else:
        head = f"{r['solver']} (width {r['settings']['width']}, {r['settings']['steps']} steps)"
    pct = "n/a"
    lines = [
        f"{head} on {r['dataset']} ({r['task']}), n={r['n']}, {r['loss']} loss, beta={r['beta']:g}",
        f"  objective J     {_fmt(r['objective'])}",
    ]
    if r["eps"] > 0:
        lines[-1] = f"  robust J        {_fmt(r['objective'])}   (eps {r['eps']:g}, {r['norm']}-ball)"
        lines.append(f"  nominal J       {_fmt(r['nominal_objective'])}")
        if r.get("certified_accuracy") is not None:
            lines.append(f"  certified acc.  {100 * r['certified_accuracy']:.1f}% of training points")
    if r["eps"] > 0:
        pass  # the dual certificate is about the nominal program; a robust run reports the above
    elif r["lower_bound"] is None:
        lines.append("  lower bound     n/a (no exact certificate)")
    else:
        lines.append(
            f"  lower bound     {_fmt(r['lower_bound'])}   gap {_fmt(r['gap'], '.3g')}   "
            f"certified global optimum: {'yes' if r['certified'] else 'no'}"
        )
    train = pct if r["train_accuracy"] is None else f"{100 * r['train_accuracy']:.1f}%"
    test = pct if r["test_accuracy"] is None else f"{100 * r['test_accuracy']:.1f}%"
    lines.append(f"  neurons         {r['neurons']}")
    lines.append(f"  accuracy        train {train}   test {test}")
    lines.append(f"  time            {r['time_s']:.3f} s")
    if r.get("message"):
        lines.append(f"  note            {r['message']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as stop:  # --help
            return int(stop.code or 0)
        if args.command is None:
            raise CLIError("a command is required: train, certify or sweep (see python -m engine --help)", 2)
        if args.command == "sweep":
            from engine.cli.sweep import sweep_command

            return sweep_command(args)
        _check_args(args)
        record = _certify(args) if args.command == "certify" else _train(args)
    except CLIError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.status
    except ValueError as err:  # DataError and the engine's input checks: one sentence for the user
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 1
    except Exception as err:  # the command line never shows a traceback (ENGINE_DEBUG=1 re-raises)
        if os.environ.get("ENGINE_DEBUG"):
            raise
        print(f"error: internal error ({type(err).__name__}): {_one_line(err)}", file=sys.stderr)
        return 1
    summary = _certify_summary if args.command == "certify" else _summary
    text = json.dumps(_jsonable(record), allow_nan=False) if args.json else summary(record)
    try:
        print(text, flush=True)
    except BrokenPipeError:  # e.g. piped into `head`: quietly stop writing
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__
