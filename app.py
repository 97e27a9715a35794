"""ReLU Convexity Explorer: the Streamlit entry point (page registry, shared sidebar, page config).

Start with ``streamlit run app.py``. Pages live in ``pages/`` and are registered in
``explorer.navigation``; they do layout and widget wiring only, the numerics are in ``engine/``. The
sidebar (``explorer.sidebar``) is drawn here, before the page runs, so its choices stay put when the
user moves between pages.
"""

from __future__ import annotations

import streamlit as st

from explorer.budget import while_session_lives
from explorer.navigation import DEFAULT_PAGE_SLUG, app_pages
from explorer.sidebar import finish, sidebar
from explorer.streamlit_internals import install_server_policies
from explorer.widgets import page_style, text_size_mark

install_server_policies()  # clear-cache requests clear only their own session; long addresses are cut
st.set_page_config(page_title="ReLU Convexity Explorer", page_icon="📐", layout="wide")
page_style()
marked = text_size_mark(only_if_known=True)  # early, once the switch has a state

page = st.navigation(app_pages())
# The default page answers at the app's root only (Streamlit ignores its url_path, and its own address
# shows "Page not found" first): links to it use the root.
st.session_state["_default_page_slug"] = DEFAULT_PAGE_SLUG if page.url_path == "" else None
top = st.container()  # notices about the address and preset notes, filled once the page has run
sidebar()
if not marked:  # a first visit: after the sidebar, which reads the switch from the address
    text_size_mark()
with while_session_lives():  # the engine's loops stop when this session ends
    page.run()
finish(top)
