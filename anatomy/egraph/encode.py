"""Terms to egglog expressions and back, loss-free: one table entry per node kind each way.

The e-graph language has a sort of tensor terms, ``T``, a sort of term lists, ``TL``
(concatenation parts, scan states) and a sort of axis lists, ``AL`` (split and merge).
An axis travels as its *key* ``"name:size"`` (``"j:m"``), so two variants that give an
axis name different sizes never share it, and a rule can read an axis's size. Shapes are
comma-separated keys, rename maps ``"i:n>j:n"``, operators their op names (``"exp"``).

Semantics in the e-graph broadcast: a term that does not mention an axis is constant along
it. Rules such as ``a * 0 = 0`` may therefore join classes whose terms mention different
axes; :func:`decode` writes such a term back into a well-typed one (a sum over an axis the
argument lacks is a product with the axis's size, and so on), so every extracted term is
an ordinary checked :class:`~anatomy.ir.term.Term` with the same values.

Example:
    >>> from anatomy.examples import load_example
    >>> t = load_example("online-softmax").term
    >>> decode(extract_once(encode(t))) is t
    True
"""

from __future__ import annotations

from collections.abc import Callable

from egglog import EGraph, Expr, StringLike, f64Like, function, i64Like
from egglog.deconstruct import get_callable_args, get_callable_fn

from . import _egglog  # noqa: F401  (deterministic let-bindings: see its docstring)

from ..errors import InternalError
from ..ir.ops import BinaryOp, UnaryOp
from ..ir.size import Size
from ..ir.term import (NODE_KINDS, Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param,
                       Reduce, ReduceOp, Rename, Scan, Softmax, Split, State, Term, Unary, Where)
from ..ir.traverse import postorder


class T(Expr):
    """A tensor term in the e-graph."""


class TL(Expr):
    """A list of tensor terms (concatenation parts, scan states, initial values, steps)."""


class AL(Expr):
    """A list of axis keys (the axes of a split or a merge)."""


@function
def nil() -> TL: ...
@function
def cons(head: T, tail: TL) -> TL: ...
@function
def anil() -> AL: ...
@function
def acons(head: StringLike, tail: AL) -> AL: ...
@function
def input_(name: StringLike, shape: StringLike) -> T: ...
@function
def param(name: StringLike, shape: StringLike) -> T: ...
@function
def state(name: StringLike, shape: StringLike) -> T: ...
@function
def const(value: f64Like) -> T: ...
@function
def dim(size: StringLike) -> T: ...
@function
def index(axis: StringLike) -> T: ...
@function
def unary(op: StringLike, x: T) -> T: ...
@function
def binary(op: StringLike, a: T, b: T) -> T: ...
@function
def where(cond: T, a: T, b: T) -> T: ...
@function
def reduce(op: StringLike, x: T, axis: StringLike) -> T: ...
@function
def rename(x: T, mapping: StringLike) -> T: ...
@function
def concat(parts: TL, axis: StringLike, out: StringLike, lengths: StringLike) -> T: ...
@function
def split(x: T, axis: StringLike, into: AL) -> T: ...
@function
def merge(x: T, merged: AL, out: StringLike) -> T: ...
@function
def scan(axis: StringLike, states: TL, inits: TL, steps: TL, out: i64Like) -> T: ...
@function
def softmax(x: T, axis: StringLike) -> T: ...
@function
def normalize(x: T, axis: StringLike) -> T: ...


def key(ax: Axis) -> str:
    """The e-graph spelling of an axis: ``"name:size"``."""
    return f"{ax.name}:{ax.size}"


def unkey(text: str) -> Axis:
    name, _, size = text.partition(":")
    return Axis(name, Size.parse(size))


def shape(axes: tuple[Axis, ...]) -> str:
    return ",".join(key(a) for a in axes)


def unshape(text: str) -> tuple[Axis, ...]:
    return tuple(unkey(k) for k in text.split(",")) if text else ()


def tlist(items) -> TL:
    out = nil()
    for item in reversed(list(items)):
        out = cons(item, out)
    return out


