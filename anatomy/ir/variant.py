"""Variants: a named attention definition with its citation, declarations and notes.

A :class:`Variant` is data: a kebab-case name, a title, a citation, aliases, the declared
axes, inputs and parameters, the output axes in layout order, the checked term, notes,
and where it came from. :func:`parse_variant` reads the file format of
``docs/reference/variant-files.md``; :func:`format_variant` writes it back.

Example:
    >>> v = parse_variant('''
    ... variant dot
    ... axes i: n, j: m, d: dk
    ... input Q[i, d], K[j, d]
    ... out[i, j] = sum_d(Q[i, d] * K[j, d])
    ... ''')
    >>> v.name, v.out_axes, [t.name for t in v.inputs]
    ('dot', ('i', 'j'), ['Q', 'K'])
    >>> parse_variant(format_variant(v)).term is v.term
    True
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from ..errors import AnatomyError, AxisTypeError, Span, VariantFileError
from .size import Size
from .syntax.ast import Statement
from .syntax.parser import KEYWORDS, RESERVED, parse_statements
from .syntax.printer import print_with_lets
from .syntax.resolve import Let, Resolver, Scope
from .term import Axis, Input, Param, Term, check_name
from .traverse import inputs as term_inputs
from .traverse import params as term_params

_KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")


@dataclasses.dataclass(frozen=True)
class Variant:
    """An attention variant: its definition and what the literature says about it.

    Parameters:
        name: stable kebab-case identifier (``scaled-dot-product``).
        term: the checked definition; its free axes are exactly ``out_axes``.
        out_axes: the output's axes in layout order.
        axes: every declared axis with its size, in declaration order.
        inputs, params: the declared leaves, in declaration order.
        title, citation, aliases, notes: documentation.
        definition: the ``let`` and ``out`` lines as written (empty when built in Python).
        source: the file text as written (empty when built in Python).
        path: the file it was read from, if any.
    """

    name: str
    term: Term
    out_axes: tuple[str, ...]
    axes: tuple[Axis, ...]
    inputs: tuple[Input, ...]
    params: tuple[Param, ...] = ()
    title: str = ""
    citation: str = ""
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    definition: str = dataclasses.field(default="", compare=False)
    source: str = dataclasses.field(default="", compare=False)
    path: str | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def from_term(cls, name: str, term: Term, *, out_axes: tuple[str, ...] | None = None, title: str = "",
                  citation: str = "", notes: tuple[str, ...] = ()) -> "Variant":
        """A variant around a term built in Python; declarations are read off the term."""
        if not _KEBAB.match(name):
            raise VariantFileError(f"variant name {name!r} is not kebab-case",
                                   hint="use lowercase words joined by '-', e.g. scaled-dot-product")
        out = tuple(out_axes) if out_axes is not None else term.axes
        if set(out) != set(term.axes) or len(out) != len(term.axes):
            raise AxisTypeError(f"the output is declared [{', '.join(out)}] but the term has axes "
                                f"[{', '.join(term.axes)}]")
        scope = Scope.of(term)
        axis_symbols = {sym for size in scope.axes.values() for sym in size.symbols}
        return cls(name=name, term=term, out_axes=out,
                   axes=tuple(Axis(n, s) for n, s in scope.axes.items()),
                   inputs=tuple(term_inputs(term)), params=tuple(term_params(term)), title=title,
                   citation=citation, notes=tuple(notes), symbols=tuple(sorted(scope.symbols - axis_symbols)))


def load_variant(path: str | Path) -> Variant:
    """Read and check a variant file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VariantFileError(f"no such file: {p}", hint="check the path") from None
    except (OSError, UnicodeDecodeError) as err:
        raise VariantFileError(f"cannot read {p}: {err}") from None
    return parse_variant(text, file=str(p))


def parse_variant(text: str, *, file: str = "<text>") -> Variant:
    """Parse and check the text of a variant file."""
    statements = parse_statements(text, file=file)
    return _Builder(file, text).build(statements)


