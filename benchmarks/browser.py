"""Driving the app in a real browser: the Streamlit server, Debian's Chromium and slider moves.

Shared by the browser test (tests/test_browser.py) and the slider timing benchmark
(benchmarks/slider_timing.py). Needs the Python package ``playwright`` and ``/usr/bin/chromium``
(``apt-get install -y chromium``); no browser download is involved.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "APP",
    "CHART",
    "CHROMIUM",
    "EXCEPTION",
    "SIGNATURE_JS",
    "chart_signature",
    "chromium",
    "click_chart",
    "flip_toggle",
    "free_port",
    "move_slider",
    "page_answers",
    "pick_option",
    "step_number",
    "settle",
    "slider_value",
    "start_page_clock",
    "streamlit_process",
    "streamlit_server",
    "wait_for_answers",
    "wait_for_change",
    "watch_server_messages",
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
# A Plotly chart: st.plotly_chart's element, or the in-place chart of explorer.live_chart (a custom
# component's element holding the Plotly div).
CHART = ':is([data-testid="stPlotlyChart"], [data-testid="stBidiComponentRegular"]:has(.explorer-live-chart))'
EXCEPTION = '[data-testid="stException"]'
APP = '[data-testid="stApp"]'  # its data-test-script-state is "running" while a script runs
SKELETON = '[data-testid="stSkeleton"]'
VIEWPORT = {"width": 1440, "height": 1000}

# One string per Plotly chart: the length and a 32-bit hash of its figure's JSON (data and layout),
# computed in the page so that polling does not ship megabytes of heatmap values to Python. The hash of
# a chart is kept (a WeakMap) while its data and layout objects stay the same: Plotly gives a chart new
# ones whenever Streamlit sends it a new figure, so polling every 20 ms does not re-serialize a megabyte
# of figures each time and steal the CPU the page needs to draw them (2 cores).
SIGNATURE_JS = """() => {
  const memo = (window.__chartSignatures = window.__chartSignatures || new WeakMap());
  return Array.from(document.querySelectorAll('.js-plotly-plot')).map((el) => {
    const held = memo.get(el);
    if (held && held.data === el.data && held.layout === el.layout) return held.sig;
    const s = JSON.stringify([el.data, el.layout]);
    let h = 0;
    for (let i = 0; i < s.length; i++) { h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0; }
    const sig = s.length + ':' + h;
    memo.set(el, {data: el.data, layout: el.layout, sig: sig});
    return sig;
  }).join(',');
}"""


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The flags of a plain local run; benchmarks/load.py passes the Dockerfile's serving flags instead.
LOCAL_ARGS = ("--server.headless=true", "--browser.gatherUsageStats=false")


@contextmanager
def streamlit_process(
    app: str = "app.py", args: Sequence[str] = LOCAL_ARGS, port: int | None = None, timeout_s: float = 60.0
) -> Iterator[tuple[subprocess.Popen, str]]:
    """``streamlit run app *args`` on a local port (a free one by default); yields (process, base URL).

    The server's output goes to a temporary file (a pipe nobody reads could fill and stall the server
    during a long benchmark). Raises RuntimeError, with that output, if the server exits or is not
    healthy within ``timeout_s``; stops the server afterwards.
    """
    port = free_port() if port is None else port
    cmd = [sys.executable, "-m", "streamlit", "run", app, *args]
    cmd += [f"--server.port={port}", "--server.address=127.0.0.1"]
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    out = log.read().decode(errors="replace")
                    raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{out}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not become healthy within {timeout_s:g} s")
                time.sleep(0.3)
            yield proc, url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def streamlit_server(app: str = "app.py", timeout_s: float = 60.0) -> Iterator[str]:
    """``streamlit run app`` headless on a free local port; yields its base URL (see streamlit_process)."""
    with streamlit_process(app, timeout_s=timeout_s) as (_proc, url):
        yield url


@contextmanager
def chromium(playwright: Any) -> Iterator[Any]:
    """Debian's Chromium, headless, launched through Playwright; closed afterwards."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


