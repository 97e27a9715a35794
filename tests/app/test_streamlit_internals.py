"""The Streamlit internals the app uses (explorer.streamlit_internals): each one is named here, by
import path and attribute, and checked to exist and to behave as the app assumes, so that a Streamlit
upgrade that removes or renames one fails here, loudly. No other module of the app touches Streamlit
internals, nothing writes ``PagesManager.uses_pages_directory``, and two sessions do not see each
other's state through it."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.settings import CONTROLS
from explorer.streamlit_internals import INTERNALS
from tests.paths import APP, ROOT

TIMEOUT = 120
APP_MODULES = [
    ROOT / "app.py",
    *sorted((ROOT / "pages").glob("*.py")),
    *sorted((ROOT / "explorer").glob("*.py")),
]
INTERNALS_MODULE = ROOT / "explorer" / "streamlit_internals.py"

# Every internal, named explicitly (the module's own list must say the same).
NAMED = (
    ("streamlit.runtime.scriptrunner_utils.script_run_context", "get_script_run_ctx"),
    ("streamlit.runtime.state.safe_session_state", "SafeSessionState.query_params"),
    ("streamlit.runtime.state.query_params", "QueryParams._initial_query_params"),
    ("streamlit.runtime.pages_manager", "PagesManager.uses_pages_directory"),
    ("streamlit.runtime.state.safe_session_state", "SafeSessionState._state"),
    ("streamlit.runtime.state.session_state", "SessionState._key_id_mapper"),
    ("streamlit.runtime.state.session_state", "KeyIdMapper.get_id_from_key"),
    ("streamlit.runtime.state.session_state", "SessionState._current_interaction_widget_states"),
    ("streamlit.runtime.state.common", "unpack_widget_state_value"),
    ("streamlit.runtime.state.query_params", "CLIENT_STATE_QUERY_STRING_MAX_FIELDS"),
    ("streamlit.runtime.state.query_params", "CLIENT_STATE_QUERY_STRING_MAX_LENGTH"),
    ("streamlit.runtime.app_session", "sanitize_query_string"),
    ("streamlit.runtime.app_session", "AppSession._handle_clear_cache_request"),
    ("streamlit.runtime.app_session", "AppSession.clear_session_caches"),
    ("streamlit.runtime.app_session", "AppSession._session_state"),
    ("streamlit.runtime.caching.cache_utils", "_make_value_key"),
    ("streamlit.runtime.caching.cache_utils", "CachedFunc._info"),
    ("streamlit.runtime.caching.cache_utils", "CachedFunc._function_key"),
    ("streamlit.runtime.caching.cache_utils", "CachedFuncInfo.get_function_cache"),
    ("streamlit.runtime.caching.cache_utils", "Cache.read_result"),
    ("streamlit.runtime.caching.cache_errors", "CacheKeyNotFoundError"),
    ("streamlit.runtime.runtime", "Runtime.instance"),
    ("streamlit.runtime.runtime", "Runtime.get_app_session"),
    ("streamlit.runtime.app_session", "AppSession._browser_queue"),
    ("streamlit.runtime.forward_msg_queue", "ForwardMsgQueue.is_empty"),
)


def _resolve(module: str, path: str) -> object:
    """``module.path`` (dotted); a dataclass field without a class-level default counts as present."""
    obj: object = importlib.import_module(module)
    for name in path.split("."):
        if hasattr(obj, name):
            obj = getattr(obj, name)
        elif dataclasses.is_dataclass(obj) and name in {f.name for f in dataclasses.fields(obj)}:
            return dataclasses.MISSING
        elif isinstance(obj, type) and _instance_attribute(obj, name):
            return dataclasses.MISSING
        else:
            raise AssertionError(
                f"Streamlit has no {module}.{path} any more (at {name!r}): see {INTERNALS_MODULE}"
            )
    return obj


def _instance_attribute(cls: type, name: str) -> bool:
    """Whether instances of ``cls`` carry ``name``: annotated on the class or set in its ``__init__``."""
    for klass in cls.__mro__:
        if name in getattr(klass, "__annotations__", {}):
            return True
    init = getattr(cls, "__init__", None)
    try:
        return f"self.{name} =" in inspect.getsource(init) or f'"{name}"' in inspect.getsource(init)
    except (OSError, TypeError):
        return False


def test_the_named_internals_are_the_modules_list() -> None:
    assert INTERNALS == NAMED


@pytest.mark.parametrize(("module", "path"), NAMED, ids=[p for _, p in NAMED])
def test_each_internal_exists(module: str, path: str) -> None:
    _resolve(module, path)


def test_initial_query_params_seed_the_bound_widgets() -> None:
    """``QueryParams._initial_query_params`` is the per-instance dict bound widgets take their first value
    from (``get_initial_value``): a write there changes what the widget starts from."""
    from streamlit.runtime.state.query_params import QueryParams

    first, second = QueryParams(), QueryParams()
    first.set_initial_query_params("n=12&data=xor")
    assert first._initial_query_params == {"n": ["12"], "data": ["xor"]}
    first._initial_query_params["n"] = ["10"]
    assert first.get_initial_value("n") == "10"
    assert second._initial_query_params == {}  # one dict per instance (per session), not a class attribute


def test_session_state_query_params_is_a_context_manager() -> None:
    from streamlit.runtime.state.safe_session_state import SafeSessionState

    assert inspect.isgeneratorfunction(inspect.unwrap(SafeSessionState.query_params))


def test_an_off_grid_address_value_is_seeded_cleaned() -> None:
    """End to end: n=12 on the step-5 slider starts at 10 (Streamlit alone would keep 12)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["n"] = "12"
    at.query_params["epochs"] = "20"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(s for s in at.sidebar.slider if s.key == "n").value == 10


