"""Every use of Streamlit internals (names outside its public API) in the app, one small function each.

Written against Streamlit 1.67. :data:`INTERNALS` names each internal by import path and attribute;
tests/app/test_streamlit_internals.py imports every one and checks it still behaves as these functions
assume, so an upgrade that removes or renames one fails there, loudly, rather than in a page.

Per-session writes (:func:`seed_bound_widget`) go to the current session's own objects only. The one
process-wide change is :func:`install_server_policies`, called by ``app.py``: two rules of how the server
treats every client (a clear-cache request clears only the sender's session; an address with too many
parameters is cut, with a marker the app reports), the same for all sessions and holding no state.
"""

from __future__ import annotations

from typing import Any

from streamlit.runtime import app_session
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.caching.cache_errors import CacheKeyNotFoundError
from streamlit.runtime.caching.cache_utils import _make_value_key
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.runtime import Runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.runtime.state.common import unpack_widget_state_value
from streamlit.runtime.state.query_params import (
    CLIENT_STATE_QUERY_STRING_MAX_FIELDS,
    CLIENT_STATE_QUERY_STRING_MAX_LENGTH,
)

__all__ = [
    "DROPPED_PARAM",
    "INTERNALS",
    "clear_this_session_only",
    "holds_result",
    "install_server_policies",
    "keep_first_fields",
    "pages_directory_mode",
    "seed_bound_widget",
    "sent_widget_value",
]

# Query parameter added to an address that was cut (its value: how many parameters were dropped).
DROPPED_PARAM = "_dropped"
MAX_FIELDS = CLIENT_STATE_QUERY_STRING_MAX_FIELDS  # Streamlit ignores a longer address as a whole
MAX_LENGTH = CLIENT_STATE_QUERY_STRING_MAX_LENGTH

