"""The generic evaluator: one table entry per node kind, over any :class:`Backend`.

:data:`EVAL` maps each node kind to a function of (evaluator, node, frame) that returns a
:class:`NamedArray`. Values broadcast by axis name: operands are laid out in the result's
axis order, with length-1 dimensions for the axes they lack. A sum of a product,
``sum_k(a * b)`` with ``k`` in both factors, is one backend ``einsum`` (a matrix product
where it is one).

Scans run position by position. A *frame* is one scan position: it fixes the scan axes of
every enclosing step to their current positions and binds the scan's states to their
previous values. A sub-term that reads no state bound in a frame is evaluated once, in the
outermost frame that binds all the states it reads, over the whole scan axis, and then
sliced at the current position (hoisting); only the state-dependent part of a step runs
per position. A value computed in a frame never has that frame's fixed axes.

Main class: :class:`Evaluator`. Table: :data:`EVAL`.

Example:
    >>> import numpy as np
    >>> from anatomy.ir.term import Axis, Input
    >>> from anatomy.runtime._backend import get_backend
    >>> x = Input("x", (Axis("i", "n"),))
    >>> ev = Evaluator(get_backend("numpy"), {"i": 3}, {"n": 3}, {"x": np.array([1.0, 2.0, 3.0])})
    >>> ev.run(x.sum("i")).data.item()
    6.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import InternalError
from ..ir.ops import BinaryOp, UnaryOp
from ..ir.term import (Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param,
                       Reduce, ReduceOp, Rename, Scan, Softmax, Split, State, Term, Unary, Where)
from ._backend import Backend
from ._named import NamedArray


class Frame:
    """One scan position: fixed scan axes (name -> position) and bound states.

    The root frame fixes nothing and binds nothing. ``cache`` holds the values computed in
    this frame, keyed by term (terms are interned, so identity is structural equality).
    """

    __slots__ = ("parent", "fixed", "bound", "cache", "hoist")

    def __init__(self, parent: "Frame | None", fixed: Mapping[str, int], bound: Mapping[str, NamedArray],
                 *, hoist: bool = True):
        self.parent = parent
        self.fixed = dict(fixed)
        self.bound = dict(bound)
        self.cache: dict[Term, NamedArray] = {}
        self.hoist = hoist

    def home(self, term: Term) -> "Frame":
        """Where to compute ``term``: the innermost frame that binds a state it reads (all
        its states are visible there; inner scans shadow outer ones), the root frame for a
        state-free term, and this frame when hoisting is off."""
        if not self.hoist:
            return self
        states = term.free_states
        frame = self
        while frame.parent is not None and not any(name in frame.bound for name in states):
            frame = frame.parent
        if states and not any(name in frame.bound for name in states):
            raise InternalError(f"scan state(s) {sorted(states)} are read outside their scan")
        return frame

    def lookup(self, name: str) -> NamedArray:
        frame: Frame | None = self
        while frame is not None:
            if name in frame.bound:
                return frame.bound[name]
            frame = frame.parent
        raise InternalError(f"scan state {name!r} is read outside its scan")


class Evaluator:
    """Evaluates terms with one backend, one set of sizes and one set of leaf values.

    Parameters:
        backend: the :class:`Backend` to compute with.
        axis_sizes: every axis name the terms mention -> its length.
        bindings: size symbol -> int (for :class:`Dim`).
        leaves: Input and Param name -> backend array in the leaf's declared axis order.
        hoist: evaluate state-independent parts of scan steps once (True, the default), or
            everything per position (False; slower, used to test the hoisting).
    """

    def __init__(self, backend: Backend, axis_sizes: Mapping[str, int], bindings: Mapping[str, int],
                 leaves: Mapping[str, Any], *, hoist: bool = True) -> None:
        self.backend = backend
        self.axis_sizes = dict(axis_sizes)
        self.bindings = dict(bindings)
        self.leaves = dict(leaves)
        self.hoist = hoist

    def run(self, term: Term) -> NamedArray:
        """The value of a closed term, laid out in ``term.axes`` order."""
        with self.backend.context():
            return self.value(term, Frame(None, {}, {}, hoist=self.hoist))

    def value(self, term: Term, frame: Frame) -> NamedArray:
        """The value of ``term`` at ``frame``: ``term.axes`` without the frame's fixed axes."""
        home = frame.home(term)
        found = home.cache.get(term)
        if found is None:
            found = self._compute(term, home)
            home.cache[term] = found
        if home is not frame:
            found = self.fix(found, frame.fixed)
        return found

    def _compute(self, term: Term, frame: Frame) -> NamedArray:
        out = self.fix(EVAL[type(term)](self, term, frame), frame.fixed)
        order = tuple(a for a in term.axes if a not in frame.fixed)
        if sorted(out.axes) != sorted(order):
            raise InternalError(f"{term.kind} node evaluated to axes {out.axes}, expected {order}")
        return out.transpose(order)

    # -- helpers shared by the table entries ------------------------------------------
    def fix(self, value: NamedArray, fixed: Mapping[str, int]) -> NamedArray:
        """Slice ``value`` at the fixed position of every fixed axis it has."""
        axes, data = value.axes, value.data
        for name in [a for a in axes if a in fixed]:
            k = axes.index(name)
            data = self.backend.take(data, k, fixed[name])
            axes = axes[:k] + axes[k + 1:]
        return value if axes == value.axes else NamedArray(axes, data)

    def broadcast(self, value: NamedArray, order: tuple[str, ...]) -> Any:
        """``value``'s data laid out in ``order`` at full length along every axis."""
        data = value.aligned(order)
        shape = tuple(self.axis_sizes[a] for a in order)
        return data if tuple(data.shape) == shape else self.backend.broadcast_to(data, shape)

    def local(self, term: Term, frame: Frame) -> tuple[str, ...]:
        return tuple(a for a in term.axes if a not in frame.fixed)


