"""Robust evaluation of a network on labelled 2-D points: a PGD attack and the exact certificate per point.

Each point gets one status at a radius eps (data units, ``norm`` ``"inf"`` box or ``"2"`` disc), from
the exact 2-D certificate (:func:`engine.robust.certificate.min_margin`, docs/design.md §4) and a PGD
attack (:func:`engine.attacks.pgd`):

* ``misclassified``: ``y f(x) <= 0`` at the point itself;
* ``attack``: PGD finds a point of the ball with ``y f <= 0``;
* ``exact``: PGD misses, but the exact search finds a point of the ball with ``y f <= 0``;
* ``certified``: ``y f > 0`` on the whole ball (exact certificate, beyond its rounding allowance).

So the certified accuracy never exceeds the PGD accuracy, which never exceeds the clean accuracy.
:func:`accuracy_curves` gives the three accuracies of several networks against the radius.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.attacks import pgd
from engine.network import TwoLayerReLU
from engine.robust.certificate import margin_tolerance, min_margin

__all__ = [
    "PGD_STEPS",
    "STATUS_KEYS",
    "AccuracyCurves",
    "PointStatus",
    "accuracy_curves",
    "join_accuracy_curves",
    "point_status",
]

#: The statuses of a point, from the best to the worst.
STATUS_KEYS = ("certified", "attack", "exact", "misclassified")
PGD_STEPS = 20  # steps of the margin PGD attack


@dataclass
class PointStatus:
    """Per-point status at one radius, with the PGD points (for arrows)."""

    status: np.ndarray  # n strings, keys of STATUS_KEYS
    X_adv: np.ndarray  # n x 2 PGD points
    eps: float
    norm: str
    worst_margin: np.ndarray | None = None  # exact min of y f over each ball (n,)

    def fraction(self, *statuses: str) -> float:
        return float(np.mean(np.isin(self.status, statuses))) if self.status.size else float("nan")

    @property
    def clean_accuracy(self) -> float:
        return 1.0 - self.fraction("misclassified")

    @property
    def pgd_accuracy(self) -> float:
        return 1.0 - self.fraction("misclassified", "attack")

    @property
    def certified_accuracy(self) -> float:
        return self.fraction("certified")


def point_status(
    network: TwoLayerReLU,
    X: np.ndarray,
    y: np.ndarray,
    eps: float,
    norm: str = "inf",
    *,
    steps: int = PGD_STEPS,
    seed: int = 0,
) -> PointStatus:
    """The status of every point at radius ``eps`` (see the module docstring)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    clean_ok = network.classify(X) == y
    attack = pgd(network, X, y, float(eps), norm, steps=steps, seed=seed, loss="margin")
    worst = min_margin(network, X, y, float(eps), norm)[0]
    certified = (worst > margin_tolerance(network, X, float(eps))) & clean_ok
    status = np.full(X.shape[0], "exact", dtype=object)
    status[certified] = "certified"
    status[attack.success & clean_ok] = "attack"
    status[~clean_ok] = "misclassified"
    return PointStatus(
        status=status.astype(str), X_adv=attack.X_adv, eps=float(eps), norm=norm, worst_margin=worst
    )


@dataclass
class AccuracyCurves:
    """Clean, PGD and certified accuracy of several networks on a grid of radii."""

    radii: np.ndarray
    clean: dict[str, float]
    pgd: dict[str, np.ndarray]
    certified: dict[str, np.ndarray]
    norm: str


def accuracy_curves(
    networks: Mapping[str, TwoLayerReLU],
    X: np.ndarray,
    y: np.ndarray,
    radii: Sequence[float],
    norm: str = "inf",
) -> AccuracyCurves:
    """Every network's accuracies at every radius (PGD with :data:`PGD_STEPS` steps, exact certificate)."""
    radii = np.asarray(radii, dtype=float)
    clean, pgd_acc, cert = {}, {}, {}
    for name, net in networks.items():
        rows = [point_status(net, X, y, float(r), norm) for r in radii]
        clean[name] = rows[0].clean_accuracy if rows else float("nan")
        pgd_acc[name] = np.array([r.pgd_accuracy for r in rows])
        cert[name] = np.array([r.certified_accuracy for r in rows])
    return AccuracyCurves(radii=radii, clean=clean, pgd=pgd_acc, certified=cert, norm=norm)


def join_accuracy_curves(curves: Mapping[str, AccuracyCurves]) -> AccuracyCurves:
    """Curves of one network each (the same radii and norm), as one record, each named by its key (the
    single network of each is taken whatever its own name): a network's curves can then be computed,
    and cached, on their own."""
    first = next(iter(curves.values()))

    def only(values: dict) -> Any:
        (value,) = values.values()
        return value

    return AccuracyCurves(
        radii=first.radii,
        clean={name: only(c.clean) for name, c in curves.items()},
        pgd={name: only(c.pgd) for name, c in curves.items()},
        certified={name: only(c.certified) for name, c in curves.items()},
        norm=first.norm,
    )
