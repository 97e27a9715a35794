"""Network against kernel excess risk on teacher-student data (Akiyama & Suzuki, teacher-student
excess risk and learnability of two-layer ReLU networks).

A teacher network (``engine.studies.landscape.teacher_network``) labels ``x ~ N(0, I_d)`` with
``y = f*(x) + noise``. For each training size n the students are

* ``convex``: the certified global optimum of J (squared loss, weight decay beta) on the n points;
* ``sgd``: gradient training of J from a random start (Adam);
* ``rbf``: kernel ridge regression with ``k(x, x') = exp(-gamma ||x - x'||^2)``, gamma = 1/d;
* ``arccos``: kernel ridge with the arc-cosine kernel of degree 1 on the lifted inputs ``z = (x, 1)``,
  the kernel of an infinitely wide random ReLU layer,
  ``k(z, z') = ||z|| ||z'|| (sin t + (pi - t) cos t) / (2 pi)`` with t the angle between z and z'
  (Cho & Saul 2009; ``= E_w[relu(w . z) relu(w . z')]`` for ``w ~ N(0, I)``);
* ``features``: ridge regression on ``m`` random ReLU features ``relu(w_j . z)``, ``w_j ~ N(0, I)``.

Kernel ridge minimises ``(1/n) ||y - K c||^2 + lam c^T K c``: ``c = (K + n lam I)^(-1) y``, with ``lam``
chosen from a grid by exact leave-one-out error (one eigendecomposition of K). The excess risk of a
student f is ``E (f(x) - f*(x))^2`` over fresh test points (no label noise), and the fitted log-log slope
of risk against n is its empirical rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.gradient.sgd import train_sgd
from engine.network import lift
from engine.studies.landscape import teacher_data, teacher_network
from engine.studies.race import certified_optimum

__all__ = [
    "ESTIMATORS",
    "KernelRidge",
    "RiskCurve",
    "arccos_kernel",
    "excess_risk_curves",
    "fit_kernel_ridge",
    "loglog_slope",
    "random_features",
    "rbf_kernel",
]

ESTIMATORS = {
    "convex": "network, certified optimum",
    "sgd": "network, Adam",
    "rbf": "kernel ridge, RBF",
    "arccos": "kernel ridge, arc-cosine (ReLU)",
    "features": "random ReLU features",
}
LAMBDAS = tuple(10.0 ** np.arange(-8.0, 1.0, 1.0))


def rbf_kernel(A: np.ndarray, B: np.ndarray, gamma: float) -> np.ndarray:
    """``exp(-gamma ||a - b||^2)`` for every row a of A and b of B."""
    sq = np.sum(A**2, axis=1)[:, None] + np.sum(B**2, axis=1)[None, :] - 2.0 * A @ B.T
    return np.exp(-gamma * np.maximum(sq, 0.0))


def arccos_kernel(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """The degree-1 arc-cosine kernel of the lifted inputs ``(x, 1)``: ``E relu(w.z) relu(w.z')``."""
    ZA, ZB = lift(A), lift(B)
    na, nb = np.linalg.norm(ZA, axis=1), np.linalg.norm(ZB, axis=1)
    cos = np.clip((ZA @ ZB.T) / np.outer(na, nb), -1.0, 1.0)
    t = np.arccos(cos)
    return np.outer(na, nb) * (np.sin(t) + (math.pi - t) * cos) / (2.0 * math.pi)


def random_features(X: np.ndarray, G: np.ndarray) -> np.ndarray:
    """``relu(Z G^T) / sqrt(m)`` for the m x (d+1) directions G (so ``F F^T`` estimates the arc-cosine
    kernel)."""
    return np.maximum(lift(X) @ G.T, 0.0) / math.sqrt(G.shape[0])


@dataclass
class KernelRidge:
    """A fitted kernel ridge: the dual coefficients on the training points, lam and its LOO error."""

    coef: np.ndarray
    lam: float
    loo_error: float


def fit_kernel_ridge(K: np.ndarray, y: np.ndarray, lambdas: Sequence[float] = LAMBDAS) -> KernelRidge:
    """Kernel ridge ``c = (K + n lam I)^(-1) y`` with lam from ``lambdas`` by the exact leave-one-out
    error ``mean ((y - K c) / (1 - diag(H)))^2``, ``H = K (K + n lam I)^(-1)``."""
    K = 0.5 * (K + K.T)
    n = K.shape[0]
    evals, Q = np.linalg.eigh(K)
    evals = np.maximum(evals, 0.0)
    Qy = Q.T @ y
    best = None
    for lam in lambdas:
        shrink = evals / (evals + n * lam)
        fitted = Q @ (shrink * Qy)
        h = np.einsum("ij,j,ij->i", Q, shrink, Q)
        loo = float(np.mean(((y - fitted) / np.maximum(1.0 - h, 1e-12)) ** 2))
        if best is None or loo < best[1]:
            best = (lam, loo)
    lam, loo = best
    coef = Q @ (Qy / (evals + n * lam))
    return KernelRidge(coef=coef, lam=float(lam), loo_error=loo)


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope of log y against log x (nan with fewer than two positive points)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = (x > 0) & (y > 0) & np.isfinite(y)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0])


