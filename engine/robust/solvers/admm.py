"""ADMM for the convex robust (adversarial) training program of :mod:`engine.robust`, every loss.

The program (docs/design.md §5, :mod:`engine.robust`) over the blocks x_j in R^p (p = d + 1; the
u_i are blocks 1..P, the v_i blocks P+1..2P, block j has pattern D_j and sign sgn_j = +1 / -1):

    min  (1/n) sum_k g(phi_k(q_k, r_k)) + beta sum_j ||x_j||_2
    s.t. (2 D_j - I) Z x_j >= eps ||x_j[:d]||_*      (||.||_*: l1 for norm 'inf', l2 for norm '2'),
         c_k = sum_j d_jk sgn_j x_j,   q_k = z_k . c_k (the prediction),   r_k = c_k[:d] (local slope),

with g increasing and convex and phi_k convex: hinge g(t) = t_+, phi = 1 - y q + eps ||r||_*;
logistic g(t) = log(1 + e^t), phi = -y q + eps ||r||_*; squared g(t) = t^2 / 2,
phi = |q - y| + eps ||r||_* (>= 0). Each term is the program's robust term of point k.

**Splitting** (scaled-form ADMM, penalties rho and rho_q, scaled duals lam, nu, mu):

    x = w                      w: group soft-threshold with beta / rho (as in engine.convex.solvers.admm)
    G x = (s, t) in K          s_j = (2 D_j - I) Z x_j in R^n, t_j = gamma x_j[:d] in R^d, projected on
                               K = {(s, t): s_k >= (eps / gamma) ||t||_* for all k}, block by block
    F x = o                    o_k = (kappa r_k, q_k) = E_k c_k, E_k = [[kappa I_d, 0], [x_k^T, 1]];
                               the loss acts on o through the per-point prox below

gamma = kappa = 1 for eps > 0; for eps = 0 the t and r rows carry nothing (K = {s >= 0}, the loss
ignores r) and gamma = kappa = 0 drops them, leaving the standard program's ADMM with the loss split
on the predictions (engine.convex.solvers.admm). The steps, with over-relaxation alpha (1.6) as in admm.py:

    x   <- argmin rho/2 ||x - w + lam||^2 + rho/2 ||G x - (s, t) + nu||^2 + rho_q/2 ||F x - o + mu||^2
    w   <- group soft-threshold(x^ + lam, beta / rho)
    s,t <- proj_K(G x^ + nu)
    o   <- prox_{L / rho_q}(F x^ + mu)
    lam <- lam + x^ - w;  nu <- nu + G x^ - (s, t);  mu <- mu + F x^ - o

(x^ = alpha x + (1 - alpha) w and likewise for G x^, F x^). Both ADMM blocks, x and (w, s, t, o), are
solved exactly, so the usual convergence theory holds.

**The x-step.** ((2 D_j - I))^2 = I, so G_j^T G_j = Z^T Z + gamma^2 diag(1, .., 1, 0) = N - I is the
same for every block: A = rho (I + G^T G) = blockdiag(rho N), M = N^(-1). With the map
F: (p x 2P) -> (n x p), Woodbury on A + rho_q F^T F gives, as in admm.py,

    x = Q - M F^T (rho K^(-1) F Q) / rho,   Q = M R / rho,   K = (rho / rho_q) I + B,
    B_(k a),(l b) = 2 (D D^T)_kl (E_k M E_l^T)_ab            (an np x np matrix, Cholesky once).

**Projection onto K** (per block, s0 in R^n, t0 in R^d, e = eps / gamma > 0). With the level c:
min over c >= 0 of h(c) = sum_k (c - s0_k)_+^2 + dist(t0, {||t||_* <= c / e})^2, and then
s = max(s0, c), t = the projection of t0 on that ball. h is convex with
h'(c) / 2 = sum_k (c - s0_k)_+ - mu(c / e) / e, where mu(R) is the ball's multiplier: l2,
mu = (||t0||_2 - R)_+; l1, the soft-threshold level mu = max(0, max_m (A_m - R) / m) (A_m the sum of
the m largest |t0_i|; Condat 2016). Sort s0 (cumulative sums C_k), evaluate h' at the sorted s0
(clipped at 0) to find the segment where h' changes sign; there the first sum is k c - C, linear, and
mu is a maximum of decreasing linear pieces, so the root is the maximum over the pieces of the root of
"linear = piece": c = (m e^2 C + e A_m) / (m e^2 k + 1) (l2: m = 1, A_1 = ||t0||_2) and C / k (mu = 0).
Exact and vectorised over the blocks: O(n log n) per block.

**The loss prox** (per point, tau = 1 / (n rho_q), in the unscaled (q, r)):
argmin tau g(phi(q, r)) + ((q - a_q)^2 + ||r - a_r||^2) / 2. Its solution is prox_{theta phi}(a) with
theta = tau g'(phi(prox_{theta phi}(a))) (hinge: theta in tau dg, i.e. theta = clip(root of phi = 0,
0, tau)); prox_{theta phi} is closed form: q = a_q + theta y (hinge, logistic) or y + soft(a_q - y,
theta) (squared), r = prox_{theta eps ||.||_*}(a_r) (soft threshold at theta eps for l1, block soft
threshold for l2). psi(theta) = phi(prox_{theta phi}(a)) = c0 - theta + sum_i w_i (b_i - theta)_+ is
piecewise linear and decreasing with breakpoints b_i = |a_ri| / eps (l1) or ||a_r|| / eps (l2),
weights eps^2 (and, squared: no -theta, b = |a_q - y| with weight 1), so theta is found exactly: the
segment of the increasing function theta - tau g'(psi(theta)) that changes sign, then closed form
(hinge, squared) or the logistic prox of :func:`engine.convex.solvers.admm.loss_prox` (safeguarded Newton)
inside it.

**Stopping** as in admm.py (Boyd et al. 2011, 3.3): primal residual ||(x - w, G x - (s, t), F x - o)||,
dual residual rho ||(w - w_prev, G^T((s, t) - prev))|| and rho_q ||F^T (o - o_prev)|| together;
relative tolerance ``tol`` with the absolute floor 1e-3 ||F^T grad L(0)||; checked every 10 iterations;
also ``max_iter`` and ``time_limit_s``.

**Penalties.** rho = 3 beta (squared), beta (hinge), min(beta, 20 beta^2) (logistic: small beta wants
rho ~ beta^2, as in engine.convex.solvers.admm); rho_q = 1 / n (the prox parameter tau = 1). Chosen on 6
random problems (n = 12, 12 sampled patterns, beta 0.01 / 0.03, eps 0.05 / 0.1, both norms) by the
sum over the problems of the first logged iteration whose (feasible) objective is within 1e-4 of
Clarabel's (4,000 iterations at most each), rho = a beta: squared a = 0.2: 15,100, 1: 8,900,
3: 2,650; hinge a = 0.2: 16,250, 1: 9,550, 3: 12,000; logistic a = 0.05: 13,500, 0.2: 7,350,
1: 7,400, 3: 7,450 (the beta = 0.01 problems best at a <= 0.2, the beta = 0.03 ones at a >= 1; on
n = 8, eps = 0, beta = 0.01: a = 0.05 within 1e-4 at 2,850 iterations, 0.2 at 5,650, 1 and 5 not in
20,000). Tried and not kept: residual balancing (it drove rho the wrong way or stalled), restarted
Nesterov acceleration of ADMM (Goldstein et al. 2014; no gain on the hinge), weighting the r rows
(kappa = 0.3 or 3) or the cone rows (3x): each helped one loss or problem and hurt another.

**Patterns without a robust cone.** For eps > 0 the cone {x: (2 D_j - I) Z x >= eps ||x[:d]||_*} of a
pattern is often {0} or has no interior (a point closer than eps to the pattern's boundary from both
sides): such a block can only be 0, and keeping it makes ADMM crawl (no Slater point: n = 60, 48
sampled patterns, eps = 0.1, l2: 9 patterns keep an interior; the squared loss was 2.8e-2 above the
optimum after 20,000 iterations with all 48, and is within 1e-4 after 700 without the 39 others).
Before the iterations every pattern gets the LP of :func:`has_interior` (scipy's HiGHS, exact for l1,
cutting planes for l2); patterns without an interior point are dropped and their U, V columns are 0.
(In degenerate data a cone without interior may still hold nonzero points on a lower-dimensional
face; those are lost, so the result could only be worse than the reference there, never better.)

**Returned weights.** The w iterate is sparse (exact group norms) but meets the cone constraints
only up to the primal residual. Every nonzero block of the final w is replaced by its Euclidean
projection onto its own robust cone {x: (2 D_j - I) Z x >= eps ||x[:d]||_*}, computed by cutting
planes (||v||_* = max over the dual-norm subgradients g of g . v: signs for l1, unit vectors for l2)
and NNLS on the polyhedral outer approximation {a_k . x >= 0}, x = w + A^T lambda, lambda = NNLS(A^T, -w),
until the true constraint holds to 1e-11 (relative to ||x||; for l1 with d <= 8 all 2^d sign
vectors at once, exact). The move is of the order of the
final violation, so U, V satisfy the constraints (to rounding) and the recovered network's robust
objective is robust_objective_linear(U, V).

**Measured** (one shared, loaded CPU; tol 1e-6, max_iter 20,000; random two-class data as in the
tests, eps = 0.1, sampled patterns; "1e-4" is the first logged iteration whose feasible objective is
within 1e-4 of Clarabel's; ADMM times include the interior LPs):

- n = 15, 13 patterns, l_inf, beta = 0.01: squared 1e-4 at 400 iterations (0.13 s), converged at
  1,090 (0.32 s); hinge 1,900 (0.52 s) / 8,880 (2.4 s); logistic 1,100 (0.44 s) / 4,760 (1.9 s);
  CVXPY (Clarabel) 0.02 - 0.03 s.
- n = 60, 48 patterns, beta = 0.01, l_inf: squared 700 (0.38 s) / 3,160 (1.2 s), CVXPY 3.1 s; hinge
  1,550 (0.68 s), 3.8e-5 above after 20,000 (7.2 s), CVXPY 0.24 s; logistic 850 (0.49 s), 1.7e-6
  above after 20,000 (12 s), CVXPY 0.19 s. l2: squared 700 (0.39 s) / 4,530 (1.7 s), CVXPY 4.0 s;
  hinge 1,300 (0.55 s), CVXPY 0.17 s; logistic 5,700 (3.0 s), CVXPY 0.16 s (rho = beta instead:
  1,150, converged at 7,460).
- n = 200, 276 patterns (14 with a robust cone), l_inf, beta = 0.01: squared converged at 530
  iterations (1.3 s), hinge 1,810 (3.8 s), logistic 420 (2.7 s), all within 1e-8 of CVXPY, which took
  174 s, 50 s and 92 s (the interior LPs: 0.9 s).
- 30 random problems of the tests' kind (n = 8..15, beta 0.01..0.1, eps 0..0.1, both norms, all
  losses): all converged, all within 1.3e-5 of Clarabel (most within 1e-7).

**History** (every 50 iterations and at the end), a list of dicts: ``iteration``; ``objective``,
robust_objective_linear at the feasible (repaired, as above) w iterate: the robust objective of a real
network, an upper bound on the program's optimum up to the repair's rounding; ``objective_w``, the
same at the raw w iterate (possibly infeasible, so possibly below the optimum); ``violation``, the
largest cone violation of the raw w, max_jk (eps ||w_j[:d]||_* - ((2 D_j - I) Z w_j)_k)_+ (units of
z . w); ``primal_residual``, ``dual_residual``; ``time_s`` (seconds since the start, logging
included).
"""

