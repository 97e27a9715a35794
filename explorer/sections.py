"""Page sections with their own preset buttons (the Landscape and Dynamics pages).

A page with several sections computes one at a time: :func:`section_picker` draws the choice (a control
of the table, bound to the address) and its header; :func:`preset_button` sets a section's telling
configuration (:data:`explorer.presets.SECTION_PRESETS`).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer import widgets as w
from explorer.presets import SECTION_PRESETS
from explorer.settings import CONTROLS

__all__ = ["preset_button", "section_picker"]


def _apply(values: dict, note: str) -> None:
    w.apply_values(values, reset_others=False)
    st.toast(note, icon=":material/bolt:")


def preset_button(container: Any, page: str, section: str, *, key: str) -> None:
    """A "Preset" button in ``container`` that sets the controls of the preset of ``page``'s ``section``;
    its help, and a note after the click, say which shared sidebar settings it changes too."""
    preset = SECTION_PRESETS[page][section]
    container.button("Preset", key=key, on_click=_apply, args=(preset.values, preset.note), help=preset.note)


def section_picker(key: str) -> str:
    """The horizontal choice of section (the control ``key``) and the chosen section's header."""
    section = w.control(st, key)
    st.header(CONTROLS[key].show(section))
    return section
