"""The projector switch as a patch (engine.figures.style.large_text_patch): the live chart merges it into
a figure's JSON in the browser (mirrored by tests.drawn.as_drawn, checked in Chromium by
tests/browser/test_large_text.py), which must give exactly what ``large_text`` gives in Python; the
patch is the same from the figure or from its dict, and applying it twice changes nothing more."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from datasets import make_dataset
from engine.figures import adversarial as fadv
from engine.figures import playground as fg
from engine.figures.style import LARGE_TEXT_PX, large_text, large_text_patch
from engine.gradient.sgd import train_sgd
from engine.robust.evaluation import point_status
from engine.studies.summary import playback_numbers
from tests.drawn import as_drawn


def _figures() -> dict:
    ds = make_dataset("moons", 30, noise=0.1, seed=0)
    res = train_sgd(ds.X, ds.y, loss="squared", beta=1e-3, width=12, epochs=40, batch_size=8, snapshots=25)
    nums = playback_numbers(res.snapshots, ds.X, ds.y, optimum=res.network, optimum_objective=0.01)
    status = point_status(res.network, ds.X, ds.y, 0.1, "inf")
    return {
        "decision panel": lambda: fg.decision_panel_figure(res.network, ds.X, ds.y, title="convex"),
        "regions (subtitle)": lambda: fg.activation_regions_figure(
            res.network, ds.X, y=ds.y, title="regions<br><sup>30 regions</sup>"
        ),
        "objective (legend below, subplot titles)": lambda: fg.objective_figure(
            res.history, optimum=0.01, certified=True, title="J vs step"
        ),
        "playback (frames, menus)": lambda: fg.playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD"),
        "adversarial panel": lambda: fadv.adversarial_figure(
            res.network, ds.X, ds.y, status, title="robust", grid=20, legend=False
        ),
    }


FIGURES = _figures()


def _layout_and_text(spec: dict) -> tuple[dict, list]:
    return spec["layout"], [trace.get("textfont") for trace in spec["data"]]


@pytest.mark.parametrize("name", list(FIGURES))
def test_the_patch_merged_as_the_browser_merges_it_equals_large_text(name: str) -> None:
    fig = FIGURES[name]()
    sent = json.loads(fig.to_json())  # what the live chart is sent
    patch = json.loads(json.dumps(large_text_patch(fig)))  # as the component receives it (JSON keys)
    drawn = as_drawn(sent, patch)
    expected = json.loads(large_text(copy.deepcopy(fig)).to_json())
    assert _layout_and_text(drawn) == _layout_and_text(expected)
    assert drawn["layout"]["font"]["size"] >= LARGE_TEXT_PX
    assert drawn["layout"]["title"]["font"]["size"] >= LARGE_TEXT_PX + 2
    assert drawn["data"] == expected["data"]  # only text sizes change, and only where a trace has text


@pytest.mark.parametrize("name", list(FIGURES))
def test_the_patch_from_the_dict_equals_the_patch_from_the_figure(name: str) -> None:
    fig = FIGURES[name]()
    assert large_text_patch(fig.to_plotly_json()) == large_text_patch(fig)


@pytest.mark.parametrize("name", list(FIGURES))
def test_a_second_patch_changes_nothing_more(name: str) -> None:
    once = large_text(FIGURES[name]())
    before = json.loads(once.to_json())
    after = json.loads(large_text(once).to_json())
    assert after == before


def test_a_subtitle_and_a_legend_below_make_the_figure_taller() -> None:
    fig = FIGURES["objective (legend below, subplot titles)"]()
    patch = large_text_patch(fig)
    assert patch["layout"]["legend"]["yref"] == "container"
    assert patch["layout"]["height"] > fig.layout.height
    regions = FIGURES["regions (subtitle)"]()
    patch = large_text_patch(regions, size=20)
    assert "<sup>" not in patch["layout"]["title"]["text"]
    assert "font-size:20px" in patch["layout"]["title"]["text"]
    assert patch["layout"]["height"] >= regions.layout.height + 14
    assert np.isclose(patch["layout"]["title"]["font"]["size"], 22)