# -- leaves ----------------------------------------------------------------------------

def _leaf(ev: Evaluator, t: Input | Param, frame: Frame) -> NamedArray:
    return NamedArray(tuple(a.name for a in t.shape), ev.leaves[t.name])


def _const(ev: Evaluator, t: Const, frame: Frame) -> NamedArray:
    return NamedArray((), ev.backend.scalar(t.value))


def _dim(ev: Evaluator, t: Dim, frame: Frame) -> NamedArray:
    return NamedArray((), ev.backend.scalar(float(t.size.evaluate(ev.bindings))))


def _index(ev: Evaluator, t: Index, frame: Frame) -> NamedArray:
    return NamedArray((t.axis.name,), ev.backend.arange(ev.axis_sizes[t.axis.name]))


def _state(ev: Evaluator, t: State, frame: Frame) -> NamedArray:
    return frame.lookup(t.name)


# -- elementwise -----------------------------------------------------------------------

def _unary(ev: Evaluator, t: Unary, frame: Frame) -> NamedArray:
    x = ev.value(t.x, frame)
    return NamedArray(x.axes, ev.backend.unary[t.op](x.data))


def _binary(ev: Evaluator, t: Binary, frame: Frame) -> NamedArray:
    order = ev.local(t, frame)
    a, b = ev.value(t.a, frame), ev.value(t.b, frame)
    return NamedArray(order, ev.backend.binary[t.op](a.aligned(order), b.aligned(order)))


def _where(ev: Evaluator, t: Where, frame: Frame) -> NamedArray:
    order = ev.local(t, frame)
    c, a, b = (ev.value(x, frame).aligned(order) for x in (t.cond, t.a, t.b))
    return NamedArray(order, ev.backend.where(c, a, b))


# -- axes ------------------------------------------------------------------------------

def _reduce(ev: Evaluator, t: Reduce, frame: Frame) -> NamedArray:
    x = t.x
    if (t.op is ReduceOp.SUM and isinstance(x, Binary) and x.op is BinaryOp.MUL
            and t.axis in x.a.axes and t.axis in x.b.axes):
        return _contract(ev, t, x, frame)
    return _reduce_plain(ev, t, frame)


def _contract(ev: Evaluator, t: Reduce, x: Binary, frame: Frame) -> NamedArray:
    # sum_k(a * b) as one einsum: a matrix product where it is one, and never the
    # |a ∪ b|-sized product array (O(n² d) memory for attention scores otherwise). Only
    # when k is in both operands: otherwise einsum factors the sum, a[i] * sum_k b[k],
    # which is not the definition once an operand is infinite (inf * 0 must give nan).
    a, b = ev.value(x.a, frame), ev.value(x.b, frame)
    union = ev.local(x, frame)
    if len(union) > len(_LETTERS):
        return _reduce_plain(ev, t, frame)
    letter = dict(zip(union, _LETTERS))
    out = tuple(n for n in union if n != t.axis)
    spec = f"{''.join(letter[n] for n in a.axes)},{''.join(letter[n] for n in b.axes)}->" \
           f"{''.join(letter[n] for n in out)}"
    return NamedArray(out, ev.backend.einsum(spec, a.data, b.data))


