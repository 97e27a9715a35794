"""Exact 2-D robustness certificate for any two-layer ReLU network (docs/design.md §5).

``f(x) = sum_j alpha_j relu(a_j . x + b_j)`` (``w_j = (a_j, b_j)``, bias never perturbed) is linear on
every cell of the arrangement of the neuron lines ``a_j . x + b_j = 0``. Hence the minimum of the
margin ``y_k f(x)`` over a ball around ``x_k`` is attained at a vertex of the arrangement restricted
to the ball, or (l2 disc only) at the tangent point of a cell's linear piece on the circle:

* l_inf box ``||x - x_k||_inf <= eps``: the 4 corners, the crossings of every neuron line with the 4
  box edges, and the crossings of two neuron lines inside the box;
* l2 disc ``||x - x_k||_2 <= eps``: the crossings of every neuron line with the circle, the
  crossings of two neuron lines inside the disc, and for each arc of the circle between consecutive
  crossings the tangent point ``x_k - eps g / ||g||`` of that arc's cell gradient ``g = grad (y f)``.

Every candidate is projected into the ball and f is evaluated exactly there, so the candidate minimum
is never below the true minimum; since the set contains the minimiser, it equals it (up to rounding).
Candidates that do not exist for a point (lines missing the ball, parallel lines) are replaced by the
centre ``x_k``, which keeps the arrays dense and never changes the minimum. Units: eps and radii are in
the input units of x, in the chosen norm.
"""

from __future__ import annotations

import numpy as np

from engine.losses import Loss, get_loss
from engine.network import TwoLayerReLU

_BLOCK_ENTRIES = 2_000_000  # bound on (points x candidates x neurons) per evaluation block
_CACHE_ENTRIES = 1 << 17  # (crossings x neurons) per evaluation of f at the crossings: 1 MB, in cache
#: Widest network the exact certificate takes (:func:`min_margin`; ValueError above). Memory: the
#: k(k-1)/2 crossings of the neuron lines with f there and their order (about 56 bytes each) plus blocks
#: of at most ``_BLOCK_ENTRIES`` numbers: peak 28 MB at width 1000 and 112 MB at 2000 (it was 2.7 GB at
#: 600 before the blocks); work O(width^3) once for all points plus O(width^2) per point: about 2 s at
#: 1000 and 17 s at 2000 for a few points on a shared 2-core machine.
MAX_CERTIFICATE_WIDTH = 2000
_PARALLEL_TOL = 1e-12  # |a_i x a_j| <= tol |a_i| |a_j| counts as parallel
_ROUNDING = 1e-12  # relative rounding allowance of a computed margin (see margin_tolerance)


def _norm_key(norm: str | float | int) -> str:
    key = str(norm).strip().lower()
    if key in ("inf", "linf", "l_inf"):
        return "inf"
    if key in ("2", "2.0", "l2"):
        return "2"
    raise ValueError(f"norm must be 'inf' or '2', got {norm!r}")


def _check(network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, eps) -> tuple:
    if network.input_dim != 2:
        raise ValueError(f"the exact certificate needs 2-D inputs, the network has d = {network.input_dim}")
    X = np.atleast_2d(np.asarray(X, dtype=float))
    if X.shape[1] != 2:
        raise ValueError(f"X must be n x 2, got shape {X.shape}")
    y = np.asarray(y, dtype=float).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} entries")
    eps = np.broadcast_to(np.asarray(eps, dtype=float), (X.shape[0],)).copy()
    if np.any(~np.isfinite(eps)) or np.any(eps < 0):
        raise ValueError("eps must be finite and >= 0")
    return X, y, eps


def _lines(network: TwoLayerReLU) -> tuple[np.ndarray, np.ndarray]:
    """Directions ``a_j`` (k x 2) and offsets ``b_j`` of the neurons that define a line (a_j != 0)."""
    A, b = network.W[:, :2], network.W[:, 2]
    keep = np.any(A != 0.0, axis=1)
    return A[keep], b[keep]


