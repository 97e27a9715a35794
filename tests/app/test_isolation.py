"""No state shared between the sessions of one server.

Every module of the app (explorer/, app.py's imports) is shared by all sessions: none may hold a
mutable collection at module level or as a class attribute (a session's hidden-controls list once grew
with another's). Two AppTest sessions with different addresses, hidden controls, own points and widget
values each see only their own. No control of the app clears the shared caches (and a client's
clear-cache request clears only its own session: tests/app/test_streamlit_internals.py)."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from types import MappingProxyType, ModuleType

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import rendered
from tests.paths import APP, ROOT

TIMEOUT = 120
MODULES = sorted(f"explorer.{p.stem}" for p in (ROOT / "explorer").glob("*.py") if p.stem != "__init__")
MUTABLE = (list, dict, set, bytearray)


def _mutable_inside(value: object, depth: int = 0) -> bool:
    """Whether ``value`` is, or holds (in tuples, read-only mappings, records), a mutable collection."""
    if depth > 4:
        return False
    if isinstance(value, MUTABLE):
        return True
    if isinstance(value, tuple | frozenset):
        return any(_mutable_inside(v, depth + 1) for v in value)
    if isinstance(value, MappingProxyType):
        return any(_mutable_inside(v, depth + 1) for v in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_mutable_inside(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    return False


def _defined_here(name: str) -> set[str]:
    """Names a module assigns at its top level or defines as classes (its own, not imported ones)."""
    tree = ast.parse((ROOT / (name.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
    return names - {"__all__"}


@pytest.mark.parametrize("name", MODULES)
def test_no_module_level_or_class_level_mutable_state(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    shared = []
    for attr in sorted(_defined_here(name)):
        value = getattr(module, attr)
        if _mutable_inside(value):
            shared.append(attr)
        if inspect.isclass(value):
            shared += [
                f"{attr}.{k}"
                for k, v in vars(value).items()
                if not k.startswith("_") and not callable(v) and _mutable_inside(v)
            ]
    assert not shared, f"{name} shares mutable state between sessions: {shared}"


@pytest.mark.parametrize(
    "path", [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))], ids=lambda p: p.name
)
def test_no_page_or_module_clears_the_shared_caches(path) -> None:
    files = [path, *sorted((ROOT / "explorer").glob("*.py"))] if path.name == "app.py" else [path]
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "clear"
            ):
                owner = ast.unparse(node.func.value)
                assert "cache" not in owner, f"{file.name}: {ast.unparse(node)} clears every session's cache"


def _value(at: AppTest, key: str):
    for kind in ("selectbox", "slider", "select_slider", "radio", "number_input", "toggle"):
        for w in at.get(kind):
            if getattr(w, "key", None) == key:
                return w.value
    return None


def test_two_sessions_see_only_their_own_state() -> None:
    first = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in dict(n="10", epochs="20", classroom="1", hide="noise,beta", width="777").items():
        first.query_params[k] = v
    second = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in dict(n="15", epochs="20", data="xor").items():
        second.query_params[k] = v
    first.run()
    second.run()
    for at in (first, second):
        assert not at.exception, [e.value for e in at.exception]
    # the first session's hidden controls, notice and values stay its own
    assert _value(first, "noise") is None and _value(first, "beta") is None
    assert _value(second, "noise") == 0.1 and _value(second, "beta") == 1e-3
    assert any("width='777'" in rendered(w.value) for w in first.warning)
    assert not any("page address" in w.value for w in second.warning)
    # own points and a widget change in the second session
    second.session_state["_own_points"] = ((0.0, 0.0, 1.0), (1.0, 1.0, -1.0))
    next(w for w in second.sidebar.slider if w.key == "width").set_value(12)
    second.run()
    first.run()
    assert "_own_points" not in first.session_state
    assert _value(first, "width") == 200 and _value(second, "width") == 12
    assert _value(first, "noise") is None and _value(second, "noise") == 0.1
    assert (_value(first, "n"), _value(second, "n")) == (10, 15)
    hidden = [s for s in first.session_state["_classroom"][1]]
    assert sorted(hidden) == ["beta", "noise"] and second.session_state["_classroom"] == (False, frozenset())
