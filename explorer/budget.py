"""The work budget of one request, and the end of a session's work when the session ends.

Every control is capped alone, but their product is not: the largest settings of a section can ask for
hours of computing, and a page address can ask for them. Before a section starts its engine calls, the
page calls :func:`within` with the section's name, the sidebar's settings and the section's own
counts; the cost model of :mod:`engine.studies.cost` estimates the seconds, and above
:data:`BUDGET_S` the page shows what it would cost and which controls to lower (and to what), and
does not start.

:func:`while_session_lives` (``app.py``, around the page) gives the engine's long loops a cancel flag
(:mod:`engine.cancel`) that is set when the session ends: Streamlit releases the session's
``st.cache_resource(scope="session")`` entries when its browser tab disconnects, and the release sets
the flag, so work that nobody will see stops within a few iterations.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import streamlit as st

from engine.cancel import Cancelled, stop_when
from engine.studies.cost import estimate
from explorer.settings import CONTROLS, CUSTOM, Choices, Numbers, Settings

__all__ = ["BUDGET_S", "KNOB_CONTROLS", "cost_message", "knobs_of", "within", "while_session_lives"]

# The most seconds of computing one request may ask for (estimated; this machine's 2 cores).
BUDGET_S = 15.0

# For each section: knob of the cost model -> the control that sets it (the ones a user can lower).
_SIDEBAR = MappingProxyType({"n": "n", "width": "width", "epochs": "epochs", "batch": "batch"})
KNOB_CONTROLS: Mapping[str, Mapping[str, str]] = {
    "playground": {**_SIDEBAR, "patterns": "P"},
    "patterns": {"n": "n", "draws": "draws"},
    "solvers": {**_SIDEBAR, "race_draws": "race_draws"},
    "adversarial": {**_SIDEBAR, "patterns": "P"},
    "spurious": {**_SIDEBAR, "runs": "ls_runs"},
    "width": {"n": "n", "epochs": "epochs", "batch": "batch", "runs": "ls_width_runs"},
    "teacher": {"n": "ls_t_n", "runs": "ls_t_runs", "width": "width", "epochs": "epochs", "batch": "batch"},
    "stability": {"n": "n", "width": "width", "steps": "dy_steps", "batch": "dy_batch"},
    "xor": {"n": "dy_x_n", "d": "dy_x_d", "width": "dy_x_width", "steps": "dy_x_steps"},
    "momentum": {"n": "n", "width": "width", "steps": "dy_m_steps"},
    "lowrank": {"n": "dy_r_n", "d": "dy_r_d", "width": "dy_r_width", "steps": "dy_r_steps"},
    "reprogram": {"d": "th_rp_d", "seeds": "th_rp_seeds", "steps": "th_rp_steps", "ratio": "th_rp_ratio"},
    "kernels": {"n_max": "th_k_nmax", "features": "th_k_features"},
    "minnorm": {"n_max": "th_mn_nmax"},
    "online": {"steps": "th_o_steps", "width": "th_o_width"},
    "spectrum": {"k": "th_s_k", "n": "th_s_n", "starts": "th_s_starts"},
}
KNOB_CONTROLS = MappingProxyType({k: MappingProxyType(v) for k, v in KNOB_CONTROLS.items()})


def knobs_of(s: Settings) -> dict[str, Any]:
    """The cost model's knobs the sidebar sets: n, width, epochs, batch, optimizer and patterns."""
    g = s.sgd
    return dict(
        n=s.data.n, width=g.width, epochs=g.epochs, batch=g.batch_size, opt=g.optimizer, patterns=s.patterns
    )


def _values(key: str) -> list[Any]:
    """The values a control can take, ascending."""
    domain = CONTROLS[key].domain
    if isinstance(domain, Numbers):
        step = domain.grid or (domain.hi - domain.lo) / 100
        count = int(round((domain.hi - domain.lo) / step))
        values = [domain.lo + i * step for i in range(count + 1)]
        return [int(round(v)) for v in values] if CONTROLS[key].integer else [round(v, 10) for v in values]
    if isinstance(domain, Choices):
        return sorted(domain.options)
    return []


