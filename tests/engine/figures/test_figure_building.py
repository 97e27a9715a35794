"""Figures built without Plotly's per-object validation (engine/figures/style.py) write the same JSON as
plain Plotly figures: PlainFramesFigure (animation frames kept as JSON) against a go.Figure with the
same frames, ``subplots`` against ``make_subplots``."""

from __future__ import annotations

import base64
import copy
import json
import pickle

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.subplots import make_subplots

from engine.figures.style import PlainFramesFigure, subplots, typed_array


def _frames() -> list[dict]:
    return [
        dict(
            name=str(k),
            data=[dict(type="scatter", x=typed_array(np.arange(3, dtype=np.float32) * k), y=[0.0, 1.0, 2.0])],
            traces=[0],
            layout=dict(annotations=[dict(text=f"frame {k}")]),
        )
        for k in range(3)
    ]


def test_plain_frames_figure_writes_the_frames_of_a_plain_figure() -> None:
    data = [dict(type="scatter", x=np.arange(3.0), y=np.ones(3), mode="lines")]
    layout = dict(title=dict(text="t"), sliders=[dict(steps=[dict(label="0")])])
    ours = PlainFramesFigure(data=data, layout=layout, frames=_frames())
    plain = go.Figure(dict(data=data, layout=layout, frames=_frames()))
    want = json.loads(pio.to_json(plain, validate=False))
    assert json.loads(pio.to_json(ours, validate=False)) == want
    # its own to_json splices the stored frames' text in: the same JSON value, pretty or not
    assert json.loads(ours.to_json(validate=False)) == want == json.loads(ours.to_json(pretty=True))
    assert json.loads(ours.to_json(validate=False, remove_uids=False)) == want
    assert isinstance(ours, go.Figure) and [f.name for f in ours.frames] == ["0", "1", "2"]
    # typed arrays: what plotly.js reads, the values of the array
    assert np.array_equal(
        np.frombuffer(base64.b64decode(want["frames"][2]["data"][0]["x"]["bdata"]), np.float32),
        [0, 2, 4],
    )
    # copies and pickles keep the frames; setting frames replaces them
    for copied in (copy.deepcopy(ours), pickle.loads(pickle.dumps(ours))):
        assert json.loads(pio.to_json(copied, validate=False)) == want
    ours.frames = _frames()[:1]
    assert len(ours.to_dict()["frames"]) == 1 and len(ours["frames"]) == 1
    with pytest.raises(ValueError):
        ours.update(frames=_frames()[:2])  # not merged silently
    assert ours.update(layout=dict(height=300)).layout.height == 300
    ours.layout.title.text = "u"  # the data and layout stay a plain figure's
    assert ours.to_dict()["layout"]["title"]["text"] == "u"


def test_subplots_copy_the_grid_of_make_subplots() -> None:
    options = dict(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, subplot_titles=["a", "b"])
    figs = [subplots(**options), make_subplots(**options)]
    for fig in figs:
        fig.add_trace(go.Scatter(x=[1, 2], y=[3, 4], name="s"), row=2, col=1)
        fig.update_yaxes(type="log", row=2, col=1, title_text="J")
        fig.update_layout(title_text="t")
    ours, plain = (json.loads(pio.to_json(f, validate=False)) for f in figs)
    assert ours == plain and ours["data"][0]["yaxis"] == "y2"
    # each call is a new figure: what one changed is not in the next
    assert json.loads(pio.to_json(subplots(**options), validate=False)) == json.loads(
        pio.to_json(make_subplots(**options), validate=False)
    )
