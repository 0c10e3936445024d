"""The parser of the text syntax: tokens to syntax trees (expressions and variant files).

A recursive-descent parser for the grammar in ``docs/reference/syntax.md``; no ``eval``.
It only checks the shape of the text; names, axes and types are the resolver's job
(:mod:`anatomy.ir.syntax.resolve`).

Example:
    >>> parse_expression("a + b * c").op
    '+'
    >>> parse_expression("softmax_j(s[i, j])").kind
    'softmax'
"""

from __future__ import annotations

from ...errors import Span, SyntaxError_
from .ast import (Access, Binop, Call, Name, Node, Num, ScanExpr, SizeExpr, StateDecl, Statement, Sub, Unop)
from .lexer import EOF, NAME, NEWLINE, NUMBER, OP, STRING, Token, tokenize

#: Subscripted forms ``kind_{...}(...)`` and how many arguments each takes (None: 2 or more).
SUBSCRIPTED = {"sum": 1, "max": 1, "softmax": 1, "normalize": 1, "rename": 1, "concat": None,
               "split": 1, "merge": 1}
#: Words with a fixed meaning in expressions; they cannot name tensors, axes or sizes.
RESERVED = frozenset({"inf", "where", "size", "scan", *SUBSCRIPTED})
#: Statement keywords of a variant file.
KEYWORDS = ("variant", "title", "cite", "aliases", "note", "axes", "sizes", "input", "param", "let", "out")

