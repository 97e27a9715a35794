"""A Plotly chart that updates in place: a Streamlit custom component (v2) that keeps one Plotly graph div
per key and hands every new figure to ``Plotly.react``.

Why: ``st.plotly_chart`` (Streamlit 1.67) derives its element id from the figure's JSON, so every changed
figure mounts a new chart element, which the browser draws twice (once before the column width is known,
once at it) on top of React's own work. A v2 component's id comes from its key alone
(``key_as_main_identity``), so a new figure reaches the same div and Plotly draws only the difference.

plotly.js comes from the installed ``plotly`` package (``plotly/package_data/plotly.min.js``, the version
the figures are built with; nothing is fetched from a CDN): :func:`prepare_static` copies it once into the
app's ``static/`` folder (git-ignored), which Streamlit serves at ``app/static/`` when
``server.enableStaticServing`` is on, and the component's script loads it with one ``<script>`` tag per
page (the browser caches it between page loads).

The figure is shown as ``st.plotly_chart(theme="streamlit")`` shows it: in the browser, the placeholder
colours of Streamlit's Plotly template are replaced by the app theme's colours (which Streamlit hands a
custom component as CSS custom properties, ``--st-chart-categorical-colors`` etc.), the theme's fonts and
text colours go under the template's layout and the title is set in bold.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from functools import cache
from pathlib import Path
from typing import Any

import plotly
import plotly.io as pio
import streamlit as st

from engine.figures.style import large_text_patch
from explorer.settings import TEXT_SIZE_KEY

__all__ = [
    "LARGE_MARK",
    "NAME",
    "PLOTLY_JS",
    "STATIC_DIR",
    "TEXT_SIZE_MARK",
    "available",
    "click_event",
    "large_text_patch_of",
    "live_chart",
    "payload",
    "prepare_static",
    "script_name",
    "text_size_style",
]

#: The component's name (Streamlit registers it under this name; AppTest shows it as ``bidi_component``).
NAME = "explorer.live_chart"
#: plotly.js as the installed plotly package ships it.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: The folder Streamlit serves at ``app/static/`` (next to ``app.py``).
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

_JS = r"""
const LOADING = "__explorerPlotlyLoading";

function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window[LOADING]) {
    window[LOADING] = new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = src;
      tag.onload = () => resolve(window.Plotly);
      tag.onerror = () => {
        window[LOADING] = null;
        reject(new Error("plotly.js could not be loaded from " + src));
      };
      document.head.appendChild(tag);
    });
  }
  return window[LOADING];
}

// Streamlit's Plotly template (the default once streamlit is imported) writes placeholder colours
// #000001 ... #000040 that st.plotly_chart's front end replaces by the theme's colours; the theme reaches
// a custom component as CSS custom properties (--st-*), read here the same way.
function themeColours(el) {
  const css = getComputedStyle(el);
  const v = (name) => css.getPropertyValue(name).trim();
  const list = (name) => v(name).split(",").map((c) => c.trim());
  const map = {};
  const put = (first, colours) => colours.forEach((c, i) => { if (c) map[first + i] = c; });
  put(1, list("--st-chart-categorical-colors"));
  put(11, list("--st-chart-sequential-colors"));
  put(21, list("--st-chart-diverging-colors"));
  Object.assign(map, {
    32: v("--st-green-color"), 33: v("--st-red-color"), 34: v("--st-blue-color"),
    35: v("--st-gray-color"), 36: v("--st-gray-text-color"), 37: v("--st-text-color"),
    38: v("--st-background-color"), 39: v("--st-secondary-background-color"), 40: v("--st-border-color"),
  });
  return {
    map, text: v("--st-text-color"), faded: v("--st-gray-text-color"), font: v("--st-font"),
    heading: v("--st-heading-color"), background: v("--st-background-color"), border: v("--st-border-color"),
  };
}

