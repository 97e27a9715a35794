"""The contract of the convex solvers: a request in, one :class:`Solution` record out (docs/design.md §3).

:func:`engine.convex.program.solve_convex` checks the problem once and builds a :class:`ConvexRequest`;
the :class:`ConvexSolver` picked from the registry (engine/convex/solvers/registry.py) checks its own
limits and maps the request to a :class:`Solution`; the shared post-processing of ``solve_convex``
(polish on the support, recovery, merge, certificate) turns that into the public
:class:`engine.results.ConvexResult`.

A solution holds the program's variables ``U``, ``V`` (the u_i and v_i as columns) on the pattern
matrix ``D``: ``C(u, v)`` of docs/design.md §3 is evaluated on them, and unless the solver gives its
own network, the network is recovered from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from engine.losses import Loss
from engine.network import TwoLayerReLU
from engine.patterns import PatternSet, build_patterns
from engine.results import ConvexResult

__all__ = ["PROGRAMS", "ConvexRequest", "ConvexSolver", "Resolver", "Solution", "dual_pair"]

# The two programs a solver may handle: all patterns of 2-D data, or a number of Gaussian draws.
PROGRAMS = ("exact", "sampled")

# ``resolve(D_u, D_v) -> (U, V, dual point or None, status)``: the program re-solved with the patterns
# D_u for the u_i and D_v for the v_i (the polish on a solution's support; RuntimeError on failure).
Resolver = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray | None, str]]


@dataclass(frozen=True, eq=False)
class ConvexRequest:
    """One convex program to solve, checked once by ``solve_convex`` (solvers trust it).

    ``X`` (n x d) and ``y`` (n) are float arrays with labels that fit ``loss``; ``beta > 0``.
    ``patterns`` is ``"exact"`` (2-D data) or the number of Gaussian draws (seed ``pattern_seed``);
    ``tol`` is the certificate's relative tolerance; ``warm_start`` an earlier result on the same data.
    """

    X: np.ndarray
    y: np.ndarray
    loss: Loss
    beta: float
    patterns: str | int
    pattern_seed: int
    tol: float
    warm_start: ConvexResult | None = None

    @property
    def exact(self) -> bool:
        """All patterns (the exact program) rather than sampled ones."""
        return self.patterns == "exact"

    @property
    def program(self) -> str:
        """``"exact"`` or ``"sampled"`` (one of :data:`PROGRAMS`)."""
        return "exact" if self.exact else "sampled"

    @cached_property
    def pattern_set(self) -> PatternSet:
        """The program's patterns (:func:`engine.patterns.build_patterns`), built on first use.

        Solvers that never list them (column generation on the exact program, SCP's own directions)
        never pay for them.
        """
        return build_patterns(self.X, self.patterns, self.pattern_seed)

    @cached_property
    def facet_cache(self) -> dict:
        """The facets of the pattern cones found while solving this request (an
        ``engine.convex.solvers.reduced.FacetCache``), shared by the solve, the proof of its answer and
        the re-solve on its support, so that each cone's facets are computed once."""
        return {}


@dataclass(frozen=True, eq=False)
class Solution:
    """What every convex solver returns.

    ``U``, ``V`` ((d+1) x P) on the patterns ``D`` (n x P boolean) are the program's variables (the
    result reports them and its ``convex_objective`` is C on them); ``status`` is the solver's
    (``"optimal"``, ``"optimal_inaccurate"``, ``"max_iter"``, ...); ``program_size`` the number of
    patterns of the program it solved (reported as ``ConvexResult.patterns``); ``duals`` extra dual
    points for the certificate; ``history`` the solver's log (iteration or round, objective, time_s);
    ``message`` a note for the user.

    What the shared post-processing does with it:

    * ``polish``: re-solve on the support of (U, V) with this :data:`Resolver` and keep the result
      when its network has a lower J (None: report the solver's own answer);
    * ``network``: the solver's own network (None: recovered from U, V and merged);
    * ``certificate_decides``: the status is ``"optimal"`` exactly when the certificate holds (else the
      solver's status stays and the message gets the gap); otherwise only ``"optimal_inaccurate"``
      becomes ``"optimal"`` on a certificate.
    """

    U: np.ndarray
    V: np.ndarray
    D: np.ndarray
    status: str
    program_size: int
    duals: tuple[np.ndarray, ...] = ()
    history: dict[str, list] = field(default_factory=dict)
    message: str = ""
    polish: Resolver | None = None
    network: TwoLayerReLU | None = None
    certificate_decides: bool = False


def dual_pair(lam: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """``(lam, -lam)`` for a solver's multiplier (its sign convention varies), ``()`` for None."""
    return () if lam is None else (lam, -lam)


@dataclass(frozen=True)
class ConvexSolver:
    """One entry of the convex solver registry.

    ``solve`` maps a checked :class:`ConvexRequest` to a :class:`Solution`. ``programs`` are the
    programs it handles (:data:`PROGRAMS`); ``exact_max_n`` caps n for the exact program (None: no
    cap); ``needs_2d`` says it works on 2-D data only. The ``*_refusal`` messages (formatted with
    ``n`` and ``limit``) say what to do instead when :meth:`check` refuses a request. ``fallback`` names
    the registry entry that takes over when ``solve`` fails (raises RuntimeError: a solver failure,
    e.g. Clarabel's ``InsufficientProgress``), or None for none (the registry's fallback rule).
    """

    name: str
    help: str
    solve: Callable[[ConvexRequest], Solution]
    programs: tuple[str, ...] = PROGRAMS
    exact_max_n: int | None = None
    needs_2d: bool = False
    program_refusal: str = ""
    limit_refusal: str = ""
    dimension_refusal: str = ""
    fallback: str | None = None

    def __post_init__(self) -> None:
        if not set(self.programs) <= set(PROGRAMS) or not self.programs:
            raise ValueError(f"the programs of a convex solver are some of {', '.join(PROGRAMS)}")

    def check(self, request: ConvexRequest) -> None:
        """Raise ValueError, with the entry's message, for a request beyond this solver's limits."""
        n, d = request.X.shape
        if request.program not in self.programs:
            raise ValueError(
                self.program_refusal
                or f"the {self.name} solver does not handle the {request.program} program"
            )
        if request.exact and self.exact_max_n is not None and n > self.exact_max_n:
            message = self.limit_refusal or "the exact program is limited to n <= {limit} points (n = {n})"
            raise ValueError(message.format(n=n, limit=self.exact_max_n))
        if self.needs_2d and d != 2:
            raise ValueError(self.dimension_refusal or f"the {self.name} solver needs 2-D data")

    def accepts(self, request: ConvexRequest) -> bool:
        """Whether :meth:`check` lets ``request`` through."""
        try:
            self.check(request)
        except ValueError:
            return False
        return True
