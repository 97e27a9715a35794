"""Shared pytest fixtures: the repository root and the app entry file."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def app_path() -> str:
    """Path of the Streamlit entry point ``app.py``."""
    return str(ROOT / "app.py")
