"""The printer: terms to the text syntax, so that parsing the text gives the same term.

One table entry per node kind (``_PRINT``); parentheses only where precedence needs them.
The round trip ``parse_term(print_term(t), Scope.of(t)) is t`` holds for every term
(a property test checks it on random terms).

Example:
    >>> from anatomy.ir.term import Axis, Input, Softmax
    >>> x = Input("X", (Axis("i", "n"), Axis("d", "dk")))
    >>> print_term(Softmax((x * x.rename(i="j")).sum("d"), "j"))
    'softmax_j(sum_d(X[i, d] * X[j, d]))'
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from ..ops import BinaryOp, UnaryOp
from ..term import (Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param, Reduce, Rename, Scan,
                    Softmax, Split, State, Term, Unary, Where)

ATOM, UNARY = 7, 6


_AXES: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("axes", default=frozenset())


def print_term(term: Term) -> str:
    """The text-syntax form of ``term`` on one line."""
    token = _AXES.set(frozenset(term.env))
    try:
        return _print(term, 0)
    finally:
        _AXES.reset(token)


_NAMED: contextvars.ContextVar[dict[Term, str]] = contextvars.ContextVar("named", default={})


def _print(term: Term, need: int) -> str:
    name = _NAMED.get().get(term)
    if name is not None:
        return f"{name}[{', '.join(term.axes)}]" if term.axes else name
    text, prec = _PRINT[type(term)](term)
    return f"({text})" if prec < need else text


def print_with_lets(term: Term, *, taken: set[str] = frozenset(),
                    min_size: int = 4) -> tuple[list[tuple[str, tuple[str, ...], str]], str]:
    """Print ``term`` with its shared sub-terms bound to lets: ``([(name, axes, text)…], body)``.

    A sub-term gets a let when it is used twice or more and has at least ``min_size``
    nodes; lets come in dependency order and their names (``t1``, ``t2``…) avoid ``taken``.
    """
    from ..traverse import postorder

    uses: dict[Term, int] = {}
    sizes: dict[Term, int] = {}
    order = list(postorder(term))
    for node in order:
        sizes[node] = 1 + sum(sizes[c] for c in node.children)
        for child in node.children:
            uses[child] = uses.get(child, 0) + 1
    named: dict[Term, str] = {}
    lets: list[tuple[str, tuple[str, ...], str]] = []
    counter = 0
    for node in order:
        if node is term or uses.get(node, 0) < 2 or sizes[node] < min_size or isinstance(node, State):
            continue
        counter += 1
        while f"t{counter}" in taken:
            counter += 1
        token, axes = _NAMED.set(named), _AXES.set(frozenset(term.env))
        try:
            text = _print(node, 0)
        finally:
            _NAMED.reset(token)
            _AXES.reset(axes)
        named[node] = f"t{counter}"
        lets.append((f"t{counter}", node.axes, text))
    token = _NAMED.set(named)
    try:
        return lets, print_term(term)
    finally:
        _NAMED.reset(token)


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float: ``1``, ``0.125``, ``1e-09``, ``inf``."""
    if value == float("inf"):
        return "inf"
    if value == float("-inf"):
        return "-inf"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _leaf(t: Input | Param | State) -> tuple[str, int]:
    return (f"{t.name}[{', '.join(a.name for a in t.shape)}]" if t.shape else t.name), ATOM


def _const(t: Const) -> tuple[str, int]:
    return format_number(t.value), (UNARY if t.value < 0 else ATOM)


def _dim(t: Dim) -> tuple[str, int]:
    # A bare name is an axis position when an axis has that name; size(...) reads symbols first.
    bare = t.size.is_symbol and t.size.symbols[0] not in _AXES.get()
    return (t.size.symbols[0] if bare else f"size({t.size})"), ATOM


def _index(t: Index) -> tuple[str, int]:
    return t.axis.name, ATOM


def _unary(t: Unary) -> tuple[str, int]:
    if t.op is UnaryOp.NEG:
        inner = f"({_print(t.x, 0)})" if isinstance(t.x, Const) and t.x.value >= 0 else _print(t.x, UNARY)
        return f"-{inner}" if not inner.startswith("-") else f"- {inner}", UNARY
    if t.op is UnaryOp.NOT:
        return f"!{_print(t.x, UNARY)}", UNARY
    return f"{t.op.value}({_print(t.x, 0)})", ATOM


def _binary(t: Binary) -> tuple[str, int]:
    if t.op.symbol is None:
        return f"{t.op.value}({_print(t.a, 0)}, {_print(t.b, 0)})", ATOM
    p = t.op.precedence
    comparison = p == BinaryOp.LT.precedence
    left = _print(t.a, p + 1 if comparison else p)
    return f"{left} {t.op.symbol} {_print(t.b, p + 1)}", p


def _where(t: Where) -> tuple[str, int]:
    return f"where({_print(t.cond, 0)}, {_print(t.a, 0)}, {_print(t.b, 0)})", ATOM


def _reduce(t: Reduce) -> tuple[str, int]:
    return f"{t.op.value}_{t.axis}({_print(t.x, 0)})", ATOM


def _softmax(t: Softmax) -> tuple[str, int]:
    return f"softmax_{t.axis}({_print(t.x, 0)})", ATOM


def _normalize(t: Normalize) -> tuple[str, int]:
    return f"normalize_{t.axis}({_print(t.x, 0)})", ATOM


def _rename(t: Rename) -> tuple[str, int]:
    x = t.x
    if isinstance(x, (Input, Param, State)) and x.shape:
        m = dict(t.mapping)
        return f"{x.name}[{', '.join(m.get(a.name, a.name) for a in x.shape)}]", ATOM
    pairs = ", ".join(f"{a}->{b}" for a, b in t.mapping)
    return f"rename_{{{pairs}}}({_print(x, 0)})", ATOM


def _concat(t: Concat) -> tuple[str, int]:
    return f"concat_{{{t.axis}->{t.out}}}({', '.join(_print(p, 0) for p in t.parts)})", ATOM


def _split(t: Split) -> tuple[str, int]:
    return f"split_{{{t.axis}->{', '.join(a.name for a in t.into)}}}({_print(t.x, 0)})", ATOM


def _merge(t: Merge) -> tuple[str, int]:
    return f"merge_{{{', '.join(t.merged)}->{t.out}}}({_print(t.x, 0)})", ATOM


def _scan(t: Scan) -> tuple[str, int]:
    decls = []
    for st, init, step in zip(t.states, t.inits, t.steps):
        head = _leaf(st)[0]
        decls.append(f"{head} = {_print(init, 0)} => {_print(step, 0)}")
    select = f".{t.states[t.out].name}" if len(t.states) > 1 else ""
    return f"scan_{t.axis}({', '.join(decls)}){select}", ATOM


_PRINT: dict[type[Term], Callable[..., tuple[str, int]]] = {
    Input: _leaf, Param: _leaf, State: _leaf, Const: _const, Dim: _dim, Index: _index, Unary: _unary,
    Binary: _binary, Where: _where, Reduce: _reduce, Rename: _rename, Concat: _concat, Split: _split,
    Merge: _merge, Scan: _scan, Softmax: _softmax, Normalize: _normalize,
}
