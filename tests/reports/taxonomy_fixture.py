"""A realistic taxonomy record for the report tests, built from the engine's own answers.

Variants: nine from the catalogue and five from the built-in family cases (whose terms the
renderers get through ``terms``). Relations: ``anatomy.relate.check`` on comparable pairs
(``examples=0, seeds=2`` to stay quick); a pair whose check fails is recorded as an error
entry, as the engine does. Classes come from the ≡ and ≅ relations; approximations from
``approximated_by``; the derivations are written by hand from those relations; the
exploration recombines a few component options with ``recompose``. No wall time is
recorded, so two builds give the same record.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools

from anatomy.errors import AnatomyError
from anatomy.examples import family_case
from anatomy.family.approx import approximated_by
from anatomy.ir.term import Term
from anatomy.ir.variant import Variant
from anatomy.relate import check
from anatomy.reports import SCHEMA
from anatomy.taxonomy.catalogue import load_entry
from anatomy.taxonomy.components import COMPONENTS, OPTIONS, recompose

CATALOGUE = ("bahdanau-additive", "grouped-query", "linear-transformer", "luong-general", "multi-head", "multi-query",
             "scaled-dot-product", "softmax-one", "zero-sink")
FAMILY_CASES = ("key-bias-vs-none", "query-bias-vs-none", "lowrank-vs-full-bilinear")
PAIRS = (("softmax-one", "zero-sink"), ("scaled-dot-product", "linear-transformer"),
         ("luong-general", "bahdanau-additive"), ("multi-query", "multi-head"), ("grouped-query", "multi-head"),
         ("key-bias", "no-bias"), ("query-bias", "no-bias"), ("bilinear-low-rank", "bilinear-full"),
         ("scaled-dot-product", "no-bias"))


def _decl(leaf) -> str:
    return f"{leaf.name}[{', '.join(a.name for a in leaf.shape)}]" if leaf.shape else leaf.name


def _variant_dict(v: Variant, entry=None) -> dict:
    return {"name": v.name, "title": v.title, "aliases": list(entry.aliases if entry else v.aliases),
            "citation": ({**dataclasses.asdict(entry.citation), "authors": list(entry.citation.authors)}
                         if entry else None),
            "definition": v.definition, "components": dict(entry.components) if entry else {},
            "leaves_out": list(entry.leaves_out) if entry else [],
            "inputs": [_decl(x) for x in v.inputs], "params": [_decl(x) for x in v.params]}


def _classes(names: list[str], relations: list[dict], kinds: tuple[str, ...], prefix: str) -> list[dict]:
    parent = {n: n for n in names}

    def find(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    for r in relations:
        if r["relation"] in kinds:
            a, b = sorted((find(r["left"]), find(r["right"])))
            parent[b] = a
    groups: dict[str, list[str]] = {}
    for n in sorted(names):
        groups.setdefault(find(n), []).append(n)
    ordered = sorted(groups.values(), key=lambda g: g[0])
    return [{"id": f"{prefix}{k}", "members": g} for k, g in enumerate(ordered, 1)]


def _components(variants: list[dict]) -> list[dict]:
    return [{"name": c, "options": [{"name": o.name, "meaning": o.meaning,
                                     "variants": sorted(v["name"] for v in variants if v["components"].get(c) == o.name)}
                                    for o in OPTIONS[c].values()]} for c in COMPONENTS]


def _exploration(variants: list[dict]) -> dict:
    """Recombine score × mask × normaliser around a plain projection (terms compared by identity)."""
    axes = load_entry("scaled-dot-product").variant.axes
    base = dict(projection="none", position="none", aggregation="weighted-sum", output="none")
    built: dict[str, Term] = {}
    for score, mask, norm in itertools.product(("dot", "scaled-dot", "cosine"), ("none", "causal"),
                                               ("softmax", "sigmoid")):
        try:
            built[f"{score}+{mask}+{norm}"] = recompose(dict(base, score=score, mask=mask, normaliser=norm), axes)
        except AnatomyError:
            continue
    known = {v["name"]: v["components"] for v in variants if v["components"]}
    literature = sorted(n for n, c in known.items() if c.get("projection") == "none"
                        and f"{c['score']}+{c['mask']}+{c['normaliser']}" in built)
    labels = {f"{c['score']}+{c['mask']}+{c['normaliser']}" for n, c in known.items() if n in literature}
    return {"points": len(built), "classes": len(set(built.values())), "reparam_classes": len(set(built.values())),
            "literature": literature, "new": sorted(set(built) - labels), "seconds": 0.0}


def _relation(a: Variant, b: Variant) -> dict:
    try:
        rec = check(a, b, examples=0, seeds=2)
    except AnatomyError as err:
        return {"left": a.name, "right": b.name, "relation": "unknown", "conditions": [], "reason": "",
                "evidence": {"rules": [], "prepared_by": [], "smt": None, "numeric": None},
                "error": f"{type(err).__name__}: {err.message}"}
    rec.pop("approximation", None)
    return rec


LABEL = {"equivalent": "≡", "reparam-equivalent": "≅", "specializes": "⊑", "generalizes": "⊒", "distinct": "≠",
         "unknown": "?"}
FLIPPED = {"specializes": "generalizes", "generalizes": "specializes"}


def _step(rel: dict, *, flip: bool = False) -> dict:
    """A derivation step from a relation record; its label is the engine's answer, never ours."""
    ev = rel["evidence"]
    left, right = (rel["right"], rel["left"]) if flip else (rel["left"], rel["right"])
    relation = FLIPPED.get(rel["relation"], rel["relation"]) if flip else rel["relation"]
    return {"from": left, "to": right, "how": "check", "relation": LABEL[relation], "reason": rel["reason"],
            "evidence": {k: ev[k] for k in ("rules", "prepared_by", "witness", "smt", "numeric") if k in ev}}


