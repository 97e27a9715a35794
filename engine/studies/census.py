"""The census: how far gradient training lands from the certified global optimum J*.

A census is one ``engine sweep`` table (engine/cli/sweep.py) holding, for every data set instance
(data set, n, noise, seed, loss, beta), one convex run (the certified optimum J*, column generation on
the exact program) and many gradient runs (optimizer x width x learning rate). The relative gap of a
gradient run is

    gap = J_SGD / J* - 1     (J of the final network over J* of the same training set; >= 0 up to the
                              certificate tolerance when J* is certified)

:func:`census_gaps` joins the two kinds of rows into that tidy table; :func:`summarize_census` gives
the median, quartiles and the fraction of runs within 1 % (and 10 %) of J*, per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CENSUS_COLUMNS",
    "INSTANCE_KEYS",
    "CensusRow",
    "census_gaps",
    "census_headline",
    "summarize_census",
]

#: What identifies one training set (and so one J*): the data set, its size, noise and seed, the loss
#: and beta.
INSTANCE_KEYS = ("dataset", "n", "noise", "seed", "loss", "beta")
#: The columns of the census table (one row per gradient run).
CENSUS_COLUMNS = (
    *INSTANCE_KEYS,
    "optimizer",
    "width",
    "lr",
    "epochs",
    "objective",
    "J_star",
    "certified",
    "m_star",
    "gap",
    "test_accuracy",
    "train_time_s",
)


def census_gaps(sweep: pd.DataFrame) -> pd.DataFrame:
    """One row per successful gradient run of ``sweep`` with ``J_star`` (its instance's convex
    objective), ``certified`` (whether that J* is certified), ``m_star`` (the optimum's neurons) and
    ``gap = objective / J_star - 1``. Gradient runs whose instance has no successful convex run, and
    failed runs, are left out (count them from the sweep's ``status``)."""
    import pandas as pd

    ok = sweep[sweep["status"] == "ok"]
    convex = ok[ok["method"] == "convex"][[*INSTANCE_KEYS, "objective", "certified", "neurons"]]
    convex = convex.rename(columns={"objective": "J_star", "neurons": "m_star"})
    convex = convex.drop_duplicates(subset=list(INSTANCE_KEYS))
    sgd = ok[ok["method"] == "sgd"]
    keep = [
        *INSTANCE_KEYS,
        "optimizer",
        "width",
        "lr",
        "epochs",
        "objective",
        "test_accuracy",
        "train_time_s",
    ]
    table = sgd[keep].merge(convex, on=list(INSTANCE_KEYS), how="inner")
    table["gap"] = table["objective"].astype(float) / table["J_star"].astype(float) - 1.0
    return pd.DataFrame(table, columns=list(CENSUS_COLUMNS)).reset_index(drop=True)


@dataclass(frozen=True)
class CensusRow:
    """The distribution of gaps of one group: run count, quartiles and fractions within 1 % and 10 %."""

    group: tuple
    runs: int
    median: float
    q1: float
    q3: float
    within_1pct: float  # fraction of runs with gap <= 0.01
    within_10pct: float  # fraction of runs with gap <= 0.10


def _row(group: tuple, gaps: np.ndarray) -> CensusRow:
    gaps = np.asarray(gaps, dtype=float)
    if gaps.size == 0:
        nan = float("nan")
        return CensusRow(group, 0, nan, nan, nan, nan, nan)
    q1, med, q3 = np.quantile(gaps, [0.25, 0.5, 0.75])
    return CensusRow(
        group,
        int(gaps.size),
        float(med),
        float(q1),
        float(q3),
        float(np.mean(gaps <= 0.01)),
        float(np.mean(gaps <= 0.10)),
    )


def summarize_census(gaps: pd.DataFrame, by: Sequence[str] = ()) -> list[CensusRow]:
    """The gap distribution of every group of ``gaps`` (a :func:`census_gaps` table) by the columns
    ``by``, in sorted group order; ``by=()`` gives one row for all runs."""
    if not by:
        return [_row((), gaps["gap"].to_numpy(dtype=float))]
    return [
        _row(key if isinstance(key, tuple) else (key,), part["gap"].to_numpy(dtype=float))
        for key, part in gaps.groupby(list(by), sort=True)
    ]


def _pct(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{100 * x:.1f} %"


def _num(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{x:.3g}"


def census_headline(gaps: pd.DataFrame) -> str:
    """One paragraph: the median gap, the fractions within 1 % and 10 %, and both by width."""
    overall = summarize_census(gaps)[0]
    by_width = summarize_census(gaps, ["width"])
    widths = ", ".join(f"{_num(r.median)} at m = {r.group[0]}" for r in by_width)
    within = ", ".join(f"{_pct(r.within_1pct)} at m = {r.group[0]}" for r in by_width)
    return (
        f"Over {overall.runs} gradient runs the median gap J/J* − 1 is {_num(overall.median)} "
        f"(quartiles {_num(overall.q1)} – {_num(overall.q3)}); {_pct(overall.within_1pct)} of the runs end "
        f"within 1 % of the certified optimum and {_pct(overall.within_10pct)} within 10 %. The median gap "
        f"by width: {widths}; within 1 %: {within}."
    )
