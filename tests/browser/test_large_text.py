"""The projector switch in Chromium: the live charts merge the large-text patch in the browser
(explorer.live_chart, engine.figures.style.large_text_patch), so every chart on the Playground draws its
text at the projector size (the default font, the title 2 px larger, every axis's ticks) and at the
taller height the patch asks for; switching back draws the figures as they were."""

from __future__ import annotations

import json

from benchmarks.browser import EXCEPTION, chart_signature, flip_toggle, settle, step_number, wait_for_change
from engine.figures.style import LARGE_TEXT_PX
from explorer.live_chart import LARGE_MARK, TEXT_SIZE_MARK
from tests.browser.conftest import PROJECTOR, served_tab

# Every live chart's drawn text sizes (Plotly's full layout: the figure's own values over the template's)
# and its height, in page order.
_SIZES_JS = """() => Array.from(document.querySelectorAll('div.explorer-live-chart.js-plotly-plot'))
  .map((el) => {
  const full = el._fullLayout;
  const axes = Object.keys(full).filter((k) => /^[xy]axis[0-9]*$/.test(k) && full[k].visible !== false
    && full[k].showticklabels !== false);
  return {
    font: full.font.size,
    title: full.title.font.size,
    ticks: Math.min(...axes.map((k) => full[k].tickfont.size)),
    height: full.height,
  };
})"""


# Counts each live chart's draws from now on (Plotly's "plotly_afterplot": one per pass of its drawing).
_COUNT_DRAWS_JS = """() => {
  const charts = Array.from(document.querySelectorAll('div.explorer-live-chart.js-plotly-plot'));
  window.__draws = charts.map(() => 0);
  charts.forEach((el, i) => {
    if (el.__countDraws) el.removeListener('plotly_afterplot', el.__countDraws);
    el.__countDraws = () => { window.__draws[i] += 1; };
    el.on('plotly_afterplot', el.__countDraws);
  });
}"""


def test_large_text_is_drawn_by_every_chart_and_switches_back() -> None:
    with served_tab(PROJECTOR) as (tab, url):
        tab.goto(f"{url}/?n=60", wait_until="domcontentloaded")
        settle(tab, timeout_s=300, charts=5)
        small = tab.evaluate(_SIZES_JS)
        assert len(small) == 5 and max(s["title"] for s in small) < LARGE_TEXT_PX

        before = chart_signature(tab)
        tab.evaluate(_COUNT_DRAWS_JS)
        wait_for_change(tab, before, timeout_s=120, quiet_s=0.5, since=flip_toggle(tab, "Large text"))
        settle(tab, timeout_s=120, quiet_s=0.5, charts=5)
        # one pass each (the playback's J strip has its step range set: left to Plotly, it is widened for
        # the inside tick labels after a first pass and the whole figure drawn again, three passes here)
        assert tab.evaluate("() => window.__draws") == [1] * 5
        large = tab.evaluate(_SIZES_JS)
        assert len(large) == 5
        for chart, was in zip(large, small, strict=True):
            assert chart["font"] >= LARGE_TEXT_PX and chart["title"] >= LARGE_TEXT_PX + 2, chart
            assert chart["ticks"] >= LARGE_TEXT_PX, chart
            assert chart["height"] >= was["height"]  # never shorter: a subtitle or a legend takes room
        assert any(c["height"] > w["height"] for c, w in zip(large, small, strict=True))

        before = chart_signature(tab)
        wait_for_change(tab, before, timeout_s=120, quiet_s=0.5, since=flip_toggle(tab, "Large text"))
        settle(tab, timeout_s=120, quiet_s=0.5, charts=5)
        assert tab.evaluate(_SIZES_JS) == small
        assert tab.locator(EXCEPTION).count() == 0

        # a new gradient run: its charts drawn once each (the playback's J strip has its step range set,
        # so Plotly does not widen it for the inside tick labels and draw again); the convex ones untouched
        before = chart_signature(tab)
        tab.evaluate(_COUNT_DRAWS_JS)
        wait_for_change(tab, before, timeout_s=120, quiet_s=0.5, since=step_number(tab, "Training seed"))
        settle(tab, timeout_s=120, quiet_s=0.5, charts=5)
        assert tab.evaluate("() => window.__draws") == [0, 1, 0, 1, 1]


# For each chart drawn from now on: whether the page's text-size mark (written by the server's run) said
# large text when the chart's drawing ended.
_MARK_AT_DRAW_JS = f"""() => {{
  window.__markAtDraw = [];
  for (const el of document.querySelectorAll('div.explorer-live-chart.js-plotly-plot')) {{
    el.on('plotly_afterplot', () => {{
      const mark = document.getElementById('{TEXT_SIZE_MARK}');
      window.__markAtDraw.push(!!mark && mark.textContent.includes({json.dumps(LARGE_MARK)}));
    }});
  }}
}}"""


def test_the_switch_redraws_the_charts_before_the_server_answers() -> None:
    """The click on the switch redraws the charts in the window at once (explorer.live_chart hears it),
    before the run it starts has written the page's text-size mark; the run then finds them drawn."""
    with served_tab(PROJECTOR) as (tab, url):
        tab.goto(f"{url}/?n=60", wait_until="domcontentloaded")
        settle(tab, timeout_s=300, charts=5)
        tab.evaluate(_MARK_AT_DRAW_JS)
        before = chart_signature(tab)
        wait_for_change(tab, before, timeout_s=120, quiet_s=0.5, since=flip_toggle(tab, "Large text"))
        settle(tab, timeout_s=120, quiet_s=0.5, charts=5)
        marks = tab.evaluate("() => window.__markAtDraw")
        assert len(marks) == 5 and not marks[0], marks  # the first drawn before the mark said large
        assert tab.evaluate(_SIZES_JS)[0]["title"] >= LARGE_TEXT_PX + 2
