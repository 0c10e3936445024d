"""The Hasse diagram: covering edges only, general classes above, a fixed layout."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from anatomy.reports import hasse_svg

SVG = "{http://www.w3.org/2000/svg}"


def _centres(svg: str) -> dict[str, tuple[float, float]]:
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "lattice-node":
            rect = next(g.iter(f"{SVG}rect"))
            name = next(g.iter(f"{SVG}text")).text
            out[name] = (float(rect.get("x")) + float(rect.get("width")) / 2,
                         float(rect.get("y")) + float(rect.get("height")) / 2)
    return out


def test_chain_draws_covering_edges_with_the_general_on_top():
    svg = hasse_svg(["mha", "gqa", "mqa"], [("mqa", "gqa"), ("gqa", "mha"), ("mqa", "mha")])
    assert svg.count("<line") == 2
    pos = _centres(svg)
    assert pos["mha"][1] < pos["gqa"][1] < pos["mqa"][1]


def test_layout_is_independent_of_input_order():
    nodes = ["a", "b", "c", "d", "e"]
    edges = [("a", "c"), ("b", "c"), ("c", "d"), ("b", "e"), ("e", "d")]
    first = hasse_svg(nodes, edges)
    assert hasse_svg(list(reversed(nodes)), list(reversed(edges))) == first


def test_isolated_nodes_go_in_a_grid_with_a_caption():
    svg = hasse_svg(["a", "b", "x", "y"], [("a", "b")])
    pos = _centres(svg)
    assert "no ⊑ relation found for:" in svg
    assert pos["x"][1] > pos["a"][1] and pos["x"][1] == pos["y"][1]


def test_members_links_and_escaping():
    svg = hasse_svg(["R1", "R<2>"], [("R1", "R<2>")], {"R1": ["mqa"], "R<2>": ["a&b", "c"]},
                    links={"R1": "#variant-mqa"})
    ET.fromstring(svg)
    assert 'href="#variant-mqa"' in svg and "R&lt;2&gt;" in svg and "a&amp;b" in svg


def test_many_members_are_summarised():
    svg = hasse_svg(["R1"], [], {"R1": [f"v{k}" for k in range(9)]})
    assert "… 5 more" in svg


def test_marker_ids_take_the_prefix():
    svg = hasse_svg(["a", "b"], [("a", "b")], id_prefix="lat2")
    assert re.search(r'id="lat2-arrow"', svg) and "url(#lat2-arrow)" in svg