def test_pages_directory_flag_is_a_class_attribute_the_runner_reads() -> None:
    """What explorer.streamlit_internals.pages_directory_mode assumes: a class attribute (one value per
    process), read by the script runner to pick the pages-directory mode, written by st.navigation."""
    from streamlit.commands import navigation
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import script_runner

    assert "uses_pages_directory" in vars(PagesManager)
    assert "if PagesManager.uses_pages_directory:" in inspect.getsource(script_runner)
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", APP_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_internals_module_uses_streamlit_internals(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = [m for m in _imports(tree) if m.startswith("streamlit.")]
    if path != INTERNALS_MODULE:
        assert not private, (
            f"{path.name} imports Streamlit internals {private}: use explorer.streamlit_internals"
        )
    for node in ast.walk(tree):  # nobody writes the process-wide flag
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            assert not any(isinstance(t, ast.Attribute) and t.attr == "uses_pages_directory" for t in targets)


def _start(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in {"epochs": "20", **params}.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    return at


def _value(at: AppTest, key: str):
    for kind in ("selectbox", "slider", "select_slider", "radio", "number_input"):
        for widget in getattr(at.sidebar, kind):
            if widget.key == key:
                return widget.value
    raise KeyError(key)


def _classroom_options(at: AppTest) -> list[str]:
    return next(m for m in at.sidebar.multiselect if m.key == "_classroom_hide").options


def test_two_sessions_do_not_see_each_other_through_the_pages_directory_mode() -> None:
    """Every AppTest run starts in Streamlit's pages-directory mode (AppTest resets the flag), so each
    page load below goes through explorer.sidebar.settings' way out of it; the sessions interleave and
    each keeps its own controls, page and share box."""
    first = _start("patterns", data="xor", n="10")
    second = _start("dynamics", data="circles", n="15")
    for at in (first, second, first, second):
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in first.title] == ["Patterns"] and [t.value for t in second.title] == ["Dynamics"]
    assert (_value(first, "data"), _value(first, "n")) == ("xor", 10)
    assert (_value(second, "data"), _value(second, "n")) == ("circles", 15)
    # the classroom link builder lists this session's own controls only
    draws = CONTROLS["draws"].label
    assert draws in _classroom_options(first) and "Section" not in _classroom_options(first)
    assert "Section" in _classroom_options(second) and draws not in _classroom_options(second)
    link = dict(part.split("=", 1) for part in first.sidebar.code[0].value.split("?", 1)[1].split("&"))
    assert link["data"] == "xor" and "dy_section" not in link and "draws" in link


