"""Certified column generation for the exact convex program of 2-D data (docs/design.md §3).

Solve the program on a small working set of patterns, price the restricted dual point exactly over the
unit sphere (engine/convex/pricing.py: a sweep along every great circle, O(n^2 log n)), add the patterns of
the directions that violate the dual constraint ``|lambda . relu(Z w)| <= beta``, repeat until the
dual bound certifies the recovered network (relative gap <= tol). Every pattern the exact program has
is available to the pricing, so the end point is the exact program's optimum without building its
n(n - 1) + 2 patterns.

The restricted solver is a parameter. The default (engine/convex/solvers/restricted.py) is
:func:`engine.convex.solvers.reduced.solve_reduced` (the program with each cone cut to its facets,
solved by Clarabel directly), with a facet cache that carries over between rounds. Dual points:
lambda = grad L(f) of the recovered network (exact for the squared and logistic losses) and, when
the restricted solver returns one, its multiplier of yhat (the hinge loss is not differentiable at
margin 1, where the multiplier is the right subgradient).

The ``colgen`` entry of the solver registry (:func:`solve_program`) runs this loop on the exact
program and, on a sampled program, the working set of engine/convex/solvers/working_set.py (a working
set of the sampled patterns, priced over all of them).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from engine.cancel import check as check_cancel
from engine.convex.certificate import DEFAULT_TOLERANCE, best_dual_bound, certify
from engine.convex.polish import polish_on_support
from engine.convex.pricing import sphere_price
from engine.convex.recovery import NEURON_REL_THRESHOLD, merge_neurons, recover_network
from engine.convex.solvers.base import ConvexRequest, Solution, dual_pair
from engine.convex.solvers.reduced import FacetCache, support_resolver
from engine.convex.solvers.restricted import RestrictedSolver, block_keys, default_restricted_solvers
from engine.convex.solvers.working_set import solve_on_working_set
from engine.losses import Loss, get_loss
from engine.network import lift
from engine.patterns import PatternSet, expected_pattern_count, sample_patterns
from engine.results import Certificate

__all__ = [
    "ColumnGenerationResult",
    "RestrictedSolver",
    "column_generation",
    "orient_dual",
    "solve_program",
]

# Initial working set: this many Gaussian draws (then distinct non-empty patterns).
INITIAL_DRAWS = 40
# Violating patterns added per round (the most violating distinct ones): ADD_PER_ROUND_WORK / n, clipped
# to [ADD_PER_ROUND, ADD_PER_ROUND_MAX]. Measured (CPU s, shared 2-core machine): at n = 200, 200 a
# round took 6 rounds instead of 16 on spirals squared (2.9 s vs 5.4 s; the sum over 7 cases 20 s vs
# 31 s); at n = 1000, 50 a round was 2x faster than 200 (the master's cost grows with its size).
ADD_PER_ROUND = 50
ADD_PER_ROUND_MAX = 200
ADD_PER_ROUND_WORK = 40_000
# The loop judges the restricted solution by the network of *all* its blocks: an interior-point
# solution of the (LP-like) hinge program spreads tiny weights whose sum still moves predictions at
# margin 1, so dropping them (the usual recovery threshold) would make J look worse than C.
_EVERY_BLOCK = 1e-12
# Also add, every round, the cells across the tight walls of the neurons in use.
NEIGHBOURS = True
# When every violating block is already in the working set, re-solve on the neurons in use and those
# blocks at most this many times before calling the loop stalled.
_STALL_RETRIES = 3
# A working pattern with zero weight in this many consecutive restricted solutions is dropped.
DROP_AFTER = 1


@dataclass
class ColumnGenerationResult:
    U: np.ndarray
    V: np.ndarray
    D: np.ndarray  # the final working set (n x P)
    directions: np.ndarray  # P x 3, a direction inside each working pattern's cone
    duals: list[np.ndarray]  # dual points worth certifying with
    certificate: Certificate
    rounds: int
    status: str  # "certified", "stalled", "max_rounds", "time_limit" or the restricted solver's
    history: dict[str, list] = field(default_factory=dict)  # round, objective, lower_bound, patterns, time_s


def orient_dual(lam: np.ndarray, f: np.ndarray, y: np.ndarray, loss: Loss) -> np.ndarray:
    """Give a solver's multiplier the sign of grad L(f) (for hinge/logistic: inside the domain)."""
    grad = loss.mean_gradient(f, y)
    score = float(lam @ grad)
    if loss.name != "squared" and abs(score) <= 1e-14:
        score = -float(lam @ y)  # the conjugate's domain needs lam_k y_k <= 0
    return lam if score >= 0.0 else -lam


