"""An ordered map over worker processes, for the recombination's independent per-item stages.

:func:`ordered_map` applies a module-level function to every item and returns the results
in the items' order, so the record does not depend on the number of workers. Workers are
forked (they inherit what the parent computed, such as the terms, through :data:`SHARED`);
where forking is not available, or with one worker, it runs in the process itself.

Example:
    >>> ordered_map(abs, [-2, 1, -3], workers=1)
    [2, 1, 3]
"""

from __future__ import annotations

import ctypes
import multiprocessing
import resource
import sys
from collections.abc import Callable, Sequence
from typing import Any

SHARED: dict[str, Any] = {}
"""What the parent puts here before :func:`ordered_map` forks is visible to the workers."""

CHUNK = 32
"""Items handed to a worker at a time."""


def ordered_map(fn: Callable[[Any], Any], items: Sequence, *, workers: int = 1,
                tick: Callable[[int], None] = lambda done: None) -> list:
    """``[fn(x) for x in items]``; with ``workers`` > 1, in that many forked processes.
    ``fn`` must be a module-level function (it is sent to the workers by name)."""
    if workers <= 1 or len(items) < 2 * CHUNK or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        for k, x in enumerate(items):
            tick(k)
            out.append(fn(x))
        return out
    with multiprocessing.get_context("fork").Pool(workers, initializer=one_blas_thread) as pool:
        out = []
        for k, result in enumerate(pool.imap(fn, items, chunksize=CHUNK)):
            tick(k)
            out.append(result)
    return out


def one_blas_thread() -> None:
    """Limit OpenBLAS (found among the loaded libraries) to one thread in this process, if
    it is there. Workers already fill the cores; BLAS threads on top of them wait for a free
    core, and a 100 x 160 SVD that takes 2 ms took 700 ms that way (measured on two cores)."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and len(line.split()) >= 6})
    except OSError:
        return
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SET_THREADS:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn(1)
                return


_SET_THREADS = ("openblas_set_num_threads", "openblas_set_num_threads64_", "scipy_openblas_set_num_threads64_",
                "scipy_openblas_set_num_threads")
"""The names OpenBLAS builds give the setter (plain, 64-bit integers, numpy's scipy-openblas)."""


def children_peak_mb() -> float:
    """The largest peak resident memory of any finished worker process."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / 2 ** 20 if sys.platform == "darwin" else peak / 1024
