"""Values read from a page address: any string gives a value inside the control's domain, never an
exception; valid values pass unchanged and every change comes with a notice."""

from __future__ import annotations

import math
import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.settings import BETAS
from explorer.url import clean_bool, clean_choice, clean_number, parse_hidden, plain
from tests.app.helpers import rendered

ANY_TEXT = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "-0", "0x10", " 12 ", "1_000", "", "None", "∞", "½"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
)


@settings(max_examples=300, deadline=None)
@given(raw=ANY_TEXT)
def test_any_text_gives_a_number_on_the_slider_grid(raw):
    value, note = clean_number(raw, key="n", lo=10, hi=400, default=30, step=5, integer=True)
    assert isinstance(value, int) and 10 <= value <= 400 and (value - 10) % 5 == 0
    if note is None:  # unchanged: the text was exactly this number
        assert float(raw) == value


@settings(max_examples=300, deadline=None)
@given(raw=ANY_TEXT)
def test_any_text_gives_a_float_in_range(raw):
    value, note = clean_number(raw, key="noise", lo=0.0, hi=1.0, default=0.1, step=0.05)
    assert math.isfinite(value) and 0.0 <= value <= 1.0
    assert abs(value / 0.05 - round(value / 0.05)) < 1e-9
    assert note is None or "noise=" in note


@settings(max_examples=300, deadline=None)
@given(raw=ANY_TEXT)
def test_any_text_gives_one_of_the_choices(raw):
    value, note = clean_choice(raw, key="beta", options=BETAS, default=1e-3, format_func=lambda v: f"{v:g}")
    assert value in BETAS
    value, note = clean_choice(raw, key="data", options=("moons", "xor"), default="moons")
    assert value in ("moons", "xor")
    assert (note is None) == (raw.strip().lower() in ("moons", "xor"))


@given(raw=ANY_TEXT)
def test_any_text_gives_a_bool_and_hidden_keys(raw):
    value, note = clean_bool(raw, key="arrows", default=False)
    assert isinstance(value, bool)
    hidden, note = parse_hidden(raw)
    assert all(k.replace("_", "").isalnum() for k in hidden)


def test_valid_values_pass_unchanged():
    assert clean_number("120", key="n", lo=10, hi=400, default=30, step=5, integer=True) == (120, None)
    assert clean_number("0.35", key="noise", lo=0.0, hi=1.0, default=0.1, step=0.05) == (0.35, None)
    assert clean_choice("0.001", key="beta", options=BETAS, default=1e-3, format_func=lambda v: f"{v:g}") == (
        1e-3,
        None,
    )
    assert clean_choice("XOR", key="data", options=("moons", "xor"), default="moons") == ("xor", None)
    assert clean_bool("true", key="arrows", default=False) == (True, None)


def test_changes_are_explained():
    assert clean_number("100000", key="n", lo=10, hi=400, default=30, step=5, integer=True) == (
        400,
        "n=\\'100000\\' is outside 10..400: using 400",  # the quoted value is literal Markdown
    )
    assert clean_number("123", key="n", lo=10, hi=400, default=30, step=5, integer=True)[0] == 125
    value, note = clean_number("abc", key="n", lo=10, hi=400, default=30, step=5, integer=True)
    assert value == 30 and "not a number" in note
    value, note = clean_choice("0.002", key="beta", options=BETAS, default=1e-3, format_func=str)
    assert value == 3e-3 and "nearest" in note  # nearest in log scale
    value, note = clean_choice("cubic", key="loss", options=("squared", "hinge"), default="squared")
    assert value == "squared" and "not one of squared, hinge" in note
    long = "9" * 10_000
    value, note = clean_number(long, key="n", lo=10, hi=400, default=30, step=5, integer=True)
    assert value == 30 and len(note) < 120  # the notice does not repeat a huge value
    hidden, note = parse_hidden("noise,beta,<script>")
    assert hidden == {"noise", "beta"} and "ignored" in note


@given(st.text(max_size=200))
def test_plain_is_literal_markdown(text: str) -> None:
    """Every ASCII punctuation character is escaped (so nothing is markup), and a reader sees the text."""
    out = plain(text)
    assert rendered(out) == " ".join(text.split())
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", out)
    assert not any(c in string.punctuation for c in unescaped)
