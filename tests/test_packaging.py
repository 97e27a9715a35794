"""Packaging (pyproject.toml): the packages, the sample data, the `engine` command and the pins."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest

from engine.cli.commands import main
from tests.paths import ROOT

DIST = "relu-convexity-explorer"


def _pins(path: Path) -> list[str]:
    """The requirement lines of a requirements file (no comments, no -r includes)."""
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("-")]


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_pyproject_declares_packages_data_script_and_the_requirements(pyproject):
    project = pyproject["project"]
    assert project["scripts"] == {"engine": "engine.cli:main"}
    setuptools = pyproject["tool"]["setuptools"]
    assert {"engine", "engine.*", "datasets", "datasets.*"} <= set(setuptools["packages"]["find"]["include"])
    assert setuptools["package-data"]["datasets"] == ["samples/*.csv"]
    assert list((ROOT / "datasets" / "samples").glob("*.csv")), "the sample CSVs the package data names"
    # one list of pins: the dependencies are read from requirements.txt
    assert "dependencies" in project["dynamic"] and "dependencies" not in project
    assert setuptools["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    pins = _pins(ROOT / "requirements.txt")
    assert pins and all("==" in pin for pin in pins)
    assert any(pin.startswith("joblib==") for pin in pins)  # the sweep's parallel runner


def test_the_console_entry_point_resolves_when_installed():
    """requirements-dev.txt installs the project (``-e .``), so the README's test command checks this."""
    dist = importlib.metadata.distribution(
        DIST
    )  # PackageNotFoundError: run pip install -r requirements-dev.txt
    (entry,) = [ep for ep in dist.entry_points if ep.group == "console_scripts" and ep.name == "engine"]
    assert entry.load() is main
    installed = sorted(req.split(";")[0].replace(" ", "") for req in dist.requires or [])
    assert installed == sorted(_pins(ROOT / "requirements.txt")), "stale metadata: pip install -e . again"


def test_main_returns_the_exit_status_the_script_passes_to_sys_exit(capsys):
    assert main(["--help"]) == 0
    assert main([]) == 2
    assert "error:" in capsys.readouterr().err
