"""The Hessian spectrum at spurious and global minima of a teacher-student fit (after Arjevani & Field,
"Analytic study of families of spurious minima in two-layer ReLU networks: a tale of symmetry II",
NeurIPS 2021).

Their setting, on a sample: inputs ``x ~ N(0, I_d)``, the teacher ``f*(x) = sum_{i <= k} relu(e_i . x)``
(k orthonormal neurons, no bias, output weights 1), a student of width k fitted with the squared loss,

    J(W, alpha) = (1/n) sum_t (f(x_t) - f*(x_t))^2 / 2 + (beta/2) (||W||_F^2 + ||alpha||^2)

(the student is our two-layer network: biases and output weights are trained too, beta small). Many
random starts are run to a local minimum by BFGS on J's exact gradient; the lowest end point is the
global minimum candidate (J near its floor, the teacher recovered), and an end point whose J stays far
above it with a vanishing gradient and no negative curvature is a spurious minimum. At each, the
exact Hessian (engine/gradient/hessian.py, assembled from Hessian-vector products) gives the whole
spectrum. Arjevani & Field find the two spectra alike: a bulk of small eigenvalues and a few large
outliers; the spurious minimum differs in a handful of eigenvalues, not in its overall shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from engine.gradient.hessian import HessianOperator, hessian_matrix, pack, unpack
from engine.network import TwoLayerReLU, lift

__all__ = [
    "Minimum",
    "SpectrumStudy",
    "hessian_spectrum",
    "outliers",
    "spectra_at_minima",
    "symmetric_teacher",
]


def symmetric_teacher(d: int, k: int) -> TwoLayerReLU:
    """``sum_{i <= k} relu(e_i . x)`` on R^d (k <= d): rows e_i with a zero bias, output weights 1."""
    if not 1 <= k <= d:
        raise ValueError(f"the teacher needs 1 <= k <= d (got k = {k}, d = {d})")
    W = np.zeros((k, d + 1))
    W[np.arange(k), np.arange(k)] = 1.0
    return TwoLayerReLU(W=W, alpha=np.ones(k))


def hessian_spectrum(network: TwoLayerReLU, X: np.ndarray, y: np.ndarray, beta: float) -> np.ndarray:
    """Every eigenvalue of the exact Hessian of J (squared loss) at ``network``, ascending."""
    H = hessian_matrix(HessianOperator(network, X, y, "squared", beta))
    return np.linalg.eigvalsh(H)


def outliers(eigenvalues: np.ndarray, most: int = 10) -> np.ndarray:
    """Indices (into the ascending ``eigenvalues``) of the large outliers: the top eigenvalues above the
    largest ratio between consecutive ones among the ``most + 1`` largest positive eigenvalues."""
    ev = np.asarray(eigenvalues, dtype=float)
    top = np.sort(ev[ev > 0])[::-1][: most + 1]
    if top.size < 2:
        return np.array([], dtype=int)
    ratios = top[:-1] / top[1:]
    count = int(np.argmax(ratios)) + 1
    return np.arange(ev.size - count, ev.size)


@dataclass
class Minimum:
    """One end point: the network, J, the gradient norm, the spectrum and its outliers."""

    network: TwoLayerReLU
    objective: float
    grad_norm: float
    eigenvalues: np.ndarray
    outliers: np.ndarray
    start: int  # which random start (seed offset) ended here

    @property
    def is_minimum(self) -> bool:
        """No direction of negative curvature beyond round-off."""
        return bool(self.eigenvalues[0] >= -1e-6 * max(1.0, abs(self.eigenvalues[-1])))


@dataclass
class SpectrumStudy:
    """The fits of every start (their J), the global minimum and a spurious one (None if none found)."""

    d: int
    k: int
    n: int
    beta: float
    objectives: np.ndarray  # J at the end of every start
    global_min: Minimum
    spurious: Minimum | None
    spurious_gap: float  # J relative gap that counts as spurious
    scale: float  # J of the zero network, mean f*^2 / 2 (what the gap is relative to)

    @property
    def spurious_count(self) -> int:
        """How many starts ended more than the gap above the lowest end point."""
        return int(np.sum((self.objectives - self.objectives.min()) / self.scale > self.spurious_gap))


def _fit(net0: TwoLayerReLU, X, y, beta, iters) -> TwoLayerReLU:
    """BFGS on J (squared loss) from ``net0``, with J's exact gradient (relu'(0) = 0)."""
    m, d = net0.width, net0.input_dim
    Z = lift(X)
    n = Z.shape[0]
    md = m * (d + 1)

    def fun(theta):
        W = theta[:md].reshape(m, d + 1)
        a = theta[md:]
        pre = Z @ W.T
        h = np.maximum(pre, 0.0)
        r = h @ a - y
        J = 0.5 * float(r @ r) / n + 0.5 * beta * float(theta @ theta)
        g_pre = (r[:, None] / n) * (pre > 0.0) * a[None, :]
        grad = np.concatenate([(g_pre.T @ Z).ravel(), h.T @ r / n]) + beta * theta
        return J, grad

    res = minimize(fun, pack(net0), jac=True, method="BFGS", options={"maxiter": iters, "gtol": 1e-9})
    return unpack(res.x, m, d)


def _minimum(net, X, y, beta, start) -> Minimum:
    gW, ga = net.gradients(X, y, "squared", beta)
    ev = hessian_spectrum(net, X, y, beta)
    return Minimum(
        network=net,
        objective=float(net.objective(X, y, "squared", beta)),
        grad_norm=float(np.sqrt(np.sum(gW**2) + np.sum(ga**2))),
        eigenvalues=ev,
        outliers=outliers(ev),
        start=start,
    )


def spectra_at_minima(
    *,
    d: int = 5,
    k: int = 5,
    n: int = 400,
    starts: int = 10,
    beta: float = 1e-5,
    seed: int = 0,
    iters: int = 500,
    spurious_gap: float = 1e-3,
) -> SpectrumStudy:
    """Fit the student of width k from ``starts`` random starts (``init_network``-like Gaussian
    weights, seeds ``seed + i``) to the symmetric teacher on n Gaussian points; return the spectra at
    the lowest end point and at the lowest end point whose J exceeds it by more than ``spurious_gap``
    (relative to J of the zero network, ``mean f*^2 / 2``) among those that are minima."""
    d, k, n, starts = int(d), int(k), int(n), int(starts)
    if starts < 2 or n < 2:
        raise ValueError(f"need at least 2 starts and 2 points (got {starts}, {n})")
    teacher = symmetric_teacher(d, k)
    X = np.random.default_rng([seed, 11]).standard_normal((n, d))
    y = teacher.predict(X)
    scale = 0.5 * float(np.mean(y**2))  # J of the zero network
    ends = []
    for i in range(starts):
        rng = np.random.default_rng(seed + i)
        W0 = rng.standard_normal((k, d + 1)) / np.sqrt(d + 1)
        W0[:, -1] = 0.0
        net0 = TwoLayerReLU(W=W0, alpha=np.abs(rng.standard_normal(k)) / np.sqrt(k) + 0.5)
        ends.append(_fit(net0, X, y, beta, iters))
    J = np.array([e.objective(X, y, "squared", beta) for e in ends])
    order = np.argsort(J)
    best = _minimum(ends[order[0]], X, y, beta, int(order[0]))
    spurious = None
    for i in order[1:]:
        if (J[i] - J[order[0]]) / scale > spurious_gap:
            candidate = _minimum(ends[i], X, y, beta, int(i))
            if candidate.is_minimum:
                spurious = candidate
                break
    return SpectrumStudy(d, k, n, float(beta), J, best, spurious, spurious_gap, scale)