function themed(text, theme) {
  return text.replace(/"#0000([0-4][0-9])"/g, (whole, n) => {
    const colour = theme.map[Number(n)];
    return colour ? '"' + colour + '"' : whole;
  });
}

function merge(base, over) {
  for (const [k, v] of Object.entries(over)) {
    if (v && typeof v === "object" && base[k] && typeof base[k] === "object") merge(base[k], v);
    else base[k] = v;
  }
  return base;
}

// What st.plotly_chart's theme sets under the template's layout (the figure's own layout still wins).
function themeLayout(theme) {
  const small = { color: theme.faded, size: 12 };
  // ticklabeloverflow "allow": else Plotly measures every tick label of an axis again for each label it
  // places, to hide those past the div (the largest single cost in a CPU profile of the playback drawn at
  // the projector size); the margins keep the labels inside
  const axis = { tickfont: small, title: { font: { color: theme.faded, size: 14 } }, automargin: true,
    ticklabeloverflow: "allow",
    gridcolor: theme.border, zerolinecolor: theme.border, tickcolor: theme.border };
  return {
    font: { color: theme.faded, family: theme.font, size: 12 },
    title: { font: { family: theme.font, size: 16, color: theme.heading }, xanchor: "left", x: 0 },
    legend: { font: small, bordercolor: "rgba(0,0,0,0)", borderwidth: 0 },
    paper_bgcolor: theme.background, plot_bgcolor: theme.background,
    xaxis: Object.assign({ showgrid: false, zeroline: false }, axis), yaxis: axis,
    hoverlabel: { bgcolor: theme.background, bordercolor: theme.border,
      font: { color: theme.faded, family: theme.font } },
    margin: { pad: 8, r: 0, l: 0 },
  };
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  // (an expanded chart lives under <body> meanwhile: found through its element)
  let div = parentElement.__explorerDiv || parentElement.querySelector("div.explorer-live-chart");
  if (!div) {
    const wrap = document.createElement("div");
    wrap.className = "explorer-live-wrap";
    div = document.createElement("div");
    div.className = "explorer-live-chart";
    div.style.width = "100%";
    wrap.appendChild(div);
    wrap.appendChild(exitButton(div));
    parentElement.appendChild(wrap);
    parentElement.__explorerDiv = div;
  }
  // A click on a point of a clickable chart reaches Python as the trigger value "click", in the shape of
  // st.plotly_chart's selection event ({selection: {points: [{x, y}]}}); the latest render's sender.
  div.__explorerTrigger = setTriggerValue;
  div.__explorerClickable = !!data.clickable;
  // the projector switch redraws this chart in the browser, from what it holds (watchTextSize)
  div.__explorerShow = () => show(div, data);
  charts().add(div);
  watchTextSize();
  show(div, data);
  return cleanup(div);
}

