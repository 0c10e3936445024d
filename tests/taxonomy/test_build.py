"""The taxonomy builder on small inputs (the full run is a benchmark)."""

from __future__ import annotations

import json

from anatomy.taxonomy.build import build_taxonomy
from anatomy.taxonomy.catalogue import load_entry


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


def test_numerically_equal_variants_the_shared_egraph_missed_are_checked_pairwise():
    """softmax with +1 and a zero sink are one function; in a group's shared e-graph, within
    the report's budget, they need not meet, so equal values send them to check on their own."""
    entries = [load_entry(n) for n in ("softmax-one", "zero-sink", "scaled-dot-product")]
    rec = build_taxonomy(entries, derivations=False)
    assert [(r["left"], r["relation"], r["right"]) for r in rec["relations"]] == [
        ("softmax-one", "equivalent", "zero-sink")]
    assert ["softmax-one", "zero-sink"] in [c["members"] for c in rec["classes"]]
