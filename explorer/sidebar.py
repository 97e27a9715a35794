"""The sidebar shared by every page: data set, objective, convex program and gradient training.

:func:`sidebar` is called once per run by ``app.py`` before the page runs, so the widgets belong to the
entry script: their values survive page switches, and each is bound to a URL query parameter under its
key (``bind="query-params"``), so an address reproduces a view on any page. Pages read the settings
with :func:`settings` and may add their own controls to ``st.sidebar`` below the shared ones.
"""

from __future__ import annotations

import streamlit as st

from datasets import dataset_task
from datasets.points import points_task
from explorer import own_data as own
from explorer import widgets as w
from explorer.navigation import app_pages, page_file
from explorer.presets import PRESETS
from explorer.settings import CONTROLS, CUSTOM, PAGE_EXACT_MAX_N, DataKey, Settings, SGDSettings
from explorer.streamlit_internals import pages_directory_mode

__all__ = ["finish", "settings", "sidebar"]

_STATE_KEY = "_explorer_settings"
_SHARE_SLOT = "_share_slot"  # the sidebar container that finish() fills
_GOTO = "_preset_page"  # page a preset asked for
_PRESET_NOTE = "_preset_note"  # what the preset shows, displayed once on its page


def _apply_preset(index: int) -> None:
    preset = PRESETS[index]
    w.apply_values(preset.values)
    st.session_state[_GOTO] = preset.page
    st.session_state[_PRESET_NOTE] = f"**{preset.title}**: {preset.what}"


def _presets(sb) -> None:
    """One button per preset; a click sets its values and opens its page."""
    with sb.expander("Presets", icon=":material/bolt:"):
        for i, preset in enumerate(PRESETS):
            st.button(
                preset.title,
                key=f"_preset_{i}",
                help=preset.what,
                on_click=_apply_preset,
                args=(i,),
                width="stretch",
            )
    page = st.session_state.pop(_GOTO, None)
    if page is not None:
        st.switch_page(page_file(page), query_params={})  # the controls write the address anew


def finish(top) -> None:
    """After the page ran: the address notices and the preset's note in ``top`` (a container at the top of
    the page), and the share box at the bottom of the sidebar (every control of the page is known now)."""
    w.show_notices(top)
    w.show_sent_notices(top)
    note = st.session_state.pop(_PRESET_NOTE, None)
    if note:
        top.info(note, icon=":material/bolt:")
    slot = st.session_state.pop(_SHARE_SLOT, None)
    if slot is None:
        return
    with slot.expander("Share this view", icon=":material/link:"):
        st.caption("This address reproduces the view, every setting included (copy button on the right):")
        if st.session_state.get("data") == CUSTOM:
            st.warning(
                "Your own points cannot travel in a link: whoever opens it gets an empty data set. Send "
                "them the points as a CSV file (Data page, Export) to upload there.",
                icon=":material/link_off:",
            )
        st.code(w.share_link(), language=None, wrap_lines=True)
        st.markdown("**Classroom link**")
        keys = sorted(w.drawn_keys(), key=lambda k: CONTROLS[k].label)
        hide = st.multiselect(
            "Hide these controls", keys, format_func=lambda k: CONTROLS[k].label, key="_classroom_hide"
        )
        quiet = st.checkbox("Hide the explanations", value=True, key="_classroom_quiet")
        extra = {"hide": ",".join(sorted(hide))} if hide else {}
        if quiet:
            extra["classroom"] = "1"
        st.code(w.share_link(extra), language=None, wrap_lines=True)


def sidebar() -> Settings:
    """Draw the sidebar controls and return the settings they give."""
    sb = st.sidebar
    _presets(sb)
    w.control(sb, "big")
    sb.header("Data")
    name = w.control(sb, "data")
    custom = name == CUSTOM
    points = own.points() if custom else ()
    task = points_task(points) if custom else dataset_task(name)
    n = w.control(sb, "n", disabled=custom)
    noise = w.control(sb, "noise", disabled=custom)
    data_seed = w.control(sb, "dseed", disabled=custom)
    if custom:
        w.explain(f"Your own {len(points)} points (Data page): n, noise and seed do not apply.", sb)
        data = DataKey(CUSTOM, len(points), 0.0, 0, 0, points)
    else:
        data = DataKey(name, int(n), float(noise), int(data_seed))
        st.session_state[own.LAST_GENERATED] = data

    sb.header("Objective")
    if task == "regression":
        w.override("loss", "squared", "regression data takes only the squared loss")
    loss = w.control(sb, "loss", disabled=task == "regression")
    if task == "regression":
        w.explain("Regression data: only the squared loss applies (hinge and logistic need ±1 labels).", sb)
    beta = w.control(sb, "beta")

    sb.header("Convex program")
    exact_ok = data.n <= PAGE_EXACT_MAX_N
    if not exact_ok:
        w.override("patterns", "sampled", None)  # the caption below says why
    mode = w.control(sb, "patterns", disabled=not exact_ok)
    if not exact_ok:
        w.explain(f"Exact patterns are available for n ≤ {PAGE_EXACT_MAX_N}; sampling instead.", sb)
    n_patterns = pattern_seed = None
    if mode == "sampled":
        n_patterns = w.control(sb, "P")
        pattern_seed = w.control(sb, "pseed")

    sb.header("Gradient training")
    optimizer = w.control(sb, "opt")
    width = w.control(sb, "width")
    lr = w.control(sb, "lr")
    epochs = w.control(sb, "epochs")
    batch_size = w.control(sb, "batch", disabled=optimizer == "gd")
    init_scale = w.control(sb, "init")
    seed = w.control(sb, "seed")
    st.session_state[_SHARE_SLOT] = sb.container()
    result = Settings(
        data=data,
        task=task,
        loss="squared" if task == "regression" else loss,
        beta=float(beta),
        patterns="exact" if mode == "exact" else int(n_patterns),  # type: ignore[arg-type]
        pattern_seed=int(pattern_seed or 0),
        sgd=SGDSettings(
            optimizer=optimizer,
            width=int(width),
            lr=float(lr),
            epochs=int(epochs),
            batch_size=int(batch_size),
            init_scale=float(init_scale),
            seed=int(seed),
        ),
    )
    st.session_state[_STATE_KEY] = result
    return result


def settings() -> Settings:
    """The settings of this run's sidebar, drawn by ``app.py`` before the page runs.

    The settings are taken (popped) from the session, so a page never reads a previous run's values.
    If ``app.py`` did not run, Streamlit ran the page script on its own in its "pages directory" mode
    (a fresh server's first visit to a page's address, every AppTest run: see
    :func:`explorer.streamlit_internals.pages_directory_mode`): then register the app's pages with
    ``st.navigation`` (the public way out of that mode) and run again, through ``app.py``, so the page
    gets the shared sidebar. A page run as its own main script (``streamlit run pages/data.py``) draws
    the sidebar itself.
    """
    current = st.session_state.pop(_STATE_KEY, None)
    if current is not None:
        return current
    if pages_directory_mode():
        st.navigation(app_pages())
        st.rerun()
    result = sidebar()
    st.session_state.pop(_STATE_KEY, None)
    return result
