"""The finite-field identity test: do two terms agree as exact functions, after Mirage §5?

Both terms (sugar lowered to the core: ``softmax_j(x) = exp(x) / sum_j(exp(x))``) are
evaluated by the runtime's own evaluator over :class:`FieldValue` scalars, on the same
random inputs, at a few size assignments, and every output entry is compared in Z_p. A
scalar carries its residue mod :data:`P` (the polynomial and rational channel), its residue
mod :data:`Q` (the exponent channel, ``None`` once it has passed through an exp) and, for
constants, sizes, positions and anything computed only from them, its exact value, so that
masks such as ``j <= i`` and ``h == 0`` and ``-inf`` are evaluated exactly. ``exp(x)`` is
ω^(x mod Q) mod P with ω of order Q: a homomorphism from (Z_Q, +) to (Z_P^*, ×).

The fragment is Mirage's Lax programs (Wu et al., OSDI 2025, §5): sums, products,
division, at most one exp on every input-to-output path, and exact comparisons, ``where``,
max/min, abs and sqrt of values that are known exactly. Anything else (tanh, log, max of
random values, a second exp, sqrt of a value that is not an exact square) gives the verdict
``not-applicable`` with the op and where it is.

What the bound bounds. Suppose that at one of the size assignments tried the two terms
are different functions (``a - b`` is not identically zero as an exp-polynomial over the
rationals). ``false_pass_bound`` bounds the probability, over this test's random draws,
that all ``repetitions`` draws at that assignment still agree in every entry. Per draw it
is ``degree / P`` when no exp reaches the output (Schwartz–Zippel, ``terms == 0``) and
``8·degree·terms⁴/Q + Q^(-1/terms²)`` otherwise (Mirage Theorem 2), where ``degree`` bounds
the degree of every polynomial f, g, h and ``terms`` the number k of terms f·exp(g/h) in
the numerator of ``a - b`` (bookkeeping carried along the evaluation, maximised over the
entries and size assignments); over R independent draws it is that to the power R. The
theorems assume integer coefficients (after clearing denominators) below Q/2 in absolute
value, which holds for the small constants and sizes used here but is not checked, and
the bound ignores the conditioning on redrawing a draw that divided by zero (whose
probability is about degree/P). ``differ`` has no error probability: a real identity of
Lax terms is a formal one, which reduction mod P and Q preserves.

Main names: :func:`field_test`, :class:`FieldVerdict`, :class:`FieldCounterexample`,
:class:`FieldValue`, :data:`P`, :data:`Q`.

Example:
    >>> from anatomy.ir.term import Axis, Input, Unary
    >>> from anatomy.ir.ops import UnaryOp
    >>> i = Axis("i", "n")
    >>> a, b = Input("a", (i,)), Input("b", (i,))
    >>> exp = lambda t: Unary(UnaryOp.EXP, t)
    >>> field_test(exp(a + b), exp(a) * exp(b)).verdict
    'agree'
    >>> field_test(exp(a * b), exp(a) * exp(b)).verdict
    'differ'
    >>> field_test(Unary(UnaryOp.TANH, a), a).reason
    'tanh is outside the fragment (tanh of a random value has no exact field value), at `tanh(a[i])` in the left term'
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import random
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import UsageError
from ..ir.lower import lower
from ..ir.ops import BinaryOp, UnaryOp
from ..ir.term import Axis, Binary, Dim, Input, Param, Reduce, ReduceOp, State, Term, Unary, Where
from ..ir.traverse import inputs, params, postorder, size_symbols
from ..messages import expected
from ..runtime._check import check_bindings, check_sizes, check_term
from ._objects import Scalars, Unsupported, evaluate_exact
from .numeric import signature_mismatch

Q = 2 ** 61 - 1
"""The exponent channel's prime (the Mersenne prime M61)."""

P = 52 * Q + 1
"""The value channel's prime, ``52·Q + 1`` (67 bits), so that Q divides P − 1."""

