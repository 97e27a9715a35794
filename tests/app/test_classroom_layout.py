"""Classroom mode (``?classroom=1``) on every registered page: the explanations are collapsed by default
(issue 15, item 3): every expander is closed, and no long explanatory text (Markdown or caption over 160
characters) is shown outside an expander. Without classroom mode the same pages do show such text, so
the check can fail."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from explorer.navigation import PAGES

TIMEOUT = 180
LONG = 160  # characters: an explanation, not a number, a note or a label
SMALL = {"n": "10", "epochs": "20"}


def _run(app_path: str, page: str, **params: str) -> AppTest:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params.update({**SMALL, **params})
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _long_text_outside_expanders(at: AppTest) -> list[str]:
    inside = {id(e.proto) for x in at.main.expander for e in [*x.markdown, *x.caption]}
    shown = [*at.main.markdown, *at.main.caption]
    return [str(e.value)[:80] for e in shown if id(e.proto) not in inside and len(str(e.value)) > LONG]


@pytest.mark.parametrize("page", [p.file for p in PAGES], ids=[p.url_path for p in PAGES])
def test_explanations_are_collapsed_in_classroom_mode(app_path: str, page: str) -> None:
    at = _run(app_path, page, classroom="1")
    assert all(not x.proto.expanded for x in at.main.expander)
    assert _long_text_outside_expanders(at) == []
    plain = _run(app_path, page)
    assert _long_text_outside_expanders(plain)  # the same page explains itself outside classroom mode
