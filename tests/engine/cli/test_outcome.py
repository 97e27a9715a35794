"""What ``train`` says about a run that is not a certified optimum (issue 14, defects 2a, 3, 5): the
``outcome``, ``fallback`` and ``gap_kind`` keys of ``--json``, the summary's lines and exit status 3.

The data files are those of tests/engine/convex/test_defects.py (their docstring says what each
reproduces)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.commands import main
from engine.cli.run import UNCERTIFIED_STATUS, exit_status

DATA = Path(__file__).resolve().parent.parent / "convex" / "data"
SMALL = ["--dataset", "moons", "--n", "20", "--seed", "1"]


def _run(capsys, argv: list[str]) -> tuple[int, dict, str]:
    code = main(["train", *argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_certified_and_solved_runs_exit_zero(capsys) -> None:
    code, rec, err = _run(capsys, [*SMALL, "--loss", "hinge"])
    assert code == 0 and err == "" and rec["outcome"] == "certified" and rec["certified"] is True
    assert rec["gap_kind"] == "relative" and rec["fallback"] is None and rec["requested_solver"] == "auto"
    code, rec, err = _run(capsys, [*SMALL, "--patterns", "20"])  # the sampled program's optimum
    assert code == 0 and err == "" and rec["status"] == "optimal"
    assert rec["outcome"] == ("certified" if rec["certified"] else "solved")


def test_reduced_failure_is_reported_and_the_reference_answers(capsys) -> None:
    """Defect 2a: Clarabel stops the reduced logistic program with InsufficientProgress."""
    argv = ["--data", str(DATA / "moons_n30_seed0.csv"), "--loss", "logistic", "--solver", "reduced"]
    code, rec, err = _run(capsys, [*argv, "--tol", "1e-4"])
    assert code == 0 and err == ""
    assert rec["solver"] == "cvxpy" and rec["requested_solver"] == "reduced"
    assert "the reduced solver failed" in rec["fallback"] and "InsufficientProgress" in rec["fallback"]
    assert rec["message"].startswith(rec["fallback"]) and rec["outcome"] == "certified"


def test_admm_stopping_short_exits_3_with_its_accuracy(capsys) -> None:
    """Defect 5 on the command line: ADMM's uncertified answer is a report and exit status 3."""
    argv = ["--data", str(DATA / "circles_n12_seed0.csv"), "--solver", "admm"]
    code, rec, err = _run(capsys, argv)
    assert code == UNCERTIFIED_STATUS == 3
    assert rec["certified"] is False and rec["outcome"] == "uncertified" and rec["status"] != "optimal"
    assert rec["relative_gap"] > 1e-6 and "primal residual" in rec["message"]
    assert err.startswith("error: not a certified optimum (") and "relative gap" in err


def test_exit_status_of_records() -> None:
    assert exit_status({"method": "convex", "outcome": "uncertified"}) == 3
    assert exit_status({"method": "convex", "outcome": "solved"}) == 0
    assert exit_status({"method": "convex", "outcome": "certified"}) == 0
    assert exit_status({"method": "sgd", "outcome": "trained"}) == 0


def test_sgd_runs_report_their_outcome(capsys) -> None:
    fast = ["--method", "sgd", "--width", "8", "--epochs", "20", "--batch-size", "8"]
    code, rec, _ = _run(capsys, [*SMALL, *fast])
    assert code == 0 and rec["outcome"] in ("trained", "certified")
    assert rec["outcome"] == ("certified" if rec["certified"] else "trained")


@pytest.mark.slow
def test_cvxpy_optimal_inaccurate_logistic_exits_3(capsys) -> None:
    """Defect 3: CVXPY + Clarabel stops this logistic program optimal_inaccurate, 0.5 % above its optimum."""
    argv = ["--data", str(DATA / "moons_n80_seed2.csv"), "--loss", "logistic", "--patterns", "100"]
    argv += ["--solver", "cvxpy"]  # the reference (the default is auto, as in the app)
    code, rec, err = _run(capsys, argv)
    assert code == 3 and rec["status"] == "optimal_inaccurate"
    assert rec["certified"] is False and rec["outcome"] == "uncertified"
    assert "optimal_inaccurate" in err and "above the optimum" in rec["message"]


@pytest.mark.slow
def test_summaries_name_the_fallback_and_an_uncertified_outcome(capsys) -> None:
    reduced = ["--data", str(DATA / "moons_n30_seed0.csv"), "--loss", "logistic", "--solver", "reduced"]
    assert main(["train", *reduced, "--tol", "1e-4"]) == 0
    out = capsys.readouterr().out
    assert "  fallback        the reduced solver failed" in out
    assert "  outcome         certified global optimum (status optimal)" in out
    assert main(["train", "--data", str(DATA / "circles_n12_seed0.csv"), "--solver", "admm"]) == 3
    out, err = capsys.readouterr()
    assert "  outcome         NOT a certified optimum" in out and "(relative " in out
    assert err.startswith("error: not a certified optimum")
