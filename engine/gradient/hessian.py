"""Exact Hessian-vector products of the training objective J and the sharpness measures built on them.

The parameters are flattened as ``theta = (W.ravel(), alpha)`` (``W`` is ``m x (d+1)``, bias last), so
``theta`` has ``m (d+2)`` entries. With ``f_k = sum_j alpha_j relu(w_j . z_k)``, ``a_kj = relu(w_j . z_k)``
and ``s_kj = 1[w_j . z_k > 0]`` (relu'(0) = 0),

    df_k/dalpha_j = a_kj,    df_k/dw_j = alpha_j s_kj z_k.

relu'' = 0 away from the kinks ``w_j . z_k = 0`` (a measure-zero set), so the only second derivatives of
``f_k`` are the cross terms ``d^2 f_k / dalpha_j dw_j = s_kj z_k``; ``d^2 f_k / dw_j^2 = 0`` and
``d^2 f_k / dalpha^2 = 0``. Hence, for ``J = (1/n) sum_k l(f_k, y_k) + (beta/2) ||theta||^2``,

    H = (1/n) sum_k l''_k grad f_k grad f_k^T          (loss curvature, Gauss-Newton part, PSD)
      + (1/n) sum_k l'_k  grad^2 f_k                   (cross terms between alpha_j and w_j, indefinite)
      + beta I.

For a direction ``v = (V, u)`` (``V`` like W, ``u`` like alpha) the product is, with
``(Jv)_k = sum_j u_j a_kj + sum_j alpha_j s_kj (V_j . z_k)``, ``c_k = l''_k (Jv)_k / n``, ``g_k = l'_k / n``:

    (H v)_{w_j}     = sum_k (c_k alpha_j + g_k u_j) s_kj z_k + beta V_j,
    (H v)_{alpha_j} = sum_k c_k a_kj + sum_k g_k s_kj (V_j . z_k) + beta u_j.

This is the exact Hessian wherever no point sits on a kink. For the hinge loss l'' = 0 and l' jumps at
``y f = 1``, so the product is the Hessian only away from those points as well. Sharpness is the largest
(algebraic) eigenvalue ``lambda_max(H)``; the trace ``tr(H)`` is estimated by Hutchinson's method.
Units: both are in units of J per squared weight, to compare with ``2 / eta`` (eta = learning rate).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from engine.losses import Loss, get_loss
from engine.network import TwoLayerReLU, lift

__all__ = [
    "HessianOperator",
    "flatness",
    "hessian_matrix",
    "hutchinson_trace",
    "pack",
    "power_iteration",
    "sharpness",
    "unpack",
]

MAX_DENSE_PARAMS = 4000  # hessian_matrix refuses larger networks (memory, time)


def pack(network: TwoLayerReLU) -> np.ndarray:
    """The flat parameter vector ``theta = (W.ravel(), alpha)`` of length ``m (d+2)``."""
    return np.concatenate([network.W.ravel(), network.alpha])


def unpack(theta: np.ndarray, width: int, input_dim: int) -> TwoLayerReLU:
    """Inverse of :func:`pack` for a network of ``width`` neurons on ``input_dim``-D inputs."""
    theta = np.asarray(theta, dtype=float).reshape(-1)
    m, d1 = int(width), int(input_dim) + 1
    if theta.size != m * (d1 + 1):
        need = m * (d1 + 1)
        raise ValueError(f"theta has {theta.size} entries; a width-{m} network on R^{d1 - 1} needs {need}")
    return TwoLayerReLU(W=theta[: m * d1].reshape(m, d1).copy(), alpha=theta[m * d1 :].copy())


class HessianOperator:
    """``v -> H v`` for J at one network and data set (everything that does not depend on v is cached).

    Call it with a flat vector of length :attr:`size` (or a ``size x k`` block of vectors).
    """

    def __init__(self, network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, loss: Loss | str, beta: float):
        loss = get_loss(loss)
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).reshape(-1)
        if X.ndim != 2 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
            raise ValueError(f"X must be n x d with one label per row (got X {X.shape}, y {y.shape})")
        if X.shape[1] != network.input_dim:
            raise ValueError(f"the network takes {network.input_dim}-D inputs but X is {X.shape[1]}-D")
        if not (math.isfinite(beta) and beta >= 0):
            raise ValueError(f"beta must be >= 0 and finite (got {beta})")
        self.Z = lift(X)
        self.W = network.W
        self.alpha = network.alpha
        self.m, self.d1 = network.W.shape
        n = X.shape[0]
        pre = self.Z @ self.W.T
        self.act = np.maximum(pre, 0.0)
        self.gate = (pre > 0.0).astype(float)
        f = self.act @ self.alpha
        self.g = loss.derivative(f, y) / n  # l'_k / n
        self.h = loss.second_derivative(f, y) / n  # l''_k / n
        self.beta = float(beta)

    @property
    def size(self) -> int:
        """Number of parameters ``m (d+2)``."""
        return self.m * (self.d1 + 1)

    def __call__(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        if v.ndim == 2:
            return np.column_stack([self(v[:, i]) for i in range(v.shape[1])])
        if v.shape != (self.size,):
            raise ValueError(f"v must have {self.size} entries (got shape {v.shape})")
        m, d1 = self.m, self.d1
        V = v[: m * d1].reshape(m, d1)
        u = v[m * d1 :]
        ZV = self.Z @ V.T  # n x m: V_j . z_k
        Jv = self.act @ u + (self.gate * ZV) @ self.alpha
        c = self.h * Jv
        # (H v)_{w_j} = sum_k (c_k alpha_j + g_k u_j) s_kj z_k
        coef = self.gate * (c[:, None] * self.alpha[None, :] + self.g[:, None] * u[None, :])
        HW = coef.T @ self.Z + self.beta * V
        Hu = self.act.T @ c + (self.gate * ZV).T @ self.g + self.beta * u
        return np.concatenate([HW.ravel(), Hu])

    def as_linear_operator(self) -> LinearOperator:
        """The operator as a symmetric ``scipy.sparse.linalg.LinearOperator``."""
        return LinearOperator((self.size, self.size), matvec=self, rmatvec=self, dtype=float)


def hessian_matrix(op: HessianOperator) -> np.ndarray:
    """The dense Hessian assembled column by column from HVPs (small networks only), symmetrised."""
    if op.size > MAX_DENSE_PARAMS:
        raise ValueError(f"the dense Hessian is limited to {MAX_DENSE_PARAMS} parameters (got {op.size})")
    H = op(np.eye(op.size))
    return 0.5 * (H + H.T)


def _unit(rng: np.random.Generator, size: int) -> np.ndarray:
    v = rng.standard_normal(size)
    return v / np.linalg.norm(v)


def _dominant(
    matvec: Callable[[np.ndarray], np.ndarray], v: np.ndarray, iters: int, tol: float
) -> tuple[float, np.ndarray]:
    """Power iteration: the eigenvalue of largest magnitude (Rayleigh quotient) and its vector."""
    lam = 0.0
    for _ in range(iters):
        w = matvec(v)
        new = float(v @ w)
        norm = float(np.linalg.norm(w))
        if norm == 0.0:
            return 0.0, v
        v = w / norm
        if abs(new - lam) <= tol * max(1.0, abs(new)):
            return new, v
        lam = new
    return lam, v


def power_iteration(op: HessianOperator, *, iters: int = 500, tol: float = 1e-10, seed: int = 0) -> float:
    """``lambda_max(H)`` (largest algebraic eigenvalue) by power iteration from a seeded random start.

    Power iteration finds the eigenvalue ``mu`` of largest magnitude. If ``mu < 0`` the top of the
    spectrum is found by a second power iteration on ``H - mu I`` (whose spectrum is ``>= 0``) and
    shifted back. Converges at the rate ``|lambda_2 / lambda_1|`` per step.
    """
    rng = np.random.default_rng(seed)
    mu, _ = _dominant(op, _unit(rng, op.size), iters, tol)
    if mu >= 0.0:
        return mu
    shifted, _ = _dominant(lambda v: op(v) - mu * v, _unit(rng, op.size), iters, tol)
    return shifted + mu


def sharpness(op: HessianOperator, *, seed: int = 0, tol: float = 1e-6, maxiter: int = 300) -> float:
    """``lambda_max(H)`` by Lanczos (ARPACK ``eigsh``, ``which="LA"``) from a seeded start vector.

    Falls back to :func:`power_iteration` for tiny problems or when Lanczos does not converge.
    """
    if op.size < 3:
        return power_iteration(op, seed=seed)
    v0 = np.random.default_rng(seed).standard_normal(op.size)
    try:
        vals = eigsh(
            op.as_linear_operator(),
            k=1,
            which="LA",
            v0=v0,
            tol=tol,
            maxiter=maxiter,
            return_eigenvectors=False,
        )
        return float(vals[0])
    except ArpackNoConvergence:
        return power_iteration(op, seed=seed, iters=2000, tol=1e-8)


def hutchinson_trace(op: HessianOperator, *, probes: int = 30, seed: int = 0) -> tuple[float, float]:
    """Hutchinson's estimate of ``tr(H) = E[v^T H v]`` over Rademacher vectors v: (mean, standard error).

    ``probes`` independent +-1 vectors from ``default_rng(seed)``; the standard error is the sample
    standard deviation over sqrt(probes) (0 for one probe).
    """
    if int(probes) < 1:
        raise ValueError(f"probes must be >= 1 (got {probes})")
    rng = np.random.default_rng(seed)
    V = rng.choice(np.array([-1.0, 1.0]), size=(op.size, int(probes)))
    samples = np.einsum("ij,ij->j", V, op(V))
    err = float(np.std(samples, ddof=1) / math.sqrt(probes)) if probes > 1 else 0.0
    return float(np.mean(samples)), err


def flatness(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    loss: Loss | str,
    beta: float,
    *,
    probes: int = 30,
    seed: int = 0,
) -> tuple[float, float]:
    """``(lambda_max(H), tr(H))`` of J at ``network``: Lanczos and Hutchinson (``probes`` vectors)."""
    op = HessianOperator(network, X, y, loss, beta)
    return sharpness(op, seed=seed), hutchinson_trace(op, probes=probes, seed=seed)[0]
