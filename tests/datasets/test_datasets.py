"""Tests of the datasets package: generators, make_dataset, the split and the CSV loader."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import datasets as ds
from datasets import DataError, Dataset, load_csv, make_dataset, to_csv, train_test_split

CLASSIFICATION = ds.CLASSIFICATION_DATASETS
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


GOOD_ROWS = ("0.5,1.0,1", "-0.5,2.0,-1", "1.5,-1.0,1", "2.0,0.0,-1")


# --- names, tasks, parameters --------------------------------------------------------------------------


def test_names_and_tasks() -> None:
    assert ds.DATASET_NAMES == (
        "moons",
        "circles",
        "spirals",
        "xor",
        "gaussians",
        "checkerboard",
        "teacher",
        "regression",
    )
    assert ds.REGRESSION_DATASETS == ("regression",)
    assert set(CLASSIFICATION) | {"regression"} == set(ds.DATASET_NAMES)
    assert all(ds.dataset_task(name) == "classification" for name in CLASSIFICATION)
    assert ds.dataset_task("regression") == "regression"
    assert ds.MAX_POINTS == 5000
    assert issubclass(DataError, ValueError)


def test_unknown_name_lists_choices() -> None:
    with pytest.raises(DataError, match="Unknown data set 'banana'; choose one of: moons, circles"):
        make_dataset("banana", 10)
    with pytest.raises(DataError, match="choose one of"):
        ds.dataset_task("banana")


@pytest.mark.parametrize("name", ds.DATASET_NAMES)
def test_default_params_are_accepted(name: str) -> None:
    d = make_dataset(name, 20, **ds.dataset_params(name))
    assert d.n == 20 and d.name == name and d.task == ds.dataset_task(name)


# --- generators ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ds.DATASET_NAMES)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    a = make_dataset(name, 50, 0.2, seed=3, n_test=10)
    b = make_dataset(name, 50, 0.2, seed=3, n_test=10)
    c = make_dataset(name, 50, 0.2, seed=4, n_test=10)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", ds.DATASET_NAMES)
def test_shapes_labels_and_box(name: str) -> None:
    d = make_dataset(name, 101, 0.3, seed=1, n_test=30)
    assert d.X.shape == (101, 2) and d.y.shape == (101,)
    assert d.X_test.shape == (30, 2) and d.y_test.shape == (30,)
    assert d.X.dtype == np.float64 and d.y.dtype == np.float64
    assert np.all(np.isfinite(d.X)) and np.all(np.isfinite(d.y))
    assert np.abs(np.vstack([d.X, d.X_test])).max() <= ds.FEATURE_BOUND
    if d.task == "classification":
        assert set(np.unique(d.y)) == {-1.0, 1.0} and set(np.unique(d.y_test)) == {-1.0, 1.0}
    else:
        assert len(np.unique(d.y)) > 2


@pytest.mark.parametrize("name", ds.DATASET_NAMES)
def test_noise_free_shapes_fill_the_box(name: str) -> None:
    d = make_dataset(name, 400, 0.0, seed=2)
    spread = np.abs(d.X).max()
    assert 1.0 < spread <= 4.5  # "a few units around the origin"


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_both_classes_at_small_n(name: str) -> None:
    for n in range(4, 21):
        for seed in range(3):
            y = make_dataset(name, n, 0.1, seed=seed).y
            assert set(np.unique(y)) == {-1.0, 1.0}, (name, n, seed)


@FAST
@given(
    name=st.sampled_from(CLASSIFICATION),
    n=st.integers(4, 80),
    noise=st.floats(0.0, 2.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_classification_property(name: str, n: int, noise: float, seed: int) -> None:
    d = make_dataset(name, n, noise, seed)
    assert d.X.shape == (n, 2)
    assert set(np.unique(d.y)) == {-1.0, 1.0}
    assert np.all(np.isfinite(d.X)) and np.abs(d.X).max() <= ds.FEATURE_BOUND


def test_huge_noise_is_clipped_to_the_box() -> None:
    X, _ = ds.make_moons(200, noise=50.0, seed=0)
    assert np.abs(X).max() == ds.FEATURE_BOUND


def test_generator_functions_match_make_dataset() -> None:
    X, y = ds.make_circles(30, 0.1, 5, factor=0.3)
    d = make_dataset("circles", 30, 0.1, 5, factor=0.3)
    np.testing.assert_array_equal(X, d.X)
    np.testing.assert_array_equal(y, d.y)


def test_circles_radii_without_noise() -> None:
    X, y = ds.make_circles(40, 0.0, 0, factor=0.4)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y > 0], 1.0)
    np.testing.assert_allclose(r[y < 0], 2.5)


def test_checkerboard_labels_follow_parity() -> None:
    X, y = ds.make_checkerboard(300, 0.0, 0, cells=6)
    cell = np.floor((X + 3.0) / 1.0).astype(int)
    np.testing.assert_array_equal(y, np.where(cell.sum(axis=1) % 2 == 0, 1.0, -1.0))


def test_xor_labels_are_quadrant_signs_when_clusters_are_tight() -> None:
    X, y = ds.make_xor(100, 0.0, 0, a=2.0, std=0.01)
    np.testing.assert_array_equal(y, np.sign(X[:, 0] * X[:, 1]))


def test_teacher_labels_are_the_teacher_sign() -> None:
    X, y = ds.make_teacher(200, 0.0, 9, width=5)
    W, alpha = ds.teacher_weights(9, 5)
    assert W.shape == (5, 3) and alpha.shape == (5,)
    f = np.maximum(np.column_stack([X, np.ones(len(X))]) @ W.T, 0.0) @ alpha
    np.testing.assert_array_equal(y, np.where(f >= 0.0, 1.0, -1.0))


def test_regression_targets_and_noise_std() -> None:
    X, y = ds.make_regression(50, 0.0, 0)
    np.testing.assert_allclose(y, np.sin(X[:, 0]) + 0.5 * X[:, 1])
    X, y = ds.make_regression(4000, 0.3, 1)
    assert abs(np.std(y - np.sin(X[:, 0]) - 0.5 * X[:, 1]) - 0.3) < 0.02
    assert np.abs(X).max() <= 3.0  # regression noise is on the targets only
    _, t = ds.make_regression(4000, 0.0, 1, target="teacher", width=3)
    assert abs(t.mean()) < 0.2 and 0.7 < t.std() < 1.3


# --- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 3}, "at least 4"),
        ({"n": 5001}, "at most 5000"),
        ({"n": 10.5}, "whole number"),
        ({"n": 4000, "n_test": 1001}, "more than the limit of 5000"),
        ({"noise": -0.1}, "noise level must be at least 0"),
        ({"noise": math.nan}, "finite"),
        ({"noise": math.inf}, "finite"),
        ({"seed": -1}, "seed must be at least 0"),
        ({"n_test": -2}, "n_test must be at least 0"),
        ({"wobble": 1}, "Unknown parameter(s) wobble for the moons data set"),
        ({"flip": 0.7}, "flip fraction must be at most 0.5"),
    ],
)
def test_make_dataset_rejections(kwargs: dict, message: str) -> None:
    args = {"name": "moons", "n": 20} | kwargs
    with pytest.raises(DataError) as err:
        make_dataset(**args)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("circles", {"factor": 1.5}, "factor must be less than 1"),
        ("checkerboard", {"cells": 1}, "cells must be at least 2"),
        ("teacher", {"width": 0}, "width must be at least 1"),
        ("regression", {"target": "cosine"}, "target must be one of sine, teacher"),
        ("regression", {"flip": 0.1}, "Unknown parameter(s) flip"),
        ("xor", {"a": "big"}, "must be a number"),
    ],
)
def test_bad_generator_params(name: str, params: dict, message: str) -> None:
    with pytest.raises(DataError) as err:
        make_dataset(name, 20, **params)
    assert message in str(err.value)


# --- label flips ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "flip"), [(4, 0.5), (10, 0.25), (37, 0.1), (200, 0.05), (50, 0.0)])
def test_xor_flip_count_and_mask(n: int, flip: float) -> None:
    clean = make_dataset("xor", n, 0.1, seed=11, n_test=8)
    d = make_dataset("xor", n, 0.1, seed=11, n_test=8, flip=flip)
    k = round(flip * n)
    if flip == 0.0:
        assert d.flipped is None
    else:
        assert d.flipped.dtype == bool and d.flipped.shape == (n,)
        assert int(d.flipped.sum()) == k
        assert f"{k} of {n} training labels flipped" in d.notes
        np.testing.assert_array_equal(d.y, np.where(d.flipped, -clean.y, clean.y))
    assert set(np.unique(d.y)) == {-1.0, 1.0}
    np.testing.assert_array_equal(d.X, clean.X)
    np.testing.assert_array_equal(d.y_test, clean.y_test)  # test labels are never flipped


def test_make_xor_return_flipped() -> None:
    X, y, mask = ds.make_xor(40, 0.1, 3, flip=0.2, return_flipped=True)
    _, y_clean = ds.make_xor(40, 0.1, 3)
    assert mask.sum() == 8
    np.testing.assert_array_equal(y, np.where(mask, -y_clean, y_clean))


def test_flip_works_for_every_classification_dataset() -> None:
    for name in CLASSIFICATION:
        assert make_dataset(name, 30, flip=0.1).flipped.sum() == 3


# --- split ---------------------------------------------------------------------------------------------


def test_split_is_stratified_and_deterministic() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = np.where(np.arange(100) < 80, 1.0, -1.0)
    a = train_test_split(X, y, 0.25, seed=1)
    b = train_test_split(X, y, 0.25, seed=1)
    c = train_test_split(X, y, 0.25, seed=2)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[2], c[2])
    X_tr, y_tr, X_te, y_te = a
    assert len(y_te) == 25 and len(y_tr) == 75
    assert (y_te == 1).sum() == 20 and (y_te == -1).sum() == 5
    together = np.vstack([X_tr, X_te])
    assert sorted(map(tuple, together)) == sorted(map(tuple, X))


@pytest.mark.parametrize(("n", "n_test"), [(4, 1), (4, 2), (5, 3), (6, 4), (7, 5), (20, 2), (20, 18)])
def test_split_keeps_both_classes_when_possible(n: int, n_test: int) -> None:
    y = np.where(np.arange(n) % 5 == 0, -1.0, 1.0)  # minority class: 1 point for n <= 5, then 2, 4
    for seed in range(5):
        _, y_tr, _, y_te = train_test_split(np.zeros((n, 2)), y, seed=seed, n_test=n_test)
        assert len(y_te) == n_test
        assert set(y_tr) == {-1.0, 1.0}  # a lone minority point stays in training
        if (y == -1).sum() >= 2 and n_test >= 2 and n - n_test >= 2:
            assert set(y_te) == {-1.0, 1.0}


@FAST
@given(
    labels=st.lists(st.sampled_from([-1.0, 1.0]), min_size=4, max_size=60),
    data=st.data(),
)
def test_split_property(labels: list[float], data: st.DataObject) -> None:
    y = np.array(labels)
    n = y.size
    n_test = data.draw(st.integers(1, n - 1))
    X = np.column_stack([np.arange(n, dtype=float), y])
    X_tr, y_tr, X_te, y_te = train_test_split(X, y, seed=data.draw(st.integers(0, 10)), n_test=n_test)
    assert len(y_te) == n_test and len(y_tr) == n - n_test
    assert sorted(np.concatenate([X_tr[:, 0], X_te[:, 0]])) == list(range(n))
    np.testing.assert_array_equal(np.concatenate([X_tr[:, 1], X_te[:, 1]]), np.concatenate([y_tr, y_te]))
    smallest = min((y == 1).sum(), (y == -1).sum())
    if smallest >= 2 and 2 <= n_test <= n - 2:
        assert set(y_tr) == set(y_te) == {-1.0, 1.0}
    if smallest >= 1 and n_test <= n - 2:
        assert set(y_tr) == set(y)


def test_split_regression_and_default_fraction() -> None:
    X = np.arange(40.0).reshape(20, 2)
    y = np.linspace(0, 1, 20)
    X_tr, y_tr, X_te, y_te = train_test_split(X, y)
    assert len(y_te) == 5 and len(y_tr) == 15
    np.testing.assert_array_equal(X_tr[:, 0] / 2, np.round(y_tr * 19))  # rows stay paired, order kept
    assert np.all(np.diff(X_tr[:, 0]) > 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test_fraction": 0.0}, "greater than 0"),
        ({"test_fraction": 1.0}, "less than 1"),
        ({"test_fraction": math.nan}, "finite"),
        ({"n_test": 10}, "at most 9"),
        ({"test_fraction": 0.2, "n_test": 2}, "not both"),
    ],
)
def test_split_rejections(kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        train_test_split(np.zeros((10, 2)), np.ones(10), **kwargs)


# --- CSV: accepted files -------------------------------------------------------------------------------


def test_zero_one_labels_map_to_plus_minus_one() -> None:
    d = load_csv(csv_bytes("x1,x2,y", "0,0,0", "1,0,1", "0,1,1", "1,1,0"))
    assert d.task == "classification"
    np.testing.assert_array_equal(d.y, [-1.0, 1.0, 1.0, -1.0])
    assert "0/1 mapped" in d.notes


def test_plus_minus_one_labels_kept_and_real_labels_are_regression() -> None:
    d = load_csv(csv_bytes("x1,x2,y", *GOOD_ROWS))
    np.testing.assert_array_equal(d.y, [1.0, -1.0, 1.0, -1.0])
    r = load_csv(csv_bytes("x1,x2,y", "0,0,0.5", "1,0,1.5", "0,1,-2", "1,1,3"))
    assert r.task == "regression"
    np.testing.assert_array_equal(r.y, [0.5, 1.5, -2.0, 3.0])


def test_task_regression_keeps_zero_one_values() -> None:
    d = load_csv(csv_bytes("x1,x2,y", "0,0,0", "1,0,1", "0,1,1", "1,1,0"), task="regression")
    assert d.task == "regression"
    np.testing.assert_array_equal(d.y, [0.0, 1.0, 1.0, 0.0])


def test_header_whitespace_case_and_column_order() -> None:
    text = " y , X2,x1 \r\n1, 2.0, 0.5\r\n-1,3,1\r\n\r\n1,4,2\r\n-1,5,3\r\n"
    d = load_csv(("\ufeff" + text).encode())
    np.testing.assert_array_equal(d.X, [[0.5, 2.0], [1.0, 3.0], [2.0, 4.0], [3.0, 5.0]])
    np.testing.assert_array_equal(d.y, [1.0, -1.0, 1.0, -1.0])


def test_duplicates_are_kept_and_counted() -> None:
    d = load_csv(csv_bytes("x1,x2,y", "0,0,1", "0,0,1", "1,1,-1", "0,0,-1", "2,2,1"))
    assert d.n == 5
    assert "2 duplicate points" in d.notes
    assert "1 of them with a label different" in d.notes
    clean = load_csv(csv_bytes("x1,x2,y", *GOOD_ROWS))
    assert "duplicate" not in clean.notes


def test_far_away_features_get_a_note() -> None:
    d = load_csv(csv_bytes("x1,x2,y", "0,0,1", "100,0,-1", "0,1,1", "1,1,-1"))
    assert "outside the usual box" in d.notes


@pytest.mark.parametrize("name", ds.DATASET_NAMES)
def test_round_trip(name: str) -> None:
    d = make_dataset(name, 60, 0.2, seed=5)
    back = load_csv(to_csv(d))
    assert back.task == d.task
    np.testing.assert_array_equal(back.X, d.X)
    np.testing.assert_array_equal(back.y, d.y)


def test_sources_bytes_filelike_path(tmp_path: Path) -> None:
    d = make_dataset("moons", 30, seed=1)
    text = to_csv(d)
    path = tmp_path / "my_moons.csv"
    path.write_text(text)
    sources = [
        text.encode(),
        bytearray(text.encode()),
        io.BytesIO(text.encode()),
        io.StringIO(text),
        path,
        str(path),
    ]
    for source in sources:
        back = load_csv(source)
        np.testing.assert_array_equal(back.X, d.X)
    with open(path, "rb") as handle:
        assert load_csv(handle).name == "my_moons"
    assert load_csv(path).name == "my_moons"
    upload = io.BytesIO(text.encode())
    upload.name = "upload.csv"
    upload.read()  # a rerun may already have consumed it: getvalue() still sees everything
    assert load_csv(upload).n == 30


def test_bundled_samples_load() -> None:
    names = ds.sample_names()
    assert {"moons_small", "sine_regression"} <= set(names)
    moons = ds.load_sample("moons_small")
    assert moons.task == "classification" and 40 <= moons.n <= 100
    assert set(np.unique(moons.y)) == {-1.0, 1.0}
    sine = ds.load_sample("sine_regression")
    assert sine.task == "regression" and 40 <= sine.n <= 100
    with pytest.raises(DataError, match="Unknown sample"):
        ds.load_sample("nope")


# --- CSV: rejections, one message each -----------------------------------------------------------------


def rejected(source: object, **kwargs: object) -> str:
    with pytest.raises(DataError) as err:
        load_csv(source, **kwargs)
    message = str(err.value)
    assert message.endswith(".") and "\n" not in message
    return message


def test_reject_empty_file() -> None:
    assert "The file is empty" in rejected(b"")
    assert "The file is empty" in rejected(b"  \n\n ")


def test_reject_binary_content() -> None:
    assert "contains binary data" in rejected(b"\x89PNG\r\n\x1a\n\x00\x00\x00")


def test_reject_bad_encoding() -> None:
    assert "not encoded as UTF-8" in rejected(b"x1,x2,y\n\xff\xfe,1,1\n")


def test_reject_not_csv() -> None:
    assert "does not look like comma-separated values" in rejected(b"hello world\nsecond line\n")
    assert "does not look like comma-separated values" in rejected(csv_bytes("x1;x2;y", "1;2;1"))


def test_reject_header_of_numbers() -> None:
    assert "must be the header" in rejected(csv_bytes(*GOOD_ROWS))


def test_reject_missing_column() -> None:
    assert "Missing column(s) x2;" in rejected(csv_bytes("x1,y", "1,1", "2,-1", "3,1", "4,-1"))


def test_reject_extra_column() -> None:
    msg = rejected(csv_bytes("x1,x2,y,weight", *(r + ",1" for r in GOOD_ROWS)))
    assert "Unexpected extra column(s) weight;" in msg


def test_reject_missing_and_extra_columns() -> None:
    msg = rejected(csv_bytes("a,b,y", *GOOD_ROWS))
    assert "Missing column(s) x1, x2 and unexpected column(s) a, b" in msg


def test_reject_repeated_column() -> None:
    assert "'x1' appears more than once" in rejected(csv_bytes("x1,x1,y", *GOOD_ROWS))


def test_reject_unnamed_column() -> None:
    msg = rejected(csv_bytes("x1,x2,y,", *(r + "," for r in GOOD_ROWS)))
    assert "Column 4 of the header has no name" in msg


def test_reject_non_numeric_cell() -> None:
    rows = list(GOOD_ROWS)
    rows[1] = "-0.5,abc,-1"
    assert "Line 3, column x2: 'abc' is not a number" in rejected(csv_bytes("x1,x2,y", *rows))


def test_reject_empty_cell() -> None:
    rows = list(GOOD_ROWS)
    rows[2] = "1.5,-1.0, "
    assert "Line 4, column y: the cell is empty" in rejected(csv_bytes("x1,x2,y", *rows))


def test_reject_nan_cell() -> None:
    rows = list(GOOD_ROWS)
    rows[0] = "NaN,1.0,1"
    assert "Line 2, column x1: the value is NaN" in rejected(csv_bytes("x1,x2,y", *rows))


@pytest.mark.parametrize("cell", ["inf", "-Infinity", "1e999"])
def test_reject_infinite_cell(cell: str) -> None:
    rows = list(GOOD_ROWS)
    rows[3] = f"2.0,{cell},-1"
    assert "Line 5, column x2: the value" in rejected(csv_bytes("x1,x2,y", *rows))
    assert "is infinite" in rejected(csv_bytes("x1,x2,y", *rows))


def test_reject_huge_value() -> None:
    rows = list(GOOD_ROWS)
    rows[0] = "1e300,1.0,1"
    assert "Line 2, column x1: the value 1e300 is too large" in rejected(csv_bytes("x1,x2,y", *rows))


def test_reject_wrong_number_of_values() -> None:
    rows = list(GOOD_ROWS)
    rows[1] = "1,2"
    assert "Line 3 has 2 values, but the header has 3 columns" in rejected(csv_bytes("x1,x2,y", *rows))


def test_reject_bad_quoting() -> None:
    assert "not valid CSV" in rejected(b'x1,x2,y\n"1,2,1\n')


def test_reject_too_few_rows() -> None:
    assert "only 3 data rows; at least 4" in rejected(csv_bytes("x1,x2,y", *GOOD_ROWS[:3]))
    assert "only 0 data rows" in rejected(csv_bytes("x1,x2,y"))


def test_reject_one_class() -> None:
    msg = rejected(csv_bytes("x1,x2,y", "0,0,1", "1,0,1", "0,1,1", "1,1,1"))
    assert "All 4 labels are 1; a classification data set needs both classes" in msg


def test_reject_too_many_rows() -> None:
    assert "more than 10 data rows" in rejected(csv_bytes("x1,x2,y", *(GOOD_ROWS * 3)), max_rows=10)
    big = csv_bytes("x1,x2,y", *(f"{i},0,{1 - 2 * (i % 2)}" for i in range(ds.MAX_POINTS + 1)))
    assert "the limit is 5000 rows" in rejected(big)
    assert load_csv(big.rsplit(b"\n", 2)[0] + b"\n").n == ds.MAX_POINTS


def test_reject_two_odd_label_values() -> None:
    msg = rejected(csv_bytes("x1,x2,y", "0,0,1", "1,0,2", "0,1,1", "1,1,2"))
    assert "only the two values 1 and 2" in msg
    assert load_csv(csv_bytes("x1,x2,y", "0,0,1", "1,0,2", "0,1,1", "1,1,2"), task="regression").n == 4


def test_reject_real_labels_forced_to_classification() -> None:
    msg = rejected(csv_bytes("x1,x2,y", "0,0,0.3", "1,0,1", "0,1,2.5", "1,1,0"), task="classification")
    assert "Classification needs labels 0/1 or -1/+1, but column y also holds 0.3, 2.5" in msg


def test_reject_bad_arguments_and_sources(tmp_path: Path) -> None:
    assert "task must be" in rejected(csv_bytes("x1,x2,y", *GOOD_ROWS), task="multiclass")
    assert "does not exist" in rejected(tmp_path / "missing.csv")
    assert "is a folder" in rejected(tmp_path)
    assert "Cannot read CSV data from a int" in rejected(5)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.text(alphabet="x12y,.-e\n \tnaif0", max_size=200).map(str.encode),
    )
)
def test_loader_raises_only_data_error(data: bytes) -> None:
    try:
        d = load_csv(data)
    except DataError as err:
        assert str(err)
    else:
        assert isinstance(d, Dataset) and d.n >= 4 and np.all(np.isfinite(d.X))


def test_dataset_checks_shapes() -> None:
    with pytest.raises(DataError, match="n x 2"):
        Dataset(X=np.zeros((4, 3)), y=np.zeros(4), name="bad", task="regression")
    with pytest.raises(DataError, match="task must be"):
        Dataset(X=np.zeros((4, 2)), y=np.zeros(4), name="bad", task="ranking")


def test_a_megabyte_header_is_refused_at_once_with_a_short_message() -> None:
    """A 990 kB header line used to take minutes (a quadratic duplicate check) and echo every name."""
    import time

    from datasets import DataError, load_csv

    for header in ("x1,x2,y" + ",a" * 300_000, "x1,x2,y," + ",".join(f"c{i}" for i in range(100_000))):
        start = time.perf_counter()
        with pytest.raises(DataError) as err:
            load_csv(header + "\n1,2,1\n3,4,-1\n")
        assert time.perf_counter() - start < 5.0  # linear: well under a second here
        assert len(str(err.value)) <= 200