_RUNNING_JS = f"""() => {{
  const app = document.querySelector('{APP}');
  return !!app && app.getAttribute('data-test-script-state') === 'running';
}}"""


def _busy(page: Any) -> bool:
    """Whether a script runs (the app root's ``data-test-script-state``; Streamlit's status widget never
    appears with ``toolbarMode = "minimal"``) or a placeholder still waits for its element."""
    return bool(page.evaluate(_RUNNING_JS)) or page.locator(SKELETON).count() > 0


def settle(page: Any, timeout_s: float = 120.0, quiet_s: float = 1.0, charts: int = 0) -> float:
    """Wait until the app has stopped running and no chart has changed for ``quiet_s`` seconds (charts off
    screen are drawn once the page is quiet: explorer.live_chart), with at least ``charts`` Plotly charts
    drawn; returns the seconds from the call until it went quiet. TimeoutError if it never does."""
    start = time.monotonic()
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    calm_since = None
    seen = None
    while time.monotonic() - start < timeout_s:
        now = chart_signature(page)
        changed, seen = now != seen, now
        if changed or _busy(page) or page.locator(f"{CHART} .main-svg").count() < charts:
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= quiet_s:
            return calm_since - start
        time.sleep(0.05)
    raise TimeoutError(f"the page did not settle within {timeout_s:g} s")


def chart_signature(page: Any) -> str:
    """A short string that changes whenever any Plotly figure on the page changes."""
    return str(page.evaluate(SIGNATURE_JS))


def _slider(page: Any, label: str) -> Any:
    """The thumb of the slider (or select slider) whose label starts with ``label``."""
    box = page.locator('[data-testid="stSlider"]').filter(has=page.get_by_text(label, exact=False))
    return box.first.get_by_role("slider")


def slider_value(page: Any, label: str) -> str:
    """The value a slider shows on its thumb."""
    return str(_slider(page, label).get_attribute("aria-valuetext") or _slider(page, label).inner_text())


def move_slider(page: Any, label: str, key: str = "ArrowRight", tries: int = 3) -> float:
    """Move a slider one step with the keyboard (focus its thumb, press ``key``) and return the
    ``time.monotonic()`` of the press that moved it. A press the page drops (the thumb was redrawn under
    the focus just then) is repeated, up to ``tries`` presses; RuntimeError if none moved it."""
    before = slider_value(page, label)
    for _ in range(tries):
        thumb = _slider(page, label)
        thumb.focus()
        pressed = time.monotonic()
        thumb.press(key)
        while time.monotonic() - pressed < 1.0:
            if slider_value(page, label) != before:
                return pressed
            time.sleep(0.02)
    raise RuntimeError(f"the slider {label!r} did not move from {before} after {tries} presses of {key}")


def wait_for_change(
    page: Any, before: str, timeout_s: float = 60.0, quiet_s: float = 0.0, since: float | None = None
) -> float:
    """Seconds (from ``since``, a ``time.monotonic()`` reading, or from the call) until the charts differ
    from the signature ``before`` and the app is idle (held for ``quiet_s`` seconds, not counted).
    TimeoutError if that does not happen within ``timeout_s``."""
    start = time.monotonic() if since is None else since
    done_at = None
    while time.monotonic() - start < timeout_s:
        if not _busy(page) and chart_signature(page) != before:
            done_at = done_at or time.monotonic()
            if time.monotonic() - done_at >= quiet_s and not _busy(page):
                return done_at - start
        else:
            done_at = None
        time.sleep(0.02)
    changed = "changed" if chart_signature(page) != before else "did not change"
    busy = "still running" if _busy(page) else "idle"
    raise TimeoutError(f"no redraw within {timeout_s:g} s (the charts {changed}, the app is {busy})")


def _charts_drawn(signature: str) -> int:
    return len([part for part in signature.split(",") if part])


