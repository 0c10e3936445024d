"""z3 scalars: the algebra the SMT oracle evaluates terms over (see :mod:`anatomy.verify.smt`).

Values are Python ``Fraction`` while exact, z3 expressions once symbolic, and
:class:`Ext` where an infinity is possible (a finite part and two flags). Booleans are
Python ``bool`` or z3 ``BoolRef``. Constant folding keeps expressions small: a causal mask
over index positions is decided before z3 sees anything.

Main class: :class:`Z3Scalars`.

Example:
    >>> import z3
    >>> sc = Z3Scalars(z3.Context())
    >>> x = sc.variable("x")
    >>> sc.exp(sc.add(x, sc.const(1.0)))  # exp(x + 1) = exp(1)·exp(x), positive variables
    exp(1)*exp(x)
    >>> sc.exp(sc.const(float("-inf")))
    Fraction(0, 1)
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from typing import Any

import z3  # the only module that imports z3 (STYLE 5)

from ..ir.ops import BinaryOp, UnaryOp
from ._objects import Scalars, Unsupported

OPAQUE = (UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.RELU, UnaryOp.ELU, UnaryOp.GELU, UnaryOp.SILU,
          UnaryOp.SOFTPLUS, UnaryOp.SIN, UnaryOp.COS)
"""Functions modelled as uninterpreted: a proof holds for every such function."""

ASSUMPTIONS = {"div": "every divisor is nonzero", "sqrt": "every square-root argument is >= 0",
               "log": "every logarithm argument is >= 0", "inf": "no inf - inf, 0 * inf or inf / inf"}
"""The domain assumptions a proof may use, by key."""

_LIFTS = 64          # most where-branches lifted out of one exp argument
_POWER = 4           # exp(p/q · m) = exp(m/q)^p for |p| up to this; beyond, exp(c·m) is one variable


@dataclasses.dataclass(frozen=True)
class Ext:
    """A possibly infinite real: ``-inf`` where ``ninf``, ``inf`` where ``pinf``, else ``fin``."""

    fin: Any
    ninf: Any
    pinf: Any


def _is_z3(x: Any) -> bool:
    return isinstance(x, z3.ExprRef)


def _parts(x: Any) -> tuple[Any, Any, Any]:
    return (x.fin, x.ninf, x.pinf) if isinstance(x, Ext) else (x, False, False)


def _not(x: Any) -> Any:
    return (not x) if isinstance(x, bool) else z3.Not(x)


def _connect(xs: tuple, absorbing: bool, join: Any) -> Any:
    """``and`` (absorbing False) or ``or`` (absorbing True) of Python bools and z3 conditions,
    folded where the Python bools decide it."""
    rest = [x for x in xs if x is not (not absorbing)]
    if any(x is absorbing for x in rest):
        return absorbing
    return (not absorbing) if not rest else rest[0] if len(rest) == 1 else join(*rest)


def _and(*xs: Any) -> Any:
    return _connect(xs, False, z3.And)


def _or(*xs: Any) -> Any:
    return _connect(xs, True, z3.Or)


class Z3Scalars(Scalars):
    """Scalars for :func:`~anatomy.verify._objects.evaluate_exact`: Fractions while exact,
    z3 expressions once symbolic, :class:`Ext` where infinities are possible.

    ``facts`` are true of the real functions (positivity of exp); ``domain`` holds the
    partiality assumptions, keyed as in :data:`ASSUMPTIONS`.

    Parameters:
        ctx: the z3 context (a fresh one per query).
        abstract_max: every maximum of symbolic values becomes a free variable (sound for
            proofs: an identity that holds for any value of it holds for the maximum).
    """

    def __init__(self, ctx: Any, *, abstract_max: bool = False) -> None:
        self.ctx = ctx
        self.abstract_max = abstract_max
        self.facts: list[Any] = []
        self.domain: list[tuple[str, Any]] = []
        self.opaque: set[str] = set()
        self._vars: dict[tuple, Any] = {}
        self._logs: dict[int, Any] = {}
        self._functions: dict[str, Any] = {}
        self.unary = {UnaryOp.NEG: self.neg, UnaryOp.EXP: self.exp, UnaryOp.LOG: self.log,
                      UnaryOp.SQRT: self.sqrt, UnaryOp.ABS: self.abs, UnaryOp.NOT: _not,
                      **{op: self._opaque(op) for op in OPAQUE}}
        self.binary = {BinaryOp.ADD: self.add, BinaryOp.SUB: self.sub, BinaryOp.MUL: self.mul,
                       BinaryOp.DIV: self.div, BinaryOp.MAX: self.max, BinaryOp.MIN: self.min,
                       BinaryOp.LT: self.lt, BinaryOp.LE: lambda a, b: _not(self.lt(b, a)),
                       BinaryOp.GT: lambda a, b: self.lt(b, a), BinaryOp.GE: lambda a, b: _not(self.lt(a, b)),
                       BinaryOp.EQ: self.eq, BinaryOp.NE: lambda a, b: _not(self.eq(a, b)),
                       BinaryOp.AND: _and, BinaryOp.OR: _or}

    # -- constants and conversions ------------------------------------------------------
    def const(self, value: float) -> Any:
        if math.isinf(value):
            return Ext(Fraction(0), value < 0, value > 0)
        return Fraction(value)

    def real(self, x: Any) -> Any:
        if isinstance(x, Fraction):
            return z3.RatVal(x.numerator, x.denominator, self.ctx)
        return x

    def variable(self, name: str) -> Any:
        return z3.Real(name, self.ctx)

    def assume(self, kind: str, cond: Any) -> None:
        if cond is not True:
            self.domain.append((kind, cond))

    def _mk(self, fin: Any, ninf: Any, pinf: Any) -> Any:
        if ninf is True:
            return Ext(Fraction(0), True, False)
        if pinf is True:
            return Ext(Fraction(0), False, True)
        return fin if ninf is False and pinf is False else Ext(fin, ninf, pinf)

    # -- finite parts ------------------------------------------------------------------
    def _fadd(self, a: Any, b: Any) -> Any:
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return a + b
        if isinstance(a, Fraction) and a == 0:
            return b
        if isinstance(b, Fraction) and b == 0:
            return a
        return self.real(a) + self.real(b)

    def _fmul(self, a: Any, b: Any) -> Any:
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return a * b
        for x, y in ((a, b), (b, a)):
            if isinstance(x, Fraction) and x == 0:
                return Fraction(0)
            if isinstance(x, Fraction) and x == 1:
                return y
        return self.real(a) * self.real(b)

    def _fdiv(self, a: Any, b: Any) -> Any:
        if isinstance(b, Fraction):
            if b == 0:
                self.assume("div", False)
                return Fraction(0)
            return self._fmul(a, 1 / b)
        self.assume("div", b != 0)
        if isinstance(a, Fraction) and a == 0:
            return Fraction(0)
        return self.real(a) / b

    def _flt(self, a: Any, b: Any) -> Any:
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return a < b
        return self.real(a) < self.real(b)

    def _feq(self, a: Any, b: Any) -> Any:
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return a == b
        if _is_z3(a) and _is_z3(b) and a.eq(b):
            return True
        return self.real(a) == self.real(b)

    def _fite(self, c: Any, a: Any, b: Any) -> Any:
        if c is True:
            return a
        if c is False:
            return b
        if isinstance(a, Fraction) and isinstance(b, Fraction) and a == b:
            return a
        return z3.If(c, self.real(a), self.real(b))

    # -- the op table ------------------------------------------------------------------
    def neg(self, x: Any) -> Any:
        f, n, p = _parts(x)
        return self._mk(-f if isinstance(f, Fraction) else -f, p, n)

    def add(self, x: Any, y: Any) -> Any:
        (fa, na, pa), (fb, nb, pb) = _parts(x), _parts(y)
        self.assume("inf", _not(_or(_and(na, pb), _and(pa, nb))))
        return self._mk(self._fadd(fa, fb), _or(na, nb), _or(pa, pb))

    def sub(self, x: Any, y: Any) -> Any:
        return self.add(x, self.neg(y))

    def _signs(self, x: Any) -> tuple[Any, Any, Any, Any]:
        f, n, p = _parts(x)
        fin = _not(_or(n, p))
        return (_or(p, _and(fin, self._flt(Fraction(0), f))), _or(n, _and(fin, self._flt(f, Fraction(0)))),
                _and(fin, self._feq(f, Fraction(0))), _or(n, p))

    def mul(self, x: Any, y: Any) -> Any:
        if not isinstance(x, Ext) and not isinstance(y, Ext):
            return self._fmul(x, y)
        (xp, xn, xz, xi), (yp, yn, yz, yi) = self._signs(x), self._signs(y)
        inf = _or(xi, yi)
        self.assume("inf", _not(_and(inf, _or(xz, yz))))
        fin = self._fmul(_parts(x)[0], _parts(y)[0])
        return self._mk(fin, _and(inf, _or(_and(xp, yn), _and(xn, yp))), _and(inf, _or(_and(xp, yp), _and(xn, yn))))

    def div(self, x: Any, y: Any) -> Any:
        if not isinstance(x, Ext) and not isinstance(y, Ext):
            return self._fdiv(x, y)
        (xp, xn, _, xi), (yp, yn, yz, yi) = self._signs(x), self._signs(y)
        self.assume("inf", _not(_and(xi, yi)))
        self.assume("div", _not(yz))
        fx, fy = _parts(x)[0], _parts(y)[0]
        fin = self._fite(yi, Fraction(0), self._fdiv(fx, self._fite(yz, Fraction(1), fy)))
        return self._mk(fin, _and(xi, _or(_and(xp, yn), _and(xn, yp))), _and(xi, _or(_and(xp, yp), _and(xn, yn))))

    def lt(self, x: Any, y: Any) -> Any:
        (fa, na, pa), (fb, nb, pb) = _parts(x), _parts(y)
        fin_a, fin_b = _not(_or(na, pa)), _not(_or(nb, pb))
        return _or(_and(na, _not(nb)), _and(_not(pa), pb), _and(fin_a, fin_b, self._flt(fa, fb)))

    def eq(self, x: Any, y: Any) -> Any:
        (fa, na, pa), (fb, nb, pb) = _parts(x), _parts(y)
        fin_a, fin_b = _not(_or(na, pa)), _not(_or(nb, pb))
        return _or(_and(na, nb), _and(pa, pb), _and(fin_a, fin_b, self._feq(fa, fb)))

    def where(self, cond: Any, x: Any, y: Any) -> Any:
        if cond is True or cond is False:
            return x if cond else y
        (fa, na, pa), (fb, nb, pb) = _parts(x), _parts(y)
        return self._mk(self._fite(cond, fa, fb), _or(_and(cond, na), _and(_not(cond), nb)),
                        _or(_and(cond, pa), _and(_not(cond), pb)))

    def max(self, x: Any, y: Any) -> Any:
        if self.abstract_max and not isinstance(x, Ext) and not isinstance(y, Ext) and (_is_z3(x) or _is_z3(y)):
            # Sound for a proof: an identity that holds for every value of this maximum
            # holds for the maximum itself (used for shifts such as online softmax's).
            key = ("max", self.real(x).get_id(), self.real(y).get_id())
            found = self._vars.get(key)
            if found is None:
                found = self._vars[key] = self.variable(f"max{len(self._vars)}")
            self.opaque.add("max")
            return found
        return self.where(_not(self.lt(x, y)), x, y)

    def min(self, x: Any, y: Any) -> Any:
        return self.where(self.lt(x, y), x, y)

    def abs(self, x: Any) -> Any:
        f, n, p = _parts(x)
        if isinstance(f, Fraction) and not isinstance(x, Ext):
            return abs(f)
        return self._mk(self._fite(self._flt(f, Fraction(0)), self._fmul(Fraction(-1), f), f), False, _or(n, p))

    # -- exp, log, sqrt ----------------------------------------------------------------
    def exp(self, x: Any) -> Any:
        f, n, p = _parts(x)
        return self._mk(self._fite(n, Fraction(0), self._exp(f)), False, p)

    def _positive(self, key: tuple, arg: Any, prefix: str) -> Any:
        found = self._vars.get(key)
        if found is None:
            found = self.variable(f"{prefix}({arg})")
            self._vars[key] = found
            self.facts.append(found > 0)
            self._logs[found.get_id()] = arg
        return found

    def _exp(self, f: Any, lifts: list[int] | None = None) -> Any:
        if isinstance(f, Fraction):
            if f == 0:
                return Fraction(1)
            return self._exp_linear(f, [])
        f = z3.simplify(f, som=True)
        const, terms = _linear(f, self.ctx)
        lifts = [0] if lifts is None else lifts
        for k, (atom, c) in enumerate(terms):
            if z3.is_app_of(atom, z3.Z3_OP_ITE) and lifts[0] < _LIFTS:
                lifts[0] += 1
                cond, a, b = atom.children()
                rest = [self.real(const)] + [self.real(cc) * t for j, (t, cc) in enumerate(terms) if j != k]
                out = self._fite(cond, self._exp(z3.Sum(*rest, self.real(c) * a), lifts),
                                 self._exp(z3.Sum(*rest, self.real(c) * b), lifts))
                if _is_z3(out):
                    self._logs[out.get_id()] = f
                return out
        out = self._exp_linear(const, terms)
        if _is_z3(out):
            self._logs[out.get_id()] = f
        return out

    def _exp_linear(self, const: Fraction, terms: list[tuple[Any, Fraction]]) -> Any:
        num, den = [], []
        one = z3.RealVal(1, self.ctx)
        for atom, c in ([(one, const)] if const else []) + terms:
            p, q = c.numerator, c.denominator
            if abs(p) > _POWER:
                base, p = z3.simplify(self.real(c) * atom), 1
            else:
                base = atom if q == 1 else z3.simplify(atom / q)
            e = self._positive(("exp", base.get_id()), base, "exp")
            (num if p > 0 else den).extend([e] * abs(p))
        top = _product(num, self.ctx)
        return top if not den else top / _product(den, self.ctx)

    def log(self, x: Any) -> Any:
        f, n, p = _parts(x)
        if _is_z3(f) and f.get_id() in self._logs:  # the log of an exp it built: exact, and exp > 0
            return self._mk(self._logs[f.get_id()], n, p)
        self.assume("log", _or(n, p, _not(self._flt(f, Fraction(0)))))
        zero = _and(_not(_or(n, p)), self._feq(f, Fraction(0)))
        if isinstance(f, Fraction):
            fin = Fraction(0) if f == 1 or f <= 0 else self._opaque_at("log", f)
        else:
            fin = self._opaque_at("log", f)
        return self._mk(fin, _or(n, zero), p)

    def sqrt(self, x: Any) -> Any:
        f, n, p = _parts(x)
        self.assume("sqrt", _not(_or(n, self._flt(f, Fraction(0)))))
        if isinstance(f, Fraction):
            if f < 0:
                return Fraction(0)
            r = _rational_sqrt(f)
            if r is not None:
                return self._mk(r, False, p)
        root = self._vars.get(("sqrt", self.real(f).get_id()))
        if root is None:
            root = self.variable(f"sqrt({f})")
            self._vars[("sqrt", self.real(f).get_id())] = root
            self.facts.extend([root >= 0, root * root == self.real(f)])
        return self._mk(root, False, p)

    def _opaque_at(self, name: str, f: Any) -> Any:
        fn = self._functions.get(name)
        if fn is None:
            fn = z3.Function(name, z3.RealSort(self.ctx), z3.RealSort(self.ctx))
            self._functions[name] = fn
        self.opaque.add(name)
        return fn(self.real(f))

    def _opaque(self, op: UnaryOp):
        def apply(x: Any) -> Any:
            if isinstance(x, Ext):
                raise Unsupported(f"{op.value} of a possibly infinite value")
            return self._opaque_at(op.value, x)

        return apply


def _product(xs: list[Any], ctx: Any) -> Any:
    if not xs:
        return z3.RealVal(1, ctx)
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    return out


def _rational_sqrt(f: Fraction) -> Fraction | None:
    n, d = math.isqrt(f.numerator), math.isqrt(f.denominator)
    return Fraction(n, d) if n * n == f.numerator and d * d == f.denominator else None


def _linear(f: Any, ctx: Any) -> tuple[Fraction, list[tuple[Any, Fraction]]]:
    """``f`` (simplified to a sum of monomials) as ``c0 + Σ cₖ·mₖ`` with rational ``cₖ``."""
    const, terms = Fraction(0), {}
    for t in (f.children() if z3.is_add(f) else [f]):
        c, atom = _monomial(t, ctx)
        if atom is None:
            const += c
        else:
            key = atom.get_id()
            prev = terms.get(key)
            terms[key] = (atom, c + (prev[1] if prev else 0))
    return const, [(a, c) for a, c in terms.values() if c != 0]


def _monomial(t: Any, ctx: Any) -> tuple[Fraction, Any]:
    if z3.is_rational_value(t):
        return Fraction(t.numerator_as_long(), t.denominator_as_long()), None
    if z3.is_mul(t):
        kids = t.children()
        if z3.is_rational_value(kids[0]):
            c = Fraction(kids[0].numerator_as_long(), kids[0].denominator_as_long())
            rest = kids[1:]
            return c, rest[0] if len(rest) == 1 else _product(rest, ctx)
    return Fraction(1), t


def as_ratio(e: Any) -> tuple[Any, Any] | None:
    """``e`` as a numerator and a denominator, both free of division (None with an ``if``).

    Cross-multiplying two ratios turns an identity of rational functions into a polynomial
    identity that ``simplify(som=True)`` decides; valid where the denominators are nonzero,
    which the domain assumptions (every divisor nonzero, exp positive) already require.
    """
    one = z3.RealVal(1, e.ctx)
    if z3.is_rational_value(e) or z3.is_const(e):
        return e, one
    if z3.is_app_of(e, z3.Z3_OP_ITE):
        return None
    arith = z3.is_add(e) or z3.is_sub(e) or z3.is_mul(e) or z3.is_div(e) or z3.is_app_of(e, z3.Z3_OP_UMINUS)
    if not arith:
        return e, one  # an opaque application: an atom
    parts = [as_ratio(k) for k in e.children()]
    if any(p is None for p in parts):
        return None
    if z3.is_app_of(e, z3.Z3_OP_UMINUS):
        return -parts[0][0], parts[0][1]
    if z3.is_div(e):
        (a, b), (c, d) = parts
        return _mul(a, d), _mul(b, c)
    num, den = parts[0]
    for n2, d2 in parts[1:]:
        if z3.is_mul(e):
            num, den = _mul(num, n2), _mul(den, d2)
            continue
        term = n2 if z3.is_add(e) else -n2
        if den.eq(d2):
            num = num + term
        else:
            num, den = _mul(num, d2) + _mul(term, den), _mul(den, d2)
    return num, den


def _mul(a: Any, b: Any) -> Any:
    for x, y in ((a, b), (b, a)):
        if z3.is_rational_value(x) and x.numerator_as_long() == x.denominator_as_long():
            return y
    return a * b


def same_ratio(x: Any, y: Any) -> bool:
    """True when z3 expressions ``x`` and ``y`` are the same rational function once
    cross-multiplied (a sufficient test; sound where the denominators are nonzero)."""
    rx, ry = as_ratio(x), as_ratio(y)
    if rx is None or ry is None:
        return False
    out = z3.simplify(_mul(rx[0], ry[1]) - _mul(ry[0], rx[1]), som=True)
    return z3.is_rational_value(out) and out.numerator_as_long() == 0
