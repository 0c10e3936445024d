"""The family rules (≅, ⊑) are checked through their witnesses, and a wrong witness fails."""

from __future__ import annotations

import dataclasses

import pytest

from anatomy.errors import InternalError
from anatomy.rules import PARAMETERS, Rule, rule_named
from anatomy.verify.rules import verify_rule, witness_claims


@pytest.mark.parametrize("rule", PARAMETERS, ids=[r.name for r in PARAMETERS])
def test_family_rule_is_proved_through_its_witnesses(rule):
    rec = verify_rule(rule, examples=5)
    assert rec["verdict"] == "proved", rec["reason"]
    assert set(rec["witnesses"]) == ({"witness", "inverse"} if rule.level == "≅" else {"witness"})
    for claim in rec["witnesses"].values():
        assert claim["numeric"]["verdict"] in ("agree", "differ")  # differ only outside the domain (C = 0)
        assert claim["smt"]["verdict"] == "proved"


def _wrong(rule: Rule, **changes) -> Rule:
    return dataclasses.replace(rule, name=rule.name + "-wrong", site="", **changes)


@pytest.mark.parametrize("rule", [
    _wrong(rule_named("absorb-scale"), witness="V = W[x] / C"),               # the scale goes the wrong way
    _wrong(rule_named("merge-linear"), witness="W = 2 * sum_k(P[d, k] * R[f, k])"),  # twice the product
    _wrong(rule_named("fuse-params"), inverse="U = sum_t(where(t == 1, W[x, t], 0)); V = sum_t(where(t == 0, W[x, t], 0))"),
    _wrong(rule_named("merge-linear-full"), condition=""),                    # the rank condition matters
], ids=["absorb-wrong-way", "merge-doubled", "fuse-swapped", "merge-full-without-condition"])
def test_a_wrong_witness_is_refuted(rule):
    rec = verify_rule(rule, examples=5)
    assert rec["verdict"] == "refuted", rec


def test_witness_claims_substitute_the_right_side_parameters():
    (which, left, right), = witness_claims(rule_named("share-axis"))
    assert which == "witness" and "V" not in str(right) and "W[x]" in str(right)


def test_a_family_rule_needs_its_witness():
    with pytest.raises(InternalError, match="witness"):
        Rule("no-witness", "parameters", "X[z]", "X[z] + B", vars="X[z]", params="B", level="⊑", engine="family")
