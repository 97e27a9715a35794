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
        "Wide Adam finds the optimum",
        "playground",
        "With 200 neurons and Adam the gradient side comes close to the certified optimum on two moons.",
        {
            "data": "moons",
            "n": 40,
            "loss": "squared",
            "beta": 1e-3,
            "opt": "adam",
            "lr": 1e-2,
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
        "At ε = 0.15 the standard optimum is broken on many points that the robust convex network keeps.",
        {
            "data": "moons",
            "n": 40,
            "noise": 0.2,
            "loss": "hinge",
            "beta": 1e-3,
            "train_eps": 0.15,
            "eps": 0.15,
            "norm": "inf",
        },
    ),
)
