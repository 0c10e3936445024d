"""The witness search: does A's family lie inside B's (A ⊑ B), and by which witness?

1. **Propose** values for each of B's parameters (:func:`.candidates.choices`), and try
   combinations in order of total cost (at most :data:`TRIALS`).
2. **Screen** each combination numerically: A and B(τ) on the same random inputs and
   parameters of A, float64, at sizes where the proposal's size conditions hold. Most
   proposals fail here in a millisecond.
3. **Derive** A ≡ B(τ) with the e-graph (the exact rules; the size conditions may be used
   to show a one-hot selection is in range). The screen only chooses what to derive.
4. **Verify** the identity with every oracle (:func:`anatomy.verify.oracles.run_oracles`),
   which never sees the e-graph.

The inclusion holds when the e-graph derived it and no oracle refuted it; a screened
witness that the e-graph cannot derive is reported, with its oracle verdicts, as not shown.

Example:
    >>> from anatomy.examples import family_case
    >>> a, b = family_case("scaled-vs-unscaled-mha").load()
    >>> inc = find_inclusion(a.term, b.term, examples=0)
    >>> inc.holds, [s["rule"] for s in inc.witness]
    (True, ['param-rename', 'absorb-scale', 'param-rename', 'param-rename'])
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..egraph.engine import Budget, join
from ..errors import AnatomyError
from ..ir.size import SizeCondition
from ..ir.term import Term
from ..ir.traverse import inputs, params, substitute
from ..runtime import evaluate, random_values
from ..verify.oracles import run_oracles, satisfying_sizes
from .candidates import Choice, choices

TRIALS = 400
"""The most witness combinations screened numerically for one inclusion."""

SCREEN = 1e-9
"""The largest relative RMS difference the screen lets through (float64)."""

DERIVE = 2
"""How many screened witnesses the e-graph and the verifiers try before giving up."""


@dataclasses.dataclass(frozen=True)
class Inclusion:
    """The answer to "A ⊑ B?": ``holds`` is True (derived and verified), or None (not shown);
    ``witness`` lists, per parameter of B, its value and the family rule behind it."""

    holds: bool | None
    witness: tuple[dict, ...]
    conditions: tuple[str, ...]
    rules: tuple[str, ...]
    prepared_by: tuple[str, ...]
    evidence: dict | None
    trials: int
    reason: str
    choices: tuple[Choice, ...] = dataclasses.field(default=(), compare=False, repr=False)

    def to_json(self) -> dict:
        return {"holds": self.holds, "witness": list(self.witness), "conditions": list(self.conditions),
                "rules": list(self.rules), "prepared_by": list(self.prepared_by), "evidence": self.evidence,
                "trials": self.trials, "reason": self.reason}


def _combinations(table: list[list[Choice]]):
    """Index vectors over ``table`` in order of total cost, then lexicographically."""
    start = tuple(0 for _ in table)
    if any(not row for row in table):
        return
    heap = [(sum(row[0].cost for row in table), start)]
    seen = {start}
    while heap:
        _, idx = heapq.heappop(heap)
        yield idx
        for k in range(len(idx)):
            if idx[k] + 1 < len(table[k]):
                nxt = idx[:k] + (idx[k] + 1,) + idx[k + 1:]
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (sum(table[n][i].cost for n, i in enumerate(nxt)), nxt))


class _Screen:
    """A and B(τ) on shared random values, at sizes where the conditions hold."""

    def __init__(self, a: Term, seeds: int = 2) -> None:
        self.a, self.seeds = a, seeds
        self.cache: dict[tuple, tuple[dict, list]] = {}

    def _at(self, b: Term, conditions: tuple[SizeCondition, ...]):
        key = tuple(sorted(map(str, conditions)))
        if key not in self.cache:
            sizes = satisfying_sizes([self.a, b], conditions)
            cases = []
            for seed in range(self.seeds):
                values = random_values(self.a, sizes=sizes, seed=seed)
                cases.append((values, evaluate(self.a, values, sizes=sizes)))
            self.cache[key] = (sizes, cases)
        return self.cache[key]

    def passes(self, b: Term, conditions: tuple[SizeCondition, ...]) -> bool:
        sizes, cases = self._at(b, conditions)
        names = _names(b)
        for values, want in cases:
            got = evaluate(b, {k: v for k, v in values.items() if k in names}, sizes=sizes)
            x, y = want.data, got.transpose(want.axes).data
            if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
                return False
            scale = max(float(np.sqrt(np.mean(x * x))), 1e-300)
            if float(np.sqrt(np.mean((x - y) ** 2))) > SCREEN * scale:
                return False
        return True


def _names(t: Term) -> set[str]:
    return {x.name for x in inputs(t) + params(t)}


def screened(a: Term, b: Term, *, trials: int = TRIALS):
    """Witness proposals for A ⊑ B that pass the numeric screen, cheapest first, each as
    ``(choices, size conditions, B(τ), proposals screened so far)``."""
    table = choices(a, b)
    rows = [table[p.name] for p in params(b)]
    screen = _Screen(a)
    for tried, idx in enumerate(_combinations(rows), 1):
        if tried > trials:
            return
        picked = tuple(rows[k][i] for k, i in enumerate(idx))
        conditions = tuple(sorted({c for ch in picked for c in ch.conditions}, key=str))
        try:
            substituted = substitute(b, {ch.param: ch.term for ch in picked})
        except AnatomyError:  # the proposal's axis names clash with B's (one name, two sizes)
            continue
        try:
            if screen.passes(substituted, conditions):
                yield picked, conditions, substituted, tried
        except (ArithmeticError, ValueError, FloatingPointError):
            continue


def inputs_differ(a: Term, b: Term) -> bool:
    """Whether an input of both terms is declared with other axes on each side (then no
    parameter choice can make them the same function)."""
    shapes = {x.name: set(x.shape) for x in inputs(a)}
    return any(x.name in shapes and shapes[x.name] != set(x.shape) for x in inputs(b))


def plausible(a: Term, b: Term, *, trials: int = TRIALS) -> bool:
    """Whether some witness proposal for A ⊑ B passes the numeric screen (nothing derived)."""
    if a.type != b.type or not {x.name for x in inputs(b)} <= {x.name for x in inputs(a)} or inputs_differ(a, b):
        return False
    return next(screened(a, b, trials=trials), None) is not None


def find_inclusion(a: Term, b: Term, *, budget: Budget = Budget(), seeds: int = 3, examples: int = 10,
                   seed: int = 0, sizes: Mapping[str, int] | None = None, bound: int | None = None,
                   trials: int = TRIALS) -> Inclusion:
    """Whether ``a``'s family lies in ``b``'s: a witness, its derivation and its verification."""
    if a.type != b.type:
        return Inclusion(False, (), (), (), (), None, 0, f"the outputs differ: {a.type} and {b.type}")
    if not {x.name for x in inputs(b)} <= {x.name for x in inputs(a)}:
        return Inclusion(None, (), (), (), (), None, 0, "B reads inputs that A does not")
    if inputs_differ(a, b):
        return Inclusion(False, (), (), (), (), None, 0, "an input is declared with different axes on each side")
    tried, derived, note, last = 0, 0, "", None
    for picked, conditions, substituted, tried in screened(a, b, trials=trials):
        if derived >= DERIVE:
            break
        derived += 1
        witness = tuple(ch.to_json() for ch in picked)
        joined = join(a, substituted, budget, assume=conditions)
        kw = {"bound": bound} if bound is not None else {}
        ev = run_oracles(a, substituted, sizes=sizes, seeds=seeds, examples=examples, seed=seed,
                         conditions=conditions, **kw)
        texts = tuple(str(c) for c in conditions)
        if ev.verdict in ("refuted", "conflict"):
            note = f"a screened witness was refuted by the verifiers ({ev.reason})"
            continue
        if joined.joined:
            how = ev.reason if ev.verdict == "proved" else f"no oracle found a difference (z3: {ev.smt.verdict})"
            return Inclusion(True, witness, texts, joined.rules, joined.prepared_by, ev.to_json(), tried,
                             f"the e-graph derived A ≡ B(τ), and {how}", picked)
        note = (f"a witness passed the numeric screen (z3: {ev.smt.verdict}), but the e-graph "
                f"({joined.run.stop}) did not derive A ≡ B(τ)")
        last = last or Inclusion(None, witness, texts, (), joined.prepared_by, ev.to_json(), tried, note, picked)
    if last is not None:
        return dataclasses.replace(last, trials=tried)
    if not note:
        table = choices(a, b)
        tried = min(trials, math.prod(len(table[p.name]) for p in params(b)))
        note = f"no witness among {tried} proposals passed the numeric screen"
    return Inclusion(None, (), (), (), (), None, tried, note)


def conditions_hold_always(conditions: Sequence[str]) -> bool:
    """Whether every condition holds at all sizes (``dm <= dm+p``), so it can be dropped."""
    return all(SizeCondition.parse(text).always() for text in conditions)