class _Builder:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.scope = Scope()
        self.fields: dict[str, Statement] = {}
        self.axis_order: list[str] = []
        self.inputs: list[Input] = []
        self.params: list[Param] = []
        self.extra_symbols: list[str] = []
        self.notes: list[str] = []
        self.aliases: list[str] = []

    def build(self, statements: list[Statement]) -> Variant:
        out_stmt = None
        for st in statements:
            if st.keyword in ("variant", "title", "cite", "out", "aliases"):
                if st.keyword in self.fields:
                    first = self.fields[st.keyword].span
                    raise VariantFileError(f"field {st.keyword!r} is given twice (first at line {first.line})",
                                           span=st.span, hint=f"keep one {st.keyword} line")
                self.fields[st.keyword] = st
            if st.keyword == "out":
                out_stmt = st
                continue
            if out_stmt is not None and st.keyword in ("axes", "sizes", "input", "param", "let"):
                raise VariantFileError(f"{st.keyword} comes after out", span=st.span,
                                       hint="declare everything before the out line")
            getattr(self, "_" + st.keyword)(st)
        for field in ("variant", "out"):
            if field not in self.fields:
                eof = Span(self.file, max(1, self.text.count("\n")), 1, 2, "")
                example = ("variant my-attention" if field == "variant"
                           else "out[i, e] = sum_j(softmax_j(s[i, j]) * V[j, e])")
                raise VariantFileError(f"missing field {field!r}", span=eof,
                                       hint=f"add a line such as: {example}")
        term, out_axes = self._out(out_stmt)
        for let in self.scope.lets.values():
            if not let.used:
                Resolver(self.scope).let(let)  # surface errors in unused lets
        title = self.fields["title"].value[0] if "title" in self.fields else ""
        cite = self.fields["cite"].value[0] if "cite" in self.fields else ""
        return Variant(name=self.fields["variant"].value[0], term=term, out_axes=out_axes,
                       axes=tuple(Axis(n, self.scope.axes[n]) for n in self.axis_order),
                       inputs=tuple(self.inputs), params=tuple(self.params), title=title, citation=cite,
                       aliases=tuple(self.aliases), notes=tuple(self.notes),
                       symbols=tuple(self.extra_symbols), definition=self._definition(statements),
                       source=self.text,
                       path=None if self.file == "<text>" else self.file)

    def _definition(self, statements: list[Statement]) -> str:
        """The source lines of the lets and the out statement, without comment-only lines."""
        lines = self.text.split("\n")
        body = [st for st in statements if st.keyword in ("let", "out")]
        first = body[0].span.line
        after = [st.span.line for st in statements if st.span.line > body[-1].span.line]
        last = (min(after) - 1) if after else len(lines)
        kept = [ln.rstrip() for ln in lines[first - 1:last] if ln.strip() and not ln.lstrip().startswith("#")]
        return "\n".join(kept)

    # -- one method per keyword ----------------------------------------------------
    def _variant(self, st: Statement) -> None:
        name, span = st.value
        if not _KEBAB.match(name):
            raise VariantFileError(f"variant name {name!r} is not kebab-case", span=span,
                                   hint="use lowercase words joined by '-', e.g. scaled-dot-product")

    def _title(self, st: Statement) -> None:
        pass

    def _cite(self, st: Statement) -> None:
        pass

    def _note(self, st: Statement) -> None:
        self.notes.append(st.value[0])

    def _aliases(self, st: Statement) -> None:
        for name, span in st.value:
            if not _KEBAB.match(name):
                raise VariantFileError(f"alias {name!r} is not kebab-case", span=span)
            self.aliases.append(name)

    def _taken(self, name: str, span: Span, what: str) -> None:
        s = self.scope
        from .ops import FUNCTION_NAMES

        kinds = {"axis": s.axes, "size symbol": s.symbols, "tensor": s.tensors, "let": s.lets}
        for kind, table in kinds.items():
            if name in table:
                raise VariantFileError(f"{what} {name!r} is already declared as {'an' if kind[0] in 'aeiou' else 'a'} "
                                       f"{kind}", span=span,
                                       hint="every axis, size symbol, tensor and let needs its own name")
        article = "an" if what[:1] in "aeiou" else "a"
        if name in RESERVED or name in FUNCTION_NAMES or name in KEYWORDS:
            raise VariantFileError(f"{name!r} is a reserved word and cannot name {article} {what}", span=span)
        prefix, underscore, _ = name.partition("_")
        if underscore and (prefix in RESERVED):
            raise VariantFileError(f"{name!r} would read as the form {prefix}_…, so it cannot name {article} {what}",
                                   span=span, hint="pick a name that does not start with a form word and '_'")
        try:
            check_name(name, "axis" if what == "axis" else "tensor")
        except AnatomyError as err:
            raise err.with_span(span) from None

    def _axes(self, st: Statement) -> None:
        for name, span, size_text, size_span in st.value:
            self._taken(name, span, "axis")
            try:
                size = Size.parse(size_text)
            except AnatomyError as err:
                raise err.with_span(size_span) from None
            const = size.constant
            if const is not None and const < 1:
                raise VariantFileError(f"axis {name!r} has size {size}", span=size_span,
                                       hint="sizes are positive")
            for sym in size.symbols:
                if sym in self.scope.axes or sym in self.scope.tensors:
                    raise VariantFileError(f"size symbol {sym!r} is already declared as an axis or tensor",
                                           span=size_span, hint="name sizes apart from axes, e.g. i: n")
            self.scope.axes[name] = size
            self.scope.symbols |= set(size.symbols)
            self.axis_order.append(name)

    def _sizes(self, st: Statement) -> None:
        for name, span in st.value:
            self._taken(name, span, "size symbol")
            try:
                Size.of(name)
            except AnatomyError as err:
                raise err.with_span(span) from None
            self.scope.symbols.add(name)
            self.extra_symbols.append(name)

    def _input(self, st: Statement) -> None:
        self._leaves(st, Input, self.inputs)

    def _param(self, st: Statement) -> None:
        self._leaves(st, Param, self.params)

    def _leaves(self, st: Statement, kind: type, into: list) -> None:
        for name, span, idx in st.value:
            self._taken(name, span, st.keyword)
            axes = tuple(Axis(a, self.scope.axis_size(a, aspan)) for a, aspan in idx)
            try:
                leaf = kind(name, axes)
            except AnatomyError as err:
                raise err.with_span(span) from None
            self.scope.tensors[name] = leaf
            into.append(leaf)

    def _let(self, st: Statement) -> None:
        name, span, idx, body = st.value
        self._taken(name, span, "let")
        for a, aspan in idx:
            self.scope.axis_size(a, aspan)
        self.scope.lets[name] = Let(name, idx, body, span)

    def _out(self, st: Statement) -> tuple[Term, tuple[str, ...]]:
        idx, body = st.value
        for a, aspan in idx:
            self.scope.axis_size(a, aspan)
        term = Resolver(self.scope).term(body)
        out = tuple(a for a, _ in idx)
        if set(out) != set(term.axes) or len(set(out)) != len(out):
            raise AxisTypeError(f"out declares axes [{', '.join(out)}] but the definition has free axes "
                                f"[{', '.join(term.axes)}]", span=body.span,
                                hint=f"write out[{', '.join(term.axes)}] = …, or reduce the extra axes")
        return term, out


