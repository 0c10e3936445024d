"""The engine: budgets and stop reasons, classes, classification, extraction, decoding."""

from __future__ import annotations

import pytest

from anatomy.egraph.cost import cost_sizes, term_cost
from anatomy.egraph.engine import STOP_REASONS, Budget, Engine, classify, is_canonical, partition
from anatomy.examples import load_example, load_examples
from anatomy.ir.traverse import size_symbols
from anatomy.rules import RULES, rule_named
from anatomy.verify.numeric import compare


def test_canonical_rules_shrink_and_expansive_ones_do_not():
    assert is_canonical(rule_named("mul-zero")) and is_canonical(rule_named("softmax-shift"))
    assert not is_canonical(rule_named("add-comm")) and not is_canonical(rule_named("sum-pull-mul"))


@pytest.mark.parametrize("budget, stop", [
    (Budget(iterations=1), "iteration limit"),
    (Budget(nodes=10), "node limit"),
    (Budget(seconds=0.0), "time limit"),
    (Budget(iterations=60), "saturated"),
])
def test_every_run_reports_why_it_stopped(budget, stop):
    eng = Engine()
    eng.add(load_example("scaled-dot-product").term)
    result = eng.run(budget)
    assert result.stop == stop and result.stop in STOP_REASONS
    assert result.nodes == eng.nodes() > 0


def test_classes_partition_the_examples():
    variants = load_examples()
    part = partition([v.term for v in variants], Budget())
    names = [[variants[i].name for i in c] for c in part.classes]
    assert sorted(n for c in names for n in c) == sorted(v.name for v in variants)
    together = {frozenset(c) for c in names}
    assert any({"linear-elu-linear", "linear-elu-quadratic"} <= c for c in together)
    assert any({"causal-linear-masked", "causal-linear-scan"} <= c for c in together)
    assert any({"softmax-plus-one", "zero-sink"} <= c for c in together)
    assert not any({"scaled-dot-product", "dot-product"} <= c for c in together)


def test_a_new_term_is_classified_against_the_catalogue():
    variants = load_examples()
    part = partition([v.term for v in variants], Budget())
    from anatomy.examples import equivalence_cases
    from anatomy.ir.variant import load_variant
    case = next(c for c in equivalence_cases() if c.name == "sdpa-max-subtracted")
    found, run = classify(load_variant(case.b).term, part)
    assert found is not None and run.stop == "joined"
    assert "scaled-dot-product" in {variants[i].name for i in found}
    other = next(c for c in equivalence_cases() if c.name == "alibi-sign-flipped")
    found, run = classify(load_variant(other.b).term, part)
    assert found is None and run.stop != "joined"


def test_extraction_finds_linear_attention_in_linear_order():
    term = load_example("linear-elu-quadratic").term
    sizes = cost_sizes(size_symbols(term), {"n": 4096, "m": 4096, "dk": 64, "dv": 64})
    eng = Engine()
    h = eng.add(term)
    eng.run(Budget(iterations=8))
    best, cost = eng.extract(h, sizes)
    before = term_cost(term, sizes)
    assert cost.flops * 20 < before.flops  # O(n d^2) instead of O(n^2 d)
    assert compare(term, best).verdict == "agree"


def test_decode_repairs_terms_whose_axes_the_egraph_dropped():
    # sum_d(Q * 0): the e-graph learns the argument is 0 (no axis d); decoding gives d * 0 back
    from anatomy.ir.build import axes, tensor
    i, d = axes("i:n d:k")
    q = tensor("Q", i, d)
    eng = Engine()
    h = eng.add((q * 0).sum("d"))
    eng.run(Budget(iterations=4))
    best, _ = eng.extract(h, {"n": 3, "k": 4})
    assert best.type.names in ((), ("i",))  # constant zero, broadcast along i
    assert compare((q * 0).sum("d"), best + 0 * q.sum("d")).verdict == "agree"


def test_every_egraph_rule_compiles():
    from anatomy.egraph.compile import compile_rule
    for r in RULES:
        if r.engine == "egraph":
            assert compile_rule(r), r.name


def test_every_prepare_rule_has_an_engine_and_back():
    from anatomy.egraph.prepare import PREPARE_RULES
    assert {r.name for r in RULES if r.engine == "prepare"} == set(PREPARE_RULES)
