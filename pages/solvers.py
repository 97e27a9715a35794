"""Solvers: a race of ADMM, SCP, column generation, CVXPY and SGD to the certified global optimum.

Layout and widget wiring only: the race comes from ``explorer.cache.get_race`` (``engine.studies.race``), the
figure from ``engine.figures.solvers``, data, objective and SGD settings from the shared sidebar.
"""

from __future__ import annotations

import streamlit as st

from engine.figures import solvers as fsol
from explorer import widgets as w
from explorer.budget import within
from explorer.cache import get_race
from explorer.exports import figure_exports, table_exports
from explorer.formulas import formulas
from explorer.sidebar import settings

CAPTION_RACE = (
    "The gap J − J* between each route's network and the certified global optimum J*, against the "
    "route's own iterations (left: ADMM and FISTA iterations, column-generation rounds, optimizer steps) "
    "and against wall time (right), both log-log. CVXPY is a single interior-point call: one point in the "
    "time panel. Gaps ≤ 0 (at the optimum up to round-off) are triangles at the floor, value on hover."
)
ROUTES = (
    "**What each route solves.** ADMM and CVXPY: the sampled convex program on the P draws below (its "
    "optimum is an upper bound on J*). Column generation: the exact program, certified by its dual bound "
    "(dotted: J* − bound per round). SCP: its own program, the same sampled directions fixed as unit "
    "neurons with ℓ1-penalised output weights a; since relu is positively homogeneous, the neurons "
    "√|aᵢ|·gᵢ with output weights sign(aᵢ)·√|aᵢ| form a ReLU network with exactly that objective. "
    "SGD: the non-convex objective with the sidebar's optimizer settings."
)


def main() -> None:
    """The Solvers page."""
    s = settings()
    st.title("Solvers")
    w.explain(
        "Every route ends with a real two-layer ReLU network, so all are measured by the same objective J "
        "against the same certified global optimum J*."
    )
    formulas("solvers")
    draws = w.control(st, "race_draws")
    key = s.data
    opt_name = s.sgd.optimizer
    if not within("solvers", s, race_draws=int(draws)):
        return
    with st.spinner(f"Racing ADMM, SCP, column generation, CVXPY and {opt_name} (n = {key.n}, P = {draws})…"):
        outcome = get_race(
            key, loss=s.loss, beta=s.beta, patterns=int(draws), pattern_seed=s.pattern_seed, sgd=s.sgd
        )
    if not outcome.ok:
        st.error(f"Race: {outcome.error}")
        return
    race = outcome.value
    if race.optimum is None:
        st.warning(f"No certified optimum: {race.optimum_error}. The figure shows the objective J itself.")
    elif race.certified:
        st.success(
            f"Certified global optimum J* = {race.optimum:.6g} (exact program, {race.optimum_solver}; dual "
            f"lower bound {race.lower_bound:.6g}). The sampled program has {race.patterns} distinct patterns "
            f"from {race.draws} draws."
        )
    else:
        st.info(
            f"Reference J* = {race.optimum:.6g}: the exact program's value ({race.optimum_solver}), "
            "not certified"
            + (f" (dual lower bound {race.lower_bound:.6g})." if race.lower_bound is not None else ".")
        )
    for trace in race.traces:
        if trace.error:
            st.warning(f"{trace.label}: {trace.error}")
        elif trace.note:
            st.info(f"{trace.label}: {trace.note}", icon=":material/hourglass_bottom:")
    fig = fsol.race_figure(race, title=f"Race to the optimum ({s.loss} loss, β = {s.beta:g})")
    w.chart(fig, key="race")
    figure_exports(fig, "solver race")
    w.explain(CAPTION_RACE)
    w.explain_block(ROUTES)
    table = fsol.race_table(race)
    st.table(table)
    table_exports(table, "solver race table")
    w.explain("Final objective of each route, its gap to J*, its iterations and its wall time.")


main()
