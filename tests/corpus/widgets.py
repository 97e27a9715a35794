"""Hostile widget values: what a crafted client (not a browser) can send for a control.

A browser keeps a slider inside its range and a select box on its options; a script talking to the
websocket need not. Each :class:`WidgetCase` opens a page with the address ``params`` (so the control
starts away from its default and a change is visible), then sets the widget ``key`` to ``value``
through AppTest's ``set_value`` (for a choice that is not an option, the option is first added to the
widget's list on the test side only, so the label goes out as a client would send it). The page must
show the "values sent" warning containing ``fragment`` (``""``: no warning needed, the value is
harmless), no exception, no traceback or server path anywhere, and must keep working afterwards.
``tests/app/test_hostile_widgets.py`` runs them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["WIDGET_CASES", "WidgetCase"]


@dataclass(frozen=True)
class WidgetCase:
    """One hostile widget value."""

    id: str
    page: str
    key: str
    value: Any
    fragment: str
    params: dict[str, str] = field(default_factory=dict)
    new_option: bool = False  # add ``value`` to the widget's options on the test side first


_INF, _NAN = math.inf, math.nan
SIDEBAR_START = {"n": "20", "noise": "0.2", "width": "10", "epochs": "20", "dseed": "5", "seed": "7"}


def _numeric(key: str, label: str, values: list[tuple[str, Any]], page: str = "playground", **params: str):
    return [
        WidgetCase(f"{key}-{name}", page, key, value, f"{label}: the value sent", {**SIDEBAR_START, **params})
        for name, value in values
    ]


WIDGET_CASES: tuple[WidgetCase, ...] = (
    # sidebar sliders: NaN, infinities, far out of range, off the step grid, negative
    *_numeric(
        "n",
        "Training points n",
        [("nan", _NAN), ("inf", _INF), ("huge", 10**9), ("offgrid", 12), ("neg", -5)],
    ),
    *_numeric("noise", "Noise", [("nan", _NAN), ("-inf", -_INF), ("above", 7.5), ("offgrid", 0.333)]),
    *_numeric("width", "Width m (neurons)", [("nan", _NAN), ("zero", 0), ("huge", 10**6), ("frac", 3.5)]),
    *_numeric("epochs", "Epochs", [("inf", _INF), ("huge", 10**8), ("offgrid", 15)]),
    # whole-number boxes (seeds)
    *_numeric(
        "dseed", "Data seed", [("nan", _NAN), ("inf", _INF), ("neg", -1), ("huge", 1e20), ("frac", 2.5)]
    ),
    *_numeric("seed", "Training seed", [("nan", _NAN), ("-inf", -_INF), ("huge", 10**12)]),
    *_numeric(
        "P",
        "Sampled patterns (Gaussian draws)",
        [("huge", 10**7), ("nan", _NAN)],
        patterns="sampled",
        P="100",
    ),
    # choices that are not options
    WidgetCase(
        "data-unknown",
        "playground",
        "data",
        "../../etc/passwd",
        "Data set: the value sent",
        SIDEBAR_START,
        True,
    ),
    WidgetCase("loss-unknown", "playground", "loss", "cubic", "Loss: the value sent", SIDEBAR_START, True),
    WidgetCase("opt-unknown", "playground", "opt", "lbfgs", "Optimizer: the value sent", SIDEBAR_START, True),
    WidgetCase(
        "patterns-unknown",
        "playground",
        "patterns",
        "all",
        "Activation patterns: the value sent",
        SIDEBAR_START,
        True,
    ),
    WidgetCase(
        "data-markup",
        "playground",
        "data",
        "[x](//example.org)",
        "Data set: the value sent",
        SIDEBAR_START,
        True,
    ),
    # page controls
    *_numeric(
        "train_eps",
        "Train at radius ε_train (data units)",
        [("nan", _NAN), ("huge", 1e9)],
        page="adversarial",
        train_eps="0.2",
    ),
    *_numeric(
        "eps",
        "Display radius ε (data units)",
        [("-inf", -_INF), ("neg", -0.5)],
        page="adversarial",
        eps="0.2",
    ),
    WidgetCase(
        "norm-unknown",
        "adversarial",
        "norm",
        "1",
        "Perturbation norm: the value sent",
        {"n": "20", "epochs": "20"},
        True,
    ),
    *_numeric("ls_runs", "Random starts", [("huge", 10**6), ("nan", _NAN)], page="landscape", ls_runs="15"),
    WidgetCase(
        "ls_section-unknown",
        "landscape",
        "ls_section",
        "secret",
        "Section: the value sent",
        {"n": "20", "epochs": "20"},
        True,
    ),
    *_numeric("dy_steps", "Steps", [("huge", 10**9), ("offgrid", 150)], page="dynamics", dy_steps="200"),
    *_numeric("dy_x_n", "Points n", [("huge", 10**5)], page="dynamics", dy_section="xor", dy_x_n="30"),
    WidgetCase(
        "click-unknown", "data", "click", "delete all", "Click on the plane to: the value sent", {}, True
    ),
)
