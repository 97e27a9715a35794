"""The command line ``python -m engine train`` (engine.cli), run in-process except for one subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.cli.commands import main
from engine.cli.run import UNCERTIFIED_STATUS
from tests.paths import ROOT

SMALL = ["--dataset", "moons", "--n", "20", "--seed", "1"]
FAST_SGD = ["--method", "sgd", "--width", "8", "--epochs", "20", "--batch-size", "8"]


def run_json(capsys, argv: list[str]) -> dict:
    code = main(["train", *argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    assert len(out.strip().splitlines()) == 1
    return json.loads(out)


def _check_network(rec: dict, d: int = 2) -> None:
    W = np.asarray(rec["network"]["W"])
    alpha = np.asarray(rec["network"]["alpha"])
    assert W.ndim == 2 and W.shape[1] == d + 1 and W.shape[0] == alpha.shape[0]
    assert rec["neurons"] <= W.shape[0]


def test_convex_exact_json(capsys):
    rec = run_json(capsys, [*SMALL, "--loss", "logistic", "--beta", "0.01"])
    assert rec["method"] == "convex" and rec["loss"] == "logistic" and rec["beta"] == 0.01
    assert rec["dataset"] == "moons" and rec["n"] == 20 and rec["n_test"] == 200  # the app's test set
    assert rec["solver"] == "colgen"  # solver auto, as in the app
    assert isinstance(rec["patterns"], int) and rec["patterns"] > 20
    assert rec["lower_bound"] is not None
    assert rec["gap"] == pytest.approx(rec["objective"] - rec["lower_bound"])
    assert rec["certified"] is True
    assert 0.0 <= rec["train_accuracy"] <= 1.0 and 0.0 <= rec["test_accuracy"] <= 1.0
    assert rec["time_s"] >= 0
    _check_network(rec)
    assert rec["neurons"] >= 1


def test_convex_hinge_json(capsys):
    rec = run_json(capsys, [*SMALL, "--loss", "hinge", "--beta", "0.1"])
    assert rec["loss"] == "hinge"
    assert rec["objective"] >= rec["lower_bound"] - 1e-6
    assert isinstance(rec["certified"], bool)


@pytest.mark.parametrize("loss", ["squared", "hinge"])
def test_auto_solver_certifies_beyond_the_reference_cap(capsys, loss):
    rec = run_json(capsys, ["--dataset", "moons", "--n", "60", "--loss", loss, "--solver", "auto"])
    assert rec["solver"] == "colgen" and rec["pattern_mode"] == "exact"
    assert rec["certified"] is True
    # the certificate's relative gap: (J - bound) / |J| <= 1e-6
    assert rec["gap_kind"] == "relative" and rec["outcome"] == "certified"
    assert 0.0 <= rec["objective"] - rec["lower_bound"] <= 1e-6 * rec["objective"]
    assert rec["relative_gap"] == pytest.approx((rec["objective"] - rec["lower_bound"]) / rec["objective"])


def test_every_solver_name_runs(capsys):
    objectives = {}
    for solver in ("cvxpy", "reduced", "admm", "auto"):
        rec = run_json(capsys, [*SMALL, "--patterns", "30", "--solver", solver])
        objectives[solver] = rec["objective"]
    assert objectives["reduced"] == pytest.approx(objectives["cvxpy"], rel=1e-6)
    assert objectives["auto"] == pytest.approx(objectives["cvxpy"], rel=1e-6)
    assert objectives["admm"] == pytest.approx(objectives["cvxpy"], rel=1e-3)
    rec = run_json(capsys, [*SMALL, "--patterns", "30", "--solver", "scp"])
    assert rec["objective"] >= objectives["cvxpy"] - 1e-9  # SCP restricts the sampled program further


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_robust_convex_json(capsys, norm):
    # defect 4: the robust program's default solver is reduced, as the README says (cvxpy on request)
    rec = run_json(capsys, [*SMALL, "--loss", "hinge", "--eps", "0.2", "--norm", norm])
    assert rec["eps"] == 0.2 and rec["norm"] == norm and rec["solver"] == "robust:reduced"
    assert rec["status"] == "optimal" and rec["outcome"] == "solved" and rec["fallback"] is None
    assert rec["objective"] >= rec["nominal_objective"] - 1e-12  # the robust objective
    assert 0.0 <= rec["certified_accuracy"] <= 1.0
    plain = run_json(capsys, [*SMALL, "--loss", "hinge"])
    assert plain["eps"] == 0.0 and plain["nominal_objective"] == plain["objective"]
    assert rec["nominal_objective"] >= plain["objective"] - 1e-9  # the global optimum is below
    auto = run_json(capsys, [*SMALL, "--loss", "hinge", "--eps", "0.2", "--norm", norm, "--solver", "auto"])
    assert auto["solver"] == "robust:reduced" and auto["objective"] == rec["objective"]
    ref = run_json(capsys, [*SMALL, "--loss", "hinge", "--eps", "0.2", "--norm", norm, "--solver", "cvxpy"])
    assert ref["solver"] == "robust:cvxpy"
    # both objectives are the exact robust J of the recovered networks: the reduced program's is never worse
    # than the reference's (CVXPY stops ~1e-4 above it on the l2 program) and they agree closely
    assert rec["objective"] <= ref["objective"] * (1 + 1e-6)
    assert ref["objective"] == pytest.approx(rec["objective"], rel=1e-3)


def test_robust_program_refuses_solvers_without_a_robust_version(capsys):
    assert main(["train", *SMALL, "--eps", "0.2", "--solver", "colgen"]) == 2
    assert "robust program" in capsys.readouterr().err


def test_adversarial_sgd_json(capsys):
    rec = run_json(capsys, [*SMALL, *FAST_SGD, "--loss", "hinge", "--eps", "0.3", "--pgd-steps", "3"])
    assert rec["objective"] >= rec["nominal_objective"] - 1e-12
    assert rec["settings"]["adversarial"]["eps"] == 0.3
    assert rec["lower_bound"] is None and rec["certified"] is False


def test_convex_sampled_patterns_json(capsys):
    rec = run_json(capsys, [*SMALL, "--patterns", "30", "--pattern-seed", "3"])
    assert 1 <= rec["patterns"] <= 30
    assert rec["pattern_mode"] == "sampled"
    assert rec["objective"] >= rec["lower_bound"] - 1e-6


def test_sgd_json_is_certified_against_the_global_bound(capsys):
    rec = run_json(capsys, [*SMALL, *FAST_SGD, "--optimizer", "sgd", "--lr", "0.05"])
    assert rec["method"] == "sgd" and rec["solver"] == "sgd:sgd"
    assert rec["patterns"] is None
    assert rec["diverged"] is False and isinstance(rec["message"], str)
    assert rec["lower_bound"] is not None and rec["gap"] is not None
    assert rec["gap"] >= -1e-8
    assert isinstance(rec["certified"], bool)
    assert rec["settings"]["width"] == 8
    _check_network(rec)
    assert len(rec["network"]["alpha"]) == 8


def test_sgd_seed_is_deterministic_and_init_seed_changes_it(capsys):
    a = run_json(capsys, [*SMALL, *FAST_SGD])
    b = run_json(capsys, [*SMALL, *FAST_SGD])
    c = run_json(capsys, [*SMALL, *FAST_SGD, "--init-seed", "5"])
    assert a["network"] == b["network"] and a["objective"] == b["objective"]
    assert c["network"] != a["network"]


def test_sgd_divergence_is_reported_and_fails(capsys):
    code = main(["train", *SMALL, *FAST_SGD, "--optimizer", "gd", "--lr", "1e9", "--json"])
    out, err = capsys.readouterr()
    assert code == UNCERTIFIED_STATUS != 0
    rec = json.loads(out)
    assert rec["diverged"] is True and "diverged" in rec["message"]
    assert rec["objective"] is not None  # the last good iterate is still reported
    assert err.strip() == f"error: {rec['message']}"


def test_no_test_set_and_regression(capsys):
    rec = run_json(capsys, [*SMALL, *FAST_SGD, "--n-test", "0"])
    assert rec["test_accuracy"] is None and rec["n_test"] == 0
    rec = run_json(capsys, ["--dataset", "regression", "--n", "20", *FAST_SGD])
    assert rec["task"] == "regression"
    assert rec["train_accuracy"] is None and rec["test_accuracy"] is None


def test_human_summary(capsys):
    assert main(["train", *SMALL, *FAST_SGD]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "objective J" in out and "lower bound" in out and "sgd:adam" in out


def _write_csv(path: Path, n: int = 24, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = np.where(X[:, 0] + 0.3 * X[:, 1] > 0, 1, -1)
    lines = ["x1,x2,y", *(f"{a:.6f},{b:.6f},{int(c)}" for (a, b), c in zip(X, y, strict=True))]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_data(capsys, tmp_path):
    csv = _write_csv(tmp_path / "points.csv")
    rec = run_json(capsys, ["--data", str(csv), "--loss", "logistic", *FAST_SGD])
    assert rec["n"] == 24 and rec["n_test"] == 0 and rec["test_accuracy"] is None
    assert rec["task"] == "classification"
    rec = run_json(capsys, ["--data", str(csv), "--test-fraction", "0.25", "--beta", "0.01"])
    assert rec["n"] + rec["n_test"] == 24 and rec["n_test"] == 6
    assert rec["test_accuracy"] is not None
    assert rec["certified"] is True


def test_help_exits_zero(capsys):
    assert main(["train", "--help"]) == 0
    assert "--dataset" in capsys.readouterr().out


BAD_CASES = {
    "unknown dataset": ["train", "--dataset", "nope", "--n", "20"],
    "n too small": ["train", "--dataset", "moons", "--n", "2"],
    "n too large": ["train", "--dataset", "moons", "--n", "10000000", "--method", "sgd"],
    "n not a number": ["train", "--dataset", "moons", "--n", "abc"],
    "negative n-test": ["train", "--dataset", "moons", "--n", "20", "--n-test", "-1"],
    "negative noise": ["train", "--dataset", "moons", "--n", "20", "--noise", "-1"],
    "negative seed": ["train", "--dataset", "moons", "--n", "20", "--seed", "-3"],
    "missing file": ["train", "--data", "/nonexistent/points.csv"],
    "negative beta": ["train", *SMALL, "--beta", "-1"],
    "nan beta": ["train", *SMALL, "--beta", "nan"],
    "zero beta convex": ["train", *SMALL, "--beta", "0"],
    "bad patterns": ["train", *SMALL, "--patterns", "lots"],
    "zero patterns": ["train", *SMALL, "--patterns", "0"],
    "bad solver": ["train", *SMALL, "--solver", "mosek9"],
    "hinge on regression": ["train", "--dataset", "regression", "--n", "20", "--loss", "hinge"],
    "logistic on regression sgd": [
        "train",
        "--dataset",
        "regression",
        "--n",
        "20",
        "--loss",
        "logistic",
        "--method",
        "sgd",
    ],
    "unknown loss": ["train", *SMALL, "--loss", "l1"],
    "unknown method": ["train", *SMALL, "--method", "magic"],
    "unknown optimizer": ["train", *SMALL, "--method", "sgd", "--optimizer", "rmsprop"],
    "zero lr": ["train", *SMALL, "--method", "sgd", "--lr", "0"],
    "zero width": ["train", *SMALL, "--method", "sgd", "--width", "0"],
    "zero epochs": ["train", *SMALL, "--method", "sgd", "--epochs", "0"],
    "zero batch": ["train", *SMALL, "--method", "sgd", "--batch-size", "0"],
    "negative init scale": ["train", *SMALL, "--method", "sgd", "--init-scale", "-1"],
    "momentum one": ["train", *SMALL, "--method", "sgd", "--momentum", "1"],
    "sgd option with convex": ["train", *SMALL, "--width", "10"],
    "convex option with sgd": ["train", *SMALL, "--method", "sgd", "--patterns", "10"],
    "exact beyond cap": ["train", "--dataset", "moons", "--n", "200", "--solver", "cvxpy"],
    "negative eps": ["train", *SMALL, "--eps", "-0.1"],
    "bad norm": ["train", *SMALL, "--eps", "0.1", "--norm", "1"],
    "pgd option with convex": ["train", *SMALL, "--pgd-steps", "3"],
    "robust with another solver": ["train", *SMALL, "--eps", "0.1", "--solver", "scp", "--patterns", "20"],
    "zero pgd steps": ["train", *SMALL, *FAST_SGD, "--eps", "0.1", "--pgd-steps", "0"],
    "no data": ["train", "--loss", "squared"],
    "both data sources": ["train", "--dataset", "moons", "--data", "x.csv"],
    "test fraction with dataset": ["train", *SMALL, "--test-fraction", "0.2"],
    "unknown flag": ["train", *SMALL, "--frobnicate"],
    "no command": [],
    "unknown command": ["fly"],
}


@pytest.mark.parametrize("argv", BAD_CASES.values(), ids=BAD_CASES.keys())
def test_bad_arguments_fail_with_one_line(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code != 0
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "extra"),
    [
        ("x1,x2,y\n1,2\n3,4,5\n", []),
        ("this is not a csv file at all\n", []),
        ("", []),
    ],
    ids=["ragged", "garbage", "empty"],
)
def test_bad_csv_fails_with_one_line(capsys, tmp_path, content, extra):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    code = main(["train", "--data", str(bad), *extra])
    out, err = capsys.readouterr()
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")


def test_bad_test_fraction_with_csv(capsys, tmp_path):
    csv = _write_csv(tmp_path / "points.csv")
    for frac in ("0", "1", "1.5"):
        code = main(["train", "--data", str(csv), "--test-fraction", frac])
        out, err = capsys.readouterr()
        assert code != 0 and out == "" and err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_subprocess_json():
    cmd = [sys.executable, "-m", "engine", "train", *SMALL, *FAST_SGD, "--json"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(proc.stdout)
    for key in (
        "objective",
        "lower_bound",
        "gap",
        "certified",
        "neurons",
        "train_accuracy",
        "test_accuracy",
        "time_s",
        "solver",
        "patterns",
        "network",
        "method",
        "loss",
        "beta",
        "dataset",
        "n",
        "diverged",
        "message",
    ):
        assert key in rec
    assert rec["solver"] == "sgd:adam"


def test_certify_a_saved_network(capsys, tmp_path):
    rec = run_json(capsys, [*SMALL, *FAST_SGD, "--loss", "hinge"])
    path = tmp_path / "net.json"
    path.write_text(json.dumps(rec))
    code = main(["certify", *SMALL, "--network", str(path), "--radii", "0", "0.2", "0.5", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["network"] == rec["network"] and out["exact_certificate"] is True
    rows = out["rows"]
    assert [(r["split"], r["eps"]) for r in rows] == [
        (s, e) for s in ("train", "test") for e in (0.0, 0.2, 0.5)
    ]
    for r in rows:
        assert r["certified_accuracy"] <= r["pgd_accuracy"] <= r["clean_accuracy"]  # attacks never beat it
    assert rows[0]["pgd_accuracy"] == rows[0]["certified_accuracy"] == rows[0]["clean_accuracy"]
    assert rows[0]["clean_accuracy"] == rec["train_accuracy"]


def test_certify_trains_on_the_spot(capsys):
    code = main(["certify", *SMALL, "--loss", "hinge", "--eps", "0.2", "--radii", "0.2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["network_source"].startswith("trained here")
    assert out["rows"][0]["certified_accuracy"] >= 0.9  # the robust program certifies its own radius


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "not a network"), ('{"network": {"W": [[1, 2]], "alpha": [1]}}', "does not fit")],
)
def test_certify_bad_network_file(capsys, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    code = main(["certify", *SMALL, "--network", str(path), "--radii", "0.1"])
    err = capsys.readouterr().err
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1