SIZE_BASES = (1, 2, 3)
"""Size assignments: all ones, then distinct values from each base upwards (squares under sqrt)."""

MAX_DRAWS = 4
"""Draws tried per repetition before a divisor that is always zero makes the test not applicable."""


class _ZeroDivisor(Exception):
    """A divisor drew zero mod P (or mod Q in the exponent channel): redraw."""


# -- scalars ------------------------------------------------------------------------

def _residue(x: Fraction, m: int) -> int:
    if x.denominator % m == 0:
        raise Unsupported(None, f"the constant {x} has no residue mod {m}")
    return x.numerator * pow(x.denominator, -1, m) % m


def _join(x: tuple | None, y: tuple | None) -> tuple | None:
    """Degree bound of g/h for a product of exp-terms: g1/h1 + g2/h2 = (g1·h2 + g2·h1) / (h1·h2)."""
    if x is None or y is None:
        return x if y is None else y
    return max(x[0] + y[1], y[0] + x[1]), x[1] + y[1]


def _union(x: tuple | None, y: tuple | None) -> tuple | None:
    if x is None or y is None:
        return x if y is None else y
    return max(x[0], y[0]), max(x[1], y[1])


def _times(x: Any, y: Any) -> Any:
    return x if y is None else y if x is None else ("*", x, y)


class FieldValue:
    """One scalar of the test: ``N / D`` with N and D sums of terms f·exp(g/h).

    Parameters:
        p: the residue mod P (``None`` for an exact ±inf or nan).
        q: the residue mod Q, or ``None`` once the value has passed through an exp.
        exact: the exact value (Fraction, bool, or a float ±inf / nan) when it is known.
        dn, dd: degree bounds of the polynomials f in N and in D.
        kn, kd: bounds on the number of terms of N and of D (1 while exps is None).
        exps: ``(deg g, deg h)`` bounds over the exponents of all terms, or None without exp.
        den: identifies D (None: a constant); equal keys are the same formal denominator, so
            sums over a shared denominator (softmax) keep N/D instead of multiplying out.

    Example:
        >>> x = FieldValue.of(Fraction(1, 2))
        >>> x.exact, x.p * 2 % P
        (Fraction(1, 2), 1)
    """

    __slots__ = ("p", "q", "exact", "dn", "dd", "kn", "kd", "exps", "den")

    def __init__(self, p: int | None, q: int | None, exact: Any = None, dn: int = 0, dd: int = 0,
                 kn: int = 1, kd: int = 1, exps: tuple | None = None, den: Any = None) -> None:
        self.p, self.q, self.exact = p, q, exact
        self.dn, self.dd, self.kn, self.kd, self.exps, self.den = dn, dd, kn, kd, exps, den

    @classmethod
    def of(cls, x: Any) -> "FieldValue":
        """An exact value: a bool, a Fraction or a float (finite ones become Fractions)."""
        if isinstance(x, bool):
            return cls(int(x), int(x), x)
        if isinstance(x, float):
            if not math.isfinite(x):
                return cls(None, None, x)
            x = Fraction(x)
        return cls(_residue(x, P), _residue(x, Q), x)

    @property
    def special(self) -> bool:
        """An exact ±inf or nan."""
        return isinstance(self.exact, float)

    def __repr__(self) -> str:
        return f"FieldValue(exact={self.exact!r})" if self.exact is not None else f"FieldValue(p={self.p}, q={self.q})"


_ZERO, _ONE = FieldValue.of(Fraction(0)), FieldValue.of(Fraction(1))


def _is(x: FieldValue, value: int) -> bool:
    return isinstance(x.exact, Fraction) and x.exact == value


def _nan(x: FieldValue) -> bool:
    return x.special and x.exact != x.exact


