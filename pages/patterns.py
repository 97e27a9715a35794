"""Patterns: the activation patterns of the data, exact against sampled, and what sampling costs.

Layout and widget wiring only: results from ``explorer.cache``, pictures from ``engine.figures.solvers``,
data and objective from the shared sidebar (``explorer.sidebar``).
"""

from __future__ import annotations

import streamlit as st

from explorer import progressive
from explorer import widgets as w
from explorer.budget import within
from explorer.cache import (
    CURVE_BUDGET,
    ApproximationCurve,
    approximation_pending,
    curve_counts,
    get_approximation,
    get_certified_optimum,
    get_coverage,
    get_dataset,
)
from explorer.cache_figures import get_approximation_figure, get_pattern_figures
from explorer.exports import figure_exports
from explorer.formulas import formulas
from explorer.settings import DEFAULT_COUNTS, DataKey, Settings
from explorer.sidebar import settings

CAPTION_PLANE = (
    "The data plane. Each grey line is g·(x, 1) = 0 for one sampled direction g (the first draw of each "
    "distinct pattern); its pattern is the set of points on the side marked by the red tick."
)
CAPTION_SPHERE = (
    "The space of neuron directions w = (w₁, w₂, w₃) on the unit sphere (w₃ is the bias), as two "
    "hemisphere discs in orthographic projection, both seen from above, so w and −w sit at mirrored "
    "points. Training point k is the great circle z_k·w = 0 with z_k = (x_k, 1); the cells between the "
    "circles are the exact patterns: green where a sampled direction (dot) landed, orange where none did. "
    "Gaussian draws land in large cells first, so the orange area is small even when many cells are missed."
)
CAPTION_CURVE = (
    "The optimum of the sampled program (first P draws of one seeded sequence, so the pattern sets are "
    "nested and the curve can only go down) against P, on a log axis, with the exact program's optimum "
    "as the dashed line; bottom: the gap on a log scale (gaps ≤ 0 are drawn as triangles at the floor, "
    "value on hover). Numbers: exact patterns hit; a filled marker means the sampled program reaches the "
    "global optimum (relative gap ≤ 1e-6), usually long before it has every pattern."
)


