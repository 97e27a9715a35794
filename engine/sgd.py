"""Gradient training of the non-convex two-layer ReLU network (DESIGN.md section 2).

Every optimizer minimises the same objective as :meth:`TwoLayerReLU.objective`,

    J(W, alpha) = (1/n) sum_k l(f(x_k), y_k) + (beta/2) (||W||_F^2 + ||alpha||^2),

with relu'(0) taken as 0. A minibatch step uses the gradient of the **mean** loss over the batch
plus the **full** weight-decay gradient ``(beta W, beta alpha)`` (plain L2, not decoupled decay), so
its expectation over a uniformly shuffled epoch is the gradient of J.

Optimizers (``theta`` = all weights, ``g`` = the (minibatch) gradient at step t, ``lr`` = learning rate):

* ``gd``        full-batch gradient descent ``theta -= lr g`` (batch_size ignored);
* ``sgd``       the same step on shuffled minibatches;
* ``momentum``  heavy ball ``b = mu b + g; theta -= lr b``;
* ``nesterov``  Nesterov momentum in the usual deep-learning form ``b = mu b + g; theta -= lr (g + mu b)``;
* ``adam``      Adam with beta1 = 0.9, beta2 = 0.999, eps = 1e-8 and bias correction.

Randomness: the initial weights come from ``numpy.random.default_rng(seed)`` (see :func:`init_network`)
and the minibatch shuffles from an independent stream ``default_rng([seed, 1])``; the same seed gives
bit-identical weights and history (apart from the wall-clock column).
"""

from __future__ import annotations

import math
import time

import numpy as np

from engine.losses import Loss, get_loss
from engine.network import TwoLayerReLU, lift
from engine.results import TrainHistory, TrainResult

OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam")

ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPS = 1e-8

#: A run is declared diverged when J exceeds this factor times max(1, J at step 0).
DIVERGENCE_FACTOR = 1e6

#: Default number of log points over a run (plus step 0 and the final step).
DEFAULT_LOG_POINTS = 200


def init_network(d: int, width: int, init_scale: float, seed: int) -> TwoLayerReLU:
    """Random network for inputs in R^d.

    ``W ~ init_scale N(0,1) / sqrt(d+1)`` and ``alpha ~ init_scale N(0,1) / sqrt(width)``, entrywise.

    Both scalings keep ``w_j . z`` and ``f(x)`` of order ``init_scale`` for lifted inputs of order 1.
    W (width x (d+1), bias last) is drawn first, then alpha, from ``numpy.random.default_rng(seed)``.
    """
    if int(d) < 1:
        raise ValueError(f"d must be >= 1 (got {d})")
    if int(width) < 1:
        raise ValueError(f"width must be >= 1 (got {width})")
    if not (math.isfinite(init_scale) and init_scale >= 0):
        raise ValueError(f"init_scale must be >= 0 and finite (got {init_scale})")
    rng = np.random.default_rng(seed)
    W = init_scale * rng.standard_normal((int(width), int(d) + 1)) / math.sqrt(d + 1)
    alpha = init_scale * rng.standard_normal(int(width)) / math.sqrt(width)
    return TwoLayerReLU(W=W, alpha=alpha)


def is_classification_labels(y: np.ndarray) -> bool:
    """True when every label is -1 or +1 (accuracy is then meaningful)."""
    y = np.asarray(y, dtype=float)
    return bool(y.size > 0 and np.all((y == 1.0) | (y == -1.0)))


def _validate(
    optimizer: str,
    lr: float,
    width: int,
    epochs: int,
    batch_size: int,
    init_scale: float,
    beta: float,
    momentum: float,
    log_every: int | None,
    max_steps: int | None,
) -> None:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    checks = [
        ("lr", lr, lambda v: math.isfinite(v) and v > 0, "must be > 0 and finite"),
        ("width", width, lambda v: v >= 1, "must be >= 1"),
        ("epochs", epochs, lambda v: v >= 1, "must be >= 1"),
        ("batch_size", batch_size, lambda v: v >= 1, "must be >= 1"),
        ("init_scale", init_scale, lambda v: math.isfinite(v) and v >= 0, "must be >= 0 and finite"),
        ("beta", beta, lambda v: math.isfinite(v) and v >= 0, "must be >= 0 and finite"),
        ("momentum", momentum, lambda v: math.isfinite(v) and 0 <= v < 1, "must be in [0, 1)"),
    ]
    if log_every is not None:
        checks.append(("log_every", log_every, lambda v: v >= 1, "must be >= 1"))
    if max_steps is not None:
        checks.append(("max_steps", max_steps, lambda v: v >= 0, "must be >= 0"))
    for name, value, ok, rule in checks:
        try:
            good = bool(ok(float(value)))
        except (TypeError, ValueError):
            good = False
        if not good:
            raise ValueError(f"{name} {rule} (got {value!r})")


