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

from collections.abc import Callable, Iterator

from ..errors import AxisTypeError
from .term import Dim, Input, Param, Term


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
