"""The three renderers on a realistic record: determinism, structure, escaping, goldens."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import anatomy.reports._html as html_module
from anatomy.reports import SCHEMA, json_safe, render_html, render_json, render_markdown, write_report
from anatomy.reports._record import canonical, lattice, prepare
from tests.reports.htmlcheck import check_html, external_loads

GOLDEN = Path(__file__).resolve().parent / "golden"

SMALL = {
    "schema": SCHEMA,
    "variants": [
        {"name": "scaled-dot-product", "title": "Scaled dot-product attention", "aliases": ["sdpa"],
         "citation": {"authors": ["Vaswani, Ashish", "et al."], "year": 2017, "venue": "NeurIPS",
                      "arxiv": "1706.03762", "title": "Attention Is All You Need"},
         "definition": "out[i, e] = sum_j(softmax_j(sum_d(Q[i, d] * K[j, d]) / sqrt(dk)) * V[j, e])",
         "components": {"projection": "none", "score": "scaled-dot", "normaliser": "softmax"},
         "leaves_out": ["dropout"], "inputs": ["Q", "K", "V"], "params": [], "class": "C2", "reparam_class": "R2"},
        {"name": "luong-dot", "title": "Dot attention", "aliases": [], "citation": None,
         "definition": "out[i, e] = sum_j(softmax_j(sum_d(Q[i, d] * K[j, d])) * K[j, e])",
         "components": {}, "leaves_out": "everything else", "inputs": ["Q", "K"], "params": [],
         "class": "C1", "reparam_class": "R1"}],
    "components": [{"name": "score", "options": [{"name": "scaled-dot", "meaning": "q . k / sqrt(d)",
                                                   "variants": ["scaled-dot-product"]},
                                                  {"name": "dot", "meaning": "q . k", "variants": []}]}],
    "classes": [{"id": "C2", "members": ["scaled-dot-product"]}, {"id": "C1", "members": ["luong-dot"]}],
    "reparam_classes": [{"id": "R1", "members": ["luong-dot"]}, {"id": "R2", "members": ["scaled-dot-product"]}],
    "relations": [{"left": "luong-dot", "right": "scaled-dot-product", "relation": "specializes",
                   "conditions": ["dk >= 1"], "reason": "a hand-written record for the golden files", "strict": None,
                   "also": [{"relation": "reparam-equivalent", "conditions": ["dv <= dk"]}],
                   "evidence": {"rules": ["mul-comm"], "prepared_by": [],
                                "witness": {"forward": {"claim": "left ⊑ right", "holds": True,
                                                        "witness": [{"param": "W", "value": "W[d, e]",
                                                                     "rule": "param-rename", "conditions": []}],
                                                        "reason": "derived"},
                                            "backward": {"claim": "right ⊑ left", "holds": None, "witness": [],
                                                         "reason": "no witness"}},
                                "smt": {"verdict": "unknown", "bound": 2, "reason": "timeout"},
                                "numeric": {"verdict": "differ", "cases": 3, "max_error": float("inf"),
                                            "tolerance": 1e-9}}}],
    "approximations": [{"left": "luong-dot", "right": "scaled-dot-product", "theorem": "mlp-score",
                        "statement": "an MLP approximates", "source": "Cybenko 1989", "reason": "scores differ",
                        "width": "a"}],
    "derivations": [{"name": "d1", "title": "One step", "steps": [
        {"from": "luong-dot", "to": "scaled-dot-product", "relation": "⊑≈", "reason": "by a theorem",
         "evidence": {"theorem": "mlp-score"}}]}],
    "exploration": None,
    "run": {"variants": 2, "pairs": 1, "seconds": 1.5},
}


def _golden(name: str, text: str) -> None:
    """Compare with tests/reports/golden/NAME; ANATOMY_REGEN_GOLDEN=1 rewrites it (review the diff)."""
    path = GOLDEN / name
    if os.environ.get("ANATOMY_REGEN_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if os.environ.get("ANATOMY_REGEN_GOLDEN") != "1":
            raise AssertionError(f"golden file {path} was missing and has been written; review it")
        return
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}; rerun with ANATOMY_REGEN_GOLDEN=1"


@pytest.mark.parametrize("render, name", [(render_markdown, "report-small.md"), (render_html, "report-small.html"),
                                          (render_json, "report-small.json")], ids=["markdown", "html", "json"])
def test_small_record_golden(render, name):
    _golden(name, render(SMALL))


def test_rendering_twice_gives_the_same_bytes(taxonomy):
    record, terms = taxonomy
    assert render_html(record, terms=terms) == render_html(record, terms=terms)
    assert render_markdown(record) == render_markdown(record)
    assert render_json(record) == render_json(record)


def test_rendering_ignores_the_order_of_the_record(taxonomy):
    record, terms = taxonomy
    shuffled = dict(reversed(list(record.items())))
    for key in ("variants", "relations", "classes", "reparam_classes", "approximations", "derivations", "components"):
        shuffled[key] = list(reversed(record[key]))
    assert render_html(shuffled, terms=terms) == render_html(record, terms=terms)
    assert render_markdown(shuffled) == render_markdown(record)
    assert render_json(shuffled) == render_json(record)


def test_writing_twice_gives_identical_files(taxonomy, tmp_path):
    record, terms = taxonomy
    a = write_report(record, tmp_path / "a", terms=terms)
    b = write_report(record, tmp_path / "b", terms=terms)
    assert [p.name for p in a] == ["report.md", "index.html", "taxonomy.json"]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["index.html", "report.md", "taxonomy.json"]


def test_html_is_well_formed_and_self_contained(taxonomy):
    record, terms = taxonomy
    page = render_html(record, terms=terms)
    counts = check_html(page)
    assert counts.get("svg") == len(record["variants"]) + 1  # one diagram per variant, plus the lattice
    assert external_loads(page) == []
    assert "<script" not in page and 'class="render-error"' not in page
    for v in record["variants"]:
        assert f'id="variant-{v["name"]}"' in page
    for section in ("overview", "classes", "lattice", "variants", "relations", "approximations", "derivations",
                    "exploration"):
        assert f'id="{section}"' in page


def test_html_shows_every_relation_with_its_evidence(taxonomy):
    record, terms = taxonomy
    page = render_html(record, terms=terms)
    assert page.count('class="card rel-') == len(record["relations"])
    for r in record["relations"]:
        assert f'class="card rel-{r["relation"]}"' in page
        smt = (r.get("evidence") or {}).get("smt")
        if smt:
            assert f"SMT (z3)</dt><dd>{smt['verdict']}" in page
    assert "not an identity" in page
    _, edges, _ = lattice(prepare(record))
    for a, b in edges:
        assert f"{a} ⊑ {b}" in page


def test_markdown_has_every_section_and_item(taxonomy):
    record, _ = taxonomy
    md = render_markdown(record)
    for heading in ("## Overview", "## Classes", "## Specialisation lattice", "## Anatomical components",
                    "## Variants", "## Relations", "## Approximations ⊑≈ (not identities)", "## Derivations",
                    "## Exploration"):
        assert heading in md
    for v in record["variants"]:
        assert f"### {v['name']}\n" in md
    assert md.count("\n### ") >= len(record["variants"]) + len(record["relations"])
    assert "<svg" not in md


def test_json_round_trips(taxonomy):
    record, _ = taxonomy
    text = render_json(record)
    assert text.endswith("}\n")
    data = json.loads(text)
    assert data == canonical(record)
    def key(x):
        return json.dumps(x, sort_keys=True)

    assert sorted(map(key, data["relations"])) == sorted(map(key, json_safe(record["relations"])))
    assert [d["steps"] for d in data["derivations"]] == [d["steps"] for d in
                                                         sorted(json_safe(record["derivations"]),
                                                                key=lambda d: d["name"])]


def test_text_is_escaped():
    record = json.loads(json.dumps(SMALL))
    record["variants"][1]["title"] = "<script>alert(1)</script> & co"
    record["variants"][1]["definition"] = "out = a < b"
    page = render_html(record)
    check_html(page)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "out = a &lt; b" in page


def test_a_failing_item_becomes_an_error_entry(monkeypatch):
    def broken(term, *, title=""):
        raise RuntimeError("no pictures today")

    monkeypatch.setattr(html_module, "diagram_svg", broken)
    page = render_html(SMALL)
    check_html(page)
    assert page.count('class="render-error"') == 2 and "no pictures today" in page
    assert 'id="variant-luong-dot"' in page and 'id="relations"' in page


def test_a_variant_without_a_term_has_no_diagram():
    record = json.loads(json.dumps(SMALL))
    record["variants"][1]["name"] = "made-up"
    page = render_html(record)
    assert page.count("<svg") == 2 and "no diagram" in page


def test_nonfinite_numbers_are_strings_in_json():
    data = json.loads(render_json(SMALL))
    assert data["relations"][0]["evidence"]["numeric"]["max_error"] == "inf"
