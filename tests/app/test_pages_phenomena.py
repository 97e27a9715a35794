"""AppTest runs of the Landscape and Dynamics pages: every section with its defaults and with its preset
renders without an exception or an error (small sizes: n = 10 in the sidebar, 20 epochs)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import figures, texts, widget

TIMEOUT = 120
LANDSCAPE = "pages/landscape.py"
DYNAMICS = "pages/dynamics.py"


def _open(app_path: str, page: str) -> AppTest:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["epochs"] = "20"  # short training runs
    at.switch_page(page).run()
    widget(at, "n").set_value(10)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _check(at: AppTest, title: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, texts(at.error)
    assert at.title[0].value == title
    assert len(figures(at)) >= 1
    assert len(at.caption) >= 2


@pytest.fixture(scope="module")
def landscape(app_path: str) -> AppTest:
    return _open(app_path, LANDSCAPE)


@pytest.fixture(scope="module")
def dynamics(app_path: str) -> AppTest:
    return _open(app_path, DYNAMICS)


@pytest.mark.parametrize("section", ["spurious", "width", "teacher"])
def test_landscape_sections(landscape: AppTest, section: str) -> None:
    at = landscape
    at.radio(key="ls_section").set_value(section).run()
    _check(at, "Landscape")
    if section == "spurious":
        assert len(figures(at)) == 3  # sorted objectives, the run's and the optimum's boundary
        at.selectbox(key="ls_pick").select_index(1).run()  # the second-best run
        assert not at.exception and "Run #2" in json.dumps(figures(at)[1])
    if section == "teacher":
        assert "Runs recovering every teacher neuron" in [m.label for m in at.metric]


def test_a_click_on_the_multistart_chart_picks_the_run_nearest_it(landscape: AppTest) -> None:
    """A click reaches the page as a rank (the chart's x axis, 1 = the best run; the chart's callback keeps
    it, whether the chart is live or st.plotly_chart): the page shows that run; a click off the runs picks
    nothing. The rank is read from both event shapes."""
    from pages.landscape import CLICKED_RANK, clicked_rank

    assert clicked_rank({"click": {"selection": {"points": [{"x": 2.4, "y": 0.1}]}}}) == 2
    assert clicked_rank({"selection": {"points": [{"x": 3, "y": 0.1, "customdata": [7]}]}}) == 3
    assert clicked_rank({"click": {"selection": {"points": []}}}) is None
    assert clicked_rank({"click": {"selection": {"points": [{"x": float("nan")}]}}}) is None
    assert clicked_rank(None) is None
    at = landscape
    at.radio(key="ls_section").set_value("spurious").run()
    at.session_state[CLICKED_RANK] = 3
    at.run()
    assert not at.exception
    assert at.selectbox(key="ls_pick").format_func(at.selectbox(key="ls_pick").value).startswith("#3 (seed")
    assert "Run #3" in json.dumps(figures(at)[1])
    at.session_state[CLICKED_RANK] = 999  # beyond the last run: the pick stays
    at.run()
    assert "Run #3" in json.dumps(figures(at)[1])


def test_landscape_preset(landscape: AppTest) -> None:
    at = landscape
    at.radio(key="ls_section").set_value("spurious").run()
    at.session_state["ls_runs"] = 10  # the preset's 60 runs, kept small for the test
    at.button(key="ls_preset_spurious").click().run()
    _check(at, "Landscape")
    assert widget(at, "width").value == 4 and widget(at, "opt").value == "adam"


@pytest.mark.parametrize("section", ["stability", "momentum", "lowrank", "xor"])
def test_dynamics_sections(dynamics: AppTest, section: str) -> None:
    at = dynamics
    at.radio(key="dy_section").set_value(section).run()
    _check(at, "Dynamics")
    if section == "stability":
        assert len(at.table) == 1 and "λ_max(H)" in at.table[0].value.columns
    if section == "xor":  # the verdict is stated either way
        assert "late generalisation" in texts(at.success) + texts(at.info)


def test_dynamics_preset_and_empty_choice(dynamics: AppTest) -> None:
    at = dynamics
    at.radio(key="dy_section").set_value("stability").run()
    at.button(key="dy_preset_stability").click().run()
    _check(at, "Dynamics")
    assert at.multiselect(key="dy_lrs").value == [0.01, 0.1] and at.slider(key="dy_steps").value == 1500
    at.multiselect(key="dy_lrs").set_value([]).run()
    assert not at.exception and "Pick at least one" in texts(at.warning)


def test_other_losses_and_regression(dynamics: AppTest, landscape: AppTest) -> None:
    """Hinge loss on the stability section (no loss curvature: said so), regression data on the
    spurious-minima section (boundaries drawn as regression heatmaps)."""
    at = dynamics
    at.radio(key="dy_section").set_value("stability").run()
    at.multiselect(key="dy_lrs").set_value([0.03])
    widget(at, "loss").set_value("hinge").run()
    _check(at, "Dynamics")
    assert "no curvature" in texts(at.info)
    widget(at, "loss").set_value("squared").run()
    at = landscape
    at.radio(key="ls_section").set_value("spurious").run()
    widget(at, "data").set_value("regression").run()
    _check(at, "Landscape")
    assert len(figures(at)) == 3
