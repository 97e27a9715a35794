"""The table of controls (explorer.settings): every row's address check round-trips its default, every
preset lies in its controls' domains, the settings records are frozen and hashable, and the table holds
exactly the controls the pages draw (AppTest, every page and section)."""

from __future__ import annotations

import dataclasses
import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from explorer.presets import PRESETS, SECTION_PRESETS
from explorer.settings import (
    CONTROLS,
    DYNAMICS_SECTIONS,
    LANDSCAPE_SECTIONS,
    THEORY_SECTIONS,
    AdversarialSettings,
    Choices,
    DataKey,
    Numbers,
    Settings,
    SGDSettings,
    defaults,
)
from tests.paths import APP

TIMEOUT = 180
# Widgets with a key that are not settings: the run picked among the runs just computed (its options
# are those runs). Keys starting with "_" are the app's own (share box, uploads, tables), never controls.
NOT_CONTROLS = {"ls_pick"}
CONTROL_KINDS = (
    "slider",
    "select_slider",
    "number_input",
    "radio",
    "selectbox",
    "toggle",
    "multiselect",
    "checkbox",
    "text_input",
)
# Small runs everywhere, the sampled patterns on (P and pseed are drawn then).
SMALL = {
    "n": "10",
    "epochs": "20",
    "patterns": "sampled",
    "P": "10",
    "ls_runs": "10",
    "ls_width_runs": "1",
    "ls_t_runs": "5",
    "ls_t_n": "20",
    "dy_steps": "100",
    "dy_x_steps": "50",
    "dy_x_d": "50",
    "dy_m_steps": "100",
    "dy_r_steps": "500",
    "dy_r_n": "50",
    "th_rp_steps": "100",
    "th_rp_seeds": "1",
    "th_k_nmax": "32",
    "th_mn_nmax": "40",
    "th_o_steps": "1000",
    "th_s_starts": "4",
    "th_s_n": "200",
}
SECTIONS = {
    "landscape": ("ls_section", LANDSCAPE_SECTIONS),
    "dynamics": ("dy_section", DYNAMICS_SECTIONS),
    "theory": ("th_section", THEORY_SECTIONS),
}
VIEWS = [
    (page, section)
    for page in (
        "playground",
        "patterns",
        "solvers",
        "adversarial",
        "landscape",
        "dynamics",
        "theory",
        "data",
    )
    for section in (tuple(SECTIONS[page][1]) if page in SECTIONS else (None,))
]


def _sgd(**changes) -> SGDSettings:
    base = SGDSettings("adam", 50, 0.01, 500, 16, 1.0, 0)
    return dataclasses.replace(base, **changes)


def _settings(**changes) -> Settings:
    base = Settings(DataKey("moons", 30, 0.1, 0), "classification", "squared", 1e-3, "exact", 0, _sgd())
    return dataclasses.replace(base, **changes)


# --- the table ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [k for k, c in CONTROLS.items() if c.in_address])
def test_the_address_check_of_every_row_round_trips_its_default(key: str) -> None:
    control = CONTROLS[key]
    assert control.clean(control.text(control.default)) == (control.default, None)
    assert control.admits(control.default)


@pytest.mark.parametrize("key", [k for k, c in CONTROLS.items() if c.in_address])
def test_every_choice_and_grid_value_round_trips(key: str) -> None:
    """Every option of a choice, and both ends of a range, read back unchanged from the address."""
    control = CONTROLS[key]
    domain = control.domain
    if isinstance(domain, Choices):
        values = domain.options
    elif isinstance(domain, Numbers):
        values = (domain.lo, domain.hi)
    else:
        values = (True, False)
    for value in values:
        assert control.clean(control.text(value)) == (value, None), value


@given(raw=st.text(max_size=40))
def test_any_text_gives_a_value_in_the_domain(raw: str) -> None:
    for control in CONTROLS.values():
        if control.in_address:
            value, _ = control.clean(raw)
            assert control.admits(value), (control.key, raw, value)


def test_rows_are_complete() -> None:
    for key, control in CONTROLS.items():
        assert key == control.key and control.label
        assert (
            key.replace("_", "").isalnum() and len(key) <= 32 and not key.startswith("_")
        )  # hide= accepts it
    with pytest.raises(dataclasses.FrozenInstanceError):
        CONTROLS["n"].default = 40  # type: ignore[misc]
    with pytest.raises(TypeError):
        CONTROLS["n"] = CONTROLS["noise"]  # type: ignore[index]
    assert defaults()["dy_opts"] == ["gd", "sgd"] and defaults() is not defaults()


