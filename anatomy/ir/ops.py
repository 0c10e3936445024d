"""Elementwise operators: the closed sets of unary and binary ops, as data.

Each op records its text-syntax spelling and, for binary ops, its precedence and the
dtypes it takes and gives. Every translation (text, numpy, torch, egglog, z3) is a table
keyed by these enums, and tests check that each table covers each op.

Main classes: :class:`UnaryOp`, :class:`BinaryOp`, :class:`Dtype`.

Example:
    >>> BinaryOp.ADD.symbol, BinaryOp.ADD.precedence
    ('+', 4)
    >>> UnaryOp.from_name("sigmoid")
    UnaryOp.SIGMOID
    >>> BinaryOp.LE.result
    Dtype.BOOL
"""

from __future__ import annotations

import enum

from ..errors import UnknownNameError
from ..messages import did_you_mean


class Dtype(enum.Enum):
    """The kind of value a term holds: a real number or a truth value (masks)."""

    REAL = "real"
    BOOL = "bool"


class UnaryOp(enum.Enum):
    """Elementwise functions of one argument; NEG prints as ``-x``, NOT as ``!x``."""

    NEG = "neg"
    EXP = "exp"
    LOG = "log"
    SQRT = "sqrt"
    ABS = "abs"
    TANH = "tanh"
    SIGMOID = "sigmoid"
    RELU = "relu"
    ELU = "elu"
    GELU = "gelu"
    SILU = "silu"
    SOFTPLUS = "softplus"
    SIN = "sin"
    COS = "cos"
    NOT = "not"

    @property
    def dtype(self) -> Dtype:
        """The dtype it takes and gives."""
        return Dtype.BOOL if self is UnaryOp.NOT else Dtype.REAL

    @property
    def is_function(self) -> bool:
        """Written as ``name(x)`` (all but NEG and NOT, which are prefix operators)."""
        return self not in (UnaryOp.NEG, UnaryOp.NOT)

    @classmethod
    def from_name(cls, name: str) -> "UnaryOp":
        for op in cls:
            if op.value == name and op.is_function:
                return op
        raise UnknownNameError(f"unknown function {name!r}",
                               hint=did_you_mean(name, FUNCTION_NAMES))


class BinaryOp(enum.Enum):
    """Elementwise functions of two arguments (broadcast over the union of free axes)."""

    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    DIV = "div"
    MAX = "max"
    MIN = "min"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    EQ = "eq"
    NE = "ne"
    AND = "and"
    OR = "or"

    @property
    def symbol(self) -> str | None:
        """The infix spelling, or None for ops written as ``name(a, b)``."""
        return _SYMBOLS.get(self)

    @property
    def precedence(self) -> int:
        """Binding strength of the infix form: higher binds tighter."""
        return _PRECEDENCE.get(self, 9)

    @property
    def operand(self) -> Dtype:
        return Dtype.BOOL if self in (BinaryOp.AND, BinaryOp.OR) else Dtype.REAL

    @property
    def result(self) -> Dtype:
        return Dtype.REAL if self.operand is Dtype.REAL and self.symbol not in _COMPARISONS else Dtype.BOOL

    @property
    def commutative(self) -> bool:
        return self in (BinaryOp.ADD, BinaryOp.MUL, BinaryOp.MAX, BinaryOp.MIN, BinaryOp.EQ,
                        BinaryOp.NE, BinaryOp.AND, BinaryOp.OR)


_SYMBOLS = {BinaryOp.ADD: "+", BinaryOp.SUB: "-", BinaryOp.MUL: "*", BinaryOp.DIV: "/",
            BinaryOp.LT: "<", BinaryOp.LE: "<=", BinaryOp.GT: ">", BinaryOp.GE: ">=",
            BinaryOp.EQ: "==", BinaryOp.NE: "!=", BinaryOp.AND: "&", BinaryOp.OR: "|"}
_COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}
_PRECEDENCE = {BinaryOp.OR: 1, BinaryOp.AND: 2,
               BinaryOp.LT: 3, BinaryOp.LE: 3, BinaryOp.GT: 3, BinaryOp.GE: 3, BinaryOp.EQ: 3,
               BinaryOp.NE: 3,
               BinaryOp.ADD: 4, BinaryOp.SUB: 4, BinaryOp.MUL: 5, BinaryOp.DIV: 5}

# Enum reprs that evaluate back (STYLE 11: repr is transparent).
for _enum in (Dtype, UnaryOp, BinaryOp):
    _enum.__repr__ = lambda self: f"{type(self).__name__}.{self.name}"  # type: ignore[method-assign]

#: Binary ops written as functions: ``max(a, b)``, ``min(a, b)``.
BINARY_FUNCTIONS = {op.value: op for op in BinaryOp if op.symbol is None}
#: Every name callable as ``name(...)`` in the text syntax, besides the structural forms.
FUNCTION_NAMES = tuple(sorted([op.value for op in UnaryOp if op.is_function] + list(BINARY_FUNCTIONS)))