# (module, attribute path) of every internal used below.
INTERNALS: tuple[tuple[str, str], ...] = (
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


def seed_bound_widget(key: str, text: str) -> None:
    """Make a control bound to the address (``bind="query-params"``) start from ``text``.

    A bound control takes its first value from the address the session started with wherever Streamlit
    can parse it, over ``st.session_state``: an off-step 12 on a step-5 slider would stay 12, and ``-inf``
    in a whole-number box even raises inside Streamlit. That start address is kept, per session, in
    ``QueryParams._initial_query_params`` (reached through the script run context's session state); the
    cleaned value is written there. Without a script run context (a bare import) nothing happens; if the
    attribute is gone the control falls back to Streamlit's own handling.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    with ctx.session_state.query_params() as params:
        initial = getattr(params, "_initial_query_params", None)
        if isinstance(initial, dict) and key in initial:
            initial[key] = [text]


def pages_directory_mode() -> bool:
    """Whether Streamlit runs this app in its old "pages directory" mode (a read, never a write).

    Streamlit 1.67 decides per process, not per session: ``PagesManager.uses_pages_directory`` is a
    class attribute, set on the first session to whether a ``pages/`` folder sits next to the main
    script (here: yes), and set to False by every call of ``st.navigation``, in any session. While it
    is true the script runner does not run ``app.py``: it builds a navigation from the ``pages/`` folder
    and runs the requested page file directly (a fresh server's first visits to a page's address, and
    every run of AppTest, which resets the flag). A page then has no shared sidebar;
    :func:`explorer.sidebar.settings` notices it with this function and calls ``st.navigation`` with
    the app's pages, the public way to leave that mode, then reruns through ``app.py``.

    There is no per-session way: the runner reads the class attribute (not an instance's) before any
    app code runs, and Streamlit's own ``st.navigation`` writes it for every session. The app never
    writes it itself.
    """
    return bool(PagesManager.uses_pages_directory)


def sent_widget_value(key: str) -> tuple[bool, Any]:
    """Inside a widget callback: ``(True, raw)`` with ``raw`` what the client sent for the widget ``key``
    in the message being handled (a list of floats for a slider, a number for a number box), as
    Streamlit's deserializer gets it; else ``(False, None)``.

    Streamlit 1.67 checks a sent number against the widget's range only to put the widget's default back
    silently, and it reads every sent value before the script (and the app) runs, so the raw value is
    gone by then. During the callbacks the message's widget states are in
    ``SessionState._current_interaction_widget_states`` (a ``WidgetStates`` proto), and the widget's id
    in ``SessionState._key_id_mapper``, reached through the script run context's
    ``SafeSessionState._state``. Anything missing (a bare import, a renamed attribute) reads as "nothing
    sent", and the app then checks the value Streamlit hands over instead.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return False, None
    try:
        state = ctx.session_state._state
        widget_id = state._key_id_mapper.get_id_from_key(key)
        message = state._current_interaction_widget_states
    except AttributeError:
        return False, None
    if widget_id is None or message is None:
        return False, None
    for widget in message.widgets:
        if widget.id == widget_id:
            try:
                return True, unpack_widget_state_value(widget)
            except ValueError:  # JSON that does not parse
                return True, None
    return False, None


def keep_first_fields(query: str) -> str:
    """``query`` as Streamlit will accept it: unchanged within its limits (1000 parameters, 512 Ki
    characters); else its first parameters that fit, then ``_dropped=<how many were left out>``.

    Streamlit 1.67 ignores an address over either limit as a whole, so every setting in it was lost
    without a word; cut this way the first settings still apply and the app says what was dropped.
    """
    if not query:
        return query
    fields = query.split("&")
    if len(fields) <= MAX_FIELDS and len(query) <= MAX_LENGTH:
        return query
    kept: list[str] = []
    size = 0
    for field in fields[: MAX_FIELDS - 1]:
        if size + len(field) + 1 > MAX_LENGTH - 64:
            break
        kept.append(field)
        size += len(field) + 1
    return "&".join([*kept, f"{DROPPED_PARAM}={len(fields) - len(kept)}"])


def clear_this_session_only(session: AppSession) -> None:
    """What a client's "clear cache" request does here: clears the sender's own session state and
    session-scoped caches. Streamlit's own handler clears the whole process's ``st.cache_data`` and
    ``st.cache_resource``, which any client can ask for (one websocket message, whatever the menu shows),
    so one visitor could throw away every other session's results."""
    session._session_state.clear()
    session.clear_session_caches()


def _cut_then_sanitize(query: str, _original=app_session.sanitize_query_string) -> str:
    return _original(keep_first_fields(query))


def install_server_policies() -> None:
    """Install the two server rules above (idempotent; ``app.py`` calls it on every run, so they hold from
    the first script run of a fresh server on: that run's own address was already read by Streamlit).

    Internals: ``streamlit.runtime.app_session.sanitize_query_string`` (the module-level function the
    session calls on every incoming address) and ``AppSession._handle_clear_cache_request``.
    """
    app_session.sanitize_query_string = _cut_then_sanitize
    AppSession._handle_clear_cache_request = clear_this_session_only


def holds_result(cached: Any, *args: Any, **kwargs: Any) -> bool:
    """Whether the ``st.cache_data`` / ``st.cache_resource`` function ``cached`` already holds the result of
    ``cached(*args, **kwargs)``: a read of its cache, computing nothing, changing nothing.

    Streamlit 1.67 has no public "is it cached?" (a call computes on a miss). Its own lookup is copied:
    the per-function cache ``CachedFunc._info.get_function_cache(CachedFunc._function_key)``, the value
    key ``cache_utils._make_value_key`` of the arguments, ``Cache.read_result`` (raises
    ``CacheKeyNotFoundError`` on a miss). The caches are the process-wide ones every session reads
    (a result cached by one session is a hit for all), so the answer is the same for every session, and
    asking changes no session's state. Anything missing (a renamed attribute) reads as "not held": the
    page then answers progressively, slower but never wrong.
    """
    try:
        info = cached._info
        cache = info.get_function_cache(cached._function_key)
        value_key = _make_value_key(
            cache_type=info.cache_type,
            func=info.func,
            func_args=args,
            func_kwargs=kwargs,
            hash_funcs=info.hash_funcs,
        )
    except AttributeError:
        return False
    try:
        cache.read_result(value_key)
    except CacheKeyNotFoundError:
        return False
    return True


def sent_so_far() -> bool:
    """Whether this script run's session has handed every element drawn so far to the server's send loop
    (its forward-message queue ``AppSession._browser_queue`` is empty: the loop flushes it to the
    websocket). True where there is no such session (AppTest, bare mode) or an internal is missing: a
    caller that waits on this then waits no longer than its own limit."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return True
    try:
        session = Runtime.instance().get_app_session(ctx.session_id)
        return session is None or session._browser_queue.is_empty()
    except (AttributeError, RuntimeError):
        return True
