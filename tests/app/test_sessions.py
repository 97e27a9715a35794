"""Ten concurrent sessions with different settings never see each other's state (AppTest, headless).

Each AppTest is its own Streamlit session (its own session state, query parameters and widgets); they
share the process, the page modules and the ``st.cache_data`` caches, as the sessions of one server do.
All ten are open at once: they load in turn, then each changes controls and they rerun interleaved
(round robin, then in reverse order); every session must keep showing its own controls, share link and
numbers, and two sessions with the same settings must get identical numbers from the shared cache.

The runs are interleaved, not simultaneous: AppTest swaps process-wide state around each run (the
Streamlit ``Runtime`` instance, a patched ``config.get_option``), so two AppTest runs from threads
break each other ("Runtime hasn't been created!"). Sessions loading at the same time on one server
are covered by the browser test (tests/test_browser.py, several browser contexts at once).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import chart_titles
from tests.paths import APP

TIMEOUT = 180
# Ten small settings (n <= 25, 20 epochs); the last repeats the first, so the two must agree exactly.
SESSIONS: list[dict[str, str]] = [
    dict(data="moons", n="10", loss="squared", opt="adam", width="8", beta="0.001"),
    dict(data="circles", n="15", loss="hinge", opt="sgd", width="12", beta="0.01"),
    dict(data="xor", n="20", loss="logistic", opt="momentum", width="6", beta="0.0001"),
    dict(data="gaussians", n="10", loss="hinge", opt="nesterov", width="20", beta="0.1"),
    dict(data="spirals", n="15", loss="squared", opt="gd", width="10", beta="0.003"),
    dict(data="regression", n="20", loss="squared", opt="adam", width="16", beta="0.03"),
    dict(data="checkerboard", n="25", loss="logistic", opt="sgd", width="4", beta="0.3"),
    dict(data="teacher", n="10", loss="squared", opt="momentum", width="30", beta="1e-05"),
    dict(data="moons", n="20", loss="hinge", opt="adam", width="8", beta="0.001", noise="0.3"),
    dict(data="moons", n="10", loss="squared", opt="adam", width="8", beta="0.001"),
]
COMMON = {"epochs": "20"}
TYPES = {"n": int, "width": int, "epochs": int, "seed": int, "beta": float, "noise": float}
WIDGETS = ("selectbox", "slider", "select_slider", "radio", "number_input")


def _widget(at: AppTest, key: str):
    for kind in WIDGETS:
        for widget in getattr(at.sidebar, kind):
            if widget.key == key:
                return widget
    raise KeyError(key)


def _start(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in {**COMMON, **params}.items():
        at.query_params[key] = value
    return at


def _numbers(at: AppTest) -> pd.DataFrame:
    assert len(at.table) == 1
    return at.table[0].value


def _check_own_state(at: AppTest, params: dict[str, str]) -> None:
    """The session shows its own controls, its own share link and a numbers table for its settings."""
    assert not at.exception, [e.value for e in at.exception]
    assert not [w for w in at.warning if "page address" in w.value]
    expected = {**COMMON, **params}
    for key, raw in expected.items():
        assert _widget(at, key).value == TYPES.get(key, str)(raw), key
    link = dict(parse_qsl(at.sidebar.code[0].value.split("?", 1)[1]))
    for key, raw in expected.items():
        assert TYPES.get(key, str)(link[key]) == TYPES.get(key, str)(raw), (key, link)
    table = _numbers(at)
    assert f"SGD ({params['opt']})" in table.columns
    assert ("train RMSE" in table.index) == (params["data"] == "regression")
    assert f"SGD ({params['opt']})" in chart_titles(at)


@pytest.fixture(scope="module")
def sessions() -> list[AppTest]:
    """The ten sessions after their first page load (all created first, then run in turn)."""
    apps = [_start(p) for p in SESSIONS]
    for at in apps:
        at.run()
    return apps


def test_first_loads_keep_their_own_settings(sessions: list[AppTest]) -> None:
    for at, params in zip(sessions, SESSIONS, strict=True):
        _check_own_state(at, params)


def test_same_settings_share_identical_numbers(sessions: list[AppTest]) -> None:
    tables = [_numbers(at) for at in sessions]
    assert tables[0].equals(tables[-1])  # the same settings: one cached result, the same numbers
    for i in range(len(tables) - 1):
        for j in range(i + 1, len(tables) - 1):
            assert not tables[i].equals(tables[j]), (SESSIONS[i], SESSIONS[j])
    # a fresh session opened afterwards gets the same numbers as well
    fresh = _start(SESSIONS[1]).run()
    _check_own_state(fresh, SESSIONS[1])
    assert _numbers(fresh).equals(tables[1])


def test_interleaved_changes_stay_in_their_session(sessions: list[AppTest]) -> None:
    """Each session moves its training seed (and the even ones their width) in turn; the reruns are
    interleaved (set all, then run all, then once more in reverse order)."""
    before = [_numbers(at) for at in sessions]
    changed = []
    for i, (at, params) in enumerate(zip(sessions, SESSIONS, strict=True)):
        new = {**params, "seed": str(i + 1)}
        _widget(at, "seed").set_value(i + 1)
        if i % 2 == 0:
            new["width"] = str(int(params["width"]) + 1)
            _widget(at, "width").set_value(int(new["width"]))
        changed.append(new)
    for at in sessions:
        at.run()
    for at, params, old in zip(sessions, changed, before, strict=True):
        _check_own_state(at, params)
        assert not _numbers(at).equals(old)  # a new training seed: new SGD numbers
    for at, params in reversed(list(zip(sessions, changed, strict=True))):
        at.run()  # a plain rerun in another order changes nothing
        _check_own_state(at, params)
