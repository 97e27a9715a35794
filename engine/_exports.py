"""Lazy public names for the engine's package ``__init__`` files (PEP 562).

A package lists its public names and the module each lives in; a name is imported on first use. So
``import engine`` or ``from engine.convex.pricing import sphere_price`` does not import CVXPY (about a
second) unless a convex solver is actually used, and a package never imports its own modules at load
time (no import cycle through an ``__init__``).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any


def lazy_exports(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose public name ``k`` lives in module ``exports[k]``."""

    def getattr_(name: str) -> Any:
        module = exports.get(name)
        if module is not None:
            return getattr(importlib.import_module(module), name)
        if not name.startswith("_") and importlib.util.find_spec(f"{package}.{name}") is not None:
            return importlib.import_module(f"{package}.{name}")  # a submodule, e.g. engine.cli
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        return sorted(exports)

    return getattr_, dir_
