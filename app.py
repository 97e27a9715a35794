"""ReLU Convexity Explorer: the Streamlit entry point (page registry, shared sidebar, page config).

Start with ``streamlit run app.py``. Pages live in ``pages/``; they do layout and widget wiring only,
the numerics are in ``engine/``. The sidebar (``explorer.sidebar``) is drawn here, before the page
runs, so its choices stay put when the user moves between pages.
"""

from __future__ import annotations

import streamlit as st

from explorer.sidebar import finish, sidebar

st.set_page_config(page_title="ReLU Convexity Explorer", page_icon="📐", layout="wide")

DEFAULT_PAGE_SLUG = "playground"  # the default page's url_path below
PAGES = [
    st.Page(
        "pages/playground.py",
        title="Playground",
        icon=":material/science:",
        url_path="playground",
        default=True,
    ),
    st.Page("pages/patterns.py", title="Patterns", icon=":material/grid_on:", url_path="patterns"),
    st.Page("pages/solvers.py", title="Solvers", icon=":material/speed:", url_path="solvers"),
    st.Page("pages/adversarial.py", title="Adversarial", icon=":material/shield:", url_path="adversarial"),
    st.Page("pages/landscape.py", title="Landscape", icon=":material/landscape:", url_path="landscape"),
    st.Page("pages/dynamics.py", title="Dynamics", icon=":material/timeline:", url_path="dynamics"),
    st.Page("pages/data.py", title="Data", icon=":material/edit_note:", url_path="data"),
]

page = st.navigation(PAGES)
# The default page answers at the app's root only (Streamlit ignores its url_path, and its own address
# shows "Page not found" first): links to it use the root.
st.session_state["_default_page_slug"] = DEFAULT_PAGE_SLUG if page.url_path == "" else None
top = st.container()  # notices about the address and preset notes, filled once the page has run
sidebar()
page.run()
finish(top)
