"""The SMT oracle: do two terms denote the same function, at every small size? Ask z3.

Both terms are evaluated symbolically by the runtime's evaluator over z3 expressions
(:mod:`anatomy.verify._objects`), at every assignment of the size symbols from 1 to a
bound, over the reals; then z3 is asked for inputs where some output entry differs.
``unsat`` at every size is **proved** (at those sizes, stated in the verdict); ``sat`` gives
inputs that the float64 runtime re-evaluates: if they reproduce, **refuted** with that
counterexample, and otherwise **unknown** (z3's model relied on an abstraction below).

How functions are modelled (never trusted beyond what is stated):

* ``+ - × ÷``, ``max``, ``min``, ``abs``, comparisons, ``where``: exactly. Division, square
  root and logarithm are *partial*: a proof assumes every divisor is nonzero, every square
  root argument is ≥ 0 and every logarithm argument is ≥ 0 (the domain where both sides
  are defined); the verdict lists the assumptions used, and a proof whose assumptions are
  inconsistent is reported as unknown.
* ``-inf`` and ``inf`` are values: a real is a finite part and two flags, so
  ``exp(where(m, x, -inf))`` is ``where(m, exp(x), 0)``; ``inf - inf`` and ``0·inf`` are
  outside the domain, like ``0/0``.
* ``exp`` is *algebraic*: an argument is normalised to ``c0 + Σ cₖ·mₖ`` (monomials ``mₖ``)
  and ``exp`` of it becomes ``Π eₖ^pₖ`` over positive variables ``eₖ = exp(mₖ/qₖ)``
  (``cₖ = pₖ/qₖ``), so ``exp(a + b) = exp(a)·exp(b)`` holds by construction and z3 sees
  polynomial arithmetic only (the positive-variable abstraction of the reference notes; no
  ``exp`` reaches nlsat). ``where`` inside an argument is lifted out of the ``exp``.
  ``log`` inverts an ``exp`` it can see, else it is an opaque function.
* ``tanh, sigmoid, relu, elu, gelu, silu, softplus, sin, cos`` are *opaque*: uninterpreted
  functions, so a proof holds for every such function.
* With a maximum in either term, the first attempt abstracts every maximum to a free
  variable: a proof then holds for any value, so for the maximum (shift-invariant forms
  such as online softmax are settled this way); otherwise it is modelled exactly.

A refutation is certified, not guessed: at candidate inputs (z3's model, then seeded random
values) where float64 evaluation differs, both sides are evaluated again in interval
arithmetic over exact rationals (:mod:`anatomy.verify._intervals`; every ``exp``, ``sqrt``
or opaque function value enclosed around its float64 value), and the differing entry's
enclosures must be disjoint. z3's model alone is never trusted: it may use values of
``exp`` or of an opaque function that the real function does not take.

Main function: :func:`prove`. Records: :class:`SmtVerdict`, :class:`SmtCounterexample`.

Example:
    >>> from anatomy.examples import load_example
    >>> v = prove(load_example("linear-elu-quadratic").term, load_example("linear-elu-linear").term)
    >>> v.verdict, v.sizes[-1]
    ('proved', {'dk': 2, 'dv': 2, 'm': 2, 'n': 2})
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import UsageError
from ..ir.lower import lower
from ..ir.ops import BinaryOp
from ..ir.size import SizeCondition
from ..ir.term import Binary, Input, Param, Reduce, ReduceOp, Term
from ..ir.traverse import inputs, params, postorder, size_symbols
from ..runtime import evaluate, random_values
from ..runtime._check import check_sizes
from ._intervals import IntervalScalars, Undecided, disjoint
from ._objects import Unsupported, evaluate_exact
from ._z3 import ASSUMPTIONS, Z3Scalars, _not, same_ratio, z3
from .numeric import signature_mismatch

BOUND = 2
"""Default largest value of each size symbol."""

MAX_CASES = 64
"""At most this many size assignments per query; the bound shrinks to fit."""

TIMEOUT_MS = 20_000
"""z3's time limit per query."""

RECHECK_TOLERANCE = 1e-6
"""Candidate inputs are certified only where float64 evaluations differ by more than this,
relative to the entry's magnitude (at least 1)."""

SEEDS = 6
"""Random candidate inputs tried per size assignment when z3's own model does not reproduce."""


