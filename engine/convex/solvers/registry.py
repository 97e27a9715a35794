"""The one registry of convex solvers: every ``solver=`` choice of ``solve_convex`` and its limits.

Each entry is a :class:`engine.convex.solvers.base.ConvexSolver`: name, one-line help, the programs
it handles (exact / sampled), its limits (largest n for the exact program, 2-D data only) with the
message that says what to do instead, and the function mapping a request to a ``Solution``.
:data:`SOLVERS` (the choices, ``"auto"`` last) and :data:`SOLVER_HELP` are derived from it; ``auto`` is a
routing choice, not a solver (:func:`route`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from engine.convex.colgen import solve_program as colgen_program
from engine.convex.solvers.admm import solve_program as admm_program
from engine.convex.solvers.base import ConvexRequest, ConvexSolver, Solution
from engine.convex.solvers.reduced import solve_program as reduced_program
from engine.convex.solvers.reference import solve_program as reference_program
from engine.convex.solvers.scp import solve_program as scp_program

__all__ = [
    "AUTO",
    "AUTO_HELP",
    "COLGEN_MAX_N",
    "EXACT_MAX_N",
    "REGISTRY",
    "SOLVERS",
    "SOLVER_HELP",
    "get_solver",
    "make_registry",
    "route",
    "select_solver",
]

# Largest training-set size for which the reference solver (CVXPY + Clarabel) handles the exact
# program, n(n-1)+2 patterns, within a few seconds (also the cap for ADMM and the reduced program).
EXACT_MAX_N = 40
# Largest training-set size for column generation on the exact program (its pricing is O(n^2 log n)).
COLGEN_MAX_N = 2000

AUTO = "auto"
AUTO_HELP = "the fastest route: column generation (2-D data, exact or sampled), else the reference"


def _whole_program_solver(name: str, help: str, solve: Callable[[ConvexRequest], Solution]) -> ConvexSolver:
    """A solver that lists every exact pattern: the exact program only up to EXACT_MAX_N points, with
    the refusal that points to column generation or sampled patterns beyond."""
    return ConvexSolver(
        name=name,
        help=help,
        solve=solve,
        exact_max_n=EXACT_MAX_N,
        limit_refusal=(
            f"the exact program is limited to n <= {{limit}} points with the {name} solver (n = {{n}}); "
            f"use --solver colgen (certified, n <= {COLGEN_MAX_N}) or sampled patterns"
        ),
    )


def make_registry(*entries: ConvexSolver) -> Mapping[str, ConvexSolver]:
    """The entries by name (read-only), refusing a name given twice or taken by ``auto``."""
    table: dict[str, ConvexSolver] = {}
    for entry in entries:
        if entry.name in table or entry.name == AUTO:
            raise ValueError(f"the convex solver name {entry.name!r} is taken")
        table[entry.name] = entry
    return MappingProxyType(table)


REGISTRY: Mapping[str, ConvexSolver] = make_registry(
    _whole_program_solver(
        "cvxpy",
        "reference: CVXPY + Clarabel on the whole program (SCS if Clarabel fails)",
        reference_program,
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


def route(solver: str, d: int) -> str:
    """The registered solver a choice stands for: ``auto`` is column generation on 2-D data (its
    pricing works on 2-D cones), else the reference solver; any other name stands for itself."""
    if solver == AUTO:
        return "colgen" if d == 2 else "cvxpy"
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
    entry = get_solver(route(solver, request.X.shape[1]))
    entry.check(request)
    return entry