from __future__ import annotations

import time

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import linprog, nnls
from scipy.special import expit

from engine.cancel import check as check_cancel
from engine.convex.solvers.admm import ABS_WEIGHT, CHECK_EVERY, group_soft_threshold, loss_prox
from engine.losses import Loss
from engine.network import lift
from engine.robust.solvers.base import RobustProblem, RobustSolution, RobustSolver
from engine.robust.terms import dual_norm, robust_objective_linear

__all__ = [
    "ADMM_SOLVER",
    "has_interior",
    "project_robust_cone",
    "repair_block",
    "robust_admm_solve",
    "robust_loss_prox",
]

_LOG_EVERY = 50
# Default penalties (module docstring): rho_q = _RHO_Q_SCALE / n and rho from _default_rho.
_RHO_Q_SCALE = 1.0
_GAMMA = 1.0
_KAPPA = 1.0
_RELAXATION = 1.6
# Cutting-plane repair of the returned blocks: relative accuracy and number of rounds.
_REPAIR_TOL = 1e-11
_REPAIR_ROUNDS = 50
# A pattern's robust cone counts as having no interior when its LP margin is below this (relative to
# the largest |z|, with ||x||_inf <= 1).
_INTERIOR_TOL = 1e-9


def _ball_level(A: np.ndarray, counts: np.ndarray, R: np.ndarray) -> np.ndarray:
    """The l1-ball projection's soft-threshold level max(0, max_m (A_m - R) / m).

    ``A`` (m, ...) are the cumulative sums of the sorted |t0| (largest first), ``R`` the radii
    (broadcast against A[0]).
    """
    levels = (A - R[None]) / counts.reshape((-1,) + (1,) * (A.ndim - 1))
    return np.maximum(0.0, levels.max(axis=0))