def _ieee(op: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
    """``op`` on exact values, with the float rules for infinities and division by zero."""
    try:
        out = op(x, y)
    except ZeroDivisionError:
        out = math.nan if x == 0 or x != x else math.copysign(math.inf, x)
    return Fraction(out) if isinstance(out, float) and math.isfinite(out) else out


def _sum_shape(a: FieldValue, b: FieldValue) -> tuple:
    if a.den == b.den:  # N1/D + N2/D = (N1 + N2)/D
        exps = _union(a.exps, b.exps)
        kn, kd = (a.kn + b.kn, max(a.kd, b.kd)) if exps else (1, 1)
        return max(a.dn, b.dn), max(a.dd, b.dd), kn, kd, exps, a.den
    exps = _join(a.exps, b.exps)
    kn, kd = (a.kn * b.kd + b.kn * a.kd, a.kd * b.kd) if exps else (1, 1)
    return max(a.dn + b.dd, b.dn + a.dd), a.dd + b.dd, kn, kd, exps, _times(a.den, b.den)


def _prod_shape(a: FieldValue, b: FieldValue) -> tuple:
    exps = _join(a.exps, b.exps)
    kn, kd = (a.kn * b.kn, a.kd * b.kd) if exps else (1, 1)
    return a.dn + b.dn, a.dd + b.dd, kn, kd, exps, _times(a.den, b.den)


def _quot_shape(a: FieldValue, b: FieldValue) -> tuple:
    exps = _join(a.exps, b.exps)
    kn, kd = (a.kn * b.kd, a.kd * b.kn) if exps else (1, 1)
    return a.dn + b.dd, a.dd + b.dn, kn, kd, exps, _times(a.den, ("num", b))


def _add(a: FieldValue, b: FieldValue) -> FieldValue:
    if a.exact is not None and b.exact is not None:
        return FieldValue.of(_ieee(lambda x, y: x + y, a.exact, b.exact))
    if _is(a, 0) or b.special:
        return b
    if _is(b, 0) or a.special:
        return a  # ±inf or nan plus a finite value
    q = None if a.q is None or b.q is None else (a.q + b.q) % Q
    return FieldValue((a.p + b.p) % P, q, None, *_sum_shape(a, b))


def _neg(a: FieldValue) -> FieldValue:
    if a.exact is not None:
        return FieldValue.of(-a.exact)
    q = None if a.q is None else -a.q % Q
    return FieldValue(-a.p % P, q, None, a.dn, a.dd, a.kn, a.kd, a.exps, a.den)


def _mul(a: FieldValue, b: FieldValue) -> FieldValue:
    if a.exact is not None and b.exact is not None:
        return FieldValue.of(_ieee(lambda x, y: x * y, a.exact, b.exact))
    if _is(a, 1) or _is(b, 0):
        return b
    if _is(b, 1) or _is(a, 0):
        return a  # an exact zero times a finite value is an exact zero
    if _nan(a) or _nan(b):
        return a if _nan(a) else b
    if a.special or b.special:
        raise Unsupported(BinaryOp.MUL, "an infinity times a random value has no known sign")
    q = None if a.q is None or b.q is None else a.q * b.q % Q
    return FieldValue(a.p * b.p % P, q, None, *_prod_shape(a, b))


def _div(a: FieldValue, b: FieldValue) -> FieldValue:
    if a.exact is not None and b.exact is not None:
        return FieldValue.of(_ieee(lambda x, y: x / y, a.exact, b.exact))
    if _nan(a) or b.special:
        return a if _nan(a) else b if _nan(b) else _ZERO  # nan propagates; finite / ±inf = 0
    if a.special or _is(b, 0):
        raise Unsupported(BinaryOp.DIV, "an infinity over a random value, or a random value over zero, "
                                        "has no known sign")
    if b.p == 0 or (b.q == 0 and a.q is not None):
        raise _ZeroDivisor()
    if _is(a, 0) or _is(b, 1):
        return a
    q = None if a.q is None or b.q is None else a.q * pow(b.q, -1, Q) % Q
    shape = _quot_shape(a, b) if b.exact is None else (a.dn, a.dd, a.kn, a.kd, a.exps, a.den)
    return FieldValue(a.p * pow(b.p, -1, P) % P, q, None, *shape)


def _compare(op: BinaryOp, fn: Callable[[Any, Any], bool]) -> Callable[[FieldValue, FieldValue], FieldValue]:
    def apply(a: FieldValue, b: FieldValue) -> FieldValue:
        if a.exact is not None and b.exact is not None:
            return FieldValue.of(bool(fn(a.exact, b.exact)))
        if a.special or b.special:  # ±inf and nan compare the same way with every finite value
            return FieldValue.of(bool(fn(0 if a.exact is None else a.exact, 0 if b.exact is None else b.exact)))
        raise Unsupported(op, "it compares a random value, and residues keep neither the order nor the equality of reals")
    return apply


def _extremum(op: BinaryOp) -> Callable[[FieldValue, FieldValue], FieldValue]:
    sign = 1 if op is BinaryOp.MAX else -1

    def apply(a: FieldValue, b: FieldValue) -> FieldValue:
        for x, y in ((a, b), (b, a)):
            if _nan(x):
                return x
            if x.special:  # max(-inf, y) = y, max(inf, y) = inf
                return x if x.exact * sign > 0 else y
        if a.exact is not None and b.exact is not None:
            return a if (a.exact - b.exact) * sign >= 0 else b
        raise Unsupported(op, f"the {op.value} of random values has no exact field value")
    return apply


def _exact_only(op: UnaryOp, fn: Callable[[Any], Any]) -> Callable[[FieldValue], FieldValue]:
    def apply(a: FieldValue) -> FieldValue:
        if a.exact is None:
            raise Unsupported(op, f"{op.value} of a random value has no exact field value")
        return FieldValue.of(fn(a.exact))
    return apply


def _sqrt(x: Any) -> Any:
    if isinstance(x, float):
        return x if x > 0 else math.nan
    if x < 0:
        return math.nan
    n, d = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if n * n != x.numerator or d * d != x.denominator:
        raise Unsupported(UnaryOp.SQRT, f"sqrt({x}) is not rational; choose sizes that make it a perfect square")
    return Fraction(n, d)


def _log(x: Any) -> Any:
    if x == 1 or x == 0 or x == math.inf:
        return Fraction(0) if x == 1 else float(x) if x else -math.inf
    raise Unsupported(UnaryOp.LOG, f"log({x}) is not rational")


def _bool(op: Any, fn: Callable[..., bool]) -> Callable[..., FieldValue]:
    def apply(*xs: FieldValue) -> FieldValue:
        if not all(isinstance(x.exact, bool) for x in xs):
            raise Unsupported(op, "its operand is not a truth value known exactly")
        return FieldValue.of(bool(fn(*(x.exact for x in xs))))
    return apply


class FieldScalars(Scalars):
    """The scalar algebra of the test: Z_P × Z_Q with exact values where known.

    Parameters:
        omega: an element of order Q in Z_P^*, the base of ``exp``.
    """

    def __init__(self, omega: int) -> None:
        self.omega = omega
        cmp = {BinaryOp.LT: lambda x, y: x < y, BinaryOp.LE: lambda x, y: x <= y,
               BinaryOp.GT: lambda x, y: x > y, BinaryOp.GE: lambda x, y: x >= y,
               BinaryOp.EQ: lambda x, y: x == y, BinaryOp.NE: lambda x, y: x != y}
        self.binary = {BinaryOp.ADD: _add, BinaryOp.SUB: lambda a, b: _add(a, _neg(b)), BinaryOp.MUL: _mul,
                       BinaryOp.DIV: _div, BinaryOp.MAX: _extremum(BinaryOp.MAX),
                       BinaryOp.MIN: _extremum(BinaryOp.MIN),
                       BinaryOp.AND: _bool(BinaryOp.AND, lambda x, y: x and y),
                       BinaryOp.OR: _bool(BinaryOp.OR, lambda x, y: x or y),
                       **{op: _compare(op, fn) for op, fn in cmp.items()}}
        self.unary = {UnaryOp.NEG: _neg, UnaryOp.EXP: self.exp, UnaryOp.NOT: _bool(UnaryOp.NOT, lambda x: not x),
                      UnaryOp.ABS: _exact_only(UnaryOp.ABS, abs),
                      UnaryOp.RELU: _exact_only(UnaryOp.RELU, lambda x: x if x != x or x > 0 else Fraction(0)),
                      UnaryOp.SQRT: _exact_only(UnaryOp.SQRT, _sqrt), UnaryOp.LOG: _exact_only(UnaryOp.LOG, _log)}
        for op in UnaryOp:
            self.unary.setdefault(op, _exact_only(op, lambda x, op=op: _irrational(op)))

    def const(self, value: float) -> FieldValue:
        return FieldValue.of(float(value))

    def position(self, k: int) -> FieldValue:
        return FieldValue.of(Fraction(k))

    def where(self, cond: FieldValue, a: FieldValue, b: FieldValue) -> FieldValue:
        if not isinstance(cond.exact, bool):
            raise Unsupported("where", "its condition depends on random values")
        return a if cond.exact else b

    def exp(self, a: FieldValue) -> FieldValue:
        """ω^(a mod Q): exact for 0 and ±inf, one exp-term otherwise."""
        x = a.exact
        if isinstance(x, float):
            return FieldValue.of(0.0 if x < 0 else x)
        if x == 0:
            return _ONE
        if a.q is None:
            raise Unsupported(UnaryOp.EXP, "a second exp on one path is outside Mirage's Lax fragment")
        exps = (0, 0) if x is not None else (a.dn, a.dd)
        return FieldValue(pow(self.omega, a.q, P), None, None, 0, 0, 1, 1, exps, None)


def _irrational(op: UnaryOp) -> Any:
    raise Unsupported(op, f"{op.value} has no exact field value")


# -- the test -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FieldCounterexample:
    """An entry where the two terms' residues mod P differ (residues, not floats).

    ``left_exact``/``right_exact`` give the exact value when one is known (a mask, ``nan``);
    replay with ``field_test(a, b, sizes=sizes, seed=seed)``.
    """

    sizes: dict[str, int]
    seed: int
    repetition: int
    entry: dict[str, int]
    left_residue: int | None
    right_residue: int | None
    left_exact: str | None
    right_exact: str | None

    def to_json(self) -> dict:
        return {"sizes": self.sizes, "seed": self.seed, "repetition": self.repetition, "entry": self.entry,
                "modulus": P, "left_residue": self.left_residue, "right_residue": self.right_residue,
                "left_exact": self.left_exact, "right_exact": self.right_exact}


@dataclasses.dataclass(frozen=True)
class FieldVerdict:
    """``agree``, ``differ`` or ``not-applicable``, after ``repetitions`` draws per size assignment.

    ``false_pass_bound`` (agree only) bounds the chance that terms differing at one of
    ``sizes`` pass all draws there; ``degree`` (d) and ``terms`` (k, 0 when no exp reaches
    the output) are its inputs, with :data:`P` and :data:`Q` (see the module docstring).
    """

    verdict: str
    repetitions: int
    sizes: list[dict[str, int]]
    false_pass_bound: float | None
    reason: str | None
    counterexample: FieldCounterexample | None
    degree: int | None
    terms: int | None

    def to_json(self) -> dict:
        method = None if self.terms is None else "schwartz-zippel" if self.terms == 0 else "mirage-theorem-2"
        return {"verdict": self.verdict, "repetitions": self.repetitions, "sizes": self.sizes,
                "false_pass_bound": self.false_pass_bound, "bound_method": method, "degree": self.degree,
                "terms": self.terms, "p": P, "q": Q, "reason": self.reason,
                "counterexample": None if self.counterexample is None else self.counterexample.to_json()}


def draw_bound(degree: int, terms: int) -> float:
    """The chance that one draw passes a nonzero difference: d/P without exp, Theorem 2 with."""
    if terms == 0:
        return degree / P
    return min(1.0, 8 * degree * terms ** 4 / Q + Q ** (-1 / terms ** 2))


def pass_bound(degree: int, terms: int, repetitions: int) -> float:
    """:func:`draw_bound` to the power ``repetitions`` (the smallest positive float if it underflows)."""
    one = draw_bound(degree, terms)
    if one == 0:
        return 0.0
    return max(math.exp(repetitions * math.log(one)), math.ulp(0.0)) if one < 1 else 1.0


def _is_square(n: int) -> bool:
    return math.isqrt(n) ** 2 == n


def _under_sqrt(term: Term) -> set[str]:
    return {s for t in postorder(term) if isinstance(t, Unary) and t.op is UnaryOp.SQRT
            for u in postorder(t.x) if isinstance(u, Dim) for s in u.size.symbols}


def size_cases(a: Term, b: Term, fixed: Mapping[str, int] | None = None) -> list[dict[str, int]]:
    """All ones, then distinct values from 2 and from 3 upwards; a symbol under a sqrt gets a
    perfect square (so ``sqrt(dk)`` stays exact); ``fixed`` wins."""
    symbols = sorted(set(size_symbols(a)) | set(size_symbols(b)))
    squares = _under_sqrt(a) | _under_sqrt(b)
    out: list[dict[str, int]] = []
    for base in SIZE_BASES:
        used: set[int] = set()
        case: dict[str, int] = {}
        for s in symbols:
            v = base
            while base > 1 and (v in used or (s in squares and not _is_square(v))):
                v += 1
            used.add(v)
            case[s] = v
        case.update(fixed or {})
        case = dict(sorted(case.items()))
        if case not in out:
            out.append(case)
    return out


def _omega(rng: random.Random) -> int:
    while True:
        w = pow(rng.randrange(2, P - 1), (P - 1) // Q, P)
        if w != 1:
            return w


def _draw(terms: tuple[Term, Term], case: Mapping[str, int], rng: random.Random) -> list[dict[str, Any]]:
    """Random residues (u mod P, v mod Q) per leaf entry, shared by both terms, in each term's layout."""
    leaves: dict[str, tuple[Axis, ...]] = {}
    for t in terms:
        for leaf in [*inputs(t), *params(t)]:
            leaves.setdefault(leaf.name, tuple(sorted(leaf.shape, key=lambda a: a.name)))
    drawn = {}
    for name, declared in sorted(leaves.items()):
        axes = tuple(a.name for a in declared)
        # from the leaf's own sizes: the two terms may give one axis name two sizes
        shape = tuple(a.size.evaluate(case) for a in declared)
        flat = [FieldValue(rng.randrange(P), rng.randrange(Q), None, 1) for _ in range(math.prod(shape))]
        data = np.empty(len(flat), dtype=object)
        data[:] = flat
        drawn[name] = (axes, data.reshape(shape))
    out = []
    for t in terms:
        values = {}
        for leaf in [*inputs(t), *params(t)]:
            axes, data = drawn[leaf.name]
            values[leaf.name] = np.transpose(data, [axes.index(a.name) for a in leaf.shape])
        out.append(values)
    return out


def _same(x: FieldValue, y: FieldValue) -> bool:
    if x.exact is not None and y.exact is not None:
        return x.exact == y.exact or (x.exact != x.exact and y.exact != y.exact)
    return not (x.special or y.special) and x.p == y.p


def _exact_text(x: FieldValue) -> str | None:
    return None if x.exact is None else str(x.exact).lower()


def _locate(op: Any, terms: tuple[Term, Term]) -> str:
    def matches(t: Term) -> bool:
        if op == "where":
            return isinstance(t, Where)
        if op is UnaryOp.EXP:
            return isinstance(t, Unary) and t.op is op and any(
                isinstance(u, Unary) and u.op is op for u in postorder(t.x))
        if op is BinaryOp.MAX and isinstance(t, Reduce):
            return t.op is ReduceOp.MAX
        return isinstance(t, (Unary, Binary)) and t.op is op

    def random_(t: Term) -> bool:
        return any(isinstance(u, (Input, Param, State)) for u in postorder(t))

    found = [(not random_(t), side, str(t)) for side, term in zip(("left", "right"), terms)
             for t in postorder(term) if matches(t)]
    if not found:
        return ""
    _, side, text = min(found, key=lambda f: f[0])
    text = text if len(text) <= 80 else text[:77] + "..."
    return f", at `{text}` in the {side} term"


def _not_applicable(reason: str, repetitions: int, cases: list) -> FieldVerdict:
    return FieldVerdict("not-applicable", repetitions, cases, None, reason, None, None, None)


def field_test(a: Term, b: Term, *, repetitions: int = 8, sizes: Mapping[str, int] | None = None,
               seed: int = 0) -> FieldVerdict:
    """Compare ``a`` and ``b`` entry by entry in Z_P on shared random residues; see the module docstring.

    Parameters:
        a, b: closed terms with the same output axes and the same leaves' axes.
        repetitions: independent draws per size assignment (at least 1).
        sizes: size symbols to fix (the others take the values of :func:`size_cases`).
        seed: a non-negative int; the same arguments give the same verdict, bit for bit.
    """
    check_term(a)
    check_term(b)
    if isinstance(repetitions, bool) or not isinstance(repetitions, numbers.Integral) or repetitions < 1:
        raise UsageError(expected("a positive integer for repetitions", repr(repetitions)))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise UsageError(expected("a non-negative integer for seed", repr(seed)))
    fixed = check_bindings(sizes) if sizes is not None else {}
    why = signature_mismatch(a, b)
    if why is not None:
        raise UsageError(f"the two terms cannot be compared in a finite field: {why}",
                         hint="compare variants with the same output axes and the same inputs")
    terms = (lower(a), lower(b))
    cases = size_cases(*terms, fixed)
    axes = a.type.names
    degree, k = 0, 0
    for c, case in enumerate(cases):
        check_sizes(terms[0], case), check_sizes(terms[1], case)  # every size bound, positive
        for rep in range(repetitions):
            for attempt in range(MAX_DRAWS):
                rng = random.Random(f"anatomy.field:{int(seed)}:{c}:{rep}:{attempt}")
                scalars = FieldScalars(_omega(rng))
                try:
                    x, y = (evaluate_exact(t, scalars, v, sizes=case).aligned(axes)
                            for t, v in zip(terms, _draw(terms, case, rng)))
                except _ZeroDivisor:
                    continue
                except Unsupported as err:
                    op, why = err.args if len(err.args) == 2 else (None, str(err.args[0]))
                    name = getattr(op, "value", op) or "a value"
                    return _not_applicable(f"{name} is outside the fragment ({why}){_locate(op, terms)}",
                                           repetitions, cases[:c + 1])
                break
            else:
                return _not_applicable(f"a divisor was zero mod p in all {MAX_DRAWS} draws at sizes {case} "
                                       "(a division by zero over the reals)", repetitions, cases[:c + 1])
            for at in np.ndindex(*np.shape(x)):
                left, right = x[at], y[at]
                if not _same(left, right):
                    cex = FieldCounterexample(case, int(seed), rep, dict(zip(axes, map(int, at))), left.p, right.p,
                                              _exact_text(left), _exact_text(right))
                    return FieldVerdict("differ", repetitions, cases[:c + 1], None, None, cex, None, None)
                if left.exact is None or right.exact is None:
                    dn, _, kn, _, exps, _ = _sum_shape(left, _neg(right))
                    degree = max(degree, dn, *(exps or ()))
                    k = max(k, kn if exps else 0)
    return FieldVerdict("agree", repetitions, cases, pass_bound(degree, k, repetitions), None, None, degree, k)
