"""Interval scalars: certify that two terms differ at exact inputs.

At concrete inputs every value is a real number, though ``exp``, ``sqrt`` or ``tanh`` of a
rational is not rational. Interval arithmetic with rational endpoints encloses each value:
``+ - × ÷ max min abs`` are exact on the endpoints, and a function's value is enclosed by
its float64 value widened outwards by :data:`WIDEN` (relative), far more than float64
libraries' few-ulp error. When the enclosures of the two sides' entries are disjoint, the
entries differ: a refutation that needs no trust in z3's model of ``exp``.

An undecidable comparison (overlapping intervals) in a ``where`` takes the hull of both
branches, which stays sound; a division by an interval that contains 0, ``0·inf`` or
``inf - inf`` raises :class:`Undecided`, and no certificate is issued.

Main class: :class:`IntervalScalars`. Function: :func:`disjoint`.

Example:
    >>> from fractions import Fraction
    >>> sc = IntervalScalars()
    >>> e = sc.unary[UnaryOp.EXP](sc.const(1.0))
    >>> float(e.lo) < 2.718281828459045 < float(e.hi), float(e.hi - e.lo) < 1e-11
    (True, True)
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from typing import Any

from ..ir.ops import BinaryOp, UnaryOp
from ..runtime.numpy_backend import UNARY
from ._objects import Scalars

WIDEN = Fraction(1, 10**12)
"""Relative outward widening of a function value computed in float64."""

_INCREASING = (UnaryOp.EXP, UnaryOp.LOG, UnaryOp.SQRT, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.RELU,
               UnaryOp.ELU, UnaryOp.SOFTPLUS)
_OTHER = (UnaryOp.GELU, UnaryOp.SILU, UnaryOp.SIN, UnaryOp.COS)
_NARROW = Fraction(1, 10**9)  # non-monotone functions: only on intervals narrower than this


class Undecided(Exception):
    """The enclosure cannot be computed soundly (division by an interval containing 0, …)."""


Bound = Fraction | float  # a Fraction, or ±inf


@dataclasses.dataclass(frozen=True)
class Interval:
    """The closed interval ``[lo, hi]`` (endpoints rational or infinite)."""

    lo: Bound
    hi: Bound


def _point(x: Bound) -> Interval:
    return Interval(x, x)


def _check(x: Bound) -> Bound:
    if isinstance(x, float) and math.isnan(x):
        raise Undecided("an undefined value (inf - inf or 0 * inf)")
    return x


def _mul(a: Bound, b: Bound) -> Bound:
    if (a == 0 and isinstance(b, float)) or (b == 0 and isinstance(a, float)):
        raise Undecided("0 * inf")
    return _check(a * b)


def _down(v: float) -> Bound:
    if math.isinf(v):
        return v
    f = Fraction(v)
    return f - abs(f) * WIDEN - Fraction(1, 10**300)


def _up(v: float) -> Bound:
    if math.isinf(v):
        return v
    f = Fraction(v)
    return f + abs(f) * WIDEN + Fraction(1, 10**300)


def _float(x: Bound) -> float:
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


class IntervalScalars(Scalars):
    """Interval enclosures over rational endpoints (see the module docstring).

    Booleans are ``True``, ``False`` or ``None`` (undecided).
    """

    def __init__(self) -> None:
        self.unary = {UnaryOp.NEG: lambda x: Interval(-x.hi, -x.lo), UnaryOp.ABS: self.abs,
                      UnaryOp.NOT: lambda c: None if c is None else not c,
                      **{op: self._increasing(op) for op in _INCREASING},
                      **{op: self._narrow(op) for op in _OTHER}}
        self.binary = {BinaryOp.ADD: lambda a, b: Interval(_check(a.lo + b.lo), _check(a.hi + b.hi)),
                       BinaryOp.SUB: lambda a, b: Interval(_check(a.lo - b.hi), _check(a.hi - b.lo)),
                       BinaryOp.MUL: self.mul, BinaryOp.DIV: self.div,
                       BinaryOp.MAX: lambda a, b: Interval(max(a.lo, b.lo), max(a.hi, b.hi)),
                       BinaryOp.MIN: lambda a, b: Interval(min(a.lo, b.lo), min(a.hi, b.hi)),
                       BinaryOp.LT: self.lt, BinaryOp.GT: lambda a, b: self.lt(b, a),
                       BinaryOp.LE: lambda a, b: _not(self.lt(b, a)), BinaryOp.GE: lambda a, b: _not(self.lt(a, b)),
                       BinaryOp.EQ: self.eq, BinaryOp.NE: lambda a, b: _not(self.eq(a, b)),
                       BinaryOp.AND: _and, BinaryOp.OR: _or}

    def const(self, value: float) -> Interval:
        return _point(value if math.isinf(value) else Fraction(value))

    def where(self, cond: Any, a: Interval, b: Interval) -> Interval:
        if cond is None:
            return Interval(min(a.lo, b.lo), max(a.hi, b.hi))
        return a if cond else b

    def mul(self, a: Interval, b: Interval) -> Interval:
        ends = [_mul(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return Interval(min(ends), max(ends))

    def div(self, a: Interval, b: Interval) -> Interval:
        if b.lo <= 0 <= b.hi:
            raise Undecided("a divisor whose enclosure contains 0")
        return self.mul(a, Interval(1 / b.hi if not isinstance(b.hi, float) else Fraction(0),
                                    1 / b.lo if not isinstance(b.lo, float) else Fraction(0)))

    def abs(self, x: Interval) -> Interval:
        if x.lo >= 0:
            return x
        if x.hi <= 0:
            return Interval(-x.hi, -x.lo)
        return Interval(Fraction(0), max(-x.lo, x.hi))

    def lt(self, a: Interval, b: Interval) -> bool | None:
        return True if a.hi < b.lo else False if a.lo >= b.hi else None

    def eq(self, a: Interval, b: Interval) -> bool | None:
        if a.lo == a.hi == b.lo == b.hi:
            return True
        return False if a.hi < b.lo or b.hi < a.lo else None

    def _increasing(self, op: UnaryOp):
        fn = UNARY[op]

        def apply(x: Interval) -> Interval:
            lo, hi = float(fn(_float(x.lo))), float(fn(_float(x.hi)))
            if math.isnan(lo) or math.isnan(hi):
                raise Undecided(f"{op.value} outside its domain")
            return Interval(_down(lo), _up(hi))

        return apply

    def _narrow(self, op: UnaryOp):
        fn = UNARY[op]

        def apply(x: Interval) -> Interval:
            if isinstance(x.lo, float) or isinstance(x.hi, float) or x.hi - x.lo > _NARROW:
                raise Undecided(f"{op.value} on a wide interval")
            ends = [float(fn(_float(x.lo))), float(fn(_float(x.hi)))]
            return Interval(_down(min(ends)) - 2 * _NARROW, _up(max(ends)) + 2 * _NARROW)  # |f'| <= 1.2

        return apply


def _not(c: bool | None) -> bool | None:
    return None if c is None else not c


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def disjoint(a: Interval | bool | None, b: Interval | bool | None) -> bool:
    """True when the enclosures cannot share a value (or two decided truth values differ):
    the entries certainly differ."""
    if not isinstance(a, Interval) or not isinstance(b, Interval):
        return a is not None and b is not None and a != b
    return a.hi < b.lo or b.hi < a.lo
