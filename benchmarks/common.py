"""Shared pieces of the benchmark suite: machine header, guarded runs, medians, time to a level, tables.

Every benchmark writes one markdown file ``<out>/<name>.md`` whose header names the date, the machine
(platform, CPU model and count, library versions), the git commit and the exact command.
"""

from __future__ import annotations

import datetime as _dt
import math
import multiprocessing as mp
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# A run shorter than this (seconds of wall time) is repeated and the median of the repeats reported.
SHORT_RUN_S = 1.0
REPEATS = 3


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else platform.processor()."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_revision() -> str:
    """Short commit hash of the working tree, with '+ local changes' when it is dirty."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} + local changes" if dirty else head or "unknown"


def utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def machine_header(title: str, command: str, date: str | None = None, commit: str | None = None) -> list[str]:
    """Markdown lines: title, date, machine, versions, commit and the exact command.

    ``date`` and ``commit`` default to now and the current working tree (pass the run's own when a
    table is rendered again from saved results).
    """
    now = date or utc_now()
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("numpy", "scipy", "cvxpy", "clarabel", "scs")
    )
    return [
        f"# {title}",
        "",
        f"- date: {now}",
        f"- machine: {platform.platform()}; {cpu_model()}, {os.cpu_count()} logical CPUs",
        f"- software: Python {platform.python_version()}, {versions}",
        f"- commit: {commit or git_revision()}",
        f"- command: `{command}`",
        "",
    ]


def command_line(name: str, argv: Sequence[str] | None = None) -> str:
    """The command that reproduces this run (``python -m benchmarks <name> [flags]``)."""
    args = list(argv) if argv is not None else [name, *sys.argv[2:]]
    return "python -m benchmarks " + " ".join(args)


def write_report(out_dir: Path | str, name: str, lines: list[str]) -> Path:
    """Write ``lines`` to ``<out_dir>/<name>.md`` and return the path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.md"
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


# --------------------------------------------------------------------------------------------------
# guarded runs: every solver call runs in a forked child with a hard wall-clock limit


@dataclass
class Outcome:
    """What a guarded call returned: ``kind`` is "ok", "timeout" or "error"."""

    kind: str
    value: Any = None
    message: str = ""
    wall_s: float = float("nan")


def _settle_blas() -> None:
    """Wake the BLAS thread pools of a fresh fork and let them fall asleep before anything is timed.

    After a fork OpenBLAS (numpy's and scipy's copies) starts its worker threads again at the first call,
    and they spin for ~0.1 s before sleeping: a child's CPU clock counted that against the first thing it
    timed (moons n = 200 squared, certified: 0.30 s in an ordinary call, 0.41-0.49 s as a child's first;
    0.31 s after this). Costs the child ~0.3 s of wall time, no CPU to speak of."""
    import scipy.linalg

    A = np.eye(300) + 1.0  # large enough for both libraries to use their threads
    scipy.linalg.lu_factor(A @ A)
    time.sleep(0.3)


def _child(conn, fn: Callable[[], Any]) -> None:
    try:
        _settle_blas()
        conn.send(("ok", fn()))
    except ValueError as exc:  # unsupported loss / solver / program: reported as such
        conn.send(("value_error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - everything else is a failed run
        conn.send(("error", f"{type(exc).__name__}: {exc}".splitlines()[0][:200] + _tb_tail()))
    finally:
        conn.close()


def _tb_tail() -> str:
    tail = traceback.format_exc().strip().splitlines()
    return "" if len(tail) < 3 else f" ({tail[-3].strip()[:80]})"


def guarded(fn: Callable[[], Any], limit_s: float) -> Outcome:
    """Run ``fn()`` in a forked child and wait at most ``limit_s`` seconds for its (picklable) result.

    The child does the work alone while the parent waits, so times measured inside ``fn`` are those of
    an ordinary call; the fork only makes a hard stop possible for solvers without a time limit.
    A ``ValueError`` raised by ``fn`` comes back as kind "value_error" with its message.
    """
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn), daemon=True)
    start = time.perf_counter()
    proc.start()
    send.close()
    try:
        if recv.poll(limit_s):
            try:
                kind, value = recv.recv()
            except EOFError:
                kind, value = "error", "the child process died"
        else:
            kind, value = "timeout", None
    finally:
        wall = time.perf_counter() - start
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
            if proc.is_alive():
                proc.kill()
        proc.join(5)
        recv.close()
    if kind == "ok":
        return Outcome("ok", value, wall_s=wall)
    if kind == "timeout":
        return Outcome("timeout", message=f"> {limit_s:g} s", wall_s=wall)
    return Outcome(kind, message=str(value), wall_s=wall)


# --------------------------------------------------------------------------------------------------
# accuracy levels


def relative_error(J: float, J_best: float) -> float:
    return (J - J_best) / abs(J_best) if J_best != 0.0 else J - J_best


def time_to_level(
    times: Sequence[float], objectives: Sequence[float], J_best: float, level: float
) -> float | None:
    """First logged time from which every later logged objective is within ``level`` of ``J_best``.

    ``|J - J_best| / |J_best| <= level`` must hold from that entry to the end of the log (J of the
    recovered network is not monotone along ADMM, and an infeasible iterate can dip below J_best).
    None when the last entry is not within the level.
    """
    ok = [abs(relative_error(J, J_best)) <= level for J in objectives]
    if not ok or not ok[-1]:
        return None
    i = len(ok) - 1
    while i > 0 and ok[i - 1]:
        i -= 1
    return float(times[i])


def median_or_none(values: Sequence[float | None]) -> float | None:
    """Median of the runs that reached the level; None when fewer than half of them did."""
    got = [v for v in values if v is not None and math.isfinite(v)]
    if len(got) * 2 < len(values) or not got:
        return None
    return float(statistics.median(got))


def fmt_s(t: float | None) -> str:
    """Seconds with 2-3 significant digits."""
    if t is None or not math.isfinite(t):
        return "—"
    if t >= 100:
        return f"{t:.0f}"
    if t >= 10:
        return f"{t:.1f}"
    if t >= 0.1:
        return f"{t:.2f}"
    return f"{t:.3f}"


def fmt_ratio(r: float | None, lower_bound: bool = False) -> str:
    if r is None or not math.isfinite(r):
        return "—"
    text = f"{r:.0f}x" if r >= 10 else f"{r:.1f}x" if r >= 1 else f"{r:.2g}x"
    return f"> {text}" if lower_bound else text


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope of log y against log x."""
    lx, ly = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    return float(np.polyfit(lx, ly, 1)[0])


def chosen(names: tuple[str, ...], only: tuple[str, ...] | None) -> tuple[str, ...]:
    """The names that contain one of the texts ``only`` (case-insensitive); all of them without."""
    if not only:
        return names
    return tuple(n for n in names if any(text.lower() in n.lower() for text in only))
