"""All oracles on one claim: ``a`` and ``b`` denote the same function.

:func:`run_oracles` asks the SMT oracle (z3, bounded sizes), the numeric oracle (float64,
fixed and hypothesis-drawn cases) and the finite-field oracle (where its fragment
applies), each by its own code path and none through the e-graph, and combines their
verdicts into one :class:`Evidence`:

* ``proved`` — z3 proved it at every size up to its bound, and no oracle saw a difference;
* ``refuted`` — some oracle produced a checked counterexample;
* ``unknown`` — no proof and no counterexample (each oracle's reason is kept);
* ``conflict`` — one oracle proved (or, for the finite field, passed with a false-pass
  bound below :data:`CONFIDENT`) what another refuted *at the same sizes*. That is a bug in an oracle or in the
  runtime, never a verdict on the claim; callers report it as an error.

A difference where a side is not a real number (``nan`` from ``0/0``, ``inf`` from ``x/0``)
while z3 proved the claim under domain assumptions (every divisor nonzero, …) lies outside
that domain: the claim is ``proved`` with those assumptions as its ``conditions``, and the
reason says what happens outside. Rules are identities of partial functions on their
common domain, as in algebra.

Main function: :func:`run_oracles`. Record: :class:`Evidence`.

Example:
    >>> from anatomy.examples import load_example
    >>> ev = run_oracles(load_example("linear-elu-quadratic").term, load_example("linear-elu-linear").term)
    >>> ev.verdict, ev.smt.verdict, ev.numeric.verdict
    ('proved', 'proved', 'agree')
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import UsageError
from ..ir.size import SizeCondition
from ..ir.term import Term
from ..ir.traverse import size_symbols
from ..runtime import default_sizes
from .field import FieldVerdict, field_test
from .numeric import NumericVerdict, compare
from .smt import BOUND, SmtVerdict, prove

VERDICTS = ("proved", "refuted", "unknown", "conflict")

CONFIDENT = 1e-6
"""A finite-field pass counts against a witnessed difference only when its false-pass bound
is at most this (for softmax over many keys the bound of Mirage's theorem is weak)."""


@dataclasses.dataclass(frozen=True)
class Evidence:
    """The combined verdict and each oracle's own record (``field`` may be not-applicable).

    ``conditions`` are the domain assumptions a proof needs (every divisor nonzero, …):
    the claim holds where they hold.
    """

    verdict: str
    reason: str
    conditions: tuple[str, ...]
    smt: SmtVerdict
    numeric: NumericVerdict
    field: FieldVerdict

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "reason": self.reason, "conditions": list(self.conditions),
                "smt": self.smt.to_json(),
                "numeric": self.numeric.to_json(), "field": self.field.to_json()}


def run_oracles(a: Term, b: Term, *, sizes: Mapping[str, int] | None = None, seeds: int = 3, examples: int = 20,
                seed: int = 0, bound: int = BOUND, repetitions: int = 8,
                smt_sizes: Mapping[str, int] | None = None, conditions: Sequence[SizeCondition] = ()) -> Evidence:
    """Every oracle on the claim ``a ≡ b``.

    Parameters:
        sizes: size symbols fixed for the numeric and finite-field oracles.
        seeds: float64 cases per fixed size assignment; examples: hypothesis-drawn cases.
        seed: selects the hypothesis draws and the finite-field draws (same seed, same record).
        bound: the SMT oracle tries every size from 1 to ``bound``; ``smt_sizes`` fixes
            symbols there (``sizes`` is usually too large for z3).
        repetitions: finite-field repetitions.
        conditions: size conditions the claim holds under; z3 tries only sizes where they
            hold, and the other oracles run at :func:`satisfying_sizes`.
    """
    if conditions:
        sizes = satisfying_sizes((a, b), conditions, sizes)
    smt = prove(a, b, bound=bound, sizes=smt_sizes, conditions=conditions)
    numeric = compare(a, b, seeds=seeds, sizes=sizes, examples=examples, seed=seed)
    field = field_test(a, b, repetitions=repetitions, sizes=sizes, seed=seed)
    verdict, reason, conditions = _combine(smt, numeric, field, frozenset(smt_sizes or ()))
    return Evidence(verdict, reason, conditions, smt, numeric, field)


