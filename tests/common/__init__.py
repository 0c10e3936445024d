"""Helpers shared by the test suite: numeric comparison that reports its data.

Functions: :func:`assert_close`, :func:`to_numpy`.

Example:
    >>> import numpy as np
    >>> assert_close(np.array([1.0, np.nan]), np.array([1.0 + 1e-12, np.nan]), rtol=1e-10, atol=1e-10)
"""

from __future__ import annotations

from typing import Any

import numpy as np


def to_numpy(data: Any) -> np.ndarray:
    """A float64 (or bool) numpy array from a numpy array, a torch tensor or a number."""
    if hasattr(data, "detach"):
        data = data.detach().cpu()
        if data.dtype.is_floating_point:
            data = data.double()
        data = data.numpy()
    arr = np.asarray(data)
    return arr if arr.dtype == bool else arr.astype(np.float64)


def assert_close(actual: Any, expected: Any, *, rtol: float, atol: float, context: str = "") -> None:
    """Equal shapes, and equal values up to ``atol + rtol * |expected|``, with nan == nan and
    infinities equal only to themselves. A failure shows the worst element, both values,
    the tolerance and ``context`` (STYLE 36)."""
    a, e = to_numpy(actual), to_numpy(expected)
    head = f"{context}\n" if context else ""
    assert a.shape == e.shape, f"{head}shape {a.shape} != expected {e.shape}"
    if a.dtype == bool or e.dtype == bool:
        bad = np.argwhere(a != e)
        assert bad.size == 0, f"{head}{len(bad)} booleans differ, first at {tuple(bad[0])}"
        return
    same_special = (np.isnan(a) & np.isnan(e)) | (np.isinf(e) & (a == e))
    finite = np.isfinite(a) & np.isfinite(e)
    with np.errstate(all="ignore"):
        err = np.where(finite, np.abs(a - e), np.inf)
    err = np.where(same_special, 0.0, err)
    allowed = atol + rtol * np.where(finite, np.abs(e), 0.0)
    bad = err > allowed
    if bad.any():
        with np.errstate(all="ignore"):
            ratio = np.where(bad, np.where(allowed > 0, err / allowed, np.inf), -1.0)
        k = np.unravel_index(int(np.argmax(ratio)), a.shape)
        raise AssertionError(f"{head}{int(bad.sum())} of {a.size} elements differ; worst at {k}: "
                             f"got {a[k]!r}, expected {e[k]!r} (rtol={rtol}, atol={atol})")
