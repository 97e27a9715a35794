"""A session's long computation stops when the session ends (explorer.budget.while_session_lives and
engine.cancel), end to end: a browser tab starts about eight CPU seconds of multi-start training on the
Landscape page (within the work budget), is closed after two seconds, and the server's CPU time stops
growing within a few seconds instead of running the rest of the work for nobody."""

from __future__ import annotations

import time

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from benchmarks.load import cpu_seconds, served
from engine.studies.cost import estimate

# about eight CPU seconds of the compiled training loop (estimate 8.4 s): batch 1, 2,000 epochs, 10 runs
SETTINGS = dict(n=200, width=50, epochs=2000, batch=1, opt="adam", patterns="exact", runs=10)
QUERY = "n=200&width=50&epochs=2000&batch=1&ls_runs=10&ls_section=spurious"


def test_closing_the_tab_stops_the_work() -> None:
    from playwright.sync_api import sync_playwright

    from explorer.budget import BUDGET_S

    work = estimate("spurious", SETTINGS).seconds
    assert 5 < work <= BUDGET_S  # long enough to see, and allowed to start
    with served() as (proc, base_url), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.goto(f"{base_url}/landscape?{QUERY}", wait_until="domcontentloaded")
            page.get_by_text("Training 10 networks", exact=False).wait_for(timeout=120_000)
            time.sleep(2.0)
            page.context.close()  # the tab goes away: the websocket closes
            time.sleep(3.0)
            settled = cpu_seconds(proc.pid)
            time.sleep(5.0)
            after = cpu_seconds(proc.pid)
        finally:
            browser.close()
    assert after - settled < 1.0, f"the server kept computing for nobody: {after - settled:.1f} CPU s in 5 s"
