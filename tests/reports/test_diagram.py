"""String diagrams: the graph (boxes, sharing, tubes), the layout, and the SVG."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from anatomy.examples import example_names, load_example
from anatomy.ir.build import axes, param, tensor
from anatomy.ir.term import Softmax
from anatomy.ir.traverse import postorder
from anatomy.reports import diagram_svg
from anatomy.reports._diagram import MAX_BAND
from anatomy.reports._graph import build_graph
from anatomy.reports._layout import layout
from anatomy.taxonomy.catalogue import catalogue_names, load_entry

SVG = "{http://www.w3.org/2000/svg}"


def _tubes(name):
    g = build_graph(load_entry(name).variant.term)
    return g, {t.id: t for t in g.tubes}


def test_sdpa_has_the_key_tube_around_the_feature_tube():
    g, tubes = _tubes("scaled-dot-product")
    by_axis = {t.axis: t for t in tubes.values()}
    assert set(by_axis) == {"d", "j"}
    assert by_axis["d"].parent == by_axis["j"].id and by_axis["j"].parent is None
    assert by_axis["j"].size == "m"
    # each tube's reduction sits on its right edge
    assert all(len(t.right) == 1 and g.nodes[t.right[0]].label == "Σ" for t in tubes.values())


def test_softmax_is_a_box_inside_its_tube():
    g, tubes = _tubes("scaled-dot-product")
    (soft,) = [n for n in g.nodes.values() if n.role == "norm"]
    assert soft.label == "softmax" and soft.sub == "j"
    assert tubes[soft.tube].axis == "j"


def test_ports_sit_in_the_tubes_of_their_axes():
    g, tubes = _tubes("scaled-dot-product")
    ports = {n.label: n for n in g.nodes.values() if n.role == "input"}
    assert ports["Q[i, d]"].tube is None  # broadcast into the j tube
    assert tubes[ports["K[j, d]"].tube].axis == "d"
    assert tubes[ports["V[j, e]"].tube].axis == "j"


def test_shared_sub_terms_are_drawn_once():
    i, d = axes("i:n d:dk")
    x = tensor("X", i, d)
    shared = (x * x).sum("d")
    term = shared * shared + shared
    g = build_graph(term)
    labels = sorted(n.label for n in g.nodes.values())
    assert labels.count("Σ") == 1 and labels.count("X[i, d]") == 1
    assert len(g.nodes) == 6  # X, ×, Σ, × (shared·shared), +, out


def test_constants_fold_into_the_box_that_uses_them():
    g = build_graph(load_entry("scaled-dot-product").variant.term)
    assert "÷ sqrt(dk)" in [n.label for n in g.nodes.values()]
    assert not any(n.label in ("dk", "sqrt") for n in g.nodes.values())


def test_two_reductions_of_one_tube_share_it():
    g, tubes = _tubes("linear-transformer")
    (j,) = [t for t in tubes.values() if t.axis == "j"]
    assert len(j.binders) == 2 and tubes[j.parent].axis == "d"
    assert len(j.right) + len(j.below) == 2


def test_scan_feeds_back_into_its_states():
    g = build_graph(load_entry("deltanet").variant.term)
    (scan,) = [n for n in g.nodes.values() if n.role == "scan"]
    assert scan.feedback and all(g.nodes[k].role == "state" for k in scan.feedback)
    assert "stroke-dasharray=\"5 3\"" in diagram_svg(load_entry("deltanet").variant.term)


def test_a_softmax_left_open_still_gets_a_tube():
    i, j, d = axes("i:n j:m d:dk")
    weights = Softmax((tensor("Q", i, d) * tensor("K", j, d)).sum("d"), "j")
    g = build_graph(weights)
    assert sorted(t.axis for t in g.tubes) == ["d", "j"]
    (j,) = [t for t in g.tubes if t.axis == "j"]
    assert not j.right and not j.below  # nothing closes it: the output wire leaves the tube


@pytest.mark.parametrize("name", catalogue_names())
def test_every_catalogue_variant_draws(name):
    term = load_entry(name).variant.term
    svg = diagram_svg(term, title=name)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert float(root.get("width")) <= MAX_BAND + 40
    drawn = [g for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("box ")]
    g = build_graph(term)
    assert len(drawn) == len(g.nodes)
    assert len(g.nodes) <= len(list(postorder(term))) + 1  # shared sub-terms once, plus the output port
    assert svg == diagram_svg(term, title=name)


def test_boxes_do_not_overlap_and_stay_in_their_tubes():
    for name in ("multi-head", "linear-transformer", "bahdanau-additive", "talking-heads", "rope"):
        g = build_graph(load_entry(name).variant.term)
        lay = layout(g)
        boxes = sorted(lay.boxes.items())
        for n, (ka, a) in enumerate(boxes):
            for kb, b in boxes[n + 1:]:
                apart = a.right <= b.left or b.right <= a.left or a.bottom <= b.top or b.bottom <= a.top
                assert apart, (name, g.nodes[ka].label, g.nodes[kb].label)
        for t in g.tubes:
            rect = lay.tubes[t.id]
            for k, node in g.nodes.items():
                if node.tube == t.id:
                    box = lay.boxes[k]
                    assert rect.left <= box.left and box.right <= rect.right, (name, node.label)
                    assert rect.top <= box.top and box.bottom <= rect.bottom, (name, node.label)


def test_a_wide_diagram_is_cut_into_bands():
    svg = diagram_svg(load_entry("nystromformer").variant.term, title="nystromformer")
    root = ET.fromstring(svg)
    assert float(root.get("width")) <= MAX_BAND + 40
    uses = list(root.iter(f"{SVG}use"))
    assert len(uses) >= 3 and len(list(root.iter(f"{SVG}clipPath"))) == len(uses)


def test_every_example_draws_too():
    for name in example_names():
        assert diagram_svg(load_example(name).term).count("<svg") == 1, name


def test_a_parameter_is_drawn_as_a_learner():
    i, d, f = axes("i:n d:dk f:df")
    term = (tensor("X", i, d) * param("W", d, f)).sum("d")
    svg = diagram_svg(term)
    assert 'class="box param"' in svg and 'class="box input"' in svg and "d: dk" in svg


def test_same_bytes_under_another_hash_seed():
    code = ("from anatomy.taxonomy.catalogue import load_entry; from anatomy.reports import diagram_svg; "
            "import sys; sys.stdout.write(diagram_svg(load_entry('linear-transformer').variant.term, title='x'))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert runs == {diagram_svg(load_entry("linear-transformer").variant.term, title="x")}
