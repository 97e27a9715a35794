"""engine.figures.theory: every figure of the Theory page draws its records (traces, axes, messages)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.figures import theory as fth
from engine.studies.kernels import RiskCurve
from engine.studies.online import online_regret
from engine.studies.reprogramming import reprogram, reprogramming_curve
from engine.studies.spectrum import spectra_at_minima


def test_reprogramming_figures() -> None:
    curve = reprogramming_curve(6, [3, 6, 12], seeds=2, steps=30)
    fig = fth.reprogramming_figure([curve], title="t")
    assert len(fig.data) == 2 + 1 and fig.layout.xaxis.type == "log"  # two seeds faint, the mean
    assert fth.reprogramming_figure([], title="t").layout.annotations[0].text == "Nothing to draw."
    fig = fth.program_figure(reprogram(6, 3, steps=30), title="t")
    assert len(fig.data) == 4  # two classes, two panels


def test_risk_minnorm_regret_figures() -> None:
    curve = RiskCurve(ns=[8, 16, 32], risk={"rbf": [1.0, 0.5, 0.25], "convex": [1.0, float("nan"), 0.1]})
    fig = fth.risk_figure(curve, title="t")
    assert "slope -1.00" in fig.data[0].name and fig.layout.yaxis.type == "log"
    study = online_regret(steps=300, window=50, eta=0.01)
    fig = fth.regret_figure(study, title="t")
    assert len(fig.data) == 6 and all(np.min(t.y) >= 1e-5 for t in fig.data)


def test_spectrum_and_census_figures() -> None:
    study = spectra_at_minima(d=5, k=5, n=300, starts=10, seed=0)
    fig = fth.spectrum_figure(study, title="t")
    assert [t.type for t in fig.data] == ["histogram", "scatter", "histogram", "scatter"]
    assert len(fig.data[0].x) == len(fig.data[2].x) == 35
    gaps = pd.DataFrame(
        {"optimizer": ["gd", "adam", "adam"], "width": [5, 5, 20], "gap": [0.5, 0.0, 0.02], "lr": 0.1}
    )
    fig = fth.census_figure(gaps, title="t")
    assert [t.name for t in fig.data] == ["gd", "adam"] and min(fig.data[1].y) == 1e-4
    table = fth.census_table(gaps, "width")
    assert list(table["width"]) == [5, 20] and list(table["runs"]) == [2, 1]
    assert fth.census_figure(gaps.iloc[:0], title="t").layout.annotations
    huge = pd.concat([gaps, gaps.assign(gap=1e6)], ignore_index=True)
    fig = fth.census_figure(huge, title="t")
    assert max(max(t.y) for t in fig.data) == fth.CENSUS_CAP
    assert any("3 of 6 runs have a gap above 1000" in a.text for a in fig.layout.annotations)
