"""Presets show what they say: each preset's settings (as the sidebar builds them after the click) are run
through the engine as the page runs them, and the outcome the preset's sentence promises is checked.
Then the app side: clicking a preset opens its page with that outcome, a section preset that changes
shared sidebar settings says so, the classroom flags survive a page switch.
"""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from datasets import make_dataset
from engine.convex.program import solve_convex
from engine.gradient.sgd import continue_training, init_network, train_sgd
from engine.robust.evaluation import point_status
from engine.robust.program import solve_robust
from explorer.cache import ROBUST_DRAWS, ROBUST_EXACT_MAX_N
from explorer.presets import PRESETS, SECTION_PRESETS, SHARED_KEYS, preset_settings, shared_changes
from explorer.settings import CONTROLS, N_TEST, Settings

TIMEOUT = 120


def _preset(title: str):
    return next(p for p in PRESETS if p.title == title)


def _data(s: Settings):
    k = s.data
    return make_dataset(k.name, k.n, noise=k.noise, seed=k.seed, n_test=N_TEST)


def _optimum(s: Settings, ds):
    return solve_convex(
        ds.X, ds.y, loss=s.loss, beta=s.beta, patterns=s.patterns, pattern_seed=s.pattern_seed, solver="auto"
    )


def _gradient_norm(net, ds, s: Settings) -> float:
    gW, ga = net.gradients(ds.X, ds.y, s.loss, s.beta)
    return float(np.sqrt(np.sum(gW**2) + np.sum(ga**2)))


