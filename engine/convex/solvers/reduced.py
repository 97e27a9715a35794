"""The convex program with each pattern's cone cut down to its facets, solved by Clarabel directly.

The program of docs/design.md §3 constrains every u_i by n linear inequalities
``(2 D_i - I) Z u_i >= 0``, one per training point: 2nP rows in all, which is what makes the reference
solve (CVXPY + Clarabel) slow. Most of them are redundant. The cone
``K_i = {u : a_k . u >= 0 for all k}`` with ``a_k = (2 d_ik - 1) z_k`` is cut out by its facets only,
and the facets are the extreme rays of the dual cone ``cone(a_1..a_n)``: with a direction g inside
K_i (``a_k . g > 0``), they are the vertices of the convex hull of the central projections
``a_k / (a_k . g)`` onto the hyperplane ``g . x = 1`` (a 2-D hull for 2-D data: a cell of the
arrangement has a handful of edges). The reduced program has the **same feasible set and optimum**;
it has a few rows per pattern instead of n.

The reduced program is handed to Clarabel without a modelling layer (no CVXPY compile step):

* squared:  min (1/(2n)) ||r||^2 + beta sum_j t_j,  r = F w - y;
* hinge:    min (1/n) sum xi + beta sum_j t_j,  xi >= 0,  xi_k >= 1 - y_k (F w)_k;
* logistic: min (1/n) sum xi + beta sum_j t_j,  exp(-xi_k) + exp(-y_k (F w)_k - xi_k) <= 1
  (two exponential cones per point, the standard conic form of the softplus);

with ``||w_j|| <= t_j`` (second-order cones) and the facet rows ``a_k . w_j >= 0`` for every block j.
A block is one neuron variable: ``u_i`` (sign +1) or ``v_i`` (sign -1) of pattern i, so the u's and
v's may use different pattern sets (as in the re-solve on a support). ``F`` has the columns
``sign_j D_j Z`` (n x p per block). The dual point returned for the certificate is the multiplier of
``yhat`` (hinge: ``-y_k mu_k`` from the margin rows); for squared and logistic the certificate's own
``grad L`` is exact, so none is returned.
"""

from __future__ import annotations

import math

import clarabel
import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, QhullError

from engine.convex.facet_kernel import hull_facets, prim_parents
from engine.convex.solvers.base import ConvexRequest, Resolver, Solution, dual_pair
from engine.losses import Loss, get_loss
from engine.network import lift
from engine.patterns import unit_scale_exponent

__all__ = [
    "CLARABEL_SETTINGS",
    "CONE_SLACK",
    "SAMPLED_OBJECTIVE_SCALE",
    "SAMPLED_SETTINGS",
    "FacetCache",
    "column_keys",
    "cone_facets",
    "facets_for",
    "solve_program",
    "solve_reduced",
    "support_resolver",
    "violated_blocks",
]

# Clarabel tolerances: objectives can be ~1e-3, and the certificate wants 1e-6 relative or better
# (looser ones leave tiny weights on every pattern, so column generation never drops any).
CLARABEL_SETTINGS = {
    "tol_gap_abs": 1e-10,
    "tol_gap_rel": 1e-10,
    "tol_feas": 1e-10,
    "tol_ktratio": 1e-8,
    "max_iter": 200,
    "max_threads": 1,  # the programs are small: one thread was about 30% faster than two (2-core machine)
}
# The whole sampled program (the ``reduced`` entry on a sampled request) is solved without Clarabel's
# iterative refinement of each KKT solve: on the twelve n = 200, 300-draw cases (moons, spirals, circles,
# xor x squared, hinge, logistic; beta 1e-3) the same iterations, ~20-30 % less Clarabel time, J within
# 1.2e-7 relative of the refined solve (hinge; squared and logistic ~1e-11 after the Newton polish).
# Its answer is then proven by the sampled program's dual bound (auto's route) or re-solved on its
# support with the settings above (the polish), so no accuracy rests on the skipped refinement.
SAMPLED_SETTINGS = {"iterative_refinement_enable": False}
# ... and with its objective multiplied by this factor (by loss; the same minimiser, the multipliers
# divided back): the objective (1/n) sum xi + beta sum t is ~0.01-0.1 with costs 1/n and beta, and a
# larger scale took Clarabel fewer iterations. Measured on 8 programs (moons, spirals, circles, xor;
# data and draw seeds 0 and 1; n = 200, 300 draws, beta 1e-3), iterations and CPU summed: hinge x30
# 20-40 % fewer iterations in all 8 (1.47 -> 1.20 s), logistic x10 fewer or equal in all 8 (69 -> 31
# on moons; 1.76 -> 1.56 s; x100 left one "almost solved"), squared no gain (kept at 1).
SAMPLED_OBJECTIVE_SCALE = {"squared": 1.0, "hinge": 30.0, "logistic": 10.0}
# Squared loss: the quadratic F'F/n is formed densely (the n data rows leave the KKT system) when
# the program has at most this many weights per data point. Above it the residual rows with the sparse
# pattern-tree columns (_pattern_columns) win: at n = 1000 (moons, xor; 110-210 blocks, F'F dense)
# Clarabel took 3.4 s and 1.6 s with the dense quadratic, 0.5 s and 0.3 s with the tree.
_DENSE_FACTOR = 0.1
# A solution row (2 d_k - 1) z_k . w_j may fall below zero by this much relative to ||z_k|| max_i ||w_i||;
# a larger violation means the facets missed a binding row: it is added and the program solved again,
# at most _CUT_ROUNDS times, then the solve fails (RuntimeError) instead of answering "optimal".
CONE_SLACK = 1e-7
_CUT_ROUNDS = 3
# A direction counts as strictly inside a cone when every normalised constraint exceeds this.
_INTERIOR_MARGIN = 1e-9
# Tries at pushing an interior hint off the walls it sits on before the LP (the last resort): the hints
# of column generation (a pricing direction, a neighbour cell's step across one wall) are often on or
# a hair across a wall; the LP cost ~3 ms a call, 10x the rest of the facet search.
_PUSH_TRIES = 3

