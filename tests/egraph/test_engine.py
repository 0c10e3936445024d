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


# -- members ---------------------------------------------------------------------------


def _saturated(name: str, iterations: int = 4) -> tuple[Engine, int]:
    eng = Engine()
    h = eng.add(load_example(name).term)
    eng.run(Budget(iterations=iterations))
    return eng, h


def test_members_are_distinct_members_of_the_class():
    eng, h = _saturated("causal-linear-masked")
    members = eng.members(h, limit=6)
    assert len(members) == len(set(members)) == 6
    # these members need no repair when decoded, so inserting one finds its e-class unchanged
    handles = [eng.add(m) for m in members]
    assert all(eng.same(h, x) for x in handles)
    assert eng.classes() == [[h, *handles]]


def test_members_are_deterministic_and_honour_the_limit():
    eng, h = _saturated("online-softmax")
    first = eng.members(h, limit=5)
    assert eng.members(h, limit=5) == first
    again, h2 = _saturated("online-softmax")
    assert again.members(h2, limit=5) == first
    assert eng.members(h, limit=2) == first[:2]
    assert eng.members(h, limit=0) == []
    assert len(first) == 5


def test_members_start_with_the_smallest_and_the_cheapest():
    term = load_example("linear-elu-quadratic").term
    eng = Engine()
    h = eng.add(term)
    eng.run(Budget(iterations=8))
    sizes = cost_sizes(size_symbols(term), {"n": 4096, "m": 4096, "dk": 64, "dv": 64})
    members = eng.members(h, limit=4, sizes=[sizes])
    from anatomy.egraph.encode import decode
    assert members[0] == decode(eng.egraph.extract(eng._refs[h]))  # the smallest
    assert members[1] == eng.extract(h, sizes)[0]  # the linear-order form, cheapest at these sizes
    assert all(compare(term, m).verdict == "agree" for m in members)


def test_class_members_cover_every_class_once():
    variants = load_examples()
    eng = Engine()
    eng.add_all([v.term for v in variants[:6]])
    eng.run(Budget(iterations=3))
    together = eng.class_members(limit=3)
    assert sorted(together) == [c[0] for c in eng.classes()]
    for cls in eng.classes():
        assert together[cls[0]] == eng.members(cls[-1], limit=3)


def test_extraction_costs_are_not_capped():
    # tree costs at token sizes pass 2**63; a cap at 2**62 tied a node with its own class and
    # made egglog's extractor panic (found by tests/egraph/test_property.py)
    from anatomy.egraph.engine import _CostModel
    from anatomy.ir.build import axes, tensor
    i, j, k, l = axes("i:n j:n k:n l:n")
    x = tensor("X", i, j, k, l)
    eng = Engine()
    h = eng.add(((x * x).sum("l") * x).sum("k"))
    eng.run(Budget(iterations=2))
    _, cost = eng.egraph.extract(eng._refs[h], include_cost=True, cost_model=_CostModel({"n": 10**6}))
    assert cost > 2**63