// Draws the chart's figure ``data`` in ``div`` at the page's text size (largeText: the patch it was sent,
// merged in) unless it is drawn so already.
function show(div, data) {
  const large = largeText() && data.large ? JSON.stringify(data.large) : "";
  const height = (large && data.large.layout.height) || data.height;
  div.__explorerHeight = height;
  div.style.height = expanded(div) ? "" : height + "px";
  // A rerun sends every chart again: one whose figure, config and text size did not change is left as
  // drawn.
  const sent = data.figure + "\u0000" + JSON.stringify(data.config) + "\u0000" + large;
  if (div.__explorerSent === sent) return;
  div.__explorerSent = sent;
  const token = (div.__explorerToken = (div.__explorerToken || 0) + 1);
  // Drawn now when on screen; off screen, later (whenShown): a newer figure replaces a pending one.
  const draw = () => {
    if (div.__explorerToken !== token) return;  // a newer figure has arrived
    const theme = themeColours(div);
    const figure = JSON.parse(themed(data.figure, theme));
    const layout = (figure.layout = figure.layout || {});
    // The projector switch: the patch engine.figures.style.large_text_patch made from this figure (its
    // layout update, lists replaced whole, and its traces' text sizes), in the theme's colours.
    if (large) {
      const patch = JSON.parse(themed(large, theme));
      for (const [key, value] of Object.entries(patch.layout)) {
        const nested = value && typeof value === "object" && !Array.isArray(value);
        layout[key] = nested ? merge(layout[key] || {}, value) : value;
      }
      for (const [index, size] of Object.entries(patch.textfont)) {
        const trace = (figure.data || [])[Number(index)];
        if (trace) trace.textfont = Object.assign(trace.textfont || {}, { size: size });
      }
    }
    const template = (layout.template = layout.template || {});
    template.layout = merge(template.layout || {}, themeLayout(theme));
    // Streamlit's theme shows a figure's title in bold (as st.plotly_chart does).
    if (layout.title && typeof layout.title.text === "string") {
      layout.title.text = "<b>" + layout.title.text + "</b>";
    }
    loadPlotly(data.src)
      .then((Plotly) => {
        if (div.__explorerToken !== token) return null;  // a newer figure has arrived
        if (layout.width === undefined) layout.autosize = true;
        if (expanded(div)) Object.assign(layout, { height: div.clientHeight, width: div.clientWidth });
        return Plotly.react(div, {
          data: figure.data || [],
          layout: layout,
          frames: figure.frames || [],
          config: withExpandButton(data.config, div),
        }).then(() => {
          if (!div.__explorerClickBound) {
            div.__explorerClickBound = true;
            // Any click inside the plot area (not only on a point): the axes turn its pixel into data
            // coordinates, so the figure needs no grid of invisible markers to catch clicks.
            div.addEventListener("click", (event) => {
              const area = div.querySelector(".nsewdrag");
              const full = div._fullLayout;
              if (!div.__explorerClickable || !area || !full || !full.xaxis || !full.yaxis) return;
              const box = area.getBoundingClientRect();
              const px = event.clientX - box.left, py = event.clientY - box.top;
              if (px < 0 || py < 0 || px > box.width || py > box.height) return;
              const x = full.xaxis.p2d(px), y = full.yaxis.p2d(py);
              if (!Number.isFinite(x) || !Number.isFinite(y)) return;
              div.__explorerTrigger("click", { selection: { points: [{ x: x, y: y }] } });
            }, true);
          }
          if (!div.__explorerObserver) {
            let width = div.clientWidth;
            div.__explorerObserver = new ResizeObserver(() => {
              if (div.clientWidth !== width && div.clientWidth > 0) {
                width = div.clientWidth;
                Plotly.Plots.resize(div);
              }
            });
            div.__explorerObserver.observe(div);
          }
        });
      })
      .catch((err) => {
        div.__explorerSent = null;
        div.textContent = String(err && err.message ? err.message : err);
      });
  };
  whenShown(div, draw);
}

// The projector switch: the app writes the page's text size as a style element (text_size_style in
// Python, written by explorer.widgets.text_size_mark); when it changes, every live chart is drawn again
// from the patch it already holds, at once, before the rest of the rerun reaches it (which then finds it
// drawn so). The switch itself is heard too: its click redraws the charts at once, without waiting for
// the server's answer (the mark), which then finds them drawn so.
const TEXT_SIZE_MARK = "@TEXT_SIZE_MARK@";
// (Streamlit gives a widget's element the class st-key-<its key>)
const SWITCH = ".st-key-@TEXT_SIZE_KEY@";
function largeText() {
  const mark = document.getElementById(TEXT_SIZE_MARK);
  const marked = !!mark && mark.textContent.includes("@LARGE_MARK@");
  // the switch's new state wins until the page's mark says the same (the rerun it started has written it)
  if (window.__explorerSwitched === undefined) return marked;
  if (window.__explorerSwitched !== marked) return window.__explorerSwitched;
  delete window.__explorerSwitched;
  return marked;
}