def test_out_of_domain_values_are_refused() -> None:
    assert not CONTROLS["n"].admits(12)  # off the step-5 grid
    assert not CONTROLS["n"].admits(405) and not CONTROLS["n"].admits(30.0)
    assert not CONTROLS["beta"].admits(2e-3) and CONTROLS["beta"].admits(1e-3)
    assert not CONTROLS["arrows"].admits(1) and CONTROLS["arrows"].admits(True)
    assert not CONTROLS["dy_lrs"].admits([0.05]) and CONTROLS["dy_lrs"].admits([0.01, 0.1])


# --- presets ------------------------------------------------------------------------------------------


def _all_presets() -> list[tuple[str, dict]]:
    out = [(f"sidebar:{p.title}", p.values) for p in PRESETS]
    for page, sections in SECTION_PRESETS.items():
        out += [(f"{page}:{name}", preset.values) for name, preset in sections.items()]
    return out


@pytest.mark.parametrize(("name", "values"), _all_presets(), ids=[n for n, _ in _all_presets()])
def test_every_preset_value_lies_in_its_controls_domain(name: str, values: dict) -> None:
    for key, value in values.items():
        assert key in CONTROLS, (name, key)
        assert CONTROLS[key].admits(value), (name, key, value)


def test_section_presets_cover_every_section() -> None:
    assert set(SECTION_PRESETS["landscape"]) == set(LANDSCAPE_SECTIONS)
    assert set(SECTION_PRESETS["dynamics"]) == set(DYNAMICS_SECTIONS)
    assert set(SECTION_PRESETS["theory"]) == set(THEORY_SECTIONS)


def _apply_bad_preset() -> None:
    from explorer import widgets as w

    w.apply_values({"n": 12})


def test_a_preset_value_outside_its_domain_is_refused() -> None:
    at = AppTest.from_function(_apply_bad_preset).run()
    assert at.exception and "n" in at.exception[0].value


# --- the settings records -----------------------------------------------------------------------------


def test_settings_are_frozen_and_hashable() -> None:
    s = _settings()
    assert hash(s) == hash(_settings()) and s == _settings()
    assert s != _settings(sgd=_sgd(width=51)) and hash(s.sgd) != hash(_sgd(width=51))
    for record, field in ((s, "loss"), (s.sgd, "width"), (s.data, "n")):
        with pytest.raises((dataclasses.FrozenInstanceError, AttributeError)):
            setattr(record, field, 1)
    adv = AdversarialSettings("hinge", 1e-3, "exact", 0, 0.1, "inf", s.sgd)
    assert hash(adv) == hash(dataclasses.replace(adv))
    assert {s: 1, adv: 2}[_settings()] == 1


def test_settings_record_for_exports() -> None:
    record = _settings().as_record()
    assert record["loss"] == "squared" and record["sgd"]["optimizer"] == "adam"
    assert record["data"].name == "moons" and set(record["sgd"]) == {
        f.name for f in dataclasses.fields(SGDSettings)
    }


# --- the table covers the controls drawn --------------------------------------------------------------


@functools.cache
def _drawn(page: str, section: str | None) -> frozenset[str]:
    """Keys of the input widgets drawn on ``page`` (one section of it), sidebar included."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in SMALL.items():
        at.query_params[key] = value
    if section is not None:
        at.query_params[SECTIONS[page][0]] = SECTIONS[page][1][section]
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    keys = {getattr(el, "key", None) for kind in CONTROL_KINDS for el in at.get(kind)}
    return frozenset(k for k in keys if k and not k.startswith("_"))


@pytest.mark.parametrize(("page", "section"), VIEWS, ids=[f"{p}-{s}" if s else p for p, s in VIEWS])
def test_every_control_drawn_is_in_the_table(page: str, section: str | None) -> None:
    drawn = _drawn(page, section)
    assert drawn - NOT_CONTROLS <= set(CONTROLS), sorted(drawn - NOT_CONTROLS - set(CONTROLS))
    shared = {"data", "n", "noise", "dseed", "loss", "beta", "patterns", "P", "pseed", "opt", "width"}
    assert shared <= drawn  # the shared sidebar on every page


def test_every_row_of_the_table_is_drawn_somewhere() -> None:
    drawn = set().union(*(_drawn(page, section) for page, section in VIEWS))
    assert set(CONTROLS) <= drawn, sorted(set(CONTROLS) - drawn)