def _inside_hint(Z: np.ndarray, w: np.ndarray, col: np.ndarray) -> np.ndarray:
    """A direction near w strictly inside the cone of pattern ``col`` (w may sit on its boundary)."""
    s = np.where(col, 1.0, -1.0)
    zn = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    margin = s * (zn @ w)
    tight = margin <= 1e-9
    if not tight.any():
        return w
    others = margin[~tight]
    eps = 0.25 * float(others.min()) if others.size else 1e-3
    return w + eps * (s[tight, None] * zn[tight]).sum(axis=0) / max(1, int(tight.sum()))


def _neighbour_blocks(
    Z: np.ndarray, D: np.ndarray, sign: np.ndarray, Wb: np.ndarray
) -> list[tuple[np.ndarray, float, np.ndarray]]:
    """Blocks for the cells across the tight walls of the neurons in use.

    A neuron pressed against a wall ``z_k . w = 0`` of its cell (the constraint binds) would move
    on into the neighbouring cell, whose pattern differs in point k (and its duplicates) only.
    """
    size = np.linalg.norm(Wb, axis=0)
    top = float(size.max(initial=0.0))
    out = []
    if top == 0.0:
        return out
    zn = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    used = np.flatnonzero(size > NEURON_REL_THRESHOLD * top)
    for j in used[np.argsort(-size[used])]:  # the heaviest neurons first
        w = Wb[:, j] / size[j]
        s = np.where(D[:, j], 1.0, -1.0)
        margin = s * (zn @ w)
        for k in np.flatnonzero(margin <= 1e-7):
            same = np.all(Z == Z[k], axis=1)
            col = D[:, j].copy()
            col[same] = ~col[same]
            if col.any():
                out.append((col, float(sign[j]), w - 1e-6 * s[k] * zn[k]))
    return out