function charts() {
  return (window.__explorerCharts = window.__explorerCharts || new Set());
}

function redrawAtTextSize() {
  const now = largeText();
  if (now === window.__explorerLarge) return;
  window.__explorerLarge = now;
  // one chart per task, so that the page's own work (the rerun's messages) can run between them
  const divs = [...charts()].filter((div) => div.isConnected && div.__explorerShow);
  const next = () => {
    const div = divs.shift();
    if (!div) return;
    div.__explorerShow();
    setTimeout(next, 0);
  };
  next();
}

function watchTextSize() {
  if (window.__explorerTextSize) return;
  window.__explorerLarge = largeText();
  window.__explorerTextSize = new MutationObserver(redrawAtTextSize);
  window.__explorerTextSize.observe(document.body, { subtree: true, childList: true, characterData: true });
  // (the switch's input changes state in the page's own handler of the click or key: read after it)
  const heard = (event) => {
    const box = event.target instanceof Element && event.target.closest(SWITCH);
    const input = box && box.querySelector("input");
    if (!input) return;
    setTimeout(() => {
      window.__explorerSwitched = input.checked;
      redrawAtTextSize();
    }, 0);
  };
  document.addEventListener("click", heard, true);
  document.addEventListener("keyup", heard, true);
}

function expanded(div) {
  return div.parentElement.classList.contains("explorer-expanded");
}

// Charts off screen wait: a chart more than NEAR_PX below or above the viewport is drawn when it comes
// that near (a scroll), or once no chart has been sent for QUIET_MS (the rerun is over), one chart per
// idle moment of the browser. So a control's change first draws what is on screen, and the charts below
// it follow without holding it up; a pending figure that a newer one replaces is never drawn.
const NEAR_PX = 200;
const QUIET_MS = 500;
const PENDING = "__explorerPendingDraws";

function onScreen(div) {
  if (expanded(div) || document.visibilityState === "hidden") return true;
  const box = div.getBoundingClientRect();
  return box.bottom > -NEAR_PX && box.top < window.innerHeight + NEAR_PX;
}

function whenShown(div, draw) {
  const pending = (window[PENDING] = window[PENDING] || new Map());
  if (onScreen(div)) {
    pending.delete(div);
    draw();
    return;
  }
  pending.set(div, draw);
  if (!div.__explorerSeen) {
    div.__explorerSeen = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) drawPending(div);
    }, { rootMargin: NEAR_PX + "px 0px" });
    div.__explorerSeen.observe(div);
  }
  clearTimeout(window.__explorerQuiet);
  window.__explorerQuiet = setTimeout(drawAllPending, QUIET_MS);
}

function drawPending(div) {
  const pending = window[PENDING];
  const draw = pending && pending.get(div);
  if (!draw) return;
  pending.delete(div);
  draw();
}

function drawAllPending() {
  const pending = window[PENDING];
  if (!pending || pending.size === 0) return;
  const later = window.requestIdleCallback || ((fn) => setTimeout(fn, 1));
  later(() => {
    const next = pending.keys().next();
    if (!next.done) drawPending(next.value);
    drawAllPending();
  });
}

// Full screen (for a projector): the mode bar's "Full screen" button makes the chart fill the window,
// above the page, until the button again, the "Exit full screen" button or Escape shrinks it back; Plotly
// redraws it at the new size (and at the figure's own height after).
const EXPAND_ICON = {
  width: 24, height: 24, transform: "matrix(1 0 0 1 0 0)",
  path: "M3 3h7v2H5v5H3V3zm11 0h7v7h-2V5h-5V3zM3 14h2v5h5v2H3v-7zm16 0h2v7h-7v-2h5v-5z",
};

