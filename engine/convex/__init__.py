"""The convex program of a two-layer ReLU network: routes, solvers, recovery, certificate, pricing."""

from engine._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__)
