"""The bad-input corpus (tests/corpus/): every bad address, widget extreme, solver budget and diverging
run gives a clear message on the page and never an exception (AppTest, headless Streamlit).

Address cases (``corpus/urls.txt``) of one page whose parameters do not collide share one AppTest run;
each case's fragment is still looked for on its own in the "page address" notice. The bad CSV files of
``corpus/csv/`` have their own test (tests/test_own_data.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import rendered
from tests.corpus.cases import CASES, Case
from tests.paths import APP, CORPUS

TIMEOUT = 180
NOTICE = "Some settings in the page address were not valid and were adjusted"
NO_NOTICE = "(none)"
# Settings that keep a run small where the case is not about them.
BASE = {"n": "10", "epochs": "20"}
GROUP_SIZE = 12  # address cases per AppTest run at most
WIDGET_KINDS = ("slider", "select_slider", "number_input", "radio", "selectbox", "toggle")
TITLES = {
    "playground": "Playground",
    "patterns": "Patterns",
    "solvers": "Solvers",
    "adversarial": "Adversarial",
    "landscape": "Landscape",
    "dynamics": "Dynamics",
    "theory": "Theory",
    "data": "Data",
}


@dataclass(frozen=True)
class UrlCase:
    """One line of corpus/urls.txt."""

    line: int
    page: str
    params: tuple[tuple[str, str], ...]
    fragment: str
    known_bug: str = ""  # a fourth column: why the case fails today (run alone, strict xfail)

    @property
    def id(self) -> str:
        return f"{self.line}-{self.page}-" + "&".join(k for k, _ in self.params)


def load_urls(path: Path = CORPUS / "urls.txt") -> list[UrlCase]:
    """The address cases of the corpus file (comments and blank lines skipped)."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        page, query, fragment, *bug = line.split("\t")
        params = tuple(parse_qsl(query, keep_blank_values=True))
        cases.append(UrlCase(number, page, params, fragment, bug[0] if bug else ""))
    return cases


def _as_dict(params: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in params:
        out.setdefault(key, []).append(value)
    return out


def group_cases(cases: list[UrlCase]) -> list[list[UrlCase]]:
    """Pack the cases of each page into runs whose parameters agree (first fit, in file order)."""
    groups: list[tuple[str, dict[str, list[str]], list[UrlCase]]] = []
    for case in cases:
        wanted = _as_dict(case.params)
        for page, params, members in groups:
            if (
                not case.known_bug
                and not members[0].known_bug
                and page == case.page
                and len(members) < GROUP_SIZE
                and all(params.get(k, v) == v for k, v in wanted.items())
            ):
                params.update(wanted)
                members.append(case)
                break
        else:
            groups.append((case.page, dict(wanted), [case]))
    return [members for _, _, members in groups]


URL_CASES = load_urls()
GROUPS = group_cases(URL_CASES)
GROUP_OF = {case: i for i, members in enumerate(GROUPS) for case in members}


def open_page(page: str, params: dict[str, str | list[str]]) -> AppTest:
    """Run the app on ``page`` with these address parameters (BASE settings where not given)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in {**BASE, **params}.items():
        at.query_params[key] = value[0] if isinstance(value, list) and len(value) == 1 else value
    at.switch_page(f"pages/{page}.py").run()
    return at


@functools.cache
def _group_run(index: int) -> AppTest:
    members = GROUPS[index]
    params: dict[str, list[str]] = {}
    for case in members:
        params.update(_as_dict(case.params))
    return open_page(members[0].page, params)  # type: ignore[arg-type]


def _notice(at: AppTest) -> str:
    notes = [rendered(w.value) for w in at.warning if NOTICE in w.value]
    assert len(notes) <= 1, notes
    return notes[0] if notes else ""


def _no_exception(at: AppTest, page: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title][:1] == [TITLES[page]]


def _widget_value(at: AppTest, key: str):
    for kind in WIDGET_KINDS:
        for widget in at.get(kind):
            if getattr(widget, "key", None) == key:
                return widget.value
    raise KeyError(key)


def _param(case: UrlCase):
    marks = [pytest.mark.xfail(reason=case.known_bug, strict=True)] if case.known_bug else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in URL_CASES])
def test_bad_address(case: UrlCase) -> None:
    at = _group_run(GROUP_OF[case])
    _no_exception(at, case.page)
    notice = _notice(at)
    if case.fragment == NO_NOTICE:
        keys = {k for k, _ in case.params}
        assert not any(f"{k}=" in notice for k in keys), notice
        return
    assert case.fragment in notice, f"{case.fragment!r} not in the notice:\n{notice}"
    _check_value_used(at, case, notice)


def _check_value_used(at: AppTest, case: UrlCase, notice: str) -> None:
    """A numeric control holds the value its notice line says it uses."""
    (line,) = [ln for ln in notice.splitlines() if case.fragment in ln]
    key = case.fragment.split("=", 1)[0]
    used = line.rsplit("using ", 1)[-1].removeprefix("the default ").removeprefix("the nearest, ")
    try:
        expected = float(used)
        value = _widget_value(at, key)
    except (ValueError, KeyError):
        return  # a choice shown by its label, or a control the page did not draw
    if isinstance(value, int | float) and not isinstance(value, bool):
        assert value == pytest.approx(expected), f"the notice says {key} uses {used}, the control has {value}"


def _texts(at: AppTest, where: str) -> list[str]:
    if where == "control":
        widgets = [w for kind in WIDGET_KINDS for w in at.get(kind)]
        return [f"{w.key}={w.value}" for w in widgets if getattr(w, "key", None)]
    if where == "table":
        texts = []
        for table in at.table:
            frame = table.value
            texts += [str(i) for i in frame.index] + [str(c) for c in frame.columns]
            texts += [str(v) for v in frame.to_numpy().ravel()]
        return texts
    return [rendered(str(e.value)) for e in getattr(at, where)]


def _setting(case: Case):
    marks = [pytest.mark.xfail(reason=case.known_bug, strict=True)] if case.known_bug else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_setting(c) for c in CASES])
def test_bad_setting(case: Case) -> None:
    at = open_page(case.page, dict(case.params))
    _no_exception(at, case.page)
    if all(where != "notice" for where, _ in case.expect):
        assert not _notice(at), "the corpus settings are all valid values"
    for where, fragment in case.expect:
        texts = [_notice(at)] if where == "notice" else _texts(at, where)
        assert any(fragment in t for t in texts), f"{fragment!r} not in any {where}: {texts}"


def test_corpus_size() -> None:
    """The issues ask for at least 30, then 60 bad inputs (addresses, widget values set by a crafted
    client, settings over the work budget, files); the README's count is kept up to date."""
    from tests.corpus.widgets import WIDGET_CASES

    csv_files = sorted((CORPUS / "csv").glob("*.csv"))
    total = len(URL_CASES) + len(CASES) + len(csv_files) + len(WIDGET_CASES)
    assert total >= 60
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert f"**{total} bad inputs in all**" in readme, total
    assert len({c.params for c in URL_CASES}) == len(URL_CASES), "duplicate address cases"
    assert len({c.id for c in CASES}) == len(CASES)
