"""The Python builder: the same terms as the text syntax, written as code.

Declare axes, tensors and parameters, then combine them with operators (``+ - * /``),
methods (``.sum(j)``, ``.max(j)``, ``.lt(x)``…, and ``X[j, d]`` to name axes
positionally) and the functions below. Attention-specific sugar (``attention``,
``causal``, ``sliding_window``, ``alibi``, ``contract``, ``linear``) builds core terms.

Example:
    >>> i, j, d, e = axes("i:n j:m d:dk e:dv")
    >>> Q, K, V = tensor("Q", i, d), tensor("K", j, d), tensor("V", j, e)
    >>> out = attention(Q, K, V, query=i, key=j, feature=d)
    >>> str(out)
    'sum_j(softmax_j(sum_d(Q[i, d] * K[j, d]) / sqrt(dk)) * V[j, e])'
    >>> out.axes
    ('i', 'e')
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import AxisTypeError
from ..messages import expected
from .ops import BinaryOp, UnaryOp
from .size import Size, SizeLike
from .term import (Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param, Scan,
                   Softmax, Split, State, Term, TermLike, Unary, Where, as_term)

AxisLike = Axis | str


def axes(spec: str) -> tuple[Axis, ...]:
    """Axes from ``"i:n j:m d:dk"`` (name:size pairs separated by spaces or commas)."""
    out = []
    for item in spec.replace(",", " ").split():
        name, sep, size = item.partition(":")
        if not sep:
            raise AxisTypeError(expected("name:size pairs such as 'i:n'", repr(item)))
        out.append(Axis(name, Size.parse(size)))
    return tuple(out)


def axis(name: str, size: SizeLike) -> Axis:
    return Axis(name, Size.like(size))


def tensor(name: str, *shape: Axis) -> Input:
    """An input tensor with the given axes."""
    return Input(name, tuple(shape))


def param(name: str, *shape: Axis) -> Param:
    """A learnable parameter with the given axes."""
    return Param(name, tuple(shape))


def state(name: str, *shape: Axis) -> State:
    """A scan state with the given axes (use it inside the scan's steps)."""
    return State(name, tuple(shape))


def const(value: float) -> Const:
    return Const(float(value))


def dim(size: SizeLike | Axis) -> Dim:
    """The value of a size (or of an axis's size) as a scalar: ``dim(d)`` is ``dk``."""
    return Dim(size.size if isinstance(size, Axis) else Size.like(size))


def index(ax: Axis) -> Index:
    """The position along an axis (0-based)."""
    return Index(ax)


def _name(a: AxisLike) -> str:
    return a.name if isinstance(a, Axis) else a


def _unary(op: UnaryOp):
    def f(x: TermLike) -> Term:
        return Unary(op, as_term(x))

    f.__name__ = op.value
    f.__doc__ = f"Elementwise {op.value}."
    return f


exp, log, sqrt, abs_ = _unary(UnaryOp.EXP), _unary(UnaryOp.LOG), _unary(UnaryOp.SQRT), _unary(UnaryOp.ABS)
tanh, sigmoid, relu, elu = (_unary(UnaryOp.TANH), _unary(UnaryOp.SIGMOID), _unary(UnaryOp.RELU),
                            _unary(UnaryOp.ELU))
gelu, silu, softplus = _unary(UnaryOp.GELU), _unary(UnaryOp.SILU), _unary(UnaryOp.SOFTPLUS)
sin, cos = _unary(UnaryOp.SIN), _unary(UnaryOp.COS)


def maximum(a: TermLike, b: TermLike) -> Term:
    return Binary(BinaryOp.MAX, as_term(a), as_term(b))


def minimum(a: TermLike, b: TermLike) -> Term:
    return Binary(BinaryOp.MIN, as_term(a), as_term(b))


def where(cond: Term, a: TermLike, b: TermLike) -> Term:
    return Where(cond, as_term(a), as_term(b))


def softmax(x: Term, over: AxisLike) -> Term:
    return Softmax(x, _name(over))


def normalize(x: Term, over: AxisLike) -> Term:
    """L2 normalisation along an axis."""
    return Normalize(x, _name(over))


def rename(x: Term, **pairs: AxisLike) -> Term:
    return x.rename({k: _name(v) for k, v in pairs.items()})


def concat(parts: Sequence[TermLike], along: AxisLike, into: AxisLike) -> Term:
    return Concat(tuple(as_term(p) for p in parts), _name(along), _name(into))


def split(x: Term, along: AxisLike, *into: Axis) -> Term:
    return Split(x, _name(along), tuple(into))


def merge(x: Term, *merged: AxisLike, into: AxisLike) -> Term:
    return Merge(x, tuple(_name(m) for m in merged), _name(into))


def scan(along: AxisLike, states: Sequence[tuple[State, TermLike, TermLike]], *,
         out: State | str | None = None) -> Term:
    """A recurrence: ``states`` is a list of ``(state, initial value, step)``.

    Returns the sequence of the ``out`` state (the only one by default) along ``along``.
    """
    decls = tuple(s for s, _, _ in states)
    names = [s.name for s in decls]
    if out is None:
        if len(decls) != 1:
            raise AxisTypeError("a scan with several states must say which one it returns",
                                hint=f"pass out= one of {names}")
        k = 0
    else:
        key = out.name if isinstance(out, State) else out
        if key not in names:
            raise AxisTypeError(expected(f"one of the states {names}", repr(key)))
        k = names.index(key)
    return Scan(_name(along), decls, tuple(as_term(i) for _, i, _ in states),
                tuple(as_term(s) for _, _, s in states), k)


# -- attention sugar ----------------------------------------------------------------


def contract(a: Term, b: Term, *over: AxisLike) -> Term:
    """``sum_over(a * b)``: matrix products and dot products in index notation."""
    out = a * b
    for ax in over:
        out = out.sum(_name(ax))
    return out


def linear(x: Term, weight: Term, over: AxisLike, bias: Term | None = None) -> Term:
    """A linear layer ``sum_over(x * W) (+ b)``."""
    y = contract(x, weight, over)
    return y + bias if bias is not None else y


def causal(query: Axis, key: Axis) -> Term:
    """Causal mask aligned at the top left: key position ``<=`` query position."""
    return Index(key).le(Index(query))


def causal_lower_right(query: Axis, key: Axis) -> Term:
    """Causal mask aligned at the bottom right: ``j <= i + (#keys - #queries)``."""
    return Index(key).le(Index(query) + (Dim(key.size) - Dim(query.size)))


def sliding_window(query: Axis, key: Axis, width: int) -> Term:
    """Causal sliding window of ``width`` keys ending at the query: ``i - width < j <= i``."""
    return causal(query, key) & Index(key).gt(Index(query) - width)


def masked(scores: Term, mask: Term) -> Term:
    """Scores where the mask holds, ``-inf`` elsewhere (zero weight after a softmax)."""
    return Where(mask, scores, Const(float("-inf")))


def alibi(query: Axis, key: Axis, slope: TermLike) -> Term:
    """The ALiBi bias ``slope * (j - i)`` (non-positive for keys at or before the query)."""
    return as_term(slope) * (Index(key) - Index(query))


def attention(q: Term, k: Term, v: Term, *, query: Axis, key: Axis, feature: Axis,
              scale: TermLike | None = None, bias: Term | None = None, mask: Term | None = None) -> Term:
    """Softmax attention ``sum_j softmax_j(scale * <q_i, k_j> + bias) v_j`` (scale 1/sqrt(d) by default)."""
    s = contract(q, k, feature)
    s = s / sqrt(Dim(feature.size)) if scale is None else s * as_term(scale)
    if bias is not None:
        s = s + bias
    if mask is not None:
        s = masked(s, mask)
    return (Softmax(s, key.name) * v).sum(key.name)


__all__ = [
    "axes", "axis", "tensor", "param", "state", "const", "dim", "index", "exp", "log", "sqrt", "abs_", "tanh",
    "sigmoid", "relu", "elu", "gelu", "silu", "softplus", "sin", "cos", "maximum", "minimum", "where",
    "softmax", "normalize", "rename", "concat", "split", "merge", "scan", "contract", "linear", "causal",
    "causal_lower_right", "sliding_window", "masked", "alibi", "attention",
]
