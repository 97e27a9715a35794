"""Controls drawn from the table of controls, bound to the page address, checked before first use, and
the classroom mode.

Every control of the explorer is drawn by :func:`control` from its row of
:data:`explorer.settings.CONTROLS` (sidebar and pages alike). Each one:

1. the first time its key is seen in a session, reads the key's query parameter and checks it against
   the row's domain (:meth:`~explorer.settings.Control.clean`): the clean value goes to
   ``st.session_state`` and every change is recorded as a notice, which :func:`show_notices` displays;
2. is left out when a classroom link hides it (``?hide=noise,beta``), and then returns its current
   value (from the link, a preset or the default);
3. is drawn bound to the URL (``bind="query-params"``), so the address always reproduces the view.

Classroom mode (``?classroom=1``) also hides the explanatory captions (:func:`explain`).

What a session has seen (keys checked, controls drawn, notices) lives in its ``st.session_state``; the
table is read only, so nothing here is shared between sessions.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from engine.figures.style import large_text
from explorer.live_chart import available as live_available
from explorer.live_chart import live_chart, text_size_style
from explorer.settings import CONTROLS, TEXT_SIZE_KEY, Control, Numbers, defaults
from explorer.streamlit_internals import DROPPED_PARAM, MAX_FIELDS, seed_bound_widget, sent_widget_value
from explorer.url import clean_bool, parse_hidden, plain, shown

__all__ = [
    "QP",
    "apply_values",
    "chart",
    "current",
    "classroom",
    "control",
    "drawn_keys",
    "explain",
    "explain_block",
    "is_hidden",
    "large_text_on",
    "live_charts_on",
    "override",
    "page_style",
    "share_link",
    "show_notices",
    "show_sent_notices",
    "text_size_mark",
]

QP = "query-params"
_CHECKED = "_url_checked"  # keys whose query parameter was read in this session
_NOTICES = "_url_notices"  # what was adjusted, one line each
_CLASSROOM = "_classroom"  # (explanations hidden, hidden control keys)
_DRAWN = "_controls_drawn"  # keys of the controls drawn in this session, in the order first drawn
_SENT_NOTICES = "_sent_notices"  # values a client sent for a control that it cannot take, one line each
# What reading a value a client sent can raise inside Streamlit's deserializers (int(nan), a wrong type).
_UNREADABLE = (ValueError, TypeError, OverflowError, IndexError, KeyError, AttributeError)


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
        dropped = st.query_params.get(DROPPED_PARAM)
        if dropped is not None:
            _notice(
                f"the address had more than {MAX_FIELDS} parameters, the most the server reads: the last "
                f"{plain(dropped[:12])} were dropped (their settings keep their defaults)"
            )
        state[_CLASSROOM] = (on, hidden)
    on, hidden = state[_CLASSROOM]
    # The flags are no widgets: a page switch drops them from the address, so put them back (a reload or
    # a copied address keeps the classroom view).
    if on and st.query_params.get("classroom") != "1":
        st.query_params["classroom"] = "1"
    if hidden and st.query_params.get("hide") != ",".join(sorted(hidden)):
        st.query_params["hide"] = ",".join(sorted(hidden))
    return on, hidden


def is_hidden(key: str) -> bool:
    """Whether a classroom link hides the control with this key."""
    return key in classroom()[1]


def explain(text: str, where: Any = None) -> None:
    """An explanatory caption, left out in classroom mode."""
    if not classroom()[0]:
        (where or st).caption(text)


def explain_block(markdown: str, where: Any = None) -> None:
    """A longer explanation (Markdown): shown as it is, or in classroom mode in a collapsed expander."""
    where = where or st
    if classroom()[0]:
        where.expander("Explanation", expanded=False, icon=":material/info:").markdown(markdown)
    else:
        where.markdown(markdown)


def large_text_on() -> bool:
    """Whether the sidebar's projector switch (large text) is on in this session."""
    return bool(st.session_state.get(TEXT_SIZE_KEY, CONTROLS[TEXT_SIZE_KEY].default))


