"""A given (e.g. sampled) pattern set solved through a small working set of its patterns.

The sampled program has 2P neuron blocks, but its optimum uses few of them. Solve the program on a
working subset of blocks (:func:`engine.convex.solvers.reduced.solve_reduced`, through the restricted
solver that column generation uses too: engine/convex/solvers/restricted.py), then *price every block
of the full set*: with lambda = grad L(yhat) (or the hinge multiplier) and
``c_i = sum_k d_ik lambda_k z_k``, block u_i (output weight > 0) can lower the objective exactly when
``max {-c_i . u : u in K_i, ||u|| <= 1} > beta`` and block v_i when ``max {c_i . u : ...} > beta``,
where K_i is the pattern's cone. That maximum is ``||Proj_K(+-c_i)||``: it equals ``||c_i||`` when
``+-c_i`` lies in K_i (checked against all n constraints at once) and is otherwise found by
projecting onto the cone cut to its facets (interior, a facet, an edge or the apex: the closest
feasible candidate). Blocks that violate are added, unused ones leave, until no block of the full
set violates by more than ``tol`` relative: the restricted solution is then optimal for the whole
given program (dual feasible for every block, and optimal on its own set).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import numpy as np

from engine.convex.certificate import best_dual_bound
from engine.convex.projection_kernel import projection_norms
from engine.convex.recovery import NEURON_REL_THRESHOLD
from engine.convex.solvers.base import ConvexRequest, Solution, dual_pair
from engine.convex.solvers.reduced import (
    SAMPLED_OBJECTIVE_SCALE,
    SAMPLED_SETTINGS,
    FacetCache,
    cone_facets,
    facets_for,
    solve_reduced,
    support_resolver,
)
from engine.convex.solvers.restricted import RestrictedSolver, default_restricted_solvers
from engine.losses import Loss, get_loss
from engine.network import lift

__all__ = [
    "WorkingSetResult",
    "cone_projection_norm",
    "prove_sampled_optimum",
    "sampled_dual_bound",
    "solve_from_rough_support",
    "solve_on_working_set",
]

INITIAL_PATTERNS = 30  # the first working set: this many patterns of the set, both signs
ADD_PER_ROUND = 40  # violating blocks added per round (largest violation first)
DROP_AFTER = 3  # a block unused in this many consecutive restricted solutions leaves
_CHUNK = 64  # patterns priced per vectorised chunk

# The working set seeded by a rough solve of the whole program (solve_from_rough_support), for these
# losses: Clarabel stopped after ROUGH_ITERATIONS interior-point iterations, its ROUGH_BLOCKS largest
# blocks solved accurately, every block priced; at most ROUGH_ROUNDS restricted solves (the violators
# added each time) before the whole program is solved instead. Measured on the logistic n = 200,
# 300-draw programs (moons, spirals, circles, xor; data and draw seeds 0 and 1, beta 1e-3): the largest
# 55 blocks after 12 iterations held the optimum's support (7-38 blocks) in all 8, so one restricted
# solve of 60 blocks was proven each time: 0.12-0.16 s -> 0.09-0.10 s (10 iterations: two rounds once,
# 9: three times; 80 blocks: slower). Squared and hinge were no faster (their whole program needs 16-26
# iterations, not the exponential cones' 31-40). A program of at most 2 ROUGH_BLOCKS blocks is solved
# whole: at n = 200 the route lost at 30 and 60 draws (29 -> 39 ms, 35 -> 50 ms on circles) and won from
# 100 draws on (84 -> 68 ms; 500 draws: 205 -> 149 ms circles, 353 -> 143 ms spirals).
ROUGH_LOSSES = ("logistic",)
ROUGH_ITERATIONS = 12
ROUGH_BLOCKS = 60
ROUGH_ROUNDS = 3
ROUGH_ADD = 30  # violators added per restricted round


@dataclass
class WorkingSetResult:
    U: np.ndarray  # p x P (zero outside the final working set)
    V: np.ndarray  # p x P
    lam: np.ndarray | None  # the restricted solver's dual point (hinge), else None
    status: str  # "optimal" (no block violates) or "max_rounds"
    rounds: int
    history: dict[str, list] = field(default_factory=dict)  # round, objective, blocks, violation, time_s


def cone_projection_norm(A: np.ndarray, c: np.ndarray) -> float:
    """``||Proj_K(c)||`` for the cone ``K = {u : A u >= 0}`` in R^3 given by its facet rows A.

    ``max {c . u : u in K, ||u|| <= 1}`` equals this norm. The projection lies in the cone's interior,
    in the relative interior of a facet, on an edge (two facets) or at the apex; it is the feasible
    one of these candidates closest to c.
    """
    An = A / np.linalg.norm(A, axis=1, keepdims=True)
    slack = 1e-12 * max(1.0, float(np.linalg.norm(c)))
    if np.all(An @ c >= -slack):
        return float(np.linalg.norm(c))
    planes = c[None, :] - (An @ c)[:, None] * An  # onto the plane of one facet
    i, j = np.triu_indices(An.shape[0], k=1)
    R = np.cross(An[i], An[j])  # edge rays (either sign)
    norms = np.linalg.norm(R, axis=1)
    R = R[norms > 1e-14] / norms[norms > 1e-14, None]
    R = np.vstack([R, -R])
    R = R[np.all(R @ An.T >= -1e-12, axis=1)]  # rays of the cone
    edges = np.maximum(R @ c, 0.0)[:, None] * R
    C = np.vstack([np.zeros((1, 3)), planes, edges])
    C = C[np.all(C @ An.T >= -slack, axis=1)]
    best = C[np.argmin(np.linalg.norm(C - c, axis=1))]
    return float(np.linalg.norm(best))


def _violating_blocks(Z, D, lam, facets_of, threshold, limit, skip):
    """Up to ``limit`` blocks (value, pattern i, sign) with value > threshold, not in ``skip``.

    The value of u_i is ``max {-c_i . u : u in K_i, ||u|| <= 1}``, of v_i the same with +c_i; both
    are at most ``||c_i||``, so patterns are taken largest ``||c_i||`` first, a chunk at a time, and
    the search stops once ``limit`` violators are found (all candidates are checked otherwise, so an
    empty answer is exact).
    """
    C_all = (D * lam[:, None]).T @ Z  # P x p: c_i
    norms_all = np.linalg.norm(C_all, axis=1)
    order = np.argsort(-norms_all)
    order = order[norms_all[order] > threshold]
    znorm = np.linalg.norm(Z, axis=1)[:, None]
    found: list[tuple[float, int, float]] = []
    for start in range(0, order.size, _CHUNK):
        idx = order[start : start + _CHUNK]
        C, norms = C_all[idx], norms_all[idx]
        S = np.where(D[:, idx], 1.0, -1.0)
        margins = S * (Z @ C.T)  # n x chunk: +c_i inside K_i iff all >= 0
        tol = 1e-12 * norms[None, :] * znorm
        # every block of the chunk: pattern j, block sign (u: +1, priced at -c_i; v: -1, at +c_i)
        m = idx.size
        pair = np.r_[np.arange(m), np.arange(m)]
        block_sign = np.r_[np.ones(m), -np.ones(m)]
        inside = np.r_[np.all(-margins >= -tol, axis=0), np.all(margins >= -tol, axis=0)]
        wanted = np.ones(2 * m, dtype=bool)
        if skip:
            wanted = np.array([(int(idx[j]), b) not in skip for j, b in zip(pair, block_sign, strict=True)])
        hit = wanted & inside & (norms[pair] > threshold)  # +-c_i in the cone: its value is ||c_i||
        found += zip(
            norms[pair[hit]].tolist(), idx[pair[hit]].tolist(), block_sign[hit].tolist(), strict=True
        )
        # blocks whose +-c_i lies outside the cone: priced together by the compiled projection
        todo = wanted & ~inside
        if todo.any():
            js = pair[todo]
            rows_of = {int(j): facets_of(int(idx[j])) for j in np.unique(js)}  # each pattern's facets once
            rows = [rows_of[int(j)] for j in js]
            starts = np.concatenate([[0], np.cumsum([r.size for r in rows])]).astype(np.int64)
            points = np.concatenate(rows)
            A = np.where(D[points, np.repeat(idx[js], np.diff(starts))][:, None], Z[points], -Z[points])
            Cs = -block_sign[todo][:, None] * C[js]
            values = projection_norms(np.ascontiguousarray(A, dtype=float), starts, np.ascontiguousarray(Cs))
            over = values > threshold
            found += zip(
                values[over].tolist(), idx[js[over]].tolist(), block_sign[todo][over].tolist(), strict=True
            )
        if len(found) >= limit:
            break
    found.sort(reverse=True)
    return found[:limit]


def _on_every_block(
    Z: np.ndarray, D: np.ndarray, iu: list[int], iv: list[int], Uw: np.ndarray, Vw: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A working set's weights spread over every block of D (zero elsewhere), and their prediction."""
    U, V = np.zeros((Z.shape[1], D.shape[1])), np.zeros((Z.shape[1], D.shape[1]))
    U[:, iu], V[:, iv] = Uw, Vw
    return U, V, np.sum(D * (Z @ (U - V)), axis=1)


