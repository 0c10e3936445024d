"""Signature unification (``anatomy.ir.unify``) and alignment (``anatomy.relate.align``)."""

from __future__ import annotations

import pytest

from anatomy.egraph.engine import join
from anatomy.examples import load_examples
from anatomy.ir.size import Size
from anatomy.ir.term import Axis, Input, Param
from anatomy.ir.traverse import axis_names, rename_everywhere, rewrite_bottom_up, size_symbols, substitute_sizes
from anatomy.ir.unify import pair_inputs, unify
from anatomy.ir.variant import Variant
from anatomy.relate import align


def _leaf(name: str, *axes: tuple[str, str]) -> Input:
    return Input(name, tuple(Axis(a, s) for a, s in axes))


def _variant(name: str, *leaves: Input) -> Variant:
    term = leaves[0]
    for x in leaves[1:]:
        term = term * x.sum(x.axes[0]) if x.axes[0] not in term.axes else term * x
    return Variant.from_term(name, term)


def test_inputs_pair_by_name_then_case_then_position():
    left = [_leaf("q", ("i", "n")), _leaf("k", ("j", "m")), _leaf("v", ("j", "m"))]
    right = [_leaf("v", ("t", "T")), _leaf("K", ("t", "T")), _leaf("X", ("u", "U"))]
    pairs = [(a.name, b.name) for a, b in pair_inputs(left, right)]
    assert pairs == [("v", "v"), ("k", "K"), ("q", "X")]


def test_inputs_of_another_rank_are_not_paired():
    left, right = [_leaf("q", ("i", "n"))], [_leaf("x", ("i", "n"), ("d", "dk"))]
    assert pair_inputs(left, right) == []


def test_a_symbol_of_one_side_only_renames_and_is_no_condition():
    a = _variant("a", _leaf("q", ("i", "n")))
    b = _variant("b", _leaf("Q", ("t", "T")))
    found = unify(a, b)
    assert found.inputs == (("Q", "q"),) and dict(found.sizes) == {"T": Size.of("n")}
    assert found.conditions == ()


def test_a_product_narrows_the_claim():
    a = _variant("a", _leaf("q", ("i", "n")))
    b = _variant("b", _leaf("q", ("i", "2*K")))
    found = unify(a, b)
    assert dict(found.sizes) == {"n": Size.parse("2*K")} and found.conditions == ("n = 2*K",)
    assert found.left(a.term).type == found.right(b.term).type


def test_two_symbols_of_the_left_made_equal_narrow_it():
    a = _variant("a", _leaf("q", ("i", "n")), _leaf("k", ("j", "m")))
    b = _variant("b", _leaf("q", ("i", "n")), _leaf("k", ("i", "n")))
    found = unify(a, b)
    assert found.conditions in (("m = n",), ("n = m",))


def test_sizes_that_do_not_unify_give_none():
    a = _variant("a", _leaf("q", ("i", "2*K")))
    b = _variant("b", _leaf("q", ("i", "3*L")))
    assert unify(a, b) is None


def test_disjoint_inputs_do_not_unify():
    a = _variant("a", _leaf("x", ("i", "n")))
    b = _variant("b", _leaf("q", ("i", "m")), _leaf("k", ("j", "m")))
    assert unify(a, b) is None


def test_an_input_is_not_renamed_onto_a_parameter_name():
    a = _variant("a", _leaf("v", ("i", "n")))
    b = Variant.from_term("b", _leaf("x", ("i", "n")) * Param("v", (Axis("i", "n"),)))
    assert unify(a, b) is None  # x would become v, the name of b's parameter


def _disguised(v: Variant) -> Variant:
    """``v`` with every size symbol, axis name and input name changed (inputs by case)."""
    symbols = {s: Size.of(f"{s}Z") for s in size_symbols(v.term)}
    term = substitute_sizes(v.term, symbols)
    term = rename_everywhere(term, {a: f"{a}z" for a in sorted(axis_names(term))})
    names = {x.name: x.name.swapcase() for x in v.inputs}
    term = rewrite_bottom_up(term, lambda n: Input(names[n.name], n.shape) if isinstance(n, Input) else n)
    return Variant.from_term(f"{v.name}-disguised", term, out_axes=tuple(f"{a}z" for a in v.out_axes))


@pytest.mark.parametrize("v", [v for v in load_examples() if not v.params], ids=lambda v: v.name)
def test_a_disguised_variant_aligns_back_to_itself(v):
    """Renaming every name of a variant, and aligning it with the original, gives the
    original's signature back, with an alignment that only renames, and a term the e-graph
    joins with the original (bound axes may keep their new names until α-alignment)."""
    found = unify(v, _disguised(v))
    assert found is not None and found.conditions == (), found
    _, back, _ = align(v, _disguised(v))
    assert back.term.type == v.term.type and back.inputs == v.inputs
    assert join(v.term, back.term).joined


def test_common_factors_cancel():
    a = _variant("a", _leaf("x", ("i", "G*R*dh")))
    b = _variant("b", _leaf("x", ("i", "H*dh")))
    found = unify(a, b)
    assert dict(found.sizes) == {"H": Size.parse("G*R")} and found.conditions == ("H = G*R",)
