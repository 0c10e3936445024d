"""Families: the relations between parameterised variants, derived and verified (issue: families).

Every answer below comes from the engine: witnesses proposed by the family rules, screened
numerically, derived by the e-graph and checked by the oracles; strictness from Jacobian
ranks. The expected relations are in ``anatomy/examples/families/*/case.toml``.
"""

from __future__ import annotations

import pytest

from anatomy.examples import family_case, family_cases
from anatomy.family.relation import strictness
from anatomy.family.search import find_inclusion
from anatomy.ir.variant import parse_variant
from anatomy.relate import check

CASES = family_cases()
SLOW = {"gqa-vs-mha", "mha-vs-mqa", "mqa-vs-gqa", "scaled-vs-unscaled-mha"}


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c.name in SLOW else c for c in CASES],
                         ids=[c.name for c in CASES])
def test_family_case(case):
    a, b = case.load()
    rec = check(a, b, examples=0, seeds=2)
    assert rec["relation"] == case.relation, rec["reason"]
    if case.relation == "equivalent":  # ≡ for every parameter value: the exact check settles it
        assert rec["evidence"]["rules"] and rec["evidence"]["numeric"]["verdict"] == "agree"
        return
    forward, backward = rec["evidence"]["witness"]["forward"], rec["evidence"]["witness"]["backward"]
    shown = forward if case.relation in ("specializes", "reparam-equivalent") else backward
    assert shown["holds"] is True
    assert shown["rules"] or shown["prepared_by"] or shown["reason"].startswith("the forward witness is onto")
    assert shown["evidence"]["numeric"]["verdict"] == "agree"
    assert shown["evidence"]["smt"]["verdict"] in ("proved", "unknown")
    if case.relation == "reparam-equivalent":
        assert backward["holds"] is True
    if case.strict is not None:
        assert rec["strict"]["verdict"] == ("strict" if case.strict else "not shown"), rec["strict"]["reason"]
    if case.conditions:
        assert rec["also"] == [{"relation": "reparam-equivalent", "conditions": list(case.conditions)}]


def test_the_scale_is_absorbed_by_the_query_or_key_projection():
    a, b = family_case("scaled-vs-unscaled-mha").load()
    inc = find_inclusion(a.term, b.term, examples=0)
    assert inc.holds
    rules = {w["param"]: w["rule"] for w in inc.witness}
    assert sorted(rules.values()).count("absorb-scale") == 1
    assert "sqrt(dh)" in next(w["value"] for w in inc.witness if w["rule"] == "absorb-scale")


MHA = """
variant {name}
axes i: n, j: n, x: dm, d: dh
input X[i, x]
param {params}
out[i, j] = softmax_j(sum_d(sum_x(X[i, x] * {wq}[x, d]) * sum_x(X[j, x] * {wk}[x, d])){scale})
"""


def _variant(name, params, wq, wk, scale=""):
    return parse_variant(MHA.format(name=name, params=params, wq=wq, wk=wk, scale=scale))


def test_a_tied_parameter_specialises_untied_ones_but_not_back():
    """Tying: one W for queries and keys is a special case of separate ones (Wq := W·√dh,
    Wk := W absorbs the scale into one use only by giving each use its own parameter); the
    converse needs W to take two values at once, and is not claimed."""
    tied = _variant("tied", "W[x, d]", "W", "W")
    untied = _variant("untied", "Wq[x, d], Wk[x, d]", "Wq", "Wk", " / sqrt(dh)")
    rec = check(tied, untied, examples=0, seeds=2)
    assert rec["relation"] == "specializes", rec["reason"]
    assert rec["evidence"]["witness"]["backward"]["holds"] is not True
    values = {w["param"]: w["value"] for w in rec["evidence"]["witness"]["forward"]["witness"]}
    assert values["Wq"].startswith("W[x, d]") and values["Wk"].startswith("W[x, d]")


def test_a_query_bias_is_not_redundant_but_a_key_bias_is():
    q = check(*family_case("query-bias-vs-none").load(), examples=0, seeds=2)
    k = check(*family_case("key-bias-vs-none").load(), examples=0, seeds=2)
    assert (q["relation"], k["relation"]) == ("generalizes", "equivalent")
    assert "softmax-shift" in k["evidence"]["rules"]


def test_strictness_is_not_claimed_for_equal_families():
    a, b = family_case("fused-vs-separate-qkv").load()
    s = strictness(a.term, b.term)
    assert s["verdict"] == "not shown" and s["left_rank"]["rank"] == s["right_rank"]["rank"]


def test_no_witness_for_unrelated_families():
    a = _variant("plain", "Wq[x, d], Wk[x, d]", "Wq", "Wk")
    sig = parse_variant(MHA.format(name="sig", params="Wq[x, d], Wk[x, d]", wq="Wq", wk="Wk", scale="")
                        .replace("softmax_j(", "sigmoid(").replace("))\n", "))\n"))
    inc = find_inclusion(a.term, sig.term, examples=0)
    assert inc.holds is None and not inc.witness
