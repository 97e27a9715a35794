"""Paths the tests share: the repository root, the app entry file and the bad-input corpus."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CORPUS = ROOT / "tests" / "corpus"
