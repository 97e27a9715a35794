"""The one registry of convex solvers: every ``solver=`` choice of ``solve_convex`` and its limits.

Each entry is a :class:`engine.convex.solvers.base.ConvexSolver`: name, one-line help, the programs
it handles (exact / sampled), its limits (largest n for the exact program, 2-D data only) with the
message that says what to do instead, and the function mapping a request to a ``Solution``.
:data:`SOLVERS` (the choices, ``"auto"`` last) and :data:`SOLVER_HELP` are derived from it; ``auto`` is a
routing choice, not a solver (:func:`route`).

**Fallback rule** (as the robust registry's, docs/design.md §5): when an entry's ``solve`` raises
RuntimeError (a solver failure, not a refusal) and the entry names a ``fallback`` that accepts the
request, that entry takes over (and may fall back in turn); :func:`solve_with_fallback` returns the
account of every failure, which ``solve_convex`` puts in the result (``fallback``, ``message``).
Today ``reduced``, ``colgen`` and ``admm`` fall back onto the ``cvxpy`` reference; when ``auto`` routes a
small sampled program to ``reduced``, a failure falls back onto ``colgen`` first (auto's route for larger
ones), then ``cvxpy``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType

from engine.convex.colgen import solve_program as colgen_program
from engine.convex.solvers.admm import solve_program as admm_program
from engine.convex.solvers.base import ConvexRequest, ConvexSolver, Solution
from engine.convex.solvers.reduced import solve_program as reduced_program
from engine.convex.solvers.reference import solve_program as reference_program
from engine.convex.solvers.scp import solve_program as scp_program
from engine.convex.solvers.working_set import prove_sampled_optimum, solve_from_rough_support

__all__ = [
    "AUTO",
    "AUTO_HELP",
    "AUTO_REDUCED_MAX_DRAWS",
    "AUTO_REDUCED_MAX_N",
    "COLGEN_MAX_N",
    "FALLBACK",
    "EXACT_MAX_N",
    "REGISTRY",
    "SOLVERS",
    "SOLVER_HELP",
    "get_solver",
    "make_registry",
    "route",
    "select_solver",
    "solve_with_fallback",
]

# Largest training-set size for which the reference solver (CVXPY + Clarabel) handles the exact
# program, n(n-1)+2 patterns, within a few seconds (also the cap for ADMM and the reduced program).
EXACT_MAX_N = 40
# Largest training-set size for column generation on the exact program (its pricing is O(n^2 log n)).
COLGEN_MAX_N = 2000

# The entry every other whole-program solver falls back onto when it fails.
FALLBACK = "cvxpy"

AUTO = "auto"
AUTO_HELP = (
    "the fastest route: column generation (2-D data: the exact program, or a working set of a sampled "
    "one; the reduced solve for a small sampled program), else the reference"
)
# ``auto`` on a sampled program of 2-D data with at most AUTO_REDUCED_MAX_N points and
# AUTO_REDUCED_MAX_DRAWS Gaussian draws: the reduced solve of the whole program (one Clarabel call on
# every block); otherwise the working set of column generation (several smaller calls). Measured
# (beta 1e-3, moons / spirals / circles / xor x squared / hinge / logistic, CPU seconds summed over the
# 12 cases, reduced vs working set; shared 2-core machine): n = 200: 300 draws 2.4 vs 5.1 s (worst case
# 0.26 vs 1.26 s), 500 draws 3.3 vs 6.2 s (worst 0.37 vs 1.66 s), 1000 draws 21.1 s (one Clarabel
# failure, answered by the fallback) vs 9.5 s; n = 300, 300 draws: 8.9 vs 6.1 s; n = 400, 200 draws:
# 7.1 vs 4.7 s (Clarabel's time per iteration on the whole program grows ~4x from n = 200 to 300).
AUTO_REDUCED_MAX_DRAWS = 500
AUTO_REDUCED_MAX_N = 200


def _whole_program_solver(
    name: str, help: str, solve: Callable[[ConvexRequest], Solution], fallback: str | None = FALLBACK
) -> ConvexSolver:
    """A solver that lists every exact pattern: the exact program only up to EXACT_MAX_N points, with
    the refusal that points to column generation or sampled patterns beyond."""
    return ConvexSolver(
        name=name,
        help=help,
        solve=solve,
        fallback=fallback,
        exact_max_n=EXACT_MAX_N,
        limit_refusal=(
            f"the exact program is limited to n <= {{limit}} points with the {name} solver (n = {{n}}); "
            f"use --solver colgen (certified, n <= {COLGEN_MAX_N}) or sampled patterns"
        ),
    )


def make_registry(*entries: ConvexSolver) -> Mapping[str, ConvexSolver]:
    """The entries by name (read-only), refusing a name given twice or taken by ``auto``, and a
    ``fallback`` that names no entry, the entry itself, or leads round in a circle."""
    table: dict[str, ConvexSolver] = {}
    for entry in entries:
        if entry.name in table or entry.name == AUTO:
            raise ValueError(f"the convex solver name {entry.name!r} is taken")
        table[entry.name] = entry
    for entry in table.values():
        seen = {entry.name}
        nxt = entry.fallback
        while nxt is not None:
            if nxt not in table or nxt in seen:
                message = f"the fallback chain of the convex solver {entry.name!r} is broken at {nxt!r}"
                raise ValueError(message)
            seen.add(nxt)
            nxt = table[nxt].fallback
    return MappingProxyType(table)


REGISTRY: Mapping[str, ConvexSolver] = make_registry(
    _whole_program_solver(
        "cvxpy",
        "reference: CVXPY + Clarabel on the whole program (SCS if Clarabel fails)",
        reference_program,
        fallback=None,
    ),
    _whole_program_solver(
        "admm",
        "ADMM (Bai et al. Alg. 3.1), n x n Woodbury solve",
        admm_program,
    ),
    ConvexSolver(
        name="scp",
        help="sampled convex program: fixed sampled directions, l1 output weights (FISTA)",
        solve=scp_program,
        programs=("sampled",),
        program_refusal="SCP samples its first-layer directions: give a number of sampled patterns",
    ),
    ConvexSolver(
        name="colgen",
        help="column generation: a working set of patterns, priced over all of them (exact program: "
        "the whole unit sphere, certified, 2-D data; sampled program: the sampled patterns)",
        solve=colgen_program,
        fallback=FALLBACK,
        exact_max_n=COLGEN_MAX_N,
        needs_2d=True,
        limit_refusal="column generation is limited to n <= {limit} points (n = {n})",
        dimension_refusal="column generation needs 2-D data (its pricing works on 2-D pattern cones)",
    ),
    _whole_program_solver(
        "reduced",
        "Clarabel called directly on the program with each cone cut to its facets",
        reduced_program,
    ),
)

# The ``solver=`` choices of solve_convex (the CLI's --solver), and a line of help for each.
SOLVERS: tuple[str, ...] = (*REGISTRY, AUTO)
SOLVER_HELP: dict[str, str] = {**{name: entry.help for name, entry in REGISTRY.items()}, AUTO: AUTO_HELP}


def route(solver: str, d: int, draws: int | None = None, n: int = 0) -> str:
    """The registered solver a choice stands for: ``auto`` is column generation on 2-D data (its
    pricing works on 2-D cones), except the reduced solve for a sampled program of ``draws`` <=
    AUTO_REDUCED_MAX_DRAWS Gaussian draws on ``n`` <= AUTO_REDUCED_MAX_N points (``draws`` None: the
    exact program), else the reference solver; any other name stands for itself."""
    if solver == AUTO:
        if d != 2:
            return "cvxpy"
        small = draws is not None and draws <= AUTO_REDUCED_MAX_DRAWS and n <= AUTO_REDUCED_MAX_N
        return "reduced" if small else "colgen"
    return solver


def get_solver(name: str) -> ConvexSolver:
    """The registry entry ``name`` (``auto`` is not one: see :func:`route`); ValueError naming the choices."""
    if name not in REGISTRY:
        raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(SOLVERS)}")
    return REGISTRY[name]


def select_solver(solver: str, request: ConvexRequest) -> ConvexSolver:
    """The entry that solves ``request`` for the choice ``solver``, after every check of its limits.

    ValueError, with a message that says what to do instead, for an unknown solver, exact patterns
    on data that are not 2-D, or a request beyond the entry's limits.
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    if request.exact and request.X.shape[1] != 2:
        raise ValueError("exact patterns need 2-D data; give a number of sampled patterns instead")
    draws = None if request.exact else int(request.patterns)
    name = route(solver, request.X.shape[1], draws, request.X.shape[0])
    entry = get_solver(name)
    entry.check(request)
    if solver == AUTO and name == "reduced":
        # auto's own route for larger sampled programs takes over first when the reduced solve fails;
        # the logistic loss first tries the working set on a rough solve's support (the whole program
        # when that does not settle); every answer is checked by pricing every block, as the working set
        # does: a proven one is reported optimal without the re-solve on its support (prove_sampled_optimum)
        solve = entry.solve

        def solve_and_prove(request: ConvexRequest) -> Solution:
            solution = solve_from_rough_support(request)
            return prove_sampled_optimum(request, solve(request) if solution is None else solution)

        entry = dataclasses.replace(entry, fallback="colgen", solve=solve_and_prove)
    return entry


def solve_with_fallback(entry: ConvexSolver, request: ConvexRequest) -> tuple[ConvexSolver, Solution, str]:
    """Solve ``request`` with ``entry``, falling back along the registry (the module's fallback rule).

    Returns the entry that answered, its solution, and ``""`` or the account of the failures before it
    (``"the reduced solver failed (Clarabel ... InsufficientProgress); the cvxpy solver took over"``).
    The RuntimeError of an entry without a fallback that accepts the request propagates, with the
    earlier failures as notes.
    """
    failures: list[str] = []
    while True:
        try:
            solution = entry.solve(request)
        except RuntimeError as exc:
            successor = REGISTRY.get(entry.fallback) if entry.fallback is not None else None
            if successor is None or not successor.accepts(request):
                for failure in failures:
                    exc.add_note(f"before it, {failure}")
                raise
            reason = " ".join(str(exc).split()) or type(exc).__name__
            failures.append(
                f"the {entry.name} solver failed ({reason}); the {successor.name} solver took over"
            )
            entry = successor
            continue
        return entry, solution, "; ".join(failures)
