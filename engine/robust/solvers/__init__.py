"""Solvers of the robust program (facet-reduced Clarabel, ADMM)."""

from engine._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__)
