"""``load``: a room full of students on one server: concurrent browser sessions moving sliders.

One ``streamlit run app.py`` process, started with the serving flags of the Dockerfile (:data:`SERVE_ARGS`,
limits from .streamlit/config.toml), is opened by ``sessions`` browser contexts of Debian's Chromium at
once (Playwright; every context is a separate Streamlit session). Each session opens the Playground with
its own data seed (``dseed = 100 + i``) and small training settings, then for ``duration`` seconds all
sessions move the Noise slider one step together (right, then back left at the end of the range), and
each move is timed from the key press until that session's charts have changed and it is idle again.

Reported: errors (exception boxes, moves that never redraw), cross-talk (a session whose Data seed or
share link no longer shows its own seed), the server's resident memory (VmRSS of the process) after a
warm-up session, at its peak under load and a minute after every session has closed, memory per
session ((peak - start) / sessions), the median and 95th percentile of the move times, and the server's
CPU seconds per move (hence how many sessions one core serves when each moves a slider every 10 s).
The verdict asks for no error, no cross-talk and end memory within 300 MB of the start.
"""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.browser import (
    CHART,
    CHROMIUM,
    CHROMIUM_ARGS,
    EXCEPTION,
    VIEWPORT,
    chart_signature,
    settle,
    streamlit_process,
)
from benchmarks.common import command_line, machine_header, table, write_report

NAME = "load"
ROOT = Path(__file__).resolve().parent.parent
# The Dockerfile's server flags (tests/app/test_serving.py checks that its CMD says the same).
SERVE_ARGS = (
    "--server.headless=true",
    "--server.fileWatcherType=none",
    "--server.runOnSave=false",
    "--browser.gatherUsageStats=false",
)
MEMORY_MARGIN_MB = 300.0
QUERY = "n=20&epochs=100&width=20&noise=0.1"
SLIDER = "Noise"
MOVE_TIMEOUT_S = 120.0


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (from /proc)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@contextmanager
def served() -> Iterator[tuple[subprocess.Popen, str]]:
    """The app served as the Dockerfile serves it, on a free local port; yields (process, base URL)."""
    with streamlit_process(args=SERVE_ARGS) as served_app:
        yield served_app


def _thumb(page: Any) -> Any:
    box = page.locator('[data-testid="stSlider"]').filter(has=page.get_by_text(SLIDER, exact=False))
    return box.first.get_by_role("slider")


def _busy(page: Any) -> bool:
    return page.locator('[data-testid="stStatusWidget"]').count() > 0


def _own_seed(page: Any) -> str:
    return page.get_by_label("Data seed").first.input_value()


class Session:
    """One browser context on the Playground with its own data seed."""

    def __init__(self, browser: Any, url: str, index: int) -> None:
        self.seed = 100 + index
        self.page = browser.new_context(viewport=VIEWPORT).new_page()
        self.page.goto(f"{url}/?{QUERY}&dseed={self.seed}", wait_until="domcontentloaded")
        self.direction = "ArrowRight"
        self.pressed = 0.0
        self.before = ""
        self.times: list[float] = []
        self.errors: list[str] = []

    def press(self) -> None:
        thumb = _thumb(self.page)
        value = thumb.get_attribute("aria-valuenow")
        if value is not None and float(value) >= 0.95:
            self.direction = "ArrowLeft"
        elif value is not None and float(value) <= 0.05:
            self.direction = "ArrowRight"
        self.before = chart_signature(self.page)
        thumb.focus()
        self.pressed = time.monotonic()
        thumb.press(self.direction)

    def done(self) -> bool:
        """Whether the last move has redrawn (and record its time); errors are recorded too."""
        if time.monotonic() - self.pressed > MOVE_TIMEOUT_S:
            self.errors.append(f"no redraw within {MOVE_TIMEOUT_S:g} s")
            return True
        if _busy(self.page) or chart_signature(self.page) == self.before:
            return False
        self.times.append(time.monotonic() - self.pressed)
        if self.page.locator(EXCEPTION).count():
            self.errors.append(self.page.locator(EXCEPTION).first.inner_text()[:200])
        return True


def _sampler(pid: int, peak: list[float], stop: threading.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb(pid))
        time.sleep(0.5)


