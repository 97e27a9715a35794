"""The convex program of a two-layer ReLU network, its reference solver and network recovery.

For patterns D_1..D_P and variables u_i, v_i in R^(d+1) (docs/design.md §3):

    C(u, v) = L(yhat) + beta * sum_i (||u_i||_2 + ||v_i||_2),   yhat = sum_i D_i Z (u_i - v_i),
    subject to (2 D_i - I) Z u_i >= 0 and (2 D_i - I) Z v_i >= 0.

With all patterns (``exact``) min C equals the global minimum of J for every width m >= m*. With
sampled patterns the program is a restriction, so its optimum is an upper bound on min J.
Recovery: each nonzero u_i gives the neuron (u_i / sqrt||u_i||, +sqrt||u_i||), each nonzero v_i
gives (v_i / sqrt||v_i||, -sqrt||v_i||); then J(recovered) = C.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cvxpy as cp
import numpy as np

from engine.convex.certificate import DEFAULT_TOLERANCE, certify
from engine.convex.colgen import column_generation
from engine.convex.recovery import NEURON_REL_THRESHOLD, convex_objective, merge_neurons, recover_network
from engine.convex.solvers.admm import admm_solve
from engine.convex.solvers.reduced import solve_reduced
from engine.convex.solvers.scp import scp_solve
from engine.convex.solvers.working_set import solve_on_working_set
from engine.network import lift
from engine.patterns import PatternSet, count_exact_patterns, exact_patterns, sample_patterns
from engine.results import ConvexResult
from engine.validation import validate_problem

__all__ = [
    "COLGEN_MAX_N",
    "EXACT_MAX_N",
    "MAX_SAMPLED_PATTERNS",
    "NEURON_REL_THRESHOLD",
    "SOLVERS",
    "SOLVER_HELP",
    "build_patterns",
    "convex_objective",
    "recover_network",
    "solve_convex",
    "solve_cvxpy",
]

SOLVERS = ("cvxpy", "admm", "scp", "colgen", "reduced", "auto")
SOLVER_HELP = {
    "cvxpy": "reference: CVXPY + Clarabel on the whole program (SCS if Clarabel fails)",
    "admm": "ADMM (Bai et al. Alg. 3.1), n x n Woodbury solve",
    "scp": "sampled convex program: fixed sampled directions, l1 output weights (FISTA)",
    "colgen": "column generation: a working set of patterns, priced over all of them (exact program: "
    "the whole unit sphere, certified, 2-D data; sampled program: the sampled patterns)",
    "reduced": "Clarabel called directly on the program with each cone cut to its facets",
    "auto": "the fastest route: column generation (2-D data, exact or sampled), else the reference",
}
# ADMM settings used by solve_convex (relative accuracy about 10x the tolerance; see solvers/admm.py).
_ADMM_TOL = 1e-7
_ADMM_MAX_ITER = 20_000
# Largest training-set size for which the reference solver (CVXPY + Clarabel) handles the exact
# program, n(n-1)+2 patterns, within a few seconds (also the cap for ADMM on the exact program).
EXACT_MAX_N = 40
# Largest n whose exact patterns are counted exactly for the report (O(n^3), 0.2 s at n = 400).
_COUNT_MAX_N = 400
# Largest training-set size for column generation on the exact program (its pricing is O(n^2 log n)).
COLGEN_MAX_N = 2000
# Largest number of sampled patterns the reference solver is asked to handle.
MAX_SAMPLED_PATTERNS = 2000
# SCS is the fallback when Clarabel fails; bounded so the app never waits long.
_SCS_OPTIONS = {"eps": 1e-7, "max_iters": 4000, "time_limit_secs": 10.0}
# Tight Clarabel tolerances for the small re-solve on the support (objectives can be ~1e-3).
_POLISH_OPTIONS = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8}


def build_patterns(X: np.ndarray, patterns: str | int, pattern_seed: int = 0) -> PatternSet:
    """The exact patterns (2-D) or ``patterns`` Gaussian draws, without the empty pattern."""
    if patterns == "exact":
        return exact_patterns(X, include_empty=False)
    count = int(patterns)
    if count < 1 or count > MAX_SAMPLED_PATTERNS:
        raise ValueError(f"the number of sampled patterns must be between 1 and {MAX_SAMPLED_PATTERNS}")
    return sample_patterns(X, count, pattern_seed)


def cvxpy_mean_loss(f: cp.Expression, y: np.ndarray, loss: str) -> cp.Expression:
    """The mean loss (docs/design.md §2) of the predictions ``f`` as a CVXPY expression."""
    n = len(y)
    if loss == "squared":
        return cp.sum_squares(f - y) / (2 * n)
    if loss == "hinge":
        return cp.sum(cp.pos(1 - cp.multiply(y, f))) / n
    return cp.sum(cp.logistic(-cp.multiply(y, f))) / n


def solve_cvxpy(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    loss: str,
    beta: float,
    solver: str = "CLARABEL",
    options: dict | None = None,
    D_v: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Solve the convex program on patterns D with CVXPY: (U, V, dual point lambda or None, status).

    ``lambda`` is the multiplier of ``yhat = sum_i D_i Z (u_i - v_i)`` (up to sign, a dual point for
    the certificate). ``options`` go to the solver (e.g. Clarabel's tolerances). ``D_v``, if given,
    is a separate pattern set for the v_i (default: the same as the u_i's).
    """
    Z = lift(X)
    n, p = Z.shape
    Du = D.astype(float)
    Dv = Du if D_v is None else D_v.astype(float)
    U = cp.Variable((p, Du.shape[1]))
    V = cp.Variable((p, Dv.shape[1]))
    f = cp.Variable(n)
    ZU, ZV = Z @ U, Z @ V
    link = f == cp.sum(cp.multiply(Du, ZU), axis=1) - cp.sum(cp.multiply(Dv, ZV), axis=1)
    data = cvxpy_mean_loss(f, y, loss)
    reg = cp.sum(cp.norm(U, 2, axis=0)) + cp.sum(cp.norm(V, 2, axis=0))
    problem = cp.Problem(
        cp.Minimize(data + beta * reg),
        [link, cp.multiply(2.0 * Du - 1.0, ZU) >= 0, cp.multiply(2.0 * Dv - 1.0, ZV) >= 0],
    )
    try:
        problem.solve(solver=solver, **(options or {}))
    except cp.error.SolverError as exc:
        raise RuntimeError(f"the reference solver failed: {exc}") from exc
    if U.value is None:
        raise RuntimeError(f"the reference solver returned no solution (status {problem.status})")
    lam = None if link.dual_value is None else np.asarray(link.dual_value, dtype=float).reshape(-1)
    return np.asarray(U.value), np.asarray(V.value), lam, str(problem.status)


