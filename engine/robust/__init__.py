"""Robust (adversarial) training: the convex robust program, its solvers, the exact 2-D certificate."""

from engine._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__)