def main() -> None:
    """The Patterns page."""
    s = settings()
    st.title("Patterns")
    w.explain(
        "A hidden ReLU neuron w splits the training points into those with w·(x, 1) ≥ 0 (on) and the rest: "
        "its activation pattern. The convex program has one pair of variables per pattern; the exact "
        "program uses every pattern, the sampled one only those hit by random Gaussian directions."
    )
    formulas("patterns")
    draws = w.control(st, "draws")
    key = s.data
    with st.spinner("Drawing the data set…"):
        data = get_dataset(key)
    if not data.ok:
        st.error(f"Data set: {data.error}")
        return
    with st.spinner(f"Sampling {draws} directions and counting the exact patterns…"):
        coverage = get_coverage(key, draws=int(draws), seed=s.pattern_seed)
    if not coverage.ok:
        st.error(f"Patterns: {coverage.error}")
        return
    cov = coverage.value
    m1, m2, m3 = st.columns(3)
    # short labels: a third of the page is ~200 px at 1024 x 768; the detail is in the help
    m1.metric(
        "Exact patterns (cells)",
        f"{cov.exact_count:,}",
        help="Every activation pattern of the data: n(n−1)+2 cells in general position. The convex "
        "program uses all but one of them (the empty pattern, every point off, adds nothing), so the "
        "Playground's exact program says P = n(n−1)+1.",
    )
    m2.metric(f"Hit by {cov.draws} draws", f"{cov.hits:,}")
    m3.metric("Share of the exact patterns", f"{cov.fraction:.1%}")

    # both pictures are cached (explorer.cache_figures): a P shown before rebuilds neither
    plane, sphere = get_pattern_figures(key, draws=int(draws), seed=s.pattern_seed, task=s.task)
    left, right = st.columns([1, 1.5], gap="medium")
    with left:
        fig = plane
        w.chart(fig, key="plane", sized=True)
        figure_exports(fig, "pattern lines")
        w.explain(CAPTION_PLANE)
    with right:
        fig = sphere
        w.chart(fig, key="sphere", sized=True)
        figure_exports(fig, "direction sphere")
        w.explain(CAPTION_SPHERE)

    st.subheader("How many patterns does the sampled program need?")
    counts = curve_counts(key.n, int(draws))
    if not within("patterns", s, draws=int(draws), counts=counts):  # the work budget (explorer.budget)
        return
    # Progressive (explorer.progressive): when some counts of the curve are not solved yet but others are
    # (a new P), a first answer draws the curve of the solved counts with the new ones marked "solving
    # …", then the whole curve in its place; a cached curve (or none cached at all) is drawn once.
    curve_args = dict(loss=s.loss, beta=s.beta, seed=s.pattern_seed)
    pending = approximation_pending(key, **curve_args, counts=counts)
    slots = progressive.Slots()
    with slots.slot("status"):  # the final solve's spinner
        pass
    new_counts = ", ".join(str(p) for p in pending)
    solving = (
        f"Solving the sampled program on P = {new_counts} draws (n = {key.n})…"
        if pending and len(pending) < len(counts)
        else f"Solving the exact program and {len(counts)} sampled programs (n = {key.n})…"
    )
    for stage in progressive.stages(not pending or len(pending) == len(counts)):
        progressive.hand_over(stage)  # the first answer leaves the server before the final compute
        shown = counts if stage.final else tuple(c for c in counts if c not in pending)
        if stage.final:
            with (
                slots.slot("status"),
                st.spinner(solving),
            ):
                curve = get_approximation(key, **curve_args, counts=shown)
        else:
            curve = get_approximation(key, **curve_args, counts=shown)
        if not curve.ok:
            if stage.final:
                st.error(f"Approximation curve: {curve.error}")
                return
            continue  # no first answer: the final one says what failed
        with slots.slot("verdict"):
            _verdict(curve.value, key, s, int(draws), counts)
            if stage.final:
                st.empty()
            else:
                st.caption(
                    f"Solving the sampled program on P = {new_counts} draws …: the "
                    "curve below has the draw counts solved before; the new ones join it when solved."
                )
        with slots.slot("curve"):
            fig = get_approximation_figure(
                key,
                **curve_args,
                counts=shown,
                draws=int(draws),
                pending=() if stage.final else pending,
            )
            w.chart(fig, key=stage.key("curve"), sized=True)
            if stage.final:
                figure_exports(fig, "sampled optimum vs draws")
            else:
                st.empty()
            w.explain(CAPTION_CURVE)


def _verdict(c: ApproximationCurve, key: DataKey, s: Settings, draws: int, counts: tuple[int, ...]) -> None:
    """What the curve ``c`` says about the global optimum, its notes, and where the curve stops."""
    if c.optimum is None:
        reference = get_certified_optimum(key, loss=s.loss, beta=s.beta)
        st.warning(f"No global optimum to compare with ({reference.error}); the curve has no limit line.")
    else:
        status = "certified global optimum" if c.certified else "optimum of the exact program (not certified)"
        first = c.first_reached()
        reach = (
            f"the sampled program reaches it from P = {first} draws on, with "
            f"{c.hits[c.counts.index(first)]} of the {c.exact_count} patterns"
            if first is not None
            else f"the sampled program stays above it up to P = {c.counts[-1]} draws "
            f"(gap {c.objective[-1] - c.optimum:.2e})"
        )
        held = c.support_held[c.counts.index(draws)] if draws in c.counts else None
        if held is not None:
            reach += (
                f". At P = {draws} the sample holds the patterns of {held} of the {c.support_size} neurons "
                "of the optimal network found (optimal networks are rarely unique, so the sampled program "
                "can reach J* without all of them)"
            )
        st.info(f"{status.capitalize()}: J* = {c.optimum:.6g}; {reach}.")
    for note in sorted({e for e in c.errors if e}):
        st.caption(f"Note: {note}")
    if len(counts) < len(DEFAULT_COUNTS):
        st.caption(
            f"At n = {key.n} the curve stops at {counts[-1]} draws (n × P ≤ {CURVE_BUDGET:,} keeps it "
            "quick); move the slider up to extend it."
        )


main()
