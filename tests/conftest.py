"""Shared pytest fixtures: the repository root and the app entry file."""

from __future__ import annotations

import os
from pathlib import Path

# scikit-learn's estimator checks include one that runs the estimators with array-API dispatch on
# NumPy inputs; it needs SciPy's array-API mode, which must be switched on before SciPy is imported
# (and is harmless for NumPy arrays). Without it that check skips itself.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest
from hypothesis import settings

# Property tests draw their examples from a fixed seed: the same suite runs the same cases everywhere
# (CI included), so a failure is reproducible and a pass is not luck of the draw.
settings.register_profile("deterministic", derandomize=True, print_blob=True)
settings.load_profile("deterministic")

ROOT = Path(__file__).resolve().parent.parent


# Markers by folder: tests/app/ runs pages in AppTest, tests/browser/ drives Chromium. The fast layer
# is ``pytest -m "not app and not browser and not slow"``.
_FOLDER_MARKERS = {"app": "app", "browser": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test by the folder it lives in (``tests/<folder>/...``)."""
    for item in items:
        parts = Path(str(item.fspath)).resolve().relative_to(ROOT / "tests").parts
        marker = _FOLDER_MARKERS.get(parts[0]) if len(parts) > 1 else None
        if marker:
            item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture(scope="session")
def app_path() -> str:
    """Path of the Streamlit entry point ``app.py``."""
    return str(ROOT / "app.py")