_CMP = ("<", "<=", ">", ">=", "==", "!=")


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    # -- token helpers ------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.pos + k, len(self.tokens) - 1)]

    def at(self, text: str) -> bool:
        return self.tok.kind == OP and self.tok.text == text

    def advance(self) -> Token:
        tok = self.tok
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return tok

    def expect(self, text: str, what: str | None = None) -> Token:
        if not self.at(text):
            raise self.error(f"expected {what or repr(text)}, got {self.tok} instead")
        return self.advance()

    def expect_name(self, what: str) -> Token:
        if self.tok.kind != NAME:
            raise self.error(f"expected {what}, got {self.tok} instead")
        return self.advance()

    def error(self, message: str, tok: Token | None = None, hint: str | None = None) -> SyntaxError_:
        return SyntaxError_(message, span=(tok or self.tok).span,
                            hint=hint or "see the grammar in docs/reference/syntax.md")

    # -- expressions --------------------------------------------------------------
    def expression(self) -> Node:
        return self.or_()

    def _left_assoc(self, ops: tuple[str, ...], sub) -> Node:
        node = sub()
        while self.tok.kind == OP and self.tok.text in ops:
            op = self.advance().text
            rhs = sub()
            node = Binop(_join(node.span, rhs.span), op, node, rhs)
        return node

    def or_(self) -> Node:
        return self._left_assoc(("|",), self.and_)

    def and_(self) -> Node:
        return self._left_assoc(("&",), self.cmp)

    def cmp(self) -> Node:
        node = self.add()
        if self.tok.kind == OP and self.tok.text in _CMP:
            op = self.advance().text
            rhs = self.add()
            node = Binop(_join(node.span, rhs.span), op, node, rhs)
            if self.tok.kind == OP and self.tok.text in _CMP:
                raise self.error("comparisons do not chain",
                                 hint="write (a < b) & (b < c) for a range")
        return node

    def add(self) -> Node:
        return self._left_assoc(("+", "-"), self.mul)

    def mul(self) -> Node:
        return self._left_assoc(("*", "/"), self.unary)

    def unary(self) -> Node:
        if self.at("-"):
            minus = self.advance()
            if self.tok.kind == NUMBER or (self.tok.kind == NAME and self.tok.text == "inf"):
                lit = self.advance()
                return Num(_join(minus.span, lit.span), -_number(lit))
            x = self.unary()
            return Unop(_join(minus.span, x.span), "-", x)
        if self.at("!"):
            bang = self.advance()
            x = self.unary()
            return Unop(_join(bang.span, x.span), "!", x)
        return self.atom()

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == NUMBER:
            self.advance()
            return Num(tok.span, _number(tok))
        if tok.kind == OP and tok.text == "(":
            self.advance()
            node = self.expression()
            self.expect(")", "')' to close the parenthesis")
            return node
        if tok.kind != NAME:
            raise self.error(f"expected an expression, got {tok} instead")
        name = tok.text
        if name == "inf":
            self.advance()
            return Num(tok.span, float("inf"))
        if name == "size" and self.peek().text == "(":
            return self.size_expr()
        prefix, _, rest = name.partition("_")
        if prefix == "scan" and _ and (rest or self.peek().text == "{"):
            return self.scan()
        if prefix in SUBSCRIPTED and _ and (rest or self.peek().text == "{"):
            return self.subscripted()
        self.advance()
        if self.at("("):
            return self.call(tok)
        if self.at("["):
            return self.access(tok)
        return Name(tok.span, name)

    def call(self, name: Token) -> Node:
        self.expect("(")
        args = [self.expression()]
        while self.at(","):
            self.advance()
            args.append(self.expression())
        end = self.expect(")", "',' or ')' in the argument list")
        return Call(_join(name.span, end.span), name.text, tuple(args))

    def indices(self) -> tuple[tuple[str, Span], ...]:
        self.expect("[")
        out: list[tuple[str, Span]] = []
        if not self.at("]"):
            while True:
                tok = self.expect_name("an axis name")
                out.append((tok.text, tok.span))
                if not self.at(","):
                    break
                self.advance()
        self.expect("]", "',' or ']' after an axis name")
        return tuple(out)

    def access(self, name: Token) -> Node:
        idx = self.indices()
        end = self.tokens[self.pos - 1]
        return Access(_join(name.span, end.span), name.text, idx)

    def size_expr(self) -> Node:
        start = self.advance()
        self.expect("(")
        terms: list[tuple[str, ...]] = []
        factors: list[str] = []
        while True:
            tok = self.tok
            if tok.kind not in (NAME, NUMBER) or (tok.kind == NUMBER and not tok.text.isdigit()):
                raise self.error(f"expected a size symbol, axis or integer, got {tok} instead",
                                 hint="write size(n), size(h*dh) or size(j)")
            factors.append(self.advance().text)
            if self.at("*"):
                self.advance()
                continue
            terms.append(tuple(factors))
            factors = []
            if self.at("+"):
                self.advance()
                continue
            break
        end = self.expect(")", "'*', '+' or ')' in a size")
        return SizeExpr(_join(start.span, end.span), tuple(terms))

    def subscript(self, head: Token) -> tuple[list[Token], Span]:
        """The axes after ``kind_``: the rest of the name, or ``{...}``."""
        rest = head.text.partition("_")[2]
        if rest:
            return [Token(NAME, rest, head.span)], head.span
        open_ = self.expect("{")
        toks: list[Token] = []
        while not self.at("}"):
            if self.tok.kind == EOF:
                raise self.error("'{' is never closed", open_)
            toks.append(self.advance())
        close = self.expect("}")
        return toks, _join(open_.span, close.span)

    def subscripted(self) -> Node:
        head = self.advance()
        kind = head.text.partition("_")[0]
        toks, sub_span = self.subscript(head)
        left, right = _interpret_subscript(kind, toks, sub_span)
        self.expect("(", f"'(' after {head.text}")
        args = [self.expression()]
        while self.at(","):
            self.advance()
            args.append(self.expression())
        end = self.expect(")", "',' or ')'")
        want = SUBSCRIPTED[kind]
        if (want is None and len(args) < 2) or (want is not None and len(args) != want):
            raise SyntaxError_(f"{kind} takes {'two or more arguments' if want is None else 'one argument'}, "
                               f"got {len(args)}", span=_join(head.span, end.span),
                               hint="see docs/reference/syntax.md")
        return Sub(_join(head.span, end.span), kind, left, right, tuple(args), sub_span)

    def scan(self) -> Node:
        head = self.advance()
        toks, sub_span = self.subscript(head)
        if len(toks) != 1 or toks[0].kind != NAME:
            raise SyntaxError_("a scan runs along exactly one axis", span=sub_span, hint="write scan_t(...)")
        self.expect("(", "'(' after scan")
        states = [self.state_decl()]
        while self.at(","):
            self.advance()
            states.append(self.state_decl())
        end = self.expect(")", "',' or ')' after a scan state")
        select = select_span = None
        if self.at("."):
            self.advance()
            tok = self.expect_name("the name of the state to return")
            select, select_span, end = tok.text, tok.span, tok
        return ScanExpr(_join(head.span, end.span), toks[0].text, toks[0].span, tuple(states), select,
                        select_span)

    def state_decl(self) -> StateDecl:
        name = self.expect_name("a state name")
        idx = self.indices() if self.at("[") else ()
        self.expect("=", "'=' and the initial value of the state")
        init = self.expression()
        self.expect("=>", "'=>' and the step of the state")
        step = self.expression()
        return StateDecl(_join(name.span, step.span), name.text, idx, init, step)


