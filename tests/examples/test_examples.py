"""The example scripts (examples/): each run as a script, with small settings (a few seconds each)."""

from __future__ import annotations

import runpy
import sys

import pytest

from tests.paths import ROOT

EXAMPLES = ROOT / "examples"


def _run_script(name: str, args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run ``examples/<name>`` as ``__main__`` with ``args``; its exit status."""
    monkeypatch.setattr(sys, "argv", [str(EXAMPLES / name), *args])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return stop.value.code


def test_pipeline_grid_search_example(monkeypatch, capsys):
    args = ["--n", "40", "--n-test", "100", "--betas", "1e-3", "1e-1", "--cv", "2"]
    assert _run_script("pipeline_grid_search.py", args, monkeypatch) == 0
    out = capsys.readouterr().out
    assert "2-fold CV over beta" in out and "best beta = " in out and "test accuracy" in out
    assert "certified global optimum" in out  # refit on 40 2-D points: exact patterns, certified


def test_robust_sweep_example_writes_the_figure(tmp_path, monkeypatch, capsys):
    html, csv = tmp_path / "robust.html", tmp_path / "sweep.csv"
    args = ["--n", "12", "--n-test", "20", "--eps", "0", "0.1", "--epochs", "10"]
    assert _run_script("robust_sweep.py", [*args, "--out", str(html), "--csv", str(csv)], monkeypatch) == 0
    text = html.read_text(encoding="utf-8")
    assert "Robust accuracy against eps" in text and "certified" in text
    assert len(csv.read_text(encoding="utf-8").splitlines()) == 1 + 4  # header + 2 methods x 2 radii
    assert f"figure written to {html}" in capsys.readouterr().out
