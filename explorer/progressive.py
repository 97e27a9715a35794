"""Progressive answers: a fast first answer, labelled approximate, replaced in the same run by the final one.

A control that changes the data or a convex program (data set, n, noise, seeds, loss, beta, P, the
Adversarial training radius) needs a solve that can take longer than a rerun should (0.2-2 s at n = 200).
When its result is not cached yet, a page answers twice in one script run: first from a fast
stand-in (the same program on :data:`FAST_DRAWS` sampled pattern draws: ~0.1 s, an upper bound on the
optimum, never called J*), labelled :data:`APPROXIMATE`, then from the settings' own result (the
certified optimum on the exact program; on the Adversarial page the robust program on the page's own
draws), drawn over the first answer in the same places. A first answer may also leave out what takes
longest and mark its places :data:`TRAINING` (the Adversarial page's PGD-trained network: its panel,
curves and table column) or keep the part already computed and mark the rest (the Patterns page's curve:
the draw counts solved before, a new count marked "solving …"). Streamlit
sends each element as the script reaches it, so the first answer is in the browser while the final one
is computed. When the final result is cached (:func:`ready`), the page draws it directly: one answer,
no approximate step, nothing slower than before.

How it is used (a page only wires):

    stages = progressive.stages(progressive.ready(run_convex, key, **args))
    slots = progressive.Slots()
    for stage in stages:
        result = run_convex(key, **args) if stage.final else run_convex(key, **fast_args)
        with slots.slot("panel", where=left):
            w.chart(figure(result, title=stage.title("Convex")), key=stage.key("convex"))
        if stage.first:  # what does not depend on the result: drawn once per run
            ...

Widgets (buttons, toggles, downloads) are drawn once per run (Streamlit refuses a key twice): in the
final stage when they depend on the result, in the first stage otherwise. Whether a result is cached
is read from Streamlit's cache without computing (:func:`explorer.streamlit_internals.holds_result`):
the caches are shared by all sessions, so the answer depends on no session's state and changes none.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from engine.figures.playground import objective_figure
from engine.results import Snapshots
from explorer.cache import get_dataset, run_sgd_more
from explorer.cache_figures import playback_of
from explorer.settings import DataKey, SGDSettings
from explorer.streamlit_internals import holds_result, sent_so_far

__all__ = [
    "APPROXIMATE",
    "FAST_DRAWS",
    "FINAL_ONLY",
    "FIRST_FRAMES",
    "FIRST_THEN_FINAL",
    "HANDOVER_S",
    "HANDOVER_STEP_S",
    "Slots",
    "TRAINING",
    "Stage",
    "first_objective_figure",
    "first_playback_figure",
    "hand_over",
    "ready",
    "stages",
    "thinned",
]

# Sampled pattern draws of the first answer's convex program: ~0.1 s at n = 200 on this 2-core machine
# (the exact program 0.25-1.2 s), its J within ~1.5x of J* on moons, circles and xor (spirals ~2x).
FAST_DRAWS = 30
APPROXIMATE = "approximate: certifying …"
# What a first answer shows in the places of a network still training (the Adversarial page's PGD one).
TRAINING = "training …"
# Frames of the first answer's playback (the final one has PLAYBACK_FRAMES, ~0.25 s to build at n = 200).
FIRST_FRAMES = 12


@dataclass(frozen=True)
class Stage:
    """One answer of a script run: the fast first one (``final = False``) or the final one.

    ``first`` is whether this stage is the run's first (the final stage of a cached run is both)."""

    final: bool
    first: bool

    def key(self, key: str) -> str:
        """The chart key of this stage: the final answer keeps the page's key (the same live chart across
        reruns); the first answer has its own (a key may appear once per run)."""
        return key if self.final else f"{key}~first"

    def title(self, title: str) -> str:
        """``title``, marked approximate in the first answer."""
        return title if self.final else f"{title} ({APPROXIMATE})"


# The longest pause between a first answer and the final compute (:func:`hand_over`), and its step.
HANDOVER_S = 0.1
HANDOVER_STEP_S = 0.005