def _interpret_subscript(kind: str, toks: list[Token], span: Span) -> tuple[tuple[str, ...], tuple[str, ...]]:
    groups: list[list[str]] = [[]]
    arrows = 0
    expect_name = True
    for tok in toks:
        if tok.kind == NAME and expect_name:
            groups[-1].append(tok.text)
            expect_name = False
        elif tok.kind == OP and tok.text in (",", "->") and not expect_name:
            if tok.text == "->":
                arrows += 1
                groups.append([])
            expect_name = True
        else:
            raise SyntaxError_(f"unexpected {tok} in the subscript of {kind}", span=tok.span,
                               hint=_SUB_FORMS[kind])
    if expect_name:
        raise SyntaxError_(f"the subscript of {kind} is incomplete", span=span, hint=_SUB_FORMS[kind])
    if kind == "rename":
        pairs = _rename_pairs(toks)
        if pairs is None:
            raise SyntaxError_("a rename subscript is a list of old->new pairs", span=span,
                               hint=_SUB_FORMS[kind])
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
    if kind in ("sum", "max", "softmax", "normalize"):
        if arrows or len(groups[0]) != 1:
            raise SyntaxError_(f"{kind} runs over exactly one axis", span=span, hint=_SUB_FORMS[kind])
        return (groups[0][0],), ()
    if arrows != 1:
        raise SyntaxError_(f"the subscript of {kind} needs one '->'", span=span, hint=_SUB_FORMS[kind])
    left, right = tuple(groups[0]), tuple(groups[1])
    if kind == "concat" and (len(left) != 1 or len(right) != 1):
        raise SyntaxError_("concat goes from one axis to one new axis", span=span, hint=_SUB_FORMS[kind])
    if kind == "split" and (len(left) != 1 or len(right) < 2):
        raise SyntaxError_("split goes from one axis to two or more", span=span, hint=_SUB_FORMS[kind])
    if kind == "merge" and (len(left) < 2 or len(right) != 1):
        raise SyntaxError_("merge goes from two or more axes to one", span=span, hint=_SUB_FORMS[kind])
    return left, right


def _rename_pairs(toks: list[Token]) -> list[tuple[str, str]] | None:
    pairs = []
    k = 0
    while k + 3 <= len(toks):
        a, arrow, b = toks[k:k + 3]
        if a.kind != NAME or arrow.text != "->" or b.kind != NAME:
            return None
        pairs.append((a.text, b.text))
        k += 3
        if k == len(toks):
            return pairs
        if toks[k].text != ",":
            return None
        k += 1
    return None


_SUB_FORMS = {
    "sum": "write sum_j(x) or sum_{j}(x)", "max": "write max_j(x)", "softmax": "write softmax_j(x)",
    "normalize": "write normalize_d(x)", "rename": "write rename_{i->j, d->e}(x)",
    "concat": "write concat_{j->k}(a, b)", "split": "write split_{d->h,e}(x)",
    "merge": "write merge_{h,e->d}(x)",
}


def _number(tok: Token) -> float:
    return float("inf") if tok.text == "inf" else float(tok.text)


def _join(a: Span, b: Span) -> Span:
    if a.line == b.line and a.file == b.file:
        return Span(a.file, a.line, a.col, max(a.end_col, b.end_col), a.text)
    return a


def parse_expression(text: str, *, file: str = "<text>", line_offset: int = 0) -> Node:
    """Parse one expression (the whole text)."""
    parser = Parser([t for t in tokenize(text, file=file, line_offset=line_offset) if t.kind != NEWLINE])
    node = parser.expression()
    if parser.tok.kind != EOF:
        raise parser.error(f"unexpected {parser.tok} after the expression",
                           hint="an operator is missing, or a bracket closes too early")
    return node


