"""Dual lower bound on the global optimum of J and the certificate of optimality (docs/design.md §3).

By Fenchel duality, for every lambda with ``max_{||w||<=1} |lambda . relu(Z w)| <= beta``:

    min J  =  min C  >=  -L*(lambda).

From any network take lambda = grad L(yhat) (or a solver's dual point), scale it by the factor
``t`` in ``[0, beta / price]`` (and inside the conjugate's domain) that maximises ``-L*(t lambda)``,
and evaluate. ``price(lambda) = max_{||w||<=1} |lambda . relu(Z w)|`` is computed **exactly** for 2-D
data: ``g(w) = lambda . relu(Z w)`` is linear on each cell of the plane arrangement, so its maximum on
the unit sphere is at a cell's own stationary direction, at a stationary direction on one of the great
circles ``z_k . w = 0`` (between two consecutive vertices), or at a vertex (engine/convex/pricing.py finds it
by a sweep along every great circle in O(n^2 log n)). For d > 2 the price is
estimated from sampled directions refined by projected ascent, and the bound is never certified.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from engine.convex.pricing import ridge_values, sphere_price
from engine.losses import Loss, get_loss
from engine.network import TwoLayerReLU, lift
from engine.results import Certificate

DEFAULT_TOLERANCE = 1e-6  # relative gap under which the optimum counts as certified
_BLOCK_ENTRIES = 4_000_000
# The two ways a gap is measured: relative to |J| (J != 0), or absolute (J = 0, where no relative
# gap exists). ``Certificate.gap_kind`` says which one ``Certificate.relative_gap`` holds.
GAP_KINDS = ("relative", "absolute")


def gap_measure(objective: float, bound: float) -> tuple[float, str]:
    """The gap of ``objective`` J to a lower ``bound`` as the certificate measures it: (value, kind).

    ``(J - bound) / |J|`` with kind ``"relative"`` when J != 0; the absolute gap ``J - bound`` with kind
    ``"absolute"`` when J = 0 (then no relative gap exists). J >= 0 always (docs/design.md §2), and a
    J of order 1e-2 gets no discount: a gap of 1e-7 there is 1e-5 relative, not 1e-7.
    """
    gap = float(objective) - float(bound)
    if objective != 0.0 and np.isfinite(objective):
        return gap / abs(float(objective)), "relative"
    return gap, "absolute"


def within_gap(objective: float, bound: float, tol: float) -> bool:
    """Whether J lies within ``tol`` of ``bound`` as the certificate measures it (:func:`gap_measure`)."""
    value, _ = gap_measure(objective, bound)
    return bool(value <= tol)


def _normalise(W: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(W, axis=1)
    keep = norms > 1e-300
    return W[keep] / norms[keep, None]


def price(
    X: np.ndarray, lam: np.ndarray, *, samples: int = 20000, seed: int = 0
) -> tuple[float, np.ndarray, float, bool]:
    """``max_{||w||<=1} |lambda . relu(Z w)|``: (value, maximiser w, sign of g there, exact?).

    Exact for 2-D data (:func:`engine.convex.pricing.sphere_price`, a sweep along every great circle); for
    d > 2 an estimate (a lower estimate of the true maximum) from ``samples`` Gaussian directions
    refined by a few fixed-point steps.
    """
    X = np.asarray(X, dtype=float)
    lam = np.asarray(lam, dtype=float)
    Z = lift(X)
    if X.shape[1] == 2:
        sp = sphere_price(Z, lam)
        return sp.value, sp.direction, sp.sign, True
    cands = _sampled_candidates(Z, lam, samples, seed)
    g = ridge_values(Z, lam, cands)
    i_pos, i_neg = int(np.argmax(g)), int(np.argmin(g))
    if g[i_pos] >= -g[i_neg]:
        return float(max(g[i_pos], 0.0)), cands[i_pos], 1.0, False
    return float(-g[i_neg]), cands[i_neg], -1.0, False


def violating_directions(
    X: np.ndarray, lam: np.ndarray, threshold: float, k: int, *, samples: int = 20000, seed: int = 0
) -> np.ndarray:
    """Up to k directions w (rows) with ``|lambda . relu(Z w)| > threshold``, largest first.

    For column generation: the patterns of these directions are the ones whose dual constraint
    ``|lambda . relu(Z w)| <= beta`` the current dual point violates (exact search for 2-D data).
    """
    X = np.asarray(X, dtype=float)
    lam = np.asarray(lam, dtype=float)
    Z = lift(X)
    if X.shape[1] == 2:
        return sphere_price(Z, lam, threshold=threshold, k=k).candidates
    cands = _sampled_candidates(Z, lam, samples, seed)
    g = ridge_values(Z, lam, cands)
    order = np.argsort(-np.abs(g))
    order = order[np.abs(g[order]) > threshold]
    return cands[order[:k]]


def _sampled_candidates(Z: np.ndarray, lam: np.ndarray, samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    W = _normalise(rng.standard_normal((samples, Z.shape[1])))
    g = ridge_values(Z, lam, W)
    best = np.argsort(-np.abs(g))[:50]
    refined = []
    for i in best:  # a cell's stationary direction is a fixed point of w -> +-c_D(w)/|c_D(w)|
        w, sgn = W[i], np.sign(g[i]) or 1.0
        for _ in range(20):
            c = sgn * (((Z @ w) >= 0.0) * lam) @ Z
            nc = np.linalg.norm(c)
            if nc == 0.0:
                break
            w = c / nc
        refined.append(w)
    return np.vstack([W, np.array(refined)])


def _logistic_scale(lam: np.ndarray, y: np.ndarray, t_max: float) -> float | None:
    """The maximiser over ``0 <= t <= t_max`` of ``-L*(t lam)`` for the logistic loss, by Newton's method
    safeguarded by bisection (~0.2 ms; the bounded scalar search took ~4 ms, twice per certified solve).

    With ``c_k = -n lam_k y_k >= 0`` the objective is ``-(1/n) sum_k h(c_k t)``, ``h(a) = a log a +
    (1 - a) log(1 - a)``: concave, with slope ``-(1/n) sum_k c_k log(c_k t / (1 - c_k t))`` falling from
    +inf at 0. Returns t_max when the slope is still >= 0 there, None when lam gives no finite search
    interval (the caller then searches). Any t in the domain gives a valid bound; this one the tightest.
    """
    n = len(y)
    c = -n * np.asarray(lam, dtype=float) * np.asarray(y, dtype=float)
    c = c[c > 0.0]
    if c.size == 0 or not np.isfinite(t_max) or t_max <= 0.0:
        return None
    lo, hi = 0.0, min(t_max, 1.0 / float(np.max(c)))

    def slope(t: float) -> tuple[float, float]:
        a = c * t
        with np.errstate(divide="ignore"):
            return -float(np.sum(c * np.log(a / (1.0 - a)))), -float(np.sum(c / (t * (1.0 - a))))

    if hi < t_max or slope(hi)[0] < 0.0:  # the slope is -inf at 1 / max c: the maximiser is inside
        t = 0.5 * hi
        for _ in range(100):
            g, h = slope(t)
            if g > 0.0:
                lo = t
            else:
                hi = t
            step = t - g / h if h < 0.0 else 0.5 * (lo + hi)
            new = step if lo < step < hi else 0.5 * (lo + hi)
            if abs(new - t) <= 1e-14 * t:
                return new
            t = new
        return t
    return t_max


def best_dual_bound(
    lam: np.ndarray, y: np.ndarray, loss: Loss, beta: float, lam_price: float
) -> tuple[float, float]:
    """``max_t -L*(t lam)`` over ``0 <= t <= beta / price`` inside the conjugate's domain: (bound, t)."""
    t_max = loss.dual_scale_limit(lam, y)
    if lam_price > 0.0:
        t_max = min(t_max, beta / lam_price)
    if not np.isfinite(t_max):  # only squared loss with zero price: the quadratic's own maximiser
        t_max = 1e12

    def neg_bound(t: float) -> float:
        return loss.mean_conjugate(t * lam, y)

    if loss.name == "squared":
        a = len(y) * float(np.sum(lam**2))
        b = float(np.sum(lam * y))
        t = float(np.clip(-b / a, 0.0, t_max)) if a > 0.0 else 0.0
    elif loss.name == "hinge":  # -L*(t lam) = -t sum(lam y) is linear, nondecreasing on the domain
        t = t_max if float(np.sum(lam * y)) <= 0.0 else 0.0
    else:
        t = _logistic_scale(lam, y, t_max)
        if t is None:  # no Newton root: the bounded scalar search
            res = minimize_scalar(neg_bound, bounds=(0.0, t_max), method="bounded", options={"xatol": 1e-12})
            t = float(res.x)
        t = t if neg_bound(t) <= neg_bound(t_max) else t_max
    value = -neg_bound(t)
    if not np.isfinite(value):
        t, value = 0.0, -neg_bound(0.0)
    return float(value), float(t)


