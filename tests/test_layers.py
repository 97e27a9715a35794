"""The import-layer guard (tests/layers.py) on the real tree, and on planted synthetic trees that break
each rule, so the guard is shown to fail when it should."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine._exports import PUBLIC_API
from tests.layers import cycles, imports_of, layer_violations, module_graph, source_tree
from tests.paths import ROOT


def test_the_repository_keeps_its_layers() -> None:
    sources = source_tree(ROOT)
    assert {"engine", "engine.convex.program", "explorer.widgets", "pages.playground", "app"} <= set(sources)
    assert layer_violations(sources) == []


def test_no_module_but_app_at_the_repository_root() -> None:
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["app.py"]


# --- the guard on synthetic trees -------------------------------------------------------------------


CLEAN = {
    "engine": "",
    "engine.network": "import numpy as np\n",
    "engine.convex": "",
    "engine.convex.program": "from engine.network import lift\n",
    "engine.figures": "",
    "engine.figures.style": "",
    "engine.figures.playground": "from engine.figures.style import COLOURS\nimport engine.network\n",
    "engine.cli": "",
    "engine.cli.commands": "def main():\n    from engine.figures import playground\n",
    "explorer": "",
    "explorer.cache": "import streamlit as st\nfrom engine.convex.program import solve\n",
    "pages.playground": "from explorer.cache import run\nfrom engine.figures import playground\n",
}


def test_a_clean_synthetic_tree_passes() -> None:
    assert layer_violations(CLEAN) == []


def test_a_planted_cycle_is_found_even_through_a_function_level_import() -> None:
    tree = dict(CLEAN)
    tree["engine.network"] = "def f():\n    from engine.convex.program import solve\n"
    assert cycles(module_graph(tree)) == [["engine.convex.program", "engine.network"]]
    assert layer_violations(tree) == ["import cycle: engine.convex.program <-> engine.network"]


def test_a_three_module_cycle_through_from_package_import_module() -> None:
    tree = {
        "a": "",
        "a.x": "from a import y\n",  # 'from package import module' is an edge to the module
        "a.y": "import a.z\n",
        "a.z": "from a.x import thing\n",
    }
    assert cycles(module_graph(tree)) == [["a.x", "a.y", "a.z"]]


def test_type_checking_imports_are_not_edges() -> None:
    tree = {
        "m": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from n import T\n",
        "n": "import m\n",
    }
    assert cycles(module_graph(tree)) == []


def test_relative_imports_are_resolved() -> None:
    assert [i.module for i in imports_of("engine.convex.program", "from .recovery import r\n")] == [
        "engine.convex.recovery"
    ]
    assert [i.module for i in imports_of("engine.convex", "from . import program\n", is_package=True)] == [
        "engine.convex"
    ]


@pytest.mark.parametrize(
    ("module", "source", "complaint"),
    [
        ("engine.network", "import streamlit as st\n", "never imports Streamlit"),
        ("engine.cli.commands", "from explorer.cache import run\n", "never imports Streamlit or the app"),
        ("datasets.base", "from engine.network import lift\n", "datasets is below"),
        ("engine.convex.program", "def f():\n    from engine.figures import playground\n", "only engine.cli"),
        ("pages.playground", "from engine.convex.program import solve\n", "pages import only"),
        ("pages.playground", "from datasets import load_csv\n", "pages import only"),
        ("explorer.cache", "from engine.convex.program import _polish\n", "private name"),
    ],
)
def test_each_rule_fails_on_a_planted_violation(module: str, source: str, complaint: str) -> None:
    tree = {**CLEAN, module: source}
    problems = layer_violations(tree)
    assert len(problems) == 1 and complaint in problems[0], problems


# --- the public API --------------------------------------------------------------------------------


def test_every_public_name_resolves() -> None:
    import importlib

    for package, modules in PUBLIC_API.items():
        pkg = importlib.import_module(package)
        listed = sorted(name for names in modules.values() for name in names)
        assert sorted(pkg.__all__) == listed
        for module, names in modules.items():
            for name in names:
                assert getattr(pkg, name) is getattr(importlib.import_module(module), name)


def test_importing_the_engine_is_light() -> None:
    """``import engine`` (and the model modules) pull in neither CVXPY, Streamlit nor Plotly."""
    code = (
        "import sys, engine, engine.network, engine.losses\n"
        "heavy = [m for m in ('cvxpy', 'streamlit', 'plotly', 'explorer') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
