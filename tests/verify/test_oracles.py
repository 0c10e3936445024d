"""All oracles on one claim, the rule tables verified, and ``anatomy rules verify`` end to end."""

from __future__ import annotations

import dataclasses
import json

import pytest

from anatomy.cli import main
from anatomy.examples import load_example
from anatomy.rules import RULES, Rule, rule_named
from anatomy.verify.oracles import _combine, run_oracles
from anatomy.verify.rules import rule_terms, verify_rule, verify_rules


def test_a_true_claim_is_proved_by_every_oracle_that_applies():
    ev = run_oracles(load_example("linear-elu-quadratic").term, load_example("linear-elu-linear").term)
    assert ev.verdict == "proved" and ev.smt.verdict == "proved" and ev.numeric.verdict == "agree"
    assert ev.field.verdict == "not-applicable" and "elu" in ev.field.reason


def test_a_false_claim_is_refuted_by_every_oracle_that_applies():
    ev = run_oracles(load_example("scaled-dot-product").term, load_example("dot-product").term)
    assert ev.verdict == "refuted" and ev.smt.verdict == "refuted" and ev.numeric.verdict == "differ"
    assert ev.field.verdict == "differ"


def _fake(ev, **changes):
    return dataclasses.replace(ev, **changes)


def test_a_proof_contradicted_at_the_same_sizes_is_a_conflict():
    true = run_oracles(load_example("linear-elu-quadratic").term, load_example("linear-elu-linear").term)
    false = run_oracles(load_example("scaled-dot-product").term, load_example("dot-product").term)
    ce = dataclasses.replace(false.numeric.counterexample, sizes=dict(true.smt.sizes[0]))
    verdict, reason, _ = _combine(true.smt, dataclasses.replace(false.numeric, counterexample=ce), true.field)
    assert verdict == "conflict" and "z3 proved it" in reason
    # a difference beyond z3's bound is no conflict: the proof is only for small sizes
    far = dataclasses.replace(ce, sizes={k: 9 for k in ce.sizes})
    verdict, _, _ = _combine(true.smt, dataclasses.replace(false.numeric, counterexample=far), true.field)
    assert verdict == "refuted"


def test_a_difference_outside_the_domain_is_a_condition_not_a_refutation():
    # sum_j(B / A) = sum_j(B) / A holds where A != 0; at A = 0 float64 gives nan against inf
    rec = verify_rule(rule_named("sum-pull-div"), examples=0)
    assert rec["verdict"] == "proved" and rec["conditions"] == ["every divisor is nonzero"]


def test_the_rule_tables_are_verified():
    rec = verify_rules(examples=5)
    assert rec["counts"] == {"proved": len(RULES), "refuted": 0, "unknown": 0, "conflict": 0}
    assert all(r["smt"]["verdict"] == "proved" for r in rec["rules"])
    # float64 agrees, or differs only where a side is undefined (the rule's domain conditions)
    assert all(r["numeric"]["verdict"] == "agree" or r["conditions"] for r in rec["rules"])
    assert sum(r["field"]["verdict"] == "agree" for r in rec["rules"]) >= 40


def test_sides_are_broadcast_to_each_other():
    left, right = rule_terms(rule_named("mul-zero"))
    assert left.type == right.type


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rules_verify_cli_text_and_json(capsys):
    code, out, err = run(capsys, "rules", "verify", "--family", "softmax", "--examples", "3")
    assert code == 0 and not err
    assert "softmax-shift (softmax, anatomy/rules/exact.py:" in out and "z3: proved at every size up to 3" in out
    assert out.rstrip().endswith(f"{sum(r.family == 'softmax' for r in RULES)} rules: "
                                 f"{sum(r.family == 'softmax' for r in RULES)} proved")
    code, out, _ = run(capsys, "rules", "verify", "--rule", "exp-add", "--examples", "3", "--json")
    rec = json.loads(out)
    assert code == 0 and [r["name"] for r in rec["rules"]] == ["exp-add"]
    assert set(rec["rules"][0]) >= {"name", "family", "site", "rule", "verdict", "conditions", "smt", "numeric", "field"}
    assert out == (run(capsys, "rules", "verify", "--rule", "exp-add", "--examples", "3", "--json")[1])


def test_rules_verify_exits_nonzero_when_a_rule_is_refuted(capsys, monkeypatch):
    import anatomy.rules as rules_pkg

    bogus = Rule("bogus-add-mul", "algebra", "A[z] + B[z]", "A[z] * B[z]", vars="A[z] B[z]", source="wrong")
    monkeypatch.setattr(rules_pkg, "rule_named", lambda name: bogus)
    code, out, _ = run(capsys, "rules", "verify", "--rule", "bogus-add-mul", "--examples", "3")
    assert code == 1 and "bogus-add-mul (algebra" in out and ": refuted" in out


@pytest.mark.parametrize("argv, message", [
    (("rules", "verify", "--family", "softmx"), "did you mean 'softmax'"),
    (("rules", "verify", "--bound", "0"), "--bound >= 1"),
    (("rules", "verify", "--rule", "no-such-rule"), "no-such-rule"),
], ids=["unknown-family", "bad-bound", "unknown-rule"])
def test_rules_verify_bad_arguments(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err