def alist(keys) -> AL:
    out = anil()
    for k in reversed(list(keys)):
        out = acons(k, out)
    return out


def _ax(node: Term, name: str) -> str:
    """The key of axis ``name`` as the node's children know it (size 1 if none mentions it)."""
    return f"{name}:{node.env.get(name, 1)}"


def _concat_lengths(t: Concat) -> str:
    return ",".join(str(p.type.sizes[t.axis]) if t.axis in p.axes else "1" for p in t.parts)


# -- encoding: one entry per node kind ------------------------------------------------

_ENCODE: dict[type[Term], Callable[..., T]] = {
    Input: lambda t, e: input_(t.name, shape(t.shape)),
    Param: lambda t, e: param(t.name, shape(t.shape)),
    State: lambda t, e: state(t.name, shape(t.shape)),
    Const: lambda t, e: const(t.value),
    Dim: lambda t, e: dim(str(t.size)),
    Index: lambda t, e: index(key(t.axis)),
    Unary: lambda t, e: unary(t.op.value, e[t.x]),
    Binary: lambda t, e: binary(t.op.value, e[t.a], e[t.b]),
    Where: lambda t, e: where(e[t.cond], e[t.a], e[t.b]),
    Reduce: lambda t, e: reduce(t.op.value, e[t.x], _ax(t, t.axis)),
    Rename: lambda t, e: rename(e[t.x], ",".join(f"{_ax(t, a)}>{_ax(t, b)}" for a, b in t.mapping)),
    Concat: lambda t, e: concat(tlist(e[p] for p in t.parts), _ax(t, t.axis), _ax(t, t.out), _concat_lengths(t)),
    Split: lambda t, e: split(e[t.x], _ax(t, t.axis), alist(key(a) for a in t.into)),
    Merge: lambda t, e: merge(e[t.x], alist(_ax(t, a) for a in t.merged), _ax(t, t.out)),
    Scan: lambda t, e: scan(_ax(t, t.axis), tlist(e[s] for s in t.states), tlist(e[i] for i in t.inits),
                            tlist(e[s] for s in t.steps), t.out),
    Softmax: lambda t, e: softmax(e[t.x], _ax(t, t.axis)),
    Normalize: lambda t, e: normalize(e[t.x], _ax(t, t.axis)),
}
assert set(_ENCODE) == set(NODE_KINDS)


def encode_all(term: Term) -> dict[Term, T]:
    """The egglog expression of every sub-term of ``term`` (shared sub-terms built once)."""
    done: dict[Term, T] = {}
    for node in postorder(term):
        done[node] = _ENCODE[type(node)](node, done)
    return done


def encode(term: Term) -> T:
    """The egglog expression of ``term``."""
    return encode_all(term)[term]


# -- decoding: one entry per egglog constructor ----------------------------------------
# Each builder receives the constructor's arguments and a function decoding a child. In
# the e-graph a class may have lost an axis its members once mentioned (``a * 0 = 0``);
# the builders put such terms back into well-typed form with the same values.


def _py(value) -> object:
    return value.value


def _unlist(expr) -> list:
    out = []
    while get_callable_fn(expr) in (cons, acons):
        head, expr = get_callable_args(expr)
        out.append(head)
    return out


def broadcast(x: Term, axis: Axis) -> Term:
    """``x`` made to mention ``axis`` without changing its values (``x + 0 * axis``)."""
    return x if axis.name in x.axes else x + Const(0.0) * Index(axis)


def _reduce(a, d) -> Term:
    op, x, ax = ReduceOp(_py(a[0])), d(a[1]), unkey(_py(a[2]))
    if ax.name in x.axes:
        return Reduce(op, x, ax.name)
    if op is ReduceOp.MAX:
        return x
    return Dim(ax.size) if x == Const(1.0) else Dim(ax.size) * x


def _softmax(a, d) -> Term:
    x, ax = d(a[0]), unkey(_py(a[1]))
    return Softmax(x, ax.name) if ax.name in x.axes else Const(1.0) / Dim(ax.size)


