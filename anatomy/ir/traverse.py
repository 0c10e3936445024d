"""Traversals over terms: post-order walks, leaves by kind, bottom-up rewriting.

Terms are DAGs (interned), so every walk visits each distinct sub-term once.

Example:
    >>> from anatomy.ir.term import Axis, Input, Param
    >>> x = Input("X", (Axis("i", "n"),))
    >>> w = Param("w", (Axis("i", "n"),))
    >>> [t.name for t in inputs(x * w + x)], [t.name for t in params(x * w)]
    (['X'], ['w'])
    >>> size_symbols(x * w + x)
    ('n',)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from ..errors import AxisTypeError
from .ops import BinaryOp
from .size import Size
from .term import (Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param, Reduce, Rename, Scan,
                   Softmax, Split, State, Term, Unary, Where)


def postorder(term: Term) -> Iterator[Term]:
    """Each distinct sub-term once, children before parents, left to right."""
    seen: set[int] = set()
    stack: list[tuple[Term, bool]] = [(term, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded:
            seen.add(id(node))
            yield node
            continue
        stack.append((node, True))
        for child in reversed(node.children):
            if id(child) not in seen:
                stack.append((child, False))


def size_symbols(term: Term) -> tuple[str, ...]:
    """Every size symbol a term needs a value for (its axes' sizes and its Dims), sorted."""
    found: set[str] = set()
    for node in postorder(term):
        for sz in node.env.values():
            found.update(sz.symbols)
        if isinstance(node, Dim):
            found.update(node.size.symbols)
    return tuple(sorted(found))


def _leaves(term: Term, kind: type) -> list:
    found: dict[str, Term] = {}
    for node in postorder(term):
        if isinstance(node, (Input, Param)):
            other = found.setdefault(node.name, node)
            if other is not node:
                raise AxisTypeError(f"the name {node.name!r} is used for two different tensors: "
                                    f"{other.kind} [{_names(other)}] and {node.kind} [{_names(node)}]",
                                    hint="give each input and parameter its own name")
    return [n for n in found.values() if isinstance(n, kind)]


def _names(node: Input | Param) -> str:
    return ", ".join(f"{a.name}: {a.size}" for a in node.shape)


def inputs(term: Term) -> list[Input]:
    """The input tensors a term reads, in order of first appearance."""
    return _leaves(term, Input)


def params(term: Term) -> list[Param]:
    """The learnable parameters a term reads, in order of first appearance."""
    return _leaves(term, Param)


def rewrite_bottom_up(term: Term, fn: Callable[[Term], Term]) -> Term:
    """Rebuild ``term`` bottom-up, applying ``fn`` to every node after its children."""
    done: dict[int, Term] = {}
    for node in postorder(term):
        kids = node.children
        new_kids = tuple(done[id(k)] for k in kids)
        rebuilt = node if all(a is b for a, b in zip(kids, new_kids)) else node.with_children(new_kids)
        done[id(node)] = fn(rebuilt)
    return done[id(term)]


def broadcast(term: Term, axes) -> Term:
    """``term`` made constant along each of ``axes`` it lacks, exactly: ``x + 0·index(a)``.

    A term that does not mention an axis is already constant along it; this only makes the
    axis *free*, so that the term can stand where a tensor with that axis is expected.
    """
    for axis in axes:
        if axis.name not in term.axes:
            term = Binary(BinaryOp.ADD, term, Binary(BinaryOp.MUL, Const(0.0), Index(axis)))
    return term


def substitute(term: Term, mapping: Mapping[Term, Term]) -> Term:
    """``term`` with every occurrence of each key (a sub-term, e.g. a ``Param``) replaced by
    its value. A replacement must have exactly the free axes of what it replaces.

    Example:
        >>> from anatomy.ir.term import Axis, Input, Param
        >>> i = Axis("i", "n")
        >>> w, x = Param("w", (i,)), Input("X", (i,))
        >>> str(substitute(x * w, {w: w * 2}))
        'X[i] * (w[i] * 2)'
    """
    for old, new in mapping.items():
        if sorted(new.axes) != sorted(old.axes):
            raise AxisTypeError(f"cannot put a term with axes [{', '.join(new.axes)}] in place of "
                                f"{old} with axes [{', '.join(old.axes)}]",
                                hint="broadcast the replacement to the same axes")
    return rewrite_bottom_up(term, lambda node: mapping.get(node, node))


def substitute_sizes(term: Term, mapping: Mapping[str, Size]) -> Term:
    """``term`` with each size symbol in ``mapping`` replaced by its size, everywhere a size
    appears (declared shapes, ``Dim``, positions, splits): the same definition at the sizes
    where ``symbol = size``.

    Example:
        >>> from anatomy.ir.term import Axis, Dim, Input
        >>> x = Input("X", (Axis("i", "n"),))
        >>> str(substitute_sizes(x / Dim("n"), {"n": Size.parse("2*k")}).type)
        'real[i: 2*k]'
    """
    if not mapping:
        return term

    def axes(shape: tuple[Axis, ...]) -> tuple[Axis, ...]:
        return tuple(Axis(a.name, a.size.substitute(mapping)) for a in shape)

    done: dict[int, Term] = {}
    for node in postorder(term):  # each node built once, its sizes and children new together
        kids = tuple(done[id(k)] for k in node.children)
        if isinstance(node, (Input, Param, State)):
            out = type(node)(node.name, axes(node.shape))
        elif isinstance(node, Dim):
            out = Dim(node.size.substitute(mapping))
        elif isinstance(node, Index):
            out = Index(axes((node.axis,))[0])
        elif isinstance(node, Split):
            out = Split(kids[0], node.axis, axes(node.into))
        else:
            out = node if all(a is b for a, b in zip(node.children, kids)) else node.with_children(kids)
        done[id(node)] = out
    return done[id(term)]


def fresh_name(base: str, taken: set[str]) -> str:
    """``base`` followed by the smallest positive integer that makes a name not in ``taken``.

    Example:
        >>> fresh_name("j", {"j", "j1"})
        'j2'
    """
    n = 1
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def axis_names(term: Term) -> set[str]:
    """Every axis name a term uses, free or bound (leaves' declared axes included)."""
    found: set[str] = set()
    for node in postorder(term):
        found.update(node.env)
    return found


def rename_everywhere(term: Term, mapping: Mapping[str, str]) -> Term:
    """``term`` with each axis name in ``mapping`` replaced by its value at every occurrence —
    leaves' declared axes, binders, positions — the same function written with other names.
    The mapping must be one-to-one and its targets new to ``term`` (not checked here beyond
    what the term's own checks catch).

    Example:
        >>> from anatomy.ir.term import Axis, Input
        >>> k = Input("K", (Axis("j", "n"), Axis("d", "dk")))
        >>> str(rename_everywhere(k.sum("j"), {"j": "t", "d": "c"}))
        'sum_t(K[t, c])'
    """
    if not any(a in mapping for a in axis_names(term)):
        return term
    m = lambda a: mapping.get(a, a)  # noqa: E731
    shape = lambda axes: tuple(Axis(m(a.name), a.size) for a in axes)  # noqa: E731
    done: dict[int, Term] = {}

    def build(t: Term, kids: tuple[Term, ...]) -> Term:  # each node built once, fields and children renamed
        if isinstance(t, (Input, Param, State)):
            return type(t)(t.name, shape(t.shape))
        if isinstance(t, Index):
            return Index(shape((t.axis,))[0])
        if isinstance(t, (Const, Dim)):
            return t
        if isinstance(t, (Unary, Binary, Where)):
            return t.with_children(kids)
        if isinstance(t, Reduce):
            return Reduce(t.op, kids[0], m(t.axis))
        if isinstance(t, (Softmax, Normalize)):
            return type(t)(kids[0], m(t.axis))
        if isinstance(t, Rename):
            return Rename(kids[0], tuple((m(a), m(b)) for a, b in t.mapping))
        if isinstance(t, Concat):
            return Concat(kids, m(t.axis), m(t.out))
        if isinstance(t, Split):
            return Split(kids[0], m(t.axis), shape(t.into))
        if isinstance(t, Merge):
            return Merge(kids[0], tuple(m(a) for a in t.merged), m(t.out))
        if isinstance(t, Scan):
            n = len(t.states)
            return Scan(m(t.axis), kids[:n], kids[n:2 * n], kids[2 * n:], t.out)
        raise AssertionError(f"unhandled node kind {type(t).__name__}")

    for node in postorder(term):
        done[id(node)] = build(node, tuple(done[id(k)] for k in node.children))
    return done[id(term)]