def _reduce_plain(ev: Evaluator, t: Reduce, frame: Frame) -> NamedArray:
    x = ev.value(t.x, frame)
    k = x.axes.index(t.axis)
    return NamedArray(x.axes[:k] + x.axes[k + 1:], ev.backend.reduce[t.op](x.data, k, False))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _softmax(ev: Evaluator, t: Softmax, frame: Frame) -> NamedArray:
    # Shift by the row max: exact in real arithmetic, never overflows; an all -inf row
    # gives -inf - -inf = nan, the honest value of 0/0.
    x = ev.value(t.x, frame)
    k, b = x.axes.index(t.axis), ev.backend
    shifted = b.binary[BinaryOp.SUB](x.data, b.reduce[ReduceOp.MAX](x.data, k, True))
    e = b.unary[UnaryOp.EXP](shifted)
    return NamedArray(x.axes, b.binary[BinaryOp.DIV](e, b.reduce[ReduceOp.SUM](e, k, True)))


def _normalize(ev: Evaluator, t: Normalize, frame: Frame) -> NamedArray:
    x = ev.value(t.x, frame)
    k, b = x.axes.index(t.axis), ev.backend
    norm = b.unary[UnaryOp.SQRT](b.reduce[ReduceOp.SUM](b.binary[BinaryOp.MUL](x.data, x.data), k, True))
    return NamedArray(x.axes, b.binary[BinaryOp.DIV](x.data, norm))


def _rename(ev: Evaluator, t: Rename, frame: Frame) -> NamedArray:
    x, m = ev.value(t.x, frame), dict(t.mapping)
    return NamedArray(tuple(m.get(a, a) for a in x.axes), x.data)


def _concat(ev: Evaluator, t: Concat, frame: Frame) -> NamedArray:
    # Lay every part out in the result's order (the output axis ``out`` kept even when it
    # is fixed, so that the concatenation happens before the slice).
    order = tuple(a for a in t.axes if a not in frame.fixed or a == t.out)
    k = order.index(t.out)
    pieces = []
    for part in t.parts:
        v = ev.value(part, frame)
        if t.axis in v.axes:
            v = NamedArray(tuple(t.out if a == t.axis else a for a in v.axes), v.data)
        length = v.sizes.get(t.out, 1)
        shape = tuple(length if a == t.out else ev.axis_sizes[a] for a in order)
        data = v.aligned(order)
        pieces.append(data if tuple(data.shape) == shape else ev.backend.broadcast_to(data, shape))
    return NamedArray(order, ev.backend.concat(pieces, k))


def _split(ev: Evaluator, t: Split, frame: Frame) -> NamedArray:
    x = ev.value(t.x, frame)
    k = x.axes.index(t.axis)
    names = tuple(a.name for a in t.into)
    shape = x.shape[:k] + tuple(ev.axis_sizes[a] for a in names) + x.shape[k + 1:]
    return NamedArray(x.axes[:k] + names + x.axes[k + 1:], ev.backend.reshape(x.data, shape))


def _merge(ev: Evaluator, t: Merge, frame: Frame) -> NamedArray:
    x = ev.value(t.x, frame)
    rest = tuple(a for a in x.axes if a not in t.merged)
    moved = x.transpose(rest + t.merged)
    size = 1
    for a in t.merged:
        size *= ev.axis_sizes[a]
    shape = moved.shape[:len(rest)] + (size,)
    return NamedArray(rest + (t.out,), ev.backend.reshape(moved.data, shape))


def _scan(ev: Evaluator, t: Scan, frame: Frame) -> NamedArray:
    if t.axis in frame.fixed:  # the checker puts a scan's axis in ``bound``, so steps cannot rescan it
        raise InternalError(f"a scan along {t.axis!r} inside a step of a scan along {t.axis!r}")
    shapes = [tuple(a.name for a in s.shape if a.name not in frame.fixed) for s in t.states]
    current = [ev.broadcast(ev.value(init, frame), shape) for init, shape in zip(t.inits, shapes)]
    outs = []
    for p in range(ev.axis_sizes[t.axis]):
        bound = {s.name: NamedArray(shape, v) for s, shape, v in zip(t.states, shapes, current)}
        step = Frame(frame, {**frame.fixed, t.axis: p}, bound, hoist=frame.hoist)
        # All components update together: every step reads the previous values.
        current = [ev.broadcast(ev.value(st, step), shape) for st, shape in zip(t.steps, shapes)]
        outs.append(current[t.out])
    return NamedArray((t.axis,) + shapes[t.out], ev.backend.stack(outs, 0))


#: One entry per node kind (STYLE 19); a test checks that it covers ``NODE_KINDS``.
EVAL: dict[type[Term], Callable[[Evaluator, Any, Frame], NamedArray]] = {
    Input: _leaf, Param: _leaf, Const: _const, Dim: _dim, Index: _index, State: _state,
    Unary: _unary, Binary: _binary, Where: _where, Reduce: _reduce, Rename: _rename,
    Concat: _concat, Split: _split, Merge: _merge, Scan: _scan, Softmax: _softmax,
    Normalize: _normalize,
}
