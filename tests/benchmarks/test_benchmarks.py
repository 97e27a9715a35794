"""Smoke test of the benchmark suite: every benchmark's quick mode writes a well-formed table."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest

from benchmarks import BENCHMARKS, PART_OF, run_benchmark
from benchmarks.__main__ import main

# Every benchmark's quick mode runs once for the module (about 30 s, a browser included): not fast.
pytestmark = pytest.mark.slow

# cells that say why a solver did not run (or stopped) rather than giving a time
_NOTES = ("skipped", "n/a", "not available", "failed", "—")


def _tables(text: str) -> list[list[list[str]]]:
    """The markdown tables of a report: header row first, separator row dropped."""
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= {"-"} for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def _numbers(cell: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", cell)]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("bench")
    texts = {}
    for name in BENCHMARKS:
        if name in PART_OF:  # written by the run of PART_OF[name] (e.g. certified.md by solvers)
            continue
        path = run_benchmark(name, quick=True, out_dir=out, argv=[name, "--quick"], verbose=False)
        assert path == Path(out) / f"{name}.md"
        texts[name] = path.read_text(encoding="utf-8")
    for name, runner in PART_OF.items():
        assert runner in texts
        texts[name] = (Path(out) / f"{name}.md").read_text(encoding="utf-8")
    return texts


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_header_names_date_machine_and_command(reports, name):
    text = reports[name]
    for key in ("- date: ", "- machine: ", "- software: ", "numpy", "cvxpy", "clarabel", "logical CPUs"):
        assert key in text
    assert f"- command: `python -m benchmarks {PART_OF.get(name, name)} --quick`" in text


def test_solvers_table(reports):
    from benchmarks import solvers

    tables = _tables(reports["solvers"])
    main_table = tables[0]
    header, rows = main_table[0], main_table[1:]
    assert header[:6] == ["data", "n", "patterns", "P", "loss", "J_best (by)"]
    for competitor in solvers.COMPETITORS:
        assert competitor in header
    assert header[-2:] == ["fastest @1e-6", "Clarabel / fastest"]
    g = solvers.QUICK
    assert len(rows) == len(g.datasets) * len(g.ns) * len(g.draws) * len(g.losses)
    ran = 0
    for row in rows:
        assert math.isfinite(_numbers(row[5])[0])  # J_best
        for cell in row[6 : 6 + len(solvers.COMPETITORS)]:
            if cell.startswith(_NOTES) or cell.startswith(">"):
                continue
            parts = cell.split(" / ")
            assert len(parts) == len(solvers.LEVELS), cell
            for part in parts:
                if part in ("not reached",) or part.startswith(">"):
                    continue
                (t,) = _numbers(part)
                assert math.isfinite(t) and t >= 0.0
                ran += 1
    assert ran > 0  # at least Clarabel ran on the small programs
    # exact-program and SCP tables, and the issue targets
    assert any(t[0][0] == "data" and "certified at 1e-08" in t[0] for t in tables)
    scp = next(t for t in tables if "SCP" in t[0])
    assert len(scp) - 1 == len(g.datasets) * len(g.ns) * sum(d != "exact" for d in g.draws) * len(g.losses)
    for row in scp[1:]:
        assert math.isfinite(float(row[5]))
    assert "## Issue targets" in reports["solvers"]


def test_sgd_table(reports):
    from benchmarks import sgd

    (table,) = _tables(reports["sgd"])
    header, rows = table[0], table[1:]
    assert header[:6] == ["data", "n", "loss", "J* (how)", "convex time (s)", "optimizer"]
    g = sgd.QUICK
    assert len(rows) == len(g.datasets) * len(g.ns) * len(g.losses) * len(g.learning_rates)
    for row in rows:
        assert math.isfinite(_numbers(row[3])[0]) and _numbers(row[3])[0] > 0.0  # J*
        assert row[5] in g.learning_rates
        assert math.isfinite(float(row[9].rstrip(" %")))  # best gap
        if not row[7].startswith("never"):
            assert math.isfinite(float(row[7]))


def test_admm_scaling_table(reports):
    from benchmarks import admm_scaling

    (table,) = _tables(reports["admm_scaling"])
    header, rows = table[0], table[1:]
    assert header[:3] == ["n", "P", "squared: per iteration (ms)"]
    assert [int(r[0]) for r in rows] == list(admm_scaling.QUICK.ns)
    for row in rows:
        assert float(row[2]) > 0.0 and math.isfinite(float(row[2]))
    assert re.search(r"- squared: slope -?\d+\.\d\d", reports["admm_scaling"])


def test_unknown_benchmark_is_rejected():
    with pytest.raises(SystemExit):
        main(["nonsense"])
    with pytest.raises(ValueError):
        run_benchmark("nonsense")


def test_robust_table(reports):
    from benchmarks import robust

    (table,) = _tables(reports["robust"])
    header, rows = table[0], table[1:]
    assert header == ["n", "patterns", "P", "ball", "loss", *robust.COMPETITORS, "cvxpy / reduced"]
    g = robust.QUICK
    assert len(rows) == len(g.cases) * len(g.norms) * len(g.losses)
    for row in rows:
        for cell in row[5:7]:  # the reference and the reduced solver always finish on these sizes
            seconds, diff = _numbers(cell)
            assert seconds >= 0.0 and abs(diff) <= 1e-3  # relative to the best of the three
        assert _numbers(row[-1])[0] > 0.0


def test_slider_timing_table(reports):
    from benchmarks import slider_timing

    text = reports["slider_timing"]
    if "Skipped:" in text and not os.environ.get("CI"):
        pytest.skip("Chromium is not installed here (the browser test fails in CI instead)")
    (table,) = _tables(text)
    header, rows = table[0], table[1:]
    assert header[0] == "slider" and header[-3:] == ["judged on", "target", "verdict"]
    assert "first answer" in header[5] and "final" in header[6]
    assert [r[0] for r in rows] == list(slider_timing.QUICK.sliders)
    for row in rows:
        assert row[3].count("→") == 2 * slider_timing.QUICK.repeats  # the value moved and came back
        for cell in row[4:8]:  # first load, misses' first and final answers, cache hits (p50 first)
            seconds = _numbers(cell)[0]
            assert math.isfinite(seconds) and seconds > 0.0
        assert _numbers(row[5])[0] <= _numbers(row[6])[0]  # a first answer never after the final one
        # every chart drawn (off screen too: they wait for the page to be quiet) never before the final answer
        assert _numbers(row[8])[0] >= _numbers(row[6])[0]
        # the page's clock never sees a miss later than Python's polls (within a frame)
        polled_first, polled_final = _numbers(row[9])[:2]
        assert _numbers(row[5])[0] <= polled_first + 0.02 and _numbers(row[6])[0] <= polled_final + 0.02
        assert row[-3] in ("first answer", "final") and row[-1] in ("met", "missed")


def test_figure_draw_table(reports):
    """Every Playground figure and competitor drawn; the raster planes travel in fewer bytes than the
    heatmap / contour they replaced (sizes are deterministic, times are only checked to be positive)."""
    text = reports["figure_draw"]
    if "Skipped:" in text and not os.environ.get("CI"):
        pytest.skip("Chromium is not installed here (the browser test fails in CI instead)")
    (table,) = _tables(text)
    header, rows = table[0], {r[0]: r for r in table[1:]}
    assert header[0] == "figure" and header[3] == "JSON (kB)"
    for name in ("convex panel", "playback", "regions (SGD)", "objective"):
        assert name in rows
    for row in rows.values():
        assert all(math.isfinite(v) and v > 0 for v in (_numbers(row[4])[0], _numbers(row[5])[0]))
    kb = {name: _numbers(row[3])[0] for name, row in rows.items()}
    assert kb["convex panel"] < kb["convex panel: filled contour (before)"]
    assert kb["convex panel"] < kb["convex panel: heatmap + contour line (before)"]
    assert kb["playback"] < kb["playback: int8 grid as a filled contour (before)"]
    assert (
        _numbers(rows["playback"][2])[0]
        == _numbers(rows["playback: int8 grid as a filled contour (before)"][2])[0]
    )


def test_chart_update_table(reports):
    """Both ways of drawing timed for every control of the quick grid: finite positive p50s and ratios."""
    from benchmarks import chart_update

    text = reports["chart_update"]
    if "Skipped:" in text and not os.environ.get("CI"):
        pytest.skip("Chromium is not installed here (the browser test fails in CI instead)")
    (table,) = _tables(text)
    header, rows = table[0], table[1:]
    assert header[0] == "control" and header[-1] == "errors"
    assert [r[0] for r in rows] == list(chart_update.QUICK_CONTROLS)
    for row in rows:
        assert row[-1] == "—"
        for cell in (row[1], row[2], row[4], row[5]):  # p50 of hits and misses, both ways
            assert math.isfinite(_numbers(cell)[0]) and _numbers(cell)[0] > 0.0
        assert _numbers(row[3])[0] > 0.0 and _numbers(row[6])[0] > 0.0


def test_pricing_table(reports):
    from benchmarks import pricing

    text = reports["pricing"]
    table = _tables(text)[0]
    header, rows = table[0], table[1:]
    assert header[:3] == ["data", "n", "dual"] and "numba (ms)" in header and "numpy (ms)" in header
    g = pricing.QUICK
    assert len(rows) == len(g.ns) * len(g.datasets) * len(pricing.DUALS)
    for row in rows:
        assert float(row[3]) > 0.0  # the price
        assert float(row[4]) > 0.0 and float(row[5]) > 0.0  # both sweeps timed
        assert float(row[7]) <= 1e-12  # the two implementations agree
    assert "## Target" in text


def test_census_table(reports, tmp_path_factory):
    """The quick census: one row per width and per data set, the CSV beside the table, every gap of a
    certified J* at least -1e-6 (no gradient run beats the certified optimum)."""
    import pandas as pd

    from benchmarks import census

    text = reports["census"]
    tables = _tables(text)
    g = census.QUICK
    by_width = tables[0]
    assert by_width[0][:3] == ["width m", "runs", "median gap"]
    assert [int(r[0]) for r in by_width[1:]] == list(g.widths)
    runs = len(g.datasets) * g.seeds * len(g.optimizers) * len(g.widths) * len(g.lrs)
    assert sum(int(r[1]) for r in by_width[1:]) == runs
    assert "## Headline" in text and "python -m engine sweep" in text
    csv = next(p for p in Path(tmp_path_factory.getbasetemp()).rglob("census.csv"))
    table = pd.read_csv(csv)
    assert len(table) == runs and table["certified"].all()
    assert (table["gap"] >= -1e-6).all()
    recomputed = table["objective"] / table["J_star"] - 1  # the CSV keeps 10 significant digits
    assert ((recomputed - table["gap"]).abs() <= 1e-8 * (1 + table["gap"].abs())).all()


def test_certified_table(reports):
    from benchmarks import certified

    text = reports["certified"]
    table = _tables(text)[0]
    header, rows = table[0], table[1:]
    assert header[:8] == ["data", "n", "loss", "CPU s", "rounds", "columns", "gap", "certified"]
    g = certified.QUICK
    assert len(rows) == len(g.ns) * len(certified.DATASETS) * len(certified.LOSSES)
    for row in rows:
        assert float(row[3]) > 0.0 and int(row[4]) >= 1 and int(row[5]) >= 1
        # the table says "certified" exactly when the gap is within the tolerance (1e-6 of |J|); squared
        # and hinge certify at n = 40, a logistic run may stop just short and must then say so
        certified = row[7] == "yes"
        assert certified == (float(row[6]) <= 1e-6), row
        assert certified or row[2] == "logistic", row
        # the sampled program is a restriction of the exact one: its J is never below J*
        assert float(row[9]) >= -1e-6
    # the engine's route beside CVXPY on the identical sampled program: every answer accurate to 1e-6
    # (CVXPY's J or the proven gap), the gap a proof (never below the bound beyond round-off)
    sampled = _tables(text)[1]
    columns = ["engine CPU s", "CVXPY CPU s", "J / J_cvxpy - 1", "sampled gap", "accurate", "speed-up"]
    assert sampled[0] == ["data", "n", "loss", *columns]
    assert len(sampled) - 1 == len(rows)
    for row in sampled[1:]:
        assert float(row[3].split()[0]) > 0.0 and row[3].split()[1] in ("(reduced)", "(colgen)"), row
        agrees, gap = abs(float(row[5].split()[0])) <= 1e-6, float(row[6])
        assert gap >= -1e-9 and row[7] == "yes" and (agrees or gap <= 1e-6), row
        assert float(row[8].rstrip("x")) > 0.0
    assert "Fitted log-log slopes" in text and "## Targets of issue 14" in text


def test_server_timing_table(reports):
    from benchmarks import server_timing

    (table,) = _tables(reports["server_timing"])
    header, rows = table[0], table[1:]
    assert header[:3] == ["control", "values", "first load (s)"]
    assert [r[0].split(": ", 1)[1] for r in rows] == list(server_timing.QUICK_LABELS)
    for row in rows:
        for cell in row[2:6]:
            assert all(math.isfinite(t) and t >= 0.0 for t in _numbers(cell)), cell
        compute, figures, total = (_numbers(row[i])[0] for i in (3, 4, 5))
        assert total == pytest.approx(compute + figures, abs=0.02)  # medians of one miss: their sum