# The page's own clock (performance.now(), milliseconds): the time of the last trusted input event (a
# pointer down or key down: the click, key press or option choice that changes a control), a log of every
# state the page takes ([time, chart signature, busy, whether a chart in the window changed]: a
# MutationObserver, which runs after each batch of DOM changes, between Plotly's draws) and the time of
# every animation frame (a requestAnimationFrame loop, read with performance.now() when its callback runs:
# the frame painted after a change). Installed once per page and reset before each change
# (:func:`start_page_clock`).
_PAGE_CLOCK_JS = f"""() => {{
  if (!window.__pageClock) {{
    const signature = {SIGNATURE_JS};
    const busy = () => {{
      const app = document.querySelector('{APP}');
      return (!!app && app.getAttribute('data-test-script-state') === 'running')
        || !!document.querySelector('{SKELETON}');
    }};
    const clock = (window.__pageClock = {{ input: null, log: [], frames: [], last: '', sig: '', signature }});
    // whether a chart that changed since the last note is on screen (in the window)
    const changedOnScreen = (s) => {{
      const now = s.split(','), was = clock.sig.split(',');
      const charts = document.querySelectorAll('.js-plotly-plot');
      clock.sig = s;
      return now.some((part, i) => {{
        if (part === was[i] || !charts[i]) return false;
        const box = charts[i].getBoundingClientRect();
        return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight;
      }});
    }};
    clock.note = () => {{
      const s = signature(), b = busy(), k = s + '|' + b;
      const shown = s !== clock.sig && changedOnScreen(s);
      if (k !== clock.last || shown) {{ clock.last = k; clock.log.push([performance.now(), s, b, shown]); }}
    }};
    for (const type of ['pointerdown', 'keydown']) {{
      window.addEventListener(type, (e) => {{ if (e.isTrusted) clock.input = performance.now(); }}, true);
    }}
    new MutationObserver(clock.note).observe(document, {{ subtree: true, childList: true,
      attributes: true, characterData: true }});
    const frame = () => {{
      clock.frames.push(performance.now());
      if (clock.frames.length > 20000) clock.frames.splice(0, 10000);
      requestAnimationFrame(frame);
    }};
    requestAnimationFrame(frame);
  }}
  const clock = window.__pageClock;
  Object.assign(clock, {{ input: null, log: [], frames: [], last: '', sig: clock.signature() }});
  clock.note();
}}"""

# (first, final) in seconds on the page's clock from the last input event to the first frame after the
# charts differ from ``before`` with as many drawn (first) and after the page last became idle with them
# different, had handled the server's last message and drew its last change of a chart on screen (final);
# null when the clock saw no input or no final state.
_PAGE_ANSWERS_JS = """(before) => {
  const clock = window.__pageClock;
  if (!clock || clock.input === null) return null;
  const drawn = (s) => s.split(',').filter((part) => part).length;
  const wanted = drawn(before);
  const painted = (t) => { const f = clock.frames.find((x) => x >= t); return f === undefined ? t : f; };
  let first = null, final = null, last = null, previous = before;
  let shownLast = null;
  for (const [t, s, busy, shown] of clock.log) {
    const changed = s !== before;
    if (first === null && changed && drawn(s) >= wanted && t >= clock.input) first = t;
    if (changed && !busy) { if (final === null) final = t; } else final = null;
    if (s !== previous && drawn(s) >= wanted) last = t;
    if (shown && changed && t >= clock.input) shownLast = t;
    previous = s;
  }
  if (final === null) return null;
  // not before the last chart on screen changed (a chart may be drawn in the browser after the run)
  if (shownLast !== null) final = Math.max(final, shownLast);
  // not before the page has handled the server's last message since the input (watch_server_messages)
  const handled = (window.__serverMessages || []).filter((t) => t >= clock.input);
  if (handled.length) final = Math.max(final, handled[handled.length - 1]);
  const at = (t) => (painted(Math.max(t, clock.input)) - clock.input) / 1000;
  return [at(first === null ? final : Math.min(first, final)), at(final), at(Math.max(last || final, final))];
}"""


