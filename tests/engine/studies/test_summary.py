"""The Playground's numbers and verdict cases (engine/studies/summary.py), on hand-made results."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from engine.network import TwoLayerReLU
from engine.results import TrainHistory
from engine.studies.summary import VERDICT_CASES, compare, live_neurons, network_is_finite, rmse, summarize

X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
Y = np.array([1.0, 1.0, -1.0, -1.0])


def _net(dead: bool = False) -> TwoLayerReLU:
    W = np.array([[1.0, 0.0, 0.1], [0.0, 1.0, -0.2], [1.0, 1.0, 0.0]])
    return TwoLayerReLU(W, np.array([1.0, -1.5, 0.0 if dead else 0.5]))


def _cert(lower: float, objective: float, certified: bool, exact: bool = True):
    gap = objective - lower
    return SimpleNamespace(
        lower_bound=lower,
        gap=gap,
        relative_gap=gap / abs(objective),
        gap_kind="relative",
        certified=certified,
        exact=exact,
    )


def _convex(objective: float, certificate, mode: str = "exact", status: str = "optimal"):
    certified = bool(certificate is not None and certificate.certified)
    return SimpleNamespace(
        network=_net(dead=True),
        objective=objective,
        certificate=certificate,
        certified=certified,
        pattern_mode=mode,
        patterns=14,
        solver="cvxpy",
        status=status,
        outcome="certified" if certified else ("solved" if status == "optimal" else "uncertified"),
        fallback="",
        time_s=0.5,
    )


def _sgd(objective: float, diverged: bool = False):
    return SimpleNamespace(
        network=_net(),
        objective=objective,
        diverged=diverged,
        optimizer="adam",
        history=TrainHistory(step=[0, 10, 20]),
        time_s=1.5,
    )


def test_live_neurons_and_finite_weights() -> None:
    assert list(live_neurons(_net())) == [0, 1, 2]
    assert list(live_neurons(_net(dead=True))) == [0, 1]
    assert network_is_finite(_net()) and not network_is_finite(
        TwoLayerReLU(np.full((1, 3), np.inf), np.ones(1))
    )
    assert rmse(_net(), X, Y) == pytest.approx(np.sqrt(np.mean((_net().predict(X) - Y) ** 2)))
    assert np.isnan(rmse(_net(), X[:0], Y[:0]))


def test_summarize_both_columns() -> None:
    numbers = summarize(
        _convex(1.0, _cert(0.9999999, 1.0, True)),
        _sgd(1.2),
        X=X,
        y=Y,
        X_test=X,
        y_test=Y,
        sgd_certificate=None,
    )
    cvx, sgd = numbers.convex, numbers.sgd
    assert cvx.neurons == (2, 3) and sgd.neurons == (3, 3)
    assert cvx.certified is True and cvx.lower_bound == 0.9999999 and cvx.gap == pytest.approx(1e-7)
    assert cvx.method == "exact patterns (14), cvxpy, optimal" and sgd.method == "adam, 20 steps"
    assert 0.0 <= cvx.train <= 1.0 and cvx.test == cvx.train  # the same points as test set
    assert sgd.certified is None and sgd.lower_bound is None and sgd.time_s == 1.5


def test_summarize_regression_missing_results_and_inexact_bounds() -> None:
    empty = summarize(None, None, X=X, y=Y)
    assert all(v is None for v in vars(empty.convex).values())
    assert all(v is None for v in vars(empty.sgd).values())
    reg = summarize(None, _sgd(0.3), X=X, y=Y, X_test=X[:0], y_test=Y[:0], task="regression")
    assert reg.sgd.train == pytest.approx(rmse(_net(), X, Y)) and reg.sgd.test is None
    inexact = summarize(_convex(1.0, _cert(0.5, 1.0, False, exact=False)), None, X=X, y=Y)
    assert (
        inexact.convex.lower_bound is None
        and inexact.convex.gap is None
        and inexact.convex.certified is False
    )


@pytest.mark.parametrize(
    ("convex", "sgd", "certificate", "case"),
    [
        (_convex(1.0, _cert(1.0, 1.0, True)), _sgd(1.0 - 1e-9), None, "sgd_at_optimum"),
        (_convex(1.0, _cert(1.0, 1.0, True)), _sgd(1.5), _cert(1.5, 1.5, True), "sgd_at_optimum"),
        (_convex(1.0, _cert(1.0, 1.0, True)), _sgd(1.5), None, "sgd_above_optimum"),
        (_convex(1.0, _cert(1.0, 1.0, True)), _sgd(np.inf), None, "optimum_without_sgd"),
        (_convex(1.0, _cert(1.0, 1.0, True)), _sgd(0.5, diverged=True), None, "optimum_without_sgd"),
        (None, _sgd(1.0), _cert(1.0, 1.0, True), "sgd_certified_alone"),
        (None, _sgd(1.0), _cert(0.5, 1.0, False), "sgd_bounded_alone"),
        (None, _sgd(1.0), _cert(0.5, 1.0, False, exact=False), "no_comparison"),
        (_convex(1.0, _cert(0.5, 1.0, False), "sampled"), _sgd(0.9), None, "not_certified"),
        (_convex(1.0, None, "sampled"), None, None, "not_certified"),
        # defect 3: an answer the solver did not finish is not a J* (not even an upper bound's optimum)
        (
            _convex(1.0, _cert(0.5, 1.0, False), "sampled", "optimal_inaccurate"),
            _sgd(0.9),
            None,
            "convex_uncertified",
        ),
        (_convex(1.0, _cert(0.5, 1.0, False), "exact", "uncertified"), None, None, "convex_uncertified"),
        # defect 1: J* ~ 1e-2, SGD 5e-8 above it is 5e-6 relative: above the optimum, not at it
        (_convex(1e-2, _cert(1e-2, 1e-2, True)), _sgd(1e-2 + 5e-8), None, "sgd_above_optimum"),
        (_convex(1e-2, _cert(1e-2, 1e-2, True)), _sgd(1e-2 + 5e-9), None, "sgd_at_optimum"),
    ],
)
def test_compare_cases(convex, sgd, certificate, case) -> None:
    v = compare(convex, sgd, certificate)
    assert v.case == case and case in VERDICT_CASES


def test_compare_numbers() -> None:
    v = compare(_convex(1.0, _cert(0.5, 1.0, False), "sampled"), _sgd(0.9), None)
    assert v.optimum == 1.0 and v.sgd_objective == 0.9 and v.difference == pytest.approx(-0.1)
    assert v.lower_bound == 0.5 and v.pattern_mode == "sampled"
    alone = compare(None, _sgd(1.0), _cert(0.5, 1.0, False))
    assert alone.lower_bound == 0.5 and alone.gap == 0.5 and alone.optimum is None


def test_uncertified_convex_verdict_names_status_and_gap() -> None:
    from engine.figures.playground import VERDICT_LEVELS, verdict_text

    v = compare(_convex(1.0, _cert(0.8, 1.0, False), "sampled", "optimal_inaccurate"), _sgd(0.9), None)
    assert v.status == "optimal_inaccurate" and v.gap_kind == "relative"
    assert v.relative_gap == pytest.approx(0.2)
    text = verdict_text(v)
    assert VERDICT_LEVELS[v.case] == "warning"
    assert "Not a certified optimum" in text and "optimal_inaccurate" in text and "2.0e-01" in text