def project_robust_cone(
    s0: np.ndarray, t0: np.ndarray, eps: float, norm: str
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean projection of every column (s0_j, t0_j) onto {(s, t): s_k >= eps ||t||_* for all k}.

    ``s0`` is n x B, ``t0`` d x B (B blocks); ||.||_* is l1 (norm 'inf') or l2 (norm '2'). Exact, see
    the module docstring; eps = 0 gives s = max(s0, 0), t = t0.
    """
    q = dual_norm(norm)
    if eps == 0.0:
        return np.maximum(s0, 0.0), t0.copy()
    n = s0.shape[0]
    S = np.sort(s0, axis=0)
    C = np.cumsum(S, axis=0)
    k = np.arange(1, n + 1, dtype=float)[:, None]
    F0 = -np.sum(np.minimum(s0, 0.0), axis=0)  # sum_k (0 - s0_k)_+
    cand = np.vstack([np.zeros((1, S.shape[1])), np.maximum(S, 0.0)])  # (n + 1) x B levels
    F1 = np.vstack([F0[None], np.where(S >= 0.0, k * S - C, F0[None])])
    if q == 2:
        T = np.linalg.norm(t0, axis=0)
        mu = np.maximum(0.0, T[None] - cand / eps)
    else:
        a = -np.sort(-np.abs(t0), axis=0)  # largest first
        A = np.cumsum(a, axis=0)
        m = np.arange(1, a.shape[0] + 1, dtype=float)
        mu = _ball_level(A[:, None, :], m, cand / eps)
    dh = F1 - mu / eps  # h'(c) / 2 at the candidate levels, nondecreasing down the rows
    J = np.maximum(np.sum(dh < 0.0, axis=0) - 1, 0)  # last candidate with h' < 0 (0 if none)
    cols = np.arange(S.shape[1])
    cJ = cand[J, cols]
    c_next = np.where(J + 1 <= n, cand[np.minimum(J + 1, n), cols], np.inf)
    below = S <= cJ[None]
    kJ = below.sum(axis=0).astype(float)
    CJ = np.sum(S * below, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.where(kJ > 0, CJ / kJ, -np.inf)  # the piece mu = 0
    e2 = eps * eps
    if q == 2:
        root = np.maximum(root, (e2 * CJ + eps * T) / (e2 * kJ + 1.0))
    else:
        for i in range(A.shape[0]):
            mi = i + 1.0
            root = np.maximum(root, (mi * e2 * CJ + eps * A[i]) / (mi * e2 * kJ + 1.0))
    c = np.clip(root, cJ, c_next)
    c = np.where(dh[0] >= 0.0, 0.0, c)
    s = np.maximum(s0, c[None])
    R = c / eps
    if q == 2:
        scale = np.minimum(1.0, R / np.maximum(T, 1e-300))
        return s, t0 * scale[None]
    level = _ball_level(A, m, R)
    return s, np.sign(t0) * np.maximum(np.abs(t0) - level[None], 0.0)


def robust_loss_prox(
    a_q: np.ndarray,
    a_r: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss,
    eps: float,
    norm: str,
    tau: float | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """argmin over (q_k, r_k) of tau g(phi_k(q_k, r_k)) + ((q_k - a_q)^2 + ||r_k - a_r||^2) / 2, per point.

    ``a_q``, ``y`` are n-vectors, ``a_r`` n x d; the robust term g(phi) is the loss' (module
    docstring). Exact (the logistic inner equation to 1e-13 by safeguarded Newton).
    """
    n, d = a_r.shape
    tau = np.broadcast_to(np.asarray(tau, dtype=float), (n,))
    q_ord = dual_norm(norm)
    # psi(theta) = c0 - lin * theta + sum_i wts_i (bps_i - theta)_+  (piecewise linear, decreasing)
    if eps > 0.0:
        if q_ord == 1:
            bps = [np.abs(a_r) / eps]
        else:
            bps = [np.linalg.norm(a_r, axis=1, keepdims=True) / eps]
        wts = [np.full(bps[0].shape, eps * eps)]
    else:
        bps, wts = [np.zeros((n, 0))], [np.zeros((n, 0))]
    if loss.name == "squared":
        c0, lin = np.zeros(n), 0.0
        bps.append(np.abs(a_q - y)[:, None])
        wts.append(np.ones((n, 1)))
    else:
        c0, lin = (1.0 if loss.name == "hinge" else 0.0) - y * a_q, 1.0
    b = np.hstack(bps)
    wt = np.hstack(wts)

    def psi(theta: np.ndarray) -> np.ndarray:
        return (
            c0[:, None]
            - lin * theta
            + np.sum(wt[:, None, :] * np.maximum(b[:, None, :] - theta[..., None], 0), -1)
        )

    grid = np.hstack([np.zeros((n, 1)), np.sort(b, axis=1)])  # 0 and the breakpoints
    psi_grid = psi(grid)
    if loss.name == "hinge":
        H = -psi_grid
    elif loss.name == "squared":
        H = grid - tau[:, None] * psi_grid
    else:
        H = grid - tau[:, None] * expit(psi_grid)
    J = np.maximum(np.sum(H <= 0.0, axis=1) - 1, 0)  # the segment [grid_J, grid_J+1] holds the root
    rows = np.arange(n)
    th0 = grid[rows, J]
    th1 = np.where(J + 1 < grid.shape[1], grid[rows, np.minimum(J + 1, grid.shape[1] - 1)], np.inf)
    p0 = psi_grid[rows, J]
    slope = lin + np.sum(wt * (b > th0[:, None]), axis=1)  # -psi' on the segment
    alpha = p0 + slope * th0  # psi(theta) = alpha - slope * theta on the segment
    if loss.name == "hinge":
        theta = np.where(p0 > 0.0, th0 + p0 / slope, th0)
        theta = np.where(psi_grid[:, 0] <= 0.0, 0.0, np.minimum(theta, tau))
    elif loss.name == "squared":
        theta = tau * alpha / (1.0 + tau * slope)
    else:  # t = psi solves t = alpha - slope tau sigmoid(t): the logistic prox in the margin -t
        margin = loss_prox(loss, -alpha, np.ones(n), tau * slope)
        theta = tau * expit(-margin)
    if loss.name != "hinge":
        theta = np.clip(theta, th0, th1)
    if loss.name == "squared":
        dev = a_q - y
        q = y + np.sign(dev) * np.maximum(np.abs(dev) - theta, 0.0)
    else:
        q = a_q + theta * y
    shrink = theta * eps
    if q_ord == 1:
        r = np.sign(a_r) * np.maximum(np.abs(a_r) - shrink[:, None], 0.0)
    else:
        norms = np.linalg.norm(a_r, axis=1)
        r = a_r * np.maximum(0.0, 1.0 - shrink / np.maximum(norms, 1e-300))[:, None]
    return q, r


class _RobustOperators:
    """G, F and the Woodbury x-solve of one problem (module docstring), blocks as columns (p x 2P)."""

    def __init__(self, Z: np.ndarray, D: np.ndarray, gamma: float, kappa: float) -> None:
        n, p = Z.shape
        d = p - 1
        Df = D.astype(float)
        self.Z, self.n, self.p, self.d = Z, n, p, d
        self.gamma, self.kappa = gamma, kappa
        self.A = np.hstack([Df, -Df])  # n x 2P: sgn_j d_jk
        self.S2 = 2.0 * np.hstack([Df, Df]) - 1.0
        N = np.eye(p) + Z.T @ Z
        N[:d, :d] += gamma**2 * np.eye(d)
        self.M = np.linalg.inv(N)
        E = np.zeros((n, p, p))
        E[:, :d, :d] = kappa * np.eye(d)
        E[:, d, :] = Z
        EM = E @ self.M
        B = np.einsum("kac,lbc->kalb", EM, E) * (2.0 * Df @ Df.T)[:, None, :, None]
        self.B = B.reshape(n * p, n * p)
        self.chol = None
        self.rho = None

    def factor(self, rho: float, rho_q: float) -> None:
        """Factor K = (rho / rho_q) I + B."""
        self.chol = cho_factor(
            self.B + (rho / rho_q) * np.eye(self.B.shape[0]), lower=True, check_finite=False
        )
        self.rho = rho

    def apply_g(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """G x = (s, t): n x 2P and d x 2P."""
        return self.S2 * (self.Z @ x), self.gamma * x[: self.d]

    def apply_gt(self, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        """G^T (s, t) as p x 2P."""
        out = self.Z.T @ (self.S2 * s)
        out[: self.d] += self.gamma * t
        return out

    def apply_f(self, x: np.ndarray) -> np.ndarray:
        """F x = o, n x p: o_k = (kappa r_k, q_k) with c_k = sum_j sgn_j d_jk x_j."""
        C = self.A @ x.T
        o = self.kappa * C
        o[:, self.d] = np.sum(self.Z * C, axis=1)
        return o

    def apply_ft(self, o: np.ndarray) -> np.ndarray:
        """F^T o as p x 2P (E_k^T o_k = q_k z_k + (kappa r_k, 0), then the block sums)."""
        Cbar = o[:, self.d : self.d + 1] * self.Z
        Cbar[:, : self.d] += self.kappa * o[:, : self.d]
        return (self.A.T @ Cbar).T

    def solve(self, R: np.ndarray) -> np.ndarray:
        """(rho_q F^T F + rho (I + G^T G))^(-1) R for R p x 2P (rho, rho_q of the last factor)."""
        rho = self.rho
        Q = self.M @ R / rho
        T = rho * cho_solve(self.chol, self.apply_f(Q).reshape(-1), check_finite=False)
        return Q - self.M @ self.apply_ft(T.reshape(self.n, self.p)) / rho


def _violation(Z: np.ndarray, S2: np.ndarray, W: np.ndarray, eps: float, q: int) -> float:
    """max_jk (eps ||w_j[:d]||_* - ((2 D_j - I) Z w_j)_k)_+ (0 for an empty set of blocks)."""
    d = Z.shape[1] - 1
    slack = S2 * (Z @ W) - eps * np.linalg.norm(W[:d], ord=q, axis=0)[None]
    return float(max(0.0, -slack.min())) if slack.size else 0.0


def repair_block(Zs: np.ndarray, w: np.ndarray, eps: float, norm: str) -> np.ndarray:
    """The Euclidean projection of ``w`` onto {x: Zs x >= eps ||x[:d]||_*} (Zs = (2 D_j - I) Z).

    ||v||_* = max_g g . v over the dual-norm subgradients g: for l1 all 2^d sign vectors at once
    (d <= 8; exact, one NNLS), for l2 (and l1 in more dimensions) cutting planes at the current
    point's subgradient, to 1e-11 relative (module docstring).
    """
    q = dual_norm(norm)
    d = Zs.shape[1] - 1
    if eps == 0.0:
        cuts = np.zeros((1, d))
    elif q == 1 and d <= 8:
        cuts = np.array(np.meshgrid(*([[-1.0, 1.0]] * d), indexing="ij")).reshape(d, -1).T
    else:
        cuts = _cut(w[:d], q)[None]
    x = w
    for _ in range(_REPAIR_ROUNDS):
        rows = (Zs[None] - eps * np.pad(cuts, ((0, 0), (0, 1)))[:, None, :]).reshape(-1, d + 1)
        lam, _ = nnls(rows.T, -w)
        x = w + rows.T @ lam
        if np.linalg.norm(x) <= _REPAIR_TOL * np.linalg.norm(w):
            return np.zeros_like(w)  # w lies in the polar cone: the projection is 0 (up to rounding)
        gap = eps * np.linalg.norm(x[:d], ord=q) - np.min(Zs @ x)
        if gap <= _REPAIR_TOL * np.linalg.norm(x):
            break
        cuts = np.vstack([cuts, _cut(x[:d], q)])
    return x


def _cut(v: np.ndarray, q: int) -> np.ndarray:
    """A subgradient g of ||.||_q at v with ||g||_(dual) = 1, so g . v = ||v||_q (q = 1 or 2)."""
    if q == 1:
        return np.where(v >= 0.0, 1.0, -1.0)
    nv = np.linalg.norm(v)
    return v / nv if nv > 0.0 else np.zeros_like(v)


def _default_rho(loss: Loss, beta: float) -> float:
    """rho = 3 beta (squared), beta (hinge), min(beta, 20 beta^2) (logistic); module docstring."""
    if loss.name == "squared":
        return 3.0 * beta
    if loss.name == "logistic":
        return min(beta, 20.0 * beta**2)
    return beta


def has_interior(Zs: np.ndarray, eps: float, norm: str) -> bool:
    """Whether {x: Zs x >= eps ||x[:d]||_*} has an interior point (Zs = (2 D_j - I) Z, eps > 0).

    The LP max m s.t. Zs x - eps (g, 0) . x >= m for the cuts g, ||x||_inf <= 1 (HiGHS): for l1 all
    2^d sign vectors (exact, d <= 8), for l2 the unit axes and then cutting planes at the LP's point;
    the LP's cone contains the true one, so m <= 0 proves an empty interior, and a point with a
    positive true margin proves an interior point (after 30 rounds without either: True).
    """
    q = dual_norm(norm)
    d = Zs.shape[1] - 1
    thr = _INTERIOR_TOL * max(float(np.abs(Zs).max()), 1e-300)
    if q == 1 and d <= 8:
        cuts = np.array(np.meshgrid(*([[-1.0, 1.0]] * d), indexing="ij")).reshape(d, -1).T
    else:
        cuts = np.vstack([np.eye(d), -np.eye(d)])
    cost = np.zeros(d + 2)
    cost[-1] = -1.0
    bounds = [(-1.0, 1.0)] * (d + 1) + [(None, None)]
    for _ in range(_REPAIR_ROUNDS):
        rows = (Zs[None] - eps * np.pad(cuts, ((0, 0), (0, 1)))[:, None, :]).reshape(-1, d + 1)
        A = np.hstack([-rows, np.ones((rows.shape[0], 1))])
        lp = linprog(cost, A_ub=A, b_ub=np.zeros(A.shape[0]), bounds=bounds, method="highs")
        if lp.status != 0 or -lp.fun <= thr:
            return False if lp.status == 0 else True
        x = lp.x[: d + 1]
        if np.min(Zs @ x) - eps * np.linalg.norm(x[:d], ord=q) > thr:
            return True
        cuts = np.vstack([cuts, _cut(x[:d], q)])
    return True


def _feasible(Z: np.ndarray, S2: np.ndarray, W: np.ndarray, eps: float, norm: str) -> np.ndarray:
    """``W`` (p x 2P) with every violating block replaced by its projection on its robust cone."""
    q = dual_norm(norm)
    W = W.copy()
    for j in np.flatnonzero(np.linalg.norm(W, axis=0) > 0.0):
        if _violation(Z, S2[:, j : j + 1], W[:, j : j + 1], eps, q) > 0.0:
            W[:, j] = repair_block(S2[:, j : j + 1] * Z, W[:, j], eps, norm)
    return W


def _sum_sq(*arrays: np.ndarray) -> float:
    """The sum of the squares of all entries of all arrays."""
    return float(sum(np.vdot(a, a) for a in arrays))


def robust_admm_solve(
    X: np.ndarray,
    y: np.ndarray,
    D: np.ndarray,
    *,
    loss: Loss,
    beta: float,
    eps: float,
    norm: str,
    rho: float | None = None,
    tol: float = 1e-6,
    max_iter: int = 20000,
    time_limit_s: float | None = None,
) -> RobustSolution:
    """Solve the robust program on patterns ``D`` (n x P boolean) by ADMM (module docstring).

    ``rho`` (for x = w and G x = (s, t)) defaults to 3 beta (squared), beta (hinge) or
    min(beta, 20 beta^2) (logistic); the loss split's rho_q is 1 / n. ``tol`` is
    the relative residual tolerance; the run also stops after ``max_iter`` iterations or
    ``time_limit_s`` seconds. U, V are feasible (module docstring); the status is 'optimal' when the
    residuals met ``tol``, else 'not converged: ' and the message.
    """
    start = time.perf_counter()
    q_ord = dual_norm(norm)
    if max_iter < 1:
        raise ValueError("max_iter must be at least 1")
    D = np.asarray(D, dtype=bool)
    Z = lift(X)
    n, p = Z.shape
    d = p - 1
    if D.ndim != 2 or D.shape[0] != n:
        raise ValueError("D must be n x P with one row per training point")
    P_all = D.shape[1]
    eps = float(eps)
    keep = np.ones(P_all, dtype=bool)
    if eps > 0.0:  # patterns whose robust cone has no interior: their blocks are 0 (module docstring)
        S_all = 2.0 * D.astype(float) - 1.0
        keep = np.array([has_interior(S_all[:, [i]] * Z, eps, norm) for i in range(P_all)], dtype=bool)
    D = D[:, keep]
    P = D.shape[1]
    gamma, kappa = (_GAMMA, _KAPPA) if eps > 0.0 else (0.0, 0.0)
    rho = float(_default_rho(loss, beta) if rho is None else rho)
    if not (np.isfinite(rho) and rho > 0.0):
        raise ValueError("rho must be a positive number")
    rho_q = _RHO_Q_SCALE / n
    tau = 1.0 / (n * rho_q)
    ops = _RobustOperators(Z, D, gamma, kappa)
    ops.factor(rho, rho_q)
    eps_r = eps / kappa if kappa > 0.0 else 0.0  # the loss' eps on the scaled r rows
    eps_t = eps / gamma if gamma > 0.0 else 0.0  # the cone's eps on the scaled t rows

    x = np.zeros((p, 2 * P))
    w, lam = x.copy(), x.copy()
    s, nu_s = np.zeros((n, 2 * P)), np.zeros((n, 2 * P))
    t, nu_t = np.zeros((d, 2 * P)), np.zeros((d, 2 * P))
    o, mu = np.zeros((n, p)), np.zeros((n, p))

    grad0 = np.zeros((n, p))
    grad0[:, d] = loss.mean_gradient(np.zeros(n), y)
    abs_dual = ABS_WEIGHT * float(np.linalg.norm(ops.apply_ft(grad0))) + 1e-300
    abs_pri = abs_dual / rho
    dim_pri = np.sqrt(x.size + s.size + t.size + o.size)
    dim_dual = np.sqrt(x.size)

    history: list[dict] = []

    def log(k: int, r_norm: float, d_norm: float) -> None:
        W = _feasible(Z, ops.S2, w, eps, norm)
        history.append(
            {
                "iteration": k,
                "objective": robust_objective_linear(
                    X, y, D, W[:, :P], W[:, P:], loss=loss, beta=beta, eps=eps, norm=norm
                ),
                "objective_w": robust_objective_linear(
                    X, y, D, w[:, :P], w[:, P:], loss=loss, beta=beta, eps=eps, norm=norm
                ),
                "violation": _violation(Z, ops.S2, w, eps, q_ord),
                "primal_residual": r_norm,
                "dual_residual": d_norm,
                "time_s": time.perf_counter() - start,
            }
        )

    a = _RELAXATION
    converged = False
    message = f"max_iter ({max_iter}) reached"
    r_norm = d_norm = float("nan")
    k = 0
    for k in range(1, max_iter + 1):
        if k % 10 == 0:
            check_cancel()
        R = rho * (w - lam) + rho * ops.apply_gt(s - nu_s, t - nu_t) + rho_q * ops.apply_ft(o - mu)
        x = ops.solve(R)
        Gs, Gt = ops.apply_g(x)
        Fx = ops.apply_f(x)
        check = k == 1 or k % CHECK_EVERY == 0 or k == max_iter
        w_prev, s_prev, t_prev, o_prev = w, s, t, o
        x_hat = a * x + (1.0 - a) * w
        s_hat = a * Gs + (1.0 - a) * s
        t_hat = a * Gt + (1.0 - a) * t
        f_hat = a * Fx + (1.0 - a) * o
        w = group_soft_threshold(x_hat + lam, beta / rho)
        s, t = project_robust_cone(s_hat + nu_s, t_hat + nu_t, eps_t, norm)
        v = f_hat + mu
        oq, orr = robust_loss_prox(v[:, d], v[:, :d], y, loss=loss, eps=eps_r, norm=norm, tau=tau)
        o = np.hstack([orr, oq[:, None]])
        lam = lam + x_hat - w
        nu_s = nu_s + s_hat - s
        nu_t = nu_t + t_hat - t
        mu = mu + f_hat - o
        if not check:
            continue
        r_norm = float(np.sqrt(_sum_sq(x - w, Gs - s, Gt - t, Fx - o)))
        d_norm = rho * float(
            np.sqrt(
                _sum_sq(w - w_prev, ops.apply_gt(s - s_prev, t - t_prev))
                + (rho_q / rho) ** 2 * _sum_sq(ops.apply_ft(o - o_prev))
            )
        )
        scale_pri = np.sqrt(max(_sum_sq(x, Gs, Gt, Fx), _sum_sq(w, s, t, o)))
        scale_dual = np.linalg.norm(rho * (lam + ops.apply_gt(nu_s, nu_t)) + rho_q * ops.apply_ft(mu))
        eps_pri = tol * (dim_pri * abs_pri + float(scale_pri))
        eps_dual = tol * (dim_dual * abs_dual + float(scale_dual))
        if k == 1 or k % _LOG_EVERY == 0:
            log(k, r_norm, d_norm)
        if r_norm <= eps_pri and d_norm <= eps_dual:
            converged = True
            message = (
                f"converged at iteration {k} (primal residual {r_norm:.3g} <= {eps_pri:.3g}, "
                f"dual residual {d_norm:.3g} <= {eps_dual:.3g})"
            )
            break
        if time_limit_s is not None and time.perf_counter() - start > time_limit_s:
            message = f"time limit ({time_limit_s} s) reached at iteration {k}"
            break
    if not history or history[-1]["iteration"] != k:
        log(k, r_norm, d_norm)
    W = _feasible(Z, ops.S2, w, eps, norm)
    U, V = np.zeros((p, P_all)), np.zeros((p, P_all))
    U[:, keep], V[:, keep] = W[:, :P], W[:, P:]
    if P < P_all:
        message += f"; {P_all - P} of {P_all} patterns have a robust cone without interior (weights 0)"
    return RobustSolution(
        U=U,
        V=V,
        status="optimal" if converged else f"not converged: {message}",
        message=message,
        iterations=k,
        history=history,
    )


def _solve(problem: RobustProblem) -> RobustSolution:
    return problem.call(robust_admm_solve)


ADMM_SOLVER = RobustSolver(
    name="admm",
    help="first-order: ADMM with the robust cone projection and the robust loss prox "
    "(engine/robust/solvers/admm.py)",
    limits="first-order: to about 1e-4 relative (tol 1e-6, at most 20,000 iterations); fast on large n "
    "with few patterns that keep a robust cone",
    solve=_solve,
)
