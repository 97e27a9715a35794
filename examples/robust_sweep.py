"""Robust accuracy against eps: a sweep of standard and adversarial training, plotted to an HTML file.

    python examples/robust_sweep.py                          # writes <temp dir>/robust_sweep.html
    python examples/robust_sweep.py --out figure.html --csv sweep.csv --jobs 2
    python examples/robust_sweep.py --n 16 --eps 0 0.1 --epochs 20   # seconds

For every radius eps (l_inf box by default, data units) it trains the convex robust program
(``method = convex``: the exact program for eps = 0) and PGD adversarial training (``method = sgd``),
each at that eps, and evaluates on a test set at the same eps: clean accuracy, accuracy under a PGD
attack (an upper bound on the robust accuracy) and the exactly certified accuracy (2-D data: the
fraction of points whose whole eps-ball is classified correctly, a lower bound). Values are means
over the seeds. The sweep is engine.cli.sweep.run_sweep, the same as ``python -m engine sweep``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

try:
    import engine  # noqa: F401  (installed: pip install -e .)
except ImportError:  # run from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import plotly.express as px

from engine.cli.sweep import run_sweep

METRICS = {"clean_accuracy": "clean", "pgd_accuracy": "PGD", "certified_accuracy": "certified"}


def main(argv: list[str] | None = None) -> int:
    """Run the sweep, write the figure (and optionally the CSV); returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="moons")
    parser.add_argument("--n", type=int, default=30, help="training points (default 30)")
    parser.add_argument("--n-test", type=int, default=100, help="test points (default 100)")
    parser.add_argument("--eps", type=float, nargs="+", default=[0.0, 0.05, 0.1, 0.15, 0.2])
    parser.add_argument("--norm", choices=("inf", "2"), default="inf")
    parser.add_argument("--beta", type=float, default=1e-3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=200, help="PGD training epochs (default 200)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", help="the HTML figure (default: robust_sweep.html in a temp directory)")
    parser.add_argument("--csv", help="also write the sweep table here")
    args = parser.parse_args(argv)

    grid = {
        "dataset": args.dataset,
        "n": args.n,
        "n_test": args.n_test,
        "loss": "hinge",
        "beta": args.beta,
        "method": ["convex", "sgd"],
        "eps": args.eps,
        "norm": args.norm,
        "seed": args.seeds,
        "epochs": args.epochs,
    }
    table = run_sweep(grid, jobs=args.jobs, progress=True)
    if args.csv:
        table.to_csv(args.csv, index=False)
    failed = table[table["status"] != "ok"]
    for _, row in failed.iterrows():
        print(f"run {row['run']} ({row['method']}, eps {row['eps']}) failed: {row['error']}", file=sys.stderr)

    ok = table[table["status"] == "ok"]
    means = ok.groupby(["method", "eps"], as_index=False)[list(METRICS)].mean()
    long = means.melt(id_vars=["method", "eps"], var_name="metric", value_name="accuracy")
    long["metric"] = long["metric"].map(METRICS)
    long["method"] = long["method"].map({"convex": "convex robust program", "sgd": "PGD training"})
    fig = px.line(
        long,
        x="eps",
        y="accuracy",
        color="method",
        line_dash="metric",
        markers=True,
        title=f"Robust accuracy against eps: {args.dataset}, n = {args.n}, hinge loss, beta = {args.beta:g}",
        labels={"eps": f"eps (training and test radius, l_{args.norm} ball, data units)"},
    )
    fig.update_yaxes(range=[-0.02, 1.05])
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="robust_sweep_")) / "robust_sweep.html"
    fig.write_html(out, include_plotlyjs=True)
    print(means.round(3).to_string(index=False))
    print(f"figure written to {out}")
    return 1 if len(failed) else 0


if __name__ == "__main__":
    sys.exit(main())
