"""The playback figure: one frame per snapshot carrying the frame's f (an image, see test_raster.py), neuron
lines and numbers; buttons and scrubber address the frames; the large-text switch raises every font."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest

from datasets import make_dataset
from engine.figures.playground import (
    GHOST_NAME,
    PLAYBACK_GRID,
    decision_panel_figure,
    plane_values,
    playback_figure,
    without_ghost,
)
from engine.figures.style import LARGE_TEXT_PX, grid_points, large_text, plot_bounds
from engine.gradient.sgd import train_sgd
from engine.studies.summary import playback_numbers
from tests.engine.figures.test_raster import on_level, png_image


@pytest.fixture(scope="module")
def run():
    ds = make_dataset("moons", 30, noise=0.1, seed=0)
    res = train_sgd(ds.X, ds.y, loss="squared", beta=1e-3, width=12, epochs=40, batch_size=8, snapshots=25)
    nums = playback_numbers(res.snapshots, ds.X, ds.y, optimum=res.network, optimum_objective=0.01)
    return ds, res, nums


def _decode(z: dict | list) -> np.ndarray:
    if isinstance(z, dict):  # plotly's typed-array form
        import base64

        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
    return np.asarray(z).ravel()


def test_frames_carry_each_snapshot(run) -> None:
    ds, res, nums = run
    fig = playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD", ghost=res.network, optimum=0.01)
    spec = json.loads(pio.to_json(fig, validate=False))
    frames = spec["frames"]
    assert len(frames) == len(res.snapshots)
    bounds = plot_bounds(ds.X)
    _, _, P = grid_points(bounds, PLAYBACK_GRID)
    for k in (0, len(frames) // 2, len(frames) - 1):
        # the frame's plane is an image of the grid (its colours: test_raster.py)
        assert frames[k]["data"][0]["type"] == "image" and frames[k]["data"][0]["source"].startswith("data:")
        assert P.shape[0] == PLAYBACK_GRID**2
        assert frames[k]["layout"]["annotations"][0]["text"].startswith(
            f"<b>step {res.snapshots.step[k]}</b>"
        )
    # the scrubber has one step per frame, the figure opens on the last one
    slider = spec["layout"]["sliders"][0]
    assert len(slider["steps"]) == len(frames) and slider["active"] == len(frames) - 1
    labels = [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]]
    assert labels[0].endswith("play") and labels[2].startswith("step") and labels[3].endswith("reset")
    # frame k's "step" button shows frame k + 1; "play" plays the frames after k
    mid = frames[3]["layout"]["updatemenus"][0]["buttons"]
    assert mid[2]["args"][0] == ["4"] and mid[0]["args"][0][0] == "4"
    assert any(t.get("name") == "optimum's neurons" for t in spec["data"])


def test_playback_frames_carry_the_frames_sign_and_boundary(run) -> None:
    """Each frame's image is the sign of that snapshot's f (the blue half of the palette where f > 0)
    and its boundary line lies on f = 0 of that snapshot."""
    ds, res, nums = run
    spec = json.loads(
        pio.to_json(playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD"), validate=False)
    )
    xs, ys, P = grid_points(plot_bounds(ds.X), PLAYBACK_GRID)
    for k in (0, len(spec["frames"]) // 2, len(spec["frames"]) - 1):
        frame = spec["frames"][k]["data"]
        net = res.snapshots.network(k)
        f = net.predict(P).reshape(len(ys), len(xs))  # image rows: along y, as the grid
        index = np.asarray(png_image(frame[0]["source"]))
        sure = np.abs(f) > 0.02 * np.max(np.abs(f))
        assert np.array_equal((index > 127)[sure], (f > 0)[sure])
        line = frame[1]
        bx, by = (np.asarray(_decode(line[c]), dtype=float) for c in ("x", "y"))
        if np.isfinite(bx).any():
            cell = (xs[1] - xs[0]) * np.abs(net.W[:, :2]).sum(axis=1) @ np.abs(net.alpha)
            on_level(bx, by, lambda u, v, net=net: net.predict(np.c_[u, v]), cell)


def test_plane_values_equal_the_network(run) -> None:
    ds, res, _ = run
    np.testing.assert_allclose(plane_values(res.network, ds.X), res.network.predict(ds.X), rtol=1e-12)


def test_large_text_raises_every_font(run) -> None:
    ds, res, nums = run
    for fig in (
        playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD"),
        decision_panel_figure(res.network, ds.X, ds.y, title="convex"),
    ):
        large_text(fig)
        lay = fig.layout
        assert lay.font.size >= LARGE_TEXT_PX and lay.title.font.size >= LARGE_TEXT_PX + 2
        assert lay.legend.font.size >= LARGE_TEXT_PX
        fig.for_each_xaxis(lambda a: _at_least(a.tickfont.size))
        fig.for_each_yaxis(lambda a: _at_least(a.tickfont.size))
        for note in lay.annotations:
            _at_least(note.font.size)


def _at_least(size) -> None:
    assert size is not None and size >= LARGE_TEXT_PX


def test_without_ghost_hides_the_optimum_lines_and_shares_the_frames(run) -> None:
    """The ghost-off playback is the ghost-on one with the optimum's neurons hidden: the same traces
    otherwise (so the frames' trace indices hold), the same frames, the original left as it was; drawn,
    it shows what a figure built without the ghost shows (every visible trace equal)."""
    ds, res, nums = run
    shown = playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD", ghost=res.network, optimum=0.01)
    before = shown.to_json()
    hidden = without_ghost(shown)
    assert shown.to_json() == before  # the cached figure is not touched
    on, off = json.loads(before), json.loads(hidden.to_json())
    assert off["frames"] == on["frames"] and off["layout"] == on["layout"]
    assert [t.get("name") for t in off["data"]] == [t.get("name") for t in on["data"]]
    ghost = [t for t in off["data"] if t.get("name") == GHOST_NAME]
    assert len(ghost) == 1 and ghost[0]["visible"] is False
    built = json.loads(
        playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD", ghost=None, optimum=0.01).to_json()
    )
    visible = [t for t in off["data"] if t.get("visible", True) is not False]
    assert visible == built["data"]


def test_the_j_strip_has_its_step_range_set_with_room_for_its_labels(run) -> None:
    """The strip's step axis (log) has a fixed range (Plotly would widen an automatic one for the J
    axis's inside tick labels after a first draw, and draw the whole figure again): every step inside,
    more room on the left (the labels) than on the right."""
    ds, res, nums = run
    fig = playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD", optimum=0.01)
    lo, hi = fig.to_plotly_json()["layout"]["xaxis2"]["range"]
    steps = np.log10(np.maximum(res.snapshots.step, 1))
    assert lo < steps.min() and steps.max() < hi
    assert steps.min() - lo > hi - steps.max() > 0


def test_the_large_text_patch_places_the_playback_as_built_large(run) -> None:
    """The playback is built once, at the normal text size: the large-text patch (its own part under
    layout.meta) makes it the figure built for the projector size, its numbers and buttons at that size
    with the room they take (taller, the plane's size kept), so switching text sizes builds nothing."""
    ds, res, nums = run
    normal = playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD", optimum=0.01)
    built = playback_figure(res.snapshots, nums, ds.X, ds.y, title="SGD", optimum=0.01, text_px=LARGE_TEXT_PX)
    height = normal.layout.height
    patched = json.loads(large_text(normal).to_json())  # (in place)
    assert patched["layout"].pop("meta") and "meta" not in built.to_plotly_json()["layout"]
    assert patched == json.loads(large_text(built).to_json())
    assert patched["layout"]["height"] > height
    assert patched["layout"]["annotations"][0]["font"]["size"] == LARGE_TEXT_PX
