"""The syntax tree of the text syntax: what the parser reads, before names are resolved.

Each node keeps the :class:`~anatomy.errors.Span` of its source text, so the resolver
can point at the exact place of a type or name error.

Main classes: :class:`Num`, :class:`Name`, :class:`Access`, :class:`SizeExpr`,
:class:`Unop`, :class:`Binop`, :class:`Call`, :class:`Sub`, :class:`ScanExpr`,
:class:`Statement`.

Example:
    >>> from anatomy.ir.syntax.parser import parse_expression
    >>> type(parse_expression("sum_j(x[i, j])")).__name__
    'Sub'
"""

from __future__ import annotations

import dataclasses

from ...errors import Span


@dataclasses.dataclass(frozen=True)
class Node:
    span: Span


@dataclasses.dataclass(frozen=True)
class Num(Node):
    value: float


@dataclasses.dataclass(frozen=True)
class Name(Node):
    name: str


@dataclasses.dataclass(frozen=True)
class Access(Node):
    """``Q[i, d]``: a declared tensor, let or state, with its axes named at the use."""

    name: str
    indices: tuple[tuple[str, Span], ...]


@dataclasses.dataclass(frozen=True)
class SizeExpr(Node):
    """``size(h*dh)`` or ``size(j)``: products of names and integers, summed."""

    terms: tuple[tuple[str, ...], ...]


@dataclasses.dataclass(frozen=True)
class Unop(Node):
    op: str  # "-" or "!"
    x: Node


@dataclasses.dataclass(frozen=True)
class Binop(Node):
    op: str
    a: Node
    b: Node


@dataclasses.dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


@dataclasses.dataclass(frozen=True)
class Sub(Node):
    """A subscripted form ``kind_{...}(args)``: sum, max, softmax, normalize, rename,
    concat, split, merge. ``left``/``right`` are the axis names before/after ``->``;
    ``pairs`` holds rename pairs."""

    kind: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    args: tuple[Node, ...]
    sub_span: Span


@dataclasses.dataclass(frozen=True)
class StateDecl(Node):
    name: str
    indices: tuple[tuple[str, Span], ...]
    init: Node
    step: Node


@dataclasses.dataclass(frozen=True)
class ScanExpr(Node):
    axis: str
    axis_span: Span
    states: tuple[StateDecl, ...]
    select: str | None
    select_span: Span | None


@dataclasses.dataclass(frozen=True)
class Statement(Node):
    """One statement of a variant file: ``keyword ...`` up to the end of its line(s)."""

    keyword: str
    value: object
