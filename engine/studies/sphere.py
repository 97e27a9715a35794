"""The sphere of neuron directions w in R^3 (2-D data): which directions a sampled pattern set covers.

A direction w has the activation pattern ``1[Z w >= 0]`` (Z the lifted data, docs/design.md §3); the
exact patterns are the cells of the arrangement of the great circles ``z_k . w = 0``. A sampled set
covers a direction when it holds that direction's pattern, i.e. when some draw landed in its cell.
engine/figures/patterns.py draws the result as two discs (orthographic view of each hemisphere).
"""

from __future__ import annotations

import numpy as np

from engine.network import lift
from engine.patterns import PatternSet

__all__ = ["hemisphere_coverage"]

_PIXEL_CHUNK = 512  # pixels whose patterns are found at once


def hemisphere_coverage(
    X: np.ndarray, sampled: PatternSet, grid: int, *, upper: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Which directions of one hemisphere have their pattern in ``sampled``, on an orthographic raster.

    The raster has ``grid x grid`` pixels over [-1, 1]^2; the pixel (a, b) inside the unit disc is the
    unit direction ``w = (a, b, +-sqrt(1 - a^2 - b^2))`` (+ for the upper hemisphere, bias ``w3 >= 0``).
    Returns ``(axis, raster)``: the pixel coordinates along each axis and a matrix (rows along b) that is
    1.0 where the pixel's direction has a sampled pattern, 0.0 where not and nan outside the disc. A cell
    thinner than a pixel shows only where a pixel centre falls in it.
    """
    Z = lift(np.asarray(X, dtype=float))
    sign = 1.0 if upper else -1.0
    s = np.linspace(-1.0, 1.0, grid)
    A, B = np.meshgrid(s, s)
    inside = A**2 + B**2 < 1.0
    W = np.column_stack([A[inside], B[inside], sign * np.sqrt(1.0 - A[inside] ** 2 - B[inside] ** 2)])
    # each pixel's pattern as bits (pixels x bytes), in chunks of pixels that stay in the cache: the whole
    # pixels x n product at once took ~8x longer (~17 ms at n = 200, grid 181)
    packed = np.empty((W.shape[0], (Z.shape[0] + 7) // 8), dtype=np.uint8)
    ZT = np.ascontiguousarray(Z.T)
    for start in range(0, W.shape[0], _PIXEL_CHUNK):
        rows = slice(start, start + _PIXEL_CHUNK)
        packed[rows] = np.packbits(W[rows] @ ZT >= 0.0, axis=1)
    hit = _rows_in(packed, np.packbits(np.asarray(sampled.D, dtype=bool).T, axis=1)).astype(float)
    out = np.full(A.shape, np.nan)
    out[inside] = hit
    return s, out


def _rows_in(rows: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Whether each row of the uint8 matrix ``rows`` equals some row of ``table`` (same width): the rows
    as opaque byte strings (one void scalar each), matched by sorting (``np.isin``), not a Python loop."""
    width = rows.shape[1]
    as_bytes = np.dtype((np.void, width))
    left = np.ascontiguousarray(rows).view(as_bytes).ravel()
    right = np.ascontiguousarray(table.reshape(-1, width)).view(as_bytes).ravel()
    return np.isin(left, right)
