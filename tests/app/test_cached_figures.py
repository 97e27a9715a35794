"""The Playground's figures come from a shared cache (explorer.cache_figures, st.cache_resource): a
rerun that recomputes nothing draws exactly the same figures, the large-text switch raises every
figure's text and switching it off gives back the figures of the first run (the cached figure objects
are never changed after they are built)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from engine.figures.style import LARGE_TEXT_PX
from tests.app.helpers import figures

pytestmark = pytest.mark.app

TIMEOUT = 120


def _specs(at: AppTest) -> list[dict]:
    return figures(at)


def _toggle(at: AppTest, key: str):
    return next(t for t in at.toggle if t.key == key)


def _title_sizes(specs: list[dict]) -> list[float]:
    return [float(s["layout"]["title"]["font"]["size"]) for s in specs]


def test_rerun_and_large_text_round_trip_keep_the_figures(app_path: str) -> None:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["n"] = "60"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    first = _specs(at)
    assert len(first) == 5
    assert max(_title_sizes(first)) < LARGE_TEXT_PX

    at.run()  # nothing changed: the same figures, from the cache
    assert _specs(at) == first

    _toggle(at, "big").set_value(True)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    large = _specs(at)
    assert len(large) == 5
    assert min(_title_sizes(large)) >= LARGE_TEXT_PX
    assert all(float(s["layout"]["font"]["size"]) >= LARGE_TEXT_PX for s in large)

    _toggle(at, "big").set_value(False)
    at.run()
    assert _specs(at) == first  # the small figures were not touched by the large-text run


def test_patterns_figures_round_trip_through_the_cache(app_path: str) -> None:
    """The Patterns page's three figures (cached per P, seed and text size) are the same on a rerun and
    after large text on and off; with large text every title is at the projector size."""
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["n"] = "40"
    at.switch_page("pages/patterns.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    first = _specs(at)
    assert len(first) == 3
    at.run()
    assert _specs(at) == first
    _toggle(at, "big").set_value(True)
    at.run()
    assert min(_title_sizes(_specs(at))) >= LARGE_TEXT_PX
    _toggle(at, "big").set_value(False)
    at.run()
    assert _specs(at) == first
