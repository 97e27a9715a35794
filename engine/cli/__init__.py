"""``python -m engine``: the command line (train, certify, sweep)."""

from __future__ import annotations

from engine._exports import lazy_exports

_EXPORTS = {
    "main": "engine.cli.commands",
    "build_parser": "engine.cli.commands",
    "run_sweep": "engine.cli.sweep",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
