"""Reading settings from a page address safely: every control's value is checked against its domain.

Each control of the explorer is bound to a URL query parameter under its key, so a link reproduces a
view. A link is also something anyone can type or edit, so before a control is drawn for the first
time in a session its query parameter is parsed here: a value outside the control's range is clamped
to the nearest end, a value between slider steps goes to the nearest step, an unknown choice falls
back to the default, and anything unreadable (text, NaN, infinity) gives the default. Each change is
recorded as a one-line notice that the app shows; no URL can raise an exception or start work beyond
a control's limits (n, patterns, epochs, width, ...).

These functions are pure (no Streamlit) so that tests can throw arbitrary strings at them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any

__all__ = ["clean_bool", "clean_choice", "clean_number", "parse_hidden", "plain", "shown"]

# Longest query value that is even looked at (a URL can carry megabytes).
MAX_RAW_LENGTH = 64


# Every ASCII punctuation character may be backslash-escaped in Markdown (CommonMark), which makes it
# literal: no link, image, emphasis, HTML tag, code span, emoji/icon shortcode (:x:) or LaTeX ($).
_MARKDOWN_LITERAL = MappingProxyType(
    str.maketrans({c: "\\" + c for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"})
)


def plain(text: str) -> str:
    """``text`` as literal Markdown: Streamlit shows exactly these characters, never markup.

    Every value that comes from outside (the address, an uploaded file's name or cells, an engine
    message quoting them) goes through this before it reaches ``st.warning``/``st.error``/... .
    Line breaks become spaces (a message is one line).
    """
    return " ".join(str(text).split()).translate(_MARKDOWN_LITERAL)


def shown(raw: str) -> str:
    """A query value as quoted in a notice (long ones cut), as literal Markdown."""
    text = raw if len(raw) <= 24 else raw[:21] + "..."
    return plain(repr(text))


def _to_float(raw: str) -> float | None:
    if len(raw) > MAX_RAW_LENGTH:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def clean_number(
    raw: str,
    *,
    key: str,
    lo: float,
    hi: float,
    default: float,
    step: float | None = None,
    integer: bool = False,
) -> tuple[float | int, str | None]:
    """The value a numeric control takes from the query string ``raw``, and a notice if it changed.

    Unreadable -> ``default``; out of ``[lo, hi]`` -> the nearest end; off the step grid
    ``lo + k step`` -> the nearest step.
    """
    value = _to_float(raw)
    cast: Callable[[float], float | int] = (lambda v: int(round(v))) if integer else float
    if value is None:
        return cast(default), f"{key}={shown(raw)} is not a number: using the default {cast(default)}"
    clean = min(max(value, lo), hi)
    if step:
        k = round((clean - lo) / step)
        clean = min(max(lo + k * step, lo), hi)
        if not integer:
            clean = round(clean, 10)
    clean = cast(clean)
    if clean == value:
        return clean, None
    if value < lo or value > hi:
        why = f"is outside {cast(lo)}..{cast(hi)}"
    else:
        why = f"is not on the control's steps of {step:g}" if step else "is not allowed"
    return clean, f"{key}={shown(raw)} {why}: using {clean}"


def clean_choice(
    raw: str,
    *,
    key: str,
    options: Sequence[Any],
    default: Any,
    format_func: Callable[[Any], str] = str,
) -> tuple[Any, str | None]:
    """The option a choice control takes from ``raw``: matched by its label (case-insensitive), or for
    numeric options the nearest one (in log scale if all are positive); else the default."""
    if len(raw) <= MAX_RAW_LENGTH:
        wanted = raw.strip().lower()
        for option in options:
            if format_func(option).lower() == wanted or str(option).lower() == wanted:
                return option, None
    numeric = all(isinstance(o, int | float) and not isinstance(o, bool) for o in options)
    value = _to_float(raw) if numeric else None
    if value is not None:
        if all(o > 0 for o in options) and value > 0:
            best = min(options, key=lambda o: abs(math.log(o) - math.log(value)))
        else:
            best = min(options, key=lambda o: abs(o - value))
        if best == value:
            return best, None
        return best, f"{key}={shown(raw)} is not one of the choices: using the nearest, {format_func(best)}"
    choices = ", ".join(format_func(o) for o in options[:8]) + (", ..." if len(options) > 8 else "")
    return default, f"{key}={shown(raw)} is not one of {choices}: using {format_func(default)}"


def clean_bool(raw: str, *, key: str, default: bool) -> tuple[bool, str | None]:
    """A toggle's value from ``raw``: true/false, 1/0, yes/no, on/off; else the default."""
    word = raw.strip().lower()
    if word in ("true", "1", "yes", "on"):
        return True, None
    if word in ("false", "0", "no", "off"):
        return False, None
    return default, f"{key}={shown(raw)} is not true or false: using {str(default).lower()}"


def parse_hidden(raw: str | None) -> tuple[frozenset[str], str | None]:
    """The controls a classroom link hides: comma-separated control keys (letters, digits, _)."""
    if not raw:
        return frozenset(), None
    keys = [k.strip() for k in raw[: 20 * MAX_RAW_LENGTH].split(",") if k.strip()]
    good = frozenset(k for k in keys if k.replace("_", "").isalnum() and len(k) <= 32)
    bad = [k for k in keys if k not in good]
    note = None
    if bad:
        note = f"hide= has names that are not control keys ({', '.join(shown(b) for b in bad[:5])}): ignored"
    return good, note
