"""The compiled cone projections of the working-set pricing against a QP and the numpy reference."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from engine.convex.projection_kernel import projection_norms
from engine.convex.solvers.working_set import cone_projection_norm


def _cones(seed: int, count: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Random pointed cones of R^3 (3 to 8 facets, a common interior direction each) and vectors c:
    generic ones, one inside its cone and one in its polar (projection 0)."""
    rng = np.random.default_rng(seed)
    cones, C = [], []
    for k in range(count):
        g = rng.standard_normal(3)
        A = rng.standard_normal((int(rng.integers(3, 9)), 3))
        A = np.where((A @ g)[:, None] >= 0, A, -A)  # g lies inside {u : A u >= 0}
        cones.append(A)
        if k % 5 == 3:
            C.append(g * rng.uniform(0.1, 3.0))  # inside: the projection is c itself
        elif k % 5 == 4:
            C.append(-A.sum(axis=0))  # in the polar cone (c . u <= 0 on K): the projection is 0
        else:
            C.append(rng.standard_normal(3) * rng.uniform(0.1, 10.0))
    return cones, np.array(C)


@pytest.mark.parametrize("seed", range(3))
def test_projection_norms_match_a_qp_and_the_reference(seed: int) -> None:
    cones, C = _cones(seed, 25)
    starts = np.concatenate([[0], np.cumsum([a.shape[0] for a in cones])]).astype(np.int64)
    values = projection_norms(np.vstack(cones), starts, C)
    assert values.shape == (len(cones),)
    for A, c, value in zip(cones, C, values, strict=True):
        u = cp.Variable(3)
        cp.Problem(cp.Minimize(cp.sum_squares(u - c)), [A @ u >= 0]).solve()
        assert value == pytest.approx(float(np.linalg.norm(u.value)), abs=1e-6)
        assert value == pytest.approx(cone_projection_norm(A, c), rel=1e-12, abs=1e-14)
    inside = np.arange(len(cones)) % 5 == 3
    np.testing.assert_allclose(values[inside], np.linalg.norm(C[inside], axis=1), rtol=1e-14)
    assert np.all(values[np.arange(len(cones)) % 5 == 4] <= 1e-12)


def test_projection_norms_of_no_cones() -> None:
    assert projection_norms(np.zeros((0, 3)), np.zeros(1, dtype=np.int64), np.zeros((0, 3))).shape == (0,)