def _pair_crossings(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All crossing points of two non-parallel lines ``a . x + b = 0`` (P x 2), built a few rows of
    the pair table (i, j > i) at a time so that no temporary is larger than the O(k^2) result."""
    k = A.shape[0]
    norms = np.linalg.norm(A, axis=1)
    out = [np.empty((0, 2))]
    rows = max(1, _CACHE_ENTRIES // max(1, k))
    for start in range(0, max(k - 1, 0), rows):
        first = np.arange(start, min(start + rows, k - 1))
        i = np.repeat(first, k - 1 - first)
        j = np.concatenate([np.arange(r + 1, k) for r in first])
        det = A[i, 0] * A[j, 1] - A[i, 1] * A[j, 0]
        ok = np.abs(det) > _PARALLEL_TOL * norms[i] * norms[j]
        i, j, det = i[ok], j[ok], det[ok]
        # Cramer's rule for [a_i; a_j] p = -[b_i; b_j]
        px = (-b[i] * A[j, 1] + b[j] * A[i, 1]) / det
        py = (-A[i, 0] * b[j] + A[j, 0] * b[i]) / det
        out.append(np.stack([px, py], axis=1))
    return np.concatenate(out)


def _slack(X: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """How far outside a ball a computed vertex may lie and still count (rounding), per point."""
    return 1e-9 * (eps + np.max(np.abs(X), axis=1)) + 1e-12


def _box_candidates(X: np.ndarray, eps: np.ndarray, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Candidates for the l_inf box from single lines (n x (4 + 4k) x 2), all inside the box: the 4
    corners and the crossings of every line with the 4 edges (the centre where a line misses an edge)."""
    c = X[:, None, :]  # n x 1 x 2
    e = eps[:, None]
    tol = _slack(X, eps)
    corners = c + np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)[None] * e[:, :, None]
    parts = [corners]
    if A.shape[0]:
        with np.errstate(divide="ignore", invalid="ignore"):
            for s in (-1.0, 1.0):
                # vertical edges x0 = c0 + s eps: a0 x0 + a1 x1 + b = 0 -> x1
                x0 = X[:, 0:1] + s * e  # n x 1
                x1 = -(b[None] + A[None, :, 0] * x0) / A[None, :, 1]
                ok = np.isfinite(x1) & (np.abs(x1 - X[:, 1:2]) <= e + tol[:, None])
                pts = np.stack([np.broadcast_to(x0, x1.shape), x1], axis=2)
                parts.append(np.where(ok[:, :, None], pts, c))
                # horizontal edges x1 = c1 + s eps -> x0
                x1 = X[:, 1:2] + s * e
                x0 = -(b[None] + A[None, :, 1] * x1) / A[None, :, 0]
                ok = np.isfinite(x0) & (np.abs(x0 - X[:, 0:1]) <= e + tol[:, None])
                pts = np.stack([x0, np.broadcast_to(x1, x0.shape)], axis=2)
                parts.append(np.where(ok[:, :, None], pts, c))
    return _into_ball("inf", X, eps, np.concatenate(parts, axis=1))


