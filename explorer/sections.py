"""Page sections with their own preset buttons (the Landscape and Dynamics pages).

A page with several sections computes one at a time: :func:`section_picker` draws the choice (bound to
the address) and its header; :func:`preset_button` sets a section's telling configuration by widget key.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer import widgets as w

__all__ = ["preset_button", "section_picker"]


def preset_button(container: Any, key: str, values: dict[str, Any], help_text: str) -> None:
    """A "Preset" button in ``container`` that sets the widgets named in ``values`` (by key)."""
    container.button(
        "Preset",
        key=key,
        on_click=w.apply_values,
        args=(values,),
        kwargs={"reset_others": False},
        help=help_text,
    )


def section_picker(sections: dict[str, str], key: str) -> str:
    """A horizontal choice of section (bound to the query parameter ``key``) and its header."""
    section = w.radio(
        st,
        "Section",
        tuple(sections),
        tuple(sections)[0],
        format_func=sections.get,
        horizontal=True,
        key=key,
        label_visibility="collapsed",
    )
    st.header(sections[section])
    return section
