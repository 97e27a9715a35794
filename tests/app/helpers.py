"""Helpers shared by the AppTest modules."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def widget(at: AppTest, key: str):
    """The sidebar widget with this key, whatever its type."""
    for kind in ("selectbox", "slider", "select_slider", "radio", "number_input"):
        for w in getattr(at.sidebar, kind):
            if w.key == key:
                return w
    raise KeyError(key)


def texts(elements) -> str:
    """The values of Streamlit elements (errors, captions, ...) as one string."""
    return " ".join(str(e.value) for e in elements)