def _program_value(
    loss: Loss, yhat: np.ndarray, y: np.ndarray, beta: float, U: np.ndarray, V: np.ndarray
) -> float:
    """C(U, V) = L(yhat) + beta sum_i (||u_i|| + ||v_i||), the program's objective."""
    return loss.mean(yhat, y) + beta * float(np.sum(np.linalg.norm(U, axis=0) + np.linalg.norm(V, axis=0)))


def _empty_history() -> dict[str, list]:
    """A working set's history, filled round by round (:func:`_log_round`)."""
    return {"round": [], "objective": [], "blocks": [], "violation": [], "time_s": []}


def _log_round(
    history: dict[str, list], rounds: int, value: float, blocks: int, viol: list, beta: float, start: float
) -> None:
    """One round of a working set in its history: objective, set size, worst violation / beta - 1, time."""
    history["round"].append(rounds)
    history["objective"].append(value)
    history["blocks"].append(blocks)
    history["violation"].append(float(viol[0][0] / beta - 1.0) if viol else 0.0)
    history["time_s"].append(time.perf_counter() - start)


def sampled_dual_bound(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    directions: np.ndarray,
    lam: np.ndarray,
    *,
    loss: Loss | str,
    beta: float,
    facet_cache: FacetCache | None = None,
) -> float:
    """A lower bound on the optimum of the program on the patterns D (n x P, interior ``directions``).

    Weak duality restricted to the given blocks: with ``price = max_i max(||Proj_K_i(c_i)||,
    ||Proj_K_i(-c_i)||)``, ``c_i = sum_k d_ik lambda_k z_k`` (the exact value of every block, as the
    working set prices it), every ``t lambda`` with ``t price <= beta`` is dual feasible for this
    program, so ``max_t -L*(t lambda) <= min C_D`` (:func:`engine.convex.certificate.best_dual_bound`).
    With lambda = grad L(yhat) of an optimal yhat the bound meets the optimum: a certificate for a
    sampled program (not for min J: the sampled program is a restriction). The cones' facets come from
    ``facet_cache`` where there (e.g. the solve's own) and are found by the compiled hull otherwise
    (:func:`engine.convex.solvers.reduced.facets_for`, the rows of :func:`cone_facets`).
    """
    loss = get_loss(loss)
    Z = lift(np.asarray(X, dtype=float))
    y = np.asarray(y, dtype=float)
    lam = loss.project_to_domain(np.asarray(lam, dtype=float), y)
    D = np.asarray(D, dtype=bool)
    facets = facets_for(Z, D, directions, facet_cache)
    found = _violating_blocks(Z, D, lam, facets.__getitem__, 0.0, 2 * D.shape[1], set())
    price = found[0][0] if found else 0.0
    return best_dual_bound(lam, y, loss, beta, price)[0]