@dataclasses.dataclass(frozen=True)
class SmtCounterexample:
    """Exact inputs where the two terms differ: z3 showed that entry ``entry`` cannot be equal
    (the float64 values at those inputs are ``left`` and ``right``)."""

    sizes: dict[str, int]
    inputs: dict[str, Any]
    entry: dict[str, int]
    left: float
    right: float

    def to_json(self) -> dict:
        return {"sizes": self.sizes, "inputs": self.inputs, "entry": self.entry,
                "left": _num(self.left), "right": _num(self.right)}


@dataclasses.dataclass(frozen=True)
class SmtVerdict:
    """``proved`` (at every assignment in ``sizes``), ``refuted`` or ``unknown`` (see ``reason``).

    ``assumptions`` are the domain conditions a proof used; ``opaque`` the functions it
    treated as uninterpreted (``max`` where it was abstracted); ``queries`` the solver calls.
    """

    verdict: str
    sizes: list[dict[str, int]]
    bound: int
    reason: str
    assumptions: tuple[str, ...]
    opaque: tuple[str, ...]
    queries: int
    counterexample: SmtCounterexample | None = None

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "sizes": self.sizes, "bound": self.bound, "reason": self.reason,
                "assumptions": list(self.assumptions), "opaque": list(self.opaque), "queries": self.queries,
                "counterexample": None if self.counterexample is None else self.counterexample.to_json()}


def _num(x: float) -> float | str:
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf" if x < 0 else "nan")


def _leaves(*terms: Term) -> dict[str, Input | Param]:
    out: dict[str, Input | Param] = {}
    for t in terms:
        for leaf in [*inputs(t), *params(t)]:
            out.setdefault(leaf.name, leaf)
    return dict(sorted(out.items()))


def size_assignments(a: Term, b: Term, *, bound: int = BOUND, sizes: Mapping[str, int] | None = None,
                     max_cases: int = MAX_CASES, conditions: Sequence[SizeCondition] = ()) -> tuple[list[dict[str, int]], int]:
    """Every assignment of the free size symbols from 1 to ``bound`` (shrunk until there are at
    most ``max_cases``) under which every size condition holds, with ``sizes`` fixed; returns
    the assignments and the bound used."""
    fixed = dict(sizes or {})
    free = sorted((set(size_symbols(a)) | set(size_symbols(b))) - set(fixed))
    while bound > 1 and bound ** len(free) > max_cases:
        bound -= 1
    combos = itertools.product(range(1, bound + 1), repeat=len(free))
    cases = [dict(sorted({**dict(zip(free, c)), **fixed}.items())) for c in combos]
    return [c for c in cases if all(cond.holds(c) for cond in conditions)], bound


def prove(a: Term, b: Term, *, bound: int = BOUND, sizes: Mapping[str, int] | None = None,
          timeout_ms: int = TIMEOUT_MS, max_cases: int = MAX_CASES,
          conditions: Sequence[SizeCondition] = ()) -> SmtVerdict:
    """Ask z3 whether ``a`` and ``b`` agree on every input, at every size assignment from 1 to
    ``bound`` where the size ``conditions`` hold (``sizes`` fixes symbols); see the module
    docstring for the semantics."""
    why = signature_mismatch(a, b)
    if why is not None:
        raise UsageError(f"the two terms cannot be compared: {why}",
                         hint="compare variants with the same output axes and the same inputs")
    cases, used = size_assignments(a, b, bound=bound, sizes=sizes, max_cases=max_cases, conditions=conditions)
    query = _Query(a, b, timeout_ms)
    done: list[dict[str, int]] = []
    unknown = ""
    for case in cases:
        done.append(case)
        outcome = query.case(case)
        if outcome.verdict == "refuted":
            return query.verdict("refuted", done, used, outcome.reason, outcome.counterexample)
        if outcome.verdict == "unknown" and not unknown:
            unknown = f"at sizes {_show(case)}: {outcome.reason}"
    if unknown:
        return query.verdict("unknown", done, used, unknown)
    if not cases:
        return query.verdict("unknown", done, used, f"no size assignment with each symbol from 1 to {used} "
                             f"satisfies {' and '.join(map(str, conditions))}")
    where = f" where {' and '.join(map(str, conditions))}" if conditions else ""
    return query.verdict("proved", done, used, f"proved at every size assignment with each symbol from 1 to "
                         f"{used}{where} (a polynomial identity once denominators are cleared, or unsat)")


