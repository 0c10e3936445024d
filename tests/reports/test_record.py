"""The taxonomy record: JSON safety, checks, fixed orders, the lattice and term lookup."""

from __future__ import annotations

import itertools
import json

import pytest

from anatomy.errors import UsageError
from anatomy.examples import example_names, load_example
from anatomy.reports import SCHEMA, json_safe
from anatomy.reports._record import (citation_text, classes, component_items, components, covering, fmt, lattice,
                                     leaves_out, natural_key, prepare, relations, term_for)
from anatomy.taxonomy.catalogue import catalogue_names


def test_json_safe_makes_every_value_json():
    value = {"a": float("nan"), "b": [float("-inf"), 1.5, (2, 3)], 4: {"y", "x"}, "c": None, "d": True}
    out = json_safe(value)
    assert out == {"a": "nan", "b": ["-inf", 1.5, [2, 3]], "4": ["x", "y"], "c": None, "d": True}
    json.dumps(out, allow_nan=False)


@pytest.mark.parametrize("bad, fragment", [
    ([], "a taxonomy record (a dict)"),
    ({"schema": "other/1"}, "schema 'anatomy-taxonomy/1'"),
    ({"schema": SCHEMA, "variants": {"a": 1}}, "a list of objects under 'variants'"),
    ({"schema": SCHEMA, "variants": [{"title": "no name"}]}, "'name' string"),
], ids=["not-a-dict", "wrong-schema", "variants-not-a-list", "variant-without-name"])
def test_prepare_rejects_bad_records(bad, fragment):
    with pytest.raises(UsageError) as info:
        prepare(bad)
    assert fragment in str(info.value)


def test_prepare_fills_missing_sections():
    r = prepare({"schema": SCHEMA})
    assert r["variants"] == [] and r["relations"] == [] and r["derivations"] == []


def test_natural_order_of_class_ids():
    r = prepare({"schema": SCHEMA, "classes": [{"id": "C10", "members": ["b", "a"]}, {"id": "C2", "members": []}]})
    assert [c["id"] for c in classes(r, "classes")] == ["C2", "C10"]
    assert classes(r, "classes")[1]["members"] == ["a", "b"]
    assert sorted(["x10", "x9", "x"], key=natural_key) == ["x", "x9", "x10"]


def test_relations_sorted_by_left_right():
    r = prepare({"schema": SCHEMA, "relations": [{"left": "b", "right": "a"}, {"left": "a", "right": "c"}]})
    assert [(x["left"], x["right"]) for x in relations(r)] == [("a", "c"), ("b", "a")]


def test_components_follow_the_anatomy_then_names():
    r = prepare({"schema": SCHEMA, "components": [{"name": "zzz", "options": []}, {"name": "score", "options": [
        {"name": "dot", "variants": ["b", "a"]}, {"name": "bilinear", "variants": []}]},
        {"name": "projection", "options": []}]})
    out = components(r)
    assert [c["name"] for c in out] == ["projection", "score", "zzz"]
    assert [o["name"] for o in out[1]["options"]] == ["bilinear", "dot"] and out[1]["options"][1]["variants"] == ["a", "b"]
    assert component_items({"score": "dot", "extra": "x", "projection": "none"}) == [
        ("projection", "none"), ("score", "dot"), ("extra", "x")]


def test_covering_removes_transitive_edges_and_loops():
    nodes = ["mqa", "gqa", "mha", "x"]
    edges = [("mqa", "gqa"), ("gqa", "mha"), ("mqa", "mha"), ("x", "x"), ("mqa", "mqa")]
    assert covering(nodes, edges) == [("gqa", "mha"), ("mqa", "gqa")]


def test_covering_is_independent_of_edge_order():
    edges = [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("a", "d"), ("e", "d")]
    first = covering(list("abcde"), edges)
    for perm in itertools.islice(itertools.permutations(edges), 0, 720, 37):
        assert covering(list("edcba"), list(perm)) == first


def test_covering_ignores_an_edge_that_closes_a_cycle():
    assert covering(["a", "b"], [("a", "b"), ("b", "a")]) == [("a", "b")]


def test_lattice_over_reparam_classes():
    r = prepare({"schema": SCHEMA,
                 "variants": [{"name": "mqa", "reparam_class": "R1"}, {"name": "gqa", "reparam_class": "R2"},
                              {"name": "mha", "reparam_class": "R3"}, {"name": "mha2", "reparam_class": "R3"},
                              {"name": "lonely"}],
                 "relations": [{"left": "mqa", "right": "gqa", "relation": "specializes"},
                               {"left": "mha2", "right": "gqa", "relation": "generalizes"},
                               {"left": "mqa", "right": "mha", "relation": "specializes"},
                               {"left": "mqa", "right": "lonely", "relation": "distinct"}]})
    nodes, edges, members = lattice(r)
    assert nodes == ["R1", "R2", "R3", "lonely"]
    assert edges == [("R1", "R2"), ("R2", "R3")]
    assert members["R3"] == ["mha", "mha2"] and members["lonely"] == ["lonely"]


def test_term_lookup_catalogue_examples_and_given():
    from anatomy.ir.build import axes, tensor

    (i,) = axes("i:n")
    x = tensor("X", i)
    assert term_for("multi-query") is not None
    only_examples = sorted(set(example_names()) - set(catalogue_names()))
    assert only_examples and term_for(only_examples[0]) is load_example(only_examples[0]).term
    assert term_for("no-such-variant") is None
    assert term_for("no-such-variant", {"no-such-variant": x}) is x


def test_text_helpers():
    assert fmt(0.7643322763282543) == "0.764" and fmt(None) == "—" and fmt({"i": 1, "e": 0}) == "i=1, e=0"
    assert citation_text({"authors": ["Press, Ofir", "Lewis, Mike"], "title": "ALiBi", "venue": "ICLR",
                          "year": 2022, "arxiv": "2108.12409"}) == "Press, Lewis. ALiBi. ICLR 2022. arXiv:2108.12409"
    assert citation_text(None) == ""
    assert leaves_out({"leaves_out": "dropout"}) == ["dropout"] and leaves_out({}) == []
