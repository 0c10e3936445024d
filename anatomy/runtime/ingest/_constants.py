"""Constant tensors (buffers, ``torch.tensor(…)`` in ``forward``) read as terms.

A module's buffers hold no learnable values, so they must be expressible in the term
language: a constant, an ``arange`` (positions ``start + step * i``), or a ``tril``/``triu``
mask (two values, split along a diagonal ``col - row = k``) — bool, 0/1 or 0/-inf. Anything
else is an :class:`~anatomy.errors.IngestError` that says so.

Example:
    >>> import torch
    >>> from anatomy.runtime.ingest._value import Namer
    >>> v = recognise(torch.tril(torch.ones(4, 4)).view(1, 4, 4), "mask", Namer())
    >>> v.dims, str(v.term)
    ((None, 'i', 'j'), 'where(j <= i, 1, 0)')
    >>> str(recognise(torch.arange(3, 9), "pos", Namer()).term)
    'i + 3'
"""

from __future__ import annotations

import torch

from ...errors import IngestError
from ...ir.ops import BinaryOp
from ...ir.term import Axis, Const, Index
from ._elementwise import compare, negate, shifted, where_term
from ._value import Value, constant


def recognise(tensor: torch.Tensor, what: str, namer) -> Value:
    """The term of a constant tensor, or an error naming it (``what``: "buffer 'mask'")."""
    t = tensor.detach().cpu()
    shape = tuple(t.shape)
    flat = t.reshape(-1)
    if flat.numel() and bool((flat == flat[0]).all()):
        return constant(_scalar(flat[0]), shape)
    lead = 0
    while lead < t.dim() and t.shape[lead] == 1:
        lead += 1
    core = t.reshape(shape[lead:])
    found = _arange(core, namer) if core.dim() == 1 else _triangle(core, namer) if core.dim() == 2 else None
    if found is None:
        raise IngestError(f"{what} of shape {list(shape)} has no term: it is not a constant, an arange or a "
                          "tril/triu mask", hint="make it an nn.Parameter, or compute it in forward with "
                          "torch.arange / torch.tril")
    term, dims = found
    return Value(term, (None,) * lead + dims, shape)


def _scalar(x: torch.Tensor) -> float | bool:
    return bool(x) if x.dtype is torch.bool else float(x)


def _arange(core: torch.Tensor, namer):
    vals = core.double()
    n = vals.numel()
    start, step = float(vals[0]), float(vals[1] - vals[0])
    if not torch.equal(vals, start + step * torch.arange(n, dtype=torch.float64)):
        return None
    a = namer.fresh(n, role=namer.size_role.get(n, "token"))
    term = Index(Axis(a, n))
    if step != 1:
        term = term * step
    if start != 0:
        term = term + start
    return term, (a,)


def _triangle(core: torch.Tensor, namer):
    uniq = torch.unique(core)
    if uniq.numel() != 2:
        return None
    rows, cols = core.shape
    diff = torch.arange(cols).view(1, cols) - torch.arange(rows).view(rows, 1)
    for on_index in (1, 0):
        on = core == uniq[on_index]
        for op, k in ((BinaryOp.LE, int(diff[on].max())), (BinaryOp.GE, int(diff[on].min()))):
            keep = diff <= k if op is BinaryOp.LE else diff >= k
            if torch.equal(on, keep):
                return _mask(op, k, _scalar(uniq[on_index]), _scalar(uniq[1 - on_index]), rows, cols, namer)
    return None


def _mask(op: BinaryOp, k: int, on, off, rows: int, cols: int, namer):
    r = namer.fresh(rows, role=namer.size_role.get(rows, "token"))
    c = namer.fresh(cols, taken={r}, role=namer.size_role.get(cols, "token"))
    row, col = Index(Axis(r, rows)), Index(Axis(c, cols))
    cond = compare(op, col, shifted(row, k))
    if isinstance(on, bool):
        term = cond if on else negate(cond)
    else:
        term = where_term(cond, Const(on), Const(off))
    return term, (r, c)
