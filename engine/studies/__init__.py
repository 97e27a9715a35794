"""The numerics behind the phenomena pages: solver race, pattern approximation, landscape, dynamics."""

from engine._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__)
