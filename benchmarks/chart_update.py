"""``chart_update``: the in-place chart (``explorer.live_chart``, ``Plotly.react`` on one div per key)
against ``st.plotly_chart`` (a new chart element for every changed figure), control change to redrawn
charts in Chromium.

Two servers of the same app run side by side: one as configured (``server.enableStaticServing`` on, so
``explorer.widgets.chart`` draws through the live chart) and one with ``--server.enableStaticServing=false``
(plotly.js is not served, so every chart falls back to ``st.plotly_chart``). Each control is timed on
both, alternately (which goes first alternates too), with ``benchmarks.slider_timing.time_slider``:
``repeats`` changes to new values (cache misses) and ``repeats`` back (cache hits); a second round finds
every value computed (all cache hits). The cache hits are
the browser's floor: nothing is computed, the time is the rerun, the figures sent and drawn.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks import browser as web
from benchmarks.common import command_line, fmt_s, machine_header, table, write_report
from benchmarks.slider_timing import SLIDERS, Timing, time_slider

NAME = "chart_update"
FULL_CONTROLS = (
    "Playground: loss",
    "Playground: width m",
    "Playground: optimum's neurons",
    "Playground: large text",
    "Playground: weight decay β",
)
QUICK_CONTROLS = ("Playground: optimum's neurons",)
MODES = ("live chart (Plotly.react)", "st.plotly_chart")
_OFF = ("--server.enableStaticServing=false",)


def _p50(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def run(quick: bool = False, out_dir: Path | str | None = None, argv=None, verbose: bool = True) -> Path:
    """Run the comparison and write ``<out_dir>/chart_update.md``; returns the path."""
    from benchmarks.common import RESULTS_DIR

    names = QUICK_CONTROLS if quick else FULL_CONTROLS
    n, repeats, rounds = (50, 1, 1) if quick else (200, 3, 2)
    controls = [s for s in SLIDERS if s.name in names]
    command = command_line(NAME, argv)
    start = time.perf_counter()
    title = "In-place charts (Plotly.react) against st.plotly_chart, in Chromium"
    if not Path(web.CHROMIUM).exists():
        lines = machine_header(title, command)
        lines += [f"Skipped: {web.CHROMIUM} is not installed (apt-get install -y chromium)."]
        return write_report(out_dir or RESULTS_DIR, NAME, lines)
    from playwright.sync_api import sync_playwright

    timings: dict[tuple[str, str], list[Timing]] = {}
    with (
        web.streamlit_process("app.py", args=web.LOCAL_ARGS) as (_a, live_url),
        web.streamlit_process("app.py", args=web.LOCAL_ARGS + _OFF) as (_b, plain_url),
        sync_playwright() as p,
        web.chromium(p) as browser,
    ):
        urls = dict(zip(MODES, (live_url, plain_url), strict=True))
        turn = 0
        for round_ in range(rounds):
            for c in controls:
                order = MODES if turn % 2 == 0 else MODES[::-1]
                turn += 1
                for mode in order:
                    t = time_slider(browser, urls[mode], c, n, repeats)
                    if round_ > 0:  # this server computed every value in the first round: all cache hits
                        t.hit_s, t.miss_s = t.hit_s + t.miss_s, []
                    timings.setdefault((c.name, mode), []).append(t)
                    if verbose:
                        print(
                            f"[{time.perf_counter() - start:7.1f} s] {c.name} / {mode}: misses {t.miss_s}, "
                            f"hits {t.hit_s} {t.error}",
                            flush=True,
                        )
    lines = machine_header(title, command)
    lines += [
        f"Mode: {'quick' if quick else 'full'}; wall time {(time.perf_counter() - start) / 60:.1f} min. "
        f"n = {n}; per control and way of drawing, {rounds} round(s) of {repeats} change(s) to new values "
        f"(cache misses) and {repeats} back (cache hits), the two ways alternating; in the rounds after the "
        "first every value was computed before by the same server, so all their changes count as cache "
        "hits. A change is timed "
        "from the key press or click until the Plotly figures differ and the app is idle "
        "(benchmarks/slider_timing.py). The machine (2 cores) was shared with other jobs: read the ratios.",
        "",
    ]
    header = ["control", "cache hit p50: live (s)", "cache hit p50: st.plotly_chart (s)", "ratio (hit)"]
    header += ["cache miss p50: live (s)", "cache miss p50: st.plotly_chart (s)", "ratio (miss)", "errors"]
    rows = []
    for c in controls:
        live, plain = (timings.get((c.name, m), []) for m in MODES)
        cells = []
        for attr in ("hit_s", "miss_s"):
            a = _p50([v for t in live for v in getattr(t, attr)])
            b = _p50([v for t in plain for v in getattr(t, attr)])
            ratio = f"{b / a:.2f}x" if a and b else "—"
            cells += [fmt_s(a) if a is not None else "—", fmt_s(b) if b is not None else "—", ratio]
        errors = "; ".join(t.error for t in (*live, *plain) if t.error) or "—"
        rows.append([c.name, *cells[:3], *cells[3:], errors])
    lines += table(header, rows)
    lines += [
        "",
        "ratio = st.plotly_chart's p50 / the live chart's p50 (above 1: the live chart is faster).",
    ]
    return write_report(out_dir or RESULTS_DIR, NAME, lines)


if __name__ == "__main__":
    run()
