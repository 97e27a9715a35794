"""Gradient training of the non-convex objective J, and its exact Hessian."""

from __future__ import annotations

from engine._exports import lazy_exports

_EXPORTS = {
    "train_sgd": "engine.gradient.sgd",
    "init_network": "engine.gradient.sgd",
    "OPTIMIZERS": "engine.gradient.sgd",
    "HessianOperator": "engine.gradient.hessian",
    "sharpness": "engine.gradient.hessian",
    "hutchinson_trace": "engine.gradient.hessian",
    "flatness": "engine.gradient.hessian",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
