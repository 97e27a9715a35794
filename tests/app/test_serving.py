"""The container recipe (Dockerfile): its syntax, its commands and the same serving flags as the load
check. Docker itself is not run here (no daemon on the test machines); instead every instruction is
parsed, the JSON forms are checked, and the build's own commands run here the way the image runs them."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

from benchmarks.load import SERVE_ARGS
from tests.paths import ROOT

DOCKERFILE = ROOT / "Dockerfile"
KEYWORDS = {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "EXPOSE", "HEALTHCHECK", "CMD", "ARG", "LABEL"}


def _instructions() -> list[tuple[str, str]]:
    """(keyword, arguments) of every instruction, continuation lines joined, comments dropped."""
    out, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            keyword, _, args = current.strip().partition(" ")
            out.append((keyword, args.strip()))
            current = ""
    assert not current, "a continuation line at the end"
    return out


def test_every_instruction_is_known_and_the_json_forms_parse() -> None:
    steps = _instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    for keyword, args in steps:
        assert keyword in KEYWORDS, keyword
        assert args, keyword
    cmd = json.loads(dict(steps)["CMD"])
    health = dict(steps)["HEALTHCHECK"]
    assert health.split(" CMD ", 1)[1].startswith("[")
    json.loads(health.split(" CMD ", 1)[1])
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    assert set(SERVE_ARGS) <= set(cmd), "the Dockerfile and the load check serve the app the same way"
    assert "/_stcore/health" in health
    runs = [args for keyword, args in steps if keyword == "RUN"]
    assert any("pip install" in r and "requirements.txt" in r for r in runs)
    assert any("engine.convex.pricing" in r and "sphere_price(" in r for r in runs)


def test_the_build_commands_work_here() -> None:
    """The precompile step and the health check's Python run as written (the pip step is the one
    ``pip install -r requirements.txt`` of the README)."""
    runs = [args for keyword, args in _instructions() if keyword == "RUN" and args.startswith("python -c")]
    for command in runs:
        argv = [sys.executable, "-c", shlex.split(command)[2]]
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        # each step says what it did: the compiled pricing and plane kernels, plotly.js for the live charts
        said = ("pricing compiled:", "plane kernels compiled:", "plotly.js in static/:")
        assert any(done_line in done.stdout for done_line in said)


def test_dockerignore_keeps_caches_and_history_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".git" in ignored and "**/__pycache__" in ignored  # the kernels compile fresh in the image
