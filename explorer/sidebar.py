"""The sidebar shared by every page: data set, objective, convex program and gradient training.

:func:`sidebar` is called once per run by ``app.py`` before the page runs, so the widgets belong to the
entry script: their values survive page switches, and each is bound to a URL query parameter under its
key (``bind="query-params"``), so an address reproduces a view on any page. Pages read the settings
with :func:`settings` and may add their own controls to ``st.sidebar`` below the shared ones.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from datasets import DATASET_NAMES, dataset_task
from datasets.points import points_task
from engine.convex.program import MAX_SAMPLED_PATTERNS
from engine.gradient.sgd import OPTIMIZERS
from engine.losses import LOSS_NAMES
from explorer import own_data as own
from explorer import widgets as w
from explorer.cache import CUSTOM, DataKey
from explorer.presets import PRESETS

__all__ = ["finish", "fmt_number", "settings", "sidebar"]

BETAS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
INIT_SCALES = (0.01, 0.1, 0.3, 1.0, 2.0, 5.0)
# Largest n for which the pages solve the exact program (certified column generation: a few seconds
# at most); above it they sample patterns.
PAGE_EXACT_MAX_N = 100
DEFAULT_N = 30  # the exact program solves in well under a second at this size

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
        st.switch_page(f"pages/{page}.py", query_params={})  # the controls write the address anew


def finish(top) -> None:
    """After the page ran: the address notices and the preset's note in ``top`` (a container at the top of
    the page), and the share box at the bottom of the sidebar (every control of the page is known now)."""
    w.show_notices(top)
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
        keys = sorted(w.LABELS, key=lambda k: w.LABELS[k])
        hide = st.multiselect(
            "Hide these controls", keys, format_func=lambda k: w.LABELS[k], key="_classroom_hide"
        )
        quiet = st.checkbox("Hide the explanations", value=True, key="_classroom_quiet")
        extra = {"hide": ",".join(sorted(hide))} if hide else {}
        if quiet:
            extra["classroom"] = "1"
        st.code(w.share_link(extra), language=None, wrap_lines=True)


def fmt_number(v: float) -> str:
    """Compact label for log-scale choices (1e-3, 0.3, 1)."""
    return f"{v:g}"


def sidebar() -> dict:
    """Draw the sidebar controls and return the settings they give."""
    sb = st.sidebar
    _presets(sb)
    sb.header("Data")
    name = w.selectbox(
        sb,
        "Data set",
        (*DATASET_NAMES, CUSTOM),
        DATASET_NAMES[0],
        key="data",
        format_func=own.format_data_name,
        help="The last choice trains on your own points, made on the Data page (click, table or CSV).",
    )
    custom = name == CUSTOM
    points = own.points() if custom else ()
    task = points_task(points) if custom else dataset_task(name)
    n = w.slider(sb, "Training points n", 10, 400, DEFAULT_N, step=5, key="n", disabled=custom)
    noise = w.slider(sb, "Noise", 0.0, 1.0, 0.1, step=0.05, key="noise", disabled=custom)
    data_seed = w.number_input(sb, "Data seed", 0, 100_000, 0, key="dseed", disabled=custom)
    if custom:
        w.explain(f"Your own {len(points)} points (Data page): n, noise and seed do not apply.", sb)
        data = DataKey(CUSTOM, len(points), 0.0, 0, 0, points)
    else:
        data = DataKey(name, int(n), float(noise), int(data_seed))
        st.session_state[own.LAST_GENERATED] = data

    sb.header("Objective")
    if task == "regression":
        w.override("loss", "squared", "regression data takes only the squared loss")
    loss = w.radio(
        sb,
        "Loss",
        LOSS_NAMES,
        LOSS_NAMES[0],
        horizontal=True,
        key="loss",
        disabled=task == "regression",
        help="Mean over the points: squared (f − y)²/2, hinge (1 − y f)₊, logistic log(1 + e^(−y f)).",
    )
    if task == "regression":
        w.explain("Regression data: only the squared loss applies (hinge and logistic need ±1 labels).", sb)
    beta = w.select_slider(
        sb,
        "Weight decay β",
        BETAS,
        1e-3,
        format_func=fmt_number,
        key="beta",
        help="J = mean loss + β/2·(‖W‖² + ‖α‖²); the bias column of W is regularised too.",
    )

    sb.header("Convex program")
    exact_ok = data.n <= PAGE_EXACT_MAX_N
    if not exact_ok:
        w.override("patterns", "sampled", None)  # the caption below says why
    mode = w.radio(
        sb,
        "Activation patterns",
        ("exact", "sampled"),
        "exact",
        horizontal=True,
        key="patterns",
        disabled=not exact_ok,
    )
    if not exact_ok:
        w.explain(f"Exact patterns are available for n ≤ {PAGE_EXACT_MAX_N}; sampling instead.", sb)
    n_patterns = pattern_seed = None
    if mode == "sampled":
        n_patterns = w.slider(
            sb, "Sampled patterns (Gaussian draws)", 10, MAX_SAMPLED_PATTERNS, 200, step=10, key="P"
        )
        pattern_seed = w.number_input(sb, "Pattern seed", 0, 100_000, 0, key="pseed")

    sb.header("Gradient training")
    optimizer = w.selectbox(sb, "Optimizer", OPTIMIZERS, "adam", key="opt")
    width = w.slider(sb, "Width m (neurons)", 1, 200, 50, key="width")
    lr = w.select_slider(sb, "Learning rate", LEARNING_RATES, 1e-2, format_func=fmt_number, key="lr")
    epochs = w.slider(sb, "Epochs", 10, 3000, 500, step=10, key="epochs")
    batch_size = w.select_slider(
        sb,
        "Batch size",
        BATCH_SIZES,
        16,
        key="batch",
        disabled=optimizer == "gd",
        help="Ignored by full-batch gradient descent (gd).",
    )
    init_scale = w.select_slider(
        sb, "Initial weight scale", INIT_SCALES, 1.0, format_func=fmt_number, key="init"
    )
    seed = w.number_input(sb, "Training seed", 0, 100_000, 0, key="seed")
    st.session_state[_SHARE_SLOT] = sb.container()
    result = dict(
        data=data,
        task=task,
        loss="squared" if task == "regression" else loss,
        beta=float(beta),
        patterns="exact" if mode == "exact" else int(n_patterns),  # type: ignore[arg-type]
        pattern_seed=int(pattern_seed or 0),
        sgd=dict(
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


def settings() -> dict:
    """The settings of this run's sidebar, drawn by ``app.py`` before the page runs.

    The settings are taken (popped) from the session, so a page never reads a previous run's values.
    If ``app.py`` did not run, Streamlit ran the page script on its own, the way it runs apps with a
    ``pages/`` folder and no ``st.navigation`` (a fresh server's first visit to a page's address, every
    AppTest rerun): then switch Streamlit to ``st.navigation`` mode and run again through ``app.py``, so
    the page gets the shared sidebar. A page run as its own main script draws the sidebar itself.
    """
    current = st.session_state.pop(_STATE_KEY, None)
    if current is not None:
        return current
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation sets when app.py runs
        st.rerun()
    result = sidebar()
    st.session_state.pop(_STATE_KEY, None)
    return result
