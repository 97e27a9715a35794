"""``solvers``: time to 1e-4 and 1e-6 relative accuracy of every convex solver on identical programs.

For two moons and spirals, every n, every sampled pattern set (Gaussian draws, seeded:
``engine.patterns.sample_patterns(X, draws, SEED).D``, the set ``solve_convex(..., patterns=draws)``
builds) and the exact pattern set, beta = 1e-3, squared and hinge loss, the competitors solve the
**same program**:

* CVXPY + Clarabel and CVXPY + SCS (``engine.convex.solve_cvxpy``, Clarabel with its default
  tolerances, SCS with eps 1e-9), with a time limit (Clarabel ``time_limit``, SCS ``time_limit_secs``)
  and skipped when the program has too many constraint rows (2 n P);
* ADMM (``engine.convex.solvers.admm.admm_solve``; its iteration count is sized from a 20-iteration probe to
  fit the time limit; a loss it does not support is reported as "n/a (loss)");
* the fast routes of ``engine.convex.solve_convex``: ``reduced`` (interior point on the facet-reduced
  program) and ``colgen`` (column generation: certified on the exact program; on a sampled set, a
  working set priced over the set); reported as "not available" while ``solve_convex`` does not
  know them, "n/a: ..." where it rejects the program.

Relative accuracy of a run is ``(J - J_best) / |J_best|`` with J the objective of the recovered ReLU
network and J_best the best final objective any competitor reached on that program (for the exact
program that is the certified column-generation optimum when it exists). An iterative solver reaches a
level at the first logged time from which it stays within the level; a one-shot solver (CVXPY) at its
total time (modelling included) if its final J is within the level. Runs shorter than a second are
repeated three times and the median reported. The fastest engine solver (ADMM, reduced, colgen) is set
against Clarabel.

SCP (``engine.convex.solvers.scp.scp_solve``) solves its own program (fixed sampled unit directions,
l1-penalised output weights): it is compared in a second table against CVXPY + Clarabel on that same
lasso-type program (:func:`lasso_cvxpy`).
"""

from __future__ import annotations

import math
import pickle
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cvxpy as cp
import numpy as np

from benchmarks.common import (
    REPEATS,
    SHORT_RUN_S,
    Outcome,
    command_line,
    fmt_ratio,
    fmt_s,
    git_revision,
    guarded,
    machine_header,
    median_or_none,
    table,
    time_to_level,
    utc_now,
    write_report,
)
from engine.convex.certificate import within_gap

NAME = "solvers"
LEVELS = (1e-4, 1e-6)
BETA = 1e-3
NOISE = 0.1
SEED = 0
# ADMM runs to this relative residual tolerance (objective error about 10x smaller than 1e-6) or
# until its time budget is spent.
ADMM_TOL = 1e-9
# Clarabel with tolerances tight enough for 1e-6 of objectives ~1e-2 (its defaults stop short of it
# on the hinge loss); SCS asked for as much as it can give within its time limit.
CLARABEL_OPTIONS = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
SCS_OPTIONS = {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 1_000_000}
# Certificate tolerance passed to solve_convex: (J - bound) / |J| <= tol (relative to J itself). The
# default-tolerance (1e-6) certification time is read off the column-generation history.
ROUTE_TOL = 1e-8
DEFAULT_CERT_TOL = 1e-6
ENGINE_SOLVERS = ("ADMM", "reduced", "colgen")
COMPETITORS = ("Clarabel", "SCS", *ENGINE_SOLVERS)


@dataclass(frozen=True)
class Grid:
    """The programs of one mode and the limits that keep its run time bounded."""

    datasets: tuple[str, ...]
    ns: tuple[int, ...]
    draws: tuple[int | str, ...]  # numbers of Gaussian draws, and "exact"
    losses: tuple[str, ...]
    cvxpy_row_cap: int  # CVXPY is skipped above this many cone constraint rows (2 n P)
    clarabel_limit: float  # seconds (Clarabel's own time_limit)
    scs_limit: float  # seconds (SCS time_limit_secs)
    admm_limit: float  # seconds of ADMM iterations
    admm_cap: int  # ADMM is skipped above n * P = this (memory: several n x 2P arrays)
    engine_limit: float  # hard limit for the solve_convex route "reduced" (certificate included), s
    colgen_limit: float  # hard limit for "colgen" (certificate included), seconds
    scp_limit: float  # hard limit for SCP and its CVXPY reference, seconds
    repeats: int = REPEATS  # runs of a short (< 1 s) call; the median is reported


