"""Signature unification: which inputs and sizes of two variants stand for each other.

Two variants written apart — one in the text syntax, one traced from PyTorch, or two
papers' notations — rarely share every name: the queries are ``Q`` in one and ``q`` in the
other, the number of keys ``m`` in one and ``n`` in the other, and a blockwise kernel's
trace knows the keys only as ``2*K`` (two blocks of ``K``). :func:`unify` pairs the inputs
(by name, then by name up to case, then by position among the rest) and solves the size
equations that the paired inputs' axes and the outputs' axes give, position by position,
by first-order unification over size symbols. The result, an :class:`Alignment`, renames
the right variant's inputs and substitutes sizes in both; a substitution that narrows a
variant's domain (``n = 2*K``: only an even number of keys) is a *condition* of any claim
made about the aligned pair, and is reported with it.

Main class: :class:`Alignment`; function: :func:`unify`.

Example:
    >>> from anatomy.ir.term import Axis, Input
    >>> q = Input("q", (Axis("i", "n"), Axis("d", "dk")))
    >>> Q = Input("Q", (Axis("t", "2*K"), Axis("c", "dk")))
    >>> al = unify(Variant.from_term("a", q.sum("d")), Variant.from_term("b", Q.sum("c")))
    >>> al.inputs, [f"{s} = {v}" for s, v in al.sizes], al.conditions
    ((('Q', 'q'),), ['n = 2*K'], ('n = 2*K',))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from .size import Size
from .term import Input, Term
from .traverse import rewrite_bottom_up, substitute_sizes
from .variant import Variant


@dataclasses.dataclass(frozen=True)
class Alignment:
    """How the right variant's names meet the left's.

    Parameters:
        inputs: ``(right name, left name)`` for each right input that is renamed.
        sizes: ``(symbol, size)`` substituted in both terms, by symbol.
        conditions: the substitutions that narrow a domain, as ``symbol = size`` (empty
            when the alignment only renames).

    Example:
        >>> Alignment((), ()).trivial
        True
    """

    inputs: tuple[tuple[str, str], ...]
    sizes: tuple[tuple[str, Size], ...]
    conditions: tuple[str, ...] = ()

    @property
    def trivial(self) -> bool:
        return not self.inputs and not self.sizes

    def left(self, term: Term) -> Term:
        """The left term at the unified sizes."""
        return substitute_sizes(term, dict(self.sizes))

    def right(self, term: Term) -> Term:
        """The right term with its inputs renamed, at the unified sizes."""
        names = dict(self.inputs)
        out = substitute_sizes(term, dict(self.sizes))
        if not names:
            return out
        return rewrite_bottom_up(out, lambda n: Input(names[n.name], n.shape)
                                 if isinstance(n, Input) and n.name in names else n)

    def to_json(self) -> dict:
        return {"inputs": dict(self.inputs), "sizes": {s: str(v) for s, v in self.sizes},
                "conditions": list(self.conditions)}


def pair_inputs(left: Sequence[Input], right: Sequence[Input]) -> list[tuple[Input, Input]]:
    """Pairs (left, right) of inputs of the same rank: equal names first, then names equal up
    to case, then the remaining inputs by position when as many remain on each side."""
    pairs: list[tuple[Input, Input]] = []
    rest_l, rest_r = list(left), list(right)
    for key in (lambda x: x.name, lambda x: x.name.lower()):
        for x in list(rest_l):
            match = [y for y in rest_r if key(y) == key(x)]
            if len(match) == 1 and len(match[0].shape) == len(x.shape):
                pairs.append((x, match[0]))
                rest_l.remove(x)
                rest_r.remove(match[0])
    if len(rest_l) == len(rest_r) and all(len(x.shape) == len(y.shape) for x, y in zip(rest_l, rest_r)):
        pairs += list(zip(rest_l, rest_r))
    return pairs


def unify(a: Variant, b: Variant) -> Alignment | None:
    """The alignment of two variants' signatures (inputs in declaration order, output axes in
    layout order), or None when their sizes cannot be made equal."""
    return unify_signatures(a.inputs, b.inputs, a.out_axes, b.out_axes, a.term.type.sizes, b.term.type.sizes,
                            taken={p.name for p in a.params + b.params})


def unify_signatures(left: Sequence[Input], right: Sequence[Input], left_out: Sequence[str],
                     right_out: Sequence[str], left_sizes: Mapping[str, Size],
                     right_sizes: Mapping[str, Size], taken: set[str] = frozenset()) -> Alignment | None:
    """:func:`unify` on signatures given piece by piece; an input is not renamed to a name in
    ``taken`` (the parameters' names)."""
    pairs = [(a, b) for a, b in pair_inputs(left, right) if a.name == b.name or a.name not in taken]
    if len(pairs) < min(len(left), len(right)):  # neither reads a subset of the other's inputs
        return None
    equations = [(x.size, y.size) for a, b in pairs for x, y in zip(a.shape, b.shape)]
    if len(left_out) != len(right_out):
        return None
    equations += [(left_sizes[x], right_sizes[y]) for x, y in zip(left_out, right_out)]
    left_symbols = {s for a in left for x in a.shape for s in x.size.symbols} | \
        {s for x in left_out for s in left_sizes[x].symbols}
    solution = _solve(equations, left_symbols)
    if solution is None:
        return None
    renamed = tuple(sorted((b.name, a.name) for a, b in pairs if a.name != b.name))
    right_symbols = {s for a in right for x in a.shape for s in x.size.symbols} | \
        {s for x in right_out for s in right_sizes[x].symbols}
    narrowing = tuple(f"{s} = {v}" for s, v in solution
                      if not _renames(s, v, left_symbols, right_symbols))
    return Alignment(renamed, solution, narrowing)


def _renames(symbol: str, size: Size, left: set[str], right: set[str]) -> bool:
    """Whether ``symbol := size`` only renames: a symbol of one side only, set to a symbol
    that side does not have."""
    if not size.is_symbol:
        return False
    (target,) = size.symbols
    return (symbol in right) != (symbol in left) and target not in (right if symbol in right else left)


def _solve(equations: list[tuple[Size, Size]], left_symbols: set[str]) -> tuple[tuple[str, Size], ...] | None:
    """A most general substitution making each pair of sizes equal (symbol := size, no
    symbol in its own value), or None if there is none this solver can find."""
    subst: dict[str, Size] = {}
    for lhs, rhs in equations:
        while (x := lhs.substitute(subst)) != (y := rhs.substitute(subst)):  # a product binds a factor at a time
            bind = _binding(*_cancel(x, y), left_symbols)
            if bind is None:
                return None
            symbol, value = bind
            subst = {s: v.substitute({symbol: value}) for s, v in subst.items()}
            subst[symbol] = value
    return tuple(sorted(subst.items()))


def _cancel(x: Size, y: Size) -> tuple[Size, Size]:
    """Two products with the same coefficient, their common factors cancelled: ``H*dh = G*R*dh``
    gives ``H = G*R``; ``B*C = U*W`` gives its first factors ``B = U`` (then the rest)."""
    if not (len(x.terms) == len(y.terms) == 1 and x.terms[0][1] == y.terms[0][1]):
        return x, y
    mx, my = list(x.terms[0][0]), list(y.terms[0][0])
    for s in list(mx):
        if s in my:
            mx.remove(s)
            my.remove(s)
    if not mx or not my:
        return x, y
    if len(mx) > 1 and len(my) > 1:
        mx, my = mx[:1], my[:1]
    return Size(((tuple(mx), 1),)), Size(((tuple(my), 1),))


def _binding(x: Size, y: Size, left_symbols: set[str]) -> tuple[str, Size] | None:
    """``symbol := value`` solving ``x = y`` (left size, right size): a bare symbol not in the
    other side; a symbol the left does not have is bound first (a pure renaming of the right),
    then the right's."""
    found = [(v.symbols[0], w) for v, w in ((y, x), (x, y)) if v.is_symbol and v.symbols[0] not in w.symbols]
    found.sort(key=lambda b: b[0] in left_symbols)
    return found[0] if found else None
