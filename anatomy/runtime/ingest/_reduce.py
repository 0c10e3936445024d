"""Reductions and normalisers: sum, mean, max, min, softmax, log-softmax, logsumexp, cumsum, norms.

A reduction over a named axis is a ``Reduce``; over a dimension the term does not depend on
it is a multiplication by the size (``sum``) or nothing (``max``). ``cumsum`` is the causal
masked sum ``sum_i(where(i <= i2, x, 0))``. ``F.normalize``'s ``x / max(‖x‖, eps)`` is read as
``normalize_d(x)`` (the two differ only on vectors shorter than ``eps``).

Example:
    >>> from anatomy.ir.term import Input
    >>> from anatomy.runtime.ingest._value import Namer, leaf_value
    >>> namer = Namer()
    >>> x = leaf_value(Input, "x", (4, 6), namer, roles=("token", "feature"))
    >>> str(reduce_dims(x, [1], ReduceOp.SUM, keepdim=False, namer=namer).term)
    'sum_d(x[i, d])'
"""

from __future__ import annotations

import math

from ...ir.ops import BinaryOp, UnaryOp
from ...ir.term import Axis, Binary, Const, Dim, Index, Normalize, Reduce, ReduceOp, Softmax, Unary, Where
from ._elementwise import as_value, binary, to_real, unary
from ._value import Missing, Value, materialise, positions


def reduce_dims(x: Value, dims, op: ReduceOp, *, keepdim: bool, namer) -> Value:
    """``x`` reduced by ``op`` over the dimensions ``dims`` (all when None or empty)."""
    x = to_real(x)
    term = x.term
    ps = positions(dims, x.rank)
    for p in ps:
        name, size = x.dims[p], x.shape[p]
        if name is not None:
            term = Reduce(op, term, name)
        elif op is ReduceOp.SUM and size > 1:
            term = Binary(BinaryOp.MUL, term, Dim(size))
    keep = [p for p in range(x.rank) if p not in ps]
    if keepdim:
        dims_ = tuple(None if p in ps else x.dims[p] for p in range(x.rank))
        shape = tuple(1 if p in ps else x.shape[p] for p in range(x.rank))
    else:
        dims_ = tuple(x.dims[p] for p in keep)
        shape = tuple(x.shape[p] for p in keep)
    return Value(term, dims_, shape)


def sum_(cx, x, dim=None, keepdim=False, *args, **kwargs) -> Value:
    return reduce_dims(as_value(x), dim, ReduceOp.SUM, keepdim=keepdim, namer=cx.namer)


def mean(cx, x, dim=None, keepdim=False, *args, **kwargs) -> Value:
    x = as_value(x)
    total = reduce_dims(x, dim, ReduceOp.SUM, keepdim=keepdim, namer=cx.namer)
    count = math.prod(x.shape[p] for p in positions(dim, x.rank))
    return Value(Binary(BinaryOp.DIV, total.term, Dim(count)), total.dims, total.shape) if count > 1 else total


def amax(cx, x, dim=(), keepdim=False) -> Value:
    return reduce_dims(as_value(x), dim, ReduceOp.MAX, keepdim=keepdim, namer=cx.namer)


def amin(cx, x, dim=(), keepdim=False) -> Value:
    neg = unary(cx, UnaryOp.NEG, x)
    return unary(cx, UnaryOp.NEG, reduce_dims(neg, dim, ReduceOp.MAX, keepdim=keepdim, namer=cx.namer))


def maximum_or_max(cx, x, dim=None, keepdim=False):
    """``torch.max``: elementwise with a tensor, over everything, or over ``dim`` (values only)."""
    if isinstance(dim, Value):
        return binary(cx, BinaryOp.MAX, x, dim)
    if dim is None:
        return amax(cx, x)
    return [amax(cx, x, dim, keepdim), Missing("the indices of torch.max (argmax) have no term", hint="use the values only")]


