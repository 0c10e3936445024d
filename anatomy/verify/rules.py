"""Verify the rule tables: every rule's two sides, by every oracle (``anatomy rules verify``).

A rule's sides are terms over its metavariables (:attr:`anatomy.rules.Rule.sides`), so the
oracles check the rule in its full generality: a metavariable is an arbitrary tensor with
the declared axes, a mask an arbitrary real read as ``M != 0``, and a side that lacks an
axis of the other (``A - A -> 0``) is broadcast along it. The context axis ``z`` is fixed
to size 1 for z3 — no rule side reduces, renames or reshapes it, which is checked, so its
entries never interact — and left free for the numeric and finite-field oracles.

Main function: :func:`verify_rules`. Helpers: :func:`rule_terms`, :func:`context_sizes`, :func:`verify_rule`.

Example:
    >>> from anatomy.rules import rule_named
    >>> rec = verify_rule(rule_named("softmax-shift"), examples=0)
    >>> rec["verdict"], rec["smt"]["verdict"], rec["smt"]["bound"]
    ('proved', 'proved', 3)
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ir.term import Term
from ..ir.traverse import broadcast, params, substitute
from ..rules import CONTEXT, RULES, Rule
from .oracles import run_oracles

RULE_BOUND = 3
"""z3 checks each rule at every size from 1 to this bound (per rule-axis size symbol)."""

EXAMPLES = 20
"""Hypothesis-drawn float64 cases per rule, besides the fixed ones."""


def rule_terms(rule: Rule) -> tuple[Term, Term]:
    """The rule's two sides, each broadcast to the other's axes."""
    left, right = rule.sides
    return broadcast(left, right.type.axes), broadcast(right, left.type.axes)


def context_sizes(rule: Rule, left: Term, right: Term) -> dict[str, int]:
    """``{Z: 1}`` when no side binds the context axis (so its entries are independent)."""
    if CONTEXT not in rule.axis_sizes or any(CONTEXT in t.bound for t in (left, right)):
        return {}
    size = rule.axis_sizes[CONTEXT]
    return {str(size): 1} if size.is_symbol else {}


def witness_claims(rule: Rule) -> list[tuple[str, Term, Term]]:
    """The exact identities a family rule stands on: ``lhs ≡ rhs[witness]``, and for ``≅``
    also ``rhs ≡ lhs[inverse]`` (each side broadcast to the other's axes)."""
    left, right = rule.sides
    claims = [("witness", left, substitute(right, _by_param(rule, right, "witness")))]
    if rule.inverse:
        claims.append(("inverse", right, substitute(left, _by_param(rule, left, "inverse"))))
    return [(which, broadcast(a, b.type.axes), broadcast(b, a.type.axes)) for which, a, b in claims]


def _by_param(rule: Rule, side: Term, which: str) -> dict[Term, Term]:
    table = {p.name: p for p in params(side)}
    return {table[name]: term for name, term in rule.assignments(which).items() if name in table}


_ORDER = ("proved", "unknown", "refuted", "conflict")


def verify_rule(rule: Rule, *, bound: int = RULE_BOUND, examples: int = EXAMPLES, seeds: int = 3, seed: int = 0) -> dict:
    """One rule's record: its verdict and each oracle's (JSON schema in docs/reference/cli.md).

    A family rule (``≅``/``⊑``) is checked through its witness (and inverse): the record is
    that of its weakest claim, and ``witnesses`` holds each claim's evidence.
    """
    claims = witness_claims(rule) if rule.level != "≡" else [("sides", *rule_terms(rule))]
    conditions = (rule.size_condition,) if rule.size_condition else ()
    records = {}
    for which, left, right in claims:
        evidence = run_oracles(left, right, seeds=seeds, examples=examples, seed=seed, bound=bound,
                               smt_sizes=context_sizes(rule, left, right), conditions=conditions)
        records[which] = evidence.to_json()
    worst = max(records.values(), key=lambda r: _ORDER.index(r["verdict"]))
    text = (f"{rule.lhs} {rule.direction} {rule.rhs}" if rule.level == "≡" else str(rule).split(": ", 1)[1])
    out = {"name": rule.name, "family": rule.family, "level": rule.level, "engine": rule.engine,
           "site": rule.site, "rule": text, **worst}
    if rule.level != "≡":
        out["witnesses"] = records
        out["size_condition"] = rule.condition or None
    return out


def verify_rules(rules: Sequence[Rule] | None = None, *, bound: int = RULE_BOUND, examples: int = EXAMPLES,
                 seeds: int = 3, seed: int = 0) -> dict:
    """Every rule's record (in table order) and the counts of each verdict."""
    records = [verify_rule(r, bound=bound, examples=examples, seeds=seeds, seed=seed) for r in (RULES if rules is None else rules)]
    counts = {v: sum(r["verdict"] == v for r in records) for v in ("proved", "refuted", "unknown", "conflict")}
    return {"rules": records, "counts": counts, "bound": bound, "examples": examples, "seeds": seeds, "seed": seed}
