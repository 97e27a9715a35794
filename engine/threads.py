"""One BLAS thread around small dense algebra.

The engine's products are small (an inner dimension of 3 to a few hundred, a few hundred rows), where a
second OpenBLAS thread costs more than it computes and only spins, many times more on a busy 2-core
machine. Measured: the certified n = 200 solves (CPU time halved, wall time down too), a new SGD run's
Playground figures (median ~0.11 s with threads, ~0.06 s without), the XOR training of the Dynamics page.
The limit is process-wide while the block runs (threadpoolctl): other sessions' numpy work is
single-threaded meanwhile (speed only, never results).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread"]


@cache
def _controller() -> ThreadpoolController:
    """The process's BLAS libraries, looked up once: ``threadpool_limits`` scans every loaded library
    on each call (~2.5 ms, 2 % of a certified n = 200 solve). numpy's OpenBLAS loads with numpy and
    scipy's own with ``scipy.linalg``, imported here first so that both are among them."""
    import scipy.linalg  # noqa: F401  (loads scipy's OpenBLAS before the look-up)

    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager:
    """A context manager: BLAS limited to one thread inside the block, restored after it."""
    return _controller().limit(limits=1, user_api="blas")
