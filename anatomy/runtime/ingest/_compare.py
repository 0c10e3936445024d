"""Does the ingested term compute what the PyTorch code computes? (float64, one size assignment)

:func:`reproduces` runs the code eagerly on float64 tensors and evaluates the term with the
numpy reference on the same values; it returns None when they agree and a sentence saying
how they differ otherwise. Size-1 dimensions of the code's output are dropped (the term has
no axis for them), and NaN and infinities must sit at the same places.

Example:
    >>> import numpy as np
    >>> difference(np.array([1.0, np.inf]), np.array([1.0 + 1e-12, np.inf])) is None
    True
    >>> difference(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
    'the values differ by up to 0.5'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch

from ...errors import AnatomyError
from ...ir.term import Term
from ...ir.traverse import inputs, params
from .. import evaluate


def difference(got: np.ndarray, expected: np.ndarray, *, rtol: float = 1e-6) -> str | None:
    """None when the arrays agree to ``rtol`` (relative to the largest finite value), else why not."""
    if got.shape != expected.shape:
        return f"the code's output has shape {list(expected.shape)} but the term's has {list(got.shape)}"
    same_special = (np.isnan(got) == np.isnan(expected)) & (np.isinf(got) == np.isinf(expected))
    finite = np.isfinite(got) & np.isfinite(expected)
    if not same_special.all() or not (got[~finite & ~np.isnan(got)] == expected[~finite & ~np.isnan(got)]).all():
        return "NaN or infinite values sit in different places"
    if not finite.any():
        return None
    scale = max(1.0, float(np.abs(expected[finite]).max()))
    err = float(np.abs(got[finite] - expected[finite]).max())
    return None if err <= rtol * scale else f"the values differ by up to {err:.3g}"


def reproduces(call: Callable, args: Sequence[torch.Tensor], leaves: Mapping[str, torch.Tensor], term: Term,
               out_axes: tuple[str, ...], sizes: Mapping[str, int]) -> str | None:
    """None when ``term`` at ``sizes`` gives ``call(*args)``; otherwise what went wrong, in words."""
    shown = ", ".join(f"{k}={v}" for k, v in sorted(sizes.items()))
    try:
        with torch.no_grad():
            expected = call(*args)
    except Exception as err:  # noqa: BLE001 - the user's code may raise anything
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return f"at sizes {shown} the code raises {type(err).__name__}: {first}"
    while isinstance(expected, (tuple, list)) and len(expected) == 1:
        expected = expected[0]
    if not isinstance(expected, torch.Tensor):
        return f"at sizes {shown} the code returns a {type(expected).__name__}"
    exp = expected.detach().to(torch.float64).numpy()
    exp = exp.reshape([s for s in exp.shape if s != 1])
    needed = {leaf.name: leaf for leaf in inputs(term) + params(term)}
    values = {name: _squeezed(leaves[name]) for name in needed}
    try:
        got = evaluate(term, values, sizes=sizes).transpose(out_axes).data
    except AnatomyError as err:
        return f"at sizes {shown} the term cannot be evaluated: {err.message}"
    problem = difference(np.asarray(got, dtype=np.float64), exp)
    return None if problem is None else f"at sizes {shown} {problem}"


def _squeezed(t: torch.Tensor) -> np.ndarray:
    arr = t.detach().to(torch.float64).numpy()
    return arr.reshape([s for s in arr.shape if s != 1])
