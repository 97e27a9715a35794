"""The hostile widget corpus (tests/corpus/widgets.py): values a crafted client sends for a control end
in a clear warning, never an exception, a traceback or a server path, and the session keeps working."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import rendered
from tests.corpus.widgets import WIDGET_CASES, WidgetCase
from tests.paths import APP, ROOT

TIMEOUT = 180
SENT = "Some values sent by the page's controls were not valid and were replaced"
KINDS = ("slider", "select_slider", "number_input", "radio", "selectbox", "toggle", "multiselect")
TRACES = re.compile(r"Traceback|File \"|\.py\b|site-packages|" + re.escape(str(ROOT)))


def _widget(at: AppTest, key: str):
    for kind in KINDS:
        for w in at.get(kind):
            if getattr(w, "key", None) == key:
                return w
    raise KeyError(key)


def _everything(at: AppTest) -> str:
    """Every text the page shows (messages, captions, markdown, titles, metrics, widget labels)."""
    parts = []
    for kind in ("warning", "error", "info", "success", "caption", "markdown", "title", "exception"):
        parts += [str(e.value) for e in at.get(kind)]
    return "\n".join(parts)


@pytest.mark.parametrize("case", WIDGET_CASES, ids=[c.id for c in WIDGET_CASES])
def test_hostile_widget_value(case: WidgetCase) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in case.params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{case.page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    widget = _widget(at, case.key)
    if case.new_option:
        widget.options = [*widget.options, case.value]
    widget.set_value(case.value).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _everything(at)
    assert not TRACES.search(rendered(shown)), TRACES.search(rendered(shown))
    notes = [rendered(w.value) for w in at.warning if SENT in w.value]
    assert len(notes) == 1 and case.fragment in notes[0], (case.fragment, notes)
    # the control holds an allowed value, and the session keeps working
    from explorer.settings import CONTROLS

    control = CONTROLS[case.key]
    value = _widget(at, case.key).value
    value = int(value) if control.integer and isinstance(value, float) and value.is_integer() else value
    assert control.admits(list(value) if control.kind == "multiselect" else value), value
    at.run()
    assert not at.exception and not [w for w in at.warning if SENT in w.value]  # shown once
    assert at.title, "the page no longer renders"
