"""ADMM for the convex program (Bai, Gautam & Sojoudi, arXiv 2201.01965, Alg. 3.1), for every loss.

The program (docs/design.md §3) over u = (u_1..u_P, v_1..v_P), each block in R^p (p = d + 1), with
the mean loss L(f) = (1/n) sum_k l(f_k, y_k) (squared, hinge or logistic, docs/design.md §2):

    min_u  L(F u) + beta * sum_j ||w_j||_2    s.t.  u = w,  G u = s,  s >= 0,

with F = [D_1 Z, ..., D_P Z, -D_1 Z, ..., -D_P Z] (so F u = yhat) and G = blockdiag((2 D_i - I) Z)
(the same block for u_i and v_i). Scaled-form ADMM with scaled duals lam (for u = w), nu (for G u = s).

**Squared loss: the loss stays in the u-step** (exact, one linear solve). With penalty rho:

    u   <- (F^T F / n + rho I + rho G^T G)^(-1) (F^T y / n + rho (w - lam) + rho G^T (s - nu))
    w   <- group soft-threshold(u + lam, beta / rho)
    s   <- max(0, G u + nu)
    lam <- lam + u - w;   nu <- nu + G u - s

**Hinge and logistic: one more splitting F u = q** (exact as well; the paper's Alg. 3.1 needs an
inexact u-step instead). The loss moves onto q in R^n, the constraint F u = q gets its own penalty
rho_q and scaled dual mu, and the steps are

    u   <- (rho_q F^T F + rho I + rho G^T G)^(-1) (rho_q F^T (q - mu) + rho (w - lam) + rho G^T (s - nu))
    w, s as above;   q <- prox_{L / rho_q}(F u + mu);   lam, nu as above;   mu <- mu + F u - q.

The prox is separable: q_k = argmin_t l(t, y_k) / n + (rho_q / 2) (t - v_k)^2, with tau = 1 / (n rho_q).
In the margin m = y_k v_k (labels -1/+1) it is, for the hinge, min(max(m, 1), m + tau) (closed form),
and for the logistic the root of -sigmoid(-m') + (m' - m) / tau = 0, which lies in [m, m + tau]:
vectorised safeguarded Newton steps (Numerical Recipes' rtsafe: bisection of the shrinking bracket
where a Newton step leaves it or does not halve), to 1e-13 (relative) or 50 steps: 3-5 steps at
tau <= 1 (the default tau is 1), about 20 at tau = 1000. Both steps stay exact, so ADMM's
convergence theory holds as for the squared loss (two blocks: u, and (w, s, q), which separates).

**The u-step.** (2 D_i - I)^2 = I, so G_i^T G_i = Z^T Z and A = rho (I + G^T G) = blockdiag(rho (I + Z^T Z)),
A^(-1) = blockdiag(M) / rho with M = (I + Z^T Z)^(-1) (p x p). Woodbury on A + c F^T F (c = 1/n for the
squared loss, c = rho_q with the q-splitting):

    (A + c F^T F)^(-1) = A^(-1) - A^(-1) F^T (I / c + F A^(-1) F^T)^(-1) F A^(-1),
    F A^(-1) F^T = (1/rho) sum_i 2 D_i Z M Z^T D_i = (2/rho) (Z M Z^T) .* (D D^T) = B / rho,

so I / c + F A^(-1) F^T = K / rho with the n x n matrix K = (rho / c) I + B, factored once by
Cholesky (again only when rho / c changes: for the squared loss K = rho n I + B, refactored when rho
changes; with the q-splitting residual balancing scales rho and rho_q together and K never changes).
With q = A^(-1) r and t = rho K^(-1) F q the step is u = q - A^(-1) F^T t. Every product is vectorised
with the blocks as columns of p x 2P arrays; the 2pP x 2pP matrix is never formed.

**Stopping** (Boyd et al. 2011, section 3.3, with the constraint [I; G; F] u - [w; s; q] = 0, the
F-rows only with the q-splitting): primal residual r = ||(u - w, G u - s, F u - q)||, dual residual
d = ||(rho (w - w_prev), rho G^T (s - s_prev), rho_q F^T (q - q_prev))||; stop when
r <= eps_pri = tol (sqrt(dim) a / rho_0 + max(||(u, G u, F u)||, ||(w, s, q)||)) and
d <= eps_dual = tol (sqrt(dim) a + ||rho lam + rho G^T nu + rho_q F^T mu||), with the absolute scale
a = 1e-3 ||F^T grad L(0)|| (the loss gradient at zero; ||F^T y|| / n for the squared loss). Residual
balancing (optional, off by default) doubles or halves rho (and rho_q) when one residual is 10x the
other, rescaling the scaled duals. Over-relaxation (default 1.6) replaces u, G u and F u by
alpha u + (1 - alpha) w, alpha G u + (1 - alpha) s and alpha F u + (1 - alpha) q in the w, s, q and
dual steps.

**Penalties** (:func:`default_rho`): squared and hinge rho = beta / 5, logistic rho = min(beta / 5,
5 beta^2); rho_q = 1 / n (the mean loss' scale: the prox parameter tau = 1 / (n rho_q) is then one
margin unit, and K = (n rho) I + B is the squared loss' matrix). Measured as the first logged
iteration (every 10) with J(recovered) within 1e-4 of the optimum of the same sampled program, as
rho = a beta and rho_q = c / n ("-": not within the budget):

- squared (earlier measurement): a = 1/3 .. 1/10 fastest on two moons n = 200 and random problems.
- hinge, two moons n = 200, 271 patterns, beta = 1e-3 (15,000 iterations): a = 0.02: -, 0.05: -,
  0.2: 11,910, 0.5: 11,570; c = 0.1: 13,500. Two moons n = 100, beta = 1e-2: a = 0.05: -, 0.2: 8,190
  (c = 0.1: 7,730), 1: -. Random n = 12..20: a = 0.2 .. 0.5 best (380 .. 2,230 iterations).
- logistic, two moons n = 200, beta = 1e-3 (reference SCS at 1e-9: Clarabel stops "optimal_inaccurate"
  0.7 % above the optimum here): a = 0.005: 2,120, 0.01: 1,790, 0.02: 4,950, 0.05: 11,470, 0.2: -,
  1: -; c = 0.1 or 10 no better than 1. beta = 1e-2: a = 0.05: 3,480, 0.1: -, 0.2: - (6,000
  iterations); n = 100, beta = 1e-2: 0.05: 2,860, 0.1: 5,530, 0.2: -. Random n = 12..20 at beta =
  0.01 .. 0.1: a = 0.1 .. 0.5 best (140 .. 600 iterations), 0.05 within 2 .. 5x of that.

The hinge is the slowest (its optimum is degenerate: many margins sit exactly at 1); residual
balancing (``adaptive_rho``) was worse for all three losses. With the defaults, two moons n = 200,
271 patterns, beta = 1e-3 (one CPU, logging every 10 iterations included): squared 1e-4 at 1,700
iterations (3 s), 1e-6 at 31,390 (58 s), CVXPY 3.4 s; hinge 1e-4 at 11,910 (27 s), 4e-5 after
40,000, CVXPY 4-7 s; logistic 1e-4 at 2,120 (6 s), 1e-6 at 29,030 (73 s), CVXPY (Clarabel) 3 s
but "optimal_inaccurate", 7e-3 above the optimum (SCS to 1e-9: 41 s).

**Reported objective.** The network is recovered from the w iterate (sparse, exact group norms) with
:func:`engine.convex.recovery.recover_network` and its J (with the run's loss) on the data is reported. While
w still violates the cone constraints, J(recovered) differs from the convex objective C: the reported
number is always the objective of a real network. With ``log_lower_bound`` (2-D data) every log point
also records the dual lower bound of :mod:`engine.convex.certificate` at lambda = grad L(predictions of that
network): a certified lower bound on the global optimum of J, below every logged objective.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.special import expit

from engine.cancel import check as check_cancel
from engine.convex.certificate import best_dual_bound, price
from engine.convex.recovery import recover_network
from engine.convex.solvers.base import ConvexRequest, Solution, dual_pair
from engine.losses import Loss, get_loss
from engine.network import lift

__all__ = [
    "ABS_WEIGHT",
    "CHECK_EVERY",
    "AdmmResult",
    "AdmmState",
    "admm_solve",
    "default_rho",
    "group_soft_threshold",
    "loss_prox",
    "solve_program",
]

# Residual balancing: adapt rho when one residual exceeds the other by this factor ...
_BALANCE_RATIO = 10.0
# ... by this factor, at most this many times.
_BALANCE_FACTOR = 2.0
_BALANCE_MAX_CHANGES = 50
# ... and keeps it within this factor of its initial value.
_RHO_RANGE = 1e3
# Residuals (stopping test, balancing) are computed every this many iterations (they cost about as
# much as the iteration itself). Public: the robust ADMM checks on the same schedule.
CHECK_EVERY = 10
# Weight of the absolute part of the stopping tolerances (relative to the problem's scale).
ABS_WEIGHT = 1e-3
# ADMM settings of the ``admm`` solver entry (solve_convex): relative accuracy about 10x the tolerance.
PROGRAM_TOL = 1e-7
PROGRAM_MAX_ITER = 20_000
# Logistic prox: Newton steps until they are below this (in margin units) or this many steps.
_PROX_TOL = 1e-13
_PROX_MAX_STEPS = 50


@dataclass
class AdmmState:
    """The ADMM iterates, for a warm start: blocks as columns (u_i then v_i), scaled duals at ``rho``.

    ``q``, ``mu`` (n-vectors) and ``rho_q`` are the loss split F u = q (hinge, logistic; None for the
    squared loss). A warm start is accepted only on the same loss and the same data / pattern shape;
    with another beta or rho the duals are rescaled (lam scales with beta, scaled duals with 1 / rho).
    """

    u: np.ndarray  # p x 2P
    w: np.ndarray  # p x 2P
    s: np.ndarray  # n x 2P
    lam: np.ndarray  # p x 2P (scaled dual of u = w)
    nu: np.ndarray  # n x 2P (scaled dual of G u = s)
    rho: float
    beta: float
    loss: str = "squared"
    q: np.ndarray | None = None  # n (the predictions F u, loss split only)
    mu: np.ndarray | None = None  # n (scaled dual of F u = q)
    rho_q: float | None = None

    def with_more_patterns(self, extra: int) -> AdmmState:
        """The same iterate on a pattern set with ``extra`` more patterns appended (weights zero).

        Sampled pattern sets of one seed are nested (the distinct patterns of the first k draws come
        first), so a run with more draws can start from a run with fewer: a warm start when only the
        pattern count grows.
        """
        if extra < 0:
            raise ValueError("a warm start can only add patterns")
        P = self.u.shape[1] // 2

        def pad(a: np.ndarray) -> np.ndarray:
            z = np.zeros((a.shape[0], extra))
            return np.hstack([a[:, :P], z, a[:, P:], z])

        return AdmmState(
            u=pad(self.u),
            w=pad(self.w),
            s=pad(self.s),
            lam=pad(self.lam),
            nu=pad(self.nu),
            rho=self.rho,
            beta=self.beta,
            loss=self.loss,
            q=self.q,
            mu=self.mu,
            rho_q=self.rho_q,
        )


@dataclass
class AdmmResult:
    """An ADMM solution: ``U``, ``V`` (p x P, from the w iterate), its history and the final state."""

    U: np.ndarray
    V: np.ndarray
    history: dict[str, list] = field(default_factory=dict)
    iterations: int = 0
    converged: bool = False
    rho: float = 0.0
    state: AdmmState | None = None
    time_s: float = 0.0


def default_rho(Z: np.ndarray, beta: float, loss: Loss | str = "squared") -> tuple[float, float | None]:
    """The default penalties (rho, rho_q): rho for u = w and G u = s, rho_q for F u = q (None: squared).

    squared and hinge: rho = beta / 5; logistic: rho = min(beta / 5, 5 beta^2); rho_q = 1 / n.
    Chosen by experiment: iterations until J(recovered) stays within 1e-4 of the reference optimum on
    the same patterns (over-relaxation 1.6, residual balancing off), on two moons (n = 100 with 162
    sampled patterns, n = 200 with 271) at beta = 1e-2 and 1e-3 and on random problems (n = 12..20,
    40 draws) at beta = 1e-3..0.1; the numbers are in the module docstring. Residual balancing drove
    rho up (the cone residual G u - s dominates) and slowed every loss down.
    """
    n = Z.shape[0]
    beta = float(beta)
    name = get_loss(loss).name
    if name == "squared":
        return beta / 5.0, None
    if name == "logistic":
        return min(beta / 5.0, 5.0 * beta**2), 1.0 / n
    return beta / 5.0, 1.0 / n


def loss_prox(loss: Loss, v: np.ndarray, y: np.ndarray, tau: float) -> np.ndarray:
    """``argmin_q  sum_k l(q_k, y_k) * tau + ||q - v||^2 / 2``, elementwise (hinge and logistic, y = +-1).

    With the mean loss L = (1/n) sum l and penalty rho_q this is prox_{L / rho_q}(v) for
    ``tau = 1 / (n rho_q)``. Worked in the margin m = y v (y^2 = 1); see the module docstring.
    """
    m = y * v
    if loss.name == "hinge":
        return y * np.minimum(np.maximum(m, 1.0), m + tau)
    if loss.name != "logistic":
        raise ValueError(f"no prox step for the {loss.name} loss")
    lo, hi = m.copy(), m + tau  # the root of phi'(t) = -sigmoid(-t) + (t - m) / tau lies in [m, m + tau]
    t = np.clip(m + tau * expit(-m), lo, hi)  # one fixed-point step as the start
    dx = dx_old = hi - lo
    active = np.ones(m.shape, dtype=bool)
    for _ in range(_PROX_MAX_STEPS):
        # safeguarded Newton ("rtsafe", Numerical Recipes 9.4): bisect where the Newton point leaves
        # the bracket or the step does not halve (plain Newton can 2-cycle here when tau is large)
        sig = expit(-t)
        grad = -sig + (t - m) / tau
        hess = sig * (1.0 - sig) + 1.0 / tau
        lo = np.where(grad < 0.0, t, lo)
        hi = np.where(grad > 0.0, t, hi)
        bisect = (((t - hi) * hess - grad) * ((t - lo) * hess - grad) > 0.0) | (
            np.abs(2.0 * grad) > np.abs(dx_old * hess)
        )
        dx_old = dx
        dx = np.where(active, np.where(bisect, 0.5 * (hi - lo), grad / hess), 0.0)
        t = np.where(bisect & active, lo + dx, t - dx)
        active &= np.abs(dx) > _PROX_TOL * (1.0 + np.abs(t))  # converged entries stay put
        if not active.any():
            break
    return y * t


class _Operators:
    """F, G and the Woodbury u-solve of one problem (patterns D, lifted data Z)."""

    def __init__(self, Z: np.ndarray, D: np.ndarray) -> None:
        n, p = Z.shape
        P = D.shape[1]
        self.Z = Z
        self.n = n
        self.D2 = np.hstack([D, D]).astype(float)  # n x 2P: pattern of block j
        self.S2 = 2.0 * self.D2 - 1.0  # n x 2P: the signs (2 D_i - I)
        self.sgn = np.concatenate([np.ones(P), -np.ones(P)])  # +u_i, -v_i in F
        self.M = np.linalg.inv(np.eye(p) + Z.T @ Z)
        self.B = 2.0 * (Z @ self.M @ Z.T) * (D.astype(float) @ D.T.astype(float))  # n x n
        self.rho = None
        self.shift = None
        self.chol = None
        self.work = np.empty((n, 2 * P))  # buffer for the n x 2P products (no allocation per step)

    def factor(self, rho: float, f_weight: float | None = None) -> None:
        """Prepare the solve with c F^T F + rho (I + G^T G), c = ``f_weight`` (default 1/n)."""
        c = 1.0 / self.n if f_weight is None else f_weight
        shift = rho / c
        if shift != self.shift:
            K = self.B + shift * np.eye(self.n)
            self.chol = cho_factor(K, lower=True, check_finite=False)
            self.shift = shift
        self.rho = rho

    def apply_f(self, ZU: np.ndarray) -> np.ndarray:
        """F u from Z u (or from G u: D_i (2 D_i - I) = D_i), n x 2P; overwrites ``ZU``."""
        ZU *= self.D2
        return ZU @ self.sgn

    def apply_ft(self, t: np.ndarray) -> np.ndarray:
        """F^T t as p x 2P."""
        np.multiply(self.D2, t[:, None], out=self.work)
        return (self.Z.T @ self.work) * self.sgn[None, :]

    def apply_gt(self, X: np.ndarray) -> np.ndarray:
        """G^T x for x as n x 2P, as p x 2P (``X`` may be the work buffer)."""
        np.multiply(self.S2, X, out=self.work)
        return self.Z.T @ self.work

    def solve(self, R: np.ndarray) -> np.ndarray:
        """(c F^T F + rho (I + G^T G))^(-1) applied to R (p x 2P), c as in the last :meth:`factor`."""
        rho = self.rho
        Q = self.M @ R / rho
        np.matmul(self.Z, Q, out=self.work)
        t = rho * cho_solve(self.chol, self.apply_f(self.work), check_finite=False)
        return Q - self.M @ self.apply_ft(t) / rho


def group_soft_threshold(X: np.ndarray, tau: float) -> np.ndarray:
    """The prox of ``tau * sum_j ||x_j||_2`` over the columns x_j of X: each shrunk by tau towards 0."""
    norms = np.linalg.norm(X, axis=0)
    scale = np.maximum(0.0, 1.0 - tau / np.maximum(norms, 1e-300))
    return X * scale[None, :]


def _initial_state(
    state: AdmmState | None, n: int, p: int, P: int, loss: Loss, beta: float, rho: float, rho_q: float | None
):
    """(u, w, s, lam, nu, q, mu) from a warm start (checked and rescaled) or zeros."""
    split = rho_q is not None
    if state is None:
        z_blocks, z_cone = np.zeros((p, 2 * P)), np.zeros((n, 2 * P))
        return (
            z_blocks,
            z_blocks.copy(),
            z_cone,
            z_blocks.copy(),
            z_cone.copy(),
            np.zeros(n) if split else None,
            np.zeros(n) if split else None,
        )
    if state.u.shape != (p, 2 * P) or state.s.shape != (n, 2 * P):
        raise ValueError("the warm start was computed on different data or patterns")
    if state.loss != loss.name or (state.q is not None) != split:
        raise ValueError(f"the warm start was computed with the {state.loss} loss, not the {loss} loss")
    # scaled duals are y / rho: keep the unscaled duals when rho changes; the dual of u = w is a
    # subgradient of beta * sum ||w_j||, so it scales with beta
    lam = state.lam * (state.rho / rho) * (beta / state.beta)
    nu = state.nu * (state.rho / rho)
    q = mu = None
    if split:
        q, mu = state.q.copy(), state.mu * (state.rho_q / rho_q)
    return state.u.copy(), state.w.copy(), state.s.copy(), lam, nu, q, mu


def admm_solve(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    *,
    beta: float,
    loss: Loss | str = "squared",
    rho: float | None = None,
    rho_q: float | None = None,
    max_iter: int = 2000,
    tol: float = 1e-6,
    log_every: int = 10,
    warm_start: AdmmState | AdmmResult | None = None,
    adaptive_rho: bool = False,
    relaxation: float = 1.6,
    log_lower_bound: bool = False,
) -> AdmmResult:
    """Solve the convex program on patterns ``D`` (n x P boolean) by ADMM, for any of the three losses.

    ``rho`` and ``rho_q`` (the penalty of the loss split F u = q, hinge and logistic only) default to
    :func:`default_rho`; with ``adaptive_rho`` they are doubled or halved together when the primal
    and dual residuals are more than 10x apart (residual balancing, off by default: it slowed the
    objective in our tests). ``relaxation`` in (0, 2) is the over-relaxation factor (1 = plain
    ADMM). ``tol`` is the relative tolerance on both residuals (for the squared loss the objective's
    relative error came out between tol and 10 tol: tol = 1e-6 for 1e-4, 1e-8 for 1e-6). ``history``
    holds, every ``log_every`` iterations and at the end, ``iteration``, ``objective`` (J of the
    network recovered from the w iterate), ``primal_residual``, ``dual_residual``, ``rho``, ``time_s``
    and ``lower_bound`` (the dual bound of :mod:`engine.convex.certificate` at that network's loss gradient
    when ``log_lower_bound`` and the data are 2-D, else NaN; pricing is not counted in ``time_s``).
    ``warm_start`` is a previous result or state on the same patterns and loss (beta may differ).
    """
    loss = get_loss(loss)
    if not (np.isfinite(beta) and beta > 0.0):
        raise ValueError("beta must be a positive number")
    if not 0.0 < relaxation < 2.0:
        raise ValueError("relaxation must lie in (0, 2)")
    if max_iter < 1 or log_every < 1:
        raise ValueError("max_iter and log_every must be at least 1")
    start = time.perf_counter()
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    D = np.asarray(D, dtype=bool)
    Z = lift(X)
    n, p = Z.shape
    if D.ndim != 2 or D.shape[0] != n or y.shape[0] != n:
        raise ValueError("D must be n x P with one row per training point, and y must have n entries")
    split = loss.name != "squared"
    if split and not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"the {loss} loss needs labels -1/+1")
    P = D.shape[1]
    ops = _Operators(Z, D)

    state = warm_start.state if isinstance(warm_start, AdmmResult) else warm_start
    rho_default, rho_q_default = default_rho(Z, beta, loss)
    rho = float(rho_default if rho is None else rho)
    rho_q = None if not split else float(rho_q_default if rho_q is None else rho_q)
    if not (np.isfinite(rho) and rho > 0.0) or (split and not (np.isfinite(rho_q) and rho_q > 0.0)):
        raise ValueError("rho and rho_q must be positive numbers")
    u, w, s, lam, nu, q, mu = _initial_state(state, n, p, P, loss, beta, rho, rho_q)
    ops.factor(rho, rho_q)

    grad0 = ops.apply_ft(loss.mean_gradient(np.zeros(n), y))  # F^T grad L(0)
    Fty = -grad0 if not split else None  # F^T y / n, the squared loss' u-step right-hand side
    dim_pri = np.sqrt(u.size + s.size + (n if split else 0))
    dim_dual = np.sqrt(u.size)
    # absolute floors: the size of the loss gradient at 0 (dual) and of a matching u (primal)
    abs_dual = ABS_WEIGHT * float(np.linalg.norm(grad0)) + 1e-300
    abs_pri = abs_dual / rho
    rho_min, rho_max = rho / _RHO_RANGE, rho * _RHO_RANGE
    bound_on = log_lower_bound and X.shape[1] == 2

    history: dict[str, list] = {
        "iteration": [],
        "objective": [],
        "primal_residual": [],
        "dual_residual": [],
        "rho": [],
        "time_s": [],
        "lower_bound": [],
    }
    paused = 0.0  # time spent pricing the lower bound, not counted in time_s

    def log(k: int, r: float, d: float) -> None:
        nonlocal paused
        now = time.perf_counter()
        net = recover_network(w[:, :P], w[:, P:])
        f = net.predict(X)
        history["iteration"].append(k)
        history["objective"].append(loss.mean(f, y) + beta * float(net.regulariser()))
        history["primal_residual"].append(r)
        history["dual_residual"].append(d)
        history["rho"].append(rho)
        history["time_s"].append(now - start - paused)
        bound = float("nan")
        if bound_on:
            # lambda = grad L(f) of the recovered network, and with the loss split also ADMM's own
            # dual point rho_q mu, which lies in the subdifferential of L at q (the hinge's gradient
            # picks the wrong subgradient at margin 1, where most points of a hinge optimum sit)
            duals = [loss.mean_gradient(f, y)] + ([rho_q * mu] if split else [])
            for lam_d in duals:
                lam_d = loss.project_to_domain(lam_d, y)
                price_value, _, _, _ = price(X, lam_d)
                bound = np.nanmax([bound, best_dual_bound(lam_d, y, loss, beta, price_value)[0]])
        history["lower_bound"].append(float(bound))
        paused += time.perf_counter() - now if bound_on else 0.0

    converged = False
    changes = 0
    k = 0
    r_norm = d_norm = float("nan")
    Gu = np.empty((n, 2 * P))
    buf = np.empty((n, 2 * P))
    tau = None if not split else 1.0 / (n * rho_q)
    for k in range(1, max_iter + 1):
        if k % CHECK_EVERY == 0:
            check_cancel()
        # The n x 2P arrays (G u, s, nu) are updated in place: fresh large arrays every step cost
        # page faults that doubled the time of an iteration.
        np.subtract(s, nu, out=buf)
        R = rho * (w - lam) + rho * ops.apply_gt(buf)
        R += Fty if not split else rho_q * ops.apply_ft(q - mu)
        u = ops.solve(R)
        np.matmul(Z, u, out=Gu)
        Gu *= ops.S2
        if split:
            np.copyto(buf, Gu)
            Fu = ops.apply_f(buf)  # D_i (2 D_i - I) Z u_i = D_i Z u_i
        check = k == 1 or k % CHECK_EVERY == 0 or k % log_every == 0 or k == max_iter
        w_prev = w
        s_prev = s.copy() if check else None
        q_prev = q
        # over-relaxation (Boyd et al. section 3.4.3): u_hat = w + a (u - w), Gu_hat = s + a (G u - s)
        u_hat = w + relaxation * (u - w)
        np.subtract(Gu, s, out=buf)
        buf *= relaxation
        buf += s
        buf += nu  # buf = Gu_hat + nu
        w = group_soft_threshold(u_hat + lam, beta / rho)
        np.maximum(buf, 0.0, out=s)
        np.subtract(buf, s, out=nu)  # nu + Gu_hat - s
        lam = lam + u_hat - w
        if split:
            Fu_hat = q + relaxation * (Fu - q)
            q = loss_prox(loss, Fu_hat + mu, y, tau)
            mu = mu + Fu_hat - q
        if not check:
            continue
        pri_sq = np.sum((u - w) ** 2) + np.sum((Gu - s) ** 2)
        dual_sq = np.sum((w - w_prev) ** 2) + np.sum(ops.apply_gt(s - s_prev) ** 2)
        out_sq = np.sum(u**2) + np.sum(Gu**2)
        in_sq = np.sum(w**2) + np.sum(s**2)
        dual_vec = rho * (lam + ops.apply_gt(nu))
        if split:
            pri_sq += np.sum((Fu - q) ** 2)
            dual_sq += (rho_q / rho) ** 2 * np.sum(ops.apply_ft(q - q_prev) ** 2)
            out_sq += np.sum(Fu**2)
            in_sq += np.sum(q**2)
            dual_vec += rho_q * ops.apply_ft(mu)
        r_norm = float(np.sqrt(pri_sq))
        d_norm = rho * float(np.sqrt(dual_sq))
        eps_pri = tol * (dim_pri * abs_pri + float(np.sqrt(max(out_sq, in_sq))))
        eps_dual = tol * (dim_dual * abs_dual + float(np.linalg.norm(dual_vec)))
        if k == 1 or k % log_every == 0:
            log(k, r_norm, d_norm)
        if r_norm <= eps_pri and d_norm <= eps_dual:
            converged = True
            break
        if adaptive_rho and k % CHECK_EVERY == 0 and changes < _BALANCE_MAX_CHANGES:
            factor = 1.0
            if r_norm > _BALANCE_RATIO * d_norm and rho * _BALANCE_FACTOR <= rho_max:
                factor = _BALANCE_FACTOR
            elif d_norm > _BALANCE_RATIO * r_norm and rho / _BALANCE_FACTOR >= rho_min:
                factor = 1.0 / _BALANCE_FACTOR
            if factor != 1.0:
                rho *= factor
                lam, nu = lam / factor, nu / factor
                if split:
                    rho_q *= factor
                    mu = mu / factor
                    tau = 1.0 / (n * rho_q)
                ops.factor(rho, rho_q)
                changes += 1
    if history["iteration"][-1] != k:
        log(k, r_norm, d_norm)
    return AdmmResult(
        U=w[:, :P].copy(),
        V=w[:, P:].copy(),
        history=history,
        iterations=k,
        converged=converged,
        rho=rho,
        state=AdmmState(
            u=u, w=w, s=s, lam=lam, nu=nu, rho=rho, beta=beta, loss=loss.name, q=q, mu=mu, rho_q=rho_q
        ),
        time_s=time.perf_counter() - start - paused,
    )


def solve_program(request: ConvexRequest) -> Solution:
    """The ``admm`` entry: ADMM on the program's patterns, reported as is (no polish).

    Its status is ``"optimal"`` when the residuals met :data:`PROGRAM_TOL`, else ``"max_iter"``; the
    message states the accuracy reached (the final primal and dual residuals). On the exact program
    the certificate then decides (engine/convex/program.py ``finish``): an ADMM answer whose dual gap
    stays above the tolerance is reported ``"uncertified"`` with that gap, never as the optimum. ADMM's
    own dual points go to the certificate: ``grad L`` at the program's predictions ``F w`` and, with the
    loss split (hinge, logistic), ``rho_q mu`` (a subgradient of L at q).
    """
    pset = request.pattern_set
    res = admm_solve(
        request.X,
        request.y,
        pset.D,
        beta=request.beta,
        loss=request.loss,
        tol=PROGRAM_TOL,
        max_iter=PROGRAM_MAX_ITER,
    )
    primal, dual = res.history["primal_residual"][-1], res.history["dual_residual"][-1]
    met = "met" if res.converged else "did not meet"
    message = (
        f"ADMM: {res.iterations} iterations, primal residual {primal:.1e}, dual residual {dual:.1e} "
        f"({met} its relative tolerance {PROGRAM_TOL:g})"
    )
    state = res.state
    Z, D = lift(request.X), pset.D
    yhat = np.sum(D * (Z @ res.U), axis=1) - np.sum(D * (Z @ res.V), axis=1)  # F w, the program's yhat
    duals: tuple[np.ndarray, ...] = (request.loss.mean_gradient(yhat, request.y),)
    if state is not None and state.mu is not None and state.rho_q is not None:
        duals += dual_pair(state.rho_q * state.mu)
    return Solution(
        U=res.U,
        V=res.V,
        D=pset.D,
        status="optimal" if res.converged else "max_iter",
        program_size=pset.count,
        duals=duals,
        history=res.history,
        message=message,
    )