def _proven(request: ConvexRequest, solution: Solution) -> bool:
    """Whether the sampled program's dual bound proves ``solution`` within ``request.tol`` relative: every
    block priced (:func:`sampled_dual_bound`) from grad L at the answer's yhat, then from the solver's
    dual points, until one proves it (the facets from ``request.facet_cache``)."""
    X, y, loss, beta = request.X, request.y, request.loss, request.beta
    pset = request.pattern_set
    U, V, D = solution.U, solution.V, solution.D
    yhat = np.sum(D * (lift(X) @ (U - V)), axis=1)
    value = _program_value(loss, yhat, y, beta, U, V)
    for lam in (loss.mean_gradient(yhat, y), *solution.duals):
        bound = sampled_dual_bound(
            X, y, pset.D, pset.directions, lam, loss=loss, beta=beta, facet_cache=request.facet_cache
        )
        if value - bound <= request.tol * abs(value):
            return True
    return False


def _as_recovered(solution: Solution) -> Solution:
    """``solution`` with the blocks that recovery drops set to zero (norm at most NEURON_REL_THRESHOLD
    of the largest: :func:`engine.convex.recovery.recover_network`), so that C of the result is J of the
    network reported. An interior-point hinge answer spreads tiny weights over many blocks whose sum
    still moves predictions at margin 1: measured 1.5e-6 relative of J on a 14-point set."""
    U, V = solution.U, solution.V
    norms_u, norms_v = np.linalg.norm(U, axis=0), np.linalg.norm(V, axis=0)
    top = max(float(np.max(norms_u, initial=0.0)), float(np.max(norms_v, initial=0.0)))
    keep_u, keep_v = norms_u > NEURON_REL_THRESHOLD * top, norms_v > NEURON_REL_THRESHOLD * top
    if keep_u.all() and keep_v.all():
        return solution
    return dataclasses.replace(solution, U=U * keep_u, V=V * keep_v)


