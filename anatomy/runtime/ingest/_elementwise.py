"""Elementwise ops: arithmetic, comparisons, masks, nonlinearities, casts and constant tensors.

Every function here takes the translation context and the op's arguments (a :class:`Value`
for each tensor, Python values for the rest) and returns a :class:`Value`. A few exact
peepholes keep masks in the form people write them: ``!(j > i)`` is ``j <= i``,
``where(!c, a, b)`` is ``where(c, b, a)``, ``where(c, 1, 0) == 0`` is ``!c``, ``j < i + 1``
is ``j <= i`` (positions are integers), and ``x + where(c, -inf, 0)`` is ``where(c, -inf, x)``.

Example:
    >>> from anatomy.ir.term import Axis, Index
    >>> i, j = Index(Axis("i", 5)), Index(Axis("j", 5))
    >>> str(negate(j.gt(i))), str(compare(BinaryOp.LT, j, i + 1))
    ('j <= i', 'j <= i')
"""

from __future__ import annotations

import math

import torch

from ...ir.ops import BinaryOp, Dtype, UnaryOp
from ...ir.term import Binary, Const, Index, Term, Unary, Where
from ._value import FALSE, TRUE, Value, align, broadcast_shape, constant

NEG_INF = float("-inf")
_FLIP = {BinaryOp.LT: BinaryOp.GE, BinaryOp.LE: BinaryOp.GT, BinaryOp.GT: BinaryOp.LE, BinaryOp.GE: BinaryOp.LT,
         BinaryOp.EQ: BinaryOp.NE, BinaryOp.NE: BinaryOp.EQ}
_PY = {BinaryOp.ADD: lambda a, b: a + b, BinaryOp.SUB: lambda a, b: a - b, BinaryOp.MUL: lambda a, b: a * b,
       BinaryOp.DIV: lambda a, b: a / b if b else math.nan,
       BinaryOp.MAX: max, BinaryOp.MIN: min, BinaryOp.LT: lambda a, b: a < b, BinaryOp.LE: lambda a, b: a <= b,
       BinaryOp.GT: lambda a, b: a > b, BinaryOp.GE: lambda a, b: a >= b, BinaryOp.EQ: lambda a, b: a == b,
       BinaryOp.NE: lambda a, b: a != b, BinaryOp.AND: lambda a, b: a and b, BinaryOp.OR: lambda a, b: a or b}