# The logistic program by proximal Newton (squared-loss models, Clarabel QPs) instead of one Clarabel
# solve with 2n exponential cones (solve_reduced's ``quadratic_models``): more accurate (the QPs solve
# to 1e-10, the exponential cones stop near 1e-6 and column generation stalls on that), slower on large
# working sets (3-5 QPs a solve); at most _MAX_MODELS models, until a step gains < _MODEL_DECREASE J.
_MAX_MODELS = 30
_MODEL_DECREASE = 1e-12

# The Newton polish re-runs with the facets its point crossed held tight, at most this many passes in all.
_POLISH_PASSES = 3

# The facet search drops the points inside the polygon of the extreme points in this many directions
# before the exact hull (_hull_vertices).
_HULL_DIRECTIONS = 32

FacetCache = dict[tuple[bytes, bool], np.ndarray]


def _interior_direction(A: np.ndarray, hint: np.ndarray | None) -> np.ndarray | None:
    """A direction g with ``A g > 0`` (rows of A normalised), or None if the cone has no interior."""
    An = A / np.linalg.norm(A, axis=1, keepdims=True)
    if hint is not None and np.linalg.norm(hint) > 0.0:
        g = hint / np.linalg.norm(hint)
        for _ in range(_PUSH_TRIES):
            # push g off the walls it sits on (or just crosses, by round-off or a neighbour cell's
            # small step): along their unit normals, by half the smallest clear margin, so that no
            # other wall is crossed at first order; the check below is exact either way
            m = An @ g
            bad = m <= 4.0 * _INTERIOR_MARGIN
            if not bad.any():
                return g
            clear = m[~bad]
            tau = 0.5 * float(clear.min()) if clear.size else 1e-3
            g = g + An[bad].T @ (tau - np.minimum(m[bad], 0.0)) / max(1.0, float(np.sqrt(bad.sum())))
            size = np.linalg.norm(g)
            if size == 0.0:
                break
            g = g / size
        if np.min(An @ g) > 4.0 * _INTERIOR_MARGIN:
            return g
    # last resort: the LP  max t  s.t.  An u >= t, -1 <= u <= 1
    p = A.shape[1]
    res = linprog(
        np.r_[np.zeros(p), -1.0],
        A_ub=np.hstack([-An, np.ones((An.shape[0], 1))]),
        b_ub=np.zeros(An.shape[0]),
        bounds=[(-1.0, 1.0)] * p + [(None, 1.0)],
        method="highs",
    )
    if res.status != 0 or -res.fun <= _INTERIOR_MARGIN:
        return None
    return res.x[:p]


def cone_facets(Z: np.ndarray, pattern: np.ndarray, direction: np.ndarray | None = None) -> np.ndarray:
    """Indices k of the non-redundant rows of ``(2 d_k - 1) z_k . u >= 0`` (the cone's facets).

    ``direction`` is a hint for a point inside the cone (e.g. the direction that generated the
    pattern). Falls back to all rows when the cone has no interior or the hull is degenerate.
    Scale-invariant: with ``z = (x, 1)`` the data columns are scaled by ``2**-e``
    (:func:`engine.patterns.unit_scale_exponent`), a linear change of variables ``u -> (u_x 2**e, u_b)``
    that keeps the facets, so every tolerance below meets data of size about 1.
    """
    Z, direction, _ = _unit_scaled(Z, direction)
    A = np.where(pattern[:, None], Z, -Z)
    g = _interior_direction(A, direction)
    if g is None:
        return np.arange(A.shape[0])
    return _hull_rows(A, g)


def _unit_scaled(Z: np.ndarray, directions: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Z with its data columns scaled by ``2**-e`` (:func:`engine.patterns.unit_scale_exponent`) and the
    directions (one, or one per row) by the inverse change of variables ``u -> (u_x 2**e, u_b)``, and e."""
    e = unit_scale_exponent(Z[:, :-1])
    if not e:
        return Z, directions, 0
    Z = np.concatenate([np.ldexp(Z[:, :-1], -e), Z[:, -1:]], axis=1)
    if directions is not None:
        directions = np.concatenate([np.ldexp(directions[..., :-1], e), directions[..., -1:]], axis=-1)
    return Z, directions, e


def _pushed_hint(Z: np.ndarray, pattern: np.ndarray, direction: np.ndarray | None) -> np.ndarray | None:
    """A direction strictly inside the pattern's cone, as :func:`cone_facets` finds it (the hint pushed
    off the walls it sits on, else an LP), in the data's own units; None if the cone has no interior."""
    Zs, scaled, e = _unit_scaled(Z, direction)
    g = _interior_direction(np.where(pattern[:, None], Zs, -Zs), scaled)
    if g is None or not e:
        return g
    return np.concatenate([np.ldexp(g[:-1], -e), g[-1:]])


