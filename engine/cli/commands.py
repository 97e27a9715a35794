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
reads only the CSV it is given and writes nothing but its report. A run that failed in a way its
report shows prints the report and exits with status 3 (engine.cli.run.exit_status): a convex run
whose ``outcome`` is ``"uncertified"`` (not a certified optimum, nor the optimum of a sampled program:
e.g. a solver that stopped ``optimal_inaccurate``, or an exact program whose certificate did not close
the gap), and a gradient run that diverged (``outcome`` ``"diverged"``); the reason goes to stderr.

This module is the command line's face: the parser, ``main`` and the printed summaries. A run itself
(settings, checks, data, training, report) is engine/cli/run.py, which ``sweep`` (engine/cli/sweep.py)
shares; the edges are commands -> sweep -> run and commands -> run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any, NoReturn

import numpy as np

from engine.cli.run import (
    LIMITS,
    SETTINGS,
    CLIError,
    RunSpec,
    check,
    check_input_file,
    exit_status,
    fit,
    load_data,
    one_line,
    train,
)
from engine.cli.sweep import add_sweep_parser, sweep_command
from engine.gradient.sgd import is_classification_labels
from engine.network import TwoLayerReLU, accuracy


class _OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one ``error: ...`` line on stderr (no usage block)."""

    def error(self, message: str) -> NoReturn:
        raise CLIError(message.replace("\n", " "), status=2)


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
    add_sweep_parser(sub)  # `sweep`: a grid of train runs into one CSV
    return parser


def _add_train_arguments(p: argparse.ArgumentParser) -> None:
    """The data, objective and method options of ``train`` (``certify`` trains with them too), one per
    run setting (engine.cli.run.SETTINGS). No defaults here: :func:`engine.cli.run.check` fills them in,
    so that an option given where it does not apply is reported instead of silently ignored."""
    groups: dict[str, Any] = {}  # group title -> argparse argument group
    for setting in SETTINGS:
        if setting.group not in groups:
            groups[setting.group] = p.add_argument_group(setting.group)
        groups[setting.group].add_argument(
            setting.flag,
            type=setting.kind,
            choices=setting.choices,
            metavar=setting.metavar,
            help=setting.help,
        )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")


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


#: Largest network file ``certify --network`` reads: five times a ``train --json`` record of the
#: widest network the exact certificate takes (180 kB at 2000 neurons).
MAX_NETWORK_BYTES = 1_000_000


def _check_network_file(path: str) -> None:
    """CLIError (status 2) unless ``path`` is a readable file of at most :data:`MAX_NETWORK_BYTES`."""
    from engine.robust.certificate import MAX_CERTIFICATE_WIDTH

    check_input_file("--network", path, "network file")
    size = os.path.getsize(path)
    if size > MAX_NETWORK_BYTES:
        raise CLIError(
            f"--network: {path!r} has {size:,} bytes; a network file may have at most "
            f"{MAX_NETWORK_BYTES:,} (a {MAX_CERTIFICATE_WIDTH}-neuron network takes about 180,000)",
            2,
        )


def _load_network(path: str, d: int) -> TwoLayerReLU:
    """The network of a JSON record written by ``train --json`` (one-line errors for bad files): the
    file's size and the network's shape are checked before anything is built or computed. A UTF-8
    byte-order mark is accepted."""
    from engine.robust.certificate import MAX_CERTIFICATE_WIDTH

    _check_network_file(path)
    bad = f"--network: {path!r} is not a network written by `train --json`"
    try:
        with open(path, encoding="utf-8-sig") as fh:
            record = json.load(fh)
        raw = record["network"] if "network" in record else record
        W, alpha = raw["W"], raw["alpha"]
    except RecursionError:
        raise CLIError(f"{bad} (its JSON is nested too deeply)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CLIError(f"{bad} ({one_line(exc)})") from None
    if not (isinstance(W, list) and isinstance(alpha, list)):
        raise CLIError(f"{bad} (W and alpha must be lists)")
    if len(W) > MAX_CERTIFICATE_WIDTH:
        raise CLIError(
            f"--network: the network in {path!r} has {len(W)} neurons; certify takes at most "
            f"{MAX_CERTIFICATE_WIDTH} (the exact certificate's limit)",
            2,
        )
    try:
        net = TwoLayerReLU.from_dict(raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise CLIError(f"{bad} ({one_line(exc)})") from None
    if net.W.ndim != 2 or net.W.shape[1] != d + 1 or net.alpha.shape != (net.W.shape[0],):
        raise CLIError(f"--network: the network in {path!r} does not fit {d}-D data (W must be m x {d + 1})")
    if not (np.all(np.isfinite(net.W)) and np.all(np.isfinite(net.alpha))):
        raise CLIError(f"--network: the network in {path!r} has non-finite weights")
    return net


def _certify(args: argparse.Namespace, spec: RunSpec) -> dict[str, Any]:
    """Clean, PGD and certified accuracy of one network at each radius, on the training and test sets:
    the network of ``--network``, or the one ``spec`` trains."""
    from engine.attacks import pgd

    for option, value, limit in (
        ("attack_steps", args.attack_steps, LIMITS["pgd_steps"]),
        ("attack_restarts", args.attack_restarts, LIMITS["pgd_restarts"]),
        *(("radii", r, LIMITS["eps"]) for r in args.radii),
    ):
        problem = limit.problem(option, value)
        if problem is not None:
            raise CLIError(problem, 2)
    if args.network is not None:  # the file and its size first: nothing is loaded or trained before
        _check_network_file(args.network)
    data = load_data(spec)
    if data.task != "classification" or not is_classification_labels(data.y):
        raise CLIError("certify needs classification data with labels -1/+1")
    if args.network is not None:
        net = _load_network(args.network, data.X.shape[1])
        source = args.network
    else:
        net, _ = fit(spec, data)
        source = f"trained here ({spec.method})"
    exact = data.X.shape[1] == 2
    rows = []
    for split, X, y in (("train", data.X, data.y), ("test", data.X_test, data.y_test)):
        if X is None or len(y) == 0:
            continue
        for eps in args.radii:
            attack = pgd(
                net,
                X,
                y,
                eps,
                spec.norm,
                steps=args.attack_steps,
                restarts=args.attack_restarts,
                seed=spec.seed,
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

                row["certified_accuracy"] = certified_accuracy(net, X, y, eps, spec.norm)
            rows.append(row)
    return {
        "command": "certify",
        "network_source": source,
        "dataset": data.name,
        "n": int(len(data.y)),
        "norm": spec.norm,
        "attack": {"steps": args.attack_steps, "restarts": args.attack_restarts, "seed": spec.seed},
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


# What a convex run's outcome means, as the summary says it.
_OUTCOME_TEXT = {
    "certified": "certified global optimum",
    "solved": "optimum of the program solved (an upper bound on the global optimum, not certified)",
    "uncertified": "NOT a certified optimum: the solver stopped short of the optimum (exit status 3)",
}


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
        kind = r.get("gap_kind") or "relative"
        lines.append(
            f"  lower bound     {_fmt(r['lower_bound'])}   gap {_fmt(r['gap'], '.3g')} "
            f"({kind} {_fmt(r['relative_gap'], '.2e')})   "
            f"certified global optimum: {'yes' if r['certified'] else 'no'}"
        )
    if r.get("outcome") is not None and r["method"] == "convex":
        outcome = _OUTCOME_TEXT.get(r["outcome"], r["outcome"])
        lines.append(f"  outcome         {outcome} (status {r['status']})")
    if r.get("fallback"):
        lines.append(f"  fallback        {r['fallback']}")
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
            return sweep_command(args)
        spec = check(vars(args))
        record = _certify(args, spec) if args.command == "certify" else train(spec)
    except CLIError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.status
    except ValueError as err:  # DataError and the engine's input checks: one sentence for the user
        print(f"error: {one_line(err)}", file=sys.stderr)
        return 1
    except Exception as err:  # the command line never shows a traceback (ENGINE_DEBUG=1 re-raises)
        if os.environ.get("ENGINE_DEBUG"):
            raise
        print(f"error: internal error ({type(err).__name__}): {one_line(err)}", file=sys.stderr)
        return 1
    summary = _certify_summary if args.command == "certify" else _summary
    text = json.dumps(_jsonable(record), allow_nan=False) if args.json else summary(record)
    try:
        print(text, flush=True)
    except BrokenPipeError:  # e.g. piped into `head`: quietly stop writing
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    status = exit_status(record) if args.command == "train" else 0
    if status:
        if record.get("diverged"):  # the report is printed (last good iterate), but the run failed
            print(f"error: {record.get('message') or 'training diverged'}", file=sys.stderr)
        else:
            note = f"error: not a certified optimum ({record['status']}): {record.get('message', '')}"
            print(note, file=sys.stderr)
        return status
    return 0