def live_charts_on() -> bool:
    """Whether charts are drawn in place (:mod:`explorer.live_chart`), which take clicks anywhere in
    the plot area; else ``st.plotly_chart`` draws them, which reports clicks on markers only."""
    return live_available()


def chart(
    fig: Any,
    *,
    key: str,
    where: Any = None,
    sized: bool = False,
    on_click: Callable[[], None] | None = None,
    **options: Any,
) -> Any:
    """Show a Plotly figure in ``where`` (default: the current container), its text raised to the
    projector size when the large-text switch is on (:func:`engine.figures.style.large_text_patch`: a
    live chart merges the patch in the browser, so the figure is neither built again nor changed here;
    ``st.plotly_chart`` gets a copy with :func:`engine.figures.style.large_text` applied). ``sized``: a
    shared cached figure, never changed after it was built (a live chart encodes it once).

    A chart whose only option is Plotly's ``config`` is drawn in place (:mod:`explorer.live_chart`: the
    same div for the same key, a new figure drawn by ``Plotly.react``) while Streamlit serves the static
    folder; any other ``options`` (``on_select``, ``selection_mode``...) go to ``st.plotly_chart``, whose
    return value (a selection event when ``on_select`` is set) is returned.

    ``on_click``: called (before the rerun) when a point of the chart is clicked; it reads the click with
    :func:`explorer.live_chart.click_event` of ``st.session_state[key]`` (a live chart's click, or the
    point selection of ``st.plotly_chart`` where live charts are off)."""
    large = large_text_on()
    if set(options) <= {"config"} and live_charts_on():
        config = options.get("config")
        return live_chart(
            fig, key=key, where=where, config=config, frozen=sized, on_click=on_click, large=large
        )
    if large:
        fig = large_text(copy.deepcopy(fig) if sized else fig)
    if on_click is not None:
        options = {**options, "on_select": on_click, "selection_mode": "points"}
    return (where or st).plotly_chart(fig, key=key, **options)


# Narrower page margins than Streamlit's (5rem at the sides, 6rem on top): on a 1024 x 768 projector with
# the sidebar open they would take a fifth of the width and most of a figure's height.
_PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 3.5rem 1.25rem 2rem 1.25rem; }
[data-testid="stMainBlockContainer"] h1 { padding: 0.25rem 0 0.5rem 0; font-size: 2.1rem; }
</style>"""


def page_style() -> None:
    """The app's page margins (compact, for projectors); call once per run, before the page."""
    st.html(_PAGE_CSS)


def text_size_mark(*, only_if_known: bool = False) -> bool:
    """Tell the page's live charts the text size (:func:`explorer.live_chart.text_size_style`). Written
    once per run, as early as it can be (the sooner it reaches the page, the sooner the charts redraw):
    ``only_if_known`` writes it only when the switch has a state already (every rerun after a first
    visit, before the sidebar); else after the sidebar, which reads the switch from the address. Returns
    whether it was written."""
    if only_if_known and TEXT_SIZE_KEY not in st.session_state:
        return False
    st.html(text_size_style(large_text_on()))
    return True


def _notice(note: str | None) -> None:
    if note:
        st.session_state.setdefault(_NOTICES, []).append(note)


def _first_look(c: Control) -> None:
    """Record the control as drawn; check its query parameter once per session (a preset or an earlier
    choice wins over it)."""
    state = st.session_state
    state.setdefault(_DRAWN, {})[c.key] = None
    if not c.in_address:
        return
    checked = state.setdefault(_CHECKED, set())
    if c.key in checked:
        return
    checked.add(c.key)
    if c.key in state:
        return
    raw = st.query_params.get(c.key)
    if raw is None:
        return
    value, note = c.clean(str(raw))
    state[c.key] = value
    if note:
        seed_bound_widget(c.key, c.text(value))
    _notice(note)


