"""The scikit-learn estimators (engine/estimators.py): the estimator contract and real properties."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from datasets import make_dataset
from engine.convex.program import solve_convex
from engine.estimators import (
    DEFAULT_SAMPLED_PATTERNS,
    ConvexReLUClassifier,
    ConvexReLURegressor,
    SGDReLUClassifier,
    SGDReLURegressor,
)
from engine.results import TrainHistory

# Small budgets keep the ~50 checks per estimator quick: few sampled patterns, few epochs. The
# classifier takes the default solver route (auto: column generation for 2-D data, CVXPY otherwise);
# the regressor SCP (its CVXPY route spends most of a 200 x 10 fit on the sampled d > 2 certificate).
CHECKED = [
    ConvexReLUClassifier(loss="squared", patterns=6),
    ConvexReLURegressor(patterns=30, solver="scp"),
    SGDReLUClassifier(epochs=30),
    SGDReLUClassifier(loss="logistic", epochs=30),
    SGDReLURegressor(epochs=30),
]


@parametrize_with_checks(CHECKED)
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def moons():
    ds = make_dataset("moons", 30, noise=0.1, seed=0, n_test=30)
    return ds.X, ds.y, ds.X_test, ds.y_test


def test_convex_classifier_is_the_certified_global_optimum(moons):
    X, y, X_test, _ = moons
    clf = ConvexReLUClassifier(loss="hinge", beta=1e-3).fit(X, y)  # 2-D, n = 30: exact patterns
    assert clf.result_.pattern_mode == "exact"
    assert clf.certificate_.certified
    # objective_ is J of network_ on the +-1 labels, and the certificate is about that J
    assert clf.objective_ == pytest.approx(clf.certificate_.objective, rel=1e-12)
    assert clf.objective_ == pytest.approx(clf.network_.objective(X, y, "hinge", 1e-3), rel=1e-12)
    assert clf.objective_ >= clf.certificate_.lower_bound - 1e-9
    # the same network as the engine's own call with the same settings
    ref = solve_convex(X, y, loss="hinge", beta=1e-3, patterns="exact", solver="auto")
    assert clf.objective_ == pytest.approx(ref.objective, rel=1e-9)
    np.testing.assert_array_equal(clf.W_, clf.network_.W)
    np.testing.assert_array_equal(clf.alpha_, clf.network_.alpha)
    # predictions are the network's
    f = clf.decision_function(X_test)
    np.testing.assert_array_equal(f, clf.network_.predict(X_test))
    np.testing.assert_array_equal(clf.predict(X_test), np.where(f > 0, 1.0, -1.0))
    nonzero = f != 0
    np.testing.assert_array_equal(clf.predict(X_test)[nonzero], clf.network_.classify(X_test)[nonzero])
    assert clf.score(X, y) == pytest.approx(np.mean(clf.network_.classify(X) == y))
    assert clf.n_features_in_ == 2 and list(clf.classes_) == [-1.0, 1.0]
    assert clf.certified_ is True and clf.status_ == "optimal" and clf.outcome_ == "certified"


def test_string_labels_round_trip(moons):
    X, y, X_test, _ = moons
    words = np.where(y > 0, "yes", "no")
    clf = ConvexReLUClassifier(beta=1e-3).fit(X, words)
    ref = ConvexReLUClassifier(beta=1e-3).fit(X, y)
    assert list(clf.classes_) == ["no", "yes"]  # classes_[1] = "yes" is the +1 class
    np.testing.assert_allclose(clf.decision_function(X_test), ref.decision_function(X_test))
    np.testing.assert_array_equal(clf.predict(X_test), np.where(ref.predict(X_test) > 0, "yes", "no"))
    assert clf.score(X, words) == ref.score(X, y)
    # labels are mapped by order, not by value: {3, 7} behaves as {-1, +1}
    sevens = ConvexReLUClassifier(beta=1e-3).fit(X, np.where(y > 0, 7, 3))
    np.testing.assert_array_equal(sevens.predict(X_test), np.where(ref.predict(X_test) > 0, 7, 3))


def test_one_vs_rest_on_three_classes():
    rng = np.random.default_rng(0)
    centres = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
    labels = np.repeat(["a", "b", "c"], 12)
    X = centres[np.repeat(np.arange(3), 12)] + 0.4 * rng.standard_normal((36, 2))
    clf = ConvexReLUClassifier(loss="logistic", beta=1e-3).fit(X, labels == "a")
    assert hasattr(clf, "network_") and hasattr(clf, "certificate_")
    clf.fit(X, labels)  # refit on three classes
    assert list(clf.classes_) == ["a", "b", "c"]
    assert len(clf.networks_) == 3 and len(clf.certificates_) == 3
    assert not hasattr(clf, "network_") and not hasattr(clf, "certificate_")  # two-class fits only
    assert not hasattr(clf, "status_") and len(clf.statuses_) == len(clf.outcomes_) == 3
    assert clf.certified_ == all(c.certified for c in clf.certificates_)
    F = clf.decision_function(X)
    assert F.shape == (36, 3)
    for k, name in enumerate(clf.classes_):  # network k is the binary fit of class k against the rest
        binary = ConvexReLUClassifier(loss="logistic", beta=1e-3).fit(X, labels == name)
        np.testing.assert_allclose(F[:, k], binary.decision_function(X), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(F, axis=1)])
    assert clf.score(X, labels) == 1.0
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(np.argmax(P, axis=1), np.argmax(F, axis=1))


def test_predict_proba_only_for_the_logistic_loss(moons):
    X, y, _, _ = moons
    assert not hasattr(ConvexReLUClassifier(loss="hinge"), "predict_proba")
    assert not hasattr(SGDReLUClassifier(loss="squared"), "predict_proba")
    clf = SGDReLUClassifier(loss="logistic", epochs=20).fit(X, y)
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P[:, 1], 1.0 / (1.0 + np.exp(-clf.network_.predict(X))))
    with pytest.raises(AttributeError):
        SGDReLUClassifier(loss="hinge").fit(X, y).predict_proba(X)


def test_sgd_estimators_are_deterministic_and_keep_their_history(moons):
    X, y, _, _ = moons
    a = SGDReLUClassifier(epochs=20, random_state=3).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.W_, b.W_)
    assert isinstance(a.history_, TrainHistory)
    assert a.objective_ == a.history_.objective[-1]
    assert a.objective_ == pytest.approx(a.network_.objective(X, y, "hinge", 1e-3))
    c = SGDReLUClassifier(epochs=20, random_state=4).fit(X, y)
    assert not np.array_equal(a.W_, c.W_)


def test_regressors_in_higher_dimensions():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 4))
    y = np.maximum(X[:, 0] + X[:, 1], 0.0) - 0.5 * X[:, 2]
    reg = ConvexReLURegressor(beta=1e-3, patterns=20).fit(X, y)  # d = 4: sampled patterns
    assert reg.result_.pattern_mode == "sampled" and not reg.certificate_.exact
    np.testing.assert_array_equal(reg.predict(X), reg.network_.predict(X))
    assert reg.objective_ == pytest.approx(reg.network_.objective(X, y, "squared", 1e-3))
    assert reg.score(X, y) > 0.9
    sgd = SGDReLURegressor(epochs=100).fit(X, y)
    assert sgd.score(X, y) > 0.8
    assert sgd.W_.shape == (50, 5)


def test_pipeline_grid_search_over_beta():
    ds = make_dataset("moons", 40, noise=0.15, seed=2)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", ConvexReLUClassifier(patterns=12))])
    search = GridSearchCV(pipe, {"clf__beta": [1e-3, 1e-1]}, cv=2).fit(ds.X, ds.y)
    assert search.best_params_["clf__beta"] in (1e-3, 1e-1)
    assert search.best_estimator_.named_steps["clf"].beta == search.best_params_["clf__beta"]
    assert search.score(ds.X, ds.y) > 0.8
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize(
    ("estimator", "message"),
    [
        (ConvexReLUClassifier(loss="cross-entropy"), "unknown loss"),
        (ConvexReLUClassifier(patterns="many"), "patterns must be"),
        (ConvexReLUClassifier(beta=0.0), "beta must be a positive number"),
        (ConvexReLUClassifier(random_state=-1), "random_state must be >= 0"),
        (SGDReLUClassifier(lr=-1.0), "lr must be > 0"),
        (ConvexReLUClassifier(patterns="exact"), "exact patterns need 2-D data"),
    ],
)
def test_bad_parameters_fail_at_fit_with_a_clear_message(estimator, message):
    X = np.random.default_rng(0).standard_normal((12, 3))
    y = np.tile([0, 1], 6)
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)


def test_auto_patterns_and_divergence_warning(moons):
    X, y, _, _ = moons
    assert ConvexReLUClassifier()._resolve_patterns(40, 2) == "exact"  # certified: small 2-D data
    assert ConvexReLUClassifier()._resolve_patterns(41, 2) == DEFAULT_SAMPLED_PATTERNS
    assert ConvexReLUClassifier()._resolve_patterns(10, 3) == DEFAULT_SAMPLED_PATTERNS
    scp = ConvexReLUClassifier(solver="scp").fit(X, y)  # SCP samples its directions even for n <= 40
    assert scp.result_.pattern_mode == "sampled" and scp.result_.solver == "scp"
    with pytest.warns(ConvergenceWarning, match="diverged"):
        net = SGDReLUClassifier(lr=1e6, epochs=3).fit(X, y).network_
    assert np.all(np.isfinite(net.W))  # the last good iterate


def test_parameters_keep_their_order_and_defaults():
    """The dataclass-written __init__: the classifier's loss first, then the family's parameters."""
    import inspect

    def params(cls):
        return [(p.name, p.default) for p in inspect.signature(cls).parameters.values()]

    convex = [("beta", 1e-3), ("patterns", "auto"), ("solver", "auto"), ("tol", 1e-6), ("random_state", 0)]
    sgd = [
        ("beta", 1e-3),
        ("optimizer", "adam"),
        ("width", 50),
        ("lr", 1e-2),
        ("epochs", 200),
        ("batch_size", 32),
        ("init_scale", 1.0),
        ("momentum", 0.9),
        ("random_state", 0),
    ]
    assert params(ConvexReLUClassifier) == [("loss", "hinge"), *convex]
    assert params(ConvexReLURegressor) == convex
    assert params(SGDReLUClassifier) == [("loss", "hinge"), *sgd]
    assert params(SGDReLURegressor) == sgd
    clf = SGDReLUClassifier("logistic", 0.5)  # positional, in that order
    assert (clf.loss, clf.beta) == ("logistic", 0.5)
    assert clf != SGDReLUClassifier("logistic", 0.5)  # identity, as scikit-learn estimators


@pytest.mark.slow
def test_an_inaccurate_convex_fit_says_so():
    """Issue 14, defect 3: CVXPY + Clarabel stops this logistic program ``optimal_inaccurate`` (data:
    tests/engine/convex/data/moons_n80_seed2.csv, 100 sampled patterns): a warning, and attributes
    that say it."""
    from pathlib import Path

    from datasets import load_csv

    ds = load_csv(Path(__file__).parent / "convex" / "data" / "moons_n80_seed2.csv")
    clf = ConvexReLUClassifier(loss="logistic", patterns=100, solver="cvxpy", random_state=0)
    with pytest.warns(ConvergenceWarning, match="not a certified optimum.*optimal_inaccurate"):
        clf.fit(ds.X, ds.y)
    assert clf.certified_ is False and clf.status_ == "optimal_inaccurate" and clf.outcome_ == "uncertified"
