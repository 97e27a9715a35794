"""The compiled plane kernels (engine/figures/plane_kernel.py) against independent references: the
networks' values against ``TwoLayerReLU.predict``, the chained level lines against marching squares
done cell by cell (every cell's pieces, unchained)."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.figures.plane_kernel import level_polylines, relu_values
from engine.figures.playground import networks_values, plane_values
from engine.network import TwoLayerReLU


@given(st.integers(1, 4), st.integers(0, 9), st.integers(1, 40), st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_relu_values_equal_predict(K: int, m: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(K, m, 3))
    alpha = rng.normal(size=(K, m))
    alpha[:, ::3] = 0.0  # skipped neurons
    P = rng.normal(size=(n, 2)) * 2.0
    got = networks_values(W, alpha, P)
    assert got.shape == (K, n)
    for k in range(K):
        want = TwoLayerReLU(W[k], alpha[k]).predict(P)
        np.testing.assert_allclose(got[k], want, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            plane_values(TwoLayerReLU(W[k], alpha[k]), P), want, rtol=1e-12, atol=1e-12
        )
    raw = relu_values(W, alpha, np.ascontiguousarray(P[:, 0]), np.ascontiguousarray(P[:, 1]))
    np.testing.assert_array_equal(raw, got)


def _cell_segments(F: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> Counter:
    """Marching squares cell by cell: the pieces of every cell as unordered pairs of rounded points."""
    pos = F > 0.0

    def h(i: int, j: int) -> tuple[float, float]:  # on the edge (i, j)-(i, j+1)
        t = min(max(F[i, j] / (F[i, j] - F[i, j + 1]), 0.0), 1.0)
        return xs[j] + t * (xs[j + 1] - xs[j]), ys[i]

    def v(i: int, j: int) -> tuple[float, float]:  # on the edge (i, j)-(i+1, j)
        t = min(max(F[i, j] / (F[i, j] - F[i + 1, j]), 0.0), 1.0)
        return xs[j], ys[i] + t * (ys[i + 1] - ys[i])

    out: Counter = Counter()
    for i in range(F.shape[0] - 1):
        for j in range(F.shape[1] - 1):
            edges = [
                (pos[i, j] != pos[i, j + 1], lambda i=i, j=j: h(i, j)),  # bottom
                (pos[i, j + 1] != pos[i + 1, j + 1], lambda i=i, j=j: v(i, j + 1)),  # right
                (pos[i + 1, j] != pos[i + 1, j + 1], lambda i=i, j=j: h(i + 1, j)),  # top
                (pos[i, j] != pos[i + 1, j], lambda i=i, j=j: v(i, j)),  # left
            ]
            hit = [point() for crossed, point in edges if crossed]
            if len(hit) == 2:
                pairs = [(hit[0], hit[1])]
            elif len(hit) == 4:
                centre = F[i, j] + F[i, j + 1] + F[i + 1, j] + F[i + 1, j + 1] > 0.0
                pairs = [(0, 1), (2, 3)] if pos[i, j] == centre else [(3, 0), (1, 2)]
                pairs = [(hit[a], hit[b]) for a, b in pairs]
            else:
                continue
            for p, q in pairs:
                out[frozenset((_key(p), _key(q)))] += 1
    return out


def _key(p) -> tuple[float, float]:
    return round(float(p[0]), 9), round(float(p[1]), 9)


def _line_segments(x: np.ndarray, y: np.ndarray) -> Counter:
    out: Counter = Counter()
    for k in range(len(x) - 1):
        if np.isfinite(x[k]) and np.isfinite(x[k + 1]):
            out[frozenset((_key((x[k], y[k])), _key((x[k + 1], y[k + 1]))))] += 1
    return out


@given(
    st.integers(2, 25),
    st.integers(2, 25),
    st.sampled_from(["noise", "smooth", "saddles"]),
    st.integers(0, 999),
)
@settings(max_examples=60, deadline=None)
def test_level_polylines_chain_every_cell_piece_once(ny: int, nx: int, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    xs, ys = np.sort(rng.uniform(-2, 2, nx)) + np.arange(nx), np.linspace(-1.0, 1.5, ny)
    if kind == "noise":
        F = rng.normal(size=(ny, nx))
    elif kind == "smooth":
        F = np.cumsum(np.cumsum(rng.normal(size=(ny, nx)), axis=0), axis=1) - rng.normal() * 3
    else:  # a checkerboard: every cell a saddle
        F = np.where((np.arange(ny)[:, None] + np.arange(nx)[None, :]) % 2 == 0, 1.0, -1.0)
        F = F + 0.3 * rng.normal(size=(ny, nx))
    x, y = level_polylines(F, xs, ys)
    assert x.shape == y.shape and np.array_equal(np.isnan(x), np.isnan(y))
    assert _line_segments(x, y) == _cell_segments(F, xs, ys)
    if x.size:
        assert np.isnan(x[-1])  # a NaN after each line
        assert not (np.isnan(x[1:]) & np.isnan(x[:-1])).any()  # no empty line


def test_level_polylines_skip_non_finite_points() -> None:
    F = np.array([[1.0, -1.0, np.nan], [1.0, -1.0, 1.0], [1.0, -1.0, 1.0]])
    x, y = level_polylines(F, np.arange(3.0), np.arange(3.0))
    assert np.isfinite(x).sum() >= 3 and np.allclose(x[np.isfinite(x) & (y < 1.0)], 0.5)
