"""Gradient training of the non-convex two-layer ReLU network (docs/design.md §2).

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

from engine.attacks import AdversarialSpec, AttackResult, pgd, pgd_points
from engine.cancel import check as check_cancel
from engine.gradient.sgd_kernel import LOSS_CODES, OPTIMIZER_CODES, objective_and_accuracy, run_steps
from engine.losses import Loss, get_loss
from engine.network import TwoLayerReLU, lift
from engine.results import Snapshots, TrainHistory, TrainResult

OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam")
#: The settings of the gradient method: keyword arguments of :func:`train_sgd` that the estimators and
#: the command line pass through under the same name.
SGD_SETTINGS = ("optimizer", "width", "lr", "epochs", "batch_size", "init_scale", "momentum")

ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPS = 1e-8

#: A run is declared diverged when J exceeds this factor times max(1, J at step 0).
DIVERGENCE_FACTOR = 1e6

#: Default number of log points over a run (plus step 0 and the final step).
DEFAULT_LOG_POINTS = 200
# Steps between two looks at the caller's cancel flag (engine.cancel): a look costs well under 1 us.
CANCEL_EVERY = 16
# Most steps one compiled stretch takes between two looks at the cancel flag (~1-10 ms of work).
KERNEL_STRETCH = 256
#: Whether train_sgd runs its steps in the compiled loop (engine/gradient/sgd_kernel.py); False keeps
#: the numpy loop, the reference the tests hold the compiled one to.
COMPILED_LOOP = True


def snapshot_steps(total: int, count: int) -> np.ndarray:
    """About ``count`` distinct steps in ``[0, total]`` for playback: 0, then log-spaced from step 1 to
    ``total`` (dense early, where the network changes fastest), ``total`` always included; every step
    when ``count > total``. Empty for ``count <= 0``."""
    total, count = int(total), int(count)
    if count <= 0:
        return np.zeros(0, dtype=int)
    if total + 1 <= count:
        return np.arange(total + 1)
    # more log-spaced points than asked for, until the distinct ones (rounding merges early ones) suffice
    k = max(count - 1, 1)
    steps = np.zeros(0, dtype=int)
    while k <= 4 * total:
        steps = np.unique(np.concatenate([[0], np.rint(np.geomspace(1, total, k)).astype(int), [total]]))
        if steps.size >= count:
            return steps
        k += max(1, count - steps.size)
    # near-dense runs: top up with evenly spread steps
    spread = np.rint(np.linspace(0, total, count)).astype(int)
    steps = np.unique(np.concatenate([steps, spread, [0, total]]))
    missing = np.setdiff1d(np.arange(total + 1), steps)
    return np.union1d(steps, missing[: max(0, count - steps.size)])


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


#: Entries of the hidden layer (rows x width) processed at once; with preallocated buffers blocks of
#: this size (512 KiB) make full-data passes several times faster than one n x m array.
_BLOCK_ENTRIES = 1 << 16

# The weights travel packed as P = [W^T; alpha^T], a (d+2) x m array: P[:-1] = W^T and P[-1] = alpha
# are contiguous views, and every optimizer update is one array operation on P.


def _pack(W: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return np.vstack([np.asarray(W, dtype=float).T, np.asarray(alpha, dtype=float)[None, :]])


class _Workspace:
    """Preallocated hidden-layer buffers (fresh large arrays every step cost page faults)."""

    def __init__(self, m: int) -> None:
        self.rows = max(1, _BLOCK_ENTRIES // max(1, m))  # rows per block on long inputs
        cap = 2 * self.rows  # inputs up to this many rows go in one piece
        self.pre = np.empty((cap, m))
        self.act = np.empty((cap, m))
        self.gate = np.empty((cap, m))

    def chunks(self, n: int) -> list[tuple[int, int]]:
        """Row ranges covering ``range(n)``: one piece when short, blocks of ``rows`` otherwise."""
        if n <= 2 * self.rows:
            return [(0, n)]
        return [(s, min(n, s + self.rows)) for s in range(0, n, self.rows)]


def _loss_and_grad(
    Z: np.ndarray, y: np.ndarray, P: np.ndarray, loss: Loss, beta: float, ws: _Workspace
) -> tuple[float, np.ndarray]:
    """Mean loss over the rows of Z and the packed gradient of ``mean loss + penalty``.

    ``dJ/dalpha_j = sum_k g_k relu(pre_kj) + beta alpha_j`` and
    ``dJ/dw_j = alpha_j sum_k g_k 1[pre_kj > 0] z_k + beta w_j`` with ``g_k = l'(f_k, y_k) / n`` and
    ``pre = Z W^T`` (relu'(0) = 0). Every term is row-local, so long inputs go in cache-sized blocks.
    """
    n = Z.shape[0]
    WT, alpha = P[:-1], P[-1]
    grad = beta * P
    G = np.zeros_like(WT)
    total = 0.0
    for s, e in ws.chunks(n):
        k = e - s
        Zs, ys = Z[s:e], y[s:e]
        pre, act, gate = ws.pre[:k], ws.act[:k], ws.gate[:k]
        np.matmul(Zs, WT, out=pre)
        np.maximum(pre, 0.0, out=act)
        fs = act @ alpha
        total += float(np.sum(loss.value(fs, ys)))
        g = loss.derivative(fs, ys) / n
        grad[-1] += g @ act
        np.greater(pre, 0.0, out=gate, casting="unsafe")  # relu'(pre) as 0.0/1.0
        G += (Zs * g[:, None]).T @ gate
    grad[:-1] += alpha * G
    return total / n, grad


def _penalty(P: np.ndarray, beta: float) -> float:
    """``(beta/2)(||W||^2 + ||alpha||^2)``; NaN when a weight is not finite (or the squares overflow)."""
    sq = float(np.sum(P * P))
    return 0.5 * beta * sq if math.isfinite(sq) else float("nan")


def _objective(Z: np.ndarray, y: np.ndarray, P: np.ndarray, loss: Loss, beta: float) -> tuple[float, float]:
    """``(J, accuracy)`` of the packed weights P on the lifted points Z (compiled: ``sgd_kernel.
    objective_and_accuracy``): J NaN when a weight is not finite; accuracy the fraction of rows with
    ``sign(f) == y`` (``f >= 0`` counts as +1)."""
    J, accuracy = objective_and_accuracy(Z, y, P, LOSS_CODES[loss.name], float(beta))
    return float(J), float(accuracy)


def _pgd_batch(
    X: np.ndarray,
    y: np.ndarray,
    P: np.ndarray,
    loss: Loss,
    spec: AdversarialSpec,
    rng: np.random.Generator,
) -> AttackResult:
    """PGD on the rows of X against the packed weights P, maximising ``loss`` (see engine.attacks)."""
    net = TwoLayerReLU(W=P[:-1].T, alpha=P[-1])
    return pgd(
        net,
        X,
        y,
        float(spec.eps),
        spec.norm,
        steps=int(spec.steps),
        step_size=spec.step_size,
        restarts=int(spec.restarts),
        seed=rng,
        loss=loss,
    )


def _pgd_training_points(
    X: np.ndarray, y: np.ndarray, P: np.ndarray, loss: Loss, spec: AdversarialSpec, rng: np.random.Generator
) -> np.ndarray:
    """The PGD points of :func:`_pgd_batch` alone (``pgd_points``: the same points, without the checks
    and the attack's margins and successes that a training step does not use)."""
    net = TwoLayerReLU(W=P[:-1].T, alpha=P[-1])
    eps, steps = float(spec.eps), int(spec.steps)
    return pgd_points(net, X, y, eps, spec.norm, _step_size(spec), steps, int(spec.restarts), rng, loss.name)


def _step_size(spec: AdversarialSpec) -> float:
    """The PGD step of the spec: its own, or ``2.5 eps / steps`` (as :func:`engine.attacks.pgd`)."""
    return (
        2.5 * float(spec.eps) / max(int(spec.steps), 1) if spec.step_size is None else float(spec.step_size)
    )


def _robust_summary(
    X: np.ndarray, y: np.ndarray, P: np.ndarray, loss: Loss, beta: float, spec: AdversarialSpec, seed: int
) -> dict:
    """The spec plus the robust objective and robust train accuracy of the packed weights P."""
    out = {
        "eps": float(spec.eps),
        "norm": spec.norm,
        "steps": int(spec.steps),
        "restarts": int(spec.restarts),
        "step_size": spec.step_size,
    }
    with np.errstate(all="ignore"):
        if not np.all(np.isfinite(P)):
            return out | {"robust_objective": float("nan"), "robust_train_accuracy": float("nan")}
        res = _pgd_batch(X, y, P, loss, spec, np.random.default_rng([seed, 3]))
        net = TwoLayerReLU(W=P[:-1].T, alpha=P[-1])
        out["robust_objective"] = loss.mean(net.predict(res.X_adv), y) + _penalty(P, beta)
        out["robust_train_accuracy"] = (
            float(1.0 - np.mean(res.success)) if is_classification_labels(y) else float("nan")
        )
    return out


def train_sgd(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str = "squared",
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
    adversarial: AdversarialSpec | None = None,
    snapshots: int = 0,
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

    Adversarial training (Madry et al.): with ``adversarial`` (an :class:`AdversarialSpec` with eps > 0)
    every (mini)batch is replaced by its PGD perturbation against the current weights, maximising the
    training loss inside the eps-ball (data units, bias never perturbed), before the gradient step; the
    attack's random starts come from the stream ``default_rng([seed, 2])``. The history still logs the
    clean J and accuracies and, in ``robust_accuracy``, the PGD accuracy on the training set under the
    training attack at every logged step (stream ``[seed, 4]``; empty with ``adversarial.history``
    False); ``settings["adversarial"]`` records
    the spec and, at the returned network, the robust objective (mean loss at the PGD points + penalty)
    and robust train accuracy.

    Playback: with ``snapshots > 0`` the weights are also kept at about that many steps
    (:func:`snapshot_steps`: step 0, log-spaced after it, the last step) in ``result.snapshots`` with J
    at each; a diverged run's frames end at the returned iterate. Recording never changes the run.
    """
    _validate(optimizer, lr, width, epochs, batch_size, init_scale, beta, momentum, log_every, max_steps)
    loss = get_loss(loss)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty n x d array (got shape {X.shape})")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} entries")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X and y must be finite")
    classification = is_classification_labels(y)
    if loss.is_classification() and not classification:
        raise ValueError(f"loss {loss.name!r} needs labels in {{-1, +1}}")
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
        start_net = init
    else:
        start_net = init_network(d, int(width), float(init_scale), seed)
    theta = _pack(start_net.W, start_net.alpha)
    width_used = theta.shape[1]
    ws = _Workspace(width_used)

    full_batch = optimizer == "gd"
    bs = n if full_batch else min(int(batch_size), n)
    steps_per_epoch = 1 if full_batch else math.ceil(n / bs)
    total = int(epochs) * steps_per_epoch
    if max_steps is not None:
        total = min(total, int(max_steps))
    every = int(log_every) if log_every is not None else max(1, math.ceil(total / DEFAULT_LOG_POINTS))
    if int(snapshots) < 0:
        raise ValueError(f"snapshots must be >= 0 (got {snapshots!r})")
    snap_at = set(snapshot_steps(total, int(snapshots)).tolist())
    frames: list[tuple[int, np.ndarray]] = []  # (step, packed weights); theta is never changed in place

    Z = lift(X)
    rng = np.random.default_rng([seed, 1])
    attack = adversarial is not None and float(adversarial.eps) > 0.0
    adv_rng = np.random.default_rng([seed, 2])
    log_rng = np.random.default_rng([seed, 4])
    history = TrainHistory()
    start = time.perf_counter()
    mu = float(momentum)
    diverged = False
    message = ""

    def diverged_message(step: int, J: float) -> str:
        return f"SGD diverged at step {step} (objective {J:.6g}): lower the learning rate"

    with np.errstate(all="ignore"):

        def log(step: int, th: np.ndarray, Jf: tuple | None = None) -> float:
            """Append one history row for the iterate ``th``; ``Jf`` = its (J, accuracy) if known."""
            J, accuracy = _objective(Z, y, th, loss, beta) if Jf is None else Jf
            history.step.append(step)
            history.epoch.append(step / steps_per_epoch)
            history.objective.append(J)
            history.train_accuracy.append(accuracy if classification else float("nan"))
            if has_test and classification:
                history.test_accuracy.append(_objective(Z_test, y_test, th, loss, beta)[1])
            else:
                history.test_accuracy.append(float("nan"))
            history.time_s.append(time.perf_counter() - start)
            if attack and adversarial.history:  # the training attack on the whole set, its own stream
                robust = _pgd_batch(X, y, th, loss, adversarial, log_rng)
                history.robust_accuracy.append(
                    float(1.0 - np.mean(robust.success)) if classification else float("nan")
                )
            return J

        J0 = log(0, theta)
        if 0 in snap_at:
            frames.append((0, theta))
        if not np.isfinite(J0):
            raise ValueError(f"the initial network has a non-finite objective ({J0})")
        limit = DIVERGENCE_FACTOR * max(1.0, J0)

        def bad(J: float) -> bool:
            return not (np.isfinite(J) and J <= limit)

        buf = np.zeros_like(theta)  # momentum buffer / Adam first moment
        sec = np.zeros_like(theta)  # Adam second moment
        # theta is never modified in place, so these references keep old iterates intact
        good, good_step = theta, 0  # last iterate that passed the checks
        logged, logged_step = theta, 0  # last logged iterate (its full J was checked)
        order = np.arange(n)
        step = 0

        def record(step: int, theta: np.ndarray) -> bool:
            """After a step: its playback frame, and at a logged step the full-set check and the history
            row; True when J is bad there (the run diverged, ``message`` says where)."""
            nonlocal good, good_step, logged, logged_step, diverged, message
            if step in snap_at:
                frames.append((step, theta))
            if step % every == 0 or step == total:
                J_full, accuracy = _objective(Z, y, theta, loss, beta)
                if bad(J_full):
                    diverged, message = True, diverged_message(step, J_full)
                    return True
                log(step, theta, (J_full, accuracy))
                good, good_step = theta, step
                logged, logged_step = theta, step
            return False

        # the compiled loop (engine/gradient/sgd_kernel.py) takes every run but adversarial training with
        # random restarts (their draws stay with numpy's attack); the numpy loop below is the other path
        if COMPILED_LOOP and (not attack or int(adversarial.restarts) == 0):
            # one stretch of compiled steps per gap between events (log, snapshot, a look at cancel)
            events = sorted(e for e in set(range(every, total, every)) | {total} | snap_at if e > 0)
            # epoch -> its order, drawn in epoch order as the numpy loop draws them (rng serves nothing else)
            drawn: dict[int, np.ndarray] = {}

            def orders(first: int, stop: int) -> np.ndarray:
                """The orders of the epochs the steps first .. stop - 1 touch (rows from first's epoch)."""
                if full_batch:
                    return np.zeros((1, 1), dtype=np.int64)
                lo, hi = first // steps_per_epoch, (stop - 1) // steps_per_epoch
                for e in range(lo, hi + 1):
                    if e not in drawn:
                        drawn[e] = rng.permutation(n)
                for e in [e for e in drawn if e < lo]:
                    del drawn[e]
                return np.array([drawn[e] for e in range(lo, hi + 1)], dtype=np.int64)

            spec = (
                (
                    float(adversarial.eps),
                    adversarial.norm == "2",
                    _step_size(adversarial),
                    int(adversarial.steps),
                )
                if attack
                else (0.0, False, 0.0, 0)
            )
            th, prev, skip = theta.copy(), np.empty_like(theta), False
            codes = (OPTIMIZER_CODES[optimizer], float(lr), mu, float(beta), LOSS_CODES[loss.name])
            for event in events:
                while step < event and not diverged:
                    check_cancel()
                    start_step, stop = step, min(event, step + KERNEL_STRETCH)
                    step, flag, batch_J = run_steps(
                        Z, y, orders(step, stop), th, buf, sec, prev, step, stop, bs,
                        steps_per_epoch, full_batch, *codes, limit, skip, *spec, loss.name == "squared",
                    )  # fmt: skip
                    skip = False
                    if step > start_step:
                        good, good_step = prev.copy(), step - 1
                    if flag:  # the batch J at `step` is bad: confirm on the full training set
                        J_full = batch_J if full_batch and not attack else _objective(Z, y, th, loss, beta)[0]
                        if bad(J_full):
                            diverged, message = True, diverged_message(step, J_full)
                        skip = True
                if diverged:
                    break
                theta = th.copy()
                if record(step, theta):
                    break
            if diverged:
                theta = th.copy()
            step = total
        while step < total:
            if step % CANCEL_EVERY == 0:
                check_cancel()
            pos = step % steps_per_epoch
            if full_batch:
                Zb, yb = Z, y
            else:
                if pos == 0:
                    order = rng.permutation(n)
                idx = order[pos * bs : (pos + 1) * bs]
                Zb, yb = Z[idx], y[idx]
            if attack:
                X_adv = _pgd_training_points(Zb[:, :-1], yb, theta, loss, adversarial, adv_rng)
                Zb = Zb.copy() if full_batch else Zb  # a minibatch is already a copy (fancy indexing)
                Zb[:, :-1] = X_adv  # = lift(X_adv): the ones column stays
            batch_loss, grad = _loss_and_grad(Zb, yb, theta, loss, beta, ws)
            batch_J = batch_loss + _penalty(theta, beta)  # NaN for non-finite weights
            if step > 0 and bad(batch_J):  # confirm on the full training set
                clean_batch = full_batch and not attack  # the batch J is then J itself
                J_full = batch_J if clean_batch else _objective(Z, y, theta, loss, beta)[0]
                if bad(J_full):
                    diverged, message = True, diverged_message(step, J_full)
                    break
            good, good_step = theta, step
            step += 1
            if optimizer in ("gd", "sgd"):
                theta = theta - lr * grad
            elif optimizer == "momentum":
                buf *= mu
                buf += grad
                theta = theta - lr * buf
            elif optimizer == "nesterov":
                buf *= mu
                buf += grad
                theta = theta - lr * (grad + mu * buf)
            else:  # adam
                buf *= ADAM_BETA1
                buf += (1.0 - ADAM_BETA1) * grad
                sec *= ADAM_BETA2
                sec += (1.0 - ADAM_BETA2) * (grad * grad)
                c1 = 1.0 - ADAM_BETA1**step
                c2 = 1.0 - ADAM_BETA2**step
                theta = theta - (lr / c1) * buf / (np.sqrt(sec / c2) + ADAM_EPS)
            if record(step, theta):
                break

        if diverged:
            theta = good
            J_final = _objective(Z, y, theta, loss, beta)[0]
            if bad(J_final):  # the last batch-checked iterate was itself bad: fall back to the last log
                theta, good_step = logged, logged_step
                J_final = _objective(Z, y, theta, loss, beta)[0]
            if history.step[-1] != good_step:
                log(good_step, theta)
            if snap_at:  # the frames end at the returned iterate
                frames = [(k, th) for k, th in frames if k < good_step] + [(good_step, theta)]
        else:
            J_final = history.objective[-1]
        recorded = _snapshots(frames, Z, y, loss, beta) if snap_at else None

    elapsed = time.perf_counter() - start
    settings = {
        "loss": loss.name,
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
    if adversarial is not None:
        settings["adversarial"] = _robust_summary(X, y, theta, loss, beta, adversarial, seed)
    if not diverged:
        message = f"{optimizer}: {total} steps ({int(epochs)} epochs), objective {J_final:.6g}"
    return TrainResult(
        network=TwoLayerReLU(W=theta[:-1].T.copy(), alpha=theta[-1].copy()),
        history=history,
        objective=float(J_final),
        optimizer=optimizer,
        diverged=diverged,
        message=message,
        time_s=elapsed,
        settings=settings,
        snapshots=recorded,
    )


def _snapshots(
    frames: list[tuple[int, np.ndarray]],
    Z: np.ndarray,
    y: np.ndarray,
    loss: Loss,
    beta: float,
) -> Snapshots:
    """The recorded (step, packed weights) pairs as a :class:`Snapshots` record, J at each."""
    packed = np.stack([th for _, th in frames])  # k x (d+2) x m
    return Snapshots(
        step=np.array([k for k, _ in frames], dtype=int),
        W=np.ascontiguousarray(packed[:, :-1, :].transpose(0, 2, 1)),
        alpha=packed[:, -1, :].copy(),
        objective=np.array([_objective(Z, y, th, loss, beta)[0] for _, th in frames]),
    )


def continue_training(previous: TrainResult, X: np.ndarray, y: np.ndarray, **kwargs) -> TrainResult:
    """Train on from the end of ``previous`` (``train_sgd(X, y, init=previous.network, **kwargs)``) and
    join the two runs: the history and the snapshots go on from the previous step numbers, epochs and
    wall time (the new run's step 0, the previous last iterate, is kept once). The optimizer's own state
    (momentum buffer, Adam moments and bias correction) starts afresh. A diverged run cannot go on.
    """
    if previous.diverged:
        raise ValueError("a diverged run cannot be continued: lower the learning rate and train again")
    if "init" in kwargs:
        raise ValueError("continue_training starts from the previous network; do not pass init")
    new = train_sgd(X, y, init=previous.network, **kwargs)
    old_h, new_h = previous.history, new.history
    offset = old_h.step[-1] if old_h.step else 0
    epoch0 = old_h.epoch[-1] if old_h.epoch else 0.0
    time0 = old_h.time_s[-1] if old_h.time_s else 0.0
    history = TrainHistory(
        step=old_h.step + [s + offset for s in new_h.step[1:]],
        epoch=old_h.epoch + [e + epoch0 for e in new_h.epoch[1:]],
        objective=old_h.objective + new_h.objective[1:],
        train_accuracy=old_h.train_accuracy + new_h.train_accuracy[1:],
        test_accuracy=old_h.test_accuracy + new_h.test_accuracy[1:],
        time_s=old_h.time_s + [t + time0 for t in new_h.time_s[1:]],
        robust_accuracy=old_h.robust_accuracy + new_h.robust_accuracy[1:],
    )
    snapshots = None
    if previous.snapshots is not None and new.snapshots is not None:
        snapshots = Snapshots.join(previous.snapshots, new.snapshots.shifted(offset))
    settings = dict(new.settings)
    settings.update(
        steps=int(history.step[-1]), continued_from=int(offset), init=previous.settings.get("init")
    )
    message = new.message if new.diverged else f"{new.message}; continued from step {offset}"
    return TrainResult(
        network=new.network,
        history=history,
        objective=new.objective,
        optimizer=new.optimizer,
        diverged=new.diverged,
        message=message,
        time_s=previous.time_s + new.time_s,
        settings=settings,
        snapshots=snapshots,
    )
