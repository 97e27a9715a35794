"""``python -m benchmarks <name> [--quick] [--out DIR]``: run a benchmark and write its markdown table."""

from __future__ import annotations

import argparse
import importlib
import sys

from benchmarks import BENCHMARKS, ONLY_TAKERS, PART_OF, run_benchmark
from benchmarks.common import chosen


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks: " + "; ".join(f"{k}: {v}" for k, v in BENCHMARKS.items()),
    )
    parser.add_argument("name", choices=[*BENCHMARKS, "all"], help="which benchmark to run")
    parser.add_argument("--quick", action="store_true", help="a tiny grid that runs in seconds")
    parser.add_argument("--out", default=None, help="directory for <name>.md (default: benchmarks/results)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="slider_timing and server_timing only: time just the controls whose name contains TEXT "
        "(case-insensitive; repeat for several)",
    )
    sweep = parser.add_argument_group("census only: how its engine sweep runs")
    sweep.add_argument("--jobs", type=int, help="parallel runs (default 2)")
    sweep.add_argument(
        "--backend", choices=("loky", "dask", "ray"), help="the sweep's backend (default loky)"
    )
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="a dask scheduler address")
    args = parser.parse_args(argv)
    names = [n for n in BENCHMARKS if n not in PART_OF] if args.name == "all" else [args.name]
    if args.only:
        if not any(n in ONLY_TAKERS for n in names):
            parser.error(f"--only applies to {' and '.join(ONLY_TAKERS)} only")
        for name in (n for n in names if n in ONLY_TAKERS):
            known = importlib.import_module(f"benchmarks.{name}").control_names()
            if not chosen(known, tuple(args.only)):
                listed = ", ".join(known)
                parser.error(f"--only {args.only}: no control of {name} has it in its name: {listed}")
    for name in names:
        sub_argv = [name] + (["--quick"] if args.quick else [])
        if args.out:
            sub_argv += ["--out", args.out]
        if name == "census":
            for option in ("jobs", "backend", "scheduler"):
                if getattr(args, option) is not None:
                    sub_argv += [f"--{option}", str(getattr(args, option))]
        extra = {}
        if args.only and name in ONLY_TAKERS:
            sub_argv += [a for text in args.only for a in ("--only", text)]
            extra["only"] = tuple(args.only)
        path = run_benchmark(
            name, quick=args.quick, out_dir=args.out, argv=sub_argv, verbose=not args.quiet, **extra
        )
        print(path.read_text(encoding="utf-8"))
        print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
