"""The recombination on small spaces (the full space is a benchmark: benchmarks/explore.py)."""

from __future__ import annotations

import json

import pytest

from anatomy.egraph.engine import Budget
from anatomy.ir.build import axes, exp, log, param, tensor
from anatomy.taxonomy._parallel import ordered_map
from anatomy.taxonomy._reparam import profile
from anatomy.taxonomy.catalogue import load_entry
from anatomy.taxonomy.explore import CORE, PAPER, SPACES, explore

ONE = {c: (o,) for c, o in (("projection", "none"), ("position", "none"), ("mask", "none"),
                             ("aggregation", "weighted-sum"), ("output", "none"))}
"""Everything fixed but the score and the normaliser."""


def _space(**options) -> dict:
    return {**ONE, "score": ("dot",), "normaliser": ("softmax",), **options}


def _without_measurements(rec: dict) -> str:
    """The record as JSON without the fields that measure the run (time and memory)."""
    out = {k: v for k, v in rec.items() if k not in ("seconds", "peak_mb", "stages")}
    out["stages"] = {k: {f: x for f, x in v.items() if f not in ("seconds", "peak_mb", "workers_peak_mb")}
                     for k, v in rec["stages"].items()}
    return json.dumps(out, sort_keys=True)


def _class_of(rec: dict, name: str) -> dict:
    return next(c for c in rec["class_list"] if name in c["members"])


def test_every_point_of_the_product_is_counted():
    space = _space(score=("dot", "elu-feature"), normaliser=("kernel-sum", "softmax"),
                   aggregation=("reassociated", "weighted-sum"))
    rec = explore(restrict=space)
    assert rec["size"] == 8 and rec["points"] + rec["ill_typed"] == 8
    assert sum(rec["ill_typed_by"].values()) == rec["ill_typed"] == 3  # reassociation needs a feature kernel
    assert rec["ill_typed_by"] == {"aggregation": 3}
    assert sum(len(c["members"]) for c in rec["class_list"]) == rec["points"]


def test_points_that_build_one_term_are_one_class_without_a_join():
    # the reassociated order has no place for a score bias: ALiBi's slope drops out, the term is the same
    space = _space(projection=("per-head",), position=("alibi", "none"), score=("elu-feature",),
                   normaliser=("kernel-sum",), aggregation=("reassociated",))
    rec = explore(restrict=space)
    assert rec["points"] == 2 and rec["distinct_terms"] == 1 and rec["same_term"] == 1
    assert rec["classes"] == 1 and rec["stages"]["classes"]["egraphs"] == 0
    assert rec["class_list"][0]["members"] == ["per-head+alibi+elu-feature+none+kernel-sum+reassociated+none",
                                               "per-head+none+elu-feature+none+kernel-sum+reassociated+none"]


def test_the_egraph_joins_a_known_pair_and_only_a_join_counts():
    space = _space(score=("dot", "scaled-dot"), normaliser=("kernel-sum",))
    joined = explore(restrict=space)
    # a / sum_j a: the 1/sqrt(dk) cancels, the fingerprints meet, the e-graph joins the two
    assert joined["fingerprint_groups"] == 1 and joined["classes"] == 1 and joined["unjoined"] == 0
    assert joined["class_list"][0]["members"] == ["none+none+dot+none+kernel-sum+weighted-sum+none",
                                                  "none+none+scaled-dot+none+kernel-sum+weighted-sum+none"]
    # without saturation the same group stays two classes, each naming the other
    apart = explore(restrict=space, budget=Budget(iterations=0))
    assert apart["fingerprint_groups"] == 1 and apart["classes"] == 2 and apart["unjoined"] == 1
    a, b = apart["class_list"]
    assert a["numerically_equal_not_joined"] == [b["representative"]]
    assert b["numerically_equal_not_joined"] == [a["representative"]]


def test_a_scale_is_not_an_equality():
    # f and f / sqrt(dk) once shared a fingerprint (values were hashed relative to their largest)
    rec = explore(restrict=_space(score=("dot", "scaled-dot"), normaliser=("identity",)))
    assert rec["fingerprint_groups"] == 2 and rec["classes"] == 2 and rec["unjoined"] == 0


def test_the_literature_is_found_through_an_alignment_and_its_condition_is_kept():
    rec = explore(restrict=_space(score=("scaled-dot",), normaliser=("sigmoid", "softmax")))
    assert rec["literature"] == ["scaled-dot-product", "sigmoid-attention"]
    c = _class_of(rec, "none+none+scaled-dot+none+softmax+weighted-sum+none")
    assert c["literature"] == ["scaled-dot-product"]
    assert c["conditions"] == {"scaled-dot-product": ["m = n"]}  # the catalogue's keys have their own length
    assert rec["new"] == []


