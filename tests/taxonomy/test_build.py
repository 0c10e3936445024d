"""The taxonomy builder and the recombination, on small inputs (the full runs are benchmarks)."""

from __future__ import annotations

import json

from anatomy.taxonomy.build import build_taxonomy
from anatomy.taxonomy.catalogue import load_entry
from anatomy.taxonomy.explore import explore


def test_build_derives_the_catalogue_relations():
    entries = [load_entry(n) for n in ("aft-full", "aft-simple", "multi-head", "multi-query")]
    rec = build_taxonomy(entries, derivations=False)
    got = {(r["left"], r["relation"], r["right"]) for r in rec["relations"]}
    assert ("multi-query", "specializes", "multi-head") in got
    assert ("aft-simple", "specializes", "aft-full") in got
    for r in rec["relations"]:
        assert r["evidence"]["numeric"]["verdict"] == "agree" and r["strict"]["verdict"] == "strict"
    assert [c["members"] for c in rec["classes"]] == [["aft-full"], ["aft-simple"], ["multi-head"], ["multi-query"]]
    again = build_taxonomy(entries, derivations=False)
    assert json.dumps(rec, sort_keys=True) == json.dumps(again, sort_keys=True)


def test_explore_finds_the_literature_in_a_small_space():
    space = {"projection": ("none",), "position": ("none",), "score": ("dot", "scaled-dot"), "mask": ("none",),
             "normaliser": ("sigmoid", "softmax"), "aggregation": ("weighted-sum",), "output": ("none",)}
    rec = explore([load_entry(n) for n in ("scaled-dot-product", "sigmoid-attention")], restrict=space)
    assert rec["size"] == 4 and rec["points"] + rec["ill_typed"] == 4
    assert rec["classes"] == rec["points"] and "scaled-dot-product" in rec["literature"]
    assert len(rec["new"]) == rec["classes"] - sum(1 for c in rec["class_list"] if c["literature"])
