"""What a live chart (explorer.live_chart) draws from what it is sent, for tests without a browser."""

from __future__ import annotations

from engine.figures.style import merge_layout


def as_drawn(figure: dict, patch: dict | None) -> dict:
    """The figure a live chart draws: its JSON with the large-text patch merged as the component's script
    merges it in the browser (``merge_layout``: a dict merges into the layout's dict, any other value, a
    list included, replaces it; the traces' text sizes set), or as it is without a patch."""
    if not patch:
        return figure
    merge_layout(figure.setdefault("layout", {}), patch["layout"])
    for index, size in patch["textfont"].items():
        trace = figure.get("data", [])[int(index)]
        trace["textfont"] = {**trace.get("textfont", {}), "size": size}
    return figure