def column_generation(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str,
    beta: float,
    restricted_solver: RestrictedSolver | None = None,
    initial: PatternSet | None = None,
    initial_draws: int = INITIAL_DRAWS,
    seed: int = 0,
    add_per_round: int | None = None,
    max_rounds: int = 100,
    tol: float = DEFAULT_TOLERANCE,
    time_limit: float | None = None,
    facet_cache: FacetCache | None = None,
) -> ColumnGenerationResult:
    """Grow a working set of neuron blocks until the recovered network is certified.

    The working set holds blocks (pattern, sign): u-blocks (output weight > 0) and v-blocks (< 0)
    separately, so a pattern only ever needs the sign that helps. A direction w violating the dual
    constraint with ``g(w) = lambda . relu(Z w) < -beta`` gets a u-block, ``> beta`` a v-block (lambda
    oriented as grad L). Blocks unused for DROP_AFTER rounds leave (pricing can bring them back).
    ``initial`` (e.g. the working set of an earlier run with another beta: a warm start) replaces the
    ``initial_draws`` seeded Gaussian draws (both signs). ``time_limit`` (seconds) stops between rounds.
    ``add_per_round`` (default: by n, see ADD_PER_ROUND_WORK) caps the pricing's and the neighbours'
    new blocks per round.
    A ``restricted_solver`` is called with the :class:`engine.losses.Loss`.
    """
    loss = get_loss(loss)
    start = time.perf_counter()
    if X.shape[1] != 2:
        raise ValueError("column generation with exact pricing needs 2-D data")
    if restricted_solver is not None:
        solve, solve_final = restricted_solver, None
    else:
        solve, solve_final = default_restricted_solvers(facet_cache)
    final_try = False
    if add_per_round is None:
        add_per_round = int(np.clip(ADD_PER_ROUND_WORK // max(1, len(X)), ADD_PER_ROUND, ADD_PER_ROUND_MAX))
    Z = lift(X)
    pset = initial if initial is not None else sample_patterns(X, max(1, initial_draws), seed)
    # blocks: pattern columns, signs (+1: u, -1: v), interior hints; both signs to start with
    D = np.hstack([pset.D, pset.D])
    sign = np.r_[np.ones(pset.count), -np.ones(pset.count)]
    dirs = np.vstack([pset.directions, pset.directions])
    keys = set(block_keys(D, sign))
    idle = np.zeros(D.shape[1], dtype=int)  # rounds in a row a block had zero weight
    history: dict[str, list] = {"round": [], "objective": [], "lower_bound": [], "patterns": [], "time_s": []}
    status, rounds, best_bound = "max_rounds", 0, -np.inf
    retries = 0
    duals: list[np.ndarray] = []
    while rounds < max_rounds:
        check_cancel()
        rounds += 1
        pos = sign > 0
        Uu, Vv, lam, solver_status = solve(X, y, D[:, pos], D[:, ~pos], dirs[pos], dirs[~pos], loss, beta)
        Wb = np.zeros((Z.shape[1], D.shape[1]))
        Wb[:, pos], Wb[:, ~pos] = Uu, Vv
        network = recover_network(Uu, Vv, rel_threshold=_EVERY_BLOCK)
        f = network.predict(X)
        J = network.objective(X, y, loss, beta)
        duals = [loss.mean_gradient(f, y)]
        if lam is not None:  # the solver's multiplier: the right subgradient for the hinge loss
            duals.insert(0, orient_dual(lam, f, y, loss))
        lam_k = loss.project_to_domain(duals[0], y)
        # the exact sweep every round (compiled, O(n^2): 2-3 ms at n = 200, ~45 ms at n = 1000): its
        # value gives a dual bound, its candidates the best direction of every great circle and every
        # cell maximum above beta, largest violation first
        sp = sphere_price(Z, lam_k, threshold=beta * (1.0 + 1e-9), k=4 * add_per_round)
        bound, _ = best_dual_bound(lam_k, y, loss, beta, sp.value)
        best_bound = max(best_bound, bound)
        cand, cand_g = sp.candidates, sp.candidate_values
        new_cols, new_signs, new_dirs = [], [], []
        present = set()  # violating blocks already in the working set (the restricted solve missed them)
        for w, g in zip(cand, cand_g, strict=True):
            if len(new_cols) >= add_per_round:
                break
            col = (Z @ w) >= 0.0
            block_sign = 1.0 if g < 0.0 else -1.0
            key = (np.packbits(col).tobytes(), block_sign)
            if key in keys:
                present.add(key)
            if col.any() and key not in keys:
                keys.add(key)
                new_cols.append(col)
                new_signs.append(block_sign)
                new_dirs.append(_inside_hint(Z, w, col))
        if NEIGHBOURS:
            added = 0
            for col, block_sign, hint in _neighbour_blocks(Z, D, sign, Wb):
                key = (np.packbits(col).tobytes(), block_sign)
                if key not in keys and added < add_per_round:
                    added += 1
                    keys.add(key)
                    new_cols.append(col)
                    new_signs.append(block_sign)
                    new_dirs.append(hint)
        history["round"].append(rounds)
        history["objective"].append(J)
        history["lower_bound"].append(best_bound if np.isfinite(best_bound) else float("nan"))
        history["patterns"].append(int(D.shape[1]))
        history["time_s"].append(time.perf_counter() - start)
        # stop on the gap relative to J itself (stricter than the certificate's max(1, |J|) when
        # |J| < 1), so that the optimum is also accurate to tol relative
        gap = (J - best_bound) / max(abs(J), 1e-300)
        if gap <= tol:
            status = "certified"
            break
        if not new_cols and present and retries < _STALL_RETRIES:
            # every violating block is already in the working set but the restricted solution left it
            # at zero (interior-point accuracy, e.g. the exponential cones of the logistic loss):
            # solve again on the neurons in use and those blocks only, a smaller, better-conditioned
            # program
            retries += 1
            if solve_final is not None:
                # and from now on with the solver's precise variant (logistic: proximal Newton on QPs)
                solve, final_try = solve_final, True
            size = np.linalg.norm(Wb, axis=0)
            in_use = size > NEURON_REL_THRESHOLD * max(float(size.max(initial=0.0)), 1e-300)
            keys_now = block_keys(D, sign)
            keep = in_use | np.array([k in present for k in keys_now])
            for k, kept in zip(keys_now, keep, strict=True):
                if not kept:
                    keys.discard(k)
            D, sign, dirs, idle = D[:, keep], sign[keep], dirs[keep], idle[keep]
            continue
        if not new_cols:
            if not final_try and solve_final is not None:
                final_try = True  # nothing new to add: re-solve once for the solver's own dual point
                solve = solve_final
                continue
            status = "stalled" if solver_status == "optimal" else solver_status
            break
        if time_limit is not None and time.perf_counter() - start > time_limit:
            status = "time_limit"
            break
        size = np.linalg.norm(Wb, axis=0)
        idle = np.where(size > NEURON_REL_THRESHOLD * max(float(size.max(initial=0.0)), 1e-300), 0, idle + 1)
        keep = idle < DROP_AFTER
        keys.difference_update(block_keys(D[:, ~keep], sign[~keep]))
        D = np.hstack([D[:, keep], np.array(new_cols).T])
        sign = np.r_[sign[keep], new_signs]
        dirs = np.vstack([dirs[keep], np.array(new_dirs)])
        idle = np.concatenate([idle[keep], np.zeros(len(new_cols), dtype=int)])
    # one pattern matrix for both: u-blocks then v-blocks, zero where a block has the other sign
    pos = sign > 0
    D = np.hstack([D[:, pos], D[:, ~pos]])
    U = np.hstack([Uu, np.zeros_like(Vv)])
    V = np.hstack([np.zeros_like(Uu), Vv])
    network = recover_network(U, V, rel_threshold=_EVERY_BLOCK)
    cert = certify(X, y, network, loss=loss, beta=beta, tol=tol, extra_duals=duals)
    if cert.certified:
        status = "certified"
    dirs = np.vstack([dirs[pos], dirs[~pos]])
    return ColumnGenerationResult(U, V, D, dirs, duals, cert, rounds, status, history)


def solve_program(request: ConvexRequest) -> Solution:
    """The ``colgen`` entry: column generation on the exact program, a working set on a sampled one."""
    if request.exact:
        return _solve_exact(request)
    X, y, loss, beta = request.X, request.y, request.loss, request.beta
    pset = request.pattern_set
    ws = solve_on_working_set(X, y, pset.D, pset.directions, loss=loss, beta=beta)
    return Solution(
        U=ws.U,
        V=ws.V,
        D=pset.D,
        status=ws.status,
        program_size=pset.count,
        duals=dual_pair(ws.lam),
        history=ws.history,
        polish=support_resolver(X, y, loss, beta),
    )


def _solve_exact(request: ConvexRequest) -> Solution:
    """Certified column generation on the exact program, with its own clean network.

    A ``warm_start`` (an earlier colgen result on the same data, e.g. with another beta) seeds the
    working set with its patterns. The network is the loop's solution re-solved on its support (no
    tiny weights), unless that is worse than the network of every block the loop certified.
    """
    X, y, loss, beta, tol = request.X, request.y, request.loss, request.beta, request.tol
    warm = request.warm_start
    initial = None
    if warm is not None and warm.D.shape[0] == X.shape[0] and warm.D.shape[1] > 0:
        hint = np.where(np.linalg.norm(warm.U, axis=0) > 0.0, warm.U, warm.V).T
        initial = PatternSet(warm.D, hint, exact=False)
    cache: FacetCache = {}
    cg = column_generation(X, y, loss=loss, beta=beta, tol=tol, initial=initial, facet_cache=cache)
    # the loop's restricted solutions are Newton-polished (squared, logistic) or come with the
    # multiplier (hinge): the clean network (tiny groups dropped) is tried first, the network of every
    # block is kept when it is better; a re-solve on the support only when neither is certified
    every = merge_neurons(recover_network(cg.U, cg.V, _EVERY_BLOCK), X)
    clean = merge_neurons(recover_network(cg.U, cg.V), X)
    lam = None
    if not cg.certificate.certified:
        resolve = support_resolver(X, y, loss, beta, cache)
        U, V, _, lam = polish_on_support(X, y, cg.D, cg.U, cg.V, "optimal", loss, beta, resolve)
        clean = merge_neurons(recover_network(U, V), X)
    j_clean, j_every = clean.objective(X, y, loss, beta), every.objective(X, y, loss, beta)
    network = clean if j_clean <= j_every + 0.1 * tol * abs(j_every) else every
    return Solution(
        U=cg.U,
        V=cg.V,
        D=cg.D,
        status=cg.status,
        program_size=expected_pattern_count(X),
        duals=(*cg.duals, *dual_pair(lam)),
        history=cg.history,
        message=f"column generation: {cg.D.shape[1]} patterns in the working set, {cg.rounds} rounds",
        network=network,
        certificate_decides=True,
    )
