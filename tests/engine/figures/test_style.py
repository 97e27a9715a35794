"""The shared drawing vocabulary (engine/figures/style.py) and the rule that figure modules share only
public names."""

from __future__ import annotations

import ast

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine.figures import style
from tests.paths import ROOT

FIGURES = ROOT / "engine" / "figures"


def _private_imports(path) -> list[str]:
    """``module.name`` for every private name a file imports from another module, or reads as an
    attribute of a module it imported (``import engine.figures.style as s; s._x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name.startswith("_") and alias.name != "__future__" and node.module != "__future__":
                    found.append(f"{node.module}.{alias.name}")
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{aliases[node.value.id]}.{node.attr}")
    return found


def test_figure_modules_import_no_private_names() -> None:
    modules = sorted(FIGURES.glob("*.py"))
    assert len(modules) >= 8
    offenders = {p.name: names for p in modules if (names := _private_imports(p))}
    assert offenders == {}


def test_the_check_sees_private_imports(tmp_path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from engine.figures.style import _x\nimport engine.figures.style as s\ns._y\n")
    assert _private_imports(bad) == ["engine.figures.style._x", "engine.figures.style._y"]


def test_style_names_are_public() -> None:
    assert all(not name.startswith("_") for name in style.__all__)
    assert all(hasattr(style, name) for name in style.__all__)


def test_plot_bounds_square() -> None:
    xmin, xmax, ymin, ymax = style.plot_bounds(np.array([[0.0, 0.0], [4.0, 1.0]]))
    assert np.isclose(xmax - xmin, ymax - ymin)
    assert xmin < 0 < 4 < xmax and ymin < 0 and ymax > 1
    assert style.plot_bounds(np.zeros((0, 2))) == (-1.0, 1.0, -1.0, 1.0)


def test_gap_floor_and_log_ticks() -> None:
    assert style.gap_floor(np.array([1e-3, -1.0, 0.0, np.nan])) == 1e-4  # a decade below the smallest
    assert style.gap_floor(np.array([-1.0, 0.0])) == 1e-12
    assert style.log_ticks(np.array([1e-4, 1.0])) == {"dtick": 1}
    assert style.log_ticks(np.array([0.5, 1.0])) == {"nticks": style.MAX_LOG_LABELS}
    one_two = style.log_ticks(np.array([0.003, 0.12]))  # 1.6 decades: 1, 2, 5 of each, at full size
    assert one_two["tickvals"] == pytest.approx([0.002, 0.005, 0.01, 0.02, 0.05, 0.1])
    assert one_two["ticktext"] == ["0.002", "0.005", "0.01", "0.02", "0.05", "0.1"]
    for low in (1e-6, 1e-9, 1e-12, 1e-16):  # never more than about six labelled decades
        dtick = style.log_ticks(np.array([low, 1.0]))["dtick"]
        assert (-np.log10(low) + 1) / dtick <= style.MAX_LOG_LABELS + 1e-9


def test_segment_in_box_and_nan_join() -> None:
    box = (-1.0, 1.0, -1.0, 1.0)
    p, q = style.segment_in_box(np.array([1.0, 0.0, 0.0]), box)  # the line x = 0
    assert {tuple(p), tuple(q)} == {(0.0, -1.0), (0.0, 1.0)}
    assert style.segment_in_box(np.array([1.0, 0.0, -5.0]), box) is None  # x = 5 misses the box
    joined = style.nan_join([np.zeros((2, 2)), np.ones((3, 2))])
    assert joined.shape == (7, 2) and np.isnan(joined[[2, 6]]).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(*[st.floats(-3.0, 3.0, allow_nan=False)] * 3), min_size=1, max_size=40),
    st.sampled_from([(-1.0, 1.0, -1.0, 1.0), (-2.0, 3.0, -1.5, 2.5)]),
)
# found by hypothesis (it once failed CI-style runs): the line y = 0 written with a tiny coefficient was
# dropped by an absolute threshold; the rows are normalised first now
@example(rows=[(0.0, 8.81919402525525e-177, 0.0)], box=(-1.0, 1.0, -1.0, 1.0))
@example(rows=[(5e-324, 0.0, 3.0), (0.0, 0.0, 1.0)], box=(-1.0, 1.0, -1.0, 1.0))
def test_segments_in_box_clips_every_line_as_one_at_a_time(rows, box) -> None:
    """All lines at once, against each line alone (segment_in_box) and against geometry: a kept line's
    ends lie on it and on the box's edges, as far apart as the box lets them; a line misses the box only
    when no two box corners lie strictly on opposite sides of it."""
    W = np.array(rows, dtype=float)
    ends, keep = style.segments_in_box(W, box)
    assert ends.shape == (int(keep.sum()), 2, 2)
    xmin, xmax, ymin, ymax = box
    corners = np.array([[xmin, ymin], [xmin, ymax], [xmax, ymin], [xmax, ymax]])
    for w, (p, q) in zip(W[keep], ends, strict=True):
        scale = np.abs(w).sum() * (1.0 + np.abs(corners).max())
        for e in (p, q):
            assert abs(w[0] * e[0] + w[1] * e[1] + w[2]) <= 1e-9 * scale  # on the line
            on_edge = min(abs(e[0] - xmin), abs(e[0] - xmax), abs(e[1] - ymin), abs(e[1] - ymax))
            assert (
                on_edge <= 1e-8 and xmin - 1e-8 <= e[0] <= xmax + 1e-8 and ymin - 1e-8 <= e[1] <= ymax + 1e-8
            )
        assert np.linalg.norm(p - q) >= 1e-12
    for w, kept in zip(W, keep, strict=True):
        one = style.segment_in_box(w, box)
        assert (one is not None) == kept
        side = corners @ w[:2] + w[2]
        if np.min(side) < -1e-6 * np.abs(w).sum() and np.max(side) > 1e-6 * np.abs(w).sum():
            assert kept  # the line separates two corners: it crosses the box
    kept_ends = [style.segment_in_box(w, box) for w in W[keep]]
    assert all(
        np.array_equal(a, e[0]) and np.array_equal(b, e[1]) for (a, b), e in zip(kept_ends, ends, strict=True)
    )


def test_gap_series_draws_gaps_at_or_below_zero_at_the_floor() -> None:
    fig = go.Figure()
    gap = np.array([1e-2, 0.0, -1e-9, np.nan])
    style.add_gap_series(
        fig, np.arange(4.0), gap, 1e-3, name="g", colour="#000", row=None, col=None, showlegend=True
    )
    line, below = fig.data
    assert np.isnan(line.y[1:]).all() and line.y[0] == 1e-2
    assert list(below.y) == [1e-3, 1e-3] and list(below.customdata) == [0.0, -1e-9]