def parse_statements(text: str, *, file: str = "<text>") -> list[Statement]:
    """Parse a variant file into statements (see ``docs/reference/variant-files.md``)."""
    parser = Parser(tokenize(text, file=file))
    out: list[Statement] = []
    while parser.tok.kind != EOF:
        if parser.tok.kind == NEWLINE:
            parser.advance()
            continue
        out.append(_statement(parser))
        if parser.tok.kind not in (NEWLINE, EOF):
            raise parser.error(f"unexpected {parser.tok} at the end of the statement",
                               hint="one statement per line; indent a line to continue the previous one")
    return out


def _statement(p: Parser) -> Statement:
    kw = p.tok
    if kw.kind != NAME or kw.text not in KEYWORDS:
        from ...messages import did_you_mean

        raise p.error(f"expected a statement keyword, got {kw} instead",
                      hint=did_you_mean(kw.text, KEYWORDS) if kw.kind == NAME else
                      "statements start with: " + ", ".join(KEYWORDS))
    p.advance()
    word = kw.text
    if word == "variant":
        return Statement(kw.span, word, _kebab(p))
    if word in ("title", "cite", "note"):
        if p.tok.kind != STRING:
            raise p.error(f"expected a quoted string after {word}, got {p.tok} instead",
                          hint=f'write {word} "..."')
        return Statement(kw.span, word, (p.advance().text, kw.span))
    if word == "aliases":
        names = [_kebab(p)]
        while p.at(","):
            p.advance()
            names.append(_kebab(p))
        return Statement(kw.span, word, names)
    if word == "axes":
        decls = [_axis_decl(p)]
        while p.at(","):
            p.advance()
            decls.append(_axis_decl(p))
        return Statement(kw.span, word, decls)
    if word == "sizes":
        names = [p.expect_name("a size symbol")]
        while p.at(","):
            p.advance()
            names.append(p.expect_name("a size symbol"))
        return Statement(kw.span, word, [(t.text, t.span) for t in names])
    if word in ("input", "param"):
        decls = [_tensor_decl(p)]
        while p.at(","):
            p.advance()
            decls.append(_tensor_decl(p))
        return Statement(kw.span, word, decls)
    if word == "let":
        name = p.expect_name("the name of the let")
        idx = p.indices() if p.at("[") else ()
        p.expect("=", "'=' and the definition")
        return Statement(kw.span, word, (name.text, name.span, idx, p.expression()))
    # out
    idx = p.indices() if p.at("[") else ()
    p.expect("=", "'=' and the definition")
    return Statement(kw.span, word, (idx, p.expression()))


def _kebab(p: Parser) -> tuple[str, Span]:
    first = p.tok
    if first.kind not in (NAME, NUMBER):
        raise p.error(f"expected a kebab-case name such as scaled-dot-product, got {first} instead")
    parts = [p.advance()]
    while p.at("-") and p.peek().kind in (NAME, NUMBER) and _adjacent(parts[-1], p.tok):
        parts.append(p.advance())
        parts.append(p.advance())
    text = "".join(t.text for t in parts)
    return text, _join(first.span, parts[-1].span)


def _adjacent(a: Token, b: Token) -> bool:
    return a.span.line == b.span.line and a.span.end_col == b.span.col


def _axis_decl(p: Parser) -> tuple[str, Span, str, Span]:
    name = p.expect_name("an axis name")
    p.expect(":", f"':' and the size of axis {name.text}")
    start = p.tok
    text = []
    while p.tok.kind in (NAME, NUMBER) or p.at("*") or p.at("+"):
        text.append(p.advance().text)
    if not text:
        raise p.error(f"expected the size of axis {name.text}, got {p.tok} instead",
                      hint=f"write {name.text}: n, {name.text}: 8 or {name.text}: h*dh")
    end = p.tokens[p.pos - 1]
    return name.text, name.span, "".join(text), _join(start.span, end.span)


def _tensor_decl(p: Parser) -> tuple[str, Span, tuple[tuple[str, Span], ...]]:
    name = p.expect_name("a tensor name")
    idx = p.indices() if p.at("[") else ()
    return name.text, name.span, idx