def _disc_candidates(
    network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, eps: np.ndarray, A: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Candidates for the l2 disc from single lines (n x (1 + 4k + 1) x 2), all inside the disc: the
    centre, the crossings of every line with the circle, and one tangent point per arc between them."""
    n, k = X.shape[0], A.shape[0]
    c = X[:, None, :]
    e = eps[:, None]
    tol = _slack(X, eps)
    parts = [c]
    angles = np.full((n, 2 * k), np.inf)
    if k:
        na = np.linalg.norm(A, axis=1)
        u = A / na[:, None]  # unit normals
        d = (X @ A.T + b[None]) / na[None]  # signed distance of the centre to each line, n x k
        foot = c - d[:, :, None] * u[None]  # n x k x 2
        h = np.sqrt(np.maximum(e**2 - d**2, 0.0))
        perp = np.stack([-u[:, 1], u[:, 0]], axis=1)
        ok = np.abs(d) <= e + tol[:, None]
        for s in (-1.0, 1.0):
            pts = foot + s * h[:, :, None] * perp[None]
            parts.append(np.where(ok[:, :, None], pts, c))
        ang = np.arctan2(
            np.concatenate([parts[1][..., 1], parts[2][..., 1]], axis=1) - X[:, 1:2],
            np.concatenate([parts[1][..., 0], parts[2][..., 0]], axis=1) - X[:, 0:1],
        )
        angles = np.where(np.concatenate([ok, ok], axis=1), ang, np.inf)
    # arcs between consecutive crossing angles: one gradient (hence one tangent point) per arc
    srt = np.sort(angles, axis=1)
    count = np.sum(np.isfinite(srt), axis=1)
    mids = 0.5 * (srt[:, :-1] + srt[:, 1:]) if srt.shape[1] > 1 else np.empty((n, 0))
    first = srt[:, 0] if srt.shape[1] else np.zeros(n)
    last = np.take_along_axis(srt, np.maximum(count - 1, 0)[:, None], axis=1)[:, 0] if srt.shape[1] else first
    wrap = np.where(count > 0, 0.5 * (last + first + 2.0 * np.pi), 0.0)
    mids = np.concatenate([mids, wrap[:, None]], axis=1)
    mids = np.where(np.isfinite(mids), mids, 0.0)  # missing arcs -> a harmless extra tangent point
    probe = c + e[:, :, None] * np.stack([np.cos(mids), np.sin(mids)], axis=2)  # n x M x 2
    grad = np.empty_like(probe)  # the gradient of y f on each probe's cell, blocks of probes
    step = max(1, _CACHE_ENTRIES // max(1, n * network.width))
    for q in range(0, probe.shape[1], step):
        on = (probe[:, q : q + step] @ network.W[:, :2].T + network.W[:, 2]) > 0.0  # n x step x m
        grad[:, q : q + step] = y[:, None, None] * ((on * network.alpha) @ network.W[:, :2])
    gn = np.linalg.norm(grad, axis=2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        tangent = np.where(gn > 0.0, c - e[:, :, None] * grad / gn, c)
    parts.append(tangent)
    return _into_ball("2", X, eps, np.concatenate(parts, axis=1))


def _crossing_minimum(
    network: TwoLayerReLU,
    key: str,
    x: np.ndarray,
    y: float,
    eps: float,
    reach: float,
    P: np.ndarray,
    fP: np.ndarray,
) -> tuple[float, np.ndarray]:
    """The smallest margin ``y f(p)`` over the crossings ``P`` (f there: ``fP``) in the ball around x
    (inf and x when none): those inside use ``fP``; those outside by less than ``reach - eps`` (the
    rounding slack) are moved into the ball and evaluated there."""
    gap = P - x
    dist = np.max(np.abs(gap), axis=1) if key == "inf" else np.hypot(gap[:, 0], gap[:, 1])
    value, at = np.inf, x
    inside = np.flatnonzero(dist <= eps)
    if inside.size:
        margins = y * fP[inside]
        j = int(np.argmin(margins))
        value, at = float(margins[j]), P[inside[j]]
    band = (dist > eps) & (dist <= reach)
    if np.any(band):
        cand = _into_ball(key, x[None], np.array([eps]), P[band][None])
        v, p = _evaluate(network, np.array([y]), cand)
        if v[0] < value:
            value, at = float(v[0]), p[0]
    return value, at


def _into_ball(key: str, X: np.ndarray, eps: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Candidates (n x C x 2) moved into their point's ball: clipped to the box, shrunk to the disc."""
    c, e = X[:, None, :], eps[:, None, None]
    if key == "inf":
        return np.clip(cand, c - e, c + e)
    off = cand - c
    r = np.linalg.norm(off, axis=2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = np.where(r > e, e / r, 1.0)
    return c + off * shrink


def _evaluate(network: TwoLayerReLU, y: np.ndarray, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The smallest margin ``y_k f(x)`` over each point's candidates (n x C x 2) and where it is
    (the first such candidate), f evaluated on blocks of about ``_CACHE_ENTRIES`` neuron values."""
    n, C = cand.shape[:2]
    best, where = np.full(n, np.inf), cand[:, 0].copy()
    step = max(1, _CACHE_ENTRIES // max(1, n * network.width))
    for q in range(0, C, step):
        val = y[:, None] * _predict(network, cand[:, q : q + step])  # n x step
        at = np.argmin(val, axis=1)
        v = np.take_along_axis(val, at[:, None], axis=1)[:, 0]
        low = v < best
        best = np.where(low, v, best)
        where = np.where(low[:, None], cand[np.arange(n), q + at], where)
    return best, where


def _predict(network: TwoLayerReLU, points: np.ndarray) -> np.ndarray:
    """f at points (... x 2), the hidden layer formed in one go (callers keep the blocks small)."""
    pre = points @ network.W[:, :2].T + network.W[:, 2]
    return np.maximum(pre, 0.0, out=pre) @ network.alpha


def check_certificate_size(width: int) -> None:
    """ValueError (one sentence) when a network is wider than :data:`MAX_CERTIFICATE_WIDTH`."""
    if width > MAX_CERTIFICATE_WIDTH:
        raise ValueError(
            f"the exact robustness certificate takes networks of at most {MAX_CERTIFICATE_WIDTH} neurons "
            f"(this one has {width}): its work grows as the cube of the width"
        )


def min_margin(
    network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, eps: float | np.ndarray, norm: str = "inf"
) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``min_{||x - x_k|| <= eps_k} y_k f(x)`` for every point, with an attaining point.

    ``norm`` is ``"inf"`` (box) or ``"2"`` (disc); ``eps`` is a scalar or one radius per point (input
    units). Returns ``(values (n,), argmins (n x 2))``; each argmin lies in its ball and
    ``y_k f(argmin_k) == values_k``.

    The crossings of two neuron lines are the same for every point, so f is evaluated there once;
    each point then takes the smallest margin over the crossings inside its ball (found in the slice
    of crossings sorted by x0 that its ball spans; those outside by less than the rounding slack are
    moved into the ball and evaluated for that point). Memory: the
    k(k-1)/2 crossings and f there (3 floats each, 48 MB at 2000 neurons) plus blocks of at most
    ``_BLOCK_ENTRIES`` numbers, whatever n; work: O(k^2 m) once plus O(n k (k + m)). Networks wider
    than :data:`MAX_CERTIFICATE_WIDTH` are refused (ValueError).
    """
    key = _norm_key(norm)
    check_certificate_size(network.width)
    X, y, eps = _check(network, X, y, eps)
    n, m = X.shape[0], max(network.width, 1)
    A, b = _lines(network)
    P = _pair_crossings(A, b)
    # f at every crossing once (the crossings are the same for every point), in blocks of rows;
    # the crossings sorted by x0, so that those within reach of a point are one slice
    step = max(1, _CACHE_ENTRIES // m)
    fP = np.concatenate([np.empty(0)] + [_predict(network, P[q : q + step]) for q in range(0, len(P), step)])
    order = np.argsort(P[:, 0], kind="stable")
    P, fP = P[order], fP[order]
    values, argmins = np.empty(n), np.empty((n, 2))
    block = max(1, _BLOCK_ENTRIES // (8 * (6 + 4 * A.shape[0])))  # points whose line candidates fit
    for s in range(0, n, block):
        sl = slice(s, s + block)
        Xb, yb, eb = X[sl], y[sl], eps[sl]
        if key == "inf":
            cand = _box_candidates(Xb, eb, A, b)
        else:
            cand = _disc_candidates(network, Xb, yb, eb, A, b)
        best, where = _evaluate(network, yb, cand)
        reach = eb + _slack(Xb, eb)
        first = np.searchsorted(P[:, 0], Xb[:, 0] - reach, side="left")
        stop = np.searchsorted(P[:, 0], Xb[:, 0] + reach, side="right")
        for k in np.flatnonzero(stop > first):
            for q in range(first[k], stop[k], _CACHE_ENTRIES):
                part = slice(q, min(q + _CACHE_ENTRIES, stop[k]))
                v, at = _crossing_minimum(network, key, Xb[k], yb[k], eb[k], reach[k], P[part], fP[part])
                if v < best[k]:
                    best[k], where[k] = v, at
        values[sl], argmins[sl] = best, where
    return values, argmins


def margin_tolerance(network: TwoLayerReLU, X: np.ndarray, eps: float | np.ndarray) -> np.ndarray:
    """Rounding allowance on a margin: ``1e-12 sum_j |alpha_j| (||a_j||_1 (||x_k||_inf + eps) + |b_j|)``.

    Vertices of the arrangement are computed in floating point, so where f only touches 0 (e.g. a
    corner of a cell where every neuron is off) the computed minimum can be ``+1e-17`` instead of 0.
    A point is certified only when its margin exceeds this allowance (conservative, hence sound).
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    eps = np.broadcast_to(np.asarray(eps, dtype=float), (X.shape[0],))
    A, b = network.W[:, :2], network.W[:, 2]
    reach = np.max(np.abs(X), axis=1) + eps if X.shape[0] else np.zeros(0)
    slope = float(np.sum(np.abs(network.alpha) * np.sum(np.abs(A), axis=1)))
    return _ROUNDING * (reach * slope + float(np.sum(np.abs(network.alpha * b))))  # O(n + m) memory


def certified_robust(
    network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, eps: float | np.ndarray, norm: str = "inf"
) -> np.ndarray:
    """Boolean mask: ``y_k f(x) > 0`` on the whole ball of radius eps around ``x_k``.

    Exact up to rounding: the exact minimum must exceed :func:`margin_tolerance`.
    """
    return min_margin(network, X, y, eps, norm)[0] > margin_tolerance(network, X, eps)


def certified_accuracy(
    network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, eps: float | np.ndarray, norm: str = "inf"
) -> float:
    """Fraction of points certified robust at radius eps (nan for no points)."""
    mask = certified_robust(network, X, y, eps, norm)
    return float(np.mean(mask)) if mask.size else float("nan")


def robust_radius(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    norm: str = "inf",
    eps_max: float = 10.0,
    rtol: float = 1e-9,
    max_iter: int = 200,
) -> np.ndarray:
    """Each point's robust radius ``sup{eps : certified_robust(eps)}`` in the given norm (input units).

    Computed by bisection on eps with the exact :func:`min_margin` (monotone in eps, as the balls are
    nested), all points at once, to relative accuracy ``rtol``; the returned value is the lower end of
    the final bracket, so it is certified. Positive means above :func:`margin_tolerance` (rounding
    allowance). Misclassified points (``y f(x) <= 0``) get 0; points still
    certified at ``eps_max`` get ``eps_max`` (a cap, not the radius).
    """
    X, y, _ = _check(network, X, y, 0.0)
    n = X.shape[0]
    lo = np.zeros(n)
    hi = np.full(n, float(eps_max))
    m0 = min_margin(network, X, y, 0.0, norm)[0]
    mmax = min_margin(network, X, y, hi, norm)[0]
    good = m0 > margin_tolerance(network, X, 0.0)
    certified_max = mmax > margin_tolerance(network, X, hi)
    lo[good & certified_max] = eps_max
    active = good & ~certified_max
    for _ in range(max_iter):
        active &= (hi - lo) > rtol * hi
        if not np.any(active):
            break
        idx = np.flatnonzero(active)
        mid = 0.5 * (lo[idx] + hi[idx])
        val = min_margin(network, X[idx], y[idx], mid, norm)[0]
        pos = val > margin_tolerance(network, X[idx], mid)
        lo[idx[pos]] = mid[pos]
        hi[idx[~pos]] = mid[~pos]
    return lo


def robust_objective_exact(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str,
    beta: float,
    eps: float,
    norm: str = "inf",
) -> float:
    """Exact ``mean_k max_{||delta|| <= eps} l(f(x_k + delta), y_k) + (beta/2) ||theta||^2``.

    Hinge and logistic losses fall as the margin rises, so the worst loss is at the minimum margin;
    the squared loss is worst at the smallest or the largest value of f on the ball (the minimum
    margins with labels +1 and -1). ``loss`` is a :class:`~engine.losses.Loss` or its name.
    """
    loss = get_loss(loss)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if loss.name == "squared":
        f_min, _ = min_margin(network, X, np.ones_like(y), eps, norm)
        f_max = -min_margin(network, X, -np.ones_like(y), eps, norm)[0]
        worst = 0.5 * np.maximum((y - f_min) ** 2, (f_max - y) ** 2)
    else:
        margins, _ = min_margin(network, X, y, eps, norm)
        worst = loss.value(margins, np.ones_like(margins))  # l depends on y f only
    reg = 0.5 * beta * (float(np.sum(network.W**2)) + float(np.sum(network.alpha**2)))
    return float(np.mean(worst) + reg)