def format_variant(v: Variant) -> str:
    """The variant as a file; parsing it gives the same variant.

    Comments and the original lets are not kept; shared sub-terms get fresh lets.
    """
    lines = [f"variant {v.name}"]
    if v.title:
        lines.append(f"title {_quote(v.title)}")
    if v.citation:
        lines.append(f"cite {_quote(v.citation)}")
    if v.aliases:
        lines.append(f"aliases {', '.join(v.aliases)}")
    if v.axes:
        lines.append("axes " + ", ".join(f"{a.name}: {a.size}" for a in v.axes))
    if v.symbols:
        lines.append("sizes " + ", ".join(v.symbols))
    for word, leaves in (("input", v.inputs), ("param", v.params)):
        if leaves:
            lines.append(word + " " + ", ".join(
                f"{t.name}[{', '.join(a.name for a in t.shape)}]" if t.shape else t.name for t in leaves))
    lines.append(printed_definition(v))
    lines.extend(f"note {_quote(n)}" for n in v.notes)
    return "\n".join(lines) + "\n"


def declared_names(v: Variant) -> set[str]:
    """Every name the variant declares: axes, size symbols, inputs and parameters."""
    names = {a.name for a in v.axes} | set(v.symbols) | {t.name for t in v.inputs + v.params}
    return names | {s for a in v.axes for s in a.size.symbols}


def printed_definition(v: Variant, term: Term | None = None) -> str:
    """``let`` lines for shared sub-terms and the ``out`` line, for ``term`` (default: the variant's)."""
    lets, body = print_with_lets(v.term if term is None else term, taken=declared_names(v))
    lines = [f"let {name}[{', '.join(axes)}] = {text}" if axes else f"let {name} = {text}"
             for name, axes, text in lets]
    return "\n".join(lines + [f"out[{', '.join(v.out_axes)}] = {body}"])


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

