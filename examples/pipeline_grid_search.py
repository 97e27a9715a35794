"""Pipeline + GridSearchCV over beta: the convex (or SGD) ReLU classifier as a scikit-learn estimator.

    python examples/pipeline_grid_search.py                      # moons, n = 80, 3-fold CV over 4 betas
    python examples/pipeline_grid_search.py --method sgd --epochs 100
    python examples/pipeline_grid_search.py --n 30 --betas 1e-3 1e-1 --cv 2   # seconds

beta is the weight decay of J = mean loss + (beta/2)(||W||^2 + ||alpha||^2), in the units of the
standardised inputs (the pipeline's StandardScaler). The report: the cross-validated accuracy per
beta, the chosen beta, the test accuracy, and for the convex classifier its certificate on the
(scaled) training data: with exact patterns (2-D data, n <= 40 per fit) J is the certified global
optimum; with sampled patterns the certificate bounds how far J can be from it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    import engine  # noqa: F401  (installed: pip install -e .)
except ImportError:  # run from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from datasets import CLASSIFICATION_DATASETS, make_dataset
from engine.estimators import ConvexReLUClassifier, SGDReLUClassifier


def main(argv: list[str] | None = None) -> int:
    """Fit the grid search and print its report; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="moons", choices=CLASSIFICATION_DATASETS)
    parser.add_argument("--n", type=int, default=80, help="training points (default 80)")
    parser.add_argument("--n-test", type=int, default=200, help="test points (default 200)")
    parser.add_argument("--noise", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=0, help="data seed and random_state")
    parser.add_argument("--method", choices=("convex", "sgd"), default="convex")
    parser.add_argument("--loss", choices=("hinge", "logistic", "squared"), default="hinge")
    parser.add_argument("--betas", type=float, nargs="+", default=[1e-4, 1e-3, 1e-2, 1e-1])
    parser.add_argument("--cv", type=int, default=3, help="cross-validation folds (default 3)")
    parser.add_argument("--patterns", default="auto", help="convex: 'auto', 'exact' or a draw count")
    parser.add_argument("--epochs", type=int, default=200, help="sgd: passes over the data")
    args = parser.parse_args(argv)

    ds = make_dataset(args.dataset, args.n, noise=args.noise, seed=args.seed, n_test=args.n_test)
    if args.method == "convex":
        patterns = int(args.patterns) if args.patterns.isdigit() else args.patterns
        model = ConvexReLUClassifier(loss=args.loss, patterns=patterns, random_state=args.seed)
    else:
        model = SGDReLUClassifier(loss=args.loss, epochs=args.epochs, random_state=args.seed)
    pipe = Pipeline([("scale", StandardScaler()), ("relu", model)])
    search = GridSearchCV(pipe, {"relu__beta": args.betas}, cv=args.cv).fit(ds.X, ds.y)

    print(f"{args.method} ReLU classifier on {args.dataset} (n = {args.n}), {args.cv}-fold CV over beta:")
    for beta, mean, std in zip(
        search.cv_results_["param_relu__beta"],
        search.cv_results_["mean_test_score"],
        search.cv_results_["std_test_score"],
        strict=True,
    ):
        print(f"  beta = {beta:<8g} CV accuracy {mean:.3f} +- {std:.3f}")
    best = search.best_estimator_.named_steps["relu"]
    print(f"best beta = {search.best_params_['relu__beta']:g}")
    if ds.X_test is not None:
        print(f"test accuracy {search.score(ds.X_test, ds.y_test):.3f} ({len(ds.y_test)} points)")
    neurons = best.network_.active_neurons()
    print(f"refit on all {args.n} points: J = {best.objective_:.6g} (scaled inputs), {neurons} neurons")
    if args.method == "convex":
        cert = best.certificate_
        verdict = "certified global optimum" if cert.certified else "not certified"
        print(f"  dual lower bound {cert.lower_bound:.6g}, relative gap {cert.relative_gap:.1e}: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