def _show(case: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in case.items()) or "(none)"


@dataclasses.dataclass
class _Outcome:
    verdict: str
    reason: str = ""
    counterexample: SmtCounterexample | None = None


class _Query:
    """The two terms of one :func:`prove` call, asked at one size assignment at a time."""

    def __init__(self, a: Term, b: Term, timeout_ms: int) -> None:
        self.a, self.b = a, b
        self.la, self.lb = lower(a), lower(b)
        self.leaves = _leaves(self.la, self.lb)
        self.timeout_ms = timeout_ms
        self.assumptions: set[str] = set()
        self.opaque: set[str] = set()
        self.queries = 0
        self.has_max = any((isinstance(t, Reduce) and t.op is ReduceOp.MAX) or
                           (isinstance(t, Binary) and t.op is BinaryOp.MAX)
                           for term in (self.la, self.lb) for t in postorder(term))

    def verdict(self, verdict: str, sizes: list, bound: int, reason: str,
                counterexample: SmtCounterexample | None = None) -> SmtVerdict:
        return SmtVerdict(verdict, sizes, bound, reason, tuple(ASSUMPTIONS[k] for k in sorted(self.assumptions)),
                          tuple(sorted(self.opaque)), self.queries, counterexample)

    # -- one size assignment ------------------------------------------------------------
    def case(self, case: dict[str, int]) -> _Outcome:
        """Prove (maxima abstracted first, then exactly); failing that, certify a refutation."""
        candidates: list[dict[str, np.ndarray]] = []
        reason = ""
        for abstract in ((True, False) if self.has_max else (False,)):
            verdict, detail = self._prove(case, abstract)
            if verdict == "proved":
                return _Outcome("proved")
            if isinstance(detail, dict):
                candidates.append(detail)
            elif not reason:
                reason = detail
        found = self._refute(case, candidates)
        if found is not None:
            return found
        return _Outcome("unknown", reason or "z3 found models where the two differ, but none reproduces in "
                        "float64: they use values of exp or of an opaque function that the real one does not take")

    def _symbols(self, sc: Z3Scalars, case: dict[str, int]) -> tuple[dict, dict]:
        """One z3 variable per entry of every leaf: the arrays, and (name, index) -> variable."""
        check_sizes(self.la, case), check_sizes(self.lb, case)  # every size bound, positive
        values, variables = {}, {}
        for name, leaf in self.leaves.items():
            # from the leaf's own sizes: the two terms may give one axis name two sizes
            shape = tuple(ax.size.evaluate(case) for ax in leaf.shape)
            arr = np.empty(shape, dtype=object)
            for idx in np.ndindex(*shape):
                arr[idx] = variables[(name, idx)] = sc.variable(f"{name}[{','.join(map(str, idx))}]")
            values[name] = arr
        return values, variables

    def _outputs(self, sc: Z3Scalars, case: dict[str, int], values: dict) -> tuple[np.ndarray, np.ndarray]:
        x = evaluate_exact(self.la, sc, {n: values[n] for n in _leaves(self.la)}, sizes=case)
        y = evaluate_exact(self.lb, sc, {n: values[n] for n in _leaves(self.lb)}, sizes=case)
        axes = self.a.type.names
        return x.transpose(axes).data, y.transpose(axes).data

    def _solver(self, sc: Z3Scalars) -> Any:
        solver = z3.Solver(ctx=sc.ctx)
        solver.set(timeout=self.timeout_ms)
        solver.add(*sc.facts)
        solver.add(*[_bool(c, sc.ctx) for _, c in sc.domain])
        self.queries += 1
        return solver

    def _prove(self, case: dict[str, int], abstract: bool) -> tuple[str, Any]:
        """``("proved", None)``, or ``("open", model inputs)``, or ``("open", reason)``."""
        sc = Z3Scalars(z3.Context(), abstract_max=abstract)
        values, variables = self._symbols(sc, case)
        try:
            xs, ys = self._outputs(sc, case, values)
        except Unsupported as err:
            return "open", f"{err} is outside what the SMT translation models"
        differ = []
        for idx in np.ndindex(*np.shape(xs)):
            same = _fold(sc.eq(xs[idx], ys[idx]))
            if same is True or (_real(xs[idx]) and _real(ys[idx]) and same_ratio(sc.real(xs[idx]), sc.real(ys[idx]))):
                continue
            differ.append(_bool(_not(same), sc.ctx))
        result = z3.unsat
        if differ:
            solver = self._solver(sc)
            solver.add(z3.Or(*differ))
            result = solver.check()
        if result == z3.unsat:
            # Cross-multiplied and unsat proofs hold where every divisor is nonzero: a proof
            # under assumptions that no input satisfies proves nothing.
            if sc.domain and not self._consistent(sc):
                return "open", "the domain assumptions (" + "; ".join(
                    ASSUMPTIONS[k] for k in sorted({k for k, _ in sc.domain})) + ") cannot all hold"
            self._used(sc)
            return "proved", None
        if result == z3.unknown:
            return "open", f"z3 returned unknown ({solver.reason_unknown()})"
        model = solver.model()
        return "open", {name: _model_values(model, variables, name, values[name].shape) for name in self.leaves}

    def _used(self, sc: Z3Scalars) -> None:
        self.assumptions |= {k for k, _ in sc.domain}
        self.opaque |= sc.opaque

    def _consistent(self, sc: Z3Scalars) -> bool:
        """A proof under assumptions no input satisfies proves nothing: check they can hold."""
        return self._solver(sc).check() == z3.sat

    # -- refutation ----------------------------------------------------------------------
    def _refute(self, case: dict[str, int], candidates: list[dict[str, np.ndarray]]) -> _Outcome | None:
        for seed in range(SEEDS):
            candidates.append({**random_values(self.b, sizes=case, seed=seed),
                               **random_values(self.a, sizes=case, seed=seed)})
        for values in candidates:
            found = self._certify(case, values)
            if found is not None:
                return found
        return None

    def _certify(self, case: dict[str, int], values: dict[str, np.ndarray]) -> _Outcome | None:
        """At ``values`` (made exact), enclose every entry of both sides in intervals; disjoint
        enclosures at the entry where float64 differs most certify the difference."""
        axes = self.a.type.names
        x = np.asarray(evaluate(self.a, {n: values[n] for n in _leaves(self.a)}, sizes=case).aligned(axes), float)
        y = np.asarray(evaluate(self.b, {n: values[n] for n in _leaves(self.b)}, sizes=case).aligned(axes), float)
        with np.errstate(all="ignore"):
            gap = np.abs(x - y) / np.maximum(1.0, np.abs(x))
        gap = np.where(np.isfinite(gap), gap, -1.0)  # non-finite entries cannot be certified
        if not gap.size or float(np.max(gap)) <= RECHECK_TOLERANCE:
            return None
        at = np.unravel_index(int(np.argmax(gap)), gap.shape)
        sc = IntervalScalars()
        exact = {n: np.vectorize(lambda v: sc.const(float(v)), otypes=[object])(np.asarray(values[n], float))
                 for n in self.leaves}
        try:
            xs, ys = self._outputs(sc, case, exact)
        except Undecided:
            return None
        if not disjoint(xs[at], ys[at]):
            return None
        ce = SmtCounterexample(dict(case), {n: np.asarray(values[n], float).tolist() for n in self.leaves},
                               dict(zip(axes, (int(i) for i in at))), float(x[at]), float(y[at]))
        return _Outcome("refuted", "at these inputs, exact interval arithmetic (every exp, sqrt and other "
                        "function value enclosed within 1e-12 of float64's) shows the entry differs", ce)


def _real(x: Any) -> bool:
    return isinstance(x, Fraction) or isinstance(x, z3.ArithRef)


def _fold(cond: Any) -> Any:
    """A z3 condition simplified to a Python bool where it is one."""
    if isinstance(cond, z3.ExprRef):
        cond = z3.simplify(cond)
        return True if z3.is_true(cond) else False if z3.is_false(cond) else cond
    return cond


def _bool(cond: Any, ctx: Any) -> Any:
    return cond if isinstance(cond, z3.ExprRef) else z3.BoolVal(bool(cond), ctx)


def _model_values(model: Any, variables: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape)
    for idx in np.ndindex(*shape):
        val = model.eval(variables[(name, idx)], model_completion=True)
        out[idx] = float(Fraction(val.numerator_as_long(), val.denominator_as_long())) \
            if z3.is_rational_value(val) else float(val.approx(20).as_fraction())
    return out
