"""Sweeps (engine/cli/sweep.py and `python -m engine sweep`): the grid, the table, parallel backends,
errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from engine.cli.commands import main
from engine.cli.sweep import COLUMNS, GRID_DEFAULTS, count_runs, expand_grid, run_sweep

# tiny runs: 12 moons points, exact convex program or 5 epochs of Adam
SMALL = {"n": 12, "n_test": 12, "loss": "hinge", "epochs": 5, "pgd_steps": 3, "attack_steps": 5}


def test_expand_grid_is_the_product_without_inapplicable_keys():
    runs = expand_grid(
        {**SMALL, "beta": [1e-3, 1e-2], "patterns": ["exact", 20], "method": ["convex", "sgd"]}
    )
    convex = [r for r in runs if r["method"] == "convex"]
    sgd = [r for r in runs if r["method"] == "sgd"]
    assert len(convex) == 4  # 2 betas x 2 pattern counts
    assert len(sgd) == 2  # the pattern count does not apply to SGD: one run per beta
    assert all(r["patterns"] is None and r["solver"] is None for r in sgd)
    assert all(r["width"] is None and r["epochs"] is None for r in convex)
    assert all(set(r) == set(GRID_DEFAULTS) for r in runs)
    assert expand_grid({"n": 20})[0]["n_test"] == 200  # default test set: the app's 200 points


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"betas": [1e-3]}, "unknown key(s) betas"),
        ({"beta": []}, "beta has no values"),
        ({"beta": [1e-3, -1.0]}, "beta must be >= 0 (run 2: beta=-1.0)"),
        ({"method": "newton"}, "unknown method 'newton'"),
        ({"dataset": "nope"}, "unknown dataset 'nope'"),
        ({"patterns": "lots"}, "patterns must be 'exact' or a positive whole number"),
        ({"n": 6000}, "must be at most 5000"),
        ({"dataset": "regression", "loss": "hinge"}, "needs classification data"),
    ],
)
def test_bad_grid_values_are_one_line_errors(grid, message):
    with pytest.raises(ValueError, match="^grid: ") as err:
        expand_grid(grid)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_run_sweep_table_matches_the_train_command(capsys):
    grid = {**SMALL, "method": ["convex", "sgd"], "eps": [0.0, 0.1]}
    table = run_sweep(grid)
    assert list(table.columns) == list(COLUMNS)
    assert list(table["run"]) == [0, 1, 2, 3]
    assert (table["status"] == "ok").all(), table["error"].tolist()
    robust = table[table["eps"] > 0]
    assert (robust["objective"] >= robust["nominal_objective"] - 1e-9).all()  # worst case >= nominal
    assert (robust["certified_accuracy"] <= robust["pgd_accuracy"] + 1e-12).all()  # a proof vs an attack
    nominal = table[table["eps"] == 0]
    assert (nominal["pgd_accuracy"] == nominal["clean_accuracy"]).all()
    assert (nominal["clean_accuracy"] == nominal["test_accuracy"]).all()
    # each row is `python -m engine train --json` with the same settings
    argv = ["train", "--json", "--dataset", "moons", "--n", "12", "--n-test", "12", "--loss", "hinge"]
    assert main(argv + ["--solver", "auto"]) == 0
    record = json.loads(capsys.readouterr().out)
    row = table.iloc[0]
    assert row["method"] == "convex" and row["objective"] == pytest.approx(record["objective"], rel=1e-9)
    assert row["certified"] == record["certified"] and row["neurons"] == record["neurons"]
    assert main(argv + ["--method", "sgd", "--epochs", "5"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert table.iloc[2]["objective"] == record["objective"]  # same seed: the same SGD run


def test_failed_runs_are_rows_and_parallel_runs_keep_grid_order():
    # the reference solver takes the exact program up to n = 40: the convex run at n = 41 fails at run time
    grid = {**SMALL, "n": [12, 41], "method": ["convex", "sgd"], "solver": "cvxpy"}
    seen = []
    table = run_sweep(grid, jobs=2, backend="threading", progress=lambda *a: seen.append(a), force=True)
    assert seen[-1] == (4, 4, 1) and len(seen) == 4
    assert list(table["status"]) == ["ok", "ok", "error", "ok"]
    assert list(table["n"]) == [12, 12, 41, 41] and list(table["method"]) == ["convex", "sgd"] * 2
    assert "n <= 40" in table.loc[2, "error"] and "\n" not in table.loc[2, "error"]
    assert pd.isna(table.loc[2, "objective"])
    again = run_sweep(grid)  # sequential: the same numbers
    pd.testing.assert_series_equal(table["objective"], again["objective"])


def test_loky_processes_give_the_sequential_table():
    grid = {**SMALL, "method": "sgd", "seed": [0, 1]}  # SGD only: the worker processes start quickly
    parallel, sequential = run_sweep(grid, jobs=2, force=True), run_sweep(grid)  # force: a 1-core machine
    assert list(parallel["status"]) == ["ok", "ok"]
    pd.testing.assert_series_equal(parallel["objective"], sequential["objective"])


def test_dask_backend_on_a_local_cluster():
    distributed = pytest.importorskip("distributed")
    grid = {**SMALL, "n_test": 0, "method": ["convex", "sgd"]}
    with (
        distributed.LocalCluster(
            n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None
        ) as cl,
        distributed.Client(cl),
    ):
        table = run_sweep(grid, jobs=-1, backend="dask")
    assert list(table["status"]) == ["ok", "ok"]
    assert list(table["eval_split"]) == ["train", "train"]  # no test set: evaluated on the training set


def test_sweep_command_writes_one_csv(tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    argv = ["sweep", "--n", "12", "--loss", "hinge", "--beta", "1e-3", "1e-2", "--patterns", "exact", "10"]
    assert main(argv + ["--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == list(COLUMNS) and len(table) == 4
    assert sorted(table["patterns"].astype(str).unique()) == ["10", "exact"]
    assert "sweep: 4/4 runs done (0 failed)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--beta", "-1"], "error: grid: beta must be >= 0"),
        (["--beta", "abc"], "invalid float value: 'abc'"),
        (["--jobs", "0"], "error: jobs must be a positive whole number or -1"),
        (["--backend", "spark"], "invalid choice: 'spark'"),
        (["--scheduler", "tcp://127.0.0.1:1"], "error: --scheduler goes with --backend dask"),
        (["--out", "/no/such/dir/x.csv"], "error: --out: no such directory"),
    ],
)
def test_sweep_command_bad_input_exit_2(argv, message, capsys):
    assert main(["sweep", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


# ----------------------------------------------------------------------------- limits, --out, resume

QUICK = ["sweep", "--n", "12", "--method", "sgd", "--epochs", "3", "--quiet"]


def _rows(path) -> list[str]:
    return path.read_text().splitlines()[1:]


def test_each_finished_row_is_in_the_file_at_once(tmp_path, monkeypatch, capsys):
    """With one job the runs are made here one after the other: when run k starts, the k finished
    rows are already in the file (appended, not written at the end)."""
    from engine.cli import sweep

    out = tmp_path / "s.csv"
    seen = []
    real = sweep.run_one

    def spy(run):
        seen.append(len(_rows(out)))
        return real(run)

    monkeypatch.setattr(sweep, "run_one", spy)
    assert main([*QUICK, "--seed", "0", "1", "2", "--out", str(out)]) == 0
    assert seen == [0, 1, 2]
    table = pd.read_csv(out)
    assert list(table.columns) == list(COLUMNS) and list(table["run"]) == [0, 1, 2]
    assert list(table["seed"]) == [0, 1, 2] and set(table["status"]) == {"ok"}


def test_ctrl_c_keeps_the_finished_rows_and_the_same_command_resumes(tmp_path, monkeypatch, capsys):
    from engine.cli import sweep

    out = tmp_path / "s.csv"
    argv = [*QUICK, "--seed", "0", "1", "2", "3", "--out", str(out)]
    real, calls = sweep.run_one, []

    def interrupted(run):
        calls.append(run["seed"])
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(run)

    monkeypatch.setattr(sweep, "run_one", interrupted)
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "stopped (Ctrl-C) after 2 of 4 runs" in err and "the same command resumes" in err
    first = _rows(out)
    assert [line.split(",")[5] for line in first] == ["0", "1"]  # the seed column

    monkeypatch.setattr(sweep, "run_one", lambda run: calls.append(run["seed"]) or real(run))
    calls.clear()
    assert main([a for a in argv if a != "--quiet"]) == 0
    assert calls == [2, 3]  # the finished runs are not made again
    assert "resuming: 2 of 4 runs already in" in capsys.readouterr().err
    final = _rows(out)
    assert final[:2] == first and len(final) == 4  # the kept rows unchanged, in grid order
    assert list(pd.read_csv(out)["seed"]) == [0, 1, 2, 3]


def test_resume_keeps_other_rows_and_drops_a_cut_line(tmp_path, capsys):
    """A grown grid runs only its new points; rows of another grid stay (after the grid's); a line cut
    short by a kill while writing is dropped and its run made again."""
    out = tmp_path / "s.csv"
    assert main([*QUICK, "--beta", "0.001", "0.01", "--out", str(out)]) == 0
    rows = _rows(out)
    out.write_text(out.read_text() + rows[1][:30] + "\n")  # a cut line
    assert main([*QUICK, "--beta", "0.01", "0.1", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table["beta"]) == [0.01, 0.1, 0.001]  # the grid in order, then the other grid's row
    assert list(table["run"]) == [0, 1, 0]
    assert _rows(out)[0].split(",")[1:] == rows[1].split(",")[1:]  # beta 0.01 kept as it was
    assert len(table) == 3


def test_run_limit_and_job_limit():
    grid = {"seed": list(range(5)), "beta": [1e-3, 1e-2], "method": ["convex", "sgd"], "width": [4, 8]}
    # convex: 5 seeds x 2 betas; sgd: 5 x 2 x 2 widths
    assert count_runs(grid) == len(expand_grid(grid)) == 30
    assert count_runs({"seed": [0, 0, 1]}) == len(expand_grid({"seed": [0, 0, 1]})) == 2
    with pytest.raises(ValueError, match=r"^grid: 30 runs is more than the limit of 29; give fewer values"):
        expand_grid(grid, max_runs=29)
    assert count_runs({"seed": list(range(1000)), "beta": list(range(1, 1001))}) == 10**6
    with pytest.raises(ValueError, match="1,000,000 runs is more than the limit of 10,000"):
        run_sweep({"seed": list(range(1000)), "beta": list(range(1, 1001))})
    with pytest.raises(ValueError, match="more than the .* cores of this machine"):
        run_sweep({"n": 12}, jobs=10_000)
    table = run_sweep({**SMALL, "method": "sgd"}, jobs=10_000, backend="threading", force=True)
    assert list(table["status"]) == ["ok"]


def test_sigint_to_a_real_sweep_keeps_the_finished_rows(tmp_path):
    """Ctrl-C (SIGINT to the whole process group) during a two-job sweep: exit status 130, one line on
    stderr, every finished row in the file."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.paths import ROOT

    out = tmp_path / "s.csv"
    argv = ["sweep", "--n", "40", "--method", "sgd", "--epochs", "20000", "--seed", *map(str, range(8))]
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", *argv, "--out", str(out), "--quiet", "--jobs", "2", "--force"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # a shell's background job inherits SIGINT ignored (and Python then keeps it ignored): restore
        # the default so the sweep sees Ctrl-C however the test suite itself was started
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    start = time.monotonic()
    while time.monotonic() - start < 240 and (not out.exists() or len(_rows(out)) < 1):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and stderr.strip().startswith("sweep: stopped (Ctrl-C) after"), stderr
    table = pd.read_csv(out)
    assert 1 <= len(table) < 8 and set(table["status"]) == {"ok"}
    assert f"after {len(table)} of 8 runs" in stderr
