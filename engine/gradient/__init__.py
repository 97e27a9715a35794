"""Gradient training of the non-convex objective J, and its exact Hessian."""

from engine._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__)