def _solve_with_fallback(
    X: np.ndarray, y: np.ndarray, D: np.ndarray, loss: str, beta: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Clarabel first; if it fails (numerical trouble, mostly with the logistic loss), SCS."""
    try:
        return solve_cvxpy(X, y, D, loss, beta, solver="CLARABEL")
    except RuntimeError as first:
        try:
            return solve_cvxpy(X, y, D, loss, beta, solver="SCS", options=_SCS_OPTIONS)
        except RuntimeError:
            raise RuntimeError(f"{first}; SCS failed too") from first


def _polish(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    U: np.ndarray,
    V: np.ndarray,
    status: str,
    loss: str,
    beta: float,
    resolve: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray | None, str]],
    support_threshold: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray, str, np.ndarray | None]:
    """Re-solve on the patterns an interior-point solution actually uses.

    ``resolve(D_u, D_v)`` solves the program with the patterns D_u for the u_i and D_v for the v_i.

    An interior-point solution spreads tiny nonzero groups over every pattern; together they shift
    yhat. The program restricted to the support (groups above ``support_threshold`` of the largest)
    is small, solves to high accuracy and, when the support is right, has the same optimum. The
    polished solution is kept only if its recovered network has a lower J. Also returns the
    restricted program's dual point (None if there was no re-solve).
    """
    best_U, best_V, best_status, best_lam = U, V, status, None
    best_J = recover_network(U, V).objective(X, y, loss, beta)
    for _ in range(3):  # a re-solve can leave tiny groups of its own: shrink the support again
        norms_u, norms_v = np.linalg.norm(U, axis=0), np.linalg.norm(V, axis=0)
        top = max(float(np.max(norms_u, initial=0.0)), float(np.max(norms_v, initial=0.0)))
        if top == 0.0:
            break
        su = np.flatnonzero(norms_u > support_threshold * top)
        sv = np.flatnonzero(norms_v > support_threshold * top)
        try:
            Us, Vs, lam, status_s = resolve(D[:, su], D[:, sv])
        except RuntimeError:
            break
        U, V = np.zeros_like(U), np.zeros_like(V)
        U[:, su], V[:, sv] = Us, Vs
        support = np.concatenate([su, sv])
        best_lam = lam if best_lam is None else best_lam
        J = recover_network(U, V).objective(X, y, loss, beta)
        if J <= best_J:
            best_U, best_V, best_status, best_J, best_lam = U, V, status_s, J, lam
        new_size = np.maximum(np.linalg.norm(U, axis=0), np.linalg.norm(V, axis=0))
        if np.sum(new_size > NEURON_REL_THRESHOLD * np.max(new_size)) == len(support):
            break
    return best_U, best_V, best_status, best_lam


def _solve_scp(
    X: np.ndarray, y: np.ndarray, loss: str, beta: float, draws: int, seed: int, tol: float, start: float
) -> ConvexResult:
    """SCP (solvers/scp.py) as a ConvexResult: a_i g_i is a feasible u_i (a_i > 0) or v_i (a_i < 0)."""
    res = scp_solve(X, y, loss=loss, beta=beta, patterns=draws, seed=seed)
    G = res.directions
    D = (lift(X) @ G.T) >= 0.0
    U, V = G.T * np.maximum(res.a, 0.0), G.T * np.maximum(-res.a, 0.0)
    elapsed = time.perf_counter() - start
    certificate = certify(X, y, res.network, loss=loss, beta=beta, tol=tol)
    return ConvexResult(
        network=res.network,
        objective=certificate.objective,
        convex_objective=convex_objective(X, y, D, U, V, loss, beta),
        certificate=certificate,
        patterns=int(D.shape[1]),
        pattern_mode="sampled",
        solver="scp",
        time_s=elapsed,
        status="optimal" if res.converged else "max_iter",
        U=U,
        V=V,
        D=D,
        message="" if res.converged else f"SCP stopped after {res.iterations} iterations",
    )


def _check_request(X: np.ndarray, loss: str, patterns: str | int, solver: str) -> None:
    """Reject solver / pattern combinations that cannot work, with a message saying what to do."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    n = X.shape[0]
    if patterns == "exact":
        if X.shape[1] != 2:
            raise ValueError("exact patterns need 2-D data; give a number of sampled patterns instead")
        if solver in ("cvxpy", "admm", "reduced") and n > EXACT_MAX_N:
            raise ValueError(
                f"the exact program is limited to n <= {EXACT_MAX_N} points with the {solver} solver "
                f"(n = {n}); use --solver colgen (certified, n <= {COLGEN_MAX_N}) or sampled patterns"
            )
        if solver in ("colgen", "auto") and n > COLGEN_MAX_N:
            raise ValueError(f"column generation is limited to n <= {COLGEN_MAX_N} points (n = {n})")
        if solver == "scp":
            raise ValueError("SCP samples its first-layer directions: give a number of sampled patterns")
    if solver == "colgen" and X.shape[1] != 2:
        raise ValueError("column generation needs 2-D data (its pricing works on 2-D pattern cones)")


def _reduced_resolver(
    X: np.ndarray, y: np.ndarray, loss: str, beta: float, facet_cache: dict
) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray | None, str]]:
    """``resolve(D_u, D_v)`` for :func:`_polish` by the facet-reduced program (facets cached)."""

    def resolve(Du: np.ndarray, Dv: np.ndarray):
        return solve_reduced(X, y, Du, loss=loss, beta=beta, D_v=Dv, facet_cache=facet_cache)

    return resolve