def _objective(Z: np.ndarray, y: np.ndarray, W: np.ndarray, alpha: np.ndarray, loss: Loss, beta: float):
    """``(J, f)`` on the lifted points Z: J as a float and the predictions f (n)."""
    f = np.maximum(Z @ W.T, 0.0) @ alpha
    reg = 0.5 * beta * (float(np.sum(W * W)) + float(np.sum(alpha * alpha)))
    return loss.mean(f, y) + reg, f


def _accuracy(f: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.where(f >= 0.0, 1.0, -1.0) == y))


def train_sgd(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: str = "squared",
    beta: float = 1e-3,
    optimizer: str = "adam",
    width: int = 50,
    lr: float = 1e-2,
    epochs: int = 200,
    batch_size: int = 32,
    init_scale: float = 1.0,
    seed: int = 0,
    momentum: float = 0.9,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    log_every: int | None = None,
    init: TwoLayerReLU | None = None,
    max_steps: int | None = None,
) -> TrainResult:
    """Train ``TwoLayerReLU`` on J with a gradient method; never raises on divergence.

    Steps: ``gd`` takes one step per epoch; the minibatch methods take ``ceil(n / batch_size)`` steps
    per epoch over a fresh permutation (the last batch may be smaller; ``batch_size > n`` means one
    full batch). ``max_steps`` caps the total number of steps. ``init`` (copied, never modified)
    replaces the random initial network; ``width`` and ``init_scale`` are then ignored.

    History: J on the full training set, train accuracy (nan for non +-1 labels), test accuracy
    (nan without a test set) and wall time in seconds, at step 0, every ``log_every`` steps (default:
    about 200 points over the run) and at the final step. ``momentum`` is mu for heavy ball/Nesterov.

    Divergence: if a weight or J becomes NaN/inf, or J > 1e6 max(1, J_0), training stops with
    ``diverged=True``, a message naming the step, and the last iterate that passed the checks.
    """
    _validate(optimizer, lr, width, epochs, batch_size, init_scale, beta, momentum, log_every, max_steps)
    loss_obj = get_loss(loss)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty n x d array (got shape {X.shape})")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} entries")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X and y must be finite")
    classification = is_classification_labels(y)
    if loss_obj.is_classification() and not classification:
        raise ValueError(f"loss {loss!r} needs labels in {{-1, +1}}")
    has_test = X_test is not None and y_test is not None and len(np.asarray(y_test)) > 0
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test or neither")
    if has_test:
        X_test = np.asarray(X_test, dtype=float)
        y_test = np.asarray(y_test, dtype=float).reshape(-1)
        if X_test.ndim != 2 or X_test.shape[1] != X.shape[1] or X_test.shape[0] != y_test.shape[0]:
            raise ValueError("X_test must be n_test x d with one label per row in y_test")
        Z_test = lift(X_test)
    n, d = X.shape

    if init is not None:
        if init.input_dim != d:
            raise ValueError(f"init network takes {init.input_dim}-D inputs but X is {d}-D")
        W = np.array(init.W, dtype=float)
        alpha = np.array(init.alpha, dtype=float)
    else:
        net0 = init_network(d, int(width), float(init_scale), seed)
        W, alpha = net0.W, net0.alpha
    width_used = W.shape[0]

    full_batch = optimizer == "gd"
    bs = n if full_batch else min(int(batch_size), n)
    steps_per_epoch = 1 if full_batch else math.ceil(n / bs)
    total = int(epochs) * steps_per_epoch
    if max_steps is not None:
        total = min(total, int(max_steps))
    every = int(log_every) if log_every is not None else max(1, math.ceil(total / DEFAULT_LOG_POINTS))

    Z = lift(X)
    rng = np.random.default_rng([seed, 1])
    history = TrainHistory()
    start = time.perf_counter()
    mu = float(momentum)
    diverged = False
    message = ""

    with np.errstate(all="ignore"):

        def log(step: int, W_: np.ndarray, a_: np.ndarray) -> float:
            J, f = _objective(Z, y, W_, a_, loss_obj, beta)
            history.step.append(step)
            history.epoch.append(step / steps_per_epoch)
            history.objective.append(J)
            history.train_accuracy.append(_accuracy(f, y) if classification else float("nan"))
            if has_test and classification:
                f_test = np.maximum(Z_test @ W_.T, 0.0) @ a_
                history.test_accuracy.append(_accuracy(f_test, y_test))
            else:
                history.test_accuracy.append(float("nan"))
            history.time_s.append(time.perf_counter() - start)
            return J

        J0 = log(0, W, alpha)
        if not np.isfinite(J0):
            raise ValueError(f"the initial network has a non-finite objective ({J0})")
        limit = DIVERGENCE_FACTOR * max(1.0, J0)

        def bad(J: float) -> bool:
            return not (np.isfinite(J) and J <= limit)

        # optimizer state
        bW = np.zeros_like(W)
        ba = np.zeros_like(alpha)
        vW = np.zeros_like(W)
        va = np.zeros_like(alpha)
        good_W, good_a, good_step = W, alpha, 0  # last iterate that passed the checks (never mutated)
        logged_W, logged_a, logged_step = W, alpha, 0  # last logged iterate (its full J was checked)
        order = np.arange(n)
        step = 0
        while step < total:
            pos = step % steps_per_epoch
            if pos == 0 and not full_batch:
                order = rng.permutation(n)
            if full_batch:
                Zb, yb = Z, y
            else:
                idx = order[pos * bs : (pos + 1) * bs]
                Zb, yb = Z[idx], y[idx]
            # forward/backward on the batch at the current iterate (iterate number `step`)
            pre = Zb @ W.T
            act = np.maximum(pre, 0.0)
            fb = act @ alpha
            reg = 0.5 * beta * (float(np.sum(W * W)) + float(np.sum(alpha * alpha)))
            batch_J = loss_obj.mean(fb, yb) + reg
            if step > 0 and (
                bad(batch_J) or not (np.all(np.isfinite(W)) and np.all(np.isfinite(alpha)))
            ):
                J_full = batch_J if full_batch else _objective(Z, y, W, alpha, loss_obj, beta)[0]
                weights_ok = bool(np.all(np.isfinite(W)) and np.all(np.isfinite(alpha)))
                if bad(J_full) or not weights_ok:
                    diverged = True
                    message = f"SGD diverged at step {step} (objective {J_full:.6g}): lower the learning rate"
                    break
            good_W, good_a, good_step = W, alpha, step
            g = loss_obj.derivative(fb, yb) / len(yb)
            gA = act.T @ g + beta * alpha
            gW = ((pre > 0.0) * (g[:, None] * alpha[None, :])).T @ Zb + beta * W
            step += 1
            if optimizer in ("gd", "sgd"):
                W = W - lr * gW
                alpha = alpha - lr * gA
            elif optimizer == "momentum":
                bW = mu * bW + gW
                ba = mu * ba + gA
                W = W - lr * bW
                alpha = alpha - lr * ba
            elif optimizer == "nesterov":
                bW = mu * bW + gW
                ba = mu * ba + gA
                W = W - lr * (gW + mu * bW)
                alpha = alpha - lr * (gA + mu * ba)
            else:  # adam
                bW = ADAM_BETA1 * bW + (1 - ADAM_BETA1) * gW
                ba = ADAM_BETA1 * ba + (1 - ADAM_BETA1) * gA
                vW = ADAM_BETA2 * vW + (1 - ADAM_BETA2) * gW * gW
                va = ADAM_BETA2 * va + (1 - ADAM_BETA2) * gA * gA
                c1 = 1.0 - ADAM_BETA1**step
                c2 = 1.0 - ADAM_BETA2**step
                W = W - lr * (bW / c1) / (np.sqrt(vW / c2) + ADAM_EPS)
                alpha = alpha - lr * (ba / c1) / (np.sqrt(va / c2) + ADAM_EPS)
            if step % every == 0 or step == total:
                weights_ok = bool(np.all(np.isfinite(W)) and np.all(np.isfinite(alpha)))
                J_full = _objective(Z, y, W, alpha, loss_obj, beta)[0]
                if bad(J_full) or not weights_ok:
                    diverged = True
                    message = f"SGD diverged at step {step} (objective {J_full:.6g}): lower the learning rate"
                    break
                log(step, W, alpha)
                good_W, good_a, good_step = W, alpha, step
                logged_W, logged_a, logged_step = W, alpha, step

        if diverged:
            W, alpha = good_W, good_a
            J_final = _objective(Z, y, W, alpha, loss_obj, beta)[0]
            if bad(J_final):  # the last batch-checked iterate was itself bad: fall back to the last log
                W, alpha, good_step = logged_W, logged_a, logged_step
                J_final = _objective(Z, y, W, alpha, loss_obj, beta)[0]
            if history.step[-1] != good_step:
                log(good_step, W, alpha)
        else:
            J_final = history.objective[-1]
            if history.step[-1] != total:  # cannot happen (final step is always logged); kept for safety
                J_final = log(total, W, alpha)

    elapsed = time.perf_counter() - start
    settings = {
        "loss": loss_obj.name,
        "beta": float(beta),
        "optimizer": optimizer,
        "width": int(width_used),
        "lr": float(lr),
        "epochs": int(epochs),
        "batch_size": int(bs),
        "init_scale": float(init_scale),
        "seed": seed,
        "momentum": mu,
        "log_every": every,
        "max_steps": max_steps,
        "steps": int(history.step[-1]),
        "steps_per_epoch": int(steps_per_epoch),
        "n": int(n),
        "init": "given" if init is not None else "random",
    }
    if not diverged:
        message = f"{optimizer}: {total} steps ({int(epochs)} epochs), objective {J_final:.6g}"
    return TrainResult(
        network=TwoLayerReLU(W=W.copy(), alpha=alpha.copy()),
        history=history,
        objective=float(J_final),
        optimizer=optimizer,
        diverged=diverged,
        message=message,
        time_s=elapsed,
        settings=settings,
    )
