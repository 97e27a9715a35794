"""The run layer (engine/cli/run.py): the settings table, typed parsing with the parser's messages, the
checks, and the edges between the command line's modules."""

from __future__ import annotations

import ast
import dataclasses
import json

import pytest

from engine.cli import run
from engine.cli.commands import main
from tests.paths import ROOT


def test_settings_table_names_every_field_of_the_spec():
    assert [s.name for s in run.SETTINGS] == [f.name for f in dataclasses.fields(run.RunSpec)]
    assert run.SGD_DEFAULTS["width"] == run.RunSpec().width == 50
    assert run.CONVEX_DEFAULTS == {"patterns": "exact", "pattern_seed": 0, "solver": "auto"}


def test_check_fills_defaults_and_marks_what_does_not_apply():
    spec = run.check({"dataset": "moons", "method": "sgd", "n": 12})
    assert spec.n == 12 and spec.n_test == run.DEFAULT_N_TEST and spec.noise == run.DEFAULT_NOISE
    assert spec.width == 50 and spec.init_seed == spec.seed == 0  # init_seed defaults to seed
    assert spec.patterns is None and spec.solver is None  # convex settings of an SGD run
    csv = run.check({"data": "points.csv", "seed": 3})
    assert csv.n is None and csv.noise is None and csv.n_test is None
    assert csv.solver == "auto" and csv.optimizer is None and csv.seed == 3
    with pytest.raises(run.CLIError, match="^--width does not apply to --method convex$") as err:
        run.check({"dataset": "moons", "width": 5})
    assert err.value.status == 2
    assert run.check({"dataset": "moons", "patterns": "20"}).patterns == 20


@pytest.mark.parametrize(
    ("name", "value"),
    [("n", "abc"), ("n", 12.5), ("beta", "abc"), ("loss", "foo"), ("norm", 1), ("optimizer", "lbfgs")],
)
def test_parse_settings_speaks_like_the_parser(name, value, capsys):
    with pytest.raises(run.CLIError) as err:
        run.parse_settings({"dataset": "moons", name: value})
    assert err.value.status == 2
    argv = ["train", "--dataset", "moons", f"--{name}", str(value)]
    if name == "optimizer":
        argv += ["--method", "sgd"]
    assert main(argv) == 2
    assert capsys.readouterr().err == f"error: {err.value}\n"


def test_parse_settings_types_and_unknown_names():
    typed = run.parse_settings({"n": "12", "beta": 0.01, "patterns": 20, "loss": "hinge", "width": None})
    assert typed == {"n": 12, "beta": 0.01, "patterns": "20", "loss": "hinge"}
    with pytest.raises(run.CLIError, match="unknown setting"):
        run.parse_settings({"betas": 1})


def test_train_is_the_train_command(capsys):
    argv = ["--dataset", "moons", "--n", "12", "--loss", "hinge", "--method", "sgd", "--epochs", "5"]
    assert main(["train", *argv, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    spec = run.check(
        run.parse_settings({"dataset": "moons", "n": 12, "loss": "hinge", "method": "sgd", "epochs": 5})
    )
    record = run.train(spec)
    assert list(record) == list(printed)  # the same fields in the same order
    assert record["objective"] == printed["objective"] and record["network"] == printed["network"]


def _imports(path) -> set[str]:
    """Modules imported anywhere in a file (function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_command_line_modules_import_one_way():
    """commands -> sweep -> run and commands -> run; nothing back (no cycle, even inside a function)."""
    cli = ROOT / "engine" / "cli"
    assert not _imports(cli / "run.py") & {"engine.cli.commands", "engine.cli.sweep"}
    assert "engine.cli.commands" not in _imports(cli / "sweep.py")
    assert "engine.cli.run" in _imports(cli / "sweep.py")


def test_command_line_defaults_are_the_apps() -> None:
    """``python -m engine train`` with no settings is the app's default run: data size, noise, test set,
    loss, beta, solver (auto) and every gradient setting."""
    from explorer.settings import CONTROLS, N_TEST

    d = {name: c.default for name, c in CONTROLS.items()}
    spec = run.check({"dataset": d["data"], "method": "sgd"})
    assert (spec.n, spec.noise, spec.n_test, spec.seed) == (d["n"], d["noise"], N_TEST, d["dseed"])
    assert (spec.loss, spec.beta) == (d["loss"], d["beta"])
    app_sgd = (d["opt"], d["width"], d["lr"], d["epochs"], d["batch"], d["init"], d["seed"])
    assert (
        spec.optimizer,
        spec.width,
        spec.lr,
        spec.epochs,
        spec.batch_size,
        spec.init_scale,
        spec.init_seed,
    ) == (app_sgd)
    convex = run.check({"dataset": d["data"]})
    assert convex.solver == "auto" and convex.patterns == d["patterns"]


def test_default_command_line_run_is_the_apps_run() -> None:
    """The same numbers as the Playground's default SGD run (the engine call the app's cache makes)."""
    from datasets import make_dataset
    from engine.gradient.sgd import train_sgd
    from explorer.presets import preset_settings
    from explorer.settings import N_TEST

    s = preset_settings({"epochs": 20})  # the app's defaults, shortened
    ds = make_dataset(s.data.name, s.data.n, noise=s.data.noise, seed=s.data.seed, n_test=N_TEST)
    app = train_sgd(
        ds.X, ds.y, loss=s.loss, beta=s.beta, X_test=ds.X_test, y_test=ds.y_test, **s.sgd.train_kwargs()
    )
    cli = run.train(run.check({"dataset": s.data.name, "method": "sgd", "epochs": 20}))
    assert cli["objective"] == app.objective
    assert cli["network"] == app.network.to_dict()


def test_every_numeric_setting_has_a_range():
    """LIMITS covers every int and float setting, and every default lies inside its range."""
    numeric = {s.name for s in run.SETTINGS if s.kind in (int, float)}
    assert numeric == set(run.LIMITS)
    spec = run.check({"dataset": "moons"})
    sgd = run.check({"dataset": "moons", "method": "sgd"})
    for name, limit in run.LIMITS.items():
        value = getattr(spec, name) if getattr(spec, name) is not None else getattr(sgd, name)
        assert value is None or limit.problem(name, value) is None, name
        assert limit.problem(name, limit.high * 2 + 1) is not None
        assert limit.problem(name, float("nan")) == f"{run.flag(name)} must be a finite number, not nan"
