"""Cooperative cancellation of the engine's long loops (SGD steps, restarts, ADMM iterations, column
generation rounds, study sweeps).

Whoever asks for a computation may stop wanting it (a browser tab closed, a server shutting down). The
caller wraps the work in :func:`stop_when` with a callable that says "stop now"; the long loops call
:func:`check` every few iterations, which raises :class:`Cancelled` once the callable returns True.
Without a :func:`stop_when` around it, :func:`check` costs one context-variable read and never raises,
so scripts, the command line and the tests run exactly as before.

The flag lives in a :class:`contextvars.ContextVar`: per thread (each Streamlit session runs its script
in its own thread), never shared between callers.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

__all__ = ["Cancelled", "check", "stop_when"]

_SHOULD_STOP: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar(
    "engine_should_stop", default=None
)


class Cancelled(Exception):  # noqa: N818 (a state, not an error: the caller asked for it)
    """The computation was stopped because its caller no longer wants it (not an engine error: callers
    that turn engine errors into messages must let it through, and nothing about it is cached)."""


@contextlib.contextmanager
def stop_when(should_stop: Callable[[], bool]) -> Iterator[None]:
    """Run the block with ``should_stop`` as the cancel flag of every :func:`check` inside it (in this
    thread); the previous flag comes back afterwards."""
    token = _SHOULD_STOP.set(should_stop)
    try:
        yield
    finally:
        _SHOULD_STOP.reset(token)


def check() -> None:
    """Raise :class:`Cancelled` if the caller's flag says stop; otherwise do nothing (cheap)."""
    should_stop = _SHOULD_STOP.get()
    if should_stop is not None and should_stop():
        raise Cancelled("stopped: the computation is no longer wanted")
