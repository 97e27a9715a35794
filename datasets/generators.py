"""Toy 2-D data generators, each ``make_<name>(n, noise, seed, **params) -> (X, y)``.

Every generator is deterministic from its arguments (``numpy.random.default_rng(seed)``, no global
state), returns ``X`` (``n x 2``, data units, base shapes inside roughly ``[-3, 3]^2`` and clipped to
``[-FEATURE_BOUND, FEATURE_BOUND]^2 = [-6, 6]^2`` after noise) and ``y`` (``-1.0``/``+1.0`` for the
classification generators, real for :func:`make_regression`). Points come in random order.

``noise`` means, unless a docstring says otherwise: the standard deviation of isotropic Gaussian noise
added to the features, in data units, *after* the label was fixed (so noisy points can cross the class
boundary). For :func:`make_regression` it is the standard deviation of Gaussian noise on the targets.
Every classification generator returns both classes for every ``n >= 4``.
"""

from __future__ import annotations

import numpy as np

from datasets.base import (
    FEATURE_BOUND,
    STREAM_TEACHER,
    DataError,
    check_float,
    check_int,
    check_n,
    check_noise,
    check_seed,
    rng_for,
)

BOX: float = 3.0
"""Half-width of the square ``[-BOX, BOX]^2`` that holds the noise-free shapes (data units)."""

MAX_WIDTH: int = 100
"""Largest teacher width accepted by :func:`make_teacher` and :func:`make_regression`."""


def _start(n: object, noise: object, seed: object) -> tuple[int, float, np.random.Generator]:
    """Validate the common arguments and return ``(n, noise, rng)``."""
    n = check_n(n)
    noise = check_noise(noise)
    seed = check_seed(seed)
    return n, noise, np.random.default_rng(seed)