def certify(
    X: np.ndarray,
    y: np.ndarray,
    network: TwoLayerReLU,
    *,
    loss: Loss | str,
    beta: float,
    tol: float = DEFAULT_TOLERANCE,
    extra_duals: list[np.ndarray] | None = None,
) -> Certificate:
    """Certificate for ``network``: the best dual bound from lambda = grad L(f) (and ``extra_duals``).

    ``certified`` means exact pricing (2-D data) and ``(J - bound) / |J| <= tol`` (the absolute gap
    ``J - bound <= tol`` when J = 0; :func:`gap_measure`): the network is then a global minimiser of J
    up to ``tol`` relative (for every width).
    """
    loss = get_loss(loss)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    f = network.predict(X)
    objective = network.objective(X, y, loss, beta)
    duals = [loss.mean_gradient(f, y)] + list(extra_duals or [])
    best = None
    priced: dict[bytes, tuple[float, np.ndarray, float, bool]] = {}
    for lam in duals:
        lam = loss.project_to_domain(lam, y)
        if (-lam).tobytes() in priced:  # g(-lam) = -g(lam): same price, opposite sign
            p, w, sgn, exact = priced[(-lam).tobytes()]
            sgn = -sgn
        else:
            p, w, sgn, exact = priced.setdefault(lam.tobytes(), price(X, lam))
        bound, t = best_dual_bound(lam, y, loss, beta, p)
        if best is None or bound > best[0]:
            best = (bound, t, p, w, sgn, exact)
    bound, t, p, w, sgn, exact = best
    gap = objective - bound
    rel, kind = gap_measure(objective, bound)
    return Certificate(
        lower_bound=bound,
        objective=objective,
        gap=gap,
        relative_gap=rel,
        certified=bool(exact and rel <= tol),
        exact=exact,
        tolerance=tol,
        dual_scale=t,
        price=p,
        argmax_direction=w,
        argmax_sign=sgn,
        gap_kind=kind,
    )
