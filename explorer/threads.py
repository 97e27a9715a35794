"""One BLAS thread in the app's process.

The app serves several sessions on a 2-core machine: OpenBLAS's second thread per product only spins
against the other sessions' scripts (a Solvers race took 39 s of CPU with two threads, 3.9 s with one).
The limit holds for every thread of the process (OpenBLAS keeps one count); the cost model
(``engine.studies.cost.blas_threads``) reads it, so its estimates follow.
"""

from __future__ import annotations

__all__ = ["one_blas_thread"]

_held: list = []  # the threadpoolctl limiter, kept for the life of the process


def one_blas_thread() -> None:
    """Limit BLAS to one thread for the rest of the process (once; later calls do nothing; a no-op
    without ``threadpoolctl``)."""
    if _held:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        _held.append(None)
        return
    _held.append(threadpool_limits(limits=1, user_api="blas"))
