"""The compiled step loop of :func:`engine.gradient.sgd.train_sgd` (docs/design.md §2).

numba-compiled with ``cache=True`` (compiled once per machine into ``__pycache__``). A step costs ~2.3
us here (50 neurons, a 16-point batch, Adam; the loops run over the neurons, which LLVM vectorises)
against ~40 us of numpy calls, which is what the Playground's 500-epoch run (6,500 steps) and the
Adversarial page's PGD training (13 attack passes per step) spend.

:func:`run_steps` takes the steps of one stretch between two events of ``train_sgd`` (a logged step, a
playback snapshot, a look at the cancel flag) and does exactly what its numpy loop does per step: the
minibatch of the pre-drawn epoch order, its PGD perturbation (``engine.attacks.pgd_points`` without
restarts) when training adversarially, the minibatch loss and gradient (``sgd._loss_and_grad``), the
batch objective check and the optimizer update. The maths is the same; only the order of the
floating-point sums differs from numpy's (BLAS products, pairwise sums), so a run matches the numpy
loop to rounding, not bit for bit (tests/engine/gradient/test_sgd_kernel.py holds the two together).

Codes: loss 0 squared, 1 hinge, 2 logistic; optimizer 0 gd/sgd, 1 momentum, 2 nesterov, 3 adam;
attack norm 0 l_inf, 1 l2; the attack maximises the squared loss (``attack_squared``) or ``-y f``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["LOSS_CODES", "OPTIMIZER_CODES", "objective_and_accuracy", "run_steps"]

LOSS_CODES = {"squared": 0, "hinge": 1, "logistic": 2}
OPTIMIZER_CODES = {"gd": 0, "sgd": 0, "momentum": 1, "nesterov": 2, "adam": 3}
ADAM_BETA1 = 0.9  # the values of engine.gradient.sgd (a kernel module imports nothing of the engine)
ADAM_BETA2 = 0.999
ADAM_EPS = 1e-8
# LLVM may reorder and fuse the float sums (vectorised loops over the neurons) but never assumes values
# are finite: no "nnan" / "ninf", so the divergence checks (np.isfinite) stay.
_FAST = {"reassoc", "contract", "arcp", "nsz"}


@njit(cache=True)
def _loss_value(loss: int, f: float, y: float) -> float:
    if loss == 0:
        return 0.5 * (f - y) ** 2
    if loss == 1:
        return max(0.0, 1.0 - y * f)
    t = -y * f  # log(1 + exp(t)) as numpy's logaddexp(0, t)
    if t > 0.0:
        return t + np.log1p(np.exp(-t))
    if t < 0.0:
        return np.log1p(np.exp(t))
    return np.log(2.0)


@njit(cache=True)
def _loss_derivative(loss: int, f: float, y: float) -> float:
    if loss == 0:
        return f - y
    if loss == 1:
        return -y if 1.0 - y * f > 0.0 else 0.0
    t = -y * f  # -y sigmoid(t), as engine.losses._sigmoid
    if t >= 0.0:
        return -y * (1.0 / (1.0 + np.exp(-t)))
    e = np.exp(t)
    return -y * (e / (1.0 + e))


@njit(cache=True, fastmath=_FAST)
def _forward(Z, r, theta, row):
    """``f`` of row r of the lifted points Z; its pre-activations ``Z[r] W^T`` in ``row`` (first m)."""
    p = Z.shape[1]
    m = theta.shape[1]
    for j in range(m):
        row[j] = 0.0
    for c in range(p):
        z = Z[r, c]
        for j in range(m):
            row[j] += z * theta[c, j]
    f = 0.0
    for j in range(m):
        f += max(row[j], 0.0) * theta[p, j]
    return f


@njit(cache=True, fastmath=_FAST)
def _loss_and_grad(Zb, yb, theta, loss, beta, pre, grad):
    """Mean loss over the k rows of Zb; ``grad`` (p+1 x m) = the packed gradient of mean loss + penalty."""
    k, p = Zb.shape
    m = theta.shape[1]
    total = 0.0
    for c in range(p + 1):
        for j in range(m):
            grad[c, j] = 0.0
    for r in range(k):
        row = pre[r]
        f = _forward(Zb, r, theta, row)
        total += _loss_value(loss, f, yb[r])
        g = _loss_derivative(loss, f, yb[r]) / k
        for j in range(m):
            grad[p, j] += g * max(row[j], 0.0)
        for c in range(p):
            zg = Zb[r, c] * g
            for j in range(m):
                if row[j] > 0.0:
                    grad[c, j] += zg
    for j in range(m):
        a = theta[p, j]
        for c in range(p):
            grad[c, j] = beta * theta[c, j] + a * grad[c, j]
        grad[p, j] = beta * a + grad[p, j]
    return total / k


@njit(cache=True, fastmath=_FAST)
def objective_and_accuracy(Z, y, theta, loss, beta):
    """On the lifted points Z with targets y: ``(J, accuracy)``, J = mean loss + penalty (NaN when a
    weight is not finite), accuracy = the fraction of rows with ``sign(f) == y`` (``f >= 0`` counts as
    +1; meaningful for +-1 labels)."""
    n = Z.shape[0]
    row = np.empty(theta.shape[1])
    total = 0.0
    hits = 0
    for r in range(n):
        f = _forward(Z, r, theta, row)
        total += _loss_value(loss, f, y[r])
        if (1.0 if f >= 0.0 else -1.0) == y[r]:
            hits += 1
    return total / n + _penalty(theta, beta), hits / n


@njit(cache=True, fastmath=_FAST)
def _penalty(theta, beta):
    sq = 0.0
    for v in theta.ravel():
        sq += v * v
    return 0.5 * beta * sq if np.isfinite(sq) else np.nan


@njit(cache=True)
def _value_and_direction(X, yb, theta, squared, v, g):
    """Per row: the attacked value (``(f - y)^2 / 2`` or ``-y f``) in v and its input gradient in g."""
    k, d = X.shape
    m = theta.shape[1]
    for r in range(k):
        f = 0.0
        for c in range(d):
            g[r, c] = 0.0
        for j in range(m):
            s = theta[d, j]  # the bias row (inputs lifted by 1)
            for c in range(d):
                s += X[r, c] * theta[c, j]
            if s > 0.0:
                a = theta[d + 1, j]
                f += s * a
                for c in range(d):
                    g[r, c] += a * theta[c, j]
        if squared:
            res = f - yb[r]
            v[r] = 0.5 * res * res
            for c in range(d):
                g[r, c] *= res
        else:
            v[r] = -yb[r] * f
            for c in range(d):
                g[r, c] *= -yb[r]


@njit(cache=True)
def _step_and_project(Xc, X, g, step, eps, l2):
    """``Xc <- Proj_ball(Xc + step u(g))`` in place (u: sign(g) for l_inf, g / |g| for l2)."""
    k, d = X.shape
    for r in range(k):
        nrm = 0.0
        if l2:
            for c in range(d):
                nrm += g[r, c] * g[r, c]
            nrm = np.sqrt(nrm)
        dn = 0.0
        for c in range(d):
            if l2:
                u = g[r, c] / nrm if nrm > 0.0 else 0.0
            else:
                u = np.sign(g[r, c])
            Xc[r, c] = Xc[r, c] + step * u - X[r, c]  # the offset from the clean point
            if l2:
                dn += Xc[r, c] * Xc[r, c]
        if l2:
            dn = np.sqrt(dn)
            scale = min(1.0, eps / dn) if dn > eps else 1.0
        for c in range(d):
            delta = Xc[r, c]
            if l2:
                Xc[r, c] = X[r, c] + delta * scale
            else:
                Xc[r, c] = X[r, c] + min(max(delta, -eps), eps)


@njit(cache=True)
def _attack(Zb, yb, theta, eps, l2, step_size, steps, squared):
    """PGD without restarts on the inputs of the lifted batch Zb, in place (``pgd_points``'s points:
    the worst of the clean point, the FGSM point and every PGD iterate)."""
    k, p = Zb.shape
    d = p - 1
    X = Zb[:, :d].copy()
    best = X.copy()
    Xc = X.copy()
    v = np.empty(k)
    g = np.empty((k, d))
    best_v = np.empty(k)
    _value_and_direction(X, yb, theta, squared, best_v, g)
    _step_and_project(Xc, X, g, eps, eps, l2)  # the FGSM point
    for it in range(steps + 2):
        _value_and_direction(Xc, yb, theta, squared, v, g)
        for r in range(k):
            if v[r] > best_v[r]:
                best_v[r] = v[r]
                for c in range(d):
                    best[r, c] = Xc[r, c]
        if it == 0:  # run 0 starts at the clean point itself
            for r in range(k):
                for c in range(d):
                    Xc[r, c] = X[r, c]
        elif it <= steps:
            _step_and_project(Xc, X, g, step_size, eps, l2)
    for r in range(k):
        for c in range(d):
            Zb[r, c] = best[r, c]


@njit(cache=True, fastmath=_FAST)
def run_steps(
    Z, y, orders, theta, buf, sec, prev, step, stop, bs, per_epoch, full_batch, optimizer, lr, mu, beta,
    loss, limit, skip_check, eps, l2, step_size, attack_steps, attack_squared,
):  # fmt: skip
    """Steps ``step .. stop - 1`` of ``train_sgd``'s loop on the packed weights ``theta`` (updated in
    place with the momentum / Adam buffers ``buf``, ``sec``); ``orders[e - e0]`` is epoch e's
    permutation, e0 the epoch of ``step`` (unused by full-batch runs).

    Returns ``(step, flag, batch J)``: flag 0 when ``stop`` was reached; flag 1 when the batch objective
    at ``step`` (> 0) is not finite or above ``limit`` (unless ``skip_check``, which spares the first
    step one check): ``theta`` is then that step's iterate, not updated, and ``prev`` the one before
    (when at least one step was taken here). ``eps > 0`` attacks every batch first (PGD, ``attack_steps``
    steps of ``step_size``, norm l2 or l_inf).
    """
    n, p = Z.shape
    m = theta.shape[1]
    rows = n if full_batch else bs
    Zb = np.empty((rows, p))
    yb = np.empty(rows)
    pre = np.empty((rows, m + 1))
    grad = np.empty_like(theta)
    e0 = step // per_epoch
    while step < stop:
        if full_batch:
            k = n
            Zb[:, :] = Z
            yb[:] = y
        else:
            e, pos = step // per_epoch, step % per_epoch
            lo = pos * bs
            k = min(lo + bs, n) - lo
            for r in range(k):
                i = orders[e - e0, lo + r]
                for c in range(p):
                    Zb[r, c] = Z[i, c]
                yb[r] = y[i]
        if eps > 0.0:
            _attack(Zb[:k], yb[:k], theta, eps, l2, step_size, attack_steps, attack_squared)
        batch_J = _loss_and_grad(Zb[:k], yb[:k], theta, loss, beta, pre, grad) + _penalty(theta, beta)
        if step > 0 and not skip_check and not (np.isfinite(batch_J) and batch_J <= limit):
            return step, 1, batch_J
        skip_check = False
        prev[:, :] = theta
        step += 1
        if optimizer == 0:
            for c in range(p + 1):
                for j in range(m):
                    theta[c, j] = theta[c, j] - lr * grad[c, j]
        elif optimizer == 1 or optimizer == 2:
            for c in range(p + 1):
                for j in range(m):
                    buf[c, j] = buf[c, j] * mu + grad[c, j]
                    if optimizer == 1:
                        theta[c, j] = theta[c, j] - lr * buf[c, j]
                    else:
                        theta[c, j] = theta[c, j] - lr * (grad[c, j] + mu * buf[c, j])
        else:
            c1 = 1.0 - ADAM_BETA1**step
            c2 = 1.0 - ADAM_BETA2**step
            for c in range(p + 1):
                for j in range(m):
                    gr = grad[c, j]
                    buf[c, j] = buf[c, j] * ADAM_BETA1 + (1.0 - ADAM_BETA1) * gr
                    sec[c, j] = sec[c, j] * ADAM_BETA2 + (1.0 - ADAM_BETA2) * (gr * gr)
                    theta[c, j] = theta[c, j] - (lr / c1) * buf[c, j] / (np.sqrt(sec[c, j] / c2) + ADAM_EPS)
    return step, 0, np.nan
