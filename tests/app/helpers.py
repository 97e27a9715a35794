"""Helpers shared by the AppTest modules."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

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


def chart_titles(at: AppTest) -> str:
    """The titles of every Plotly chart on the page, as one string."""
    return " ".join(str(json.loads(c.proto.spec)["layout"]["title"]["text"]) for c in at.get("plotly_chart"))