# Every message from the server, noted on the page's clock once the page has handled it (a task after
# the message event, whose handler Streamlit registered after this one): installed before the page's own
# scripts (:func:`watch_server_messages`), so that it sees the app's websocket from its start.
_SERVER_MESSAGES_JS = """(() => {
  const Socket = window.WebSocket;
  const handled = (window.__serverMessages = []);
  function Watched(...args) {
    const socket = new Socket(...args);
    socket.addEventListener('message', () => setTimeout(() => {
      handled.push(performance.now());
      if (handled.length > 20000) handled.splice(0, 10000);
    }, 0));
    return socket;
  }
  Watched.prototype = Socket.prototype;
  Object.assign(Watched, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Watched;
})();"""


def watch_server_messages(context: Any) -> None:
    """Note on each page of the browser ``context`` when it has handled each message of the server
    (before the page's scripts run): :func:`page_answers` then never reads a final answer before the page
    has handled every message of the run that the change started. The app root's script state alone can
    miss a run: a page busy drawing (a chart redrawn in the browser on the click itself) takes a whole
    run's messages in one batch, and its state never shows "running"."""
    context.add_init_script(_SERVER_MESSAGES_JS)


def start_page_clock(page: Any) -> None:
    """Start (or restart) the page's own record of a change (:data:`_PAGE_CLOCK_JS`), before the input
    that makes it; :func:`wait_for_answers` then reads its times from the page."""
    page.evaluate(_PAGE_CLOCK_JS)


def page_answers(page: Any, before: str) -> tuple[float, float, float] | None:
    """``(first, final, every)`` seconds as the page's clock saw them since :func:`start_page_clock`: from
    the last input event to the first frame painted after the charts differ from ``before`` (as many
    drawn), after the app last became idle with them different and the page had handled the server's
    last message (:func:`watch_server_messages`, where installed; the charts on screen drawn: those off
    screen wait for the page to be quiet, explorer.live_chart), and after the last chart changed (every
    chart drawn, off screen too; read it after :func:`settle`); None when no clock ran or it saw neither."""
    got = page.evaluate(_PAGE_ANSWERS_JS, before)
    return None if got is None else (float(got[0]), float(got[1]), float(got[2]))


def wait_for_answers(
    page: Any, before: str, timeout_s: float = 60.0, quiet_s: float = 0.0, since: float | None = None
) -> tuple[float, float]:
    """``(first, final)``: seconds (from ``since``, a ``time.monotonic()`` reading, or from the call) until
    the charts first differ from the signature ``before`` while the app may still run (the first answer of
    a progressive page, explorer.progressive; a chart being replaced, briefly absent, does not count:
    as many charts must be drawn as before), and until they differ and the app is idle (held for
    ``quiet_s`` seconds, not counted: :func:`wait_for_change`). On a page that answers once the two are
    close. TimeoutError if the final answer does not come within ``timeout_s``."""
    start = time.monotonic() if since is None else since
    wanted = _charts_drawn(before)
    first = None
    done_at = None
    while time.monotonic() - start < timeout_s:
        now_sig = chart_signature(page)
        busy = _busy(page)
        if first is None and now_sig != before and _charts_drawn(now_sig) >= wanted:
            first = time.monotonic() - start
        if not busy and now_sig != before:
            done_at = done_at or time.monotonic()
            if time.monotonic() - done_at >= quiet_s and not _busy(page):
                final = done_at - start
                return (final if first is None else min(first, final)), final
        else:
            done_at = None
        time.sleep(0.02)
    changed = "changed" if chart_signature(page) != before else "did not change"
    busy = "still running" if _busy(page) else "idle"
    raise TimeoutError(f"no redraw within {timeout_s:g} s (the charts {changed}, the app is {busy})")


