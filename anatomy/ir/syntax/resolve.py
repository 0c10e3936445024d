"""The resolver: syntax trees plus declarations (a :class:`Scope`) to checked terms.

Names resolve in this order: scan states, lets, inputs and parameters, axes (a bare axis
name is the position along it), size symbols (a bare symbol is its value). Every error is
raised with the span of the innermost piece of text that caused it.

Main class: :class:`Scope`. Main function: :func:`parse_term`.

Example:
    >>> from anatomy.ir.term import Axis, Input
    >>> scope = Scope.declare(axes={"i": "n", "j": "n", "d": "dk"},
    ...                       inputs={"X": ("i", "d")})
    >>> t = parse_term("softmax_j(sum_d(X[i, d] * X[j, d]) / sqrt(dk))", scope)
    >>> t.axes
    ('i', 'j')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from ...errors import AnatomyError, AxisTypeError, Span, SyntaxError_, UnknownNameError
from ...messages import closest, did_you_mean
from ..ops import BINARY_FUNCTIONS, FUNCTION_NAMES, BinaryOp, UnaryOp
from ..size import Size
from ..term import (Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param, Reduce,
                    ReduceOp, Rename, Scan, Softmax, Split, State, Term, Unary, Where)
from .ast import Access, Binop, Call, Name, Node, Num, ScanExpr, SizeExpr, Sub, Unop
from .parser import RESERVED, parse_expression

_BINOPS = {op.symbol: op for op in BinaryOp if op.symbol}


@dataclasses.dataclass
class Let:
    name: str
    indices: tuple[tuple[str, Span], ...]
    body: Node
    span: Span
    used: bool = False


@dataclasses.dataclass
class Scope:
    """What names mean while resolving: axes with sizes, size symbols, tensors, lets, states.

    Parameters:
        axes: axis name -> size.
        symbols: the size symbols that may appear as values (``sqrt(dk)``).
        tensors: input and parameter name -> its leaf term.
        lets: let name -> definition (resolved at each use).
        states: scan-state name -> its :class:`State` (inside a scan's steps only).
    """

    axes: dict[str, Size] = dataclasses.field(default_factory=dict)
    symbols: set[str] = dataclasses.field(default_factory=set)
    tensors: dict[str, Input | Param] = dataclasses.field(default_factory=dict)
    lets: dict[str, Let] = dataclasses.field(default_factory=dict)
    states: dict[str, State] = dataclasses.field(default_factory=dict)

    @classmethod
    def declare(cls, *, axes: Mapping[str, object] = (), inputs: Mapping[str, Sequence[str]] = (),
                params: Mapping[str, Sequence[str]] = (), sizes: Sequence[str] = ()) -> "Scope":
        """A scope from plain declarations: ``axes={"i": "n"}, inputs={"Q": ("i", "d")}``."""
        ax = {name: Size.like(size) for name, size in dict(axes).items()}
        scope = cls(axes=ax, symbols={s for size in ax.values() for s in size.symbols} | set(sizes))
        for kind, table in ((Input, dict(inputs)), (Param, dict(params))):
            for name, names in table.items():
                scope.tensors[name] = kind(name, tuple(Axis(a, scope.axis_size(a)) for a in names))
        return scope

    @classmethod
    def of(cls, term: Term) -> "Scope":
        """The scope in which ``term`` prints and parses back (used by round trips)."""
        from ..traverse import inputs, params, size_symbols

        scope = cls(axes=dict(term.env), symbols=set(size_symbols(term)))
        for leaf in inputs(term) + params(term):
            scope.tensors[leaf.name] = leaf
        return scope

    def axis_size(self, name: str, span: Span | None = None) -> Size:
        if name not in self.axes:
            raise UnknownNameError(f"unknown axis {name!r}", span=span,
                                   hint=did_you_mean(name, self.axes) + " (declare it with: axes "
                                   + f"{name}: <size>)")
        return self.axes[name]

    def known_names(self) -> list[str]:
        return sorted(set(self.states) | set(self.lets) | set(self.tensors) | set(self.axes)
                      | self.symbols)


def parse_term(text: str, scope: Scope, *, file: str = "<text>") -> Term:
    """Parse and resolve one expression in ``scope``."""
    return Resolver(scope).term(parse_expression(text, file=file))


class Resolver:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.resolving: list[str] = []
        self.resolved: dict[str, Term] = {}  # let name -> its term, outside scans (lets may use other lets many times)

    def term(self, node: Node) -> Term:
        try:
            return self._term(node)
        except AnatomyError as err:
            raise err.with_span(node.span) from None

    def _term(self, node: Node) -> Term:
        if isinstance(node, Num):
            return Const(node.value)
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Access):
            return self.access(node.name, node.indices, node.span)
        if isinstance(node, SizeExpr):
            return Dim(self.size(node))
        if isinstance(node, Unop):
            return Unary(UnaryOp.NEG if node.op == "-" else UnaryOp.NOT, self.term(node.x))
        if isinstance(node, Binop):
            return Binary(_BINOPS[node.op], self.term(node.a), self.term(node.b))
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Sub):
            return self.sub(node)
        if isinstance(node, ScanExpr):
            return self.scan(node)
        raise AssertionError(f"unreachable: {type(node).__name__}")

    # -- names --------------------------------------------------------------------
    def name(self, node: Name) -> Term:
        s = self.scope
        name = node.name
        if name in s.states or name in s.lets or name in s.tensors:
            return self.access(name, None, node.span)
        if name in s.axes:
            return Index(Axis(name, s.axes[name]))
        if name in s.symbols:
            return Dim(Size.of(name))
        if name in FUNCTION_NAMES or name == "where":
            raise SyntaxError_(f"{name} is a function", span=node.span, hint=f"write {name}(...)")
        raise UnknownNameError(f"unknown name {name!r}", span=node.span,
                               hint=did_you_mean(name, s.known_names()))

    def access(self, name: str, indices: tuple[tuple[str, Span], ...] | None, span: Span) -> Term:
        s = self.scope
        if name in s.states:
            base: Term = s.states[name]
            declared = base.axes
        elif name in s.lets:
            let = s.lets[name]
            base = self.let(let)
            declared = tuple(n for n, _ in let.indices)
        elif name in s.tensors:
            base = s.tensors[name]
            declared = base.axes
        elif name in s.axes:
            raise SyntaxError_(f"{name!r} is an axis, not a tensor", span=span,
                               hint=f"write {name} alone for the position along it")
        else:
            raise UnknownNameError(f"unknown name {name!r}", span=span,
                                   hint=did_you_mean(name, list(s.states) + list(s.lets) + list(s.tensors)))
        if indices is None:
            if declared:
                raise AxisTypeError(f"{name} has axes [{', '.join(declared)}]", span=span,
                                    hint=f"write {name}[{', '.join(declared)}]")
            return base
        if len(indices) != len(declared):
            raise AxisTypeError(f"{name} has {len(declared)} axes [{', '.join(declared)}], "
                                f"got {len(indices)} indices", span=span,
                                hint=f"write {name}[{', '.join(declared)}] or rename its axes positionally")
        mapping = {}
        sizes = base.type.sizes
        for old, (new, nspan) in zip(declared, indices):
            size = self.scope.axis_size(new, nspan)
            if size != sizes[old]:
                raise AxisTypeError(f"{name}[{', '.join(n for n, _ in indices)}] puts axis {new!r} (size {size}) "
                                    f"where {name} has axis {old!r} (size {sizes[old]})", span=nspan,
                                    hint=f"use an axis of size {sizes[old]} here, or declare {new}: {sizes[old]}")
            if old != new:
                mapping[old] = new
        return base.rename(mapping)

    def let(self, let: Let) -> Term:
        cacheable = not self.scope.states  # inside a scan a let may read the scan's states
        if cacheable and let.name in self.resolved:
            return self.resolved[let.name]
        if let.name in self.resolving:
            raise SyntaxError_(f"let {let.name!r} refers to itself", span=let.span,
                               hint="a let cannot use itself, directly or through other lets")
        let.used = True
        self.resolving.append(let.name)
        try:
            body = self.term(let.body)
        finally:
            self.resolving.pop()
        declared = [n for n, _ in let.indices]
        if set(body.axes) != set(declared):
            raise AxisTypeError(f"let {let.name}[{', '.join(declared)}] is defined by a term with axes "
                                f"[{', '.join(body.axes)}]", span=let.span,
                                hint="list exactly the free axes of the definition")
        if cacheable:
            self.resolved[let.name] = body
        return body

    def size(self, node: SizeExpr) -> Size:
        s = self.scope
        single = node.terms[0][0] if len(node.terms) == 1 and len(node.terms[0]) == 1 else None
        if single is not None and single not in s.symbols and single in s.axes:
            return s.axes[single]  # size(j): the size of axis j (a symbol of that name wins)
        total = Size()
        for factors in node.terms:
            prod = Size.const(1)
            for f in factors:
                if f.isdigit():
                    prod = prod * Size.const(int(f))
                elif f in s.symbols:
                    prod = prod * Size.of(f)
                else:
                    raise UnknownNameError(f"unknown size symbol {f!r}", span=node.span,
                                           hint=did_you_mean(f, s.symbols | set(s.axes)))
            total = total + prod
        return total

    # -- forms --------------------------------------------------------------------
    def call(self, node: Call) -> Term:
        f, args = node.func, node.args
        if f == "where":
            self._arity(node, 3)
            return Where(*(self.term(a) for a in args))
        if f in BINARY_FUNCTIONS:
            self._arity(node, 2)
            return Binary(BINARY_FUNCTIONS[f], self.term(args[0]), self.term(args[1]))
        if f in RESERVED:
            raise SyntaxError_(f"{f} is written with a subscript", span=node.span,
                               hint=f"write {f}_j(...)")
        if f in self.scope.tensors or f in self.scope.lets or f in self.scope.states:
            raise SyntaxError_(f"{f} is a tensor, not a function", span=node.span,
                               hint=f"index it with square brackets: {f}[...]")
        near = [k for k in closest(f, RESERVED) if k not in ("inf", "size")]
        if f not in FUNCTION_NAMES and near:
            raise UnknownNameError(f"unknown function {f!r}", span=node.span,
                                   hint=f"did you mean {near[0]}_j(...)? (write the axis after the underscore)")
        op = UnaryOp.from_name(f)
        self._arity(node, 1)
        return Unary(op, self.term(args[0]))

    @staticmethod
    def _arity(node: Call, n: int) -> None:
        if len(node.args) != n:
            raise SyntaxError_(f"{node.func} takes {n} argument{'s' if n > 1 else ''}, got {len(node.args)}",
                               span=node.span)

    def sub(self, node: Sub) -> Term:
        for name in node.left + node.right:
            if not (node.kind == "concat" and name in node.left):  # concat may stack along a new axis
                self.scope.axis_size(name, node.sub_span)
        args = [self.term(a) for a in node.args]
        k = node.kind
        if k == "sum":
            return Reduce(ReduceOp.SUM, args[0], node.left[0])
        if k == "max":
            return Reduce(ReduceOp.MAX, args[0], node.left[0])
        if k == "softmax":
            return Softmax(args[0], node.left[0])
        if k == "normalize":
            return Normalize(args[0], node.left[0])
        if k == "rename":
            sizes = args[0].type.sizes
            for old, new in zip(node.left, node.right):
                if old in sizes and self.scope.axes[new] != sizes[old]:
                    raise AxisTypeError(f"rename puts axis {new!r} (size {self.scope.axes[new]}) in place of "
                                        f"{old!r} (size {sizes[old]})", span=node.sub_span,
                                        hint=f"rename to an axis of size {sizes[old]}")
            return Rename(args[0], tuple(zip(node.left, node.right)))
        if k == "concat":
            out = node.right[0]
            made = Concat(tuple(args), node.left[0], out)
            self._declared_size(out, made.type.sizes[out], node.sub_span)
            return made
        if k == "split":
            return Split(args[0], node.left[0],
                         tuple(Axis(n, self.scope.axis_size(n, node.sub_span)) for n in node.right))
        if k == "merge":
            out = node.right[0]
            made = Merge(args[0], node.left, out)
            self._declared_size(out, made.type.sizes[out], node.sub_span)
            return made
        raise AssertionError(f"unreachable: {k}")

    def _declared_size(self, name: str, size: Size, span: Span) -> None:
        declared = self.scope.axis_size(name, span)
        if declared != size:
            raise AxisTypeError(f"axis {name!r} is declared with size {declared}, but this makes it {size}",
                                span=span, hint=f"declare {name}: {size}")

    def scan(self, node: ScanExpr) -> Term:
        s = self.scope
        s.axis_size(node.axis, node.axis_span)
        names = [d.name for d in node.states]
        for d in node.states:
            if (d.name in RESERVED or d.name in FUNCTION_NAMES or d.name in s.tensors or d.name in s.lets
                    or d.name in s.axes or d.name.partition("_")[0] in RESERVED):
                raise SyntaxError_(f"the state name {d.name!r} is already taken", span=d.span,
                                   hint="pick a fresh name for the scan state")
        states = tuple(State(d.name, tuple(Axis(n, s.axis_size(n, sp)) for n, sp in d.indices))
                       for d in node.states)
        inits = tuple(self.term(d.init) for d in node.states)
        saved = dict(s.states)
        s.states.update({st.name: st for st in states})
        try:
            steps = tuple(self.term(d.step) for d in node.states)
        finally:
            s.states.clear()
            s.states.update(saved)
        if node.select is None:
            if len(states) > 1:
                raise SyntaxError_("a scan with several states must say which one it returns",
                                   span=node.span, hint=f"append .{names[-1]} (any of: {', '.join(names)})")
            out = 0
        elif node.select in names:
            out = names.index(node.select)
        else:
            raise UnknownNameError(f"the scan has no state {node.select!r}", span=node.select_span,
                                   hint=did_you_mean(node.select, names))
        return Scan(node.axis, states, inits, steps, out)
