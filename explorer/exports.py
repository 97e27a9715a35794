"""Exports: trained networks (JSON), data (CSV), figures (standalone HTML, PNG) and numbers tables (CSV).

The pure functions return text or bytes and import no Streamlit. The ``*_exports`` helpers draw an
"Export" popover of download buttons whose data is *deferred* (a callable that Streamlit runs only
when the button is clicked, ``on_click="ignore"``), so nothing heavy runs on a rerun.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from datasets import Dataset, to_csv
from engine.figures.style import large_text
from engine.network import TwoLayerReLU
from explorer.widgets import large_text_on

__all__ = [
    "FORMAT",
    "PNG_SIGNATURE",
    "data_csv",
    "data_exports",
    "figure_exports",
    "figure_html",
    "figure_png",
    "network_exports",
    "network_json",
    "png_available",
    "slug",
    "table_csv",
    "table_exports",
]

FORMAT = "relu-convexity-explorer/network-v1"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_HELP = (
    "PNG export needs a Chromium browser on the server (kaleido drives it); use the camera button in the "
    "chart's toolbar to save a PNG from your own browser instead."
)
_PNG_WIDTH, _PNG_HEIGHT, _PNG_SCALE = 900, 500, 2


def slug(name: str) -> str:
    """A file-name-safe version of ``name`` (lower case, words joined by '-')."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text or "export"


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data: named tuples as objects, arrays as lists, non-finite floats as None."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def network_json(
    network: TwoLayerReLU,
    *,
    name: str = "network",
    settings: Mapping[str, Any] | None = None,
    objective: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The network as JSON: ``W`` (m x (d+1), bias last), ``alpha`` (m), the settings it was trained
    with and its objective J. ``TwoLayerReLU.from_dict(json.loads(text))`` gives the network back."""
    record: dict[str, Any] = {
        "format": FORMAT,
        "name": name,
        "model": "f(x) = sum_j alpha_j relu(w_j . (x, 1)); W rows are w_j, bias in the last column",
        **network.to_dict(),
        "width": int(network.W.shape[0]),
        "objective": objective,
        "settings": dict(settings or {}),
    }
    record.update(extra or {})
    return json.dumps(_plain(record), indent=1, allow_nan=False)


def data_csv(dataset: Dataset) -> str:
    """The training points of ``dataset`` as CSV text (``x1,x2,y``), loadable by ``datasets.load_csv``."""
    return to_csv(dataset)


def table_csv(table: pd.DataFrame) -> str:
    """A numbers table as CSV text (its row labels in the first column)."""
    return table.to_csv(index=True)


def figure_html(figure: go.Figure) -> str:
    """The figure as a standalone HTML page (plotly.js embedded: works offline)."""
    return figure.to_html(include_plotlyjs=True, full_html=True)


def figure_png(figure: go.Figure, *, scale: float = _PNG_SCALE) -> bytes | None:
    """The figure as PNG bytes (kaleido with a Chromium browser), or None when it cannot be rendered."""
    width = figure.layout.width or _PNG_WIDTH
    height = figure.layout.height or _PNG_HEIGHT
    try:
        image = figure.to_image(format="png", width=width, height=height, scale=scale)
    except Exception:  # noqa: BLE001 - kaleido missing, no browser, a browser crash: all mean "no PNG"
        return None
    return image if isinstance(image, bytes) and image.startswith(PNG_SIGNATURE) else None


@functools.cache
def png_available() -> bool:
    """Whether kaleido and a Chromium browser are there to render PNGs (a quick look, no rendering;
    looked up once per process)."""
    try:
        import kaleido  # noqa: F401
        from choreographer.browsers.chromium import Chromium

        return Chromium.find_browser(skip_local=False) is not None
    except Exception:  # noqa: BLE001 - any failure to look means "not available"
        return False


# --- Streamlit helpers ---------------------------------------------------------------------------------


def _popover(where: Any, label: str) -> Any:
    return where.popover(label, icon=":material/download:", width="content")


def _button(
    where: Any, label: str, data: Callable[[], str | bytes], file_name: str, mime: str, key: str
) -> None:
    where.download_button(
        label, data=data, file_name=file_name, mime=mime, key=key, on_click="ignore", width="stretch"
    )


def _png(figure: go.Figure) -> bytes:
    image = figure_png(figure)
    if image is None:
        raise RuntimeError(PNG_HELP)
    return image


def figure_exports(
    figure: go.Figure | Callable[[], go.Figure],
    name: str,
    *,
    where: Any = None,
    label: str = "Export figure",
) -> None:
    """An export popover for one figure: standalone HTML, and PNG where a browser can render it.

    ``figure`` may be a function that builds the figure to export (called only when a file is asked
    for), e.g. a compact panel's full version with its own legend. With the large-text switch on, the
    file has the text as the page shows it (a copy with ``large_text``: a shown figure may be shared)."""
    import streamlit as st

    large = large_text_on()

    def build() -> go.Figure:
        shown = figure() if callable(figure) else figure
        return large_text(copy.deepcopy(shown)) if large else shown

    base = slug(name)
    box = _popover(where or st, label)
    _button(
        box, "Interactive HTML", lambda: figure_html(build()), f"{base}.html", "text/html", f"_x_{base}_html"
    )
    if png_available():
        _button(box, "PNG image", lambda: _png(build()), f"{base}.png", "image/png", f"_x_{base}_png")
    else:
        box.caption(PNG_HELP)


def network_exports(
    networks: Mapping[str, tuple[TwoLayerReLU, float | None]],
    *,
    settings: Mapping[str, Any],
    extras: Mapping[str, Mapping[str, Any]] | None = None,
    where: Any = None,
    label: str = "Export networks",
    key: str = "net",
) -> None:
    """An export popover with one JSON download per network (``name -> (network, objective J)``);
    ``extras[name]`` adds fields to that network's record."""
    import streamlit as st

    box = _popover(where or st, label)
    for name, (network, objective) in networks.items():
        base = slug(name)
        extra = (extras or {}).get(name)
        _button(
            box,
            f"{name} (JSON)",
            lambda n=network, o=objective, nm=name, e=extra: network_json(
                n, name=nm, settings=settings, objective=o, extra=e
            ),
            f"{base}-network.json",
            "application/json",
            f"_x_{key}_{base}_json",
        )


def _csv_button(where: Any, label: str, make: Callable[[], str], name: str) -> None:
    """One download button (no popover) for CSV text made on demand."""
    import streamlit as st

    base = slug(name)
    (where or st).download_button(
        label,
        data=make,
        file_name=f"{base}.csv",
        mime="text/csv",
        key=f"_x_{base}_csv",
        on_click="ignore",
        icon=":material/download:",
    )


def table_exports(table: pd.DataFrame, name: str, *, where: Any = None, label: str = "Table (CSV)") -> None:
    """A download button for a numbers table (CSV)."""
    _csv_button(where, label, lambda: table_csv(table), name)


def data_exports(dataset: Dataset, name: str, *, where: Any = None, label: str = "Data (CSV)") -> None:
    """A download button for the training points (CSV, loadable on the Data page)."""
    _csv_button(where, label, lambda: data_csv(dataset), name)