def _cheapest(section: str, knobs: Mapping[str, Any], knob: str, key: str) -> Any:
    """The end of control ``key``'s range that makes the section cheapest (a larger batch is cheaper)."""
    values = _values(key)
    return min((values[0], values[-1]), key=lambda v: estimate(section, {**knobs, knob: v}).seconds)


def _nearest_within(section: str, knobs: Mapping[str, Any], knob: str, key: str) -> Any | None:
    """The value of control ``key`` nearest to its current one that brings the section within the budget
    (the others fixed), searching towards the cheap end; None when even that end is too much."""
    values = _values(key)
    cheap = _cheapest(section, knobs, knob, key)
    ordered = values if cheap == values[0] else values[::-1]  # from the cheap end on
    best = None
    for value in ordered:
        if estimate(section, {**knobs, knob: value}).seconds <= BUDGET_S:
            best = value
        else:
            break
    return best


def _change(key: str, value: Any, cheap_is_low: bool) -> str:
    c = CONTROLS[key]
    return f"{c.label} to {c.show(value)} or {'less' if cheap_is_low else 'more'}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def cost_message(section: str, knobs: Mapping[str, Any], *, own_data: bool = False) -> str | None:
    """None when the section's work fits the budget; else what it would cost and which controls to change:
    each control that alone brings it within the budget (with the value that does, the others unchanged),
    or, when none does alone, a combination (the costliest controls first)."""
    controls = {k: c for k, c in KNOB_CONTROLS[section].items() if k in knobs and _values(c)}
    if own_data and controls.get("n") == "n":
        controls.pop("n")  # the user's own points: n is the number of points, not a control
    if knobs.get("patterns") == "exact":
        controls.pop("patterns", None)
    cheapest = {k: _cheapest(section, knobs, k, c) for k, c in controls.items()}
    est = estimate(section, knobs, cheapest)
    if est.seconds <= BUDGET_S:
        return None
    low_end = {k: cheapest[k] == _values(c)[0] for k, c in controls.items()}
    alone = []
    for knob, _saved in est.drivers:
        value = _nearest_within(section, knobs, knob, controls[knob])
        if value is not None:
            alone.append(_change(controls[knob], value, low_end[knob]))
    if alone:
        verb = "Change" if not all(low_end.values()) else "Lower"
        advice = f"{verb} " + "; or ".join(alone[:3]) + "."
    else:
        changed: dict[str, Any] = dict(knobs)
        steps = []
        for knob, _saved in est.drivers:
            value = _nearest_within(section, changed, knob, controls[knob])
            steps.append(_change(controls[knob], cheapest[knob] if value is None else value, low_end[knob]))
            if value is not None:
                break
            changed[knob] = cheapest[knob]
        advice = "No one control is enough: set " + ", ".join(steps) + " together."
    return (
        f"These settings would take about {_duration(est.seconds)} of computing; one request may take at "
        f"most {BUDGET_S:g} s here, so this section does not start. {advice}"
    )


def within(section: str, s: Settings | None = None, **knobs: Any) -> bool:
    """Whether the section may start: True within the budget; else shows the cost message and returns
    False. ``knobs`` add to (or override) the sidebar's knobs of ``s``."""
    all_knobs = {**(knobs_of(s) if s is not None else {}), **knobs}
    own = s is not None and s.data.name == CUSTOM
    message = cost_message(section, all_knobs, own_data=own)
    if message is None:
        return True
    st.warning(message, icon=":material/hourglass_disabled:")
    return False


def _release(flag: threading.Event) -> None:
    flag.set()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _session_flag() -> threading.Event:
    """One event per session, set by Streamlit's release of the session's resources (it disconnected)."""
    return threading.Event()


@contextlib.contextmanager
def while_session_lives() -> Iterator[None]:
    """Run the block with the engine's cancel flag tied to this session: when the session ends, the
    engine's long loops inside stop (:class:`engine.cancel.Cancelled`, shown as a note if anyone is
    still there to see it; nothing is cached)."""
    flag = _session_flag()
    try:
        with stop_when(flag.is_set):
            yield
    except Cancelled:
        st.info("The computation was stopped (its session ended or its caches were cleared).")
