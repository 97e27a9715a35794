"""``figure_draw``: what each Playground figure costs the browser to draw, and the raster plane against
the trace types it replaced.

The Playground's figures are built as the app builds them (``explorer.cache_figures``, outside a
Streamlit server) at n = 200, every other setting at its default, turned into JSON as
``st.plotly_chart`` sends them, and drawn in Debian's headless Chromium (software rendering) with the
plotly.js of the installed ``plotly`` package (the same major version as Streamlit's bundle):
``Plotly.newPlot`` (and ``addFrames`` for the playback) into a 540 px wide div, until the next
animation frame has painted. Each figure is drawn ``repeats`` times, the variants of one figure
interleaved, and the median and the minimum are reported.

Competitors for the decision-function planes, built here from the same networks and grids:

* the convex panel: the raster plane (an ``image`` trace with a PNG source, the boundary f = 0 as one
  line, a coarse transparent hover heatmap: ``engine.figures.style.surface_traces``) against a
  ``contour`` trace coloured as a heatmap with its zero line (what the panel drew before) and against a
  plain ``heatmap`` plus a zero ``contour`` line (what ``decision_boundary_figure`` drew before);
* the playback: 80 frames each carrying a 60 x 60 palette PNG and the frame's boundary line, against
  80 frames each carrying the 60 x 60 grid as int8 drawn as a filled contour (before); and parts of
  the playback left out (no frames, no scrubber) to show what the rest of it costs.

In the app each changed chart is drawn twice on a rerun (Streamlit 1.67 mounts a new chart element for
a new figure, draws it before the column width is known, hidden, then again at the width): the times
here count one draw.
"""

from __future__ import annotations

import copy
import json
import logging
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks import browser as web
from benchmarks.common import command_line, machine_header, table, write_report

NAME = "figure_draw"
WIDTH_PX = 540  # about a Playground column at 1440 px with the sidebar open

_DRAW_JS = """async ([fig, width]) => {
  const gd = document.getElementById('plot');
  Plotly.purge(gd);
  const t0 = performance.now();
  await Plotly.newPlot(gd, fig.data, Object.assign({}, fig.layout, {width: width}), {});
  if (fig.frames && fig.frames.length) await Plotly.addFrames(gd, fig.frames);
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  return performance.now() - t0;
}"""


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _figures(n: int) -> dict[str, dict]:
    """The Playground's figures at the default settings (moons, n points) as JSON dicts, with the
    competitors of the two decision-function figures."""
    logging.disable(logging.WARNING)  # st.cache_* outside a server logs that it has no runtime
    warnings.filterwarnings("ignore")
    import plotly.graph_objects as go
    import plotly.io as pio

    from engine.figures.playground import PLAYBACK_GRID, plane_values
    from engine.figures.style import BOUNDARY_COLOUR, grid_points, plot_bounds
    from explorer import cache_figures as cf
    from explorer.cache import get_dataset, run_convex, run_sgd_more
    from explorer.settings import CONTROLS, DataKey, SGDSettings

    d = {k: c.default for k, c in CONTROLS.items()}
    key = DataKey(d["data"], n, float(d["noise"]), int(d["dseed"]))
    sgd = SGDSettings(d["opt"], d["width"], d["lr"], d["epochs"], d["batch"], d["init"], d["seed"])
    common = dict(loss=d["loss"], beta=d["beta"])
    cargs = dict(common, patterns=d["patterns"], pattern_seed=d["pseed"])
    task = "classification"
    built = {
        "convex panel": cf.get_convex_panel_figure(key, **cargs, task=task, title="Convex global optimum"),
        "playback": cf.get_playback_figure(
            key, **cargs, sgd=sgd, rounds=0, ghost=True, task=task, title="SGD, played back"
        ),
        "regions (SGD)": cf.get_regions_figure(
            key, side="sgd", **common, sgd=sgd, rounds=0, title="SGD: regions"
        ),
        "objective": cf.get_objective_figure(key, **cargs, sgd=sgd, rounds=0, title="objective"),
    }
    out = {name: json.loads(pio.to_json(fig, validate=False)) for name, fig in built.items()}

    ds = get_dataset(key).value
    bounds = plot_bounds(ds.X)
    # the convex panel with its plane drawn the two ways it was drawn before
    net = run_convex(key, **cargs).value.network
    xs, ys, P = grid_points(bounds, 100)
    F = plane_values(net, P).reshape(100, 100).astype(np.float32)
    c = float(max(1.0, np.percentile(np.abs(F), 95)))
    plane = sum(1 for t in out["convex panel"]["data"] if t["type"] in ("image", "heatmap"))
    boundary = [i for i, t in enumerate(out["convex panel"]["data"]) if t.get("name") == "f = 0"]
    rest = [t for i, t in enumerate(out["convex panel"]["data"]) if i >= plane and i not in boundary]
    contour = go.Contour(
        x=xs, y=ys, z=F, zmin=-c, zmax=c, colorscale="RdBu", showscale=False,
        contours=dict(start=0, end=0, size=1, coloring="heatmap", showlines=True),
        line=dict(width=3, color=BOUNDARY_COLOUR, smoothing=0.8),
    )  # fmt: skip
    zero = go.Contour(
        x=xs, y=ys, z=F, autocontour=False, showscale=False,
        contours=dict(start=0.0, end=0.0, size=1.0, coloring="lines"),
        colorscale=[[0.0, BOUNDARY_COLOUR], [1.0, BOUNDARY_COLOUR]], line=dict(width=3),
    )  # fmt: skip
    heat = go.Heatmap(x=xs, y=ys, z=F, colorscale="RdBu", zmin=-c, zmax=c, zmid=0.0)
    for name, traces in (("filled contour", [contour]), ("heatmap + contour line", [heat, zero])):
        variant = copy.deepcopy(out["convex panel"])
        variant["data"] = [json.loads(pio.to_json(t, validate=False)) for t in traces] + rest
        out[f"convex panel: {name} (before)"] = variant

    # the playback with int8 grids drawn as a filled contour in every frame (before)
    snaps = run_sgd_more(key, **common, sgd=sgd, rounds=0).value.result.snapshots
    xs, ys, P = grid_points(bounds, PLAYBACK_GRID)
    surfaces = [np.nan_to_num(plane_values(snaps.network(k), P)) for k in range(len(snaps))]
    hi = float(max(1.0, np.percentile(np.abs(surfaces[-1]), 95)))
    q = [
        np.where(s >= 0, 1, -1) * np.maximum(1, np.rint(np.abs(np.clip(s / hi, -1, 1)) * 127))
        for s in surfaces
    ]
    q = [z.astype(np.int8).reshape(PLAYBACK_GRID, PLAYBACK_GRID) for z in q]
    old = copy.deepcopy(out["playback"])
    contour = json.loads(
        pio.to_json(
            go.Contour(
                x=xs, y=ys, z=q[-1], zmin=-127, zmax=127, colorscale="RdBu", showscale=False,
                contours=dict(start=0, end=0, size=1, coloring="heatmap", showlines=True),
                line=dict(width=3, color=BOUNDARY_COLOUR, smoothing=0.8), hoverinfo="skip",
            ),
            validate=False,
        )
    )  # fmt: skip
    old["data"] = [contour] + old["data"][2:]  # the image and the boundary line -> one contour
    moving = [i - 1 for i in _moving(out["playback"])]
    for k, frame in enumerate(old["frames"]):
        frame["data"] = [dict(type="contour", z=q[k])] + frame["data"][2:]
        frame["traces"] = [0, *moving[2:]]
    # through a Figure, as the app sends it: the int8 grids travel as typed arrays
    old = json.loads(pio.to_json(go.Figure(old, skip_invalid=True, _validate=False), validate=False))
    out["playback: int8 grid as a filled contour (before)"] = old
    bare = copy.deepcopy(out["playback"])
    bare["frames"] = []
    out["playback without frames"] = bare
    still = copy.deepcopy(bare)
    still["layout"].pop("sliders", None)
    still["layout"].pop("updatemenus", None)
    out["playback without frames, scrubber, buttons"] = still
    return out


