"""Solvers of the convex program, picked from one registry (registry.py) and returning one Solution
record (base.py): the CVXPY reference, ADMM, the facet-reduced Clarabel program, SCP, and the working
set shared with column generation (restricted.py, working_set.py)."""

from engine._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__)
