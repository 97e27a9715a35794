"""The user's own data: the Data page (clicks, undo, clear, CSV upload, table edits), the custom data set
on the other pages, the bad-CSV corpus (tests/corpus/csv) and ``datasets.points``."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from datasets import DataError, load_csv, make_dataset, to_csv
from datasets.points import as_points, dataset_from_points, points_from_dataset, points_task
from explorer import own_data as own
from explorer.settings import CUSTOM
from tests.app.helpers import figures, texts, widget
from tests.paths import CORPUS

TIMEOUT = 120
DATA_PAGE = "pages/data.py"
CORPUS_CSV = CORPUS / "csv"
POINTS = "_own_points"

# bad file -> a fragment of its specific message
BAD_CSV = {
    "binary_junk.csv": "binary data",
    "empty.csv": "The file is empty",
    "empty_cell.csv": "Line 3, column x2: the cell is empty",
    "header_only.csv": "only 0 data rows",
    "huge_value.csv": "Line 3, column x1: the value 1e300 is too large",
    "infinite_value.csv": "Line 3, column x2: the value 'inf' is infinite",
    "latin1.csv": "not encoded as UTF-8",
    "malformed_quote.csv": "not valid CSV",
    "nan_value.csv": "Line 3, column x2: the value is NaN",
    "non_numeric.csv": "Line 3, column x2: 'one' is not a number",
    "one_class.csv": "needs both classes",
    "semicolons.csv": "no commas",
    "too_few_rows.csv": "only 2 data rows",
    "too_many_rows.csv": "more than 5000 data rows",
    "two_odd_labels.csv": "only the two values 2 and 3",
    "wrong_column_count.csv": "Line 3 has 4 values, but the header has 3 columns",
    "wrong_header.csv": "Missing column(s) x1, x2, y and unexpected column(s) a, b, c",
}


def _good_csv(n: int = 12) -> bytes:
    return to_csv(make_dataset("xor", n, noise=0.1, seed=1)).encode()


def _data_page(app_path: str) -> AppTest:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    at.query_params["epochs"] = "20"
    at.switch_page(DATA_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _points(at: AppTest) -> tuple:
    return at.session_state[POINTS] if POINTS in at.session_state else ()


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, "text/csv"))
    return at.run()


@pytest.fixture(scope="module")
def page(app_path: str) -> AppTest:
    """The Data page holding a good upload (12 xor points), reused by the bad-file runs."""
    at = _data_page(app_path)
    _upload(at, "good.csv", _good_csv())
    assert len(_points(at)) == 12
    return at


def test_corpus_has_at_least_ten_bad_files() -> None:
    assert len(BAD_CSV) >= 10
    assert {p.name for p in CORPUS_CSV.glob("*.csv")} == set(BAD_CSV)


@pytest.mark.parametrize("name", sorted(BAD_CSV))
def test_bad_csv_gives_its_message(name: str) -> None:
    with pytest.raises(DataError, match=None) as info:
        load_csv(CORPUS_CSV / name)
    assert BAD_CSV[name] in str(info.value)


@pytest.mark.parametrize("name", sorted(BAD_CSV))
def test_bad_upload_shows_the_message_and_keeps_the_points(page: AppTest, name: str) -> None:
    before = _points(page)
    _upload(page, name, (CORPUS_CSV / name).read_bytes())
    assert not page.exception, [e.value for e in page.exception]
    errors = texts(page.error)
    expected = BAD_CSV[name].replace("5000", str(own.MAX_OWN_POINTS))  # the page's own row limit
    assert expected in errors and "previous points are kept" in errors
    assert _points(page) == before


def test_oversized_upload_is_refused(page: AppTest) -> None:
    before = _points(page)
    _upload(page, "big.csv", b"x1,x2,y\n" + b"0.1234567,0.1234567,1\n" * 60_000)
    assert "the limit is 1 MB" in texts(page.error)
    assert _points(page) == before


def test_uploaded_csv_round_trips_into_the_pages(app_path: str) -> None:
    at = _data_page(app_path)
    _upload(at, "mine.csv", _good_csv(16))
    assert "Loaded 16 points" in texts(at.success)
    ds = dataset_from_points(_points(at))
    original = load_csv(_good_csv(16))
    np.testing.assert_array_equal(ds.X, original.X)
    np.testing.assert_array_equal(ds.y, original.y)
    _button(at, "Use my points").click().run()
    assert widget(at, "data").value == CUSTOM
    assert widget(at, "n").disabled and widget(at, "noise").disabled and widget(at, "dseed").disabled
    assert "cannot travel in a link" in texts(at.sidebar.warning)
    at.switch_page("pages/playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, texts(at.error)
    assert len(figures(at)) == 5
    assert "Your own 16 points" in texts(at.sidebar.caption)
    assert at.table[0].value.loc["train accuracy"].iloc[0] != "—"


def test_clicks_undo_and_clear(app_path: str) -> None:
    at = _data_page(app_path)
    assert _button(at, "Undo").disabled and _button(at, "Clear").disabled
    for xy in ((0.5, 0.5), (-1.0, 0.2)):
        at.session_state[own.PENDING_CLICK] = xy  # what a click on the chart's grid delivers
        at.run()
    at.radio(key="click").set_value("minus").run()
    at.session_state[own.PENDING_CLICK] = (1.0, -1.0)
    at.run()
    assert _points(at) == ((0.5, 0.5, 1.0), (-1.0, 0.2, 1.0), (1.0, -1.0, -1.0))
    at.radio(key="click").set_value("remove").run()
    at.session_state[own.PENDING_CLICK] = (-0.95, 0.2)  # near the second point
    at.run()
    assert _points(at) == ((0.5, 0.5, 1.0), (1.0, -1.0, -1.0))
    _button(at, "Undo").click().run()
    assert len(_points(at)) == 3
    _button(at, "Clear").click().run()
    assert _points(at) == ()
    _button(at, "Undo").click().run()
    assert len(_points(at)) == 3
    assert not at.exception


def test_clicked_targets_make_a_regression_set(app_path: str) -> None:
    at = _data_page(app_path)
    at.radio(key="click").set_value("target").run()
    for i, xy in enumerate(((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.5, 0.5))):
        at.number_input(key="_own_target").set_value(0.1 * i)
        at.session_state[own.PENDING_CLICK] = xy
        at.run()
    assert [p[2] for p in _points(at)] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    _button(at, "Use my points").click().run()
    assert widget(at, "loss").disabled and widget(at, "loss").value == "squared"
    at.switch_page("pages/playground.py").run()
    assert not at.exception and not at.error, texts(at.error)
    assert "train RMSE" in at.table[0].value.index


def test_one_class_data_gives_a_clear_message_on_the_playground(app_path: str) -> None:
    at = _data_page(app_path)
    for xy in ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)):
        at.session_state[own.PENDING_CLICK] = xy
        at.run()
    assert "needs both classes" in texts(at.warning)
    assert _button(at, "Use my points").disabled
    widget(at, "data").set_value(CUSTOM).run()
    at.switch_page("pages/playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "All 4 labels are 1; a classification data set needs both classes" in texts(at.error)


def test_table_edits_apply_or_are_refused(app_path: str) -> None:
    at = _data_page(app_path)
    # a copy of the sidebar's moons set (30 points)
    next(b for b in at.button if b.key == "_own_generated").click().run()
    assert len(_points(at)) == 30
    first = _points(at)[0]
    editor = at.data_editor[0].key
    at.session_state[editor] = {"edited_rows": {0: {"x1": 2.5}}, "added_rows": [], "deleted_rows": [1]}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    points = _points(at)
    assert len(points) == 29 and points[0] == (2.5, first[1], first[2])
    editor = at.data_editor[0].key  # a valid edit starts a fresh table
    at.session_state[editor] = {"edited_rows": {}, "added_rows": [{"x1": 1.0, "x2": 2.0}], "deleted_rows": []}
    at.run()
    assert "Table not applied: Point 30, y: the cell is empty." in texts(at.error)
    assert _points(at) == points


def test_click_from_event() -> None:
    event = {"selection": {"points": [{"curve_number": 0, "point_index": 5, "x": 0.25, "y": -1.5}]}}
    assert own.click_from_event(event) == (0.25, -1.5)
    assert own.click_from_event({"selection": {"points": []}}) is None
    assert own.click_from_event(None) is None


def test_points_validation() -> None:
    with pytest.raises(DataError, match="at least 4"):
        dataset_from_points(((0.0, 0.0, 1.0),))
    with pytest.raises(DataError, match="Point 2, x2: the value is missing"):
        as_points([(0, 0, 1), (1, float("nan"), -1)])
    with pytest.raises(DataError, match="Point 1, y: 'a' is not a number"):
        as_points([("0", "1", "a")])
    points = ((0.0, 0.0, 0.0), (1.0, 0.0, 1.0), (0.0, 1.0, 1.0), (0.0, 1.0, 0.0))
    ds = dataset_from_points(points)
    assert ds.task == "classification" and set(ds.y) == {-1.0, 1.0} and "duplicate" in ds.notes
    assert ds.X_test is None
    assert points_task(((0.0, 0.0, 0.3),)) == "regression" and points_task(()) == "classification"
    assert points_from_dataset(dataset_from_points(points_from_dataset(ds))) == points_from_dataset(ds)
