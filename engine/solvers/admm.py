"""ADMM for the convex program with the squared loss (Bai, Gautam & Sojoudi, arXiv 2201.01965, Alg. 3.1).

The program (DESIGN.md section 3) over u = (u_1..u_P, v_1..v_P), each block in R^p (p = d + 1):

    min_u  (1/(2n)) ||F u - y||^2 + beta * sum_j ||w_j||_2    s.t.  u = w,  G u = s,  s >= 0,

with F = [D_1 Z, ..., D_P Z, -D_1 Z, ..., -D_P Z] and G = blockdiag((2 D_i - I) Z) (the same block
for u_i and v_i). Scaled-form ADMM with penalty rho and scaled duals lam (for u = w), nu (for G u = s):

    u   <- (F^T F / n + rho I + rho G^T G)^(-1) (F^T y / n + rho (w - lam) + rho G^T (s - nu))
    w   <- group soft-threshold(u + lam, beta / rho)
    s   <- max(0, G u + nu)
    lam <- lam + u - w;   nu <- nu + G u - s

**The u-step.** (2 D_i - I)^2 = I, so G_i^T G_i = Z^T Z and A = rho (I + G^T G) = blockdiag(rho (I + Z^T Z)),
A^(-1) = blockdiag(M) / rho with M = (I + Z^T Z)^(-1) (p x p). Woodbury on A + F^T F / n:

    (A + F^T F / n)^(-1) = A^(-1) - A^(-1) F^T (n I + F A^(-1) F^T)^(-1) F A^(-1),
    F A^(-1) F^T = (1/rho) sum_i 2 D_i Z M Z^T D_i = (2/rho) (Z M Z^T) .* (D D^T),

so n I + F A^(-1) F^T = K / rho with the n x n matrix K = rho n I + 2 (Z M Z^T) .* (D D^T), factored
once by Cholesky (again only when rho changes). With q = A^(-1) r and t = rho K^(-1) F q the step is
u = q - A^(-1) F^T t. Every product is vectorised with the blocks as columns of p x 2P arrays; the
2pP x 2pP matrix is never formed.

**Stopping** (Boyd et al. 2011, section 3.3, with the constraint [I; G] u - [w; s] = 0): primal residual
r = ||(u - w, G u - s)||, dual residual d = rho ||(w - w_prev, G^T (s - s_prev))||; stop when
r <= eps_pri = tol (sqrt(dim) a / rho_0 + max(||(u, G u)||, ||(w, s)||)) and
d <= eps_dual = tol (sqrt(dim) a + rho ||lam + G^T nu||), with the absolute scale
a = 1e-3 ||F^T y|| / n (the loss gradient at zero). Residual balancing (optional, off by default)
doubles or halves rho when one residual is 10x the other, rescaling the scaled duals and refactoring K.
Over-relaxation (default 1.6) replaces u and G u by alpha u + (1 - alpha) w and alpha G u + (1 - alpha) s
in the w, s and dual steps.

**Reported objective.** The network is recovered from the w iterate (sparse, exact group norms) with
:func:`engine.recovery.recover_network` and its J on the data is reported. While w still violates the
cone constraints, J(recovered) differs from the convex objective C: the reported number is always the
objective of a real network.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from engine.network import lift
from engine.recovery import recover_network

__all__ = ["AdmmResult", "AdmmState", "admm_solve", "default_rho"]

# Residual balancing: adapt rho when one residual exceeds the other by this factor ...
_BALANCE_RATIO = 10.0
# ... by this factor, at most this many times.
_BALANCE_FACTOR = 2.0
_BALANCE_MAX_CHANGES = 50
# ... and keeps it within this factor of its initial value.
_RHO_RANGE = 1e3
# Residuals (stopping test, balancing) are computed every this many iterations (they cost about as
# much as the iteration itself).
_CHECK_EVERY = 10
# Weight of the absolute part of the stopping tolerances (relative to the problem's scale).
_ABS_WEIGHT = 1e-3


@dataclass
class AdmmState:
    """The ADMM iterates, for a warm start: blocks as columns (u_i then v_i), scaled duals at ``rho``.

    A warm start with another beta or rho rescales the duals (lam scales with beta, both with 1 / rho).
    """

    u: np.ndarray  # p x 2P
    w: np.ndarray  # p x 2P
    s: np.ndarray  # n x 2P
    lam: np.ndarray  # p x 2P (scaled dual of u = w)
    nu: np.ndarray  # n x 2P (scaled dual of G u = s)
    rho: float
    beta: float


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


def default_rho(Z: np.ndarray, beta: float) -> float:
    """The default penalty rho = beta / 5 (``Z`` is accepted for data-scaled rules; unused now).

    Chosen by experiment: on two moons (n = 200, 271 sampled patterns) and random problems with
    n = 8..20, a fixed rho of beta / 3 to beta / 10 with over-relaxation 1.6 reached 1e-4 of the
    reference objective in the fewest iterations; residual balancing drove rho up (the cone residual
    G u - s dominates) and slowed the objective down, most at small beta.
    """
    del Z
    return float(beta) / 5.0


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
        self.chol = None
        self.work = np.empty((n, 2 * P))  # buffer for the n x 2P products (no allocation per step)

    def factor(self, rho: float) -> None:
        if rho != self.rho:
            K = self.B + rho * self.n * np.eye(self.n)
            self.chol = cho_factor(K, lower=True, check_finite=False)
            self.rho = rho

    def apply_f(self, ZU: np.ndarray) -> np.ndarray:
        """F u from Z u (n x 2P); overwrites ``ZU``."""
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
        """(F^T F / n + rho (I + G^T G))^(-1) applied to R (p x 2P)."""
        rho = self.rho
        Q = self.M @ R / rho
        np.matmul(self.Z, Q, out=self.work)
        t = rho * cho_solve(self.chol, self.apply_f(self.work), check_finite=False)
        return Q - self.M @ self.apply_ft(t) / rho


def _group_soft_threshold(X: np.ndarray, tau: float) -> np.ndarray:
    norms = np.linalg.norm(X, axis=0)
    scale = np.maximum(0.0, 1.0 - tau / np.maximum(norms, 1e-300))
    return X * scale[None, :]


def admm_solve(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    *,
    beta: float,
    loss: str = "squared",
    rho: float | None = None,
    max_iter: int = 2000,
    tol: float = 1e-6,
    log_every: int = 10,
    warm_start: AdmmState | AdmmResult | None = None,
    adaptive_rho: bool = False,
    relaxation: float = 1.6,
) -> AdmmResult:
    """Solve the convex program on patterns ``D`` (n x P boolean) by ADMM; squared loss only.

    ``rho`` defaults to :func:`default_rho`; with ``adaptive_rho`` it is doubled or halved when the
    primal and dual residuals are more than 10x apart (residual balancing, off by default: it slowed
    the objective in our tests). ``relaxation`` in (0, 2) is the over-relaxation factor (1 = plain
    ADMM). ``tol`` is the relative tolerance on both residuals (the objective's relative error came
    out between tol and 10 tol: tol = 1e-6 for 1e-4, 1e-8 for 1e-6). ``history`` holds, every
    ``log_every`` iterations and at the end, ``iteration``, ``objective`` (J of the network
    recovered from the w iterate), ``primal_residual``, ``dual_residual``, ``rho`` and ``time_s``.
    ``warm_start`` is a previous result or state on the same patterns (beta may differ).
    """
    if loss != "squared":
        raise ValueError(
            f"ADMM supports only the squared loss so far (got {loss!r}); use the reference solver "
            "(engine.convex.solve_cvxpy) for the hinge and logistic losses"
        )
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
    P = D.shape[1]
    ops = _Operators(Z, D)

    state = warm_start.state if isinstance(warm_start, AdmmResult) else warm_start
    rho = float(default_rho(Z, beta) if rho is None else rho)
    if not (np.isfinite(rho) and rho > 0.0):
        raise ValueError("rho must be a positive number")
    if state is not None:
        if state.u.shape != (p, 2 * P) or state.s.shape != (n, 2 * P):
            raise ValueError("the warm start was computed on different data or patterns")
        u, w, s = state.u.copy(), state.w.copy(), state.s.copy()
        # scaled duals are y / rho: keep the unscaled duals when rho changes; the dual of u = w is a
        # subgradient of beta * sum ||w_j||, so it scales with beta
        lam = state.lam * (state.rho / rho) * (beta / state.beta)
        nu = state.nu * (state.rho / rho)
    else:
        u = np.zeros((p, 2 * P))
        w = np.zeros((p, 2 * P))
        s = np.zeros((n, 2 * P))
        lam = np.zeros((p, 2 * P))
        nu = np.zeros((n, 2 * P))
    ops.factor(rho)

    Fty = ops.apply_ft(y) / n
    dim_pri = np.sqrt(u.size + s.size)
    dim_dual = np.sqrt(u.size)
    # absolute floors: the size of the loss gradient at 0 (dual) and of a matching u (primal)
    abs_dual = _ABS_WEIGHT * float(np.linalg.norm(Fty)) + 1e-300
    abs_pri = abs_dual / rho
    rho_min, rho_max = rho / _RHO_RANGE, rho * _RHO_RANGE

    history: dict[str, list] = {
        "iteration": [],
        "objective": [],
        "primal_residual": [],
        "dual_residual": [],
        "rho": [],
        "time_s": [],
    }

    def log(k: int, r: float, d: float) -> None:
        net = recover_network(w[:, :P], w[:, P:])
        history["iteration"].append(k)
        history["objective"].append(float(net.objective(X, y, "squared", beta)))
        history["primal_residual"].append(r)
        history["dual_residual"].append(d)
        history["rho"].append(rho)
        history["time_s"].append(time.perf_counter() - start)

    converged = False
    changes = 0
    k = 0
    r_norm = d_norm = float("nan")
    Gu = np.empty((n, 2 * P))
    buf = np.empty((n, 2 * P))
    for k in range(1, max_iter + 1):
        # The n x 2P arrays (G u, s, nu) are updated in place: fresh large arrays every step cost
        # page faults that doubled the time of an iteration.
        np.subtract(s, nu, out=buf)
        R = Fty + rho * (w - lam) + rho * ops.apply_gt(buf)
        u = ops.solve(R)
        np.matmul(Z, u, out=Gu)
        Gu *= ops.S2
        check = k == 1 or k % _CHECK_EVERY == 0 or k % log_every == 0 or k == max_iter
        w_prev = w
        s_prev = s.copy() if check else None
        # over-relaxation (Boyd et al. section 3.4.3): u_hat = w + a (u - w), Gu_hat = s + a (G u - s)
        u_hat = w + relaxation * (u - w)
        np.subtract(Gu, s, out=buf)
        buf *= relaxation
        buf += s
        buf += nu  # buf = Gu_hat + nu
        w = _group_soft_threshold(u_hat + lam, beta / rho)
        np.maximum(buf, 0.0, out=s)
        np.subtract(buf, s, out=nu)  # nu + Gu_hat - s
        lam = lam + u_hat - w
        if not check:
            continue
        pri_u, pri_s = u - w, Gu - s
        r_norm = float(np.sqrt(np.sum(pri_u**2) + np.sum(pri_s**2)))
        d_norm = rho * float(np.sqrt(np.sum((w - w_prev) ** 2) + np.sum(ops.apply_gt(s - s_prev) ** 2)))
        scale_pri = max(np.sqrt(np.sum(u**2) + np.sum(Gu**2)), np.sqrt(np.sum(w**2) + np.sum(s**2)))
        scale_dual = rho * float(np.linalg.norm(lam + ops.apply_gt(nu)))
        eps_pri = tol * (dim_pri * abs_pri + scale_pri)
        eps_dual = tol * (dim_dual * abs_dual + scale_dual)
        if k == 1 or k % log_every == 0:
            log(k, r_norm, d_norm)
        if r_norm <= eps_pri and d_norm <= eps_dual:
            converged = True
            break
        if adaptive_rho and k % _CHECK_EVERY == 0 and changes < _BALANCE_MAX_CHANGES:
            factor = 1.0
            if r_norm > _BALANCE_RATIO * d_norm and rho * _BALANCE_FACTOR <= rho_max:
                factor = _BALANCE_FACTOR
            elif d_norm > _BALANCE_RATIO * r_norm and rho / _BALANCE_FACTOR >= rho_min:
                factor = 1.0 / _BALANCE_FACTOR
            if factor != 1.0:
                rho *= factor
                lam, nu = lam / factor, nu / factor
                ops.factor(rho)
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
        state=AdmmState(u=u, w=w, s=s, lam=lam, nu=nu, rho=rho, beta=beta),
        time_s=time.perf_counter() - start,
    )
