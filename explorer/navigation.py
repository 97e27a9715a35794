"""The page registry: every page of the app, its file, title, icon and address.

``app.py`` builds its ``st.navigation`` from :func:`app_pages`; so does :func:`explorer.sidebar.settings`
when Streamlit ran a page file without ``app.py`` (see :func:`explorer.streamlit_internals.
pages_directory_mode`), so both register the same pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

__all__ = ["DEFAULT_PAGE_SLUG", "PAGES", "PageSpec", "app_pages", "page_file"]


@dataclass(frozen=True)
class PageSpec:
    """One page: its script (relative to ``app.py``), title, Material icon and URL path."""

    file: str
    title: str
    icon: str
    url_path: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/playground.py", "Playground", ":material/science:", "playground", default=True),
    PageSpec("pages/patterns.py", "Patterns", ":material/grid_on:", "patterns"),
    PageSpec("pages/solvers.py", "Solvers", ":material/speed:", "solvers"),
    PageSpec("pages/adversarial.py", "Adversarial", ":material/shield:", "adversarial"),
    PageSpec("pages/landscape.py", "Landscape", ":material/landscape:", "landscape"),
    PageSpec("pages/dynamics.py", "Dynamics", ":material/timeline:", "dynamics"),
    PageSpec("pages/theory.py", "Theory", ":material/functions:", "theory"),
    PageSpec("pages/data.py", "Data", ":material/edit_note:", "data"),
)
# The default page answers at the app's root only (Streamlit ignores its url_path, and its own address
# shows "Page not found"): links to it use the root.
DEFAULT_PAGE_SLUG = next(p.url_path for p in PAGES if p.default)
DEFAULT_RESERVED = "home"  # the path Streamlit reserves for the default page (served at the root only)


def app_pages() -> list[st.Page]:
    """The pages for ``st.navigation`` (built in a script run: ``st.Page`` resolves the files there).

    Streamlit serves the default page at the root only and answers its own url_path with "Page not
    found"; so the default page's entry reserves an unused path (``DEFAULT_RESERVED``) and a hidden second
    entry of the same script takes the page's url_path: ``/playground`` opens the Playground too (not
    listed twice in the menu).
    """
    pages = [
        st.Page(
            page.file,
            title=page.title,
            icon=page.icon,
            url_path=DEFAULT_RESERVED if page.default else page.url_path,
            default=page.default,
        )
        for page in PAGES
    ]
    aliases = [
        st.Page(page.file, title=page.title, icon=page.icon, url_path=page.url_path, visibility="hidden")
        for page in PAGES
        if page.default
    ]
    return pages + aliases


def page_file(url_path: str) -> str:
    """The script of the page with this URL path (for ``st.switch_page``)."""
    return next(p.file for p in PAGES if p.url_path == url_path)