def as_value(x) -> Value:
    """A Value for a traced tensor or a Python number."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (bool, int, float)):
        return constant(x if isinstance(x, bool) else float(x))
    raise TypeError(f"expected a tensor or a number, got {type(x).__name__}")


# -- term-level peepholes -------------------------------------------------------------


def is_integral(t: Term) -> bool:
    """Integer-valued for every assignment: positions and integer constants under + - *."""
    if isinstance(t, Index):
        return True
    if isinstance(t, Const):
        return math.isfinite(t.value) and t.value == int(t.value)
    return (isinstance(t, Binary) and t.op in (BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL)
            and is_integral(t.a) and is_integral(t.b))


def _offset(t: Term) -> tuple[Term, float]:
    if isinstance(t, Binary) and isinstance(t.b, Const) and t.op in (BinaryOp.ADD, BinaryOp.SUB):
        return t.a, t.b.value if t.op is BinaryOp.ADD else -t.b.value
    return t, 0.0


def shifted(t: Term, k: int) -> Term:
    """``t + k``, written ``t - |k|`` for a negative ``k``."""
    return t if k == 0 else Binary(BinaryOp.ADD, t, Const(float(k))) if k > 0 else Binary(
        BinaryOp.SUB, t, Const(float(-k)))


def compare(op: BinaryOp, a: Term, b: Term) -> Term:
    """``a op b``, with ``j < i + 1`` written ``j <= i`` and ``j - i <= 0`` written ``j <= i`` (and
    alike) when both sides are integers."""
    if isinstance(b, Const) and b.value == 0.0 and isinstance(a, Binary) and a.op is BinaryOp.SUB \
            and is_integral(a):
        return compare(op, a.a, a.b)
    base, k = _offset(b)
    if is_integral(a) and is_integral(base) and k in (1.0, -1.0):
        tighter = {(BinaryOp.LT, 1.0): BinaryOp.LE, (BinaryOp.GE, 1.0): BinaryOp.GT,
                   (BinaryOp.LE, -1.0): BinaryOp.LT, (BinaryOp.GT, -1.0): BinaryOp.GE}.get((op, k))
        if tighter is not None:
            return Binary(tighter, a, base)
    return Binary(op, a, b)


def negate(c: Term) -> Term:
    """``!c``, flipping a comparison instead of wrapping it."""
    if isinstance(c, Unary) and c.op is UnaryOp.NOT:
        return c.x
    if isinstance(c, Binary) and c.op in _FLIP:
        return compare(_FLIP[c.op], c.a, c.b)
    if c is TRUE:
        return FALSE
    if c is FALSE:
        return TRUE
    return Unary(UnaryOp.NOT, c)


def where_term(c: Term, a: Term, b: Term) -> Term:
    """``where(c, a, b)``, keeping ``-inf`` in the else-branch and conditions un-negated."""
    if c is TRUE:
        return a
    if c is FALSE:
        return b
    if isinstance(c, Unary) and c.op is UnaryOp.NOT:
        return where_term(c.x, b, a)
    if _is_const(a, NEG_INF) and not _is_const(b, NEG_INF) and isinstance(c, Binary) and c.op in _FLIP:
        return Where(negate(c), b, a)
    return Where(c, a, b)


def _is_const(t: Term, value: float) -> bool:
    return isinstance(t, Const) and t.value == value


def _mask_of(t: Term) -> Term | None:
    """``c`` when ``t`` is ``where(c, 1, 0)``, ``!c`` when it is ``where(c, 0, 1)``."""
    if isinstance(t, Where) and isinstance(t.a, Const) and isinstance(t.b, Const):
        if (t.a.value, t.b.value) == (1.0, 0.0):
            return t.cond
        if (t.a.value, t.b.value) == (0.0, 1.0):
            return negate(t.cond)
    return None


def binary_term(op: BinaryOp, a: Term, b: Term) -> Term:
    """``a op b`` with the mask peepholes of this module."""
    if op in (BinaryOp.EQ, BinaryOp.NE):
        for x, y in ((a, b), (b, a)):
            mask = _mask_of(x)
            if mask is not None and isinstance(y, Const) and y.value in (0.0, 1.0):
                truthy = (y.value == 1.0) == (op is BinaryOp.EQ)
                return mask if truthy else negate(mask)
    if op is BinaryOp.ADD:
        for x, y in ((a, b), (b, a)):
            if isinstance(y, Where) and _is_const(y.a, NEG_INF) and _is_const(y.b, 0.0):
                return where_term(y.cond, y.a, x)
            if isinstance(y, Where) and _is_const(y.b, NEG_INF) and _is_const(y.a, 0.0):
                return where_term(y.cond, x, y.b)
    if op in _FLIP:
        return compare(op, a, b)
    return Binary(op, a, b)


# -- values ---------------------------------------------------------------------------


def to_real(v: Value) -> Value:
    if v.dtype is Dtype.REAL:
        return v
    if v.const is not None:
        return constant(1.0 if v.const else 0.0, v.shape)
    return Value(Where(v.term, Const(1.0), Const(0.0)), v.dims, v.shape)


def to_bool(v: Value) -> Value:
    if v.dtype is Dtype.BOOL:
        return v
    if v.const is not None:
        return constant(bool(v.const), v.shape)
    return Value(binary_term(BinaryOp.NE, v.term, Const(0.0)), v.dims, v.shape)


def binary(cx, op: BinaryOp, a, b) -> Value:
    """An elementwise binary op with torch's broadcasting (bools become 0/1 for arithmetic)."""
    a, b = as_value(a), as_value(b)
    convert = to_bool if op.operand is Dtype.BOOL else to_real
    a, b = convert(a), convert(b)
    if a.const is not None and b.const is not None:
        folded = _PY[op](a.const, b.const)
        if not (isinstance(folded, float) and math.isnan(folded)):
            folded = float(folded) if op.result is Dtype.REAL else bool(folded)
            return constant(folded, broadcast_shape([a.shape, b.shape]))
    (ta, tb), dims, shape = align([a, b], cx.namer)
    return Value(binary_term(op, ta, tb), dims, shape)


def unary(cx, op: UnaryOp, x) -> Value:
    x = as_value(x)
    x = to_bool(x) if op is UnaryOp.NOT else to_real(x)
    if op is UnaryOp.NOT:
        return Value(negate(x.term), x.dims, x.shape)
    return Value(Unary(op, x.term), x.dims, x.shape)


def where(cx, cond, a, b) -> Value:
    cond, a, b = to_bool(as_value(cond)), as_value(a), as_value(b)
    if a.dtype is not b.dtype:
        a, b = to_real(a), to_real(b)
    (tc, ta, tb), dims, shape = align([cond, a, b], cx.namer)
    return Value(where_term(tc, ta, tb), dims, shape)


def masked_fill(cx, x, mask, value) -> Value:
    return where(cx, mask, value, x)


