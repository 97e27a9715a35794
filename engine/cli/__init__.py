"""``python -m engine``: the command line (train, certify, sweep)."""

from engine._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__)