def _resolved_on_support(solution: Solution, threshold: float = 1e-4) -> Solution | None:
    """``solution`` re-solved on its support (blocks above ``threshold`` of the largest) by its own
    ``polish`` resolver, as the shared polish does first; None when there is nothing to re-solve or the
    re-solve fails."""
    U, V, D = solution.U, solution.V, solution.D
    norms_u, norms_v = np.linalg.norm(U, axis=0), np.linalg.norm(V, axis=0)
    top = max(float(np.max(norms_u, initial=0.0)), float(np.max(norms_v, initial=0.0)))
    if solution.polish is None or top == 0.0:
        return None
    su, sv = np.flatnonzero(norms_u > threshold * top), np.flatnonzero(norms_v > threshold * top)
    try:
        Us, Vs, lam, status = solution.polish(D[:, su], D[:, sv])
    except RuntimeError:
        return None
    U, V = np.zeros_like(U), np.zeros_like(V)
    U[:, su], V[:, sv] = Us, Vs
    return dataclasses.replace(solution, U=U, V=V, status=status, duals=dual_pair(lam))


def prove_sampled_optimum(request: ConvexRequest, solution: Solution) -> Solution:
    """``solution`` of a sampled 2-D program, with the status ``"optimal"`` when its own dual bound proves it.

    An interior-point answer (``"optimal"``, or ``"optimal_inaccurate"``: its solver calls it only
    almost solved) is checked the way the working set checks its answers: every block of the program
    priced (:func:`_proven`), as recovery will report it (:func:`_as_recovered`: tiny blocks dropped).
    Within ``request.tol`` relative of the bound it is the program's optimum:
    reported ``"optimal"``, without the re-solve on its support (``polish`` dropped: the proof makes it
    unnecessary; ~10-25 ms of the n = 200 solves). An optimal answer the bound does not prove (its yhat
    too coarse for a tight dual point, though its J may be right) is re-solved on its support here, and
    that answer, when proven, is returned instead; otherwise the answer keeps its re-solve for the shared
    polish (kept only when its J is no higher, so it is optimal too: its resolver reports "optimal" for
    an almost-solved re-solve). An unproven ``"optimal_inaccurate"`` answer and any other status are
    left alone.
    """
    if request.exact or request.X.shape[1] != 2 or solution.status not in ("optimal", "optimal_inaccurate"):
        return solution
    answer = _as_recovered(solution)
    if _proven(request, answer):
        message = solution.message
        if solution.status == "optimal_inaccurate":
            note = "Clarabel stopped almost solved; the sampled program's dual bound proves the answer "
            note += "optimal"
            message = "; ".join(m for m in (message, note) if m)
        return dataclasses.replace(answer, status="optimal", message=message, polish=None)
    if solution.status != "optimal" or solution.polish is None:
        return solution
    resolved = _resolved_on_support(solution)
    if resolved is not None and _proven(request, resolved := _as_recovered(resolved)):
        return dataclasses.replace(resolved, status="optimal", polish=None)
    resolve = solution.polish

    def polish(Du: np.ndarray, Dv: np.ndarray):
        U, V, lam, status = resolve(Du, Dv)
        return U, V, lam, "optimal" if status == "optimal_inaccurate" else status

    return dataclasses.replace(solution, polish=polish)