def test_streamlit_drops_a_long_address_whole_and_the_cut_keeps_its_start() -> None:
    """What keep_first_fields assumes: Streamlit ignores an address of more than 1000 parameters as a
    whole; the cut one passes, keeps the first parameters and says how many it dropped."""
    from streamlit.runtime.state.query_params import sanitize_query_string

    from explorer.streamlit_internals import DROPPED_PARAM, keep_first_fields

    long = "&".join(f"p{i}={i}" for i in range(1200))
    assert sanitize_query_string(long) == ""
    cut = keep_first_fields(long)
    assert sanitize_query_string(cut) == cut
    fields = cut.split("&")
    assert fields[:3] == ["p0=0", "p1=1", "p2=2"] and fields[-1] == f"{DROPPED_PARAM}={1200 - 999}"
    assert keep_first_fields("n=10&data=xor") == "n=10&data=xor"
    huge = "n=" + "9" * 600_000
    assert sanitize_query_string(keep_first_fields(huge)) == f"{DROPPED_PARAM}=1"


def test_the_server_policies_replace_the_session_handlers() -> None:
    """install_server_policies puts the cut in front of Streamlit's address check (the session calls it
    by its module-level name) and makes a clear-cache request clear only its own session."""
    from streamlit.runtime import app_session
    from streamlit.runtime.app_session import AppSession

    from explorer.streamlit_internals import (
        DROPPED_PARAM,
        clear_this_session_only,
        install_server_policies,
    )

    install_server_policies()
    install_server_policies()  # idempotent
    assert AppSession._handle_clear_cache_request is clear_this_session_only
    assert "sanitize_query_string(client_state.query_string)" in inspect.getsource(AppSession)
    cut = app_session.sanitize_query_string("&".join(f"p{i}=1" for i in range(1500)))
    assert cut.endswith(f"&{DROPPED_PARAM}=501")


def test_a_clear_cache_request_leaves_other_sessions_caches_alone() -> None:
    """Any client can send "clear_cache" (one websocket message). Streamlit's handler clears the whole
    process's st.cache_data; with the policy, the sender's session state and session caches only."""
    import streamlit as st

    from explorer.streamlit_internals import clear_this_session_only

    calls: list[int] = []

    @st.cache_data
    def shared(x: int) -> int:
        calls.append(x)
        return x

    shared(1)
    cleared: list[str] = []

    class Session:  # the two members of AppSession the policy uses
        _session_state = {"mine": 1}

        def clear_session_caches(self) -> None:
            cleared.append("session caches")

    session = Session()
    clear_this_session_only(session)  # type: ignore[arg-type]
    assert session._session_state == {} and cleared == ["session caches"]
    shared(1)
    assert calls == [1]  # another session's cached result is still there
    assert "caching.cache_data.clear()" in inspect.getsource(
        importlib.import_module("streamlit.runtime.app_session").AppSession
    )  # what the policy replaces


def test_holds_result_reads_the_cache_without_computing() -> None:
    """``holds_result`` (the Playground's progressive answer asks it) is False before a cached function ran
    on these arguments, True after, for exactly those arguments, and computes nothing itself."""
    import streamlit as st

    from explorer.streamlit_internals import holds_result

    calls: list[int] = []

    @st.cache_data(show_spinner=False)
    def square(x: int, *, shift: int = 0) -> int:
        calls.append(x)
        return x * x + shift

    square.clear()
    assert not holds_result(square, 3, shift=1)
    assert calls == []  # asking computed nothing
    assert square(3, shift=1) == 10
    assert holds_result(square, 3, shift=1)
    assert not holds_result(square, 3, shift=2)  # other arguments: another entry
    assert not holds_result(square, 4, shift=1)
    assert calls == [3]
    square.clear()
    assert not holds_result(square, 3, shift=1)

    @st.cache_resource(show_spinner=False)
    def resource(x: int) -> list[int]:
        return [x]

    assert not holds_result(resource, 5)
    resource(5)
    assert holds_result(resource, 5)
    resource.clear()
