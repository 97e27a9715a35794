"""Bad command lines and files for ``python -m engine`` (train, certify, sweep).

Each :class:`CliCase` is run in a fresh folder holding its ``files`` (relative names; a name ending in
``/`` is a folder); ``tests/engine/cli/test_corpus.py`` runs it and checks the exit status, that the
output holds ``expect`` in one ``error:`` line on stderr (or, for ``status`` 0, the run's report), no
traceback, no absolute path (neither the folder's, the repository's nor Python's), and nothing lost:
every file of the case is unchanged afterwards but for a sweep's ``--out`` file, whose rows must all
still be there. Every CSV file of ``tests/corpus/csv`` is also given to ``train --data`` by that test.

File contents are text, bytes, or a :class:`Generated` recipe for the big ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CLI_CASES", "CliCase", "Generated", "content_of"]

SMALL = ("--dataset", "moons", "--n", "12")
SGD = ("--method", "sgd", "--width", "4", "--epochs", "3")


@dataclass(frozen=True)
class Generated:
    """A file made on the spot: ``kind`` is ``network`` (a ``train --json``-style record of ``width``
    random neurons; ``weight`` replaces every weight when given), ``bytes`` (``size`` copies of
    ``fill``), ``nested`` (``size`` nested JSON lists) or ``points`` (a valid moons CSV of ``size``
    points)."""

    kind: str
    size: int = 0
    width: int = 4
    fill: bytes = b" "
    weight: float | str | None = None
    prefix: bytes = b""


@dataclass(frozen=True)
class CliCase:
    """One bad command line: the arguments, the files it needs, the status and message it must give."""

    id: str
    argv: tuple[str, ...]
    expect: str
    status: int = 2
    files: dict[str, str | bytes | Generated] = field(default_factory=dict)
    what: str = ""


def _network(width: int, weight: float | str | None) -> bytes:
    rng = np.random.default_rng(width)
    W = rng.normal(size=(width, 3)).tolist()
    alpha = rng.normal(size=width).tolist()
    text = json.dumps({"method": "sgd", "network": {"W": W, "alpha": alpha}})
    if weight is not None:  # a literal the JSON parser accepts: NaN, Infinity, 1e999
        text = json.dumps({"network": {"W": [["@", "@", "@"]] * width, "alpha": ["@"] * width}})
        text = text.replace('"@"', str(weight))
    return text.encode()


def _points(n: int) -> bytes:
    from datasets import make_dataset, to_csv

    return to_csv(make_dataset("moons", n, noise=0.1, seed=0)).encode()


def content_of(value: str | bytes | Generated) -> bytes:
    """The bytes of a case's file."""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    if value.kind == "network":
        body = _network(value.width, value.weight)
    elif value.kind == "bytes":
        body = value.fill * value.size
    elif value.kind == "nested":
        body = b"[" * value.size + b"]" * value.size
    elif value.kind == "points":
        body = _points(value.size)
    else:
        raise ValueError(f"unknown generated file kind {value.kind!r}")
    return value.prefix + body


BOM = b"\xef\xbb\xbf"
_GOOD_NET = Generated("network", width=4)
_CERTIFY = ("certify", *SMALL, "--radii", "0.1")
_SWEEP = ("sweep", "--n", "12", "--method", "sgd", "--epochs", "3", "--quiet")