def satisfying_sizes(terms: Sequence[Term], conditions: Sequence[SizeCondition],
                     sizes: Mapping[str, int] | None = None) -> dict[str, int]:
    """Small distinct sizes for the terms' symbols under which every condition holds: each
    violated ``small <= large`` with a free symbol ``large`` raises it to ``small``'s value + 1.

    Example:
        >>> from anatomy.ir.size import SizeCondition
        >>> from anatomy.ir.build import axis, param
        >>> w = param("W", axis("d", "dm"), axis("k", "dk"))
        >>> satisfying_sizes([w], [SizeCondition.parse("dm <= dk")])
        {'dk': 5, 'dm': 4}
    """
    symbols = sorted({s for t in terms for s in size_symbols(t)} | {s for c in conditions for s in c.symbols})
    out = default_sizes(symbols, sizes=sizes)
    for cond in conditions:
        if not cond.holds(out) and cond.large.is_symbol and cond.large.symbols[0] not in (sizes or {}):
            out[cond.large.symbols[0]] = cond.small.evaluate(out) + 1
        if not cond.holds(out):
            raise UsageError(f"cannot choose sizes where {cond} holds", hint="pass sizes that satisfy it")
    return out


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _outside(smt: SmtVerdict, left: Any, right: Any) -> bool:
    """A difference where a side is not a finite number (nan from 0/0, inf from x/0) lies
    outside the domain z3's proof assumed — when it proved the claim under assumptions."""
    return smt.verdict == "proved" and bool(smt.assumptions) and not (_finite(left) and _finite(right))


def _combine(smt: SmtVerdict, numeric: NumericVerdict, field: FieldVerdict,
             fixed: frozenset[str] = frozenset()) -> tuple[str, str, tuple[str, ...]]:
    def within(at: Mapping[str, int], tried: list[dict[str, int]]) -> bool:
        key = {k: v for k, v in at.items() if k not in fixed}
        return any({k: v for k, v in t.items() if k not in fixed} == key for t in tried)

    witnessed = []  # (oracle, sizes) of every checked difference inside the domain
    outside = []    # differences where a side is undefined in the reals
    if smt.verdict == "refuted" and smt.counterexample is not None:
        witnessed.append(("z3", smt.counterexample.sizes))
    if numeric.verdict == "differ" and numeric.counterexample is not None:
        ce = numeric.counterexample
        if _outside(smt, ce.left, ce.right):
            outside.append(f"float64 gives {_text(ce.left)} against {_text(ce.right)} at sizes {_show(ce.sizes)}")
        else:
            witnessed.append(("float64", ce.sizes))
    if field.verdict == "differ" and field.counterexample is not None:
        ce = field.counterexample
        if smt.verdict == "proved" and smt.assumptions and "nan" in (ce.left_exact, ce.right_exact):
            outside.append(f"the finite-field test meets an exact 0/0 at sizes {_show(ce.sizes)}")
        else:
            witnessed.append(("finite-field", ce.sizes))
    for oracle, at in witnessed:
        if smt.verdict == "proved" and within(at, smt.sizes):
            return "conflict", f"z3 proved it at sizes {_show(at)}, where the {oracle} oracle found a difference", ()
        if field.verdict == "agree" and field.false_pass_bound <= CONFIDENT and within(at, field.sizes):
            return "conflict", (f"the finite-field test passed at sizes {_show(at)} (false-pass bound "
                                f"{field.false_pass_bound:.1e}), where the {oracle} oracle found a difference"), ()
    if witnessed:
        return "refuted", "counterexample from " + ", ".join(sorted({o for o, _ in witnessed})), ()
    if smt.verdict == "proved":
        if outside:
            return "proved", (f"{smt.reason}, where {'; '.join(smt.assumptions)}; outside that domain "
                              f"the two are not both defined ({'; '.join(outside)})"), smt.assumptions
        return "proved", smt.reason, smt.assumptions
    return "unknown", f"z3: {smt.reason}", ()


def _text(x: Any) -> str:
    return repr(x) if _finite(x) else str(x)


def _show(sizes: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(sizes.items())) or "(none)"
