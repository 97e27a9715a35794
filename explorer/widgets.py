"""Controls bound to the page address, checked before first use, and the classroom mode.

Every control of the explorer is created through these wrappers (sidebar and pages alike). Each one:

1. the first time its key is seen in a session, reads the key's query parameter and checks it against
   the control's own domain (:mod:`explorer.url`): the clean value goes to ``st.session_state`` and
   every change is recorded as a notice, which :func:`show_notices` displays;
2. is left out when a classroom link hides it (``?hide=noise,beta``), and then returns its current
   value (from the link, a preset or the default);
3. is drawn bound to the URL (``bind="query-params"``), so the address always reproduces the view.

Classroom mode (``?classroom=1``) also hides the explanatory captions (:func:`explain`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from explorer.url import clean_bool, clean_choice, clean_number, parse_hidden, shown

__all__ = [
    "DEFAULTS",
    "LABELS",
    "QP",
    "apply_values",
    "classroom",
    "explain",
    "is_hidden",
    "number_input",
    "override",
    "radio",
    "select_slider",
    "selectbox",
    "share_link",
    "show_notices",
    "slider",
    "toggle",
]

QP = "query-params"
_CHECKED = "_url_checked"  # keys whose query parameter was read in this session
_NOTICES = "_url_notices"  # what was adjusted, one line each
_CLASSROOM = "_classroom"  # (explanations hidden, hidden control keys)
_FORMATS = "_url_formats"  # key -> how its value is written in the address
# key -> the control's default (the same in every session): presets start from these
DEFAULTS: dict[str, Any] = {}
LABELS: dict[str, str] = {}  # key -> the control's label (for the classroom link builder)


def classroom() -> tuple[bool, frozenset[str]]:
    """(classroom mode on, keys of the hidden controls), read from the address once per session."""
    state = st.session_state
    if _CLASSROOM not in state:
        raw = st.query_params.get("classroom")
        on = False
        if raw is not None:
            on, note = clean_bool(raw, key="classroom", default=False)
            _notice(note)
        hidden, note = parse_hidden(st.query_params.get("hide"))
        _notice(note)
        state[_CLASSROOM] = (on, hidden)
    return state[_CLASSROOM]


def is_hidden(key: str) -> bool:
    """Whether a classroom link hides the control with this key."""
    return key in classroom()[1]


def explain(text: str, where: Any = None) -> None:
    """An explanatory caption, left out in classroom mode."""
    if not classroom()[0]:
        (where or st).caption(text)


def _notice(note: str | None) -> None:
    if note:
        st.session_state.setdefault(_NOTICES, []).append(note)


def _first_look(
    key: str, clean: Callable[[str], tuple[Any, str | None]], fmt: Callable[[Any], str], default: Any
) -> None:
    """Check the key's query parameter once per session; a preset or earlier choice wins over it."""
    DEFAULTS[key] = default
    state = st.session_state
    state.setdefault(_FORMATS, {})[key] = fmt
    checked = state.setdefault(_CHECKED, set())
    if key in checked:
        return
    checked.add(key)
    if key in state:
        return
    raw = st.query_params.get(key)
    if raw is None:
        return
    value, note = clean(str(raw))
    state[key] = value
    if note:
        _correct_initial_address(key, fmt(value))
    _notice(note)