def _normalize(a, d) -> Term:
    x, ax = d(a[0]), unkey(_py(a[1]))
    return Normalize(x, ax.name) if ax.name in x.axes else x / Unary(UnaryOp.SQRT, Dim(ax.size) * (x * x))


def _rename(a, d) -> Term:
    x = d(a[0])
    pairs = [tuple(unkey(k).name for k in p.split(">")) for p in _py(a[1]).split(",")]
    pairs = [(old, new) for old, new in pairs if old in x.axes]
    return Rename(x, tuple(pairs)) if pairs else x


def _concat(a, d) -> Term:
    ax, lengths = unkey(_py(a[1])), _py(a[3]).split(",")
    parts = []
    for part, length in zip(_unlist(a[0]), lengths):
        p = d(part)
        parts.append(broadcast(p, Axis(ax.name, Size.parse(length))) if length != "1" else p)
    return Concat(tuple(parts), ax.name, unkey(_py(a[2])).name)


def _split(a, d) -> Term:
    x, ax = d(a[0]), unkey(_py(a[1]))
    return Split(x, ax.name, tuple(unkey(_py(k)) for k in _unlist(a[2]))) if ax.name in x.axes else x


def _merge(a, d) -> Term:
    x, merged = d(a[0]), [unkey(_py(k)) for k in _unlist(a[1])]
    if not any(m.name in x.axes for m in merged):
        return x
    for m in merged:
        x = broadcast(x, m)
    return Merge(x, tuple(m.name for m in merged), unkey(_py(a[2])).name)


def _scan(a, d) -> Term:
    ax = unkey(_py(a[0]))
    states = tuple(d(s) for s in _unlist(a[1]))
    inits = tuple(d(i) for i in _unlist(a[2]))
    steps = [d(s) for s in _unlist(a[3])]
    if not any(ax.name in s.axes for s in steps):
        steps[0] = broadcast(steps[0], ax)
    return Scan(ax.name, states, inits, tuple(steps), int(_py(a[4])))


_DECODE: list[tuple[Callable, Callable]] = [
    (input_, lambda a, d: Input(_py(a[0]), unshape(_py(a[1])))),
    (param, lambda a, d: Param(_py(a[0]), unshape(_py(a[1])))),
    (state, lambda a, d: State(_py(a[0]), unshape(_py(a[1])))),
    (const, lambda a, d: Const(float(_py(a[0])))),
    (dim, lambda a, d: Dim(Size.parse(_py(a[0])))),
    (index, lambda a, d: Index(unkey(_py(a[0])))),
    (unary, lambda a, d: Unary(UnaryOp(_py(a[0])), d(a[1]))),
    (binary, lambda a, d: Binary(BinaryOp(_py(a[0])), d(a[1]), d(a[2]))),
    (where, lambda a, d: Where(d(a[0]), d(a[1]), d(a[2]))),
    (reduce, _reduce),
    (rename, _rename),
    (concat, _concat),
    (split, _split),
    (merge, _merge),
    (scan, _scan),
    (softmax, _softmax),
    (normalize, _normalize),
]
assert len(_DECODE) == len(NODE_KINDS)
CONSTRUCTORS = tuple(ctor for ctor, _ in _DECODE)
"""The egglog constructors of tensor terms, one per node kind."""


def decode(expr: T) -> Term:
    """The term of an egglog expression built by :func:`encode` or extracted from an e-graph."""
    memo: dict[int, tuple[object, Term]] = {}  # keeps each expression alive, so ids stay unique

    def d(e) -> Term:
        found = memo.get(id(e))
        if found is None:
            fn = get_callable_fn(e)
            build = next((b for ctor, b in _DECODE if fn == ctor), None)
            if build is None:
                raise InternalError(f"cannot decode the egglog expression {str(e)[:80]}")
            found = memo[id(e)] = (e, build(get_callable_args(e), d))
        return found[1]

    return d(expr)


def extract_once(expr: T) -> T:
    """Insert ``expr`` into a fresh e-graph and extract it (a round-trip helper for tests)."""
    eg = EGraph()
    return eg.extract(eg.let("root", expr))
