"""Symbolic sizes for a term traced at concrete ones.

The tracer picks distinct sizes per role (tokens 6, features 8, …), so each integer names
one size. :class:`Symbolizer` turns every integer into a :class:`~anatomy.ir.size.Size`:
the sizes of the arguments and parameters (the *atoms*) become symbols (``n``, ``dk``,
``dm``, ``B``…); the ``split``, ``merge`` and ``concat`` nodes of the term relate the rest
(a head split of ``dm`` into ``3 × 4`` makes ``dm = H*dh``; a fused projection's
``3 × dm`` keeps its literal 3; the parts of a known product take its factors by value, so
``B*dm`` split into ``(B*H, dh)`` refines ``dm`` to ``H*dh``). Numbers the code wrote (the
count of ``chunk(3)``, the width of ``x[s:s+2]``) are literals by default, kept apart from
sizes of the same value. A constant ``c`` that multiplies or
divides is read as a size where it equals ``1/sqrt(v)`` or ``sqrt(v)`` of a size ``v`` (and
``v``, ``1/v`` or, added, ``log(v)`` for a size that varies), so ``s * 0.3535…`` becomes
``s / sqrt(dk)``.

Which literal factors of a split are sizes and which are constants is ambiguous;
:meth:`Symbolizer.choices` lists the readings to try, and the caller keeps the first that
reproduces the code at a second size assignment.

Example:
    >>> from anatomy.ir.term import Axis, Input, Split
    >>> x = Input("x", (Axis("i", 6), Axis("c", 8)))
    >>> s = Symbolizer(Split(x, "c", (Axis("h", 2), Axis("d", 4))), [(6, "token"), (8, "feature")],
    ...                roles={"h": "head", "d": "feature"})
    >>> term, values, sizes = s.build(s.choices()[0])
    >>> str(term.type), values, str(sizes[8, False])
    ('real[i: n, h: H, d: dh]', {'H': 2, 'dh': 4, 'dk': 8, 'n': 6}, 'H*dh')
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from ...errors import AnatomyError
from ...ir.ops import BinaryOp, UnaryOp
from ...ir.size import Size
from ...ir.term import Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Param, Split, State, Term, Unary
from ...ir.traverse import postorder

#: Size symbols per role, in order of preference.
SYMBOLS: dict[str, tuple[str, ...]] = {
    "token": ("n", "m"), "feature": ("dk", "dv"), "model": ("dm",), "batch": ("B",), "head": ("H",),
    "split-feature": ("dh",), "split-token": ("C",), "block": ("K",), "other": ("L",),
}


class Inconsistent(Exception):
    """The relations of a term contradict one another under a reading."""


Key = tuple[int, bool]  # (size, whether the code wrote it as a number: chunk(3), x[s:s+2])


def key(value: int, written: bool) -> Key:
    """A number written in the code is a literal by default, apart from sizes of the same value."""
    return value, written


class Symbolizer:
    """Readings of a concretely sized term with symbolic sizes.

    Parameters:
        term: the term with integer sizes.
        atoms: ``(size, role)`` of every argument and parameter dimension, in order.
        roles: axis name -> role (names the symbols of split parts).
        written: the axes whose size the code wrote as a number (``chunk(3)``'s count, a slice's
            width): literals by default, told apart from sizes of the same value.
        reserved: names that size symbols must not take (axes, tensors).
        varying: the atom sizes that change between the two checks (the arguments').
    """

    def __init__(self, term: Term, atoms: Sequence[tuple[int, str]], *, roles: Mapping[str, str],
                 written: set[str] = frozenset(), reserved: set[str] = frozenset(),
                 varying: set[int] = frozenset()) -> None:
        self.term, self.atoms, self.roles, self.written = term, list(atoms), dict(roles), set(written)
        self.reserved = set(reserved) | set(term.env)
        self.varying = {(v, False) for v in varying}
        self.relations = list(_relations(term, self.roles, self.written))

    def choices(self) -> list[tuple[dict[Key, bool], bool]]:
        """Readings to try: which unknown split parts are symbols (True) or literals (False), and
        whether scale constants are read as sizes."""
        unknown: dict[Key, str] = {}
        known = {(v, False) for v, _ in self.atoms}
        for _, total, parts in self.relations:
            for k, role in parts:
                if k[0] > 1 and k not in known and k not in unknown:
                    unknown[k] = role
            known.add(total)
        default = {k: not k[1] for k in unknown}
        keys = list(unknown)
        if len(keys) <= 4:  # every combination, nearest to the default first
            flips = sorted(itertools.product((False, True), repeat=len(keys)), key=lambda f: (sum(f), f))
            options = [{k: default[k] != f for k, f in zip(keys, flip)} for flip in flips]
        else:
            options = [default] + [{**default, k: not default[k]} for k in keys]
            options += [{k: False for k in keys}, {k: True for k in keys}]
        out: list[dict[Key, bool]] = []
        for option in options:
            if option not in out:
                out.append(option)
        return [(option, True) for option in out] + [(default, False)]

    def solve(self, choice: Mapping[Key, bool]) -> tuple[dict[Key, Size], dict[str, int]]:
        """Each size key -> its Size, and each symbol -> its value, under one reading."""
        sol = _Solution(self, choice)
        for v, role in self.atoms:
            if v > 1 and (v, False) not in sol.sizes:
                sol.sizes[v, False] = sol.symbol(v, role)
        for kind, total, parts in self.relations:
            if kind == "prod" and total in sol.sizes and sol.distribute(total, parts):
                continue
            for k, role in parts:
                if k[0] > 1 and k not in sol.sizes:
                    sol.sizes[k] = sol.symbol(k[0], _split_role(role)) if choice.get(k, not k[1]) \
                        else Size.const(k[0])
            pieces = [sol.sizes.get(k, Size.const(k[0])) for k, _ in parts]
            sol.equate(total, _product(pieces) if kind == "prod" else sum(pieces, Size()))
        return sol.sizes, sol.values

    def _symbol(self, value: int, role: str, values: dict[str, int]) -> Size:
        pool = SYMBOLS.get(role, SYMBOLS["other"])
        k = 1
        while True:
            for base in pool:
                name = base if k == 1 else f"{base}{k}"
                if name not in values and name not in self.reserved:
                    values[name] = value
                    return Size.of(name)
            k += 1

    def build(self, reading: tuple[Mapping[Key, bool], bool]) -> tuple[Term, dict[str, int], dict[Key, Size]]:
        """The term with symbolic sizes, every symbol's value and every size key's Size (raises
        Inconsistent)."""
        choice, scales = reading
        sizes, values = self.solve(choice)
        moving = {s for k in self.varying if k in sizes for s in sizes[k].symbols}
        varying = {k[0] for k, s in sizes.items() if set(s.symbols) & moving}
        try:
            term = _Rebuild(sizes, self.written, varying, scales)(self.term)
        except AnatomyError as err:
            raise Inconsistent from err
        return term, dict(sorted(values.items())), sizes


class _Solution:
    """The sizes found so far under one reading, and the symbols' values."""

    def __init__(self, owner: Symbolizer, choice: Mapping[Key, bool]) -> None:
        self.owner, self.choice = owner, choice
        self.sizes: dict[Key, Size] = {}
        self.values: dict[str, int] = {}

    def symbol(self, value: int, role: str) -> Size:
        return self.owner._symbol(value, role, self.values)

    def equate(self, total: Key, expr: Size) -> None:
        """``total`` is ``expr``: record it, or redefine a symbol so that it holds."""
        old = self.sizes.get(total)
        if old is None:
            self.sizes[total] = expr
        elif old != expr:
            for a, b in ((old, expr), (expr, old)):
                if a.is_symbol and a.symbols[0] not in b.symbols:
                    self.substitute(a.symbols[0], b)
                    return
            raise Inconsistent

    def substitute(self, symbol: str, expr: Size) -> None:
        self.sizes = {k: _substitute(s, symbol, expr) for k, s in self.sizes.items()}

    def distribute(self, total: Key, parts: list[tuple[Key, str]]) -> bool:
        """A split of a known product: the unknown parts take its factors, by value.

        Each symbol of the total goes to the parts whose sizes it divides (greatest common
        divisors, in order); a symbol shared by several parts is refined into one symbol (or
        literal) per part, as ``dm = H*dh`` when ``view(n, H, dh)`` splits ``dm``.
        """
        mono = _monomial(self.sizes[total])
        unknown = [(k, role) for k, role in parts if k[0] > 1 and k not in self.sizes]
        known = [self.sizes.get(k, Size.const(k[0])) for k, _ in parts if (k, _) not in unknown]
        rest = _divide(mono, [_monomial(s) for s in known]) if mono and unknown else None
        if rest is None:
            return False
        coeff, symbols = rest
        items = [(s, self.values[s]) for s in symbols] + ([(None, coeff)] if coeff > 1 else [])
        left = [k[0] for k, _ in unknown]
        shares: list[list[int]] = []
        for _, value in items:
            row = []
            for j, room in enumerate(left):
                g = math.gcd(value, room)
                row.append(g)
                value, left[j] = value // g, room // g
            if value != 1:
                return False
            shares.append(row)
        if any(x != 1 for x in left):
            return False
        got = [Size.const(1) for _ in unknown]
        for (sym, _), row in zip(items, shares):
            used = [j for j, g in enumerate(row) if g > 1]
            pieces = {j: (Size.of(sym) if sym and len(used) == 1 else self._factor(row[j], unknown[j], sym))
                      for j in used}
            if sym and len(used) > 1:
                self.substitute(sym, _product(list(pieces.values())))
            for j, piece in pieces.items():
                got[j] = got[j] * piece
        for (k, _), size in zip(unknown, got):
            self.sizes[k] = size
        return True

    def _factor(self, value: int, part: tuple[Key, str], symbol: str | None) -> Size:
        key_, role = part
        if symbol is None or not self.choice.get(key_, not key_[1]):
            return Size.const(value)
        found = self.sizes.get((value, False))
        if found is not None and found.is_symbol:
            return found
        size = self.symbol(value, _split_role(role))
        self.sizes.setdefault((value, False), size)
        return size


def _monomial(size: Size) -> tuple[int, list[str]] | None:
    """``(coefficient, symbols with repeats)`` of a one-term size, else None."""
    if len(size.terms) != 1:
        return None
    mono, coeff = size.terms[0]
    return coeff, list(mono)


def _divide(total, known) -> tuple[int, list[str]] | None:
    """``total / Π known`` as a monomial, or None when it is not one."""
    coeff, symbols = total[0], list(total[1])
    for part in known:
        if part is None or coeff % part[0]:
            return None
        coeff //= part[0]
        for s in part[1]:
            if s not in symbols:
                return None
            symbols.remove(s)
    return coeff, symbols


def _split_role(role: str) -> str:
    return {"feature": "split-feature", "token": "split-token"}.get(role, role)


def _product(pieces: list[Size]) -> Size:
    out = Size.const(1)
    for p in pieces:
        out = out * p
    return out


def _substitute(size: Size, symbol: str, expr: Size) -> Size:
    out = Size()
    for mono, coeff in size.terms:
        term = Size.const(coeff)
        for s in mono:
            term = term * (expr if s == symbol else Size.of(s))
        out = out + term
    return out


def _relations(term: Term, roles: Mapping[str, str], written: set[str]):
    """``(kind, total, [(part, role)…])`` for every split, merge and concat, in post-order (as keys)."""
    def k(name: str, size: Size) -> Key:
        return key(size.constant, name in written)

    for node in postorder(term):
        if isinstance(node, Split):
            parts = [(k(a.name, a.size), roles.get(a.name, "other")) for a in node.into]
            yield "prod", k(node.axis, node.x.env[node.axis]), parts
        elif isinstance(node, Merge):
            parts = [(k(a, node.x.env[a]), roles.get(a, "other")) for a in node.merged]
            yield "prod", k(node.out, node.env[node.out]), parts
        elif isinstance(node, Concat):
            parts = [(k(node.axis, p.env[node.axis]) if node.axis in p.axes else (1, False),
                      roles.get(node.axis, "other")) for p in node.parts]
            yield "sum", k(node.out, node.env[node.out]), parts


class _Rebuild:
    """The term again, with integer sizes replaced and scale constants read as sizes."""

    def __init__(self, sizes: Mapping[Key, Size], written: set[str], varying: set[int], scales: bool) -> None:
        self.sizes, self.written, self.varying, self.scales = sizes, written, varying, scales
        self.values: dict[int, Size] = {}  # each value's symbolic Size, for reading constants
        for (v, _), size in sorted(sizes.items()):
            if size.constant is None:
                self.values.setdefault(v, size)
        self.memo: dict[Term, Term] = {}

    def size(self, s: Size, name: str | None = None) -> Size:
        c = s.constant
        return self.sizes.get(key(c, name in self.written), s) if c is not None else s

    def axis(self, a: Axis) -> Axis:
        return Axis(a.name, self.size(a.size, a.name))

    def __call__(self, term: Term) -> Term:
        for node in postorder(term):
            if node not in self.memo:
                self.memo[node] = self._node(node)
        return self.memo[term]

    def _node(self, node: Term) -> Term:
        if isinstance(node, (Input, Param, State)):
            return type(node)(node.name, tuple(self.axis(a) for a in node.shape))
        if isinstance(node, Index):
            return Index(self.axis(node.axis))
        if isinstance(node, Dim):
            size = self.size(node.size)
            return Const(float(size.constant)) if size.constant is not None else Dim(size)
        kids = tuple(self.memo[c] for c in node.children)
        if isinstance(node, Split):
            return Split(kids[0], node.axis, tuple(self.axis(a) for a in node.into))
        if self.scales and isinstance(node, Binary) and node.op in (BinaryOp.MUL, BinaryOp.DIV):
            scaled = self._scale(node.op, kids)
            if scaled is not None:
                return scaled
        if self.scales and isinstance(node, Binary) and node.op in (BinaryOp.ADD, BinaryOp.SUB):
            shifted = self._log(node.op, kids)
            if shifted is not None:
                return shifted
        return node.with_children(kids) if kids != node.children else node

    def _log(self, op: BinaryOp, kids: tuple[Term, Term]) -> Term | None:
        """``x - c`` with ``c = log(v)`` of a size that varies, as ``x - log(n)``."""
        a, b = kids
        if not isinstance(b, Const) or isinstance(a, Const):
            return None
        for v in sorted(self.varying):
            size = self.values.get(v)
            if size is not None and size.constant is None and v > 2 and math.isclose(abs(b.value), math.log(v),
                                                                                     rel_tol=1e-12):
                flip = (b.value < 0) != (op is BinaryOp.SUB)
                return Binary(BinaryOp.SUB if flip else BinaryOp.ADD, a, Unary(UnaryOp.LOG, Dim(size)))
        return None

    def _scale(self, op: BinaryOp, kids: tuple[Term, Term]) -> Term | None:
        """``x * c`` or ``x / c`` with ``c`` a function of a size, as ``x / sqrt(dk)`` and alike."""
        a, b = kids
        if isinstance(a, Const) and op is BinaryOp.MUL:
            a, b = b, a
        if not isinstance(b, Const) or isinstance(a, Const):
            return None
        c = b.value if op is BinaryOp.MUL else (1.0 / b.value if b.value else 0.0)
        for v, size in sorted(self.values.items()):
            if size.constant is not None or v < 2:
                continue
            dim = Dim(size)
            if math.isclose(c, 1.0 / math.sqrt(v), rel_tol=1e-9):
                return Binary(BinaryOp.DIV, a, Unary(UnaryOp.SQRT, dim))
            if math.isclose(c, math.sqrt(v), rel_tol=1e-9):
                return Binary(BinaryOp.MUL, a, Unary(UnaryOp.SQRT, dim))
            if v in self.varying and v > 2 and math.isclose(c, 1.0 / v, rel_tol=1e-12):
                return Binary(BinaryOp.DIV, a, dim)
            if v in self.varying and v > 2 and math.isclose(c, float(v), rel_tol=1e-12):
                return Binary(BinaryOp.MUL, a, dim)
        return None