def minimum_or_min(cx, x, dim=None, keepdim=False):
    if isinstance(dim, Value):
        return binary(cx, BinaryOp.MIN, x, dim)
    if dim is None:
        return amin(cx, x)
    return [amin(cx, x, dim, keepdim), Missing("the indices of torch.min (argmin) have no term", hint="use the values only")]


def softmax(cx, x, dim, *args, **kwargs) -> Value:
    x = to_real(as_value(x))
    p = dim % x.rank
    x = materialise(x, p, cx.namer)
    return Value(Softmax(x.term, x.dims[p]), x.dims, x.shape)


def log_softmax(cx, x, dim, *args, **kwargs) -> Value:
    s = softmax(cx, x, dim)
    return Value(Unary(UnaryOp.LOG, s.term), s.dims, s.shape)


def logsumexp(cx, x, dim, keepdim=False) -> Value:
    e = unary(cx, UnaryOp.EXP, x)
    return unary(cx, UnaryOp.LOG, reduce_dims(e, dim, ReduceOp.SUM, keepdim=keepdim, namer=cx.namer))


def cumsum(cx, x, dim, *args, **kwargs) -> Value:
    """The inclusive prefix sum: ``sum_i(where(i <= i2, x, 0))`` into a new axis ``i2``."""
    x = to_real(as_value(x))
    p = dim % x.rank
    x = materialise(x, p, cx.namer)
    a = x.axis(p)
    out = cx.namer.fresh(a.size, taken=set(x.term.env), role=cx.namer.role_of.get(a.name))
    cond = Binary(BinaryOp.LE, Index(a), Index(Axis(out, a.size)))
    term = Reduce(ReduceOp.SUM, Where(cond, x.term, Const(0.0)), a.name)
    return Value(term, x.dims[:p] + (out,) + x.dims[p + 1:], x.shape)


def vector_norm(cx, x, ord=2, dim=None, keepdim=False, *args, **kwargs) -> Value:  # noqa: A002
    x = to_real(as_value(x))
    if ord == 2:
        sq = binary(cx, BinaryOp.MUL, x, x)
        return unary(cx, UnaryOp.SQRT, reduce_dims(sq, dim, ReduceOp.SUM, keepdim=keepdim, namer=cx.namer))
    if ord == 1:
        return reduce_dims(unary(cx, UnaryOp.ABS, x), dim, ReduceOp.SUM, keepdim=keepdim, namer=cx.namer)
    if ord == math.inf:
        return reduce_dims(unary(cx, UnaryOp.ABS, x), dim, ReduceOp.MAX, keepdim=keepdim, namer=cx.namer)
    raise cx.fail(f"a vector norm of order {ord} has no term (orders 1, 2 and inf have)", hint="use the 2-norm")


def norm(cx, x, p=2, dim=None, keepdim=False, *args, **kwargs) -> Value:
    return vector_norm(cx, x, 2 if p is None else p, dim, keepdim)


def divide(cx, a, b, rounding_mode=None) -> Value:
    """``a / b``; ``x / max(sqrt(sum_d(x * x)), eps)`` (``F.normalize``) becomes ``normalize_d(x)``."""
    if rounding_mode is not None:
        raise cx.fail(f"division with rounding_mode={rounding_mode!r} rounds, which no term expresses",
                      hint="divide without rounding")
    out = binary(cx, BinaryOp.DIV, a, b)
    t = out.term
    if isinstance(t, Binary) and t.op is BinaryOp.DIV:
        axis = _normalised_axis(t.a, t.b)
        if axis is not None:
            return Value(Normalize(t.a, axis), out.dims, out.shape)
    return out


def _normalised_axis(x, den) -> str | None:
    if isinstance(den, Binary) and den.op is BinaryOp.MAX and isinstance(den.b, Const) and 0 < den.b.value < 1e-6:
        den = den.a
    if not (isinstance(den, Unary) and den.op is UnaryOp.SQRT and isinstance(den.x, Reduce)):
        return None
    r = den.x
    sq = r.x
    if r.op is ReduceOp.SUM and isinstance(sq, Binary) and sq.op is BinaryOp.MUL and sq.a is x and sq.b is x:
        return r.axis
    return None