def _solve_colgen(
    X: np.ndarray,
    y: np.ndarray,
    loss: str,
    beta: float,
    tol: float,
    start: float,
    warm_start: ConvexResult | None = None,
) -> ConvexResult:
    """Certified column generation on the exact program (engine/convex/colgen.py) as a ConvexResult.

    A ``warm_start`` (an earlier colgen result on the same data, e.g. with another beta) seeds the
    working set with its patterns.
    """
    initial = None
    if warm_start is not None and warm_start.D.shape[0] == X.shape[0] and warm_start.D.shape[1] > 0:
        hint = np.where(np.linalg.norm(warm_start.U, axis=0) > 0.0, warm_start.U, warm_start.V).T
        initial = PatternSet(warm_start.D, hint, exact=False)
    cg = column_generation(X, y, loss=loss, beta=beta, tol=tol, initial=initial)
    # the clean network: re-solved on its support (no tiny weights), unless that is worse than the
    # network of every block the loop certified
    resolve = _reduced_resolver(X, y, loss, beta, {})
    U, V, _, lam = _polish(X, y, cg.D, cg.U, cg.V, "optimal", loss, beta, resolve)
    duals = list(cg.duals) + ([lam, -lam] if lam is not None else [])
    clean = merge_neurons(recover_network(U, V), X)
    every = merge_neurons(recover_network(cg.U, cg.V, 1e-12), X)
    j_clean, j_every = clean.objective(X, y, loss, beta), every.objective(X, y, loss, beta)
    network = clean if j_clean <= j_every + 0.1 * tol * abs(j_every) else every
    certificate = certify(X, y, network, loss=loss, beta=beta, tol=tol, extra_duals=duals)
    message = f"column generation: {cg.D.shape[1]} patterns in the working set, {cg.rounds} rounds"
    if not certificate.certified:
        message += f"; stopped uncertified ({cg.status}), relative gap {certificate.relative_gap:.1e}"
    return ConvexResult(
        network=network,
        objective=certificate.objective,
        convex_objective=convex_objective(X, y, cg.D, cg.U, cg.V, loss, beta),
        certificate=certificate,
        patterns=expected_pattern_count(X),
        pattern_mode="exact",
        solver="colgen",
        time_s=time.perf_counter() - start,
        status="optimal" if certificate.certified else cg.status,
        U=cg.U,
        V=cg.V,
        D=cg.D,
        message=message,
        history=cg.history,
    )


