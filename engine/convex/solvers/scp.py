"""Sampled convex program (SCP): fixed sampled first-layer directions, l1-penalised output weights.

This module implements the SCP variant of docs/design.md §4 that **fixes sampled first-layer
directions and fits the output weights with an l1 penalty** (not the "gated ReLU" variant).

Construction. Draw ``patterns`` Gaussian directions g in R^(d+1) (seeded), keep the first direction of
every distinct, non-empty activation pattern ``1[Z g >= 0]`` and normalise it to unit length
(:func:`engine.patterns.sample_patterns`, so the kept patterns are exactly those of
``solve_convex(..., patterns=P, pattern_seed=seed)``). With the features ``A = relu(Z G^T)`` (n x P)
solve the lasso-type problem

    S(a) = L(A a) + beta * ||a||_1,        L = mean loss (squared, logistic, hinge),

by FISTA (accelerated proximal gradient with soft-thresholding, step 1/Lip with
``Lip = ||A||_2^2 / n`` for the squared loss, ``/ 4`` for the logistic loss) with gradient-based
adaptive restart. Every few iterations the duality gap (dual point = the loss gradient, scaled so
that ``||A^T lambda||_inf <= beta``) is evaluated, and the run stops when it falls below ``tol``
relative. When the sign pattern of the iterate has been stable for 20 iterations (and in any case
every 200), an active-set Newton method on the current support and signs ("polish": Newton steps cut
where a weight would change sign, that weight leaving the support) is tried and kept only if it
lowers the objective; this makes the squared and logistic runs converge to round-off in a few
hundred iterations instead of many thousands.

The hinge loss is not smooth: the iterations use the Huber-smoothed hinge with a smoothing width
``mu`` decreased by continuation (1e-1 down to 1e-4), and the iterate with the lowest **true** hinge
objective is kept. FISTA on the smoothed hinge is slow (it reached only about 1-3 per cent above the
optimum within 5000 iterations on 40 moons points), so the hinge run ends with an exact finish: the
hinge SCP is a linear program, solved by HiGHS (scipy), and its solution replaces the FISTA iterate
when its true objective is lower. The reported objective is always the true hinge S(a).

Why this is exactly a ReLU network. With unit g_i, the neurons ``w_i = sqrt(|a_i|) g_i`` and
``alpha_i = sign(a_i) sqrt(|a_i|)`` give ``f(x) = sum_i alpha_i relu(w_i . z) = sum_i a_i relu(g_i . z)
= (A a)(x)`` (positive homogeneity of relu), and the regulariser is balanced:
``(beta/2)(||W||^2 + ||alpha||^2) = (beta/2) sum_i (|a_i| + |a_i|) = beta ||a||_1``. Hence
``J(network) = S(a)`` exactly (up to round-off), and the SCP optimum is the value of J at a feasible
network: an **upper bound** on min J (a restriction of the training problem).

Difference from the full convex program (section 3). There the neuron of pattern i is
``u_i - v_i`` with u_i, v_i free inside the pattern's cone ``(2 D_i - I) Z u >= 0``, penalised by the
group norm; the program optimises the direction inside each cone. The SCP fixes the direction of
every pattern at its sample g_i (``u_i = a_i^+ g_i``, ``v_i = a_i^- g_i``), so it is a restriction of
the sampled convex program on the same patterns: ``min S >= min C_sampled >= min C_exact = min J``.

Difference from a "gated ReLU" model. A gated ReLU unit outputs ``1[g_i . z >= 0] (u_i . z)`` with a
free u_i and the gate g_i frozen: its output is not ``relu`` of anything (it can be negative where the
gate is on, and its kink lies on the gate's line, not on u_i's), so a gated model is not a ReLU network
and its objective is not a value of J. Here every unit is ``relu(g_i . z)`` itself, scaled by a_i: the
predictions are those of an actual ReLU network whose kinks lie on the sampled lines ``g_i . z = 0``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from engine.convex.solvers.base import ConvexRequest, Solution
from engine.losses import Loss, get_loss
from engine.network import TwoLayerReLU, lift
from engine.patterns import sample_patterns
from engine.validation import validate_problem

__all__ = ["HINGE_SMOOTHING", "ScpResult", "scp_features", "scp_objective", "scp_solve", "solve_program"]

# Continuation schedule of the hinge smoothing width (margin units); the last one sets the accuracy.
HINGE_SMOOTHING = (1e-1, 1e-2, 1e-3, 1e-4)
# Defaults of scp_solve (also the ``scp`` solver entry's settings): iteration budget, relative duality
# gap at which FISTA stops, and the iterations between two history entries.
MAX_ITER = 5000
TOL = 1e-8
LOG_EVERY = 10
# Iterations between two duality-gap checks (and, ten times rarer, a Newton polish on the support).
_CHECK_EVERY = 5
# A polish is tried once the sign pattern of the iterate has not changed over this many iterations
# (then few weights need to leave the support), and after a polish not before this many more.
_POLISH_AFTER = 20
# ... and in any case this often (small beta: a large support that keeps flickering).
_POLISH_ANYWAY = 200


@dataclass
class ScpResult:
    """Solution of the sampled convex program and the ReLU network it defines."""

    network: TwoLayerReLU  # neurons of the nonzero a_i only
    objective: float  # J(network) on the training data (= S(a))
    directions: np.ndarray  # P x (d+1) unit directions g_i (distinct non-empty patterns)
    a: np.ndarray  # P output weights
    history: dict[str, list[float]] = field(default_factory=dict)  # iteration, objective, time_s
    iterations: int = 0
    converged: bool = False
    loss: str = "squared"  # the loss' name
    beta: float = 1e-3
    time_s: float = 0.0

    @property
    def patterns(self) -> int:
        """Number of kept directions (distinct non-empty patterns)."""
        return int(self.directions.shape[0])

    @property
    def neurons(self) -> int:
        return self.network.width


def scp_features(X: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """``A = relu(Z G^T)`` (n x P) for lifted data Z and directions G (P x (d+1))."""
    return np.maximum(lift(X) @ np.asarray(directions, dtype=float).T, 0.0)


def scp_objective(A: np.ndarray, a: np.ndarray, y: np.ndarray, loss: Loss | str, beta: float) -> float:
    """``S(a) = L(A a) + beta ||a||_1`` with the true (unsmoothed) loss."""
    return get_loss(loss).mean(A @ a, y) + beta * float(np.sum(np.abs(a)))


def _check_settings(patterns, max_iter, tol, log_every) -> None:
    """The FISTA settings (the problem itself is checked by validate_problem)."""
    if isinstance(patterns, bool) or not isinstance(patterns, int | np.integer) or patterns < 1:
        raise ValueError("patterns (the number of sampled directions) must be an integer >= 1")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 1:
        raise ValueError("max_iter must be an integer >= 1")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError("tol must be a positive number")
    if isinstance(log_every, bool) or not isinstance(log_every, int | np.integer) or log_every < 1:
        raise ValueError("log_every must be an integer >= 1")


def _sample_directions(X: np.ndarray, patterns: int, seed: int) -> np.ndarray:
    """Unit directions of the distinct non-empty patterns among ``patterns`` seeded Gaussian draws.

    The draws are one stream (row i is the same for every ``patterns`` >= i), and the first direction
    of each pattern is kept, so a larger ``patterns`` with the same seed gives a superset, in order.
    """
    G = sample_patterns(X, patterns, seed).directions
    return G / np.linalg.norm(G, axis=1, keepdims=True)


def _initial_point(warm_start, directions: np.ndarray) -> np.ndarray:
    P = directions.shape[0]
    if warm_start is None:
        return np.zeros(P)
    if isinstance(warm_start, ScpResult):  # match directions row by row (nested sets)
        a0 = np.zeros(P)
        index = {row.tobytes(): i for i, row in enumerate(directions)}
        for row, value in zip(warm_start.directions, warm_start.a, strict=True):
            i = index.get(np.ascontiguousarray(row).tobytes())
            if i is not None:
                a0[i] = value
        return a0
    a0 = np.asarray(warm_start, dtype=float).reshape(-1)
    if a0.shape[0] != P:
        raise ValueError(f"warm_start has {a0.shape[0]} entries but the program has {P} directions")
    if not np.all(np.isfinite(a0)):
        raise ValueError("warm_start contains NaN or infinite values")
    return a0.copy()


def _smooth_loss(loss: Loss, y: np.ndarray, mu: float):
    """(value, gradient) of the mean loss as functions of f; the hinge is Huber-smoothed with width mu."""
    n = len(y)
    if loss.name == "squared":
        return (lambda f: 0.5 * float(np.mean((f - y) ** 2)), lambda f: (f - y) / n)
    if loss.name == "logistic":
        return (lambda f: loss.mean(f, y), lambda f: loss.mean_gradient(f, y))

    def value(f):
        t = 1.0 - y * f
        return float(np.mean(np.where(t <= 0, 0.0, np.where(t < mu, t * t / (2 * mu), t - mu / 2))))

    def grad(f):
        t = 1.0 - y * f
        return -y * np.clip(t / mu, 0.0, 1.0) / n

    return value, grad


def _dual_value(A, y, loss: Loss, beta: float, mu: float, lam: np.ndarray) -> float:
    """Best dual value ``-L_mu*(s lam)`` over scalings s keeping ``||A^T s lam||_inf <= beta``.

    ``L_mu`` is the (smoothed, for the hinge) mean loss; any such value is a lower bound on its
    lasso optimum, so ``primal - dual`` bounds the optimisation error.
    """
    top = float(np.max(np.abs(A.T @ lam))) if A.shape[1] else 0.0
    s_max = beta / top if top > 0.0 else 1e12
    s_max = min(s_max, loss.dual_scale_limit(lam, y))
    n = len(y)

    def conj(s: float) -> float:
        value = loss.mean_conjugate(s * lam, y)
        return value + (0.5 * mu * n * s * s * float(np.sum(lam**2)) if loss.name == "hinge" else 0.0)

    if loss.name in ("squared", "hinge"):  # a quadratic in s: maximise in closed form on [0, s_max]
        a2 = n * float(np.sum(lam**2)) * (1.0 if loss.name == "squared" else mu)
        b = float(np.sum(lam * y))
        s = float(np.clip(-b / a2, 0.0, s_max)) if a2 > 0.0 else (s_max if b < 0 else 0.0)
        return -conj(s)
    # logistic: -L* is concave in s; golden-section on [0, s_max]
    lo, hi = 0.0, s_max
    for _ in range(25):  # error in s ~ 0.618^25 ~ 6e-6; in the value ~ its square
        m1, m2 = lo + 0.382 * (hi - lo), hi - 0.382 * (hi - lo)
        if conj(m1) < conj(m2):
            hi = m2
        else:
            lo = m1
    best = min((conj(s), s) for s in (lo, hi, s_max))
    return -best[0]


def _polish(
    A: np.ndarray, y: np.ndarray, x: np.ndarray, loss: Loss, beta: float, mu: float = 0.0
) -> np.ndarray | None:
    """Active-set Newton on the support of x with its signs fixed (the problem is smooth there).

    Each Newton step is cut where a weight would change sign; that weight leaves the support
    (value 0) and the step is repeated. Returns the new point (never a sign change), or None.
    """
    support = np.flatnonzero(x)
    if support.size == 0:
        return None
    out = x.copy()
    value, grad = _smooth_loss(loss, y, mu)
    n = len(y)
    for _ in range(4 * support.size + 20):
        if support.size == 0:
            break
        As = A[:, support]
        z = out[support]
        sign = np.sign(z)
        f = As @ z
        g = As.T @ grad(f) + beta * sign
        if loss.name == "squared":
            curv = np.full(n, 1.0 / n)
        elif loss.name == "hinge":  # semismooth Newton on the Huber-smoothed hinge
            margin = 1.0 - y * f
            curv = ((margin > 0.0) & (margin < mu)) / (n * mu)
        else:
            p = 1.0 / (1.0 + np.exp(-np.abs(f)))
            curv = p * (1.0 - p) / n
        H = As.T @ (curv[:, None] * As)
        H[np.diag_indices_from(H)] += 1e-12 * max(1.0, float(np.trace(H)) / len(z))
        try:
            dz = -np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(dz * sign < 0, -z / dz, np.inf)
        t_cap = min(1.0, float(np.min(ratio)))
        t = t_cap
        if loss.name == "hinge":  # backtracking (Armijo) on the smooth objective of the fixed signs
            current = value(f) + beta * float(sign @ z)
            slope = float(g @ dz)
            while t > 1e-10:
                trial = z + t * dz
                if value(As @ trial) + beta * float(sign @ trial) <= current + 1e-4 * t * slope:
                    break
                t *= 0.5
            if t <= 1e-10:
                break
        z_new = z + t * dz
        if t == t_cap < 1.0:
            z_new[int(np.argmin(ratio))] = 0.0
        out[support] = z_new
        if t == t_cap < 1.0:
            support = support[z_new != 0.0]
            continue
        if loss.name == "squared" or np.linalg.norm(dz) <= 1e-13 * max(1.0, float(np.linalg.norm(z))):
            break
    return out if np.all(np.isfinite(out)) else None


def _hinge_lp(A: np.ndarray, y: np.ndarray, beta: float) -> np.ndarray | None:
    """The hinge SCP as a linear program, solved exactly by HiGHS (None if it fails).

    ``min (1/n) sum s + beta sum (p + q)`` s.t. ``s >= 1 - y * (A (p - q))``, ``s, p, q >= 0``; a = p - q.
    """
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, identity
    from scipy.sparse import hstack as sp_hstack

    n, P = A.shape
    YA = csr_matrix(y[:, None] * A)
    cost = np.concatenate([np.full(2 * P, beta), np.full(n, 1.0 / n)])
    A_ub = sp_hstack([-YA, YA, -identity(n, format="csr")], format="csr")  # -yA p + yA q - s <= -1
    res = linprog(cost, A_ub=A_ub, b_ub=-np.ones(n), bounds=(0, None), method="highs")
    if res.status != 0 or res.x is None:
        return None
    a = res.x[:P] - res.x[P : 2 * P]
    a[np.abs(a) <= 1e-12 * max(1.0, float(np.max(np.abs(a), initial=0.0)))] = 0.0
    return a


def _soft(v: np.ndarray, thr: float) -> np.ndarray:
    return np.sign(v) * np.maximum(np.abs(v) - thr, 0.0)


def scp_solve(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str = "squared",
    beta: float = 1e-3,
    patterns: int = 200,
    seed: int = 0,
    max_iter: int = MAX_ITER,
    tol: float = TOL,
    warm_start: np.ndarray | ScpResult | None = None,
    log_every: int = LOG_EVERY,
) -> ScpResult:
    """Solve ``min_a L(A a) + beta ||a||_1`` on ``patterns`` sampled directions by FISTA.

    ``patterns`` is the number of Gaussian draws (the kept directions are the distinct non-empty
    patterns among them, as in ``solve_convex``); ``warm_start`` is a vector of length P (the number of
    kept directions) or an earlier :class:`ScpResult` (its weights are matched to equal directions).
    Stops when the relative objective change and the relative step are both below ``tol`` (``sqrt(tol)``
    for the step) or after ``max_iter`` iterations (over all hinge continuation stages together).
    ``history`` holds every ``log_every``-th iteration and the last one, with the true objective S(a).
    """
    X, y, loss = validate_problem(X, y, loss, beta)  # data, labels and beta, as for every solver
    _check_settings(patterns, max_iter, tol, log_every)
    return _fista(X, y, loss, float(beta), int(patterns), int(seed), max_iter, tol, warm_start, log_every)


def _fista(
    X: np.ndarray,
    y: np.ndarray,
    loss: Loss,
    beta: float,
    patterns: int,
    seed: int,
    max_iter: int,
    tol: float,
    warm_start: np.ndarray | ScpResult | None,
    log_every: int,
) -> ScpResult:
    """:func:`scp_solve` on checked inputs."""
    start = time.perf_counter()
    directions = _sample_directions(X, patterns, seed)
    A = scp_features(X, directions)
    n, P = A.shape
    a = _initial_point(warm_start, directions)
    history: dict[str, list[float]] = {"iteration": [], "objective": [], "time_s": []}

    def objective(f: np.ndarray, x: np.ndarray) -> float:
        return loss.mean(f, y) + beta * float(np.sum(np.abs(x)))

    def log(k: int, value: float) -> None:
        history["iteration"].append(float(k))
        history["objective"].append(value)
        history["time_s"].append(time.perf_counter() - start)

    f = A @ a
    best_a, best_obj = a.copy(), objective(f, a)
    log(0, best_obj)
    iterations, converged = 0, P == 0
    if P > 0:
        norm2 = float(np.linalg.norm(A, 2)) ** 2
        stages = HINGE_SMOOTHING if loss.name == "hinge" else (0.0,)
        for stage, mu in enumerate(stages):
            last = stage == len(stages) - 1
            value, grad = _smooth_loss(loss, y, mu)
            lip = norm2 / n * {"squared": 1.0, "logistic": 0.25, "hinge": 1.0 / max(mu, 1e-300)}[loss.name]
            step = 1.0 / max(lip, 1e-300)
            # stage target: a relative duality gap of tol (intermediate hinge stages: mu / 100)
            target = tol if last else max(tol, 1e-2 * mu)
            x, fx = a.copy(), f.copy()  # current iterate and A x
            yv, fy = x.copy(), fx.copy()  # momentum point and A y
            t = 1.0
            smooth_obj = value(fx) + beta * float(np.sum(np.abs(x)))
            stage_converged = False
            last_signs, stable_since, last_polish = np.sign(x), iterations, iterations
            while iterations < max_iter:
                iterations += 1
                x_new = _soft(yv - step * (A.T @ grad(fy)), step * beta)
                f_new = A @ x_new
                new_obj = value(f_new) + beta * float(np.sum(np.abs(x_new)))
                dx = x_new - x
                # adaptive restart (gradient scheme), also when the objective went up
                if float(np.dot(yv - x_new, dx)) > 0.0 or new_obj > smooth_obj:
                    t_new, momentum = 1.0, 0.0
                else:
                    t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
                    momentum = (t - 1.0) / t_new
                yv = x_new + momentum * dx
                fy = f_new + momentum * (f_new - fx)
                x, fx, t, smooth_obj = x_new, f_new, t_new, new_obj
                if iterations % _CHECK_EVERY == 0 or iterations == max_iter:
                    signs = np.sign(x)
                    if not np.array_equal(signs, last_signs):
                        last_signs, stable_since = signs, iterations
                    if (
                        iterations - max(stable_since, last_polish) >= _POLISH_AFTER
                        or iterations - last_polish >= _POLISH_ANYWAY
                    ):
                        last_polish = iterations
                        xp = _polish(A, y, x, loss, beta, mu)
                        if xp is not None:
                            fp = A @ xp
                            op = value(fp) + beta * float(np.sum(np.abs(xp)))
                            if op < smooth_obj:
                                x, fx, smooth_obj = xp, fp, op
                                yv, fy, t = x.copy(), fx.copy(), 1.0
                    gap = smooth_obj - _dual_value(A, y, loss, beta, mu, grad(fx))
                    if gap <= target * max(1.0, abs(smooth_obj)):
                        stage_converged = True
                true_obj = smooth_obj if loss.name != "hinge" else objective(fx, x)
                if loss.name != "hinge" or true_obj <= best_obj:
                    best_a, best_obj = x.copy(), true_obj
                if iterations % log_every == 0:
                    log(iterations, true_obj)
                if stage_converged:
                    break
            a, f = x, fx
            converged = stage_converged and last
            if loss.name != "hinge":
                best_a, best_obj = a, objective(f, a)
        if loss.name == "hinge":  # exact finish: the hinge SCP is a linear program
            a_lp = _hinge_lp(A, y, beta)
            if a_lp is not None:
                lp_obj = objective(A @ a_lp, a_lp)
                if lp_obj <= best_obj:
                    best_a, best_obj = a_lp, lp_obj
                converged = True
        final = objective(A @ best_a, best_a)
        if history["iteration"][-1] != iterations:
            log(iterations, final)
        else:
            history["objective"][-1] = final
    a = best_a
    keep = a != 0.0
    root = np.sqrt(np.abs(a[keep]))
    network = TwoLayerReLU(W=root[:, None] * directions[keep], alpha=np.sign(a[keep]) * root)
    if not keep.any():
        network = TwoLayerReLU(W=np.zeros((0, X.shape[1] + 1)), alpha=np.zeros(0))
    return ScpResult(
        network=network,
        objective=network.objective(X, y, loss, beta),
        directions=directions,
        a=a,
        history=history,
        iterations=iterations,
        converged=bool(converged),
        loss=loss.name,
        beta=beta,
        time_s=time.perf_counter() - start,
    )


def solve_program(request: ConvexRequest) -> Solution:
    """The ``scp`` entry: the SCP on the request's draws, as a point of the convex program.

    ``a_i g_i`` is a feasible u_i (a_i > 0) or v_i (a_i < 0) of the pattern of g_i, so the SCP's
    network is the one recovered from (U, V) and C(U, V) = S(a); it is reported as SCP's own (no
    polish, no merge).
    """
    X, y = request.X, request.y
    draws, seed = int(request.patterns), int(request.pattern_seed)
    res = _fista(X, y, request.loss, request.beta, draws, seed, MAX_ITER, TOL, None, LOG_EVERY)
    G = res.directions
    D = (lift(X) @ G.T) >= 0.0
    U, V = G.T * np.maximum(res.a, 0.0), G.T * np.maximum(-res.a, 0.0)
    return Solution(
        U=U,
        V=V,
        D=D,
        status="optimal" if res.converged else "max_iter",
        program_size=int(D.shape[1]),
        history=res.history,
        message="" if res.converged else f"SCP stopped after {res.iterations} iterations",
        network=res.network,
    )
