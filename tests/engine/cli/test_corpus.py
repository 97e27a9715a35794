"""The command-line part of the bad-input corpus (tests/corpus/cli.py and the CSV files of
tests/corpus/csv): a clear one-line message and the right exit status, no traceback, no absolute path,
nothing lost."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli.commands import main
from tests.corpus.cli import CLI_CASES, CliCase, content_of
from tests.paths import CORPUS, ROOT

_ABSOLUTE = re.compile(r"(?<![\w.~+-])/(?:[\w.-]+/)+[\w.-]*")  # /a/b or /a/b/c.py: a path on this machine


def _lay_out(case: CliCase, folder: Path) -> dict[Path, str]:
    """Write the case's files into ``folder``; the digest of each file, to check nothing is lost."""
    digests = {}
    for name, value in case.files.items():
        path = folder / name
        if name.endswith("/"):
            path.mkdir(parents=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content_of(value))
        digests[path] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _check_output(out: str, err: str, folder: Path) -> None:
    text = out + err
    assert "Traceback" not in text and 'File "' not in text, text
    assert "internal error" not in text, text
    for where in (str(folder), str(ROOT), sys.prefix, "site-packages"):
        assert where not in text, f"{where!r} shown: {text}"
    assert not _ABSOLUTE.search(text), f"an absolute path shown: {text}"


def _check_kept(digests: dict[Path, str]) -> None:
    for path, digest in digests.items():
        assert path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest, (
            f"{path.name} changed"
        )


def test_corpus_size() -> None:
    ids = [case.id for case in CLI_CASES]
    assert len(ids) == len(set(ids))
    assert len(CLI_CASES) >= 40 and len(list((CORPUS / "csv").glob("*.csv"))) >= 17


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_cli_case(case: CliCase, tmp_path, monkeypatch, capsys) -> None:
    digests = _lay_out(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    status = main(list(case.argv))
    out, err = capsys.readouterr()
    assert status == case.status, out + err
    if case.status == 0:
        assert case.expect in out, out + err
    else:
        assert out == "", out
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert case.expect in lines[0], err
    _check_output(out, err, tmp_path)
    _check_kept(digests)


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "csv").glob("*.csv")))
def test_bad_csv_files_through_the_command_line(name: str, tmp_path, monkeypatch, capsys) -> None:
    """Every bad CSV of the upload corpus, given to ``train --data``: one line naming the problem."""
    shutil.copy(CORPUS / "csv" / name, tmp_path / name)
    digest = {tmp_path / name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()}
    monkeypatch.chdir(tmp_path)
    status = main(["train", "--data", name, "--method", "sgd", "--epochs", "2"])
    out, err = capsys.readouterr()
    assert status == 1 and out == "", out + err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    _check_output(out, err, tmp_path)
    _check_kept(digest)


@pytest.mark.parametrize("case_id", ["radii-1e308", "network-bom", "data-folder", "width-1e8"])
def test_cases_as_a_process(case_id: str, tmp_path) -> None:
    """A few cases through ``python -m engine`` itself: the real stderr (warnings included) is clean."""
    case = next(c for c in CLI_CASES if c.id == case_id)
    digests = _lay_out(case, tmp_path)
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "engine", *case.argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == case.status, proc.stderr
    assert case.expect in (proc.stdout if case.status == 0 else proc.stderr)
    _check_output(proc.stdout, proc.stderr, tmp_path)
    _check_kept(digests)