def run_load(sessions: int, duration_s: float, verbose: bool = True) -> dict[str, Any]:
    """The load check; returns its figures."""
    from playwright.sync_api import sync_playwright

    with served() as (proc, url), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            warm = browser.new_context(viewport=VIEWPORT).new_page()  # imports, compiled kernels
            warm.goto(f"{url}/?{QUERY}&dseed=99", wait_until="domcontentloaded")
            settle(warm, timeout_s=180, charts=2)
            warm.context.close()
            time.sleep(5)
            start_mb = rss_mb(proc.pid)
            peak = [start_mb]
            stop = threading.Event()
            sampler = threading.Thread(target=_sampler, args=(proc.pid, peak, stop), daemon=True)
            sampler.start()
            t0 = time.monotonic()
            group = [Session(browser, url, i) for i in range(sessions)]
            for s in group:
                settle(s.page, timeout_s=300, charts=2)
            load_s = time.monotonic() - t0
            if verbose:
                print(f"{sessions} sessions loaded in {load_s:.1f} s; {rss_mb(proc.pid):.0f} MB", flush=True)
            moves = 0
            cpu_start = cpu_seconds(proc.pid)
            end = time.monotonic() + duration_s
            while time.monotonic() < end:
                for s in group:
                    s.press()
                waiting = list(group)
                while waiting:
                    waiting = [s for s in waiting if not s.done()]
                    time.sleep(0.05)
                moves += 1
                if verbose:
                    last = [s.times[-1] for s in group if s.times]
                    print(f"round {moves}: slowest {max(last):.2f} s, {peak[0]:.0f} MB peak", flush=True)
            server_cpu = cpu_seconds(proc.pid) - cpu_start
            crosstalk = [s.seed for s in group if _own_seed(s.page) != str(s.seed)]
            exceptions = sum(s.page.locator(EXCEPTION).count() for s in group)
            charts_ok = all(s.page.locator(CHART).count() >= 2 for s in group)
            for s in group:
                s.page.context.close()
            time.sleep(60)  # disconnected sessions are cleaned up (their caches and state released)
            stop.set()
            sampler.join()
            end_mb = rss_mb(proc.pid)
        finally:
            browser.close()
    times = sorted(t for s in group for t in s.times)
    errors = [e for s in group for e in s.errors]
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))] if times else float("nan")
    return dict(
        sessions=sessions,
        duration_s=duration_s,
        rounds=moves,
        moves=len(times),
        load_s=load_s,
        errors=errors,
        exceptions=exceptions,
        charts_ok=charts_ok,
        crosstalk=crosstalk,
        start_mb=start_mb,
        peak_mb=peak[0],
        end_mb=end_mb,
        per_session_mb=(peak[0] - start_mb) / sessions,
        median_s=statistics.median(times) if times else float("nan"),
        p95_s=p95,
        cpu_per_move_s=server_cpu / max(1, len(times)),
    )


def run(quick: bool = False, out_dir: Path | str | None = None, argv=None, verbose: bool = True) -> Path:
    """Run the load check (quick: 4 sessions for 20 s) and write ``<out_dir>/load.md``."""
    from benchmarks.common import RESULTS_DIR

    sessions, duration = (4, 20.0) if quick else (20, 60.0)
    r = run_load(sessions, duration, verbose=verbose)
    ok = not r["errors"] and not r["exceptions"] and not r["crosstalk"] and r["charts_ok"]
    ok = ok and r["end_mb"] - r["start_mb"] <= MEMORY_MARGIN_MB
    lines = machine_header(
        f"Load check: {sessions} concurrent sessions moving sliders", command_line(NAME, argv)
    )
    lines += [
        f"One `streamlit run app.py {' '.join(SERVE_ARGS)}` process; {sessions} Chromium contexts (one "
        f"Streamlit session each) on the Playground (`{QUERY}`, data seed 100 + i), all moving the "
        f"{SLIDER} slider one step together for {duration:g} s; a move is timed from the key press until "
        "that session's charts changed and it is idle. The machine has 2 cores and was shared with other "
        "work, so the times are upper bounds for a dedicated machine.",
        "",
    ]
    rows = [
        ["sessions / rounds / timed moves", f"{sessions} / {r['rounds']} / {r['moves']}"],
        ["time to load every session", f"{r['load_s']:.1f} s"],
        ["errors (exception boxes, moves without a redraw)", f"{r['exceptions']} / {len(r['errors'])}"],
        ["cross-talk (sessions not showing their own seed)", str(len(r["crosstalk"]))],
        [
            "server memory: after warm-up / peak / 60 s after closing",
            f"{r['start_mb']:.0f} / {r['peak_mb']:.0f} / {r['end_mb']:.0f} MB",
        ],  # fmt: skip
        ["memory per session (peak - start) / sessions", f"{r['per_session_mb']:.1f} MB"],
        ["slider move to redraw: median / p95", f"{r['median_s']:.2f} s / {r['p95_s']:.2f} s"],
        ["server CPU per move (all sessions' moves)", f"{r['cpu_per_move_s']:.2f} s"],
        [
            "sessions per core, each moving a slider every 10 s",
            f"{10 / max(r['cpu_per_move_s'], 1e-3):.0f}",
        ],
        ["verdict (no error, no cross-talk, end within 300 MB of start)", "pass" if ok else "FAIL"],
    ]
    lines += table(["measure", "value"], rows)
    if r["errors"]:
        lines += ["", "Errors: " + "; ".join(r["errors"][:5])]
    return write_report(out_dir or RESULTS_DIR, NAME, lines)


__all__ = ["SERVE_ARGS", "cpu_seconds", "rss_mb", "run", "run_load", "served"]
