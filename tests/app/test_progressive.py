"""Progressive answers (explorer.progressive) on the Playground: on a cache miss of the convex program a
first answer, labelled approximate and with no gap to J*, then the certified one in its place; on a
cache hit the certified one directly, with no approximate step; bad inputs keep their messages."""

from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

import explorer.cache
import explorer.cache_figures  # noqa: F401  (imported before any patch: it binds the real run_convex)
import explorer.progressive
from explorer.cache import PGD_NAME
from explorer.progressive import APPROXIMATE, FAST_DRAWS, FINAL_ONLY, FIRST_THEN_FINAL, TRAINING, stages
from tests.app.helpers import chart_titles, figures, rendered, texts

TIMEOUT = 120


class StopBeforeFinalError(Exception):
    """Raised in place of the final solve: the page then shows what the browser had before it."""


def _start(app_path: str, **params: str) -> AppTest:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    for key, value in {"n": "40", "epochs": "20", **params}.items():
        at.query_params[key] = value
    return at


def _all_text(at: AppTest) -> str:
    parts = [texts(at.info), texts(at.success), texts(at.warning), texts(at.caption), texts(at.error)]
    return " ".join(parts)


def _record(monkeypatch, name: str, what) -> list:
    """Wrap ``explorer.progressive.<name>`` so that each call appends ``what(args, kwargs)`` to the
    returned list (and still does what it did)."""
    calls: list = []
    original = getattr(explorer.progressive, name)

    def recording(*args, **kwargs):
        calls.append(what(args, kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(explorer.progressive, name, recording)
    return calls


def _first_playbacks(monkeypatch) -> list[str]:
    """Record each first-answer playback the page builds (the approximate step's mark): their titles."""
    return _record(monkeypatch, "first_playback_figure", lambda args, kwargs: kwargs["title"])


def test_stages() -> None:
    assert stages(True) == FINAL_ONLY and [s.final for s in FINAL_ONLY] == [True]
    assert stages(False) == FIRST_THEN_FINAL and [s.final for s in FIRST_THEN_FINAL] == [False, True]
    first, final = FIRST_THEN_FINAL
    assert first.first and not final.first and FINAL_ONLY[0].first
    assert final.key("objective") == "objective" and first.key("objective") != "objective"
    assert APPROXIMATE in first.title("Convex") and final.title("Convex") == "Convex"


def test_first_answer_is_labelled_approximate_without_a_gap_to_j_star(app_path: str, monkeypatch) -> None:
    """What the browser shows before the final answer: the final solve is made to raise, so the run ends
    on the first answer. Its verdict, convex chart titles and table say approximate; no gap to J*."""
    st.cache_data.clear()
    original = explorer.cache.run_convex

    def no_final(key, *, patterns, **kwargs):
        if patterns != FAST_DRAWS:
            raise StopBeforeFinalError
        return original(key, patterns=patterns, **kwargs)

    monkeypatch.setattr(explorer.cache, "run_convex", no_final)
    at = _start(app_path, dseed="11")
    at.run()
    assert len(at.exception) == 1  # the final solve's stand-in raised (its message is redacted)
    verdict = texts(at.info)
    assert APPROXIMATE.capitalize() in verdict and f"{FAST_DRAWS} pattern draws" in verdict
    assert "upper bound" in verdict and not at.success  # never called certified
    titles = chart_titles(at)
    assert f"Convex, {FAST_DRAWS} draws ({APPROXIMATE})" in titles
    assert f"Convex regions ({APPROXIMATE})" in titles
    assert "global optimum" not in titles and "certified" not in titles
    assert f"Convex column: {APPROXIMATE}" in texts(at.caption)
    table = at.table[0].value
    convex_column = [c for c in table.columns if "onvex" in str(c)]
    assert convex_column and set(table[convex_column[0]]) <= {"—", "-", ""}  # no number from the stand-in
    monkeypatch.setattr(explorer.cache, "run_convex", original)
    st.cache_data.clear()


def test_miss_then_certified_answer_replaces_it_and_a_hit_skips_the_first(app_path: str, monkeypatch) -> None:
    st.cache_data.clear()
    built = _first_playbacks(monkeypatch)
    at = _start(app_path, dseed="12")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(built) == 1  # a miss: the first answer was drawn
    shown = rendered(_all_text(at) + " " + chart_titles(at))
    assert APPROXIMATE not in shown and "approximate" not in texts(at.info).lower()  # all replaced
    assert "Convex global optimum (certified)" in chart_titles(at)
    assert at.success or at.info  # the final verdict
    table = at.table[0].value
    convex = table[[c for c in table.columns if "onvex" in str(c)][0]]
    assert not set(convex) <= {"—", "-", ""}  # the certified answer's numbers fill the convex column

    again = _start(app_path, dseed="12")  # another session, same settings: the certified result is cached
    again.run()
    assert not again.exception
    assert len(built) == 1  # no approximate step on a hit
    assert chart_titles(again) == chart_titles(at)

    at.run()  # a rerun of the same settings: a hit
    assert len(built) == 1
    st.cache_data.clear()


def test_a_gradient_setting_needs_no_first_answer(app_path: str, monkeypatch) -> None:
    """Only the convex side answers progressively: a change of SGD alone keeps the cached optimum."""
    st.cache_data.clear()
    built = _first_playbacks(monkeypatch)
    at = _start(app_path, dseed="13")
    at.run()
    assert len(built) == 1
    at.sidebar.number_input(key="seed").set_value(5).run()
    assert not at.exception and len(built) == 1
    st.cache_data.clear()


def test_sampled_patterns_at_most_fast_draws_answer_directly(app_path: str, monkeypatch) -> None:
    st.cache_data.clear()
    built = _first_playbacks(monkeypatch)
    at = _start(app_path, dseed="14", patterns="sampled", P=str(FAST_DRAWS))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert built == []
    st.cache_data.clear()


def test_bad_inputs_still_give_their_messages(app_path: str, monkeypatch) -> None:
    """A bad address value keeps its notice through the two answers; a convex solve that fails shows its
    error in the final answer, not an approximate chart."""
    st.cache_data.clear()
    built = _first_playbacks(monkeypatch)
    at = _start(app_path, noise="abc", dseed="16")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "were not valid and were adjusted" in rendered(_all_text(at) + " " + texts(at.markdown))
    assert len(built) == 1 and APPROXIMATE not in chart_titles(at)

    original = explorer.cache.run_convex

    def failing(key, *, patterns, **kwargs):
        if patterns != FAST_DRAWS:
            return explorer.cache.Outcome(error="the solver failed (test)")
        return original(key, patterns=patterns, **kwargs)

    monkeypatch.setattr(explorer.cache, "run_convex", failing)
    at = _start(app_path, dseed="15")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Convex: the solver failed (test)" in texts(at.error)
    assert APPROXIMATE not in chart_titles(at) and APPROXIMATE not in texts(at.info)
    monkeypatch.setattr(explorer.cache, "run_convex", original)
    st.cache_data.clear()


# ----------------------------------------------------------------------------------------------
# the Adversarial page's training radius


def _adversarial(app_path: str, n: str = "30") -> AppTest:
    """The Adversarial page drawn once (hinge loss, n above the exact robust program's limit)."""
    at = _start(app_path, n=n, loss="hinge")
    at.switch_page("pages/adversarial.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _titles(at: AppTest) -> str:
    """The titles of the charts that have one (the status legend has none)."""
    return " ".join(str(f["layout"].get("title", {}).get("text", "")) for f in figures(at))


def _train_eps(at: AppTest):
    return next(s for s in at.slider if s.key == "train_eps")


def _stages_asked(monkeypatch) -> list[bool]:
    """Record whether each page run found its final result cached (explorer.progressive.stages)."""
    return _record(monkeypatch, "stages", lambda args, kwargs: args[0])


def test_adversarial_first_answer_is_labelled_approximate(app_path: str, monkeypatch) -> None:
    st.cache_data.clear()
    at = _adversarial(app_path)
    original = explorer.cache.run_robust

    def no_final(key, *, draws=None, **kwargs):
        if draws is None:
            raise StopBeforeFinalError
        return original(key, draws=draws, **kwargs)

    monkeypatch.setattr(explorer.cache, "run_robust", no_final)
    _train_eps(at).set_value(0.13).run()
    assert len(at.exception) == 1  # the final program's stand-in raised
    titles = _titles(at)
    assert "robust (approximate) (ε = " in titles and f"<sup>{APPROXIMATE};" in titles.split("Accuracy")[1]
    assert f"A fast first answer ({APPROXIMATE})" in texts(at.caption)
    assert list(at.table[0].value.columns) == ["standard convex", "robust (approximate)", "PGD-trained SGD"]
    monkeypatch.setattr(explorer.cache, "run_robust", original)
    st.cache_data.clear()


def test_adversarial_miss_answers_twice_a_hit_once(app_path: str, monkeypatch) -> None:
    st.cache_data.clear()
    asked = _stages_asked(monkeypatch)
    at = _adversarial(app_path)
    assert asked == [True]  # the page's first visit: drawn once (its display controls are not set yet)
    _train_eps(at).set_value(0.12).run()
    assert not at.exception, [e.value for e in at.exception]
    assert asked[-1] is False  # a new radius: first answer, then the final one
    assert APPROXIMATE not in _titles(at) and APPROXIMATE not in texts(at.caption)
    assert list(at.table[0].value.columns) == ["standard convex", "robust convex", "PGD-trained SGD"]
    assert "sampled patterns" in texts(at.caption) and "fast first answer" not in texts(at.caption)
    _train_eps(at).set_value(0.1).run()  # back to a radius solved before: cached
    assert not at.exception and asked[-1] is True
    assert len(figures(at)) == 5
    st.cache_data.clear()


def _no_pgd_training(monkeypatch) -> list:
    """PGD training made to raise (the final answer's stand-in): the run ends on the first answer, which
    must not have asked for it. Returns the calls made."""
    calls: list = []

    def no_final(*args, **kwargs):
        calls.append(kwargs)
        raise StopBeforeFinalError

    monkeypatch.setattr(explorer.cache, "run_pgd_sgd", no_final)
    return calls


def _pgd_marked_training(at: AppTest, train_eps: float) -> None:
    """The first answer's PGD places: its panel (points, no network), curves and table say training."""
    panels = [
        f for f in figures(at) if str(f["layout"].get("title", {}).get("text", "")).startswith(PGD_NAME)
    ]
    assert len(panels) == 1
    title = panels[0]["layout"]["title"]["text"]
    assert f"{PGD_NAME} (ε_train = {train_eps:g})" in title and TRAINING in title
    names = [str(t.get("name", "")) for t in panels[0]["data"]]
    assert [t.get("type") for t in panels[0]["data"]].count("image") == 1 and "plane (training …)" in names
    assert not any("boundary" in n or "ball" in n for n in names)  # no network drawn: points on a plain plane
    assert f"{PGD_NAME}: {TRAINING}" in _titles(at).split("Accuracy")[1]
    curves = next(f for f in figures(at) if "Accuracy" in str(f["layout"].get("title", {}).get("text")))
    assert not any(PGD_NAME in str(t.get("name")) for t in curves["data"])  # no curve of it yet
    table = at.table[0].value
    assert set(table[PGD_NAME]) == {TRAINING}
    assert f"{PGD_NAME}: {TRAINING}" in texts(at.caption)


def test_adversarial_first_answer_does_not_wait_for_pgd_training(app_path: str, monkeypatch) -> None:
    """A new training radius: the first answer has the standard and the (approximate) robust networks
    and marks the PGD network's places as training; PGD training is asked for only by the final one."""
    st.cache_data.clear()
    at = _adversarial(app_path)
    calls = _no_pgd_training(monkeypatch)
    _train_eps(at).set_value(0.13).run()
    assert len(at.exception) == 1 and len(calls) == 1  # the final answer asked for PGD training, once
    _pgd_marked_training(at, 0.13)
    assert "robust (approximate) (ε = " in _titles(at) and "standard convex (ε = " in _titles(at)
    assert list(at.table[0].value.columns) == ["standard convex", "robust (approximate)", "PGD-trained SGD"]
    st.cache_data.clear()


def test_adversarial_gradient_change_keeps_the_cached_robust_network(app_path: str, monkeypatch) -> None:
    """A new SGD setting changes the PGD network alone: the first answer shows the robust program's own
    (cached) network, not an approximate one, and the PGD network as training."""
    st.cache_data.clear()
    at = _adversarial(app_path)
    calls = _no_pgd_training(monkeypatch)
    at.sidebar.number_input(key="seed").set_value(7).run()
    assert len(at.exception) == 1 and len(calls) == 1
    _pgd_marked_training(at, 0.1)
    assert "robust convex (ε = " in _titles(at) and APPROXIMATE not in _titles(at)
    assert "fast first answer" not in texts(at.caption)
    st.cache_data.clear()


def test_thinned_keeps_the_first_and_last_frames_in_order() -> None:
    import numpy as np

    from engine.results import Snapshots
    from explorer.progressive import FIRST_FRAMES, thinned

    for k in (1, 5, FIRST_FRAMES, FIRST_FRAMES + 1, 80, 81):
        step = np.r_[0, np.cumsum(np.arange(1, k))].astype(int)
        snaps = Snapshots(
            step, np.arange(k * 6.0).reshape(k, 2, 3), np.arange(k * 2.0).reshape(k, 2), step * 0.5
        )
        out = thinned(snaps, FIRST_FRAMES)
        assert len(out) == min(k, FIRST_FRAMES)
        assert out.step[0] == 0 and out.step[-1] == step[-1] and np.all(np.diff(out.step) > 0)
        for i, s in enumerate(out.step):  # each kept frame is the frame of its step, whole
            j = int(np.flatnonzero(step == s)[0])
            assert np.array_equal(out.W[i], snaps.W[j]) and out.objective[i] == snaps.objective[j]


# ----------------------------------------------------------------------------------------------
# the Patterns page's P slider


def _patterns(app_path: str) -> AppTest:
    """The Patterns page drawn once at n = 120 (the curve's budget stops it at 500 draws) and P = 200."""
    at = _start(app_path, n="120")
    at.switch_page("pages/patterns.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _curve(at: AppTest) -> dict:
    return next(f for f in figures(at) if "Sampled program optimum" in str(f["layout"]["title"]["text"]))


def _numbers(values) -> list[float]:
    """A figure's array as numbers: a list, or plotly's typed array ``{"dtype", "bdata"}`` (base64)."""
    import base64

    import numpy as np

    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return [float(v) for v in values]


def _curve_counts(fig: dict) -> list[float]:
    trace = next(t for t in fig["data"] if str(t.get("name", "")).startswith("sampled program optimum"))
    return _numbers(trace["x"])


def test_patterns_new_p_first_draws_the_solved_counts_and_marks_the_new_one(
    app_path: str, monkeypatch
) -> None:  # noqa: E501
    """P = 1000 at n = 120 adds a draw count to the curve: the first answer has the new coverage and the
    curve of the counts solved before with P = 1000 marked as being solved (the final solve is made to
    raise, so the run ends on the first answer)."""
    st.cache_data.clear()
    at = _patterns(app_path)
    assert max(_curve_counts(_curve(at))) == 500
    original = explorer.cache.approximation_curve

    def no_final(X, y, *, counts, **kwargs):
        if 1000 in counts:
            raise StopBeforeFinalError
        return original(X, y, counts=counts, **kwargs)

    monkeypatch.setattr(explorer.cache, "approximation_curve", no_final)
    at.select_slider[0].set_value(1000).run()
    assert len(at.exception) == 1  # the new count's solve raised, after the first answer
    assert "Hit by 1000 draws" in [m.label for m in at.metric]  # the new coverage is drawn
    fig = _curve(at)
    assert "solving P = 1000 …" in fig["layout"]["title"]["text"]
    assert _curve_counts(fig) == [10, 20, 50, 100, 200, 500]  # only counts solved before, no value at 1000
    marks = [t for t in fig["data"] if str(t.get("name", "")).startswith("P = 1000 draws: solving")]
    assert len(marks) == 1 and set(_numbers(marks[0]["x"])) == {1000.0}
    assert "Solving the sampled program on P = 1000 draws" in texts(at.caption)
    monkeypatch.setattr(explorer.cache, "approximation_curve", original)
    st.cache_data.clear()


def test_patterns_new_p_ends_on_the_whole_curve_and_a_hit_answers_once(app_path: str, monkeypatch) -> None:
    st.cache_data.clear()
    asked = _stages_asked(monkeypatch)
    at = _patterns(app_path)
    assert asked == [True]  # nothing cached before: one answer
    at.select_slider[0].set_value(500).run()  # every count already solved: one answer
    assert not at.exception and asked[-1] is True
    at.select_slider[0].set_value(1000).run()
    assert not at.exception, [e.value for e in at.exception]
    assert asked[-1] is False  # a new count: first answer, then the whole curve
    fig = _curve(at)
    assert "solving" not in fig["layout"]["title"]["text"] and "Solving" not in texts(at.caption)
    assert _curve_counts(fig) == [10, 20, 50, 100, 200, 500, 1000]
    assert not any("solving" in str(t.get("name", "")) for t in fig["data"])
    at.select_slider[0].set_value(200).run()  # back: the curve up to 1000 stays (P = 1000 solved), cached
    assert not at.exception and asked[-1] is True
    st.cache_data.clear()


class _Clock:
    """A stand-in for the ``time`` module of explorer.progressive: sleeps advance a clock, recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_hand_over_waits_until_the_first_answer_is_sent_and_no_longer_than_its_limit(monkeypatch) -> None:
    from explorer.progressive import HANDOVER_S, HANDOVER_STEP_S, hand_over

    first, final = FIRST_THEN_FINAL
    for stage in (first, FINAL_ONLY[0]):  # a first stage, or a run with one answer: no pause at all
        clock = _Clock()
        monkeypatch.setattr(explorer.progressive, "time", clock)
        hand_over(stage)
        assert clock.sleeps == []
    sent_after = {"polls": 3}

    def sent() -> bool:
        sent_after["polls"] -= 1
        return sent_after["polls"] < 0

    clock = _Clock()
    monkeypatch.setattr(explorer.progressive, "time", clock)
    monkeypatch.setattr(explorer.progressive, "sent_so_far", sent)
    hand_over(final)  # sent at the fourth look: a step, three more while waiting, one after
    assert clock.sleeps == [HANDOVER_STEP_S] * 5
    clock = _Clock()
    monkeypatch.setattr(explorer.progressive, "time", clock)
    monkeypatch.setattr(explorer.progressive, "sent_so_far", lambda: False)
    hand_over(final)  # never sent (a stuck loop): gives up after HANDOVER_S
    assert HANDOVER_S <= clock.now <= HANDOVER_S + 2 * HANDOVER_STEP_S + 1e-12
