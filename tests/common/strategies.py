"""Hypothesis strategies for random well-typed terms, sizes and seeds.

:func:`terms` draws terms built only through the constructors of :mod:`anatomy.ir.term`,
covering every node kind (Scan with one or two states and nested scans, Split/Merge,
Concat with parts that lack the axis, Where over comparisons, Softmax, Normalize,
simultaneous Rename, shared sub-terms). Axes come from a small pool with symbolic sizes;
fresh axes made by Concat, Merge, Split and Rename join the pool with their sizes, so every
axis name has one size. ``exp``, ``log``, ``sqrt`` and division are applied in domain-safe
forms (``exp(tanh x)``, ``log(softplus x + 1)``, ``sqrt|x|``, ``a / (1 + b*b)``), so values
stay finite except where a mask writes ``-inf`` on purpose.

Strategies: :func:`terms`, :func:`sizes_for`, :func:`cases`.

Example:
    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate], max_examples=2000)
    >>> t = find(terms(), lambda t: t.kind == "scan", settings=quick)
    >>> t.kind
    'scan'
"""

from __future__ import annotations

import dataclasses
import math

from hypothesis import strategies as st

from anatomy.ir.ops import BinaryOp, Dtype, UnaryOp
from anatomy.ir.size import Size
from anatomy.ir.term import (Axis, Binary, Concat, Const, Dim, Index, Input, Merge, Normalize, Param,
                             Reduce, ReduceOp, Rename, Scan, Softmax, Split, State, Term, Unary, Where)
from anatomy.runtime import size_symbols

#: Axis name -> size symbol; i and k share a size so that they can be renamed into each other.
POOL = {"d": "dk", "e": "dk", "g": "g", "h": "h", "i": "n", "j": "m", "k": "n", "u": "g*h"}
SCAN_AXES = ("i", "j", "k", "d")
CONSTANTS = (0.0, 1.0, -1.5, 0.5, 2.0)
PLAIN_UNARY = tuple(op for op in UnaryOp if op not in (UnaryOp.EXP, UnaryOp.LOG, UnaryOp.SQRT, UnaryOp.NOT))
COMPARISONS = (BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE, BinaryOp.EQ, BinaryOp.NE)
#: Node kinds to draw; the branching ones are listed more than once so that terms are bushy.
KINDS = ("unary", "binary", "binary", "binary", "where", "where", "reduce", "rename", "concat", "split",
         "merge", "scan", "scan", "softmax", "normalize", "reuse")


@dataclasses.dataclass(frozen=True)
class Scope:
    """Where a sub-term is built: the axes its result may keep, the scan axes it must not
    bind (those of the enclosing steps) and the scan states it may read."""

    allowed: frozenset[str] | None
    frozen: frozenset[str] = frozenset()
    states: tuple[State, ...] = ()