CLI_CASES: tuple[CliCase, ...] = (
    # ------------------------------------------------------------------ train: numbers at the boundary
    CliCase("n-negative", ("train", "--dataset", "moons", "--n", "-5"), "--n must be >= 4"),
    CliCase("n-zero", ("train", "--dataset", "moons", "--n", "0"), "--n must be >= 4"),
    CliCase("n-huge", ("train", "--dataset", "moons", "--n", "1000000000000"), "--n must be at most 5000"),
    CliCase(
        "n-text", ("train", "--dataset", "moons", "--n", "ten"), "argument --n: invalid int value: 'ten'"
    ),
    CliCase("n-test-huge", ("train", *SMALL, "--n-test", "99999"), "--n-test must be at most 5000"),
    CliCase("beta-1e300", ("train", *SMALL, "--beta", "1e300"), "--beta must be at most 1000000"),
    CliCase("beta-inf", ("train", *SMALL, "--beta", "inf"), "--beta must be a finite number, not inf"),
    CliCase("beta-nan", ("train", *SMALL, "--beta", "nan"), "--beta must be a finite number, not nan"),
    CliCase("eps-1e308", ("train", *SMALL, "--eps", "1e308"), "--eps must be at most 1000000"),
    CliCase("noise-1e308", ("train", *SMALL, "--noise", "1e308"), "--noise must be at most 100"),
    CliCase("tol-zero", ("train", *SMALL, "--tol", "0"), "--tol must be > 0"),
    CliCase("tol-above-one", ("train", *SMALL, "--tol", "5"), "--tol must be at most 1"),
    CliCase("seed-huge", ("train", *SMALL, "--seed", str(2**40)), "--seed must be at most 4294967295"),
    CliCase("patterns-huge", ("train", *SMALL, "--patterns", "99999"), "--patterns must be at most 2000"),
    CliCase(
        "width-1e8",
        ("train", *SMALL, "--method", "sgd", "--width", "100000000"),
        "--width must be at most 2000",
        what="a width that filled the memory before the check",
    ),
    CliCase("epochs-1e9", ("train", *SMALL, *SGD[:4], "--epochs", "1000000000"), "--epochs must be at most"),
    CliCase("lr-inf", ("train", *SMALL, *SGD, "--lr", "inf"), "--lr must be a finite number"),
    CliCase("momentum-one", ("train", *SMALL, *SGD, "--momentum", "1"), "--momentum must be below 1"),
    CliCase(
        "pgd-restarts-huge", ("train", *SMALL, *SGD, "--eps", "0.1", "--pgd-restarts", "5000"), "at most 100"
    ),
    # ------------------------------------------------------------------ train: data files
    CliCase(
        "data-folder",
        ("train", "--data", "points"),
        "--data: 'points' is a folder, not a CSV file",
        files={"points/": ""},
    ),
    CliCase("data-missing", ("train", "--data", "nowhere.csv"), "--data: no such file 'nowhere.csv'"),
    CliCase(
        "data-too-big",
        ("train", "--data", "big.csv"),
        "larger than 10 MB",
        status=1,
        files={"big.csv": Generated("bytes", size=10_000_001, fill=b"1")},
    ),
    CliCase(
        "data-bom",
        ("train", "--data", "bom.csv", *SGD),
        "objective J",
        status=0,
        files={"bom.csv": Generated("points", size=12, prefix=BOM)},
        what="a CSV file with a UTF-8 byte-order mark (Excel writes one) is read",
    ),
    CliCase(
        "data-utf16",
        ("train", "--data", "utf16.csv"),
        "binary data",
        status=1,
        files={"utf16.csv": "x1,x2,y\n0,0,1\n".encode("utf-16")},
    ),
    # ------------------------------------------------------------------ certify
    CliCase("radii-1e308", (*_CERTIFY[:-1], "1e308"), "--radii must be at most 1000000"),
    CliCase("radii-nan", (*_CERTIFY[:-1], "0.1", "nan"), "--radii must be a finite number"),
    CliCase("radii-negative", (*_CERTIFY[:-1], "-1"), "--radii must be >= 0"),
    CliCase("attack-steps-zero", (*_CERTIFY, "--attack-steps", "0"), "--attack-steps must be >= 1"),
    CliCase(
        "attack-restarts-huge",
        (*_CERTIFY, "--attack-restarts", "1000000"),
        "--attack-restarts must be at most",
    ),
    CliCase(
        "network-bom",
        (*_CERTIFY, "--network", "net.json"),
        "certified",
        status=0,
        files={"net.json": Generated("network", width=4, prefix=BOM)},
        what="a network file with a UTF-8 byte-order mark (Notepad writes one) is read",
    ),
    CliCase(
        "network-folder",
        (*_CERTIFY, "--network", "nets"),
        "--network: 'nets' is a folder, not a network file",
        files={"nets/": ""},
    ),
    CliCase("network-missing", (*_CERTIFY, "--network", "none.json"), "--network: no such file 'none.json'"),
    CliCase(
        "network-too-big",
        (*_CERTIFY, "--network", "big.json"),
        "has 2,000,000 bytes; a network file may have at most 1,000,000",
        files={"big.json": Generated("bytes", size=2_000_000)},
        what="the size is checked before the file is read",
    ),
    CliCase(
        "network-too-wide",
        (*_CERTIFY, "--network", "wide.json"),
        "has 2400 neurons; certify takes at most 2000",
        files={"wide.json": Generated("network", width=2400)},
        what="the shape is checked before the network is built or certified",
    ),
    CliCase(
        "network-nested",
        (*_CERTIFY, "--network", "deep.json"),
        "its JSON is nested too deeply",
        status=1,
        files={"deep.json": Generated("nested", size=200_000)},
    ),
    CliCase(
        "network-nan",
        (*_CERTIFY, "--network", "nan.json"),
        "has non-finite weights",
        status=1,
        files={"nan.json": Generated("network", width=3, weight="NaN")},
    ),
    CliCase(
        "network-overflow",
        (*_CERTIFY, "--network", "inf.json"),
        "has non-finite weights",
        status=1,
        files={"inf.json": Generated("network", width=3, weight="1e999")},
    ),
    CliCase(
        "network-binary",
        (*_CERTIFY, "--network", "junk.json"),
        "is not a network written by `train --json`",
        status=1,
        files={"junk.json": bytes(range(256))},
    ),
    CliCase(
        "network-list",
        (*_CERTIFY, "--network", "list.json"),
        "is not a network written by `train --json`",
        status=1,
        files={"list.json": "[1, 2, 3]"},
    ),
    CliCase(
        "network-empty",
        (*_CERTIFY, "--network", "empty.json"),
        "is not a network written by `train --json`",
        status=1,
        files={"empty.json": ""},
    ),
    CliCase(
        "network-3d",
        (*_CERTIFY, "--network", "d3.json"),
        "does not fit 2-D data",
        status=1,
        files={"d3.json": '{"network": {"W": [[1, 2, 3, 4]], "alpha": [1]}}'},
    ),
    # ------------------------------------------------------------------ sweep
    CliCase(
        "out-folder",
        (*_SWEEP, "--out", "results"),
        "--out: 'results' is a folder, not a CSV file",
        files={"results/": ""},
    ),
    CliCase(
        "out-no-folder", (*_SWEEP, "--out", "no/such/x.csv"), "--out: no such directory for 'no/such/x.csv'"
    ),
    CliCase(
        "out-other-file",
        (*_SWEEP, "--out", "notes.csv"),
        "already holds something other than a sweep table",
        files={"notes.csv": "name,grade\nada,1\n"},
        what="a file that is not a sweep table is never overwritten",
    ),
    CliCase(
        "runs-over-limit",
        ("sweep", "--seed", *map(str, range(101)), "--beta", *(f"{b:g}" for b in np.linspace(1e-3, 1, 100))),
        "10,100 runs is more than the limit of 10,000",
        what="refused before any run is listed, checked or started",
    ),
    CliCase("jobs-over-cores", (*_SWEEP, "--jobs", "4096"), "jobs = 4096 is more than the"),
    CliCase("jobs-zero", (*_SWEEP, "--jobs", "0"), "jobs must be a positive whole number or -1"),
    CliCase("grid-n-negative", ("sweep", "--n", "-5", "--quiet"), "grid: n must be >= 4 (run 1: n=-5)"),
    CliCase("grid-eps-1e308", ("sweep", "--eps", "1e308", "--quiet"), "grid: eps must be at most 1000000"),
)