def scaled(cx, op: BinaryOp, a, b, alpha=1) -> Value:
    """``a op alpha*b`` (``torch.add``/``torch.sub`` with ``alpha``)."""
    return binary(cx, op, a, b if alpha == 1 else binary(cx, BinaryOp.MUL, b, float(alpha)))


def power(cx, x, exponent) -> Value:
    """``x ** p`` for a number ``p``: products, square roots and reciprocals; ``p ** x`` as ``exp``."""
    if isinstance(exponent, Value):
        if isinstance(x, (int, float)) and x > 0:
            return unary(cx, UnaryOp.EXP, binary(cx, BinaryOp.MUL, exponent, math.log(x)))
        raise cx.fail("a power with a tensor exponent is supported only for a positive number base",
                      hint="write torch.exp(b * torch.log(a)) for a positive base a")
    p = float(exponent)
    if p == 0.5:
        return unary(cx, UnaryOp.SQRT, x)
    if p == -0.5:
        return binary(cx, BinaryOp.DIV, 1.0, unary(cx, UnaryOp.SQRT, x))
    if p == int(p) and 1 <= abs(p) <= 8:
        out = x
        for _ in range(int(abs(p)) - 1):
            out = binary(cx, BinaryOp.MUL, out, x)
        return out if p > 0 else binary(cx, BinaryOp.DIV, 1.0, out)
    if p == 0:
        return binary(cx, BinaryOp.ADD, binary(cx, BinaryOp.MUL, x, 0.0), 1.0)
    raise cx.fail(f"x ** {exponent!r} has no exact term (only integer powers, 0.5 and -0.5)",
                  hint="write the power with exp and log")


def clamp(cx, x, min=None, max=None) -> Value:  # noqa: A002 - torch's argument names
    out = as_value(x)
    if min is not None:
        out = binary(cx, BinaryOp.MAX, out, min)
    if max is not None:
        out = binary(cx, BinaryOp.MIN, out, max)
    return out


def cast(cx, x, *args, **kwargs) -> Value:
    """``.to(dtype)``, ``.float()``, ``.bool()``…: bools and reals convert, the rest is unchanged."""
    x = as_value(x)
    target = cx.out_dtype
    if target == torch.bool:
        return to_bool(x)
    if x.dtype is Dtype.BOOL:
        return to_real(x)
    if not target.is_floating_point and not _integral_value(x):
        raise cx.fail(f"conversion to {target} rounds the values, which no term expresses",
                      hint="keep the tensor in a floating-point dtype")
    return x


def _integral_value(v: Value) -> bool:
    if v.const is not None:
        return math.isfinite(float(v.const)) and float(v.const) == int(v.const)
    return is_integral(v.term)


def identity(cx, x, *args, **kwargs) -> Value:
    return as_value(x)


def dropout(cx, x, p=0.5, train=False, *args) -> Value:
    if train and p:
        raise cx.fail(f"dropout with p={p} in training mode is random", hint="call model.eval() or pass p=0")
    return as_value(x)


def elu(cx, x, alpha=1.0, scale=1.0, input_scale=1.0) -> Value:
    if (alpha, scale, input_scale) != (1.0, 1.0, 1.0):
        raise cx.fail(f"elu with alpha={alpha} has no term (only alpha=1)", hint="use F.elu(x) with alpha=1")
    return unary(cx, UnaryOp.ELU, x)


def gelu(cx, x, approximate="none") -> Value:
    if approximate != "none":
        raise cx.fail("gelu(approximate='tanh') has no term (the exact gelu has)", hint="use F.gelu(x)")
    return unary(cx, UnaryOp.GELU, x)


def softplus(cx, x, beta=1, threshold=20) -> Value:
    if beta != 1:
        raise cx.fail(f"softplus with beta={beta} is not supported", hint="use F.softplus(x) with beta=1")
    return unary(cx, UnaryOp.SOFTPLUS, x)


def full(cx, size, fill_value, *args, **kwargs) -> Value:
    return _filled(cx, fill_value)


def filled_like(value):
    def make(cx, *args, **kwargs) -> Value:
        return _filled(cx, value)
    return make


def full_like(cx, x, fill_value, *args, **kwargs) -> Value:
    return _filled(cx, fill_value)


def new_full(cx, x, size, fill_value, *args, **kwargs) -> Value:
    return _filled(cx, fill_value)


def _filled(cx, value) -> Value:
    if cx.out_dtype == torch.bool:
        return constant(bool(value), cx.out_shape)
    return constant(float(value), cx.out_shape)


def scalar_tensor(cx, value, *args, **kwargs) -> Value:
    return _filled(cx, value)
