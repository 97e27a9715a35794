"""An address of more than 1000 parameters (Streamlit ignores such an address as a whole) keeps its first
settings and says that the rest were dropped, in a real browser on a real server (the cut happens in
the server's session, which AppTest does not have). The server's first script run installs the rule
(app.py), so a first visit warms the server up, as any earlier visitor does."""

from __future__ import annotations

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, settle
from benchmarks.load import served


def test_more_than_1000_parameters_are_cut_with_a_notice() -> None:
    from playwright.sync_api import sync_playwright

    junk = "&".join(f"x{i}=1" for i in range(1200))
    with served() as (_proc, base_url), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            base = f"{base_url}/patterns"
            warm = browser.new_context(viewport=VIEWPORT).new_page()
            warm.goto(f"{base}?n=10&epochs=20", wait_until="domcontentloaded")
            warm.get_by_text("Exact patterns", exact=False).first.wait_for(timeout=180_000)
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.goto(f"{base}?n=15&epochs=20&data=xor&{junk}", wait_until="domcontentloaded")
            page.get_by_text("more than 1000 parameters", exact=False).first.wait_for(timeout=180_000)
            settle(page, timeout_s=180)
            notice = page.get_by_text("more than 1000 parameters", exact=False).first.inner_text()
            sidebar = " ".join(page.locator('[data-testid="stSidebar"]').inner_text().split())
        finally:
            browser.close()
    assert "the last 204 were dropped" in notice, notice  # 3 settings + 1200 junk: the first 999 are kept
    assert "Training points n 15" in sidebar  # the settings at the start of the address still apply
