"""The equivalences the engine must derive, and the pairs it must not join.

Each case folder in ``anatomy/examples/equivalences`` names its expected relation. The
e-graph must join exactly the equivalent pairs, and the float64 random test (independent
of the e-graph) must agree with it: equivalent pairs agree numerically, distinct pairs get
a counterexample.
"""

from __future__ import annotations

import pytest

from anatomy.egraph.engine import Budget, join
from anatomy.examples import equivalence_cases
from anatomy.ir.variant import load_variant
from anatomy.verify.numeric import compare

CASES = equivalence_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case):
    a, b = load_variant(case.a).term, load_variant(case.b).term
    joined = join(a, b, Budget(iterations=8), explain=False)
    numeric = compare(a, b)
    if case.relation == "equivalent":
        assert joined.joined, f"not joined: {joined.run}"
        assert numeric.verdict == "agree", numeric
    else:
        assert case.relation == "distinct"
        assert not joined.joined
        assert numeric.verdict == "differ" and numeric.counterexample is not None


def test_cases_cover_the_issue():
    names = {c.name for c in CASES}
    assert len([c for c in CASES if c.relation == "equivalent"]) >= 11
    assert len([c for c in CASES if c.relation == "distinct"]) >= 6
    assert {"online-softmax", "causal-linear-masked-vs-scan", "multi-head-axis-vs-head-loop",
            "causal-alignments-square", "causal-alignments-rectangular"} <= names


def test_explained_join_names_a_minimal_rule_set():
    case = next(c for c in CASES if c.name == "linear-quadratic-vs-linear")
    a, b = load_variant(case.a).term, load_variant(case.b).term
    j = join(a, b)
    assert j.joined and j.rules
    # every listed rule is needed: dropping any one of them no longer joins the pair
    from anatomy.egraph.engine import _joins
    from anatomy.rules import RULES
    for name in j.rules:
        rules = [r for r in RULES if r.name in j.rules and r.name != name]
        assert not _joins(a, b, rules, Budget())[0], name
