"""Terms to egglog expressions and back, loss-free: one table entry per node kind each way.

The egglog language has one sort of tensor terms, ``T``, and one of term lists, ``TL``
(for concatenation parts and scan states). Names, axes and shapes travel as strings in the
text syntax's spelling (``"i:n,d:dk"``; rename pairs ``"i>j,d>e"``), operators as their op
names (``"exp"``, ``"add"``), so rules can match on them and :func:`decode` rebuilds the
exact interned term.

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


@function
def nil() -> TL: ...
@function
def cons(head: T, tail: TL) -> TL: ...
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
def index(axis: StringLike, size: StringLike) -> T: ...
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
def concat(parts: TL, axis: StringLike, out: StringLike) -> T: ...
@function
def split(x: T, axis: StringLike, into: StringLike) -> T: ...
@function
def merge(x: T, merged: StringLike, out: StringLike) -> T: ...
@function
def scan(axis: StringLike, states: TL, inits: TL, steps: TL, out: i64Like) -> T: ...
@function
def softmax(x: T, axis: StringLike) -> T: ...
@function
def normalize(x: T, axis: StringLike) -> T: ...


def _shape(axes: tuple[Axis, ...]) -> str:
    return ",".join(f"{a.name}:{a.size}" for a in axes)


def _axes(text: str) -> tuple[Axis, ...]:
    if not text:
        return ()
    return tuple(Axis(name, Size.parse(size)) for name, size in (item.split(":") for item in text.split(",")))


def _list(items) -> TL:
    out = nil()
    for item in reversed(items):
        out = cons(item, out)
    return out


# -- encoding: one entry per node kind ------------------------------------------------

_ENCODE: dict[type[Term], Callable[..., T]] = {
    Input: lambda t, e: input_(t.name, _shape(t.shape)),
    Param: lambda t, e: param(t.name, _shape(t.shape)),
    State: lambda t, e: state(t.name, _shape(t.shape)),
    Const: lambda t, e: const(t.value),
    Dim: lambda t, e: dim(str(t.size)),
    Index: lambda t, e: index(t.axis.name, str(t.axis.size)),
    Unary: lambda t, e: unary(t.op.value, e[t.x]),
    Binary: lambda t, e: binary(t.op.value, e[t.a], e[t.b]),
    Where: lambda t, e: where(e[t.cond], e[t.a], e[t.b]),
    Reduce: lambda t, e: reduce(t.op.value, e[t.x], t.axis),
    Rename: lambda t, e: rename(e[t.x], ",".join(f"{a}>{b}" for a, b in t.mapping)),
    Concat: lambda t, e: concat(_list([e[p] for p in t.parts]), t.axis, t.out),
    Split: lambda t, e: split(e[t.x], t.axis, _shape(t.into)),
    Merge: lambda t, e: merge(e[t.x], ",".join(t.merged), t.out),
    Scan: lambda t, e: scan(t.axis, _list([e[s] for s in t.states]), _list([e[i] for i in t.inits]),
                            _list([e[s] for s in t.steps]), t.out),
    Softmax: lambda t, e: softmax(e[t.x], t.axis),
    Normalize: lambda t, e: normalize(e[t.x], t.axis),
}
assert set(_ENCODE) == set(NODE_KINDS)


def encode(term: Term) -> T:
    """The egglog expression of ``term`` (shared sub-terms are built once)."""
    done: dict[Term, T] = {}
    for node in postorder(term):
        done[node] = _ENCODE[type(node)](node, done)
    return done[term]


# -- decoding: one entry per egglog constructor ----------------------------------------


def _py(value) -> object:
    return value.value


def _unlist(expr) -> list:
    out = []
    while get_callable_fn(expr) == cons:
        head, expr = get_callable_args(expr)
        out.append(head)
    return out


def _decode_scan(args, d):
    axis, states, inits, steps, out = args
    return Scan(_py(axis), tuple(d(s) for s in _unlist(states)), tuple(d(i) for i in _unlist(inits)),
                tuple(d(s) for s in _unlist(steps)), int(_py(out)))


_DECODE: list[tuple[Callable, Callable]] = [
    (input_, lambda a, d: Input(_py(a[0]), _axes(_py(a[1])))),
    (param, lambda a, d: Param(_py(a[0]), _axes(_py(a[1])))),
    (state, lambda a, d: State(_py(a[0]), _axes(_py(a[1])))),
    (const, lambda a, d: Const(float(_py(a[0])))),
    (dim, lambda a, d: Dim(Size.parse(_py(a[0])))),
    (index, lambda a, d: Index(Axis(_py(a[0]), Size.parse(_py(a[1]))))),
    (unary, lambda a, d: Unary(UnaryOp(_py(a[0])), d(a[1]))),
    (binary, lambda a, d: Binary(BinaryOp(_py(a[0])), d(a[1]), d(a[2]))),
    (where, lambda a, d: Where(d(a[0]), d(a[1]), d(a[2]))),
    (reduce, lambda a, d: Reduce(ReduceOp(_py(a[0])), d(a[1]), _py(a[2]))),
    (rename, lambda a, d: Rename(d(a[0]), tuple(tuple(p.split(">")) for p in _py(a[1]).split(",")))),
    (concat, lambda a, d: Concat(tuple(d(p) for p in _unlist(a[0])), _py(a[1]), _py(a[2]))),
    (split, lambda a, d: Split(d(a[0]), _py(a[1]), _axes(_py(a[2])))),
    (merge, lambda a, d: Merge(d(a[0]), tuple(_py(a[1]).split(",")), _py(a[2]))),
    (scan, _decode_scan),
    (softmax, lambda a, d: Softmax(d(a[0]), _py(a[1]))),
    (normalize, lambda a, d: Normalize(d(a[0]), _py(a[1]))),
]
assert len(_DECODE) == len(NODE_KINDS)


def decode(expr: T) -> Term:
    """The term of an egglog expression built by :func:`encode` or extracted from an e-graph."""
    memo: dict[str, Term] = {}

    def d(e) -> Term:
        key = str(e)
        if key not in memo:
            fn = get_callable_fn(e)
            for ctor, build in _DECODE:
                if fn == ctor:
                    memo[key] = build(get_callable_args(e), d)
                    break
            else:
                raise InternalError(f"cannot decode the egglog expression {key[:80]}")
        return memo[key]

    return d(expr)


def extract_once(expr: T) -> T:
    """Insert ``expr`` into a fresh e-graph and extract it (a round-trip helper for tests)."""
    eg = EGraph()
    return eg.extract(eg.let("root", expr))