// The page's containers make a containing block of their own, so the expanded chart moves to <body> (a
// marker keeps its place) and back.
function setExpanded(div, on) {
  const wrap = div.parentElement;
  if (on === expanded(div)) return;
  if (on) {
    // the theme's custom properties are set on the page's elements, not on <body>: carried along
    const css = getComputedStyle(wrap);
    for (const name of ["--st-background-color", "--st-text-color", "--st-border-color", "--st-font"]) {
      wrap.style.setProperty(name, css.getPropertyValue(name));
    }
    // a placeholder of the chart's size keeps the page's layout, so its scroll position survives
    const place = document.createElement("div");
    place.className = "explorer-place";
    place.style.height = wrap.offsetHeight + "px";
    wrap.__explorerPlace = place;
    wrap.__explorerScroll = scrolledAncestors(wrap);
    wrap.replaceWith(place);
    document.body.appendChild(wrap);
  } else if (wrap.__explorerPlace && wrap.__explorerPlace.parentNode) {
    wrap.__explorerPlace.replaceWith(wrap);
    for (const [element, top] of wrap.__explorerScroll || []) element.scrollTop = top;
  }
  wrap.classList.toggle("explorer-expanded", on);
  div.style.height = on ? "" : div.__explorerHeight + "px";
  if (!window.Plotly || !div._fullLayout) return;
  const size = on
    ? { height: div.clientHeight, width: div.clientWidth }
    : { height: div.__explorerHeight, width: null };
  window.Plotly.relayout(div, size);
}

// The scroll positions of the element's scrolled ancestors, as [element, scrollTop] pairs.
function scrolledAncestors(element) {
  const scrolled = [];
  for (let node = element.parentElement; node; node = node.parentElement) {
    if (node.scrollTop) scrolled.push([node, node.scrollTop]);
  }
  return scrolled;
}

function exitButton(div) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "explorer-exit";
  button.textContent = "\u2715 Exit full screen (Esc)";
  button.addEventListener("click", () => setExpanded(div, false));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && expanded(div)) setExpanded(div, false);
  });
  return button;
}

// One button object per div: Plotly.react compares the config, a function by identity, and a changed
// config makes it redraw the chart from scratch instead of only the difference.
function withExpandButton(config, div) {
  if (config.displayModeBar === false) return config;
  const expand = (div.__explorerExpand = div.__explorerExpand || { name: "explorer-expand",
    title: "Full screen", icon: EXPAND_ICON, click: () => setExpanded(div, !expanded(div)) });
  const added = (config.modeBarButtonsToAdd || []).concat([expand]);
  return Object.assign({}, config, { modeBarButtonsToAdd: added });
}