def solve_on_working_set(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    directions: np.ndarray,
    *,
    loss: Loss | str,
    beta: float,
    tol: float = 1e-7,
    max_rounds: int = 60,
) -> WorkingSetResult:
    """Solve the program on the patterns D (n x P, with interior ``directions``) via a working set."""
    loss = get_loss(loss)
    start = time.perf_counter()
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    Z = lift(X)
    p, P = Z.shape[1], D.shape[1]
    solve: RestrictedSolver = default_restricted_solvers()[0]
    facets: dict[int, np.ndarray] = {}

    def facets_of(i: int) -> np.ndarray:
        if i not in facets:
            facets[i] = cone_facets(Z, D[:, i], directions[i])
        return facets[i]

    first = np.arange(min(P, INITIAL_PATTERNS))
    blocks = {(int(i), s) for i in first for s in (1.0, -1.0)}
    idle: dict[tuple[int, float], int] = dict.fromkeys(blocks, 0)
    history = _empty_history()
    status, rounds = "max_rounds", 0
    U, V, lam = np.zeros((p, P)), np.zeros((p, P)), None
    while rounds < max_rounds:
        rounds += 1
        iu = sorted(i for i, s in blocks if s > 0)
        iv = sorted(i for i, s in blocks if s < 0)
        Uw, Vw, lam, _ = solve(X, y, D[:, iu], D[:, iv], directions[iu], directions[iv], loss, beta)
        U, V, yhat = _on_every_block(Z, D, iu, iv, Uw, Vw)
        grad = loss.mean_gradient(yhat, y)
        # the hinge multiplier (-y_k mu_k, mu_k >= 0) picks the right subgradient at margin 1
        dual = lam if (loss.name == "hinge" and lam is not None) else grad
        viol = _violating_blocks(Z, D, dual, facets_of, beta * (1.0 + tol), ADD_PER_ROUND, blocks)
        _log_round(history, rounds, _program_value(loss, yhat, y, beta, U, V), len(blocks), viol, beta, start)
        if not viol:
            status = "optimal"
            break
        sizes = {(i, 1.0): np.linalg.norm(U[:, i]) for i in iu} | {
            (i, -1.0): np.linalg.norm(V[:, i]) for i in iv
        }
        top = max(sizes.values(), default=0.0)
        for b, size in sizes.items():
            idle[b] = 0 if size > NEURON_REL_THRESHOLD * max(top, 1e-300) else idle[b] + 1
            if idle[b] >= DROP_AFTER:
                blocks.discard(b)
                del idle[b]
        for _, i, s in viol:
            blocks.add((i, s))
            idle[(i, s)] = 0
    return WorkingSetResult(U=U, V=V, lam=lam, status=status, rounds=rounds, history=history)


