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
from engine.convex import MAX_SAMPLED_PATTERNS
from engine.losses import LOSS_NAMES
from engine.sgd import OPTIMIZERS
from explorer_cache import DataKey

__all__ = ["fmt_number", "settings", "sidebar"]

BETAS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
INIT_SCALES = (0.01, 0.1, 0.3, 1.0, 2.0, 5.0)
# Largest n for which the pages solve the exact program (certified column generation: a few seconds
# at most); above it they sample patterns.
PAGE_EXACT_MAX_N = 100
DEFAULT_N = 30  # the exact program solves in well under a second at this size
QP = "query-params"

_STATE_KEY = "_explorer_settings"


def fmt_number(v: float) -> str:
    """Compact label for log-scale choices (1e-3, 0.3, 1)."""
    return f"{v:g}"


def sidebar() -> dict:
    """Draw the sidebar controls and return the settings they give."""
    sb = st.sidebar
    sb.header("Data")
    name = sb.selectbox("Data set", DATASET_NAMES, index=0, key="data", bind=QP)
    task = dataset_task(name)
    n = sb.slider("Training points n", 10, 400, DEFAULT_N, step=5, key="n", bind=QP)
    noise = sb.slider("Noise", 0.0, 1.0, 0.1, step=0.05, key="noise", bind=QP)
    data_seed = sb.number_input("Data seed", 0, 100_000, 0, step=1, key="dseed", bind=QP)

    sb.header("Objective")
    if task == "regression" and st.session_state.get("loss", "squared") != "squared":
        st.session_state["loss"] = "squared"
    loss = sb.radio(
        "Loss",
        LOSS_NAMES,
        index=0,
        horizontal=True,
        key="loss",
        bind=QP,
        disabled=task == "regression",
        help="Mean over the points: squared (f − y)²/2, hinge (1 − y f)₊, logistic log(1 + e^(−y f)).",
    )
    if task == "regression":
        sb.caption("Regression data: only the squared loss applies (hinge and logistic need ±1 labels).")
    beta = sb.select_slider(
        "Weight decay β",
        BETAS,
        value=1e-3,
        format_func=fmt_number,
        key="beta",
        bind=QP,
        help="J = mean loss + β/2·(‖W‖² + ‖α‖²); the bias column of W is regularised too.",
    )

    sb.header("Convex program")
    exact_ok = n <= PAGE_EXACT_MAX_N
    if not exact_ok and st.session_state.get("patterns", "exact") != "sampled":
        st.session_state["patterns"] = "sampled"
    mode = sb.radio(
        "Activation patterns",
        ("exact", "sampled"),
        index=0,
        horizontal=True,
        key="patterns",
        bind=QP,
        disabled=not exact_ok,
    )
    if not exact_ok:
        sb.caption(f"Exact patterns are available for n ≤ {PAGE_EXACT_MAX_N}; sampling instead.")
    n_patterns = pattern_seed = None
    if mode == "sampled":
        n_patterns = sb.slider(
            "Sampled patterns (Gaussian draws)", 10, MAX_SAMPLED_PATTERNS, 200, step=10, key="P", bind=QP
        )
        pattern_seed = sb.number_input("Pattern seed", 0, 100_000, 0, step=1, key="pseed", bind=QP)

    sb.header("Gradient training")
    optimizer = sb.selectbox("Optimizer", OPTIMIZERS, index=OPTIMIZERS.index("adam"), key="opt", bind=QP)
    width = sb.slider("Width m (neurons)", 1, 200, 50, key="width", bind=QP)
    lr = sb.select_slider(
        "Learning rate", LEARNING_RATES, value=1e-2, format_func=fmt_number, key="lr", bind=QP
    )
    epochs = sb.slider("Epochs", 10, 3000, 500, step=10, key="epochs", bind=QP)
    batch_size = sb.select_slider(
        "Batch size",
        BATCH_SIZES,
        value=16,
        key="batch",
        bind=QP,
        disabled=optimizer == "gd",
        help="Ignored by full-batch gradient descent (gd).",
    )
    init_scale = sb.select_slider(
        "Initial weight scale", INIT_SCALES, value=1.0, format_func=fmt_number, key="init", bind=QP
    )
    seed = sb.number_input("Training seed", 0, 100_000, 0, step=1, key="seed", bind=QP)
    sb.caption("Every setting is in the page address: copy it to share this view.")
    result = dict(
        data=DataKey(name, int(n), float(noise), int(data_seed)),
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