function cleanup(div) {
  return () => {
    if (expanded(div)) setExpanded(div, false);
    if (div.__explorerObserver) div.__explorerObserver.disconnect();
    div.__explorerObserver = null;
    if (div.__explorerSeen) div.__explorerSeen.disconnect();
    div.__explorerSeen = null;
    if (window[PENDING]) window[PENDING].delete(div);
    charts().delete(div);
    div.__explorerSent = null;
    div.__explorerClickBound = false;
    if (window.Plotly) window.Plotly.purge(div);
  };
}
"""

_CSS = """
.explorer-live-chart .modebar { background: transparent; }
/* over the title it covers on hover, the bar reads as a bar: the page's colour behind its buttons */
.explorer-live-chart .modebar-group { background: var(--st-background-color, #fff) !important; }
.explorer-exit {
  display: none; position: absolute; top: 0.45rem; left: 1rem; padding: 0.15rem 0.6rem; cursor: pointer;
  border: 1px solid var(--st-border-color, #ddd); border-radius: 0.4rem; font: inherit; font-size: 0.9rem;
  background: var(--st-background-color, #fff); color: var(--st-text-color, #333);
}
.explorer-expanded {
  position: fixed; inset: 0; z-index: 1000100; padding: 2.6rem 1rem 1rem 1rem;
  background: var(--st-background-color, #fff);
}
.explorer-expanded .explorer-live-chart { height: calc(100vh - 3.6rem); }
.explorer-expanded .explorer-exit { display: block; }
"""


#: The id of the style element that tells the live charts the page's text size, and what it says when large.
TEXT_SIZE_MARK = "explorer-text-size"
LARGE_MARK = "--explorer-large-text: 1"


def text_size_style(large: bool) -> str:
    """The style element by which the page tells its live charts the text size: a comment,
    ``--explorer-large-text: 1`` with the projector switch on, else ``: 0``. It takes no room and changes no
    style (a custom property on the root restyled every element of the page, ~4,800 with the Playground's
    charts, on each switch). The charts hold their large-text patch and redraw in the browser when it
    changes (or at once, when the switch is clicked)."""
    text = LARGE_MARK if large else LARGE_MARK.replace(": 1", ": 0")
    return f'<style id="{TEXT_SIZE_MARK}">/* {text} */</style>'


def script_name() -> str:
    """The file name plotly.js is served under (versioned, so a new plotly is never read from a stale
    browser cache)."""
    return f"plotly-{plotly.__version__}.min.js"


@cache
def prepare_static() -> bool:
    """Copy plotly.js into :data:`STATIC_DIR` unless an identical copy is there (written to a temporary
    name and renamed, so a concurrent reader never sees half a file); True when the copy is in place,
    False when it cannot be written (then :func:`available` is False and charts fall back to
    ``st.plotly_chart``)."""
    target = STATIC_DIR / script_name()
    try:
        if target.is_file() and target.stat().st_size == PLOTLY_JS.stat().st_size:
            return True
        STATIC_DIR.mkdir(exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        shutil.copyfile(PLOTLY_JS, partial)
        os.replace(partial, target)
        return True
    except OSError:
        return False


def available() -> bool:
    """Whether live charts can be drawn: Streamlit serves the static folder and plotly.js is in it."""
    return bool(st.get_option("server.enableStaticServing")) and prepare_static()


def _script_url() -> str:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + "/".join(p for p in (base, "app", "static", script_name()) if p)


# Mode bar buttons removed: those st.plotly_chart removes from a chart without selection events, and
# zoom in / zoom out / autoscale (the wheel, a drag and a double click do the same): on a panel 330 px
# wide (a projector) a shorter bar covers less of the figure's title while the pointer is over it.
REMOVED_BUTTONS = ("lasso2d", "select2d", "sendChartToCloud", "zoomIn2d", "zoomOut2d", "autoScale2d")


# The attributes under which a figure that never changes once built (the shared cached figures,
# ``w.chart(..., sized=True)``) keeps what is made from it: a rerun that shows the same object sends the
# same text without encoding it again (~40 ms for the playback's 80 frames, every rerun). They live and die
# with the figure (no module-level state; a copy of the figure does not carry them).
_JSON_ATTRIBUTE = "_explorer_frozen_json"
_PATCH_ATTRIBUTE = "_explorer_frozen_large_patch"


def _made_once(fig: Any, attribute: str, make: Callable[[Any], Any], frozen: bool) -> Any:
    """``make(fig)``; with ``frozen`` (the caller never changes the object after this) made once per
    object, kept under ``attribute``, and then reused."""
    if not frozen:
        return make(fig)
    made = getattr(fig, attribute, None)
    if made is None:
        made = make(fig)
        setattr(fig, attribute, made)  # the same value whichever session gets here first
    return made


def _to_json(fig: Any) -> str:
    """A figure's own ``to_json`` (a figure of frames kept as JSON writes them as they are), or
    ``plotly.io.to_json`` of a figure dict."""
    return fig.to_json(validate=False) if hasattr(fig, "to_json") else pio.to_json(fig, validate=False)


def figure_json(fig: Any, *, frozen: bool = False) -> str:
    """``fig`` as Plotly JSON (``plotly.io.to_json``); with ``frozen`` encoded once per object."""
    return _made_once(fig, _JSON_ATTRIBUTE, _to_json, frozen)


def large_text_patch_of(fig: Any, *, frozen: bool = False) -> dict[str, Any]:
    """:func:`engine.figures.style.large_text_patch` of ``fig``; with ``frozen`` made once per object."""
    return _made_once(fig, _PATCH_ATTRIBUTE, large_text_patch, frozen)


def payload(
    fig: Any,
    config: dict[str, Any] | None = None,
    *,
    frozen: bool = False,
    clickable: bool = False,
    large: bool = False,
) -> dict[str, Any]:
    """What the component receives for ``fig`` (a Plotly figure): its JSON as ``st.plotly_chart`` sends
    it (data, layout, frames; the browser applies the theme's colours and fonts), Plotly's ``config``
    with ``st.plotly_chart``'s defaults (no logo, no cloud button, no box or lasso selection), the
    height in CSS pixels (the layout's, else Plotly's default 450), where plotly.js is served, whether a
    click on a point is sent back (``clickable``) and the patch that shows it with large text
    (:func:`engine.figures.style.large_text_patch`, merged in the browser while the page's text size is
    large, :func:`text_size_style`: the figure's own JSON stays the same, so nothing is built again).
    A ``frozen`` figure carries its patch at either size (made once per object, as its JSON), so the
    projector switch sends it nothing new; any other carries it with ``large`` (the switch is on)."""
    patch = large_text_patch_of(fig, frozen=frozen) if large or frozen else None
    height = _layout_height(fig) or 450
    config = {"displaylogo": False, "showSendToCloud": False, **(config or {})}
    removed = list(config.get("modeBarButtonsToRemove") or [])
    config["modeBarButtonsToRemove"] = removed + [b for b in REMOVED_BUTTONS if b not in removed]
    return {
        "figure": figure_json(fig, frozen=frozen),
        "config": config,
        "height": int(height),
        "src": _script_url(),
        "clickable": clickable,
        "large": patch,
    }


def _layout_height(fig: Any) -> Any:
    """The layout's height of a Plotly figure or of its dict (None when unset)."""
    if isinstance(fig, dict):
        return (fig.get("layout") or {}).get("height")
    return getattr(getattr(fig, "layout", None), "height", None)


_component = st.components.v2.component(
    NAME,
    js=_JS.replace("@TEXT_SIZE_MARK@", TEXT_SIZE_MARK)
    .replace("@LARGE_MARK@", LARGE_MARK)
    .replace("@TEXT_SIZE_KEY@", TEXT_SIZE_KEY),
    css=_CSS,
    isolate_styles=False,
)


def live_chart(
    fig: Any,
    *,
    key: str,
    where: Any = None,
    config: dict[str, Any] | None = None,
    frozen: bool = False,
    on_click: Callable[[], None] | None = None,
    large: bool = False,
) -> Any:
    """Show ``fig`` in the live chart under ``key`` (in ``where``, default the current container): the
    same key keeps the same Plotly div across reruns and a new figure is drawn by ``Plotly.react``;
    ``frozen``: the figure object never changes (its JSON is encoded once, :func:`figure_json`);
    ``large``: shown with large text (the projector switch: :func:`payload`).

    ``on_click``: a click on a point of the chart calls it before the rerun it starts, with
    ``st.session_state[key]["click"]`` = ``{"selection": {"points": [{"x": ..., "y": ...}]}}`` (the
    shape of ``st.plotly_chart``'s selection event, :func:`click_event`)."""
    with where if where is not None else nullcontext():
        data = payload(fig, config, frozen=frozen, clickable=on_click is not None, large=large)
        events = {"on_click_change": on_click} if on_click is not None else {}
        return _component(key=key, data=data, width="stretch", height="content", **events)


def click_event(state: Any) -> Any:
    """The selection-shaped event of a chart's session state: a live chart's ``click`` trigger value, or
    an ``st.plotly_chart`` selection event as it is (its state is the event itself)."""
    if isinstance(state, Mapping) and "click" in state:
        return state["click"]
    return state
