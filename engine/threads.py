"""One BLAS thread around small dense algebra.

The engine's products are small (an inner dimension of 3 to a few hundred, a few hundred rows), where a
second OpenBLAS thread costs more than it computes and only spins, many times more on a busy 2-core
machine. Measured: the certified n = 200 solves (CPU time halved, wall time down too), a new SGD run's
Playground figures (median ~0.11 s with threads, ~0.06 s without), the XOR training of the Dynamics page.
The limit is process-wide while the block runs (threadpoolctl): other sessions' numpy work is
single-threaded meanwhile (speed only, never results).
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits

__all__ = ["one_blas_thread"]


def one_blas_thread() -> threadpool_limits:
    """A context manager: BLAS limited to one thread inside the block, restored after it."""
    return threadpool_limits(limits=1, user_api="blas")