def _hull_rows(A: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The facet rows of ``{u : A u >= 0}`` from a direction g strictly inside it (see cone_facets)."""
    everything = np.arange(A.shape[0])
    g = g / np.linalg.norm(g)
    B = A / (A @ g)[:, None]  # central projection onto g . x = 1
    Q = np.linalg.svd(g[None, :])[2][1:].T  # p x (p-1) orthonormal basis of g's complement
    coords = B @ Q
    if coords.shape[1] == 1:
        return np.unique([int(np.argmin(coords[:, 0])), int(np.argmax(coords[:, 0]))])
    hull = _hull_vertices(coords)
    if hull is not None:
        return hull
    try:
        return np.sort(ConvexHull(coords).vertices)
    except (QhullError, ValueError):
        return everything


def _hull_vertices(P: np.ndarray) -> np.ndarray | None:
    """Sorted indices of the vertices of the convex hull of the 2-D points P (m x 2), or None (then
    the caller asks Qhull). The points strictly inside the polygon of the extreme points in
    _HULL_DIRECTIONS directions are dropped first (vectorised), then Andrew's monotone chain on the
    rest: ~3x faster than Qhull here. A point inside an edge may be kept (its row is redundant, so
    harmless), a vertex never dropped; duplicates give one index."""
    m = P.shape[0]
    span = float(np.max(np.abs(P), initial=0.0))
    if m < 3 or not np.isfinite(span) or span == 0.0:
        return None
    angles = np.arange(_HULL_DIRECTIONS) * (2.0 * np.pi / _HULL_DIRECTIONS)
    extreme = np.unique(np.argmax(P @ np.array([np.cos(angles), np.sin(angles)]), axis=0))
    keep = np.ones(m, dtype=bool)
    if extreme.size >= 3:
        # the extreme points in angular order around their centroid form a convex polygon
        E = P[extreme]
        c = E.mean(axis=0)
        E = E[np.argsort(np.arctan2(E[:, 1] - c[1], E[:, 0] - c[0]))]
        edge = np.roll(E, -1, axis=0) - E
        # strictly left of every (counter-clockwise) edge, with a margin: inside, not a vertex
        cross = edge[None, :, 0] * (P[:, None, 1] - E[None, :, 1]) - edge[None, :, 1] * (
            P[:, None, 0] - E[None, :, 0]
        )
        scale = np.hypot(edge[:, 0], edge[:, 1])[None, :] * span
        keep = ~np.all(cross > 1e-9 * scale, axis=1)
    idx = np.flatnonzero(keep)
    order = idx[np.lexsort((P[idx, 1], P[idx, 0]))]
    pts = P[order].tolist()

    def chain(seq):
        out: list[int] = []
        for i in seq:
            x, y = pts[i]
            inner = False
            while len(out) >= 2:
                (ax, ay), (bx, by) = pts[out[-2]], pts[out[-1]]
                # not a left turn (sin of the turn <= 1e-12, collinear included): drop b, unless the
                # new point lies on the segment a-b (points tied to the last bit can come out of order
                # along a line: then the new point is the one inside)
                cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
                tol = 1e-12 * math.hypot(bx - ax, by - ay) * math.hypot(x - ax, y - ay)
                if cross <= tol:
                    along = (bx - ax) * (x - ax) + (by - ay) * (y - ay)
                    length2 = (bx - ax) ** 2 + (by - ay) ** 2
                    if cross >= -tol and 0.0 <= along <= length2 and length2 > 0.0:
                        inner = True
                        break
                    out.pop()
                else:
                    break
            if not inner:
                out.append(i)
        return out

    k = len(pts)
    lower, upper = chain(range(k)), chain(range(k - 1, -1, -1))
    verts = lower[:-1] + upper[:-1]
    if len(verts) < 3:
        return None
    return np.unique(order[verts])


def facets_for(
    Z: np.ndarray, D: np.ndarray, directions: np.ndarray | None, cache: FacetCache | None
) -> list[np.ndarray]:
    """The facet rows of the cone of every column of D (:func:`cone_facets`), from ``cache`` when there.

    For 2-D data with interior hints the cones not in the cache are done together by the compiled hull
    (:func:`engine.convex.facet_kernel.hull_facets`: the same rows, ~5x faster on 300 cones at n = 200);
    the cones it leaves (hint not inside, degenerate hull) by :func:`cone_facets`.
    """
    keys = column_keys(D)
    out: list[np.ndarray | None] = [None] * len(keys)
    todo = []
    for i, key in enumerate(keys):
        if cache is not None and (key, True) in cache:
            out[i] = cache[(key, True)]
        else:
            todo.append(i)
    compiled: list[np.ndarray | None] = [None] * len(todo)
    if todo and directions is not None and Z.shape[1] == 3:
        compiled = _compiled_facets(Z, D[:, todo], directions[todo])
        # hints on (or a hair across) a wall, as column generation's are: pushed inside as cone_facets
        # pushes them, then the compiled hull again (the numpy hull is ~20x slower per cone)
        left = [k for k, rows in enumerate(compiled) if rows is None]
        hints = [_pushed_hint(Z, D[:, todo[k]], directions[todo[k]]) for k in left]
        again = [(k, g) for k, g in zip(left, hints, strict=True) if g is not None]
        if again:
            cols = [todo[k] for k, _ in again]
            for (k, _), rows in zip(
                again, _compiled_facets(Z, D[:, cols], np.array([g for _, g in again])), strict=True
            ):
                compiled[k] = rows
    for i, facets in zip(todo, compiled, strict=True):
        if facets is None:
            facets = cone_facets(Z, D[:, i], None if directions is None else directions[i])
        if cache is not None:
            cache[(keys[i], True)] = facets
        out[i] = facets
    return out  # type: ignore[return-value]


def _compiled_facets(Z: np.ndarray, D: np.ndarray, directions: np.ndarray) -> list[np.ndarray | None]:
    """:func:`engine.convex.facet_kernel.hull_facets` on data scaled as :func:`cone_facets` scales it:
    the facet rows of every cone, None where the kernel leaves the cone to :func:`cone_facets`."""
    Z, G, _ = _unit_scaled(Z, np.asarray(directions, dtype=float))
    starts, rows, ok = hull_facets(
        np.ascontiguousarray(Z, dtype=float), np.ascontiguousarray(D, dtype=bool), np.ascontiguousarray(G)
    )
    return [rows[starts[i] : starts[i + 1]] if ok[i] else None for i in range(D.shape[1])]


def column_keys(D: np.ndarray) -> list[bytes]:
    """One hashable key per column of the pattern matrix D (its bits packed): how patterns are named."""
    packed = np.packbits(np.asarray(D, dtype=bool).T, axis=1)
    return [row.tobytes() for row in packed]


def solve_reduced(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    *,
    loss: Loss | str,
    beta: float,
    D_v: np.ndarray | None = None,
    directions: np.ndarray | None = None,
    directions_v: np.ndarray | None = None,
    facet_cache: FacetCache | None = None,
    settings: dict | None = None,
    want_dual: bool = False,
    loss_points: np.ndarray | None = None,
    warm_start: np.ndarray | None = None,
    quadratic_models: bool = False,
    objective_scale: float = 1.0,
    rough_iterations: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Solve the convex program on patterns D (u_i) and D_v (v_i; default D): (U, V, lambda, status).

    ``rough_iterations``: stop Clarabel after this many interior-point iterations and return its iterate
    as it is, status ``"rough"`` (no Newton polish, no check of the cone rows, so no facet of the cache
    is widened): a guess at which blocks matter, not an answer (the working set's first stage).

    ``objective_scale`` multiplies the objective handed to Clarabel (same minimiser; lambda is returned
    for the unscaled program): :data:`SAMPLED_OBJECTIVE_SCALE`.

    ``quadratic_models`` (logistic only): solve by proximal Newton, a sequence of squared-loss programs
    (:func:`_solve_by_quadratic_models`) instead of Clarabel's exponential cones: accurate to ~1e-10.

    ``warm_start`` (p x (P_u + P_v), the blocks of D then D_v; e.g. the previous round's weights, zero
    for new blocks) is the starting point of the logistic loss's proximal Newton (else zero); it is
    projected onto the cones first, so any values are safe.

    ``loss_points`` (hinge only; indices) keeps the loss terms of these points only, each still
    weighted 1/n. Points left out must have margin >= 1 at the solution for it to be the solution of
    the whole program (their hinge term is then 0): the caller checks and adds the ones that do not.
    The cone constraints always involve every point.

    ``want_dual`` keeps ``r = F w - y`` as a variable for the squared loss, so that its multiplier
    (dual feasible to Clarabel's tolerance) is returned as lambda.

    ``directions`` (P x p) are optional points inside the pattern cones (they speed up the facet
    search); ``facet_cache`` (a dict) keeps the facets of patterns across calls (column generation).
    Raises RuntimeError when Clarabel fails.
    """
    loss = get_loss(loss)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    Z = lift(X)
    n, p = Z.shape
    D = np.asarray(D, dtype=bool)
    Dv = D if D_v is None else np.asarray(D_v, dtype=bool)
    dirs_v = directions if D_v is None else directions_v
    if D.shape[1] + Dv.shape[1] == 0:
        raise ValueError("the program needs at least one pattern")
    facets = facets_for(Z, D, directions, facet_cache) + facets_for(Z, Dv, dirs_v, facet_cache)
    Dall = np.hstack([D, Dv])
    if rough_iterations is not None:
        stop_early = {**(settings or {}), "max_iter": int(rough_iterations)}
        return _solve_with_facets(
            Z,
            y,
            D,
            Dv,
            facets,
            loss,
            beta,
            stop_early,
            want_dual=False,
            loss_points=loss_points,
            objective_scale=objective_scale,
            rough=True,
        )
    for _ in range(_CUT_ROUNDS + 1):
        U, V, lam, status = _solve_with_facets(
            Z,
            y,
            D,
            Dv,
            facets,
            loss,
            beta,
            settings,
            want_dual,
            loss_points,
            warm_start,
            quadratic_models,
            objective_scale,
        )
        # the facets are computed in floating point: on near-collinear data a hull can miss rows
        # that bind. Check every row of every block; give a violated block all its rows, solve again.
        bad = violated_blocks(Z, Dall, np.hstack([U, V]))
        if bad.size == 0:
            return U, V, lam, status
        facets = list(facets)
        keys = column_keys(Dall[:, bad])
        for j, key in zip(bad, keys, strict=True):  # the few blocks with a missing row
            facets[j] = np.arange(Z.shape[0])  # every row: exact for this block whatever its hull
            if facet_cache is not None:
                facet_cache[(key, True)] = facets[j]
    raise RuntimeError(
        f"the reduced program's solution violates the cone constraints of {bad.size} pattern(s) "
        f"after {_CUT_ROUNDS} re-solves with every row of the violated patterns (near-collinear data?)"
    )


def violated_blocks(Z: np.ndarray, D: np.ndarray, W: np.ndarray, slack: float = CONE_SLACK) -> np.ndarray:
    """Indices j of the blocks whose cone rows ``(2 d_kj - 1) z_k . w_j >= 0`` fail by more than
    ``slack ||z_k|| max_i ||w_i||`` (relative to the largest block: an interior-point solution's
    negligible blocks may point anywhere)."""
    scale = float(np.max(np.linalg.norm(W, axis=0), initial=0.0)) * np.linalg.norm(Z, axis=1)[:, None]
    margins = np.where(D, 1.0, -1.0) * (Z @ W)
    return np.flatnonzero(np.any(margins < -slack * np.maximum(scale, 1e-300), axis=0))


def _solve_with_facets(
    Z: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    Dv: np.ndarray,
    facets: list[np.ndarray],
    loss: Loss,
    beta: float,
    settings: dict | None,
    want_dual: bool,
    loss_points: np.ndarray | None,
    warm_start: np.ndarray | None = None,
    quadratic_models: bool = False,
    objective_scale: float = 1.0,
    rough: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """One Clarabel solve of the program with the given facet rows per block (see solve_reduced;
    ``rough``: an iterate stopped at ``settings["max_iter"]`` is returned as it is, status "rough")."""
    if loss.name == "logistic" and quadratic_models:
        return _solve_by_quadratic_models(Z, y, D, Dv, facets, loss, beta, settings, warm_start)
    n, p = Z.shape
    Dall = np.hstack([D, Dv])
    sign = np.r_[np.ones(D.shape[1]), -np.ones(Dv.shape[1])]
    B = Dall.shape[1]
    nw = p * B  # block j's weights are x[p j : p j + p]
    dense_quadratic = loss.name == "squared" and nw <= _DENSE_FACTOR * n and not want_dual
    # yhat = F x[:nwg]: the block columns sign_j D_j Z written through aggregates (_pattern_columns), so
    # that F is sparse; the equality rows E x[:nwg] = 0 define the aggregates
    if dense_quadratic:
        F, E = _direct_columns(Z, Dall, sign), None
    else:
        F, E = _pattern_columns(Z, Dall, sign)
    nwg = F.shape[1]  # then t_j = x[nwg + j]
    # facet rows: a_k . w_j >= 0  ->  s = -(-a_k) . w_j in the nonnegative cone
    count = np.array([fac.size for fac in facets])
    f_point = np.concatenate(facets)  # the point k of every facet row
    f_block = np.repeat(np.arange(B), count)
    A_rows = np.where(Dall[f_point, f_block][:, None], Z[f_point], -Z[f_point])
    r = int(count.sum())
    f_rows = [np.repeat(np.arange(r), p)]
    f_cols = [(f_block[:, None] * p + np.arange(p)).ravel()]
    f_vals = [-A_rows.ravel()]
    n_facet = r
    # second-order cones (t_j, w_j)
    soc_rows = np.arange(B * (p + 1)).reshape(B, p + 1)
    soc_cols = np.hstack([nwg + np.arange(B)[:, None], p * np.arange(B)[:, None] + np.arange(p)])
    if loss.name == "squared":
        # small programs on many points: (1/(2n)) ||F w - y||^2 = (1/2) w' (F'F / n) w - (F'y / n)' w + const
        # keeps the n data rows out of the KKT system; otherwise r = F w - y with (1/(2n)) ||r||^2
        n_loss = 0 if dense_quadratic else n
    elif loss.name == "hinge":
        S = np.arange(n) if loss_points is None else np.asarray(loss_points, dtype=int)
        n_loss = S.size  # xi of the points whose loss is kept
    else:  # logistic
        n_loss = 3 * n  # xi, a1, a2
    nx = nwg + B + n_loss
    L0 = nwg + B  # first loss variable
    eye_n = sp.identity(n, format="csc")
    pad = sp.csc_matrix((n, B))
    q = np.r_[np.zeros(nwg), beta * np.ones(B), np.zeros(n_loss)]
    Pm = sp.csc_matrix((nx, nx))
    facet_block = sp.csc_matrix(
        (np.concatenate(f_vals), (np.concatenate(f_rows), np.concatenate(f_cols))), shape=(n_facet, nx)
    )
    soc_block = sp.csc_matrix(
        (-np.ones(soc_rows.size), (soc_rows.ravel(), soc_cols.ravel())), shape=(soc_rows.size, nx)
    )
    cones: list = []
    blocks_A, blocks_b = [], []
    shift = 0 if E is None else E.shape[0]  # the rows before the loss rows
    if shift:
        blocks_A.append(E)
        blocks_b.append(np.zeros(shift))
        cones.append(clarabel.ZeroConeT(shift))
    lam_rows = None
    if dense_quadratic:
        FtF = (F.T @ F).toarray() / n
        Pm = sp.csc_matrix(np.block([[FtF, np.zeros((nw, B))], [np.zeros((B, nw + B))]]))
        q[:nw] = -(F.T @ y) / n
        blocks_A.append(facet_block)
        blocks_b.append(np.zeros(n_facet))
        cones.append(clarabel.NonnegativeConeT(n_facet))
    elif loss.name == "squared":
        Pm = sp.csc_matrix((np.full(n, 1.0 / n), (np.arange(L0, nx), np.arange(L0, nx))), shape=(nx, nx))
        blocks_A.append(sp.hstack([-F, pad, eye_n]))
        blocks_b.append(-y)
        lam_rows = (shift, shift + n)
        cones.append(clarabel.ZeroConeT(n))
        blocks_A.append(facet_block)
        blocks_b.append(np.zeros(n_facet))
        cones.append(clarabel.NonnegativeConeT(n_facet))
    elif loss.name == "hinge":
        q[L0:] = 1.0 / n
        nS = S.size
        Yf = sp.diags(y[S]) @ F[S]
        eye_s = sp.identity(nS, format="csc")
        blocks_A.append(sp.hstack([sp.csc_matrix((nS, nwg + B)), -eye_s]))  # xi >= 0
        blocks_b.append(np.zeros(nS))
        blocks_A.append(sp.hstack([-Yf, sp.csc_matrix((nS, B)), -eye_s]))  # xi + y F w - 1 >= 0
        blocks_b.append(-np.ones(nS))
        lam_rows = (shift + nS, shift + 2 * nS)
        blocks_A.append(facet_block)
        blocks_b.append(np.zeros(n_facet))
        cones.append(clarabel.NonnegativeConeT(2 * nS + n_facet))
    else:
        q[L0 : L0 + n] = 1.0 / n
        zeros_w = sp.csc_matrix((n, nwg + B))
        blocks_A.append(sp.hstack([zeros_w, sp.csc_matrix((n, n)), eye_n, eye_n]))  # 1 - a1 - a2 >= 0
        blocks_b.append(np.ones(n))
        blocks_A.append(facet_block)
        blocks_b.append(np.zeros(n_facet))
        cones.append(clarabel.NonnegativeConeT(n + n_facet))
    blocks_A.append(soc_block)
    blocks_b.append(np.zeros(soc_rows.size))
    cones += [clarabel.SecondOrderConeT(p + 1)] * B
    if loss.name == "logistic":
        # point k: (-xi_k, 1, a1_k) and (-y_k (F w)_k - xi_k, 1, a2_k) in the exponential cone,
        # s = b - A x with rows 3k, 3k + 1, 3k + 2 of each cone block
        k = np.arange(n)
        Yf = (sp.diags(y) @ F).tocoo()
        b_exp = np.zeros(3 * n)
        b_exp[3 * k + 1] = 1.0
        first = sp.csc_matrix(
            (np.r_[np.ones(n), -np.ones(n)], (np.r_[3 * k, 3 * k + 2], np.r_[L0 + k, L0 + n + k])),
            shape=(3 * n, nx),
        )
        second = sp.csc_matrix(
            (
                np.r_[Yf.data, np.ones(n), -np.ones(n)],
                (np.r_[3 * Yf.row, 3 * k, 3 * k + 2], np.r_[Yf.col, L0 + k, L0 + 2 * n + k]),
            ),
            shape=(3 * n, nx),
        )
        blocks_A += [first, second]
        blocks_b += [b_exp, b_exp]
        cones += [clarabel.ExponentialConeT()] * (2 * n)
    A = sp.vstack(
        [sp.csc_matrix(blk) if blk.shape[1] == nx else _pad_cols(blk, nx) for blk in blocks_A]
    ).tocsc()
    b = np.concatenate(blocks_b)
    options = clarabel.DefaultSettings()
    options.verbose = False
    for key, value in {**CLARABEL_SETTINGS, **(settings or {})}.items():
        setattr(options, key, value)
    Pm, q = objective_scale * Pm, objective_scale * q
    solution = clarabel.DefaultSolver(sp.triu(Pm).tocsc(), q, A, b, cones, options).solve()
    status = str(solution.status)
    W = np.asarray(solution.x)[:nw].reshape(B, p).T
    if rough and status in ("Solved", "AlmostSolved", "MaxIterations"):
        return W[:, : D.shape[1]].copy(), W[:, D.shape[1] :].copy(), None, "rough"
    if "Solved" not in status:
        raise RuntimeError(f"Clarabel (reduced program) stopped with status {status}")
    if loss.name != "hinge":
        W = newton_polish(Z, y, Dall, sign, W, facets, loss, beta)
    U, V = W[:, : D.shape[1]], W[:, D.shape[1] :]
    lam = None
    if lam_rows is not None:
        z = np.asarray(solution.z)[lam_rows[0] : lam_rows[1]] / objective_scale
        if loss.name == "hinge":
            lam = np.zeros(n)
            lam[S] = -y[S] * z
        else:
            lam = z
    return U.copy(), V.copy(), lam, "optimal" if status == "Solved" else "optimal_inaccurate"


def _direct_columns(Z: np.ndarray, Dall: np.ndarray, sign: np.ndarray) -> sp.csc_matrix:
    """F (n x p B) with column block j = sign_j D_j Z: yhat = F w."""
    n, p = Z.shape
    rows, blocks = np.nonzero(Dall)
    return sp.csc_matrix(
        (
            (Z[rows] * sign[blocks, None]).ravel(),
            (np.repeat(rows, p), (blocks[:, None] * p + np.arange(p)).ravel()),
        ),
        shape=(n, p * Dall.shape[1]),
    )


def _pattern_columns(
    Z: np.ndarray, Dall: np.ndarray, sign: np.ndarray
) -> tuple[sp.csc_matrix, sp.csc_matrix]:
    """yhat = sum_j sign_j D_j Z w_j written along a spanning tree of the patterns: (F, E).

    The patterns of a working set are mostly cells next to each other (they differ in a few points).
    With a tree over the blocks (parent pi(j), minimum total Hamming distance, rooted at the empty
    pattern D_root = 0) and the subtree aggregates ``G_j = sign_j w_j + sum_{children c} G_c``,
    ``yhat = sum_j (D_j - D_pi(j)) Z G_j`` (each w_i collects D_i Z along its path to the root). F
    (n x 2 p B, over x = (w, G)) has nonzeros only where a pattern differs from its parent's; the
    equality rows E x = 0 (p B rows) define the G_j. The same program, a far sparser KKT system.
    """
    n, p = Z.shape
    B = Dall.shape[1]
    nw = p * B
    parent = _pattern_tree(Dall)
    base = np.zeros((n, B))
    has = parent >= 0
    base[:, has] = Dall[:, parent[has]]
    delta = Dall - base  # -1, 0 or 1
    rows, blocks = np.nonzero(delta)
    F = sp.csc_matrix(
        (
            (Z[rows] * delta[rows, blocks][:, None]).ravel(),
            (np.repeat(rows, p), (nw + blocks[:, None] * p + np.arange(p)).ravel()),
        ),
        shape=(n, 2 * nw),
    )
    # E: G_j - sign_j w_j - sum_{children c} G_c = 0, row p j + coordinate
    coord = np.arange(p)
    child = np.flatnonzero(has)
    e_rows = np.r_[np.arange(nw), np.arange(nw), (parent[child][:, None] * p + coord).ravel()]
    e_cols = np.r_[nw + np.arange(nw), np.arange(nw), (nw + child[:, None] * p + coord).ravel()]
    e_vals = np.r_[np.ones(nw), -np.repeat(sign, p), -np.ones(child.size * p)]
    return F, sp.csc_matrix((e_vals, (e_rows, e_cols)), shape=(nw, 2 * nw))


def _pattern_tree(D: np.ndarray) -> np.ndarray:
    """The parent of every column of the pattern matrix D (n x B) in a minimum spanning tree of the
    patterns and the empty pattern (Hamming distances), rooted at the empty pattern (-1)."""
    n, B = D.shape
    # Hamming distances between the columns, over the distinct ones (u- and v-blocks often share a
    # pattern); float32 is exact here (sums of n <= 2**24 terms +-1)
    keys = column_keys(D)
    first: dict[bytes, int] = {}
    which = np.array([first.setdefault(key, len(first)) for key in keys])
    distinct = np.unique(which, return_index=True)[1]
    S = np.where(D[:, distinct], np.float32(1.0), np.float32(-1.0))
    H = ((n - S.T @ S) / 2.0).astype(float)[np.ix_(which, which)]
    # Prim's algorithm from the empty pattern (distance |D_j| to column j), dense: B steps of O(B), compiled
    return prim_parents(np.ascontiguousarray(H), D.sum(axis=0).astype(float))


def _solve_by_quadratic_models(
    Z: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    Dv: np.ndarray,
    facets: list[np.ndarray],
    loss: Loss,
    beta: float,
    settings: dict | None,
    warm_start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, None, str]:
    """The logistic program by proximal Newton: a sequence of squared-loss programs, no exponential cone.

    At the current prediction f0 the loss's second-order model is a weighted least squares,
    ``L(f) ~ L(f0) + (1/(2n)) sum_k l''_k (f_k - t_k)^2 + const`` with ``t_k = f0_k - l'_k / l''_k``:
    the squared-loss program on rows scaled by ``sqrt(l''_k)`` (a positive row scaling leaves every cone
    unchanged), solved by Clarabel (a QP with second-order cones, no exponential cones) and Newton-
    polished. The step towards its solution is damped until the true objective decreases (the feasible
    set is convex, so every point of the step is feasible); quadratic convergence near the optimum.
    Ends with the Newton polish on the logistic loss itself.
    """
    Dall = np.hstack([D, Dv])
    sign = np.r_[np.ones(D.shape[1]), -np.ones(Dv.shape[1])]
    squared = get_loss("squared")
    W = np.zeros((Z.shape[1], Dall.shape[1]))
    value = _full_objective(Z, y, Dall, sign, W, loss, beta)
    if warm_start is not None and warm_start.shape == W.shape:
        warm = _onto_cones(Z, Dall, facets, warm_start)
        warm_value = _full_objective(Z, y, Dall, sign, warm, loss, beta)
        if warm_value < value:
            W, value = warm, warm_value
    status = "optimal"
    for _ in range(_MAX_MODELS):
        f = _predictions(Z, Dall, sign, W)
        curvature = np.maximum(loss.second_derivative(f, y), 1e-12)
        root = np.sqrt(curvature)
        target = root * f - loss.derivative(f, y) / root
        U, V, _, status = _solve_with_facets(
            root[:, None] * Z, target, D, Dv, facets, squared, beta, settings, False, None
        )
        step = np.hstack([U, V]) - W
        alpha, trial_value = 1.0, np.inf
        while alpha > 1e-8:
            trial_value = _full_objective(Z, y, Dall, sign, W + alpha * step, loss, beta)
            if trial_value <= value:
                break
            alpha *= 0.5
        if not trial_value <= value:
            break
        decrease = value - trial_value
        W, value = W + alpha * step, trial_value
        if decrease <= _MODEL_DECREASE * abs(value):
            break
    W = newton_polish(Z, y, Dall, sign, W, facets, loss, beta)
    return W[:, : D.shape[1]].copy(), W[:, D.shape[1] :].copy(), None, status


def _onto_cones(Z: np.ndarray, Dall: np.ndarray, facets: list[np.ndarray], W: np.ndarray) -> np.ndarray:
    """W with every block that violates a facet row of its cone (beyond round-off: 1e-12 relative) set
    to zero: a feasible start."""
    out = np.array(W, dtype=float)
    for j, fac in enumerate(facets):  # set-up, once per solve
        A = np.where(Dall[fac, j][:, None], Z[fac], -Z[fac])
        w = out[:, j]
        if np.any(A @ w < -1e-12 * np.linalg.norm(A, axis=1) * np.linalg.norm(w)):
            out[:, j] = 0.0
    return out


def _predictions(Z: np.ndarray, Dall: np.ndarray, sign: np.ndarray, W: np.ndarray) -> np.ndarray:
    """yhat = sum_j sign_j D_j Z w_j, the program's prediction of the blocks W (p x B)."""
    return np.einsum("nb,nb->n", Dall * sign[None, :], Z @ W)


def _full_objective(
    Z: np.ndarray, y: np.ndarray, Dall: np.ndarray, sign: np.ndarray, W: np.ndarray, loss: Loss, beta: float
) -> float:
    return loss.mean(_predictions(Z, Dall, sign, W), y) + beta * float(np.sum(np.linalg.norm(W, axis=0)))


def support_resolver(
    X: np.ndarray, y: np.ndarray, loss: Loss, beta: float, facet_cache: FacetCache | None = None
) -> Resolver:
    """The re-solve on a support for the polish: this reduced program, with the facets cached."""
    cache: FacetCache = {} if facet_cache is None else facet_cache

    def resolve(Du: np.ndarray, Dv: np.ndarray):
        return solve_reduced(X, y, Du, loss=loss, beta=beta, D_v=Dv, facet_cache=cache)

    return resolve


def solve_program(request: ConvexRequest) -> Solution:
    """The ``reduced`` entry: the whole program with facet-reduced cones, polished on its support (a
    sampled program without iterative refinement, its objective scaled: :data:`SAMPLED_SETTINGS`,
    :data:`SAMPLED_OBJECTIVE_SCALE`)."""
    X, y, loss, beta = request.X, request.y, request.loss, request.beta
    pset = request.pattern_set
    cache: FacetCache = request.facet_cache
    settings = None if request.exact else SAMPLED_SETTINGS
    scale = 1.0 if request.exact else SAMPLED_OBJECTIVE_SCALE[loss.name]
    U, V, lam, status = solve_reduced(
        X,
        y,
        pset.D,
        loss=loss,
        beta=beta,
        directions=pset.directions,
        facet_cache=cache,
        settings=settings,
        objective_scale=scale,
    )
    return Solution(
        U=U,
        V=V,
        D=pset.D,
        status=status,
        program_size=pset.count,
        duals=dual_pair(lam),
        polish=support_resolver(X, y, loss, beta, cache),
    )


def newton_polish(
    Z: np.ndarray,
    y: np.ndarray,
    Dall: np.ndarray,
    sign: np.ndarray,
    W: np.ndarray,
    facets: list[np.ndarray],
    loss: Loss,
    beta: float,
    max_steps: int = 30,
) -> np.ndarray:
    """Newton's method on the support of an interior-point solution, with its active facets fixed.

    Interior-point solutions are accurate in the objective but not in ``yhat`` (the certificate's
    dual point ``grad L(yhat)`` needs more). On the support (blocks with ``||w_j|| > 1e-6 max``) with
    the facets that are tight at w_j kept tight (``w_j = N_j theta_j``, N_j an orthonormal basis of
    their null space), the problem ``L(sum_j F_j N_j theta_j) + beta sum_j ||theta_j||`` is smooth
    (squared, logistic), so a few damped Newton steps reach round-off. The result is kept only if
    it lowers the objective, keeps every facet constraint and no block collapses to zero. A facet
    the Newton point crosses (it was not tight at the interior-point solution, but binds at the
    optimum) is held tight too and Newton is run again from W, at most _POLISH_PASSES times.
    """
    forced: dict[int, np.ndarray] = {}
    for _ in range(_POLISH_PASSES):
        out, crossed = _newton_on_faces(Z, y, Dall, sign, W, facets, loss, beta, max_steps, forced)
        if not crossed:
            return out
        for j, rows in crossed.items():
            forced[j] = np.union1d(forced.get(j, np.zeros(0, dtype=int)), rows)
    return W


def _newton_on_faces(
    Z: np.ndarray,
    y: np.ndarray,
    Dall: np.ndarray,
    sign: np.ndarray,
    W: np.ndarray,
    facets: list[np.ndarray],
    loss: Loss,
    beta: float,
    max_steps: int,
    forced: dict[int, np.ndarray],
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """One Newton polish (see newton_polish) with the facet rows ``forced[j]`` (positions in
    ``facets[j]``) held tight as well: (the polished W or W itself, the facet rows the polished point
    crosses by block; empty when it is kept or given up)."""
    n, p = Z.shape
    norms = np.linalg.norm(W, axis=0)
    top = float(norms.max(initial=0.0))
    if top == 0.0:
        return W, {}
    support = np.flatnonzero(norms > 1e-6 * top)
    # face bases, zero-padded to p columns (S x p x p): w_j = N_j theta_j, theta_j zero where padded
    N = np.zeros((support.size, p, p))
    for s_i, j in enumerate(support):  # set-up only (one SVD per block), not in the Newton loop
        A = np.where(Dall[facets[j], j][:, None], Z[facets[j]], -Z[facets[j]])
        A = A / np.linalg.norm(A, axis=1, keepdims=True)
        held = A @ W[:, j] <= 1e-7 * norms[j]
        held[forced.get(int(j), np.zeros(0, dtype=int))] = True
        tight = A[held]
        if tight.shape[0]:
            _, sv, vt = np.linalg.svd(tight)
            rank = int(np.sum(sv > 1e-9 * sv[0]))
            if rank == p:
                return W, {}  # a support block pinned to zero by its facets: leave the solution alone
            N[s_i, :, : p - rank] = vt[rank:].T
        else:
            N[s_i] = np.eye(p)
    S = support.size
    dims = np.count_nonzero(np.any(N != 0.0, axis=1), axis=1)  # face dimension of each block
    keep = (np.arange(p)[None, :] < dims[:, None]).ravel()  # the coordinates that are not padding
    bid = np.repeat(np.arange(S), dims)  # block of each coordinate
    # G (n x sum dims): the columns of support block j are sign_j D_j Z N_j
    G = ((Dall[:, support] * sign[support])[:, :, None] * np.einsum("nd,sde->nse", Z, N)).reshape(n, S * p)
    G = G[:, keep]
    theta = np.einsum("sde,ds->se", N, W[:, support]).ravel()[keep]
    # index pairs (a, b) of the coordinates of one block: the group norm's Hessian lives there
    pos = np.full((S, p), -1)
    pos.ravel()[keep] = np.arange(int(dims.sum()))
    pa, pb = np.broadcast_arrays(pos[:, :, None], pos[:, None, :])
    pair = (pa >= 0) & (pb >= 0)
    ia, ib = pa[pair], pb[pair]

    def objective(th: np.ndarray) -> float:
        return loss.mean(G @ th, y) + beta * float(np.sum(np.sqrt(np.bincount(bid, th * th, minlength=S))))

    best = objective(theta)
    start_value = best
    for _ in range(max_steps):
        f = G @ theta
        r = np.sqrt(np.bincount(bid, theta * theta, minlength=S))
        if np.any(r <= 0.0):
            break
        grad = G.T @ loss.mean_gradient(f, y) + beta * theta / r[bid]
        hess = (G.T * (loss.second_derivative(f, y) / n)) @ G
        # the group norm's Hessian beta (I - t t' / r^2) / r, block by block
        rb = r[bid[ia]]
        hess[ia, ib] += beta * ((ia == ib) - theta[ia] * theta[ib] / rb**2) / rb
        # blocks that share a direction (neighbouring cells meeting at the neuron's ray) make the
        # Hessian singular along weight exchanges between them, where the objective is flat: a tiny
        # ridge picks a step that does not move along them
        ridge = 1e-12 * float(np.trace(hess)) / hess.shape[0]
        try:
            step = np.linalg.solve(hess + ridge * np.eye(hess.shape[0]), grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=1e-13)[0]
        t_step, improved = 1.0, False
        while t_step > 1e-6:
            trial = theta - t_step * step
            value = objective(trial)
            if value < best:
                theta, best, improved = trial, value, True
                break
            t_step /= 2.0
        if not improved or float(np.linalg.norm(t_step * step)) <= 1e-15 * float(np.linalg.norm(theta)):
            break
    if not best < start_value:
        return W, {}
    full = np.zeros(S * p)
    full[keep] = theta
    out = np.zeros_like(W)
    out[:, support] = np.einsum("sde,se->ds", N, full.reshape(S, p))
    crossed: dict[int, np.ndarray] = {}
    for j in support:  # keep every facet constraint (set-up sized check, once)
        w = out[:, j]
        A = np.where(Dall[facets[j], j][:, None], Z[facets[j]], -Z[facets[j]])
        bad = np.flatnonzero(A @ w < -1e-12 * np.linalg.norm(w) * np.max(np.linalg.norm(A, axis=1)))
        if bad.size:
            crossed[int(j)] = bad
    return (W, crossed) if crossed else (out, {})


def _pad_cols(block: sp.spmatrix, nx: int) -> sp.csc_matrix:
    block = sp.csc_matrix(block)
    block.resize((block.shape[0], nx))
    return block
