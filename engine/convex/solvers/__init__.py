"""Solvers of the convex program (ADMM, facet-reduced Clarabel, SCP, working set)."""

from engine._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__)