@dataclass
class RiskCurve:
    """Excess test risk against n for every estimator, with fitted slopes and messages of failures."""

    ns: list[int]
    risk: dict[str, list[float]]  # estimator -> risk per n (nan where it failed)
    messages: list[str] = field(default_factory=list)

    def slope(self, estimator: str) -> float:
        return loglog_slope(self.ns, self.risk[estimator])


def excess_risk_curves(
    ns: Sequence[int],
    *,
    d: int = 2,
    teacher_width: int = 3,
    noise: float = 0.1,
    beta: float = 1e-3,
    features: int = 200,
    sgd_width: int = 50,
    sgd_epochs: int = 500,
    n_test: int = 1000,
    seed: int = 0,
    estimators: Sequence[str] = tuple(ESTIMATORS),
) -> RiskCurve:
    """Excess risk of every estimator at every n (the first n points of one seeded sample)."""
    ns = sorted({int(n) for n in ns})
    if not ns or ns[0] < 4:
        raise ValueError(f"need training sizes n >= 4 (got {ns})")
    unknown = [e for e in estimators if e not in ESTIMATORS]
    if unknown:
        raise ValueError(f"unknown estimator(s) {', '.join(unknown)}; choose from {', '.join(ESTIMATORS)}")
    teacher = teacher_network(d, teacher_width, seed)
    X_all, y_all = teacher_data(teacher, ns[-1], seed=seed + 1, noise=noise)
    X_test, _ = teacher_data(teacher, n_test, seed=seed + 2)
    f_test = teacher.predict(X_test)
    G = np.random.default_rng([seed, 3]).standard_normal((int(features), d + 1))
    risk: dict[str, list[float]] = {e: [] for e in estimators}
    messages: list[str] = []

    def record(name: str, pred: np.ndarray) -> None:
        risk[name].append(float(np.mean((pred - f_test) ** 2)))

    for n in ns:
        X, y = X_all[:n], y_all[:n]
        for name in estimators:
            try:
                if name == "convex":
                    record(name, certified_optimum(X, y, loss="squared", beta=beta).network.predict(X_test))
                elif name == "sgd":
                    run = train_sgd(
                        X,
                        y,
                        loss="squared",
                        beta=beta,
                        width=sgd_width,
                        lr=0.01,
                        epochs=sgd_epochs,
                        seed=seed,
                    )
                    record(name, run.network.predict(X_test))
                elif name == "rbf":
                    fit = fit_kernel_ridge(rbf_kernel(X, X, 1.0 / d), y)
                    record(name, rbf_kernel(X_test, X, 1.0 / d) @ fit.coef)
                elif name == "arccos":
                    fit = fit_kernel_ridge(arccos_kernel(X, X), y)
                    record(name, arccos_kernel(X_test, X) @ fit.coef)
                else:
                    F, Ft = random_features(X, G), random_features(X_test, G)
                    fit = fit_kernel_ridge(F @ F.T, y)
                    record(name, Ft @ (F.T @ fit.coef))
            except (ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
                risk[name].append(float("nan"))
                messages.append(f"{ESTIMATORS[name]} at n = {n}: {' '.join(str(exc).split())}")
    return RiskCurve(ns=ns, risk=risk, messages=messages)
