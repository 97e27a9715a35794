"""engine.studies.cost: the work-budget model. Its estimate stays within a factor of 3 of the measured
CPU time of the same engine calls the pages make (a few quick settings; the full grid is
``python -m benchmarks budget``), and it grows with every knob that adds work."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.budget import FACTOR, QUICK, measure, warm_up
from engine.studies.cost import SECTIONS, doubling_sizes, estimate, sgd_seconds
from engine.studies.reprogramming import RATIOS


@pytest.fixture(scope="module")
def warmed() -> None:
    warm_up()  # numba kernels and solver imports are paid once per process, not per request


@pytest.mark.parametrize(("section", "knobs"), QUICK, ids=[s for s, _ in QUICK])
def test_estimate_within_a_factor_of_3_of_measured_cpu_time(warmed, section, knobs) -> None:
    est = estimate(section, knobs).seconds
    took = min(measure(section, knobs) for _ in range(2))
    assert est / FACTOR <= took <= est * FACTOR, f"{section}: estimated {est:.3f} s, measured {took:.3f} s"


@given(
    n=st.integers(10, 400),
    width=st.integers(1, 200),
    epochs=st.integers(10, 3000),
    batch=st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128, 256]),
    opt=st.sampled_from(["gd", "sgd", "adam"]),
)
def test_more_work_never_costs_less(n, width, epochs, batch, opt) -> None:
    base = sgd_seconds(n, width, epochs, batch, opt)
    assert base > 0
    assert sgd_seconds(n, width, epochs + 10, batch, opt) > base
    assert sgd_seconds(n, width + 1, epochs, batch, opt) > base
    if opt != "gd":
        assert sgd_seconds(n, width, epochs, max(1, batch // 2), opt) >= base  # smaller batches: more steps
    knobs = dict(n=n, width=width, epochs=epochs, batch=batch, opt=opt, patterns="exact", runs=10)
    more = estimate("spurious", {**knobs, "runs": 20}).seconds
    assert more > estimate("spurious", knobs).seconds


def test_drivers_name_what_lowers_the_cost_most() -> None:
    knobs = dict(n=100, width=50, epochs=3000, batch=1, opt="adam", patterns="exact", runs=200)
    est = estimate("spurious", knobs, {"runs": 10, "epochs": 10, "width": 1})
    assert est.seconds > 20  # 200 runs x 300,000 Adam steps (the compiled loop: ~0.15 s a run)
    names = [name for name, _ in est.drivers]
    assert names[0] in ("runs", "epochs") and set(names) == {"runs", "epochs", "width"}
    saved = [s for _, s in est.drivers]
    assert saved == sorted(saved, reverse=True) and all(s > 0 for s in saved)


# The Theory page's sections at their smallest settings, and one knob's next larger value.
THEORY_LOW = {
    "reprogram": dict(d=10, kind="additive", seeds=1, steps=100, ratio=0.25, ratios=RATIOS),
    "kernels": dict(n_max=32, features=50),
    "minnorm": dict(n_max=40),
    "online": dict(steps=1000, width=5),
    "spectrum": dict(k=3, n=200, starts=4),
}
THEORY_MORE: list[tuple[str, str, object]] = [
    ("reprogram", "d", 20),
    ("reprogram", "seeds", 2),
    ("reprogram", "steps", 200),
    ("reprogram", "ratio", 4.0),
    ("reprogram", "kind", "affine"),
    ("kernels", "n_max", 64),
    ("kernels", "features", 800),
    ("minnorm", "n_max", 80),
    ("online", "steps", 2000),
    ("online", "width", 50),
    ("spectrum", "k", 8),
    ("spectrum", "n", 2000),
    ("spectrum", "starts", 40),
]


@pytest.mark.parametrize(
    ("section", "knob", "value"), THEORY_MORE, ids=[f"{s}-{k}" for s, k, *_ in THEORY_MORE]
)
def test_theory_sections_cost_more_with_every_knob(section, knob, value) -> None:
    low = THEORY_LOW[section]
    assert estimate(section, {**low, knob: value}).seconds > estimate(section, low).seconds


def test_doubling_sizes_are_the_pages_training_sizes() -> None:
    assert doubling_sizes(16, 256) == (16, 32, 64, 128, 256)
    assert doubling_sizes(20, 80) == (20, 40, 80) and doubling_sizes(20, 79) == (20, 40)


def test_every_section_is_estimated_and_unknown_ones_are_refused() -> None:
    assert set(SECTIONS) >= {"playground", "spurious", "xor", "adversarial", "lowrank"}
    assert set(SECTIONS) >= {"reprogram", "kernels", "minnorm", "online", "spectrum"}
    with pytest.raises(ValueError, match="unknown section"):
        estimate("nope", {})
