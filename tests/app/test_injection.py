"""Every value from the page address is shown as text: no link, image or HTML element reaches a page.

Each payload goes into every address control of every page at once (the BASE sizes aside, which get
their own run); every Markdown-bearing element the page then shows must quote the payload only in its
escaped, literal form.
"""

from __future__ import annotations

import re

import pytest

from explorer.navigation import PAGES
from explorer.settings import CONTROLS
from tests.app.test_bad_inputs import BASE, open_page

PAYLOADS = (
    "[Log in](//example.org)",
    "![](//example.org/x.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<a href='//example.org'>x</a>",
    ":red[**bold**] $x^2$",
)
# Markup a payload could create if it reached Markdown unescaped.
MARKUP = re.compile(r"(?<!\\)(\]\(|!\[|<img|<script|<a |:red\[|\*\*bold|\$x)")
ELEMENTS = ("markdown", "caption", "warning", "error", "info", "success", "title", "header", "subheader")
ADDRESS_KEYS = tuple(key for key, control in CONTROLS.items() if control.in_address)


def _shown_markup(at) -> list[str]:
    found = []
    for kind in ELEMENTS:
        for element in at.get(kind):
            text = str(element.value)
            if MARKUP.search(text):
                found.append(f"{kind}: {text[:300]}")
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("page", [p.url_path for p in PAGES])
def test_payload_in_every_control_is_text(page: str, payload: str) -> None:
    params = {key: payload for key in ADDRESS_KEYS if key not in BASE} | {"hide": payload}
    at = open_page(page, params)
    assert not at.exception, [e.value for e in at.exception]
    assert not _shown_markup(at), _shown_markup(at)
    notices = " ".join(str(w.value) for w in at.warning)
    quoted = "example" in notices or "alert" in notices or "red" in notices
    assert quoted, "the payload is quoted in the notice"


@pytest.mark.parametrize("payload", PAYLOADS[:2])
def test_payload_in_the_size_controls_is_text(payload: str) -> None:
    at = open_page("playground", {key: payload for key in BASE})
    assert not at.exception, [e.value for e in at.exception]
    assert not _shown_markup(at), _shown_markup(at)