def test_the_literature_entries_fix_the_shared_axes():
    entries = [load_entry(n) for n in ("scaled-dot-product", "sigmoid-attention")]
    rec = explore(entries, restrict=_space(score=("dot", "scaled-dot"), normaliser=("sigmoid", "softmax")))
    assert rec["size"] == 4 and rec["classes"] == rec["points"] == 4
    assert rec["literature"] == ["scaled-dot-product", "sigmoid-attention"]
    assert all(not c["conditions"] for c in rec["class_list"])  # the keys' length is m on both sides
    assert len(rec["new"]) == 2


def test_scaled_and_unscaled_dot_are_one_reparam_class_under_learned_projections():
    space = {**PAPER, "projection": ("single",), "score": ("dot", "scaled-dot", "squared-dot"),
             "normaliser": ("softmax",), "aggregation": ("weighted-sum",)}
    rec = explore(restrict=space)
    pairs = rec["reparam_pairs"]
    assert rec["classes"] == 3 and rec["reparam_classes"] == 2
    assert rec["reparam_merged"] == [["single+none+dot+causal+softmax+weighted-sum+none",
                                      "single+none+scaled-dot+causal+softmax+weighted-sum+none"]]
    assert pairs["comparable"] == 3 and pairs["profile_differs"] + pairs["same_profile"] == pairs["comparable"]
    assert pairs["tried"] + pairs["not_tried"] + pairs["numerically_equal"] == pairs["same_profile"]
    assert pairs["merged"] == 1 and pairs["first"] == pairs["tried"]  # inside the paper's space: tried first
    swaps = {tuple(s["swap"]): s for s in pairs["swaps"]}
    assert swaps[("score: dot / scaled-dot",)]["merged"] == 1


def test_a_pair_budget_is_recorded_not_hidden():
    space = {**PAPER, "projection": ("single",), "score": ("dot", "scaled-dot"), "normaliser": ("softmax",),
             "aggregation": ("weighted-sum",)}
    rec = explore(restrict=space, reparam_pairs=0)
    pairs = rec["reparam_pairs"]
    assert pairs["same_profile"] == 1 and pairs["tried"] == 0 and pairs["not_tried"] == 1
    assert pairs["first_not_tried"] == ["single+none+dot+causal+softmax+weighted-sum+none",
                                        "single+none+scaled-dot+causal+softmax+weighted-sum+none"]
    assert rec["reparam_classes"] == rec["classes"] == 2 and rec["reparam_merged"] == []


def test_the_record_is_the_same_bytes_apart_from_time_and_memory_whatever_the_workers():
    one = explore(restrict=CORE)
    two = explore(restrict=CORE, workers=2)  # 86 terms: the fingerprints go to two processes
    assert _without_measurements(one) == _without_measurements(two)
    assert one["subspaces"]["core"]["classes"] == one["classes"]
    assert one["subspaces"]["core"]["points"] == one["points"]
    assert "paper" not in one["subspaces"]


def test_every_stage_reports_progress_up_to_its_last_item():
    calls = []
    rec = explore(restrict=_space(score=("dot", "scaled-dot"), normaliser=("kernel-sum", "softmax")),
                  progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = [s for s, _, _ in calls]
    assert stages[0] == "enumerate" and "fingerprints" in stages and "classes" in stages
    for stage in set(stages):
        last = [(d, t) for s, d, t in calls if s == stage][-1]
        assert last[0] + 1 == last[1]
    assert [s for s in rec["stages"]] == ["enumerate", "terms", "fingerprints", "literature", "classes",
                                          "≅ profiles", "≅ screens", "≅ relations"]
    assert all(v["seconds"] >= 0 and v["peak_mb"] > 0 for v in rec["stages"].values())


def test_the_cli_prints_the_summary_and_the_record(capsys):
    from anatomy.cli import main

    assert main(["explore", "--space", "paper"]) == 0
    text = capsys.readouterr().out
    assert "subspace paper: 78 of 192 points well-typed, 76 ≡ and 71 ≅ classes" in text
    assert main(["explore", "--json", "--reparam-pairs", "0"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["subspaces"]["core"]["points"] == 86 and rec["reparam_pairs"]["tried"] == 0
    assert main(["explore", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_the_named_spaces_are_subspaces_of_the_product():
    from anatomy.taxonomy.components import COMPONENTS, OPTIONS

    for space in SPACES.values():
        assert set(space) == set(COMPONENTS)
        assert all(set(space[c]) <= set(OPTIONS[c]) for c in COMPONENTS)


def test_the_family_profile_ignores_a_reparametrisation_and_sees_a_new_function():
    i, d, e = axes("i:n d:dk e:dv")
    x, w = tensor("X", i, d), param("W", d, e)
    linear = (x * w).sum("d")
    assert profile(linear) == profile((x * (w * 3)).sum("d"))
    assert profile(linear) != profile((x * w * x).sum("d"))  # degree 2 in X
    assert profile(linear) != profile((exp(x) * w).sum("d"))  # not homogeneous
    assert profile((log(x) * w).sum("d")) == ("non-finite",)


@pytest.mark.parametrize("workers", [1, 2])
def test_ordered_map_keeps_the_order(workers):
    items = list(range(-100, 100))
    assert ordered_map(abs, items, workers=workers) == [abs(x) for x in items]
