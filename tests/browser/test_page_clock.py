"""The page's own clock of the slider benchmark (benchmarks.browser.start_page_clock / page_answers),
on a page without Streamlit whose "chart" changes a known time after a key press: the clock measures
that delay, from the key event to the frame painted after the change, and it is never later than what
Python's polls see."""

from __future__ import annotations

import time

from playwright.sync_api import sync_playwright

from benchmarks.browser import (
    APP,
    chart_signature,
    chromium,
    page_answers,
    start_page_clock,
    wait_for_answers,
)

# A stand-in for the app: a root with Streamlit's script-state attribute and one "Plotly chart" (an
# element of class js-plotly-plot with data and layout objects, as Plotly keeps them). A key press
# starts a "run" that changes the chart after FIRST_MS and ends after FINAL_MS.
FIRST_MS, FINAL_MS = 300, 600
_PAGE = f"""<html><body>
<div data-testid="stApp" data-test-script-state="notRunning">
  <div class="js-plotly-plot" id="chart"></div>
</div>
<script>
  const chart = document.getElementById('chart');
  chart.data = [{{x: [0]}}]; chart.layout = {{}};
  window.addEventListener('keydown', () => {{
    const app = document.querySelector('{APP}');
    setTimeout(() => app.setAttribute('data-test-script-state', 'running'), 20);
    setTimeout(() => {{ chart.data = [{{x: [1]}}]; chart.setAttribute('data-drawn', '1'); }}, {FIRST_MS});
    setTimeout(() => app.setAttribute('data-test-script-state', 'notRunning'), {FINAL_MS});
  }});
</script></body></html>"""


def test_page_clock_measures_a_known_delay_and_never_exceeds_the_polls() -> None:
    with sync_playwright() as p, chromium(p) as browser:
        page = browser.new_page()
        page.set_content(_PAGE)
        for _ in range(3):
            signature = chart_signature(page)
            start_page_clock(page)
            pressed = time.monotonic()
            page.keyboard.press("a")
            polled = wait_for_answers(page, signature, timeout_s=10, quiet_s=0.2, since=pressed)
            clocked = page_answers(page, signature)
            assert clocked is not None
            first, final, every = clocked
            # the change and the end are set by timers: at least their delay, at most a few frames more
            assert FIRST_MS / 1000 <= first < FIRST_MS / 1000 + 0.1, clocked
            assert FINAL_MS / 1000 <= final < FINAL_MS / 1000 + 0.1, clocked
            assert first <= polled[0] + 0.02 and final <= polled[1] + 0.02, (clocked, polled)
            assert every >= final, clocked
            page.evaluate("() => { document.getElementById('chart').data = [{x: [0]}]; }")  # back


# After its run, the stand-in's page handles a last server message (as watch_server_messages notes it)
# at MESSAGE_MS, redraws a chart in the window at SHOWN_MS and one far below the window at HIDDEN_MS.
MESSAGE_MS, SHOWN_MS, HIDDEN_MS = 700, 800, 950
_LATE_PAGE = f"""<html><body style="margin: 0">
<div data-testid="stApp" data-test-script-state="notRunning">
  <div class="js-plotly-plot" id="shown" style="height: 50px"></div>
  <div class="js-plotly-plot" id="hidden" style="height: 50px; margin-top: 3000px"></div>
</div>
<script>
  window.__serverMessages = [];
  for (const id of ['shown', 'hidden']) {{
    const chart = document.getElementById(id);
    chart.data = [{{x: [0]}}]; chart.layout = {{}};
  }}
  const redraw = (id, x) => {{
    const chart = document.getElementById(id);
    chart.data = [{{x: [x]}}]; chart.setAttribute('data-drawn', String(x));
  }};
  window.addEventListener('keydown', () => {{
    const app = document.querySelector('{APP}');
    setTimeout(() => app.setAttribute('data-test-script-state', 'running'), 20);
    setTimeout(() => redraw('shown', 1), {FIRST_MS});
    setTimeout(() => app.setAttribute('data-test-script-state', 'notRunning'), {FINAL_MS});
    setTimeout(() => window.__serverMessages.push(performance.now()), {MESSAGE_MS});
    setTimeout(() => redraw('shown', 2), {SHOWN_MS});
    setTimeout(() => redraw('hidden', 1), {HIDDEN_MS});
  }});
</script></body></html>"""


def _answers_after_a_key(browser, content: str) -> tuple[float, float, float]:
    """The page clock's answers on a fresh page of ``content`` after a key press, once it has settled."""
    page = browser.new_page(viewport={"width": 800, "height": 600})
    page.set_content(content)
    signature = chart_signature(page)
    start_page_clock(page)
    page.keyboard.press("a")
    time.sleep((HIDDEN_MS + 300) / 1000)
    answers = page_answers(page, signature)
    assert answers is not None
    return answers


def test_final_answer_waits_for_the_last_message_and_the_charts_in_the_window() -> None:
    """The final answer is never before the page handled the server's last message nor before the last
    change of a chart in the window (one drawn in the browser after the run); a chart far below the window
    counts for the 'every chart drawn' time only."""
    with sync_playwright() as p, chromium(p) as browser:
        first, final, every = answers = _answers_after_a_key(browser, _LATE_PAGE)
        assert FIRST_MS / 1000 <= first < FIRST_MS / 1000 + 0.1, answers
        assert SHOWN_MS / 1000 <= final < SHOWN_MS / 1000 + 0.1, answers
        assert HIDDEN_MS / 1000 <= every < HIDDEN_MS / 1000 + 0.1, answers
        # without the late redraw in the window, the last message sets the final answer
        without = _LATE_PAGE.replace(f"redraw('shown', 2), {SHOWN_MS}", "null, 0")
        _, final, _ = answers = _answers_after_a_key(browser, without)
        assert MESSAGE_MS / 1000 <= final < MESSAGE_MS / 1000 + 0.1, answers
