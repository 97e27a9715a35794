"""Cached figures of the Playground and the Patterns page: built once per settings, shared by every
rerun and session.

A cache hit of the Playground (a control moved back to a value shown before, the large-text switch,
the optimum's-neurons toggle) recomputes nothing, so its time is the floor of a rerun. Profiled
(cProfile of the script run under ``streamlit run``), that floor was the figures: building the two
activation-region maps and the decision panel (~0.5 s of Plotly validation per rerun), and reading the
playback figure back from ``st.cache_data``, which unpickles a ``go.Figure`` and so validates its 80
frames again (~1 s). These helpers keep the finished figures in ``st.cache_resource`` instead: a hit
returns the very figure object, no copy and no validation. The figures are never changed after they are
built (the page shows them with ``widgets.chart(..., sized=True)``), so sharing one object between reruns
and sessions is safe. They are built at the normal text size: the large-text switch is a patch the live
chart merges in the browser (``engine.figures.style.large_text_patch``; the playback carries the room its
numbers and buttons take at that size in its own part of the patch), so switching it builds nothing again.

Each helper is keyed like the results it draws (``explorer.cache``), reads them from that cache, and
returns None when they failed (the page shows the error from the result itself).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from engine.figures.patterns import approximation_figure, arrangement_plane_figure, direction_sphere_figure
from engine.figures.playground import (
    activation_regions_figure,
    decision_panel_figure,
    objective_figure,
    playback_figure,
    plot_bounds,
    without_ghost,
)
from engine.results import ConvexResult, Snapshots
from engine.studies.summary import playback_numbers
from engine.threads import one_blas_thread
from explorer.cache import get_approximation, get_coverage, get_dataset, run_convex, run_sgd_more
from explorer.settings import DataKey, SGDSettings

__all__ = [
    "FIGURE_ENTRIES",
    "get_approximation_figure",
    "get_convex_panel_figure",
    "get_objective_figure",
    "get_pattern_figures",
    "get_playback_figure",
    "get_regions_figure",
]

FIGURE_ENTRIES = 16  # figures kept per helper (a playback figure holds ~0.5 MB of frames)


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def get_playback_figure(
    key: DataKey,
    *,
    loss: str,
    beta: float,
    patterns: str | int,
    pattern_seed: int,
    sgd: SGDSettings,
    rounds: int,
    ghost: bool,
    task: str,
    title: str,
) -> Any:
    """The Playground's playback of the (continued) gradient run (``engine.figures.playground.
    playback_figure``), against the cached convex result of the same settings: its objective as J*, its
    neurons as ghost lines when ``ghost``; None when the run or the data set failed (the page shows their
    errors)."""
    run = run_sgd_more(key, loss=loss, beta=beta, sgd=sgd, rounds=rounds)
    data = get_dataset(key)
    if not (run.ok and data.ok) or run.value.result.snapshots is None:
        return None
    ds = data.value
    convex = run_convex(key, loss=loss, beta=beta, patterns=patterns, pattern_seed=pattern_seed)
    optimum = convex.value if convex.ok else None
    if optimum is not None and not ghost:  # the shown figure's copy, its ghost lines hidden
        args = dict(
            loss=loss, beta=beta, patterns=patterns, pattern_seed=pattern_seed, sgd=sgd, rounds=rounds
        )
        shown = get_playback_figure(key, **args, ghost=True, task=task, title=title)
        return None if shown is None else without_ghost(shown)
    return playback_of(
        ds,
        run.value.result.snapshots,
        optimum=optimum,
        ghost=ghost,
        task=task,
        title=title,
    )


def playback_of(
    ds: Any,
    snaps: Snapshots,
    *,
    optimum: ConvexResult | None,
    ghost: bool,
    task: str,
    title: str,
) -> Any:
    """The playback figure of the snapshots ``snaps`` of a run on the data set ``ds`` (its numbers
    included), against the convex result ``optimum`` (its objective as J*, its neurons as ghost lines
    when ``ghost``) or without one (``optimum=None``: no J*, no gap); built with one BLAS thread, at the
    normal text size (its large-text layout rides along: ``engine.figures.style.large_text_patch``)."""
    with one_blas_thread():
        numbers = playback_numbers(
            snaps,
            ds.X,
            ds.y,
            X_test=ds.X_test,
            y_test=ds.y_test,
            optimum=optimum.network if optimum is not None else None,
            optimum_objective=optimum.objective if optimum is not None else None,
            task=task,
        )
        fig = playback_figure(
            snaps,
            numbers,
            ds.X,
            ds.y,
            title=title,
            task=task,
            bounds=plot_bounds(ds.X),
            ghost=optimum.network if optimum is not None and ghost else None,
            optimum=optimum.objective if optimum is not None else None,
        )
    return fig


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def get_convex_panel_figure(
    key: DataKey,
    *,
    loss: str,
    beta: float,
    patterns: str | int,
    pattern_seed: int,
    task: str,
    title: str,
) -> Any:
    """The convex network's decision panel (``decision_panel_figure``) in the data set's plot box beside
    the playback, its neurons named as the optimum's; None when the data set or the solve failed."""
    data = get_dataset(key)
    convex = run_convex(key, loss=loss, beta=beta, patterns=patterns, pattern_seed=pattern_seed)
    if not (data.ok and convex.ok):
        return None
    ds = data.value
    with one_blas_thread():
        fig = decision_panel_figure(
            convex.value.network,
            ds.X,
            ds.y,
            title=title,
            task=task,
            bounds=plot_bounds(ds.X),
            neuron_label="optimum's neurons",
        )
    return fig


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def get_regions_figure(
    key: DataKey,
    *,
    side: str,
    loss: str,
    beta: float,
    patterns: str | int = "exact",
    pattern_seed: int = 0,
    sgd: SGDSettings | None = None,
    rounds: int = 0,
    title: str,
) -> Any:
    """The activation regions (``activation_regions_figure``) of the convex network (``side =
    "convex"``: ``patterns``, ``pattern_seed`` pick it) or of the gradient run (``side = "sgd"``: ``sgd``,
    ``rounds``), in the data set's plot box. None when the data set or that result failed."""
    data = get_dataset(key)
    if side == "convex":
        out = run_convex(key, loss=loss, beta=beta, patterns=patterns, pattern_seed=pattern_seed)
        network = out.value.network if out.ok else None
    else:
        if sgd is None:
            raise ValueError("the gradient side needs its settings sgd")
        out = run_sgd_more(key, loss=loss, beta=beta, sgd=sgd, rounds=rounds)
        network = out.value.result.network if out.ok else None
    if not data.ok or network is None:
        return None
    ds = data.value
    with one_blas_thread():
        fig = activation_regions_figure(network, ds.X, y=ds.y, title=title, bounds=plot_bounds(ds.X))
    return fig


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def get_objective_figure(
    key: DataKey,
    *,
    loss: str,
    beta: float,
    patterns: str | int,
    pattern_seed: int,
    sgd: SGDSettings,
    rounds: int,
    title: str,
) -> Any:
    """The gradient run's objective J over its steps against the convex value (``objective_figure``):
    the certified optimum, or the sampled program's upper bound with its dual lower bound. None when
    the run failed."""
    run = run_sgd_more(key, loss=loss, beta=beta, sgd=sgd, rounds=rounds)
    if not run.ok:
        return None
    convex = run_convex(key, loss=loss, beta=beta, patterns=patterns, pattern_seed=pattern_seed)
    cres = convex.value if convex.ok else None
    with one_blas_thread():
        fig = objective_figure(
            run.value.result.history,
            optimum=cres.objective if cres is not None else None,
            optimum_label=f"{cres.pattern_mode} patterns, P = {cres.patterns}" if cres is not None else "",
            certified=bool(cres is not None and cres.certified),
            lower_bound=cres.lower_bound if cres is not None else None,
            title=title,
        )
    return fig


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def get_pattern_figures(key: DataKey, *, draws: int, seed: int, task: str) -> Any:
    """The Patterns page's two pictures of ``draws`` seeded directions: the lines of the sampled
    patterns over the points (``arrangement_plane_figure``) and the direction sphere, exact cells
    against the samples (``direction_sphere_figure``), as a pair; None when the data set or the
    coverage failed (the page shows their errors)."""
    data = get_dataset(key)
    coverage = get_coverage(key, draws=draws, seed=seed)
    if not (data.ok and coverage.ok):
        return None
    ds, cov = data.value, coverage.value
    plane = arrangement_plane_figure(
        ds.X,
        ds.y,
        cov.sampled.directions,
        title="Sampled pattern lines",  # short: the column is ~270 px at 1024 x 768
        task=task,
        bounds=plot_bounds(ds.X),
    )
    sphere = direction_sphere_figure(ds.X, cov, title="Direction sphere: exact cells vs samples")
    return plane, sphere


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def get_approximation_figure(
    key: DataKey,
    *,
    loss: str,
    beta: float,
    seed: int,
    counts: tuple[int, ...],
    draws: int,
    pending: tuple[int, ...] = (),
) -> Any:
    """The sampled program's optimum against the draw count (``approximation_figure``) at the counts
    ``counts``, the current ``draws`` ringed; the counts ``pending`` (still being solved: a progressive
    page's first answer) marked "solving …" and named in the title. None when the curve failed (the page
    shows its error)."""
    curve = get_approximation(key, loss=loss, beta=beta, seed=seed, counts=counts)
    if not curve.ok:
        return None
    title = "Sampled program optimum vs draws P"
    if pending:
        title += f" (solving P = {', '.join(str(p) for p in pending)} …)"
    fig = approximation_figure(curve.value, current=draws, title=title, pending=pending)
    return fig
