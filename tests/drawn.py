"""What a live chart (explorer.live_chart) draws from what it is sent, for tests without a browser."""

from __future__ import annotations


def as_drawn(figure: dict, patch: dict | None) -> dict:
    """The figure a live chart draws: its JSON with the large-text patch merged as the component's script
    merges it in the browser (a dict merges into the layout's dict, any other value, a list included,
    replaces it; the traces' text sizes set), or as it is without a patch."""
    if not patch:
        return figure

    def merge(base: dict, over: dict) -> dict:
        for key, value in over.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                merge(base[key], value)
            else:
                base[key] = value
        return base

    layout = figure.setdefault("layout", {})
    for key, value in patch["layout"].items():
        layout[key] = merge(layout.get(key) or {}, value) if isinstance(value, dict) else value
    for index, size in patch["textfont"].items():
        trace = figure.get("data", [])[int(index)]
        trace["textfont"] = {**trace.get("textfont", {}), "size": size}
    return figure