def _sent_notice(note: str) -> None:
    st.session_state.setdefault(_SENT_NOTICES, []).append(note)


def _check_sent(c: Control) -> None:
    """Check the value the session holds for this control before it is drawn (every run).

    A browser keeps every widget inside its range; a crafted client need not (a websocket message can
    carry NaN, infinity, a number off the range or grid, a choice that is not an option, a wrong type).
    Streamlit hands an unknown radio or select box label to the app as it is and takes a number between
    the steps; here every value outside the control's domain is replaced before the widget is drawn, by
    the nearest value of the domain (numbers) or the default (choices), with a notice. (Numbers out of
    range and NaN are caught earlier, in :func:`_check_raw`.)
    """
    state = st.session_state
    try:
        value = state[c.key] if c.key in state else None
    except _UNREADABLE:
        _reset_sent(c, c.default, f"{c.label}: the value sent could not be read")
        return
    if value is None:
        return
    if c.kind == "multiselect":
        values = list(value) if isinstance(value, list | tuple) else []
        if not c.admits(values):
            kept = [v for v in values if c.domain.has(v)]  # type: ignore[union-attr]
            _reset_sent(c, kept, f"{c.label}: some of the values sent are not options")
        return
    if c.integer and isinstance(value, float) and value.is_integer():
        value = int(value)  # a whole-number box is drawn as a float box (see control)
        if c.admits(value):
            return
    if not c.admits(value):
        if isinstance(c.domain, Numbers) and isinstance(value, int | float) and not isinstance(value, bool):
            clean, _ = c.clean(repr(float(value)))
        else:
            clean = c.default
        _reset_sent(c, clean, f"{c.label}: the value sent ({shown(str(value))}) is not allowed")


def _check_raw(key: str) -> None:
    """Widget callback of every numeric control: what the client really sent (Streamlit puts a control's
    default back, silently, for a number out of range, NaN or infinity) is checked against the domain
    and replaced by its nearest allowed value, with a notice."""
    c = CONTROLS[key]
    sent, raw = sent_widget_value(key)
    if not sent or raw is None:
        return
    if not isinstance(raw, int | float | str | bytes) and hasattr(raw, "__len__"):
        raw = list(raw)  # a repeated protobuf field
    number = raw[0] if isinstance(raw, list) and len(raw) == 1 else raw
    if not isinstance(number, int | float) or isinstance(number, bool):
        _reset_sent(c, c.default, f"{c.label}: the value sent ({shown(str(raw))}) is not a number")
        return
    if c.integer and isinstance(number, float) and number.is_integer():
        number = int(number)
    value, note = c.clean(repr(number))
    if note is not None:
        _reset_sent(c, value, f"{c.label}: the value sent ({shown(repr(number))}) is not allowed")


def _reset_sent(c: Control, value: Any, why: str) -> None:
    st.session_state[c.key] = value
    _sent_notice(f"{why}: using {plain(c.show(value) if c.kind != 'multiselect' else str(value))}")


def override(key: str, value: Any, reason: str | None) -> None:
    """Pin a control to ``value`` whatever the address says (e.g. the loss of regression data); a
    different value in the address is reported with ``reason`` (None: the page explains it itself).
    Call before the control is drawn."""
    c = CONTROLS[key]
    state = st.session_state
    checked = state.setdefault(_CHECKED, set())
    if key not in checked:
        checked.add(key)
        raw = st.query_params.get(key)
        if reason and raw is not None and str(raw).strip().lower() != c.text(value).lower():
            _notice(f"{key}={shown(str(raw))} does not apply ({reason}): using {value}")
        seed_bound_widget(key, c.text(value))
    if state.get(key) != value:
        state[key] = value


def _current(c: Control) -> Any:
    value = st.session_state.get(c.key, c.default)
    return list(value) if c.kind == "multiselect" else value


