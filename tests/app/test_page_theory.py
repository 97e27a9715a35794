"""AppTest runs of the Theory page: every section at its defaults and at its preset renders without an
exception or an error, with its figure, caption and the paper named; the census section reads the
shipped table."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from explorer.presets import SECTION_PRESETS
from explorer.settings import THEORY_SECTIONS
from tests.app.helpers import figures, texts, widget

TIMEOUT = 180
PAGE = "pages/theory.py"
PAPERS = {
    "reprogram": "Englert & Lazic",
    "kernels": "Akiyama & Suzuki",
    "minnorm": "Xu, Zhang, Zhang & Zhao",
    "online": "online Adam",
    "spectrum": "Arjevani & Field",
    "census": "python -m benchmarks census",
}
# The presets' larger runs, kept small for the test (the preset's own values are checked first).
SMALLER = {
    "kernels": {"th_k_nmax": 32},
    "minnorm": {"th_mn_nmax": 40},
    "online": {"th_o_steps": 2000},
    "spectrum": {"th_s_starts": 8, "th_s_n": 300},
}


@pytest.fixture(scope="module")
def theory(app_path: str) -> AppTest:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _check(at: AppTest, section: str, charts: int = 1) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, texts(at.error)
    assert at.title[0].value == "Theory"
    assert at.header[0].value == THEORY_SECTIONS[section]
    assert len(figures(at)) == charts
    assert len(at.caption) >= 2
    assert PAPERS[section] in texts(at.markdown)


@pytest.mark.parametrize("section", list(THEORY_SECTIONS))
def test_every_section_at_its_defaults(theory: AppTest, section: str) -> None:
    at = theory
    at.radio(key="th_section").set_value(section).run()
    _check(at, section, charts=2 if section == "reprogram" else 1)
    if section == "census":
        assert len(at.table) == 1 and "within 1 %" in at.table[0].value.columns
        assert "median gap" in texts(at.markdown)
    if section == "spectrum":
        assert "Spurious minimum: J =" in texts(at.markdown)
    if section == "minnorm":
        assert "path norm" in texts(at.markdown)


@pytest.mark.parametrize("section", list(THEORY_SECTIONS))
def test_every_section_at_its_preset(theory: AppTest, section: str) -> None:
    at = theory
    at.radio(key="th_section").set_value(section).run()
    at.button(key=f"th_preset_{section}").click().run()
    preset = SECTION_PRESETS["theory"][section].values
    for key, value in preset.items():
        shown = at.session_state[key]
        assert shown == value, (key, shown, value)
    if SMALLER.get(section):
        for key, value in SMALLER[section].items():
            at.session_state[key] = value
        at.run()
    _check(at, section, charts=2 if section == "reprogram" else 1)


def test_minimum_norm_refuses_regression_data(theory: AppTest) -> None:
    at = theory
    at.radio(key="th_section").set_value("minnorm").run()
    widget(at, "data").set_value("regression").run()
    assert not at.exception and "classification error" in texts(at.info)
    widget(at, "data").set_value("moons").run()
