"""The key formulas of each page, typeset with ``st.latex`` in a collapsed expander (docs/design.md §2-5)."""

from __future__ import annotations

from types import MappingProxyType

import streamlit as st

__all__ = ["FORMULAS", "formulas"]

_NETWORK = r"f(x) = \sum_{j=1}^{m} \alpha_j\,\mathrm{relu}\big(w_j^\top (x, 1)\big)"
_OBJECTIVE = (
    r"J(W, \alpha) = \frac{1}{n}\sum_{k=1}^{n} \ell\big(f(x_k), y_k\big)"
    r" + \frac{\beta}{2}\big(\lVert W\rVert_F^2 + \lVert \alpha\rVert_2^2\big)"
)
_CONVEX = (
    r"\min_{u_i, v_i}\ \frac{1}{n}\sum_k \ell\Big(\sum_i d_{ki}\, z_k^\top (u_i - v_i),\ y_k\Big)"
    r" + \beta \sum_i \big(\lVert u_i\rVert_2 + \lVert v_i\rVert_2\big)"
    r"\quad\text{s.t.}\quad (2D_i - I) Z u_i \ge 0,\ (2D_i - I) Z v_i \ge 0"
)
_PATTERN = r"D_i = \mathrm{diag}\big(\mathbb{1}[Z g_i \ge 0]\big),\qquad z_k = (x_k, 1)"
_DUAL = (
    r"J^\star \ \ge\ -\frac{1}{n}\sum_k \ell^*(-n\lambda_k, y_k)\quad\text{whenever}\quad"
    r"\max_{\lVert w\rVert_2 \le 1} \Big|\sum_k \lambda_k\, \mathrm{relu}(z_k^\top w)\Big| \le \beta"
)
_ROBUST = (
    r"(2D_i - I) Z u_i \ \ge\ \varepsilon \lVert u_i[{:}d]\rVert_*,\qquad"
    r"\ell_{\mathrm{hinge}}^{\mathrm{rob}} = \big(1 - y_k \hat y_k + \varepsilon \lVert g_k\rVert_*\big)_+,"
    r"\quad g_k = \sum_i d_{ki} (u_i - v_i)[{:}d]"
)

FORMULAS: dict[str, tuple[tuple[str, str], ...]] = {
    "playground": (
        ("The network (bias through z = (x, 1))", _NETWORK),
        ("The objective both sides minimise", _OBJECTIVE),
        ("Its convex reformulation (Pilanci & Ergen 2020)", _CONVEX),
        ("The certificate: a dual point λ gives a lower bound on every network's J", _DUAL),
    ),
    "patterns": (
        ("A pattern: the points a direction g switches on", _PATTERN),
        ("One pair of variables per pattern", _CONVEX),
    ),
    "solvers": (("The program every solver attacks", _CONVEX), ("Measured by the same J", _OBJECTIVE)),
    "adversarial": (
        ("Patterns frozen over every ε-ball (dual norm: ℓ1 for the ℓ∞ ball, ℓ2 for the ℓ2 ball)", _ROBUST),
        ("The network under attack", _NETWORK),
    ),
}


# Read only: every session of a server shares this module.
FORMULAS = MappingProxyType(FORMULAS)


def formulas(page: str) -> None:
    """The page's formulas in a collapsed expander."""
    with st.expander("The formulas", icon=":material/functions:"):
        for text, tex in FORMULAS[page]:
            st.markdown(text)
            st.latex(tex)