def _moving(spec: dict) -> list[int]:
    """The trace indices the playback's frames change."""
    return list(spec["frames"][0]["traces"])


def _time(figures: dict[str, dict], repeats: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {name: [] for name in figures}
    with sync_playwright() as p, web.chromium(p) as browser:
        page = browser.new_page(viewport=web.VIEWPORT)
        page.set_content("<html><body><div id='plot'></div></body></html>")
        page.add_script_tag(path=str(_plotly_js()))
        for fig in figures.values():  # a warm-up draw of each
            page.evaluate(_DRAW_JS, [fig, WIDTH_PX])
        for _ in range(repeats):  # interleaved: a busy moment hits every variant alike
            for name, fig in figures.items():
                times[name].append(float(page.evaluate(_DRAW_JS, [fig, WIDTH_PX])))
    return times


def run(quick: bool = False, out_dir: Path | str | None = None, argv=None, verbose: bool = True) -> Path:
    """Run the benchmark and write ``<out_dir>/figure_draw.md``; returns the path."""
    from benchmarks.common import RESULTS_DIR

    command = command_line(NAME, argv)
    title = "Drawing the Playground's figures in Chromium"
    start = time.perf_counter()
    if not Path(web.CHROMIUM).exists():
        lines = machine_header(title, command)
        lines += [f"Skipped: {web.CHROMIUM} is not installed (apt-get install -y chromium)."]
        return write_report(out_dir or RESULTS_DIR, NAME, lines)
    n, repeats = (50, 2) if quick else (200, 15)
    figures = _figures(n)
    times = _time(figures, repeats)
    if verbose:
        for name, t in times.items():
            print(f"{name}: median {statistics.median(t):.0f} ms", flush=True)
    lines = machine_header(title, command)
    lines += [
        f"Mode: {'quick' if quick else 'full'}; n = {n}, every other setting at its default; each figure "
        f"drawn {repeats} times (interleaved) with plotly.js from the plotly package into a {WIDTH_PX} px "
        "div, timed from Plotly.newPlot (plus addFrames) until the next painted animation frame. The "
        "machine (2 cores) may have been shared: read ratios.",
        "",
    ]
    rows = []
    for name, t in times.items():
        spec = json.dumps(figures[name])
        rows.append(
            [
                name,
                str(len(figures[name]["data"])),
                str(len(figures[name].get("frames") or [])),
                f"{len(spec) / 1000:.0f}",
                f"{statistics.median(t):.0f}",
                f"{min(t):.0f}",
            ]
        )
    header = ["figure", "traces", "frames", "JSON (kB)", "draw: median (ms)", "draw: min (ms)"]
    lines += table(header, rows)
    lines += [
        "",
        f"Wall time {time.perf_counter() - start:.0f} s. Rows marked (before) are the trace types the "
        "planes were drawn with before the raster layer, rebuilt here from the same networks and grids. "
        "In the app each changed chart is drawn twice per rerun (Streamlit mounts a new chart and draws "
        "it before and after the column width is known), and the page's own work comes on top.",
    ]
    return write_report(out_dir or RESULTS_DIR, NAME, lines)
