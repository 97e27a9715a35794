"""ReLU Convexity Explorer: the Streamlit entry point (page registry and page config).

Start with ``streamlit run app.py``. Pages live in ``pages/``; they do layout and widget wiring only,
the numerics are in ``engine/``.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="ReLU Convexity Explorer", page_icon="📐", layout="wide")

PAGES = [
    st.Page("pages/playground.py", title="Playground", icon="🧪", url_path="playground", default=True),
]

st.navigation(PAGES).run()
