"""Shared settings, the page address, classroom mode and presets (AppTest, headless Streamlit)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from explorer.presets import PRESETS
from explorer.settings import BETAS
from tests.app.helpers import rendered

TIMEOUT = 120


def _app(app_path: str, **params: str) -> AppTest:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _sidebar_value(at: AppTest, key: str):
    for kind in ("selectbox", "slider", "select_slider", "radio", "number_input"):
        for widget in getattr(at.sidebar, kind):
            if widget.key == key:
                return widget.value
    raise KeyError(key)


def _share_link(at: AppTest) -> str:
    return at.sidebar.code[0].value


def test_bad_address_values_are_clamped_with_a_notice(app_path):
    at = _app(app_path, n="100000", beta="7", data="nope", noise="nan", width="-3", epochs="1e12", opt="sgdd")
    assert not at.exception, [e.value for e in at.exception]
    assert _sidebar_value(at, "n") == 400 and _sidebar_value(at, "beta") == BETAS[-1]
    assert _sidebar_value(at, "data") == "moons" and _sidebar_value(at, "noise") == 0.1
    assert _sidebar_value(at, "width") == 1 and _sidebar_value(at, "epochs") == 3000
    assert _sidebar_value(at, "opt") == "adam"
    (notice,) = [rendered(w.value) for w in at.warning if "page address" in w.value]
    for fragment in ("n='100000'", "beta='7'", "data='nope'", "noise='nan'", "width='-3'", "opt='sgdd'"):
        assert fragment in notice
    # the notice can be dismissed; the clamped values stay
    next(b for b in at.button if b.key == "_dismiss_url_notices").click().run()
    assert not [w for w in at.warning if "page address" in w.value]
    assert _sidebar_value(at, "n") == 400


def test_a_shared_link_reproduces_the_view(app_path):
    first = _app(app_path, data="xor", n="35", beta="0.01", opt="nesterov", width="12", epochs="100")
    assert not first.exception
    link = _share_link(first)
    params = dict(parse_qsl(link.split("?", 1)[1]))
    assert params["data"] == "xor" and params["n"] == "35" and params["opt"] == "nesterov"
    second = _app(app_path, **params)
    assert not second.exception
    assert not [w for w in second.warning if "page address" in w.value]  # the link is valid as it is
    for key in ("data", "n", "beta", "opt", "width", "epochs", "loss", "noise"):
        assert _sidebar_value(second, key) == _sidebar_value(first, key)
    # the same numbers: the table of objectives is identical
    assert first.table[0].value.equals(second.table[0].value)


def test_classroom_mode_hides_controls_and_explanations(app_path):
    plain = _app(app_path, epochs="50")
    classroom = _app(app_path, epochs="50", classroom="1", hide="noise,dseed,beta")
    assert not classroom.exception
    keys = {
        w.key
        for kind in ("slider", "number_input", "select_slider")
        for w in getattr(classroom.sidebar, kind)
    }
    assert not keys & {"noise", "dseed", "beta"} and "n" in keys
    assert len(classroom.caption) < len(plain.caption)
    link = _share_link(classroom)
    assert "classroom=1" in link and "hide=beta%2Cdseed%2Cnoise" in link


@pytest.mark.parametrize("index", range(len(PRESETS)))
def test_presets_open_their_page_with_their_values(app_path, index):
    preset = PRESETS[index]
    at = _app(app_path, n="20", epochs="10")
    next(b for b in at.sidebar.button if b.key == f"_preset_{index}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [preset.page.capitalize()]
    assert any(preset.title in i.value for i in at.info)
    for key, value in preset.values.items():
        try:
            assert _sidebar_value(at, key) == value, key
        except KeyError:  # a control of the page itself
            widget = next(
                w
                for w in at.main.get("slider") + at.main.get("select_slider") + at.main.get("radio")
                if getattr(w, "key", None) == key
            )
            assert widget.value == value, key
    assert _sidebar_value(at, "seed") == preset.values.get("seed", 0)  # everything else back to defaults
