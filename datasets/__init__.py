"""Toy 2-D data sets for the explorer: generators, a stratified split, CSV loading and bundled samples.

Everything is deterministic from a seed; every rejection is a :class:`DataError` (a ``ValueError``) whose
message is one sentence for the user. Features are ``n x 2`` in data units, labels ``-1.0``/``+1.0``
(classification) or real (regression), following docs/design.md §2.
"""

from datasets.base import FEATURE_BOUND, MAX_POINTS, MIN_POINTS, DataError, Dataset
from datasets.csv_io import load_csv, load_sample, sample_names, to_csv
from datasets.generators import (
    make_checkerboard,
    make_circles,
    make_gaussians,
    make_moons,
    make_regression,
    make_spirals,
    make_teacher,
    make_xor,
    teacher_weights,
)
from datasets.registry import (
    CLASSIFICATION_DATASETS,
    DATASET_NAMES,
    REGRESSION_DATASETS,
    dataset_params,
    dataset_task,
    make_dataset,
)
from datasets.split import train_test_split

__all__ = [
    "CLASSIFICATION_DATASETS",
    "DATASET_NAMES",
    "FEATURE_BOUND",
    "MAX_POINTS",
    "MIN_POINTS",
    "REGRESSION_DATASETS",
    "DataError",
    "Dataset",
    "dataset_params",
    "dataset_task",
    "load_csv",
    "load_sample",
    "make_checkerboard",
    "make_circles",
    "make_dataset",
    "make_gaussians",
    "make_moons",
    "make_regression",
    "make_spirals",
    "make_teacher",
    "make_xor",
    "sample_names",
    "teacher_weights",
    "to_csv",
    "train_test_split",
]
