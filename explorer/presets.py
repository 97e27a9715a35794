"""Presets: one click sets a telling configuration (all shared settings plus the page's own) and opens
the page that shows it. Every value lies inside its control's domain (tests check each preset)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["PRESETS", "Preset"]


@dataclass(frozen=True)
class Preset:
    """A named configuration: the page to open (its url_path) and the control values (by key)."""

    title: str
    page: str
    what: str  # one sentence: what to look at
    values: dict[str, Any] = field(default_factory=dict)


PRESETS: tuple[Preset, ...] = (
    Preset(
        "Spurious minimum",
        "playground",
        "Full-batch gradient descent with 30 neurons (more than the 14 the optimum needs) stalls far above "
        "the certified global optimum on XOR.",
        {
            "data": "xor",
            "n": 40,
            "loss": "squared",
            "beta": 1e-3,
            "opt": "gd",
            "lr": 0.3,
            "width": 30,
            "epochs": 1000,
            "seed": 3,
        },
    ),
    Preset(
        "Wide Adam comes close",
        "playground",
        "With 200 neurons Adam at step 0.003 ends within about 5 % of the certified optimum on two moons "
        "(the verdict gives the exact gap); narrow networks stay far above it.",
        {
            "data": "moons",
            "n": 40,
            "loss": "squared",
            "beta": 1e-3,
            "opt": "adam",
            "lr": 3e-3,
            "width": 200,
            "epochs": 2000,
        },
    ),
    Preset(
        "Weight decay prunes neurons",
        "playground",
        "A large β leaves the optimum only a few active neurons: look at the neuron count and the regions.",
        {"data": "moons", "n": 40, "loss": "hinge", "beta": 0.1},
    ),
    Preset(
        "Sampling misses small cells",
        "patterns",
        "Twenty random directions hit only the largest activation cells of the spirals; the sampled optimum "
        "stays above the certified one until many more are drawn.",
        {"data": "spirals", "n": 40, "loss": "squared", "beta": 1e-3, "draws": 20},
    ),
    Preset(
        "Robust vs standard",
        "adversarial",
        "On noisy moons at ε = 0.35 the robust convex network is certified on more training points than the "
        "standard optimum (green balls; the accuracy curves below compare every radius).",
        {
            "data": "moons",
            "n": 40,
            "noise": 0.3,
            "loss": "hinge",
            "beta": 1e-3,
            "train_eps": 0.35,
            "eps": 0.35,
            "norm": "inf",
        },
    ),
)