def _balanced_labels(n: int) -> np.ndarray:
    """``ceil(n/2)`` labels ``+1`` followed by ``floor(n/2)`` labels ``-1``."""
    y = -np.ones(n)
    y[: (n + 1) // 2] = 1.0
    return y


def _finish(
    X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator, *, input_noise: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Add Gaussian input noise of std ``noise``, clip to the feature box and shuffle the points."""
    if input_noise:
        X = X + noise * rng.standard_normal(X.shape)
    X = np.clip(X, -FEATURE_BOUND, FEATURE_BOUND)
    order = rng.permutation(X.shape[0])
    return np.ascontiguousarray(X[order], dtype=float), np.ascontiguousarray(y[order], dtype=float)


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's moons, scaled by 2 and centred).

    Upper moon (label +1): ``2 (cos t, sin t) - (1, 0.5)``; lower moon (label -1):
    ``2 (1 - cos t, 0.5 - sin t) - (1, 0.5)``, with ``t`` uniform in ``[0, pi]``; the shapes fill
    ``[-3, 3] x [-1.5, 1.5]``. ``noise``: std of Gaussian input noise in data units (moon radius 2).
    """
    n, noise, rng = _start(n, noise, seed)
    y = _balanced_labels(n)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where((y > 0)[:, None], upper, lower)
    X = 2.0 * (X - np.array([0.5, 0.25]))
    return _finish(X, y, noise, rng)


def make_circles(
    n: int, noise: float = 0.1, seed: int = 0, factor: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: inner circle (radius ``2.5 * factor``) label +1, outer (radius 2.5) label -1.

    Angles are uniform in ``[0, 2 pi)``. ``factor`` in ``(0, 1)`` is the ratio of the radii.
    ``noise``: std of Gaussian input noise in data units.
    """
    n, noise, rng = _start(n, noise, seed)
    factor = check_float(factor, "The circles parameter factor", 0.0, 1.0, lo_open=True, hi_open=True)
    y = _balanced_labels(n)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    radius = np.where(y > 0, 2.5 * factor, 2.5)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _finish(X, y, noise, rng)


def make_spirals(
    n: int, noise: float = 0.1, seed: int = 0, turns: float = 1.5
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved Archimedean spirals, the second one the first rotated by pi.

    Point at parameter ``t`` uniform in ``[0, 1]``: radius ``0.25 + 2.5 t``, angle ``2 pi turns t``
    (+ pi for label -1); radii stay below 2.75. ``turns`` in ``(0, 5]`` is the number of windings.
    ``noise``: std of Gaussian input noise in data units.
    """
    n, noise, rng = _start(n, noise, seed)
    turns = check_float(turns, "The spirals parameter turns", 0.0, 5.0, lo_open=True)
    y = _balanced_labels(n)
    t = rng.uniform(0.0, 1.0, n)
    radius = 0.25 + 2.5 * t
    angle = 2.0 * np.pi * turns * t + np.where(y > 0, 0.0, np.pi)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _finish(X, y, noise, rng)


def make_xor(
    n: int,
    noise: float = 0.1,
    seed: int = 0,
    a: float = 1.5,
    std: float = 0.5,
    flip: float = 0.0,
    return_flipped: bool = False,
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four Gaussian clusters at ``(+-a, +-a)`` with cluster std ``std``, labelled ``sign(c1 * c2)`` of the
    cluster centre ``c`` (so overlapping clusters give genuine label noise).

    The clusters get ``n // 4`` or ``n // 4 + 1`` points each, so both classes occur for ``n >= 4``.
    ``noise``: std of extra Gaussian input noise in data units (total spread ``sqrt(std^2 + noise^2)``).
    ``flip`` in ``[0, 0.5]``: exactly ``round(flip * n)`` labels are flipped (one point of each class is
    never flipped, so both classes stay); with ``return_flipped=True`` the boolean mask of flipped points
    is returned as a third value.
    """
    n, noise, rng = _start(n, noise, seed)
    a = check_float(a, "The xor parameter a", 0.0, BOX, lo_open=True)
    std = check_float(std, "The xor parameter std", 0.0, BOX)
    flip = check_float(flip, "The flip fraction", 0.0, 0.5)
    cluster = rng.permutation(np.arange(n) % 4)
    signs = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    centres = a * signs[cluster]
    y = signs[cluster, 0] * signs[cluster, 1]
    X = centres + std * rng.standard_normal((n, 2))
    X, y = _finish(X, y, noise, rng)
    mask = flip_mask(y, round(flip * n), rng)
    y = np.where(mask, -y, y)
    if return_flipped:
        return X, y, mask
    return X, y


def flip_mask(y: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask of exactly ``k`` labels to flip, chosen uniformly at random, except that one
    randomly chosen point of each class is kept, so both classes survive the flip (needs ``k <= n - 2``).
    """
    n = y.shape[0]
    mask = np.zeros(n, dtype=bool)
    if k <= 0:
        return mask
    keep: list[int] = []
    for label in (1.0, -1.0):
        members = np.flatnonzero(y == label)
        if members.size:
            keep.append(int(rng.choice(members)))
    candidates = np.setdiff1d(np.arange(n), keep)
    if k > candidates.size:
        raise DataError(f"Cannot flip {k} of {n} labels and keep both classes.")
    mask[rng.choice(candidates, size=k, replace=False)] = True
    return mask


def make_gaussians(
    n: int, noise: float = 0.1, seed: int = 0, separation: float = 3.0, std: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Two isotropic Gaussian blobs with std ``std``, centres ``+-(separation / 2) (1, 1) / sqrt 2``
    (label +1 for the upper right blob), i.e. ``separation`` is the distance between the centres.

    ``noise``: std of extra Gaussian input noise in data units (total spread ``sqrt(std^2 + noise^2)``).
    """
    n, noise, rng = _start(n, noise, seed)
    separation = check_float(separation, "The gaussians parameter separation", 0.0, 2.0 * BOX)
    std = check_float(std, "The gaussians parameter std", 0.0, BOX)
    y = _balanced_labels(n)
    centre = (separation / 2.0) * np.array([1.0, 1.0]) / np.sqrt(2.0)
    X = y[:, None] * centre + std * rng.standard_normal((n, 2))
    return _finish(X, y, noise, rng)


def make_checkerboard(
    n: int, noise: float = 0.1, seed: int = 0, cells: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """A ``cells x cells`` checkerboard on ``[-3, 3]^2`` (default 4: 2 x 2 cells per quadrant).

    Cell ``(i, j) = floor((x + 3) / (6 / cells))``; label +1 when ``i + j`` is even, else -1. Labels are
    balanced (``ceil(n/2)`` of +1); each point is uniform in a random cell of its colour.
    ``cells`` is a whole number in ``[2, 12]``. ``noise``: std of Gaussian input noise in data units.
    """
    n, noise, rng = _start(n, noise, seed)
    cells = check_int(cells, "The checkerboard parameter cells", 2, 12)
    width = 2.0 * BOX / cells
    i, j = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
    i, j = i.ravel(), j.ravel()
    even = (i + j) % 2 == 0
    y = _balanced_labels(n)
    chosen = np.empty(n, dtype=int)
    for label, members in ((1.0, np.flatnonzero(even)), (-1.0, np.flatnonzero(~even))):
        idx = np.flatnonzero(y == label)
        chosen[idx] = rng.choice(members, size=idx.size)
    corner = np.column_stack([i[chosen], j[chosen]]) * width - BOX
    X = corner + width * rng.uniform(0.0, 1.0, (n, 2))
    return _finish(X, y, noise, rng)


def teacher_weights(seed: int = 0, width: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The random teacher ``f(x) = sum_j alpha_j relu(w_j . (x, 1))`` used by :func:`make_teacher`.

    Returns ``(W, alpha)``, ``W`` of shape ``width x 3`` (bias last), ``alpha`` of length ``width``, all
    standard normal; depends only on ``(seed, width)``. The teacher is redrawn (deterministically) until
    between 25% and 75% of the square ``[-3, 3]^2`` has ``f >= 0``, so both classes have room.
    """
    W, alpha, _ = _draw_teacher(seed, width)
    return W, alpha


def _draw_teacher(seed: object, width: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W, alpha, f at 2000 reference points uniform on the square)`` from the seed's teacher stream."""
    seed = check_seed(seed)
    width = check_int(width, "The teacher width", 1, MAX_WIDTH)
    rng = rng_for(seed, STREAM_TEACHER)
    reference = rng.uniform(-BOX, BOX, (2000, 2))
    best: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None
    for _ in range(200):
        W = rng.standard_normal((width, 3))
        alpha = rng.standard_normal(width)
        values = _teacher_output(W, alpha, reference)
        share = float(np.mean(values >= 0.0))
        balance = min(share, 1.0 - share)
        if balance >= 0.25:
            return W, alpha, values
        if best is None or balance > best[0]:
            best = (balance, W, alpha, values)
    if best is None or best[0] == 0.0:  # pragma: no cover - needs 200 one-class teachers in a row
        raise DataError(f"Could not draw a teacher of width {width} with both classes; try another seed.")
    return best[1], best[2], best[3]


def _teacher_output(W: np.ndarray, alpha: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``f(x) = sum_j alpha_j relu(w_j . (x, 1))`` for every row of ``X``."""
    Z = np.column_stack([X, np.ones(X.shape[0])])
    return np.maximum(Z @ W.T, 0.0) @ alpha


def make_teacher(n: int, noise: float = 0.1, seed: int = 0, width: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Labels of a random two-layer ReLU teacher of width ``width`` (see :func:`teacher_weights`):
    ``y = +1`` where ``f(x) >= 0`` (the same tie rule as the engine's ``classify``), else ``-1``.

    Points are uniform on ``[-3, 3]^2``, drawn by rejection so that the class counts follow the
    teacher's share of the square but each class has at least one point. ``noise``: std of Gaussian
    input noise in data units, added after labelling (labels are **not** flipped at random).
    """
    n, noise, rng = _start(n, noise, seed)
    W, alpha, reference_values = _draw_teacher(seed, width)
    share = float(np.mean(reference_values >= 0.0))
    n_pos = int(np.clip(round(share * n), 1, n - 1))
    quota = {1.0: n_pos, -1.0: n - n_pos}
    parts: dict[float, list[np.ndarray]] = {1.0: [], -1.0: []}
    while any(quota.values()):
        batch = rng.uniform(-BOX, BOX, (max(4 * n, 256), 2))
        labels = np.where(_teacher_output(W, alpha, batch) >= 0.0, 1.0, -1.0)
        for label in (1.0, -1.0):
            take = batch[labels == label][: quota[label]]
            parts[label].append(take)
            quota[label] -= take.shape[0]
    X = np.vstack(parts[1.0] + parts[-1.0])
    y = np.concatenate([np.ones(n_pos), -np.ones(n - n_pos)])
    return _finish(X, y, noise, rng)


REGRESSION_TARGETS: tuple[str, ...] = ("sine", "teacher")


def make_regression(
    n: int, noise: float = 0.1, seed: int = 0, target: str = "sine", width: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """Real targets on points uniform in ``[-3, 3]^2``.

    ``target="sine"``: ``y = sin(x1) + 0.5 x2``; ``target="teacher"``: the output of the random ReLU
    teacher of :func:`teacher_weights` (``width`` neurons), shifted and scaled to mean 0 and std 1 over
    the square. ``noise``: std of Gaussian noise added to the **targets** (features are noise-free).
    """
    n, noise, rng = _start(n, noise, seed)
    if target not in REGRESSION_TARGETS:
        raise DataError(
            f"The regression target must be one of {', '.join(REGRESSION_TARGETS)}, not {target!r}."
        )
    width = check_int(width, "The teacher width", 1, MAX_WIDTH)
    X = rng.uniform(-BOX, BOX, (n, 2))
    if target == "sine":
        y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    else:
        W, alpha, ref = _draw_teacher(seed, width)
        scale = float(ref.std()) or 1.0
        y = (_teacher_output(W, alpha, X) - float(ref.mean())) / scale
    y = y + noise * rng.standard_normal(n)
    return _finish(X, y, noise, rng, input_noise=False)