def current(key: str) -> Any:
    """The value control ``key`` of the table has in this session now (its default before it is drawn),
    e.g. in a callback that runs before the page draws the control."""
    return _current(CONTROLS[key])


def control(where: Any, key: str, *, disabled: bool = False) -> Any:
    """Draw the control ``key`` of the table in ``where`` (``st``, ``st.sidebar``, a column) and return
    its value; a control a classroom link hides is not drawn and returns its current value."""
    c = CONTROLS[key]
    _first_look(c)
    _check_sent(c)
    if is_hidden(key):
        return _current(c)
    common: dict[str, Any] = dict(key=key, help=c.help, disabled=disabled)
    if c.hide_label:
        common["label_visibility"] = "collapsed"
    if c.in_address:
        common["bind"] = QP
    if c.kind in ("slider", "number"):
        common.update(on_change=_check_raw, args=(key,))
    domain = c.domain
    if c.kind == "slider":
        return where.slider(c.label, domain.lo, domain.hi, c.default, step=domain.step, **common)
    if c.kind == "number":
        # Drawn as a float box showing whole numbers: Streamlit reads a whole-number box's value with int()
        # before any app code runs, so NaN sent by a client would raise there; a float box resets it.
        value = where.number_input(
            c.label,
            float(domain.lo),
            float(domain.hi),
            float(c.default),
            step=float(domain.step or 1),
            format="%.0f",
            **common,
        )
        return int(value)
    if c.kind == "toggle":
        return where.toggle(c.label, value=c.default, **common)
    options, fmt = domain.options, domain.fmt
    if c.kind == "select_slider":
        return where.select_slider(c.label, options, value=c.default, format_func=fmt, **common)
    if c.kind == "multiselect":
        return where.multiselect(c.label, list(options), default=list(c.default), format_func=fmt, **common)
    index = options.index(c.default)
    if c.kind == "selectbox":
        return where.selectbox(c.label, options, index=index, format_func=fmt, **common)
    return where.radio(
        c.label, options, index=index, format_func=fmt, horizontal=c.horizontal, captions=c.captions, **common
    )


def apply_values(values: Mapping[str, Any], *, reset_others: bool = True) -> None:
    """Set controls by key (a preset): with ``reset_others`` every control of the table goes back to
    its default first, then ``values``; the address no longer overrides them. Every value must lie in
    its control's domain. Call from a widget callback (before the controls are drawn)."""
    wrong = [k for k, v in values.items() if not CONTROLS[k].admits(v)]
    if wrong:
        raise ValueError(f"values outside their controls' domains: {', '.join(wrong)}")
    state = st.session_state
    checked = state.setdefault(_CHECKED, set())
    fresh = {k: list(v) if CONTROLS[k].kind == "multiselect" else v for k, v in values.items()}
    for key, value in ({**defaults(), **fresh} if reset_others else fresh).items():
        state[key] = value
        checked.add(key)


def drawn_keys() -> list[str]:
    """Keys of the controls drawn in this session, in the order they were first drawn."""
    return list(st.session_state.get(_DRAWN, {}))


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


def show_sent_notices(where: Any = None) -> None:
    """Show the control values a client sent that were replaced (this run's only: each is shown once)."""
    notes = st.session_state.pop(_SENT_NOTICES, None)
    if notes:
        (where or st).warning(
            "Some values sent by the page's controls were not valid and were replaced:\n"
            + "\n".join(f"- {note}" for note in notes),
            icon=":material/block:",
        )


def share_link(extra: dict[str, str] | None = None) -> str:
    """The address of this view: the page's URL with the value of every control drawn in this session
    (as the table writes it) and the classroom flags (``extra`` adds or overrides parameters)."""
    state = st.session_state
    params: dict[str, str] = {}
    for key in drawn_keys():
        c = CONTROLS[key]
        if c.in_address and key in state:
            params[key] = c.text(state[key])
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
