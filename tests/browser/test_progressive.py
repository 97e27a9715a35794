"""Progressive answers in Chromium (explorer.progressive): on a cache miss of the Playground's convex
program the charts change while the script still runs (the first answer, labelled approximate), and the
run ends on the certified answer with no approximate label left; on a cache hit no approximate label
shows at any time."""

from __future__ import annotations

import time

from benchmarks.browser import APP, EXCEPTION, SIGNATURE_JS, chart_signature, move_slider, settle, step_number
from explorer.progressive import APPROXIMATE, TRAINING
from tests.browser.conftest import PROJECTOR, served_tab

_STATE_JS = f"""() => {{
  const app = document.querySelector('{APP}');
  const main = document.querySelector('[data-testid="stMain"]');
  const titles = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map((el) => (el.layout && el.layout.title && el.layout.title.text) || '').join(' ');
  const text = main ? main.innerText + ' ' + titles : '';
  return {{
    running: !!app && app.getAttribute('data-test-script-state') === 'running',
    approximate: text.includes({APPROXIMATE!r}),
    training: text.includes({TRAINING!r}),
    solving: text.includes('solving P = '),
  }};
}}"""


# Records in the page every state the DOM takes (a MutationObserver: it runs after each batch of changes,
# between Plotly's draws), so a first answer shown for less than one poll of :func:`_watch` is not missed
# while the page's main thread is busy drawing (a poll waits for it).
_RECORD_JS = f"""(before) => {{
  const state = {_STATE_JS};
  const signature = {SIGNATURE_JS};
  const seen = (window.__progressStates = []);
  let last = '';
  const note = () => {{
    const s = state();
    s.changed = signature() !== before;
    const k = JSON.stringify(s);
    if (k !== last) {{ last = k; seen.push(s); }}
  }};
  if (window.__progressObserver) window.__progressObserver.disconnect();
  window.__progressObserver = new MutationObserver(note);
  window.__progressObserver.observe(document.body, {{subtree: true, childList: true, attributes: true,
                                                   characterData: true}});
}}"""


def _record(tab) -> str:
    """The charts' signature now, after starting the page's record of its states (:data:`_RECORD_JS`)."""
    before = chart_signature(tab)
    tab.evaluate(_RECORD_JS, before)
    return before


def _watch(tab, before: str, since: float, timeout_s: float = 120.0) -> list[dict]:
    """Poll the page from ``since`` until the charts differ from ``before`` and the app has been idle for
    a second: each poll's (seconds, running, approximate text shown, charts changed), then every state the
    page recorded since :func:`_record` (in order, without ``t``)."""
    polls: list[dict] = []
    idle_since = None
    while time.monotonic() - since < timeout_s:
        state = tab.evaluate(_STATE_JS)
        state["changed"] = chart_signature(tab) != before
        state["t"] = time.monotonic() - since
        polls.append(state)
        if state["changed"] and not state["running"]:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 1.0:
                return polls + tab.evaluate("() => window.__progressStates || []")
        else:
            idle_since = None
        time.sleep(0.02)
    raise TimeoutError(f"no final answer within {timeout_s:g} s")


def test_a_miss_shows_a_labelled_first_answer_then_the_certified_one() -> None:
    with served_tab(PROJECTOR) as (tab, url):
        tab.goto(f"{url}/?n=200&epochs=100", wait_until="domcontentloaded")
        settle(tab, timeout_s=300, charts=5)
        assert tab.locator(EXCEPTION).count() == 0
        for _ in range(2):  # two new data seeds: each a miss of the exact program
            before = _record(tab)
            polls = _watch(tab, before, step_number(tab, "Data seed"))
            first_change = next(p for p in polls if p["changed"] and "t" not in p)  # recorded in order
            assert first_change["running"], polls  # the charts changed before the run ended
            # the first answer: charts changed and labelled approximate while the certified one is solved
            assert any(p["changed"] and p["approximate"] and p["running"] for p in polls), polls
            end = tab.evaluate(_STATE_JS)
            assert not end["approximate"] and not end["running"]
            assert "Convex global optimum (certified)" in tab.locator(
                '[data-testid="stMain"]'
            ).inner_text() or (
                tab.locator(".js-plotly-plot")
                .first.evaluate("(el) => el.layout.title.text")
                .startswith("Convex global optimum (certified)")
            )
            settle(tab, timeout_s=120, charts=5)
        # back to a seed shown before: the certified result is cached, drawn at once, never approximate
        before = _record(tab)
        polls = _watch(tab, before, step_number(tab, "Data seed", forward=False))
        assert not any(p["approximate"] for p in polls), polls
        assert tab.locator(EXCEPTION).count() == 0


def test_adversarial_training_radius_first_answer_marks_pgd_training_then_draws_it() -> None:
    """A new training radius: the charts change while the script runs, with the PGD network's places
    marked training; the run ends with every place drawn and no mark left. Back to a radius shown
    before: cached, never marked."""
    with served_tab(PROJECTOR) as (tab, url):
        tab.goto(f"{url}/adversarial?n=200&loss=hinge", wait_until="domcontentloaded")
        settle(tab, timeout_s=300, charts=5)
        assert tab.locator(EXCEPTION).count() == 0
        label = "Train at radius"
        before = _record(tab)
        polls = _watch(tab, before, move_slider(tab, label))
        assert any(p["changed"] and p["training"] and p["running"] for p in polls), polls
        end = tab.evaluate(_STATE_JS)
        assert not end["training"] and not end["approximate"] and not end["running"]
        assert tab.locator(EXCEPTION).count() == 0
        settle(tab, timeout_s=120, charts=5)
        before = _record(tab)
        polls = _watch(tab, before, move_slider(tab, label, "ArrowLeft"))  # back: cached
        assert not any(p["training"] or p["approximate"] for p in polls), polls


def test_patterns_new_draw_count_first_marks_it_solving_then_draws_the_whole_curve() -> None:
    """P from 500 to 1000 at n = 200 adds a count to the curve: first the curve of the counts solved
    before with P = 1000 marked solving, while the script runs; at the end the whole curve, no mark."""
    # a window tall enough to show the curve (~1,400 px down): a chart off screen is drawn once the page
    # is quiet (explorer.live_chart), so a first answer replaced before then is never drawn there
    with served_tab(dict(PROJECTOR, height=2100)) as (tab, url):
        tab.goto(f"{url}/patterns?n=200&draws=500", wait_until="domcontentloaded")
        settle(tab, timeout_s=300, charts=3)
        assert tab.locator(EXCEPTION).count() == 0
        before = _record(tab)
        polls = _watch(tab, before, move_slider(tab, "Sampled directions P"))
        assert any(p["changed"] and p["solving"] and p["running"] for p in polls), polls
        end = tab.evaluate(_STATE_JS)
        assert not end["solving"] and not end["running"]
        assert tab.locator(EXCEPTION).count() == 0
