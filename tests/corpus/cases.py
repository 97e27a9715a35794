"""Bad inputs beyond the address: widget extremes, a solver that stops at its budget, a diverging run.

Each :class:`Case` opens one page with the given address parameters (controls at the ends of their
ranges, or combinations that cannot work) and lists the messages the page must show. A message is
``(where, fragment)``: ``where`` is an element kind of Streamlit's AppTest (``warning``, ``error``,
``info``, ``success``, ``caption``), ``table`` (the row labels and cells of the page's tables) or
``control`` (``"key=value"``: the control with that key shows that value) or ``notice`` (the box
listing the address values that were adjusted).
``tests/test_bad_inputs.py`` runs every case headless and also checks that no exception is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from explorer.settings import PAGE_EXACT_MAX_N

__all__ = ["CASES", "Case"]


@dataclass(frozen=True)
class Case:
    """One bad input: the page, its address parameters and the messages it must show."""

    id: str
    page: str  # URL path of the page: playground, patterns, solvers, adversarial, data, ...
    params: dict[str, str]
    expect: tuple[tuple[str, str], ...]
    what: str = ""
    kind: str = "extreme"  # extreme | solver | divergence | combination | budget
    slow: bool = field(default=False, compare=False)  # seconds rather than a second on a 2-core machine
    known_bug: str = ""  # why the case fails today: the test runs it as a strict xfail


CASES: tuple[Case, ...] = (
    Case(
        "sidebar-all-min",
        "playground",
        dict(
            n="10",
            noise="0",
            width="1",
            epochs="10",
            beta="1e-05",
            lr="0.0001",
            batch="1",
            init="0.01",
            patterns="sampled",
            P="10",
            dseed="0",
            seed="0",
            pseed="0",
        ),
        (("info", "is only an upper bound on the global optimum"),),
        "every sidebar slider and choice at its lower end (10 sampled draws cannot certify anything)",
    ),
    Case(
        "sidebar-training-max",
        "playground",
        dict(
            n="10",
            noise="1",
            width="200",
            epochs="3000",
            beta="1",
            batch="256",
            init="5",
            seed="100000",
            dseed="100000",
        ),
        (("success", "Certified: SGD is"), ("table", "certified globally optimal")),
        "noise, width, epochs, beta, batch, init scale and both seeds at their upper ends",
        slow=True,
    ),
    Case(
        "n-max-P-max",
        "playground",
        dict(n="400", patterns="sampled", P="2000", epochs="20"),
        (("info", "is only an upper bound on the global optimum"),),
        "the largest data set with the largest sampled program",
        slow=True,
    ),
    Case(
        "n-max-exact-asked",
        "playground",
        dict(n=str(PAGE_EXACT_MAX_N), patterns="exact", epochs="20", P="10"),
        (("success", "Certified"),),
        "exact patterns at the exact-program cap (the largest n offered): certified column generation",
        kind="combination",
    ),
    Case(
        "adversarial-eps-max",
        "adversarial",
        dict(n="10", epochs="20", loss="hinge", eps="1", train_eps="1", norm="2", points="test"),
        (
            ("caption", "Robust convex program:"),
            ("table", "certified accuracy at ε = 1"),
            ("table", "robust objective (ε_train = 1)"),
        ),
        "display and training radius at their maximum (every ball covers the whole data set)",
    ),
    Case(
        "adversarial-regression",
        "adversarial",
        dict(n="10", epochs="20", data="regression"),
        (("warning", "This page needs classification labels"),),
        "regression targets on a page that needs labels ±1",
        kind="combination",
    ),
    Case(
        "adversarial-squared-loss",
        "adversarial",
        dict(n="10", epochs="20", loss="squared"),
        (("info", "trains with the **hinge** loss instead"),),
        "the squared loss on a page that needs a classification loss",
        kind="combination",
    ),
    Case(
        "regression-with-hinge",
        "playground",
        dict(n="10", epochs="20", data="regression", loss="hinge"),
        (
            ("caption", "Regression data: only the squared loss applies"),
            ("table", "train RMSE"),
            (
                "notice",
                "loss='hinge' does not apply (regression data takes only the squared loss): using squared",
            ),
        ),
        "a classification loss asked for on regression targets",
        kind="combination",
    ),
    Case(
        "regression-with-hinge-control",
        "playground",
        dict(n="10", epochs="20", data="regression", loss="hinge"),
        (("control", "loss=squared"), ("notice", "loss='hinge' does not apply")),
        "the same link: the (disabled) Loss control shows the loss the page trains with",
        kind="combination",
    ),
    Case(
        "own-data-empty",
        "playground",
        dict(epochs="20", data="custom"),
        (
            ("error", "Your data set has 0 points; at least 4 are needed"),
            ("warning", "cannot travel in a link"),
        ),
        "a link that asks for the sender's own points (they never travel in a link)",
        kind="combination",
    ),
    Case(
        "patterns-draws-max-n-min",
        "patterns",
        dict(n="10", epochs="20", draws="2000"),
        (("info", "the sampled program reaches it from P ="),),
        "the Patterns page's P at its maximum on the smallest data set",
    ),
    Case(
        "solver-budget",
        "solvers",
        dict(n="10", epochs="20"),
        (("info", "ADMM: did not reach its tolerance 1e-08 within the budget of 3000 iterations"),),
        "the race's ADMM runs to a 1e-8 tolerance and stops at its iteration budget first",
        kind="solver",
    ),
    Case(
        "sgd-diverges",
        "playground",
        dict(n="10", epochs="20", opt="sgd", lr="1", init="5"),
        (
            ("warning", "Training diverged: SGD diverged at step"),
            ("warning", "lower the learning rate"),
            ("warning", "the SGD run gave no usable result"),
        ),
        "SGD with step 1 from a large initialisation",
        kind="divergence",
    ),
    Case(
        "solvers-sgd-diverges",
        "solvers",
        dict(n="10", epochs="20", opt="sgd", lr="1", init="5"),
        (("info", "diverged:"),),
        "the same diverging run in the solver race",
        kind="divergence",
    ),
    # --- the work budget (explorer.budget): an address asking for more than one request may take is
    # refused before any work, with its cost and the control(s) to change. (The Playground has no such
    # case since its gradient loop was compiled: at its maxima it takes ~10 s, within the budget; nor
    # the Theory page's reprogramming since its products run on one BLAS thread: ~8 s at its maxima.)
    Case(
        "budget-spurious",
        "landscape",
        {"n": "400", "epochs": "3000", "batch": "1", "width": "200", "ls_runs": "200"},
        (
            ("warning", "would take about"),
            ("warning", "Change Epochs to"),
        ),
        "200 restarts of the largest run (minutes: the fewest epochs bring it within the budget)",
        kind="budget",
    ),
    Case(
        "budget-width",
        "landscape",
        {"ls_section": "width", "n": "400", "epochs": "3000", "batch": "1", "ls_width_runs": "10"},
        (
            ("warning", "would take about"),
            ("warning", "Epochs to"),
        ),
        "the width sweep at its maxima",
        kind="budget",
    ),
    Case(
        "budget-teacher",
        "landscape",
        {
            "ls_section": "teacher",
            "ls_t_n": "100",
            "ls_t_runs": "50",
            "epochs": "3000",
            "batch": "1",
            "width": "200",
        },
        (
            ("warning", "would take about"),
            ("warning", "Epochs to"),
        ),
        "50 students of the largest run",
        kind="budget",
    ),
    Case(
        "budget-xor",
        "dynamics",
        {"dy_section": "xor", "dy_x_n": "200", "dy_x_d": "2000", "dy_x_steps": "3000", "dy_x_width": "100"},
        (
            ("warning", "would take about"),
            ("warning", "Dimension d to"),
        ),
        "XOR clusters at their maxima",
        kind="budget",
    ),
    Case(
        "budget-solvers",
        "solvers",
        {"n": "400", "race_draws": "2000", "epochs": "3000", "batch": "1", "width": "200"},
        (
            ("warning", "would take about"),
            ("warning", "computing"),
        ),
        "the solver race at its maxima",
        kind="budget",
    ),
    Case(
        "budget-adversarial",
        "adversarial",
        {"n": "400", "epochs": "3000", "batch": "1", "width": "200"},
        (
            ("warning", "would take about"),
            ("warning", "computing"),
        ),
        "the Adversarial page at its maxima (PGD training)",
        kind="budget",
    ),
    Case(
        "budget-patterns",
        "patterns",
        {"n": "400", "draws": "2000"},
        (
            ("warning", "would take about"),
            ("warning", "computing"),
        ),
        "the approximation curve at its maxima",
        kind="budget",
    ),
)