def _box(page: Any, testid: str, label: str) -> Any:
    """The first element of this test id whose label starts with ``label``."""
    return page.locator(f'[data-testid="{testid}"]').filter(has=page.get_by_text(label, exact=False)).first


def _pressed_until(page: Any, act, read, tries: int = 3) -> float:
    """Do ``act`` until ``read()`` changes (up to ``tries`` times, a second each); the monotonic time of
    the action that changed it (``act`` may return it: the time of its last step, the click that
    changes the value, after steps that change nothing such as opening a list). RuntimeError if none
    did."""
    before = read()
    for _ in range(tries):
        pressed = time.monotonic()
        decisive = act()
        if isinstance(decisive, float):
            pressed = decisive
        while time.monotonic() - pressed < 1.0:
            if read() != before:
                return pressed
            time.sleep(0.02)
    raise RuntimeError(f"the control did not change from {before!r} after {tries} tries")


def pick_option(page: Any, label: str, forward: bool = True) -> float:
    """Choose the next (or previous) option of a radio group or a select box labelled ``label``; returns
    the monotonic time of the click that changed it."""
    radio = _box(page, "stRadio", label)
    if radio.count():
        options = radio.locator('[data-testid="stRadioOption"]')

        def checked() -> int:
            return int(
                radio.evaluate("(el) => Array.from(el.querySelectorAll('input')).findIndex(i => i.checked)")
            )

        target = (checked() + (1 if forward else -1)) % options.count()
        return _pressed_until(page, lambda: options.nth(target).click(), checked)
    select = _box(page, "stSelectbox", label)
    field = select.locator('input[role="combobox"]')

    def shown() -> str:
        return str(field.input_value())

    def choose() -> float:
        """Open the list (the app does nothing yet), then click the option: the time of that click."""
        options = page.locator('[role="listbox"] [role="option"]')
        for _ in range(5):  # the list may not open while the page is redrawn: try again
            select.locator('button[aria-haspopup="listbox"]').click()
            try:
                options.first.wait_for(timeout=2_000)
                break
            except Exception:  # noqa: BLE001 - playwright's TimeoutError
                page.keyboard.press("Escape")
                time.sleep(0.5)
        texts = [t.strip() for t in options.all_inner_texts()]
        now = texts.index(shown()) if shown() in texts else 0
        target = options.nth((now + (1 if forward else -1)) % len(texts))
        target.hover()  # Playwright's own checks before the click, untimed
        clicked = time.monotonic()
        target.click()
        return clicked

    return _pressed_until(page, choose, shown)


def flip_toggle(page: Any, label: str) -> float:
    """Flip the toggle (or checkbox) labelled ``label``; the monotonic time of the click."""
    box = _box(page, "stCheckbox", label)

    def state() -> bool:
        return bool(box.locator("input").is_checked())

    return _pressed_until(page, lambda: box.locator("label").first.click(), state)


def step_number(page: Any, label: str, forward: bool = True) -> float:
    """One step of the number input labelled ``label`` (its + or - button); the time of the click."""
    box = _box(page, "stNumberInput", label)
    button = box.locator(
        '[data-testid="stNumberInputStepUp"]' if forward else '[data-testid="stNumberInputStepDown"]'
    )

    def value() -> str:
        return str(box.locator("input").input_value())

    return _pressed_until(page, lambda: button.click(), value)


def click_chart(page: Any, index: int, fx: float, fy: float) -> float:
    """A click on the plot area of the ``index``-th Plotly chart at the fractions (fx, fy) of its width
    and height from the top left; the monotonic time of the click."""
    area = page.locator(f"{CHART} .nsewdrag").nth(index).bounding_box()
    if area is None:
        raise RuntimeError("the chart has no plot area to click")
    pressed = time.monotonic()
    page.mouse.click(area["x"] + fx * area["width"], area["y"] + fy * area["height"])
    return pressed
