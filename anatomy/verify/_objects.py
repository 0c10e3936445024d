"""Evaluation over exact scalars: a runtime backend whose arrays hold Python objects.

The SMT oracle (z3 expressions) and the finite-field oracle (residues) evaluate terms with
the runtime's own evaluator (:mod:`anatomy.runtime._eval`, one entry per node kind), so
reshapes, concatenations, scans and broadcasting mean the same thing for every oracle.
Only the scalars differ: a :class:`Scalars` object supplies constants, positions and one
function per elementwise op, and :class:`ObjectBackend` lifts them to numpy object arrays.
Nothing here imports the e-graph.

Main classes: :class:`Scalars`, :class:`ObjectBackend`. Function: :func:`evaluate_exact`.

Example:
    >>> from fractions import Fraction
    >>> from anatomy.ir.term import Axis, Input
    >>> x = Input("x", (Axis("i", "n"),))
    >>> out = evaluate_exact(x.sum("i") / 2, Rationals(), {"x": [Fraction(1), Fraction(2)]}, sizes={"n": 2})
    >>> out.data.item()
    Fraction(3, 2)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InternalError
from ..ir.ops import BinaryOp, UnaryOp
from ..ir.term import ReduceOp, Term
from ..runtime import NamedArray
from ..runtime._check import check_sizes, check_term
from ..runtime._eval import Evaluator
from ..runtime.numpy_backend import NumpyArrays


class Scalars:
    """The scalar algebra of one oracle: override :meth:`const`, :meth:`position`,
    :attr:`unary`, :attr:`binary` and :meth:`where`. Ops missing from the tables raise
    :class:`Unsupported` with the op's name, which the oracles turn into a verdict."""

    unary: Mapping[UnaryOp, Callable[[Any], Any]] = {}
    binary: Mapping[BinaryOp, Callable[[Any, Any], Any]] = {}

    def const(self, value: float) -> Any:
        raise NotImplementedError

    def position(self, k: int) -> Any:
        """The value of an index term at position ``k``."""
        return self.const(float(k))

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        raise NotImplementedError


class Unsupported(Exception):
    """An op the oracle's scalars cannot express (caught by the oracle, never shown raw)."""


class Rationals(Scalars):
    """Exact rational arithmetic: the fragment of +, -, ×, ÷, max, min and comparisons."""

    unary = {UnaryOp.NEG: operator.neg, UnaryOp.ABS: abs, UnaryOp.NOT: operator.not_}
    binary = {BinaryOp.ADD: operator.add, BinaryOp.SUB: operator.sub, BinaryOp.MUL: operator.mul,
              BinaryOp.DIV: operator.truediv, BinaryOp.MAX: max, BinaryOp.MIN: min,
              BinaryOp.LT: operator.lt, BinaryOp.LE: operator.le, BinaryOp.GT: operator.gt,
              BinaryOp.GE: operator.ge, BinaryOp.EQ: operator.eq, BinaryOp.NE: operator.ne,
              BinaryOp.AND: lambda a, b: a and b, BinaryOp.OR: lambda a, b: a or b}

    def const(self, value: float) -> Any:
        return Fraction(value)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return a if cond else b


def _lift(fn: Callable, nargs: int) -> Callable:
    ufunc = np.frompyfunc(fn, nargs, 1)

    def apply(*arrays: Any) -> Any:
        out = ufunc(*arrays)
        return np.asarray(out, dtype=object)

    return apply


def _missing(op: UnaryOp | BinaryOp) -> Callable:
    def fail(*_: Any) -> Any:
        raise Unsupported(op.value)

    return fail