FULL = Grid(
    datasets=("moons", "spirals"),
    ns=(100, 200, 400, 1000),
    draws=(50, 200, 800, "exact"),
    losses=("squared", "hinge"),
    cvxpy_row_cap=300_000,
    clarabel_limit=20.0,
    scs_limit=4.0,
    admm_limit=5.0,
    admm_cap=2_000_000,
    engine_limit=25.0,
    colgen_limit=15.0,
    scp_limit=15.0,
)
QUICK = Grid(
    datasets=("moons",),
    ns=(16,),
    draws=(20, "exact"),
    losses=("squared", "hinge"),
    cvxpy_row_cap=20_000,
    clarabel_limit=5.0,
    scs_limit=0.5,
    admm_limit=0.2,
    admm_cap=200_000,
    engine_limit=20.0,
    colgen_limit=20.0,
    scp_limit=10.0,
    repeats=1,
)


@dataclass
class Cell:
    """One competitor on one program: its runs (histories) or why it did not run."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""  # "skipped: ...", "n/a (loss)", "not available", "> 20 s", "failed: ..."
    limit_hit: bool = False  # stopped by its time limit without reaching the level

    @property
    def final(self) -> float | None:
        return self.runs[0]["objectives"][-1] if self.runs else None

    def time_at(self, level: float, J_best: float) -> float | None:
        if not self.runs:
            return None
        return median_or_none([time_to_level(r["times"], r["objectives"], J_best, level) for r in self.runs])

    def text(self, J_best: float | None) -> str:
        if not self.runs:
            return "n/a: " + _short(self.note) if "limited to n <=" in self.note else self.note
        if J_best is None:  # nothing solved the program: say why this run says nothing either
            return f"> {fmt_s(self.runs[0].get('limit'))}" if self.limit_hit else "—"
        parts = []
        for level in LEVELS:
            t = self.time_at(level, J_best)
            if t is not None:
                parts.append(fmt_s(t))
            elif self.limit_hit:
                parts.append(f"> {fmt_s(self.runs[0].get('limit'))}")
            else:
                parts.append("not reached")
        return " / ".join(parts)


# --------------------------------------------------------------------------------------------------
# the runs (each executed in a forked child by benchmarks.common.guarded)


def _cvxpy_run(X, y, D, loss, solver, options) -> dict:
    from engine.convex.recovery import recover_network
    from engine.convex.solvers.reference import solve_cvxpy

    start = time.perf_counter()
    U, V, _, status = solve_cvxpy(X, y, D, loss, BETA, solver=solver, options=options)
    elapsed = time.perf_counter() - start
    J = recover_network(U, V).objective(X, y, loss, BETA)
    return {
        "times": [elapsed],
        "objectives": [float(J)],
        "status": status,
        "total": elapsed,
        "feasible": status == "optimal",
    }


def _admm_run(X, y, D, loss, limit) -> dict:
    from engine.convex.solvers.admm import admm_solve

    probe = admm_solve(X, y, D, beta=BETA, loss=loss, max_iter=20, tol=1e-30, log_every=20)
    per_iteration = max(probe.time_s / 20.0, 1e-6)
    max_iter = int(min(50_000, max(20, limit / per_iteration)))
    res = admm_solve(X, y, D, beta=BETA, loss=loss, max_iter=max_iter, tol=ADMM_TOL, log_every=10)
    status = "converged" if res.converged else f"iteration cap {max_iter}"
    return {
        "times": [float(t) for t in res.history["time_s"]],
        "objectives": [float(j) for j in res.history["objective"]],
        "status": status,
        "total": res.time_s,
        "limit": limit,
        "capped": not res.converged,
        "feasible": bool(res.converged),  # a w iterate short of convergence violates the cones
    }


def _route_run(X, y, loss, patterns, solver) -> dict:
    from engine.convex.program import solve_convex

    r = solve_convex(
        X, y, loss=loss, beta=BETA, patterns=patterns, pattern_seed=SEED, solver=solver, tol=ROUTE_TOL
    )
    hist = r.history or {}
    times = [float(t) for t in hist.get("time_s", [])]
    objectives = [float(j) for j in hist.get("objective", [])]
    if not times or len(times) != len(objectives):
        times, objectives = [], []
    if not objectives or abs(objectives[-1] - r.objective) > 1e-12 * max(1.0, abs(r.objective)):
        times.append(float(r.time_s))
        objectives.append(float(r.objective))
    cert = r.certificate
    # the first round at which the certificate would close at the default tolerance
    cert_time = None
    bounds = hist.get("lower_bound", [])
    if len(bounds) == len(hist.get("objective", [])) == len(hist.get("time_s", [])):
        best = -math.inf
        for J, lb, t in zip(hist["objective"], bounds, hist["time_s"], strict=True):
            best = max(best, float(lb) if lb is not None else -math.inf)
            if within_gap(J, best, DEFAULT_CERT_TOL):  # (J - bound) / |J|, as the certificate
                cert_time = float(t)
                break
    return {
        "cert_default_time": cert_time,
        "feasible": r.status == "optimal" or r.pattern_mode == "exact",
        "times": times,
        "objectives": objectives,
        "status": r.status,
        "total": float(r.time_s),
        "certified": bool(r.certified),
        "lower_bound": None if cert is None else float(cert.lower_bound),
        "message": r.message,
    }


def lasso_cvxpy(A: np.ndarray, y: np.ndarray, loss: str, beta: float) -> np.ndarray:
    """The SCP program ``min_a L(A a) + beta ||a||_1`` (mean loss) with CVXPY + Clarabel: the reference."""
    from engine.convex.solvers.reference import cvxpy_mean_loss

    a = cp.Variable(A.shape[1])
    problem = cp.Problem(cp.Minimize(cvxpy_mean_loss(A @ a, y, loss) + beta * cp.norm1(a)))
    problem.solve(solver="CLARABEL")
    if a.value is None:
        raise RuntimeError(f"Clarabel returned no solution (status {problem.status})")
    return np.asarray(a.value)


def _scp_run(X, y, loss, draws) -> dict:
    from engine.convex.solvers.scp import scp_solve

    res = scp_solve(X, y, loss=loss, beta=BETA, patterns=draws, seed=SEED)  # its default tolerances
    times = [float(t) for t in res.history["time_s"]]
    objectives = [float(j) for j in res.history["objective"]]
    if abs(objectives[-1] - res.objective) > 1e-12 * max(1.0, abs(res.objective)):
        times.append(float(res.time_s))
        objectives.append(float(res.objective))
    return {
        "times": times,
        "objectives": objectives,
        "status": "converged" if res.converged else "iteration cap",
        "total": float(res.time_s),
        "directions": res.directions,
    }


def _lasso_run(X, y, loss, directions) -> dict:
    from engine.convex.solvers.scp import scp_features, scp_objective

    start = time.perf_counter()
    A = scp_features(X, directions)
    a = lasso_cvxpy(A, y, loss, BETA)
    elapsed = time.perf_counter() - start
    J = scp_objective(A, a, y, loss, BETA)
    return {"times": [elapsed], "objectives": [float(J)], "status": "optimal", "total": elapsed}


# --------------------------------------------------------------------------------------------------


def _short(message: str, width: int = 60) -> str:
    limit = re.search(r"limited to n <= (\d+)", message)
    if limit:
        return f"exact program only for n <= {limit.group(1)}"
    text = " ".join(message.split()).split(";")[0]
    return text if len(text) <= width else text[: width - 1] + "…"


def _rows_text(rows: int) -> str:
    return f"{rows / 1e6:.1f}M" if rows >= 1e6 else f"{rows / 1e3:.0f}k"


def measure(fn, hard_limit: float, soft_limit: float | None = None, repeats: int = REPEATS) -> Cell:
    """Run ``fn`` guarded; repeat it when it was short; turn failures into a note."""
    cell = Cell()
    for attempt in range(repeats):
        out: Outcome = guarded(fn, hard_limit)
        if out.kind != "ok":
            if attempt == 0:
                if out.kind == "timeout":
                    cell.note, cell.limit_hit = f"> {hard_limit:g} s", True
                elif out.kind == "value_error":
                    msg = out.message.lower()
                    if "unknown solver" in msg:
                        cell.note = "not available"
                    elif "loss" in msg:
                        cell.note = "n/a (loss)"
                    else:
                        cell.note = "n/a: " + _short(out.message)
                else:
                    limited = soft_limit is not None and out.wall_s >= 0.9 * soft_limit
                    cell.note = f"> {soft_limit:g} s" if limited else "failed: " + _short(out.message)
                    cell.limit_hit = limited
            break
        run = out.value
        if soft_limit is not None:
            run.setdefault("limit", soft_limit)
            if run.get("total", 0.0) >= 0.9 * soft_limit:
                cell.limit_hit = True
        if run.get("capped"):  # ADMM: stopped by its iteration budget (sized to its time limit)
            cell.limit_hit = True
        cell.runs.append(run)
        if out.wall_s >= SHORT_RUN_S:  # short: the whole call, certificate included
            break
    return cell


@dataclass
class Program:
    dataset: str
    n: int
    draws: int | str
    loss: str
    patterns: int
    cells: dict[str, Cell]
    J_best: float | None = None
    source: str = ""
    certified_gap: float | None = None
    colgen_time: float | None = None
    colgen_certified: bool | None = None
    colgen_default_time: float | None = None  # time to a certificate at the default tolerance 1e-6
    scp: Cell | None = None
    lasso: Cell | None = None
    scp_best: float | None = None
    scp_patterns: int = 0


def run_program(grid: Grid, dataset: str, n: int, draws: int | str, loss: str, log) -> Program:
    from datasets import make_dataset
    from engine.patterns import exact_patterns, sample_patterns

    data = make_dataset(dataset, n, NOISE, SEED)
    X, y = data.X, data.y
    exact = draws == "exact"
    if exact:
        m = np.unique(X, axis=0).shape[0]
        P = m * (m - 1) + 1  # non-empty cells for points in general position
        D = exact_patterns(X, include_empty=False).D if n * P <= grid.admm_cap else None
        if D is not None:
            P = D.shape[1]
    else:
        D = sample_patterns(X, int(draws), SEED).D
        P = D.shape[1]
    cells: dict[str, Cell] = {}
    rows = 2 * n * P
    for name, solver, limit, options in (
        (
            "Clarabel",
            "CLARABEL",
            grid.clarabel_limit,
            {**CLARABEL_OPTIONS, "time_limit": grid.clarabel_limit},
        ),
        ("SCS", "SCS", grid.scs_limit, {**SCS_OPTIONS, "time_limit_secs": grid.scs_limit}),
    ):
        if rows > grid.cvxpy_row_cap or D is None:
            cells[name] = Cell(note=f"skipped: {_rows_text(rows)} rows")
        else:
            cells[name] = measure(
                lambda s=solver, o=options: _cvxpy_run(X, y, D, loss, s, o),
                3 * limit + 30,
                limit,
                grid.repeats,
            )
        log(f"  {name}: {cells[name].note or 'ran'}")
    if D is None or n * P > grid.admm_cap:
        cells["ADMM"] = Cell(note=f"skipped: n·P = {_rows_text(n * P)}")
    else:
        cells["ADMM"] = measure(
            lambda: _admm_run(X, y, D, loss, grid.admm_limit), 3 * grid.admm_limit + 30, None, grid.repeats
        )
    log(f"  ADMM: {cells['ADMM'].note or 'ran'}")
    for name in ("reduced", "colgen"):
        limit = grid.colgen_limit if name == "colgen" else grid.engine_limit
        cells[name] = measure(lambda s=name: _route_run(X, y, loss, draws, s), limit, None, grid.repeats)
        log(f"  {name}: {cells[name].note or 'ran'}")
    prog = Program(dataset, n, draws, loss, P, cells)
    summarize(prog)
    if not exact:
        prog.scp = measure(lambda: _scp_run(X, y, loss, int(draws)), grid.scp_limit, None, grid.repeats)
        if prog.scp.runs:
            directions = prog.scp.runs[0]["directions"]
            prog.scp_patterns = int(directions.shape[0])
            for run in prog.scp.runs:
                run.pop("directions", None)
            prog.lasso = measure(
                lambda: _lasso_run(X, y, loss, directions), grid.scp_limit, None, grid.repeats
            )
        else:
            prog.lasso = Cell(note="—")
    summarize(prog)
    return prog


def _counts_for_best(name: str, run: dict, exact: bool) -> bool:
    """Whether a competitor's final objective may define J_best of its program.

    Every network is a feasible point of the exact program. On a sampled program only solutions of
    that program count: a CVXPY run with status "optimal", the solve_convex routes (solutions polished
    on their support), ADMM once converged (an unconverged w iterate violates the cones, and its
    recovered network may use patterns outside the set, below the program's optimum).
    """
    if exact:
        return True
    if name in ("Clarabel", "SCS"):
        return run.get("status") == "optimal"
    if name == "ADMM":
        return run.get("status") == "converged"
    return True


def summarize(prog: Program) -> None:
    """J_best (and its source) and the column-generation figures of one program, from its runs."""
    exact = prog.draws == "exact"
    finals = {
        k: c.final
        for k, c in prog.cells.items()
        if c.final is not None and math.isfinite(c.final) and _counts_for_best(k, c.runs[0], exact)
    }
    prog.J_best, prog.source = None, ""
    if finals:
        prog.source = min(finals, key=finals.get)
        prog.J_best = finals[prog.source]
    cg = prog.cells["colgen"]
    if cg.runs:
        run = cg.runs[0]
        prog.colgen_time = median_or_none([r["total"] for r in cg.runs])
        prog.colgen_default_time = median_or_none([r.get("cert_default_time") for r in cg.runs])
        prog.colgen_certified = run.get("certified")
        if run.get("lower_bound") is not None and prog.J_best is not None:
            prog.certified_gap = (prog.J_best - run["lower_bound"]) / abs(prog.J_best)
    if prog.scp is not None and prog.lasso is not None:
        finals = [c.final for c in (prog.scp, prog.lasso) if c.final is not None]
        prog.scp_best = min(finals) if finals else None


def fastest(prog: Program, level: float) -> tuple[str, float] | None:
    best = None
    if prog.J_best is None:
        return None
    for name in ENGINE_SOLVERS:
        t = prog.cells[name].time_at(level, prog.J_best)
        if t is not None and (best is None or t < best[1]):
            best = (name, t)
    return best


def clarabel_ratio(prog: Program, level: float) -> tuple[float | None, bool]:
    """(Clarabel time / fastest engine time at ``level``, whether it is only a lower bound)."""
    top = fastest(prog, level)
    cell = prog.cells["Clarabel"]
    if top is None or prog.J_best is None:
        return None, False
    t = cell.time_at(level, prog.J_best)
    if t is not None:
        return t / top[1], False
    if cell.limit_hit:
        limit = cell.runs[0].get("limit") if cell.runs else None
        if limit is None and cell.note.startswith("> "):
            limit = float(cell.note[2:].split()[0])
        return (None, False) if limit is None else (limit / top[1], True)
    return None, False


def _patterns_text(draws: int | str) -> str:
    return "exact" if draws == "exact" else f"{draws} draws"


def report(
    programs: list[Program],
    grid: Grid,
    quick: bool,
    command: str,
    elapsed: float,
    date: str | None = None,
    commit: str | None = None,
) -> list[str]:
    lines = machine_header(
        "Convex solvers on identical programs: time to 1e-4 / 1e-6 relative accuracy",
        command,
        date,
        commit,
    )
    lines += [
        f"Mode: {'quick' if quick else 'full'}; wall time of the whole run {elapsed / 60:.1f} min. "
        f"beta = {BETA:g}, data noise {NOISE}, data and pattern seed {SEED}.",
        "",
        "Each solver cell: seconds to reach relative accuracy 1e-4 / 1e-6 of J_best, the best final "
        "objective (J of the recovered ReLU network) any competitor reached on that program. CVXPY "
        "times include modelling; ADMM times include its setup and logging. Runs under 1 s are repeated "
        f"{grid.repeats}x (median). Limits: Clarabel {grid.clarabel_limit:g} s, SCS {grid.scs_limit:g} s, "
        f"ADMM {grid.admm_limit:g} s of iterations, reduced {grid.engine_limit:g} s and colgen "
        f"{grid.colgen_limit:g} s (whole call, certificate included); CVXPY is "
        f"skipped above {_rows_text(grid.cvxpy_row_cap)} cone rows (2 n P), ADMM above n·P = "
        f"{_rows_text(grid.admm_cap)}. P is the number of distinct non-empty patterns (exact, n > "
        "small: n(n-1)+1 for points in general position). 'fastest' is the fastest of ADMM, reduced "
        "and colgen at 1e-6.",
        "",
    ]
    for p in programs:
        summarize(p)
    header = [
        "data",
        "n",
        "patterns",
        "P",
        "loss",
        "J_best (by)",
        *COMPETITORS,
        "fastest @1e-6",
        "Clarabel / fastest",
    ]
    rows = []
    for p in programs:
        top = fastest(p, 1e-6)
        ratio, lower = clarabel_ratio(p, 1e-6)
        best = "—" if p.J_best is None else f"{p.J_best:.8g} ({p.source})"
        rows.append(
            [
                p.dataset,
                p.n,
                _patterns_text(p.draws),
                p.patterns,
                p.loss,
                best,
                *[p.cells[c].text(p.J_best) for c in COMPETITORS],
                "—" if top is None else f"{top[0]} {fmt_s(top[1])}",
                fmt_ratio(ratio, lower),
            ]
        )
    lines += table(header, rows)
    exact = [p for p in programs if p.draws == "exact"]
    if exact:
        lines += [
            "",
            "## Exact program: certified optimum by column generation",
            "",
            f"colgen runs with certificate tolerance {ROUTE_TOL:g} ((J - bound) / |J| <= tol); 'default tol' "
            f"is the time of the first round whose logged gap met the default {DEFAULT_CERT_TOL:g}.",
            "",
        ]
        rows = []
        for p in exact:
            cg = p.cells["colgen"]
            rows.append(
                [
                    p.dataset,
                    p.n,
                    p.loss,
                    "—" if p.J_best is None else f"{p.J_best:.8g}",
                    "—" if p.certified_gap is None else f"{p.certified_gap:.1e}",
                    cg.note if not cg.runs else ("yes" if p.colgen_certified else "no"),
                    fmt_s(p.colgen_time),
                    fmt_s(p.colgen_default_time),
                ]
            )
        lines += table(
            [
                "data",
                "n",
                "loss",
                "J_best",
                "(J_best - bound) / J_best",
                f"certified at {ROUTE_TOL:g}",
                "time (s)",
                f"time to default tol {DEFAULT_CERT_TOL:g} (s)",
            ],
            rows,
        )
    scp = [p for p in programs if p.scp is not None]
    if scp:
        lines += [
            "",
            "## SCP on its own program (fixed sampled directions, l1 output weights)",
            "",
            "SCP (FISTA + polish; hinge: LP finish) against CVXPY + Clarabel on the same lasso-type "
            "program `min_a L(relu(Z G^T) a) + beta ||a||_1`; J_best = the better final objective.",
            "",
        ]
        rows = []
        for p in scp:
            t_scp = p.scp.time_at(1e-6, p.scp_best) if p.scp_best is not None and p.scp.runs else None
            t_ref = p.lasso.time_at(1e-6, p.scp_best) if p.scp_best is not None and p.lasso.runs else None
            ratio = t_ref / t_scp if t_scp and t_ref else None
            rows.append(
                [
                    p.dataset,
                    p.n,
                    _patterns_text(p.draws),
                    p.scp_patterns or "—",
                    p.loss,
                    "—" if p.scp_best is None else f"{p.scp_best:.8g}",
                    p.scp.text(p.scp_best),
                    p.lasso.text(p.scp_best),
                    fmt_ratio(ratio),
                ]
            )
        lines += table(
            ["data", "n", "draws", "P", "loss", "J_best", "SCP", "CVXPY+Clarabel", "Clarabel / SCP @1e-6"],
            rows,
        )
    lines += ["", "## Issue targets", ""] + targets(programs)
    return lines


def targets(programs: list[Program]) -> list[str]:
    out = []
    for n, goal in ((200, 20.0), (400, 30.0)):
        got = []
        for p in programs:
            if p.n == n and p.draws != "exact":
                ratio, lower = clarabel_ratio(p, 1e-6)
                if ratio is not None:
                    got.append((ratio, lower, p))
        if not got:
            out.append(
                f"- fastest >= {goal:g}x Clarabel at n = {n} (sampled, 1e-6): no program with both timed."
            )
            continue
        met = sum(r >= goal for r, _, _ in got)
        worst = min(got, key=lambda g: g[0])
        out.append(
            f"- fastest >= {goal:g}x Clarabel at n = {n} (sampled, 1e-6): met on {met} of {len(got)} "
            f"programs; ratios {', '.join(fmt_ratio(r, lo) for r, lo, _ in got)}; worst "
            f"{worst[2].dataset}/{worst[2].draws}/{worst[2].loss}."
        )
    for n, goal in ((200, 1.0), (1000, 10.0)):
        got = [p for p in programs if p.n == n and p.draws == "exact"]
        if not got:
            continue
        parts, met = [], 0
        for p in got:
            cg = p.cells["colgen"]
            if not cg.runs:
                parts.append(f"{p.dataset}/{p.loss}: {cg.note}")
                continue
            t = p.colgen_default_time
            ok = t is not None and t <= goal
            met += ok
            cert = f"certified at {ROUTE_TOL:g}" if p.colgen_certified else f"NOT certified at {ROUTE_TOL:g}"
            parts.append(
                f"{p.dataset}/{p.loss}: {fmt_s(t)} s to the default certificate "
                f"({fmt_s(p.colgen_time)} s total, {cert})"
            )
        out.append(
            f"- certified exact optimum at n = {n} in <= {goal:g} s: met on {met} of {len(got)}; "
            + "; ".join(parts)
            + "."
        )
    return out


def run(
    quick: bool = False,
    out_dir: Path | str | None = None,
    argv: list[str] | None = None,
    verbose: bool = True,
) -> Path:
    """Run the benchmark and write ``<out_dir>/solvers.md``, then the certified exact solve at scale
    (:mod:`benchmarks.certified`: ``<out_dir>/certified.md`` and its scaling plot) in the same run;
    returns the path of solvers.md."""
    from benchmarks.common import RESULTS_DIR

    grid = QUICK if quick else FULL
    start = time.perf_counter()
    date, commit = utc_now(), git_revision()  # of the run, not of a later rendering

    def log(msg: str) -> None:
        if verbose:
            print(f"[{time.perf_counter() - start:7.1f} s] {msg}", flush=True)

    programs = []
    for dataset in grid.datasets:
        for n in grid.ns:
            for draws in grid.draws:
                for loss in grid.losses:
                    log(f"{dataset} n={n} {_patterns_text(draws)} {loss}")
                    programs.append(run_program(grid, dataset, n, draws, loss, log))
    elapsed = time.perf_counter() - start
    command = command_line(NAME, argv)
    saved = (programs, grid, quick, command, elapsed, date, commit)
    # the raw results, so that the table can be rendered again without re-running (rerender())
    with open(Path(tempfile.gettempdir()) / f"benchmarks_{NAME}{'_quick' if quick else ''}.pkl", "wb") as fh:
        pickle.dump(saved, fh)
    path = write_report(out_dir or RESULTS_DIR, NAME, report(*saved))
    from benchmarks import certified

    certified.run(quick=quick, out_dir=out_dir, argv=argv, verbose=verbose)
    return path


def rerender(pickle_path: Path | str, out_dir: Path | str | None = None) -> Path:
    """Write the table again from the raw results a run saved in the temporary directory."""
    from benchmarks.common import RESULTS_DIR

    with open(pickle_path, "rb") as fh:
        saved = pickle.load(fh)  # noqa: S301 - our own file
    return write_report(out_dir or RESULTS_DIR, NAME, report(*saved))
