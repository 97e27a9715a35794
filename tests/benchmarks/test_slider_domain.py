"""The slider timing benchmark (benchmarks/slider_timing.py) moves each slider ``repeats`` steps in its
``key`` direction from where the page opens it and back: every value it asks for must lie in the
slider's domain (explorer.settings.CONTROLS), or the thumb stops at an end and the row fails (the
initial scale once stopped at 5, its top). Fast: reads the two tables only."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from benchmarks.slider_timing import FULL, SLIDERS, Control
from explorer.settings import CONTROLS, Choices, Numbers


def _setting(c: Control):
    """The first control of the app's table with this label and a slider's kind."""
    return next(
        k for k in CONTROLS.values() if k.label.startswith(c.label) and k.kind in ("slider", "select_slider")
    )


@pytest.mark.parametrize("c", [c for c in SLIDERS if c.kind == "slider"], ids=lambda c: c.name)
def test_every_timed_slider_move_stays_in_its_domain(c: Control) -> None:
    k = _setting(c)
    query = dict(parse_qsl("&".join(q for q in (f"n={FULL.n}", c.query) if q)))
    start = type(k.default)(query[k.key]) if k.key in query else k.default
    sign = 1 if c.key == "ArrowRight" else -1
    if isinstance(k.domain, Choices):
        i = k.domain.options.index(start)
        reached = i + sign * FULL.repeats
        assert 0 <= reached < len(k.domain.options), (c.name, start, k.domain.options)
    else:
        assert isinstance(k.domain, Numbers)
        step = k.domain.step or 1
        reached = start + sign * FULL.repeats * step
        assert k.domain.lo <= reached <= k.domain.hi, (c.name, start, reached)
