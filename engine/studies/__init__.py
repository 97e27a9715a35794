"""The numerics behind the phenomena pages: solver race, pattern approximation, landscape, dynamics."""

from __future__ import annotations

from engine._exports import lazy_exports

_EXPORTS = {
    "run_race": "engine.studies.race",
    "certified_optimum": "engine.studies.race",
    "RaceResult": "engine.studies.race",
    "approximation_curve": "engine.studies.approximation",
    "pattern_coverage": "engine.studies.approximation",
    "multistart": "engine.studies.landscape",
    "width_sweep": "engine.studies.landscape",
    "teacher_student": "engine.studies.landscape",
    "track_sharpness": "engine.studies.dynamics",
    "train_xor": "engine.studies.dynamics",
    "momentum_race": "engine.studies.dynamics",
    "singular_value_trace": "engine.studies.dynamics",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