def _correct_initial_address(key: str, text: str) -> None:
    """Make Streamlit seed the control with the cleaned value.

    A bound control takes its first value from the address the session started with wherever Streamlit
    can parse it, over ``st.session_state``: an off-step 12 on a step-5 slider would stay 12, and
    ``-inf`` in a whole-number box even raises inside Streamlit. That start address is an internal of
    Streamlit 1.67 (``QueryParams._initial_query_params``); if it is not there the control falls back to
    Streamlit's own handling.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    with ctx.session_state.query_params() as params:
        initial = getattr(params, "_initial_query_params", None)
        if isinstance(initial, dict) and key in initial:
            initial[key] = [text]


def override(key: str, value: Any, reason: str | None) -> None:
    """Pin a control to ``value`` whatever the address says (e.g. the loss of regression data); a
    different value in the address is reported with ``reason`` (None: the page explains it itself).
    Call before the control is drawn."""
    state = st.session_state
    checked = state.setdefault(_CHECKED, set())
    if key not in checked:
        checked.add(key)
        raw = st.query_params.get(key)
        if reason and raw is not None and str(raw).strip().lower() != str(value).lower():
            _notice(f"{key}={shown(str(raw))} does not apply ({reason}): using {value}")
        _correct_initial_address(key, str(value))
    if state.get(key) != value:
        state[key] = value


def _current(key: str, default: Any) -> Any:
    return st.session_state.get(key, default)


def slider(where: Any, label: str, lo: float, hi: float, default: float, *, key: str, step=None, **kw) -> Any:
    """``st.slider`` (one value) over ``[lo, hi]`` in steps of ``step``."""
    LABELS[key] = label
    integer = all(isinstance(v, int) for v in (lo, hi, default)) and (step is None or isinstance(step, int))
    grid = step if step is not None else (1 if integer else None)
    _first_look(
        key,
        lambda raw: clean_number(raw, key=key, lo=lo, hi=hi, default=default, step=grid, integer=integer),
        lambda v: f"{v:g}" if not integer else str(int(v)),
        default,
    )
    if is_hidden(key):
        return _current(key, default)
    return where.slider(label, lo, hi, default, step=step, key=key, bind=QP, **kw)


def number_input(
    where: Any, label: str, lo: int, hi: int, default: int, *, key: str, step: int = 1, **kw
) -> int:
    """``st.number_input`` for whole numbers in ``[lo, hi]``."""
    LABELS[key] = label
    _first_look(
        key,
        lambda raw: clean_number(raw, key=key, lo=lo, hi=hi, default=default, step=step, integer=True),
        lambda v: str(int(v)),
        default,
    )
    if is_hidden(key):
        return _current(key, default)
    return where.number_input(label, lo, hi, default, step=step, key=key, bind=QP, **kw)


def _choice(key: str, options: Sequence[Any], default: Any, format_func: Callable[[Any], str]) -> None:
    _first_look(
        key,
        lambda raw: clean_choice(raw, key=key, options=options, default=default, format_func=format_func),
        format_func,
        default,
    )


def select_slider(
    where: Any, label: str, options: Sequence[Any], default: Any, *, key: str, format_func=str, **kw
) -> Any:
    """``st.select_slider`` over ``options``."""
    LABELS[key] = label
    _choice(key, options, default, format_func)
    if is_hidden(key):
        return _current(key, default)
    return where.select_slider(label, options, value=default, format_func=format_func, key=key, bind=QP, **kw)


def _indexed(kind: str, where: Any, label: str, options, default, key: str, format_func, kw: dict):
    LABELS[key] = label
    _choice(key, options, default, format_func)
    if is_hidden(key):
        return _current(key, default)
    widget = getattr(where, kind)
    index = list(options).index(default)
    return widget(label, options, index=index, format_func=format_func, key=key, bind=QP, **kw)


def selectbox(
    where: Any, label: str, options: Sequence[Any], default: Any, *, key: str, format_func=str, **kw
):
    """``st.selectbox`` over ``options``."""
    return _indexed("selectbox", where, label, options, default, key, format_func, kw)


def radio(where: Any, label: str, options: Sequence[Any], default: Any, *, key: str, format_func=str, **kw):
    """``st.radio`` over ``options``."""
    return _indexed("radio", where, label, options, default, key, format_func, kw)


def toggle(where: Any, label: str, default: bool, *, key: str, **kw) -> bool:
    """``st.toggle``."""
    LABELS[key] = label
    _first_look(
        key, lambda raw: clean_bool(raw, key=key, default=default), lambda v: str(bool(v)).lower(), default
    )
    if is_hidden(key):
        return bool(_current(key, default))
    return where.toggle(label, value=default, key=key, bind=QP, **kw)


def apply_values(values: dict[str, Any], *, reset_others: bool = True) -> None:
    """Set controls (for a preset): with ``reset_others`` every known control goes back to its default
    first, then ``values``; the address no longer overrides them. Call from a widget callback (before
    the controls are drawn)."""
    state = st.session_state
    checked = state.setdefault(_CHECKED, set())
    for key, value in ({**DEFAULTS, **values} if reset_others else values).items():
        state[key] = value
        checked.add(key)


def show_notices(where: Any = None) -> None:
    """Show what was adjusted in the address (if anything), with a button to dismiss it."""
    notes = st.session_state.get(_NOTICES)
    if not notes:
        return
    box = (where or st).container()
    box.warning(
        "Some settings in the page address were not valid and were adjusted:\n"
        + "\n".join(f"- {note}" for note in notes),
        icon=":material/link_off:",
    )
    box.button("Dismiss", key="_dismiss_url_notices", on_click=_clear_notices)


def _clear_notices() -> None:
    st.session_state[_NOTICES] = []


def share_link(extra: dict[str, str] | None = None) -> str:
    """The address of this view: the page's URL with the value of every control drawn in this session
    and the classroom flags (``extra`` adds or overrides parameters)."""
    state = st.session_state
    params: dict[str, str] = {}
    for key, fmt in state.get(_FORMATS, {}).items():
        if key in state:
            params[key] = fmt(state[key])
    on, hidden = classroom()
    if on:
        params["classroom"] = "1"
    if hidden:
        params["hide"] = ",".join(sorted(hidden))
    params.update(extra or {})
    base = st.context.url or ""
    slug = state.get("_default_page_slug")
    if slug and base.rstrip("/").endswith("/" + slug):
        base = base.rstrip("/")[: -len(slug)]  # .../playground -> .../ (the default page; see app.py)
    return f"{base}?{urlencode(params)}" if params else base
