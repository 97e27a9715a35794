"""Helpers shared by the AppTest modules."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

from explorer.live_chart import LARGE_MARK
from explorer.live_chart import NAME as LIVE_CHART
from tests.drawn import as_drawn

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def widget(at: AppTest, key: str):
    """The sidebar widget with this key, whatever its type."""
    for kind in ("selectbox", "slider", "select_slider", "radio", "number_input"):
        for w in getattr(at.sidebar, kind):
            if w.key == key:
                return w
    raise KeyError(key)


def rendered(markdown: str) -> str:
    """The text a reader sees for this Markdown source: backslash escapes (``\\'`` for ``'``) removed."""
    return _ESCAPE.sub(r"\1", markdown)


def texts(elements) -> str:
    """The values of Streamlit elements (errors, captions, ...) as one string, as rendered."""
    return " ".join(rendered(str(e.value)) for e in elements)


def figures(at: AppTest) -> list[dict]:
    """The figure (data, layout, frames) of every Plotly chart on the main page, in page order: the
    spec of an ``st.plotly_chart`` or the figure an in-place chart (``explorer.live_chart``, a custom
    component) was sent."""
    found: list[dict] = []
    # a live chart holds its large-text patch and draws it while the page's text size is large (its style
    # mark, explorer.widgets.text_size_mark)
    large = LARGE_MARK in " ".join(str(h.proto.body) for h in at.get("html"))

    def walk(node) -> None:
        kind = getattr(node, "type", None)
        if kind == "plotly_chart":
            found.append(json.loads(node.proto.spec))
        elif kind == "bidi_component" and node.proto.component_name == LIVE_CHART:
            data = json.loads(node.proto.json)
            found.append(as_drawn(json.loads(data["figure"]), data.get("large") if large else None))
        children = getattr(node, "children", None) or {}
        for index in sorted(children):
            walk(children[index])

    walk(at.main)
    return found


def chart_titles(at: AppTest) -> str:
    """The titles of every Plotly chart on the page, as one string."""
    return " ".join(str(f["layout"]["title"]["text"]) for f in figures(at))