def expected_pattern_count(X: np.ndarray) -> int:
    """Number of non-empty exact patterns of 2-D X: counted exactly (Euler's formula over the
    arrangement's vertices) up to n = 400; above that n(n-1)+1, exact for points in general position.

    Column generation never lists them all; the count is what the result reports as its program size.
    """
    if X.shape[0] <= _COUNT_MAX_N:
        return count_exact_patterns(X) - 1
    m = np.unique(X, axis=0).shape[0]
    return m * (m - 1) + 1


def solve_convex(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: str = "squared",
    beta: float = 1e-3,
    patterns: str | int = "exact",
    pattern_seed: int = 0,
    solver: str = "cvxpy",
    tol: float = DEFAULT_TOLERANCE,
    warm_start: ConvexResult | None = None,
) -> ConvexResult:
    """Solve the convex program, recover the network and certify it against the dual bound.

    ``warm_start`` is an earlier result on the same data (beta or the pattern count may differ):
    column generation starts from its working set. The other solvers ignore it.

    ``patterns`` is ``"exact"`` (2-D data) or a number of Gaussian draws. ``solver`` is one of
    :data:`SOLVERS` (see :data:`SOLVER_HELP`); the exact program is limited to n <= EXACT_MAX_N for
    the cvxpy, admm and reduced solvers and to n <= COLGEN_MAX_N for colgen / auto. ``objective`` of
    the result is J of the recovered network on (X, y).
    """
    X, y, _ = validate_problem(X, y, loss, beta)
    _check_request(X, loss, patterns, solver)
    if solver == "auto":  # column generation prices over 2-D cones; the reference solver elsewhere
        solver = "colgen" if X.shape[1] == 2 else "cvxpy"
    start = time.perf_counter()
    if solver == "colgen" and patterns == "exact":
        return _solve_colgen(X, y, loss, beta, tol, start, warm_start)
    if solver == "scp":
        return _solve_scp(X, y, loss, beta, int(patterns), pattern_seed, tol, start)
    pset = build_patterns(X, patterns, pattern_seed)
    message = ""
    facet_cache: dict = {}
    history: dict[str, list] = {}
    try:
        if solver == "admm":
            res = admm_solve(X, y, pset.D, beta=beta, loss=loss, tol=_ADMM_TOL, max_iter=_ADMM_MAX_ITER)
            U, V, lam = res.U, res.V, None
            status = "optimal" if res.converged else "max_iter"
            history = res.history
        elif solver == "reduced":
            U, V, lam, status = solve_reduced(
                X, y, pset.D, loss=loss, beta=beta, directions=pset.directions, facet_cache=facet_cache
            )
        elif solver == "colgen":  # sampled patterns: a working set of them, priced over all of them
            ws = solve_on_working_set(X, y, pset.D, pset.directions, loss=loss, beta=beta)
            U, V, lam, history = ws.U, ws.V, ws.lam, ws.history
            status = ws.status
        elif pset.exact:  # Clarabel on the whole program, or column generation when it fails
            U, V, lam, status = solve_cvxpy(X, y, pset.D, loss, beta)
        else:
            U, V, lam, status = _solve_with_fallback(X, y, pset.D, loss, beta)
        D = pset.D
    except RuntimeError:
        if not pset.exact or solver != "cvxpy":
            raise
        cg = column_generation(X, y, loss=loss, beta=beta, tol=tol)
        U, V, D, lam, status = cg.U, cg.V, cg.D, None, "optimal" if cg.status == "certified" else cg.status
        message = (
            f"Clarabel failed on the full program; column generation used {D.shape[1]} of the "
            f"{pset.count} patterns ({cg.rounds} rounds)"
        )
    if solver == "admm":  # report ADMM's own answer, not a Clarabel re-solve of it
        lam_polished = None
        if status != "optimal":
            message = f"ADMM stopped after {res.iterations} iterations without meeting its tolerance"
    else:
        if solver in ("reduced", "colgen"):
            resolve = _reduced_resolver(X, y, loss, beta, facet_cache)
        else:

            def resolve(Du, Dv):
                return solve_cvxpy(X, y, Du, loss, beta, options=_POLISH_OPTIONS, D_v=Dv)

        U, V, status, lam_polished = _polish(X, y, D, U, V, status, loss, beta, resolve)
    duals = [d for lam_k in (lam, lam_polished) if lam_k is not None for d in (lam_k, -lam_k)]
    network = merge_neurons(recover_network(U, V), X)
    elapsed = time.perf_counter() - start
    certificate = certify(X, y, network, loss=loss, beta=beta, tol=tol, extra_duals=duals)
    if status == "optimal_inaccurate" and certificate.certified:
        status = "optimal"  # the certificate proves what the solver could not confirm
    if status not in ("optimal",) and not message:
        message = f"the {solver} solver stopped with status {status!r}"
    if not history:
        history = {"iteration": [1], "objective": [certificate.objective], "time_s": [elapsed]}
    return ConvexResult(
        network=network,
        objective=certificate.objective,
        convex_objective=convex_objective(X, y, D, U, V, loss, beta),
        certificate=certificate,
        patterns=pset.count,
        pattern_mode="exact" if pset.exact else "sampled",
        solver=solver,
        time_s=elapsed,
        status=status,
        U=U,
        V=V,
        D=D,
        message=message,
        history=history,
    )
