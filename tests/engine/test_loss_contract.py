"""The loss contract: entry points take a Loss or its name, resolve it once, and pass the Loss down."""

from __future__ import annotations

import numpy as np
import pytest

from engine.attacks import pgd
from engine.convex.certificate import certify
from engine.convex.colgen import column_generation
from engine.convex.program import solve_convex
from engine.convex.recovery import convex_objective
from engine.convex.solvers.reference import solve_cvxpy
from engine.convex.solvers.scp import scp_solve
from engine.gradient.hessian import flatness
from engine.gradient.sgd import train_sgd
from engine.losses import LOSS_NAMES, Loss, get_loss
from engine.studies.landscape import multistart
from engine.studies.race import certified_optimum
from tests.engine.helpers import noisy_xor

BETA = 1e-2


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    X, y = noisy_xor(3, 12)
    return X, y


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_convex_entry_points_take_a_loss_or_its_name(data, name: str) -> None:
    X, y = data
    by_name = solve_convex(X, y, loss=name, beta=BETA, patterns=20)
    by_object = solve_convex(X, y, loss=Loss(name), beta=BETA, patterns=20)
    assert by_object.objective == by_name.objective
    net = by_name.network
    a, b = certify(X, y, net, loss=Loss(name), beta=BETA), certify(X, y, net, loss=name, beta=BETA)
    assert (a.lower_bound, a.objective, a.certified) == (b.lower_bound, b.objective, b.certified)
    D = by_name.D
    assert convex_objective(X, y, D, by_name.U, by_name.V, Loss(name), BETA) == convex_objective(
        X, y, D, by_name.U, by_name.V, name, BETA
    )
    assert by_name.network.objective(X, y, Loss(name), BETA) == by_name.network.objective(X, y, name, BETA)


def test_gradient_and_study_entry_points_take_a_loss(data) -> None:
    X, y = data
    settings = dict(width=6, epochs=3, batch_size=4, seed=0)
    a = train_sgd(X, y, loss="hinge", beta=BETA, **settings)
    b = train_sgd(X, y, loss=Loss("hinge"), beta=BETA, **settings)
    assert a.objective == b.objective and b.settings["loss"] == "hinge"
    assert flatness(a.network, X, y, Loss("hinge"), BETA, probes=2) == flatness(
        a.network, X, y, "hinge", BETA, probes=2
    )
    runs = multistart(X, y, runs=2, loss=Loss("logistic"), beta=BETA, width=4, epochs=2)
    assert runs.settings["loss"] == "logistic"  # settings keep the name (plain, hashable)
    assert scp_solve(X, y, loss=Loss("hinge"), beta=BETA, patterns=10).loss == "hinge"
    assert pgd(a.network, X, y, 0.1, loss=Loss("hinge")).loss == "hinge"
    assert certified_optimum(X, y, loss=Loss("squared"), beta=BETA).certified


def test_internals_receive_the_loss_object(data) -> None:
    X, y = data
    seen: list[object] = []

    def restricted(X, y, Du, Dv, dirs_u, dirs_v, loss, beta):
        seen.append(loss)
        return solve_cvxpy(X, y, Du, loss, beta, options={"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-10}, D_v=Dv)

    column_generation(X, y, loss="squared", beta=BETA, restricted_solver=restricted, max_rounds=2)
    assert seen and all(isinstance(loss, Loss) and loss.name == "squared" for loss in seen)


def test_a_loss_is_never_equal_to_its_name_but_prints_as_it() -> None:
    loss = get_loss("hinge")
    assert get_loss(loss) is loss and str(loss) == "hinge" and f"{loss}" == "hinge"
    assert loss != "hinge" and loss.name == "hinge"
    with pytest.raises(ValueError, match="unknown loss"):
        solve_convex(np.zeros((3, 2)), np.ones(3), loss="cubic", beta=BETA, patterns=5)