def hand_over(stage: Stage) -> None:
    """Before the final stage of a run that drew a first answer: pause until the server has taken every
    element the first answer drew (``streamlit_internals.sent_so_far``), at most :data:`HANDOVER_S`.
    Streamlit's send loop runs in another thread and needs the GIL; the final compute can hold it for
    its whole length (a compiled numba loop such as PGD training), and the first answer
    would then wait in the server's queue until the final one is done. Nothing happens in any other
    stage."""
    if not stage.final or stage.first:
        return
    start = time.monotonic()
    time.sleep(HANDOVER_STEP_S)  # the send loop's turn (a sleep releases the GIL)
    while not sent_so_far() and time.monotonic() - start < HANDOVER_S:
        time.sleep(HANDOVER_STEP_S)
    time.sleep(HANDOVER_STEP_S)  # and one more, for the write of the last message


FINAL_ONLY = (Stage(final=True, first=True),)
FIRST_THEN_FINAL = (Stage(final=False, first=True), Stage(final=True, first=False))


def ready(cached: Any, *args: Any, **kwargs: Any) -> bool:
    """Whether ``cached(*args, **kwargs)`` (an ``st.cache_data`` function of ``explorer.cache``) is cached:
    then the page draws it directly."""
    return holds_result(cached, *args, **kwargs)


def stages(is_ready: bool) -> tuple[Stage, ...]:
    """The answers of this run: the final one alone when its result is cached, else first then final."""
    return FINAL_ONLY if is_ready else FIRST_THEN_FINAL


class Slots:
    """Named places of one script run, each made on first use (in page order) and redrawn by later stages.

    A place is an ``st.empty`` holding a container: a later stage's draw replaces the earlier one's
    elements one by one, in the same spot (the browser keeps the previous run's elements until then:
    nothing blanks). A container drawn again keeps the children it is not sent, in the browser as in
    AppTest, so a later draw must put at least as many elements as the earlier one (``st.empty()`` for
    one that has nothing to show). One instance per run, held by the page (no shared state)."""

    def __init__(self) -> None:
        self._places: dict[str, Any] = {}

    @contextmanager
    def slot(self, name: str, where: Any = None) -> Iterator[Any]:
        """Draw into the place ``name`` (made in ``where``, default the current container, on first use);
        whatever the block draws replaces what an earlier stage drew there."""
        place = self._places.get(name)
        if place is None:
            place = (where or st).empty()
            self._places[name] = place
        box = place.container()
        with box:
            yield box

    def layout(self, name: str, make: Any) -> Any:
        """The layout ``make()`` (columns, a container) under ``name``, made once per run."""
        if name not in self._places:
            self._places[name] = make()
        return self._places[name]


def thinned(snaps: Snapshots, frames: int) -> Snapshots:
    """``frames`` of the snapshots ``snaps``, evenly spread, the first and the last included (all of them
    when there are no more)."""
    if len(snaps) <= frames:
        return snaps
    keep = np.unique(np.linspace(0, len(snaps) - 1, frames).round().astype(int))
    return Snapshots(snaps.step[keep], snaps.W[keep], snaps.alpha[keep], snaps.objective[keep])


def first_playback_figure(
    key: DataKey,
    *,
    loss: str,
    beta: float,
    sgd: SGDSettings,
    rounds: int,
    task: str,
    title: str,
) -> Any:
    """The Playground's playback of the cached gradient run with no optimum: no ghost lines and no gap to
    J* (the first answer has no certified J* yet), on FIRST_FRAMES of its frames (the last one included:
    ~6x less to build and send than the final playback); None when the run or the data set failed."""
    run = run_sgd_more(key, loss=loss, beta=beta, sgd=sgd, rounds=rounds)
    data = get_dataset(key)
    if not (run.ok and data.ok) or run.value.result.snapshots is None:
        return None
    snaps = thinned(run.value.result.snapshots, FIRST_FRAMES)
    return playback_of(data.value, snaps, optimum=None, ghost=False, task=task, title=title)


def first_objective_figure(
    key: DataKey, *, loss: str, beta: float, sgd: SGDSettings, rounds: int, title: str
) -> Any:
    """The gradient run's objective J over its steps with no convex value (the first answer's); None when
    the run failed."""
    run = run_sgd_more(key, loss=loss, beta=beta, sgd=sgd, rounds=rounds)
    if not run.ok:
        return None
    return objective_figure(run.value.result.history, optimum=None, certified=False, title=title)