def solve_from_rough_support(request: ConvexRequest, tol: float = 1e-7) -> Solution | None:
    """The sampled 2-D program solved on the support of a rough solve of it, or None (then the caller
    solves the whole program).

    Clarabel on the whole program, stopped after :data:`ROUGH_ITERATIONS` iterations (its iterate
    ranks the blocks, nothing more), then the program on the :data:`ROUGH_BLOCKS` largest blocks solved
    accurately (:func:`engine.convex.solvers.reduced.solve_reduced`, the whole program's settings), and
    every block of the program priced at its grad L (:func:`_violating_blocks`): when none exceeds
    ``beta (1 + tol)`` the restricted answer is the whole program's optimum (dual feasible for every
    block, optimal on its own set); otherwise the violators join and the set is solved again, at most
    :data:`ROUGH_ROUNDS` times. Only for :data:`ROUGH_LOSSES`, whose whole-program solve is slowest, and
    programs of more than 2 :data:`ROUGH_BLOCKS` blocks; None as well when a solve fails. The facets of
    the request's cache serve every stage.
    """
    X, y, loss, beta = request.X, request.y, request.loss, request.beta
    pset = request.pattern_set
    if request.exact or X.shape[1] != 2 or loss.name not in ROUGH_LOSSES or pset.directions is None:
        return None
    start = time.perf_counter()
    D, G = pset.D, pset.directions
    P = D.shape[1]
    if P <= ROUGH_BLOCKS:  # 2P blocks: the working set would be half the program or more
        return None
    cache = request.facet_cache
    common = {
        "loss": loss,
        "beta": beta,
        "facet_cache": cache,
        "settings": SAMPLED_SETTINGS,
        "objective_scale": SAMPLED_OBJECTIVE_SCALE[loss.name],
    }
    try:
        U, V, _, _ = solve_reduced(X, y, D, directions=G, rough_iterations=ROUGH_ITERATIONS, **common)
    except RuntimeError:
        return None
    sizes = np.r_[np.linalg.norm(U, axis=0), np.linalg.norm(V, axis=0)]
    largest = np.argsort(-sizes, kind="stable")[:ROUGH_BLOCKS]
    blocks = {(int(j % P), 1.0 if j < P else -1.0) for j in largest}  # u-blocks first, then v-blocks
    Z = lift(X)
    facets = facets_for(Z, D, G, cache)
    history = _empty_history()
    for rounds in range(1, ROUGH_ROUNDS + 1):
        iu = sorted(i for i, s in blocks if s > 0)
        iv = sorted(i for i, s in blocks if s < 0)
        try:
            Uw, Vw, lam, status = solve_reduced(
                X, y, D[:, iu], D_v=D[:, iv], directions=G[iu], directions_v=G[iv], **common
            )
        except RuntimeError:
            return None
        U, V, yhat = _on_every_block(Z, D, iu, iv, Uw, Vw)
        viol = _violating_blocks(
            Z, D, loss.mean_gradient(yhat, y), facets.__getitem__, beta * (1.0 + tol), ROUGH_ADD, blocks
        )
        _log_round(history, rounds, _program_value(loss, yhat, y, beta, U, V), len(blocks), viol, beta, start)
        if not viol:
            return Solution(
                U=U,
                V=V,
                D=D,
                status=status,
                program_size=pset.count,
                duals=dual_pair(lam),
                history=history,
                polish=support_resolver(X, y, loss, beta, cache),
            )
        blocks |= {(i, s) for _, i, s in viol}
    return None
