"""solve_convex routes to ADMM and SCP: same program, honest objectives, clear refusals."""

from __future__ import annotations

import numpy as np
import pytest

from engine.convex.program import solve_convex


def problem(n: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, 2))
    return X, np.where(X[:, 0] * X[:, 1] >= 0.0, 1.0, -1.0)


def test_admm_route_matches_the_reference_on_the_same_sampled_program() -> None:
    X, y = problem()
    ref = solve_convex(X, y, loss="squared", beta=1e-2, patterns=60, pattern_seed=3)
    admm = solve_convex(X, y, loss="squared", beta=1e-2, patterns=60, pattern_seed=3, solver="admm")
    assert admm.solver == "admm" and admm.patterns == ref.patterns
    assert admm.objective == pytest.approx(ref.objective, rel=1e-4)
    assert admm.objective == pytest.approx(admm.network.objective(X, y, "squared", 1e-2), rel=1e-12)


@pytest.mark.parametrize("loss", ["squared", "hinge", "logistic"])
def test_scp_route_is_a_real_relu_network_above_the_global_optimum(loss: str) -> None:
    X, y = problem(14, 1)
    exact = solve_convex(X, y, loss=loss, beta=1e-2, patterns="exact")
    assert exact.certified
    scp = solve_convex(X, y, loss=loss, beta=1e-2, patterns=80, pattern_seed=0, solver="scp")
    assert scp.pattern_mode == "sampled"
    # its objective is J of the network it returns, and equals C of its (feasible) convex point
    assert scp.objective == pytest.approx(scp.network.objective(X, y, loss, 1e-2), rel=1e-12)
    assert scp.convex_objective == pytest.approx(scp.objective, rel=1e-9)
    assert scp.objective >= exact.objective - 1e-9
    assert scp.certificate.lower_bound <= exact.objective + 1e-9


@pytest.mark.parametrize("loss", ["hinge", "logistic"])
def test_admm_route_handles_every_loss(loss: str) -> None:
    X, y = problem()
    ref = solve_convex(X, y, loss=loss, beta=1e-2, patterns=40, pattern_seed=1, solver="cvxpy")
    admm = solve_convex(X, y, loss=loss, beta=1e-2, patterns=40, pattern_seed=1, solver="admm")
    assert admm.objective == pytest.approx(ref.objective, rel=1e-3)
    assert admm.history["objective"] and np.all(np.isfinite(admm.history["objective"]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"solver": "scp", "patterns": "exact"}, "SCP samples"),
        ({"solver": "bogus", "patterns": 20}, "unknown solver"),
    ],
)
def test_unsupported_combinations_are_refused_clearly(kwargs: dict, message: str) -> None:
    X, y = problem()
    with pytest.raises(ValueError, match=message):
        solve_convex(X, y, beta=1e-2, **kwargs)
