"""The import-layer rules of the repository, checked on the source (``ast``), not by importing it.

The module graph has an edge ``a -> b`` for every ``import b`` / ``from b import x`` in module ``a``,
at any depth (imports inside functions count: a lazy import is still a dependency). Imports under
``if TYPE_CHECKING:`` are left out: they never run. ``from package import name`` is an edge to
``package.name`` when that is a module of the tree, else to ``package``.

Rules (see docs/design.md §7):

1. no cycle between modules;
2. ``engine`` never imports ``streamlit``, ``explorer`` or ``pages``; ``datasets`` imports none of
   them nor ``engine``;
3. inside ``engine`` only ``engine.cli`` (and the figures themselves) import ``engine.figures``;
4. a page (``pages/*.py``) imports from this repository only ``explorer`` and ``engine.figures``;
5. no module imports a ``_private`` name from another module (a name used elsewhere is public).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Top-level names of this repository's code (anything else is a third-party or standard module).
LOCAL_ROOTS = ("app", "engine", "explorer", "datasets", "pages", "benchmarks", "examples")
CHECKED_DIRS = ("engine", "explorer", "datasets", "pages")


@dataclass(frozen=True)
class Import:
    """One import statement's target module and, for ``from m import name``, the imported name."""

    module: str
    name: str | None
    line: int


def module_name(path: Path, root: Path) -> str:
    """``engine/convex/program.py`` -> ``engine.convex.program``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_tree(root: Path, dirs: Iterable[str] = CHECKED_DIRS, files: Iterable[str] = ("app.py",)) -> dict:
    """``{module name: source text}`` of the checked folders and files under ``root``."""
    paths = [p for d in dirs for p in sorted((root / d).rglob("*.py"))] + [root / f for f in files]
    return {module_name(p, root): p.read_text(encoding="utf-8") for p in paths if p.exists()}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str, source: str, is_package: bool = False) -> list[Import]:
    """Every import of ``module`` (relative ones resolved), outside ``if TYPE_CHECKING:`` blocks."""
    found: list[Import] = []
    base = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, None, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                target = ".".join([*anchor, target] if target else anchor)
            found.extend(Import(target, alias.name, node.lineno) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def _is_local(module: str) -> bool:
    return module.split(".")[0] in LOCAL_ROOTS


def module_graph(sources: Mapping[str, str], packages: Iterable[str] = ()) -> dict[str, set[str]]:
    """Edges between the modules of ``sources`` (imports of modules outside it are dropped)."""
    packages = set(packages) | {m for m in sources if any(o.startswith(m + ".") for o in sources)}
    graph: dict[str, set[str]] = {m: set() for m in sources}
    for module, source in sources.items():
        for imp in imports_of(module, source, module in packages):
            target = imp.module
            if imp.name and f"{target}.{imp.name}" in sources:
                target = f"{target}.{imp.name}"
            if target in sources and target != module:
                graph[module].add(target)
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def strongconnect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return sorted(found)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer_violations(sources: Mapping[str, str]) -> list[str]:
    """Every broken rule of the module docstring, one line each (empty when the tree is clean)."""
    packages = {m for m in sources if any(o.startswith(m + ".") for o in sources)}
    problems = [f"import cycle: {' <-> '.join(c)}" for c in cycles(module_graph(sources, packages))]
    for module, source in sorted(sources.items()):
        for imp in imports_of(module, source, module in packages):
            where = f"{module}:{imp.line} imports {imp.module}" + (f".{imp.name}" if imp.name else "")
            target = (
                f"{imp.module}.{imp.name}"
                if imp.name and f"{imp.module}.{imp.name}" in sources
                else imp.module
            )
            top = imp.module.split(".")[0]
            if _within(module, "engine") and top in ("streamlit", "explorer", "pages"):
                problems.append(f"{where}: the engine never imports Streamlit or the app")
            if _within(module, "datasets") and top in ("streamlit", "explorer", "pages", "engine"):
                problems.append(f"{where}: datasets is below the engine and the app")
            if (
                _within(module, "engine")
                and _within(target, "engine.figures")
                and not (_within(module, "engine.cli") or _within(module, "engine.figures"))
            ):
                problems.append(f"{where}: only engine.cli draws figures")
            if _within(module, "pages") and _is_local(imp.module):
                allowed = _within(imp.module, "explorer") or _within(target, "engine.figures")
                if not allowed:
                    problems.append(f"{where}: pages import only explorer and engine.figures")
            if (
                imp.name
                and imp.name.startswith("_")
                and not imp.name.startswith("__")
                and _is_local(imp.module)
                and f"{imp.module}.{imp.name}" not in sources  # a private module is a module, not a name
            ):
                problems.append(f"{where}: a private name used by another module")
    return problems