def test_spurious_minimum_preset_stalls_far_above_the_certified_optimum() -> None:
    """The run converges (J moves < 1 % over the second half, and < 1 % more when training goes on for as
    long again), its J is at least 50 % above the certified J*, its gradient is below 1/200 of the first
    one, and the width exceeds the optimum's neuron count (so the width is not what holds it back)."""
    s = preset_settings(_preset("Spurious minimum").values)
    ds = _data(s)
    opt = _optimum(s, ds)
    assert opt.certified
    run = train_sgd(ds.X, ds.y, loss=s.loss, beta=s.beta, **s.sgd.train_kwargs())
    assert not run.diverged, run.message
    J = np.asarray(run.history.objective)
    assert abs(J[len(J) // 2] - J[-1]) <= 0.01 * J[-1]
    assert run.objective >= 1.5 * opt.objective
    start = init_network(2, s.sgd.width, s.sgd.init_scale, s.sgd.seed)
    assert _gradient_norm(run.network, ds, s) <= _gradient_norm(start, ds, s) / 200
    assert s.sgd.width > opt.network.active_neurons()
    more = continue_training(run, ds.X, ds.y, loss=s.loss, beta=s.beta, **s.sgd.train_kwargs())
    assert more.objective >= 0.99 * run.objective >= 1.5 * opt.objective


def test_wide_adam_preset_ends_close_and_narrow_stays_far() -> None:
    """Width 200: within 5 % of the certified J* (the sentence says "about 5 %"); width 4 with the same
    settings: more than 50 % above it."""
    s = preset_settings(_preset("Wide Adam comes close").values)
    ds = _data(s)
    opt = _optimum(s, ds)
    assert opt.certified
    wide = train_sgd(ds.X, ds.y, loss=s.loss, beta=s.beta, **s.sgd.train_kwargs())
    assert not wide.diverged and opt.objective <= wide.objective <= 1.05 * opt.objective
    narrow = train_sgd(ds.X, ds.y, loss=s.loss, beta=s.beta, **(s.sgd.train_kwargs() | {"width": 4}))
    assert narrow.objective >= 1.5 * opt.objective


def test_weight_decay_preset_leaves_few_neurons() -> None:
    """At beta = 0.1 the certified optimum uses at most 5 neurons, fewer than half of those at the default
    beta = 1e-3 on the same data."""
    s = preset_settings(_preset("Weight decay prunes neurons").values)
    ds = _data(s)
    opt = _optimum(s, ds)
    assert opt.certified and opt.network.active_neurons() <= 5
    small_beta = solve_convex(ds.X, ds.y, loss=s.loss, beta=1e-3, patterns=s.patterns, solver="auto")
    assert 2 * opt.network.active_neurons() < small_beta.network.active_neurons()


def test_sampling_preset_stays_above_the_certified_optimum() -> None:
    """Twenty Gaussian draws: the sampled program's optimum is at least 10 % above the certified one."""
    preset = _preset("Sampling misses small cells")
    s = preset_settings(preset.values)
    ds = _data(s)
    exact = _optimum(s, ds)
    sampled = solve_convex(
        ds.X, ds.y, loss=s.loss, beta=s.beta, patterns=preset.values["draws"], pattern_seed=0, solver="auto"
    )
    assert exact.certified and sampled.objective >= 1.1 * exact.objective


def test_robust_preset_certifies_more_points_than_the_standard_optimum() -> None:
    """At eps = 0.35 (box) the robust convex network is certified on more training points than the
    standard optimum (exact 2-D certificate)."""
    preset = _preset("Robust vs standard")
    s = preset_settings(preset.values)
    ds = _data(s)
    eps, norm = preset.values["train_eps"], preset.values["norm"]
    standard = _optimum(s, ds)
    patterns = "exact" if s.data.n <= ROBUST_EXACT_MAX_N else ROBUST_DRAWS
    robust = solve_robust(
        ds.X, ds.y, loss=s.loss, beta=s.beta, eps=eps, norm=norm, patterns=patterns, solver="reduced"
    )
    certified = {
        name: int(np.sum(point_status(net, ds.X, ds.y, eps, norm).status == "certified"))
        for name, net in (("standard", standard.network), ("robust", robust.network))
    }
    assert certified["robust"] > certified["standard"], certified


def test_every_preset_outcome_is_tested() -> None:
    """A new preset needs its own outcome test above."""
    tested = {
        "Spurious minimum",
        "Wide Adam comes close",
        "Weight decay prunes neurons",
        "Sampling misses small cells",
        "Robust vs standard",
    }
    assert {p.title for p in PRESETS} == tested


def test_preset_settings_match_the_sidebar(app_path: str) -> None:
    """The settings a preset test runs are the ones the sidebar hands the page after the click."""
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params.update({"n": "10", "epochs": "10"})
    at.run()
    next(b for b in at.button if b.label == "Spurious minimum").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    expected = preset_settings(_preset("Spurious minimum").values)
    for key, value in _preset("Spurious minimum").values.items():
        assert at.session_state[key] == value, key
    table = at.table[0].value
    assert table.loc["method", "SGD (momentum)"] == f"momentum, {expected.sgd.epochs} steps"
    verdict = " ".join(str(e.value) for e in at.success)
    assert "above the global optimum" in verdict
    assert not [w for w in at.warning if "diverged" in str(w.value)]


def test_shared_keys_are_the_sidebar_controls(app_path: str) -> None:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params.update({"n": "10", "epochs": "10", "patterns": "sampled"})
    at.run()
    drawn = {
        w.key
        for kind in ("selectbox", "slider", "select_slider", "radio", "number_input", "toggle")
        for w in getattr(at.sidebar, kind)
        if w.key in CONTROLS
    }
    assert drawn == set(SHARED_KEYS)


@pytest.mark.parametrize(("page", "section"), [(p, s) for p, d in SECTION_PRESETS.items() for s in d])
def test_section_presets_that_change_shared_settings_say_so(page: str, section: str) -> None:
    preset = SECTION_PRESETS[page][section]
    changes = shared_changes(preset.values)
    if changes:
        assert "sidebar" in preset.note
        for label in changes:
            assert label in preset.note


def test_classroom_flags_survive_a_page_switch(app_path: str) -> None:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params.update({"n": "10", "epochs": "10", "classroom": "1", "hide": "noise"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/landscape.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params.get("classroom") in ("1", ["1"])
    assert at.query_params.get("hide") in ("noise", ["noise"])
    assert "noise" not in {w.key for w in at.sidebar.slider}
    assert not [c for c in at.caption if "Where gradient training" in str(c.value)]
