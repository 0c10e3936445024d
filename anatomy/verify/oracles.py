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

A float64 difference where one side is non-finite (``nan`` from ``log`` of a negative, a
``0/0``) while z3 proved the identity on the domain where both sides are defined is not a
conflict: the claim is refuted in float semantics, and the evidence says the proof holds
only on that domain.

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
from collections.abc import Mapping
from typing import Any

from ..ir.term import Term
from .field import FieldVerdict, field_test
from .numeric import NumericVerdict, compare
from .smt import BOUND, SmtVerdict, prove

VERDICTS = ("proved", "refuted", "unknown", "conflict")

CONFIDENT = 1e-6
"""A finite-field pass counts against a witnessed difference only when its false-pass bound
is at most this (for softmax over many keys the bound of Mirage's theorem is weak)."""


@dataclasses.dataclass(frozen=True)
class Evidence:
    """The combined verdict and each oracle's own record (``field`` may be not-applicable)."""

    verdict: str
    reason: str
    smt: SmtVerdict
    numeric: NumericVerdict
    field: FieldVerdict

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "reason": self.reason, "smt": self.smt.to_json(),
                "numeric": self.numeric.to_json(), "field": self.field.to_json()}


def run_oracles(a: Term, b: Term, *, sizes: Mapping[str, int] | None = None, seeds: int = 3, examples: int = 20,
                bound: int = BOUND, repetitions: int = 8, smt_sizes: Mapping[str, int] | None = None) -> Evidence:
    """Every oracle on the claim ``a ≡ b``.

    Parameters:
        sizes: size symbols fixed for the numeric and finite-field oracles.
        seeds: float64 cases per fixed size assignment; examples: hypothesis-drawn cases.
        bound: the SMT oracle tries every size from 1 to ``bound``; ``smt_sizes`` fixes
            symbols there (``sizes`` is usually too large for z3).
        repetitions: finite-field repetitions.
    """
    smt = prove(a, b, bound=bound, sizes=smt_sizes)
    numeric = compare(a, b, seeds=seeds, sizes=sizes, examples=examples)
    field = field_test(a, b, repetitions=repetitions, sizes=sizes)
    verdict, reason = _combine(smt, numeric, field, frozenset(smt_sizes or ()))
    return Evidence(verdict, reason, smt, numeric, field)


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _combine(smt: SmtVerdict, numeric: NumericVerdict, field: FieldVerdict,
             fixed: frozenset[str] = frozenset()) -> tuple[str, str]:
    def within(at: Mapping[str, int], tried: list[dict[str, int]]) -> bool:
        key = {k: v for k, v in at.items() if k not in fixed}
        return any({k: v for k, v in t.items() if k not in fixed} == key for t in tried)

    witnessed = []  # (oracle, sizes) of every checked difference
    note = ""
    if smt.verdict == "refuted" and smt.counterexample is not None:
        witnessed.append(("z3", smt.counterexample.sizes))
    if numeric.verdict == "differ" and numeric.counterexample is not None:
        ce = numeric.counterexample
        if smt.verdict == "proved" and smt.assumptions and not (_finite(ce.left) and _finite(ce.right)):
            note = (f"; z3 proved it only where both sides are defined ({'; '.join(smt.assumptions)}), and "
                    f"float64 differs outside that domain ({ce.left!r} against {ce.right!r})")
        witnessed.append(("float64", ce.sizes))
    if field.verdict == "differ" and field.counterexample is not None:
        witnessed.append(("finite field", field.counterexample.sizes))
    for oracle, at in witnessed:
        if smt.verdict == "proved" and within(at, smt.sizes) and not (oracle == "float64" and note):
            return "conflict", f"z3 proved it at sizes {_show(at)}, where the {oracle} oracle found a difference"
        if field.verdict == "agree" and field.false_pass_bound <= CONFIDENT and within(at, field.sizes):
            return "conflict", (f"the finite-field test passed at sizes {_show(at)} (false-pass bound "
                                f"{field.false_pass_bound:.1e}), where the {oracle} oracle found a difference")
    if witnessed:
        return "refuted", "counterexample from " + ", ".join(sorted({o for o, _ in witnessed})) + note
    if smt.verdict == "proved":
        return "proved", smt.reason
    return "unknown", f"z3: {smt.reason}"


def _show(sizes: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(sizes.items())) or "(none)"