class _Gen:
    def __init__(self, draw, max_depth: int) -> None:
        self.draw = draw
        self.max_depth = max_depth
        self.pool = {name: Size.parse(size) for name, size in POOL.items()}
        self.fresh = 0
        self.made: list[Term] = []

    # -- naming ------------------------------------------------------------------------
    def new_name(self, prefix: str) -> str:
        self.fresh += 1
        return f"{prefix}{self.fresh}"

    def new_axis(self, prefix: str, size: Size) -> Axis:
        name = self.new_name(prefix)
        self.pool[name] = size
        return Axis(name, size)

    def scope(self, allowed: frozenset[str], frozen: frozenset[str], states: tuple[State, ...]) -> Scope:
        """A scope that sees only the states whose axes its leaves may carry."""
        usable = set(self.usable(Scope(allowed, frozen)))
        return Scope(allowed, frozen, tuple(s for s in states if {a.name for a in s.shape} <= usable))

    def usable(self, scope: Scope) -> list[str]:
        """Axis names a leaf may carry: never a frozen axis that the scope may not keep."""
        return sorted(a for a in self.pool if a not in scope.frozen
                      or (scope.allowed is not None and a in scope.allowed))

    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))

    def chance(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) < p * 100

    def axes_subset(self, names: list[str], most: int) -> tuple[Axis, ...]:
        chosen = self.draw(st.lists(st.sampled_from(names), max_size=most, unique=True)) if names else []
        return tuple(Axis(a, self.pool[a]) for a in chosen)

    # -- real terms --------------------------------------------------------------------
    def real(self, depth: int, scope: Scope) -> Term:
        if depth <= 0 or self.chance(0.05):
            return self.keep(self.leaf(scope))
        kind = self.pick(KINDS)
        out = getattr(self, f"_{kind}")(depth - 1, scope)
        return self.keep(out)

    def keep(self, term: Term) -> Term:
        self.made.append(term)
        return term

    def leaf(self, scope: Scope) -> Term:
        usable = self.usable(scope)
        options = ["input", "param", "const", "dim", "index"] + ["state"] * 3 * bool(scope.states)
        kind = self.pick(options)
        if kind == "state":
            return self.pick(scope.states)
        if kind == "const":
            return Const(self.pick(CONSTANTS))
        if kind == "dim":
            sizes = {str(self.pool[a]): self.pool[a] for a in usable} | {"dk": Size.of("dk"), "q": Size.of("q")}
            return Dim(sizes[self.pick(sorted(sizes))])
        if kind == "index":
            return Index(Axis(a := self.pick(usable), self.pool[a]))
        shape = self.axes_subset(usable, 3)
        cls = Input if kind == "input" else Param
        return cls(self.new_name("x" if kind == "input" else "w"), shape)

    def fit(self, term: Term, allowed: frozenset[str] | None, scope: Scope) -> Term:
        """Reduce away the free axes that ``allowed`` lacks (never a frozen one)."""
        for a in [a for a in term.axes if allowed is not None and a not in allowed]:
            assert a not in scope.frozen, (a, scope)
            term = Reduce(self.pick(list(ReduceOp)), term, a)
        return term

    def free(self, term: Term, scope: Scope) -> list[str]:
        """Free axes of ``term`` that may be bound here."""
        return [a for a in term.axes if a not in scope.frozen]

    def _unary(self, depth: int, scope: Scope) -> Term:
        x = self.real(depth, scope)
        op = self.pick(list(UnaryOp)[:-1])
        if op is UnaryOp.EXP:
            return Unary(op, Unary(UnaryOp.TANH, x))
        if op is UnaryOp.LOG:
            return Unary(op, Binary(BinaryOp.ADD, Unary(UnaryOp.SOFTPLUS, x), Const(1.0)))
        if op is UnaryOp.SQRT:
            return Unary(op, Unary(UnaryOp.ABS, x))
        return Unary(op, x)

    def _binary(self, depth: int, scope: Scope) -> Term:
        a, b = self.real(depth, scope), self.real(depth, scope)
        op = self.pick([BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAX, BinaryOp.MIN])
        if op is BinaryOp.DIV:
            b = Binary(BinaryOp.ADD, Const(1.0), Binary(BinaryOp.MUL, b, b))
        if op is BinaryOp.MUL and depth >= 2:
            b = Unary(UnaryOp.TANH, b)  # keeps deep products bounded
        return Binary(op, a, b)

    def _where(self, depth: int, scope: Scope) -> Term:
        cond = self.boolean(depth, scope)
        a = self.real(depth, scope)
        b = Const(-math.inf) if self.chance(0.3) else self.real(depth, scope)
        return Where(cond, a, b)

    def _along(self, depth: int, scope: Scope, build) -> Term:
        x = self.real(depth, scope)
        axes = self.free(x, scope)
        return build(x, self.pick(axes)) if axes else x

    def _reduce(self, depth: int, scope: Scope) -> Term:
        return self._along(depth, scope, lambda x, a: Reduce(self.pick(list(ReduceOp)), x, a))

    def _softmax(self, depth: int, scope: Scope) -> Term:
        return self._along(depth, scope, Softmax)

    def _normalize(self, depth: int, scope: Scope) -> Term:
        return self._along(depth, scope, Normalize)

    def _rename(self, depth: int, scope: Scope) -> Term:
        x = self.real(depth, scope)
        free = self.free(x, scope)
        swaps = [(a, b) for a in free for b in free if a < b and self.pool[a] == self.pool[b]]
        if swaps and self.chance(0.4):
            a, b = self.pick(swaps)
            return Rename(x, ((a, b), (b, a)))
        if not free:
            return x
        old = self.pick(free)
        targets = [a for a in self.usable(scope) if self.pool[a] == self.pool[old] and a not in x.axes]
        new = self.pick(targets) if targets and self.chance(0.6) else self.new_axis("r", self.pool[old]).name
        return Rename(x, ((old, new),))

    def _concat(self, depth: int, scope: Scope) -> Term:
        axis = self.pick([a for a in self.usable(scope) if a not in scope.frozen])
        parts = [self.real(depth, scope) for _ in range(self.draw(st.integers(2, 3)))]
        # Only parts whose other axes are not frozen-and-absent can be broadcast; all are fine here.
        out = self.new_name("c")
        term = Concat(tuple(parts), axis, out)
        self.pool[out] = term.type.sizes[out]
        return term

    def _split(self, depth: int, scope: Scope) -> Term:
        x = self.real(depth, scope)
        for a in self.free(x, scope):
            if len(self.pool[a].terms) != 1:
                continue
            ((mono, coeff),) = self.pool[a].terms
            factors = ([Size.const(coeff)] if coeff > 1 else []) + [Size.of(s) for s in mono]
            if len(factors) >= 2:
                if self.chance(0.5):
                    factors.reverse()
                return Split(x, a, tuple(self.new_axis("p", f) for f in factors))
        merged = self._merge_term(x, scope)
        if not isinstance(merged, Merge):
            return merged
        # A round trip: split the merged axis back into fresh axes of the merged sizes.
        into = tuple(self.new_axis("p", self.pool[a]) for a in merged.merged)
        return Split(merged, merged.out, into)

    def _merge(self, depth: int, scope: Scope) -> Term:
        return self._merge_term(self.real(depth, scope), scope)

    def _merge_term(self, x: Term, scope: Scope) -> Term:
        free = self.free(x, scope)
        if len(free) < 2:
            return x
        merged = tuple(self.draw(st.permutations(free))[: self.draw(st.integers(2, min(3, len(free))))])
        out = self.new_name("m")
        term = Merge(x, merged, out)
        self.pool[out] = term.type.sizes[out]
        return term

    def _reuse(self, depth: int, scope: Scope) -> Term:
        usable = set(self.usable(scope))
        fits = [t for t in self.made if t.type.dtype is Dtype.REAL and set(t.axes) <= usable
                and all(s in scope.states for s in t.free_states.values())
                and not t.bound & scope.frozen]
        return self.pick(fits) if fits else self.real(depth, scope)

    def _scan(self, depth: int, scope: Scope) -> Term:
        choices = [a for a in SCAN_AXES if a not in scope.frozen]
        if not choices:  # every scan axis is taken by an enclosing step
            return self.real(depth, scope)
        t = self.pick(choices)
        n = self.draw(st.integers(1, 2))
        shape_names = [a for a in self.usable(scope) if a != t]
        states = tuple(State(self.new_name("s"), self.axes_subset(shape_names, 2)) for _ in range(n))
        inits = []
        for s in states:
            allowed = frozenset(a.name for a in s.shape)
            outer = self.scope(allowed, scope.frozen, scope.states)
            inits.append(self.fit(self.real(depth - 1, outer), allowed, outer))
        steps = []
        for s in states:
            allowed = frozenset(a.name for a in s.shape) | {t}
            inner = self.scope(allowed, scope.frozen | {t}, scope.states + states)
            steps.append(self.fit(self.real(depth, inner), allowed, inner))
        if not any(t in step.axes for step in steps):
            steps[0] = Binary(BinaryOp.ADD, steps[0], Binary(BinaryOp.MUL, Index(Axis(t, self.pool[t])), Const(0.25)))
        return Scan(t, states, tuple(inits), tuple(steps), self.draw(st.integers(0, n - 1)))

    # -- boolean terms -------------------------------------------------------------------
    def boolean(self, depth: int, scope: Scope) -> Term:
        kind = self.pick(["compare", "compare", "index", "not", "and", "or"] if depth > 0 else ["compare", "index"])
        if kind == "index":
            usable = self.usable(scope)
            a, b = self.pick(usable), self.pick(usable)
            left, right = Index(Axis(a, self.pool[a])), Index(Axis(b, self.pool[b]))
            return Binary(self.pick(COMPARISONS), left, right)
        if kind == "compare":
            # Shallow operands only: a comparison of deep terms can flip on a rounding tie.
            a = self.leaf(scope)
            b = self.leaf(scope) if self.chance(0.5) else Const(0.0)
            return Binary(self.pick(COMPARISONS), a, b)
        if kind == "not":
            return Unary(UnaryOp.NOT, self.boolean(depth - 1, scope))
        op = BinaryOp.AND if kind == "and" else BinaryOp.OR
        return Binary(op, self.boolean(depth - 1, scope), self.boolean(depth - 1, scope))


@st.composite
def terms(draw, *, max_depth: int = 5, max_axes: int = 3) -> Term:
    """A random closed real term of depth at most about ``max_depth`` + 1, whose result keeps
    at most ``max_axes`` free axes."""
    gen = _Gen(draw, max_depth)
    depth = draw(st.integers(2, max_depth))
    term = gen.real(depth, Scope(None))
    keep = frozenset(draw(st.lists(st.sampled_from(sorted(term.axes)), max_size=max_axes, unique=True))
                     if term.axes else [])
    return gen.fit(term, keep, Scope(None))


@st.composite
def sizes_for(draw, term: Term, *, high: int = 3) -> dict[str, int]:
    """Values in 1..``high`` for every size symbol of ``term``."""
    return {s: draw(st.integers(1, high)) for s in size_symbols(term)}


@st.composite
def cases(draw, *, max_depth: int = 5) -> tuple[Term, dict[str, int], int]:
    """(term, sizes, seed) for randomized evaluation."""
    term = draw(terms(max_depth=max_depth))
    return term, draw(sizes_for(term)), draw(st.integers(0, 2**32 - 1))