@functools.lru_cache(maxsize=1)
def build_record() -> tuple[dict, dict[str, Term]]:
    """The record and the terms of its variants that are not in the catalogue."""
    entries = {n: load_entry(n) for n in CATALOGUE}
    loaded: dict[str, Variant] = {n: e.variant for n, e in entries.items()}
    for case in FAMILY_CASES:
        for v in family_case(case).load():
            loaded[v.name] = v
    variants = [_variant_dict(v, entries.get(n)) for n, v in sorted(loaded.items())]
    relations = [_relation(loaded[a], loaded[b]) for a, b in PAIRS]
    approximations = [dict(found, left=a, right=b) for a, b in itertools.permutations(sorted(loaded), 2)
                      if loaded[a].term.type == loaded[b].term.type
                      for found in [approximated_by(loaded[a].term, loaded[b].term)] if found]
    names = sorted(loaded)
    classes = _classes(names, relations, ("equivalent",), "C")
    reparam = _classes(names, relations, ("equivalent", "reparam-equivalent"), "R")
    home = {m: c["id"] for c in classes for m in c["members"]}
    rhome = {m: c["id"] for c in reparam for m in c["members"]}
    for v in variants:
        v["class"], v["reparam_class"] = home[v["name"]], rhome[v["name"]]
    by_pair = {(r["left"], r["right"]): r for r in relations}
    luong = next((a for a in approximations if a["left"] == "luong-general"), None)
    approx_step = ({"from": "luong-general", "to": "bahdanau-additive", "how": "approximate", "relation": "⊑≈",
                    "reason": luong["reason"], "evidence": {"theorem": luong["theorem"], "source": luong["source"]}}
                   if luong else {"from": "luong-general", "to": "bahdanau-additive", "how": "approximate",
                                  "relation": "?", "reason": "no approximation theorem applies", "evidence": {}})
    derivations = [
        {"name": "bias-and-rank", "title": "Biases and a rank bottleneck in the score",
         "steps": [_step(by_pair["key-bias", "no-bias"]), _step(by_pair["query-bias", "no-bias"], flip=True),
                   _step(by_pair["bilinear-low-rank", "bilinear-full"])]},
        {"name": "luong-to-bahdanau", "title": "From a bilinear score to an MLP score",
         "steps": [approx_step, _step(by_pair["softmax-one", "zero-sink"])]},
    ]
    record = {"schema": SCHEMA, "variants": variants, "components": _components(variants), "classes": classes,
              "reparam_classes": reparam, "relations": relations,
              "approximations": [{k: a[k] for k in ("left", "right", "theorem", "statement", "source", "reason",
                                                    "width")} for a in approximations],
              "derivations": derivations, "exploration": _exploration(variants),
              "run": {"variants": len(variants), "pairs": len(relations), "seconds": 0.0}}
    terms = {n: v.term for n, v in loaded.items() if n not in entries}
    return record, terms