class ObjectBackend(NumpyArrays):
    """A runtime backend over object arrays (numpy's array primitives, the scalars' ops).

    Parameters:
        scalars: the :class:`Scalars` algebra the entries belong to.
    """

    name = "objects"
    dtype = object
    device = None

    def __init__(self, scalars: Scalars) -> None:
        self.scalars = scalars
        self.unary = {op: _lift(scalars.unary[op], 1) if op in scalars.unary else _missing(op) for op in UnaryOp}
        self.binary = {op: _lift(scalars.binary[op], 2) if op in scalars.binary else _missing(op)
                       for op in BinaryOp}
        add, big = self.binary[BinaryOp.ADD], self.binary[BinaryOp.MAX]
        self.reduce = {ReduceOp.SUM: lambda x, axis, keep: _fold(add, x, axis, keep),
                       ReduceOp.MAX: lambda x, axis, keep: _fold(big, x, axis, keep)}
        self._where = _lift(scalars.where, 3)

    def asarray(self, value: Any, what: str) -> Any:
        return np.asarray(value, dtype=object)

    def scalar(self, value: float) -> Any:
        out = np.empty((), dtype=object)
        out[()] = self.scalars.const(value)
        return out

    def arange(self, n: int) -> Any:
        out = np.empty((n,), dtype=object)
        for k in range(n):
            out[k] = self.scalars.position(k)
        return out

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return self._where(cond, a, b)

    def einsum(self, subscripts: str, a: Any, b: Any) -> Any:
        # sum_k(a * b) by the definition: the product on the union of axes, then the sums
        # in order, so that every oracle sees the same expression tree.
        ins, out = subscripts.split("->")
        sa, sb = ins.split(",")
        union = sa + "".join(c for c in sb if c not in sa)
        shape = {c: n for s, arr in ((sa, a), (sb, b)) for c, n in zip(s, np.shape(arr))}
        full = tuple(shape[c] for c in union)
        prod = self.binary[BinaryOp.MUL](_spread(a, sa, union, full), _spread(b, sb, union, full))
        axes = list(union)
        for c in [c for c in union if c not in out]:
            prod = self.reduce[ReduceOp.SUM](prod, axes.index(c), False)
            axes.remove(c)
        return np.transpose(prod, [axes.index(c) for c in out]) if axes else prod

    def context(self) -> Any:
        import contextlib

        return contextlib.nullcontext()


def _spread(data: Any, letters: str, union: str, full: tuple[int, ...]) -> Any:
    order = [letters.index(c) for c in union if c in letters]
    moved = np.transpose(data, order) if order else data
    shape = tuple(np.shape(data)[letters.index(c)] if c in letters else 1 for c in union)
    return np.broadcast_to(np.reshape(moved, shape), full)


def _fold(op: Callable, x: Any, axis: int, keep: bool) -> Any:
    """Left fold of ``op`` along ``axis`` (sizes are at least 1)."""
    x = np.asarray(x, dtype=object)
    if x.shape[axis] < 1:
        raise InternalError("a reduction over an empty axis")
    acc = np.take(x, 0, axis=axis)
    for k in range(1, x.shape[axis]):
        acc = op(acc, np.take(x, k, axis=axis))
    acc = np.asarray(acc, dtype=object)
    return np.expand_dims(acc, axis) if keep else acc


def evaluate_exact(term: Term, scalars: Scalars, values: Mapping[str, Any], *, sizes: Mapping[str, int]) -> NamedArray:
    """The value of ``term`` over ``scalars``, laid out in ``term.axes`` order.

    ``values`` maps every Input and Param name to a nested list or object array of scalars
    in the leaf's declared axis order; ``sizes`` binds every size symbol. Sugar nodes
    (softmax, normalize) are evaluated by the runtime's table, which subtracts the row
    maximum; oracles that want the definition lower the term first.
    """
    check_term(term)
    bindings, lengths = check_sizes(term, sizes)
    backend = ObjectBackend(scalars)
    leaves = {name: backend.asarray(v, name) for name, v in values.items()}
    out = Evaluator(backend, lengths, bindings, leaves).run(term)
    return NamedArray(out.axes, np.asarray(out.data, dtype=object))
