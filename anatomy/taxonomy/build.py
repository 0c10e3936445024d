"""The taxonomy record: the catalogue's classes and relations, derived and verified.

:func:`build_taxonomy` runs the engine over the catalogue and returns one plain record
(schema ``anatomy-taxonomy/1``, documented in ``docs/reference/report.md``) that the
report renderers turn into Markdown, HTML and JSON:

1. **≡ classes.** Variants with the same output type go into one e-graph per type, which
   saturates within the budget; each class with several members has each member checked
   against the first by :func:`anatomy.relate.check` (the e-graph's join, and every oracle).
   Pairs the shared e-graph left apart but whose values agree on random inputs shared by
   name are then checked on their own (``PAIR_BUDGET``: ``check``'s iterations): a join
   makes them one class, and a pair that stays
   ``unknown`` (equal on every test, not derived) is recorded as such.
2. **Families.** For every pair of comparable variants (same output type, one's inputs
   among the other's) where either has parameters, the numeric screen of the witness search
   proposes candidates both ways; only a pair with a passing proposal gets the full
   :func:`~anatomy.relate.check` (witnesses derived and verified, strictness).
3. **≅ classes** are the connected components of ≡ and ≅ relations; the specialisation
   lattice is the ``specializes`` relations between them.
4. **⊑≈** relations come from :func:`anatomy.family.approx.approximated_by`, apart.
5. **Derivations** (:mod:`.derivations`): the seed paper's step sequences, each step checked.

Only relations that hold, and the ``unknown`` pairs of step 1, are recorded: a pair that
nothing relates is simply absent (no claim is made about it). The record carries no wall time: the same catalogue gives the same bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from ..egraph.engine import Budget, partition
from ..family.approx import approximated_by
from ..family.search import plausible
from ..ir.syntax.printer import print_with_lets
from ..ir.variant import declared_names
from ..relate import align, check, comparable_aligned, same_values, shared_values
from .catalogue import Entry, load_catalogue
from .components import COMPONENTS, OPTIONS

SCHEMA = "anatomy-taxonomy/1"

BUDGET = Budget(iterations=6, seconds=20.0, nodes=100_000)
PAIR_BUDGET = Budget(iterations=8, seconds=10.0, nodes=30_000)
"""For a numerically equal pair checked on its own: ``check``'s iterations, a smaller graph."""
"""The e-graph budget per output type (the ≡ classes) and per checked pair."""

SCREEN_TRIALS = 100
"""Witness proposals screened per direction and pair before a pair is left unrelated."""


def _variant_record(e: Entry) -> dict:
    v = e.variant
    c = e.citation
    return {"name": v.name, "title": v.title, "aliases": list(e.aliases),
            "citation": None if c is None else {"authors": list(c.authors), "year": c.year, "venue": c.venue,
                                                "arxiv": c.arxiv, "title": c.title},
            "definition": v.definition or "\n".join(f"{n}[{', '.join(ax)}] = {t}" for n, ax, t in
                                                     print_with_lets(v.term, taken=declared_names(v))[0]),
            "components": dict(e.components), "leaves_out": list(e.leaves_out),
            "decomposition": e.decomposition,
            "inputs": [x.name for x in v.inputs], "params": [p.name for p in v.params],
            "type": str(v.term.type)}


def _relation_record(rec: dict) -> dict:
    keep = ("left", "right", "relation", "conditions", "reason", "strict", "also")
    out = {k: rec.get(k) for k in keep}
    ev = rec["evidence"]
    out["evidence"] = {"rules": ev.get("rules", []), "prepared_by": ev.get("prepared_by", []),
                       "verdict": ev.get("verdict"), "smt": ev.get("smt"), "numeric": ev.get("numeric"),
                       "field": ev.get("field")}
    if "witness" in ev:
        out["evidence"]["witness"] = ev["witness"]
    return out


class UnionFind:
    """Classes of names, merged pairwise; ``groups`` lists them sorted, each sorted."""

    def __init__(self, names: Sequence[str]) -> None:
        self.up = {n: n for n in names}

    def find(self, n: str) -> str:
        while self.up[n] != n:
            n = self.up[n]
        return n

    def join(self, a: str, b: str) -> None:
        ra, rb = sorted((self.find(a), self.find(b)))
        self.up[rb] = ra

    def groups(self) -> list[list[str]]:
        out: dict[str, list[str]] = {}
        for n in sorted(self.up):
            out.setdefault(self.find(n), []).append(n)
        return sorted(out.values(), key=lambda g: g[0])


def build_taxonomy(entries: Sequence[Entry] | None = None, *, budget: Budget = BUDGET, seeds: int = 2,
                   examples: int = 0, bound: int = 2, derivations: bool = True,
                   progress: Callable[[str, int, int], None] | None = None) -> dict:
    """The taxonomy record of ``entries`` (default: the whole catalogue)."""
    entries = sorted(entries if entries is not None else load_catalogue(), key=lambda e: e.variant.name)
    variants = {e.variant.name: e.variant for e in entries}
    names = sorted(variants)
    tick = progress or (lambda stage, done, total: None)
    kw = dict(budget=budget, seeds=seeds, examples=examples, bound=bound)

    # 1. ≡ classes, one e-graph per output type
    by_type: dict[str, list[str]] = {}
    for n in names:
        by_type.setdefault(str(variants[n].term.type), []).append(n)
    exact, reparam = UnionFind(names), UnionFind(names)
    relations: list[dict] = []
    for k, (_, group) in enumerate(sorted(by_type.items())):
        tick("≡ classes", k, len(by_type))
        if len(group) < 2:
            continue
        part = partition([variants[n].term for n in group], budget)
        for cls in part.classes:
            first = group[cls[0]]
            for other in cls[1:]:
                rec = check(variants[first], variants[group[other]], **kw)
                if rec["relation"] == "equivalent":
                    exact.join(first, group[other])
                    reparam.join(first, group[other])
                    relations.append(_relation_record(rec))

    # 1b. pairs with equal values on shared random inputs that the shared e-graph (its budget
    # spread over the whole group) did not join: each checked on its own
    for _, group in sorted(by_type.items()):
        values = shared_values([variants[n].term for n in group], [n for n in group])
        for a, b in itertools.combinations(group, 2):
            if exact.find(a) == exact.find(b) or not same_values(values.get(a), values.get(b)):
                continue
            rec = check(variants[a], variants[b], **{**kw, "budget": PAIR_BUDGET})
            if rec["relation"] == "equivalent":
                exact.join(a, b)
                reparam.join(a, b)
            if rec["relation"] in ("equivalent", "unknown"):  # unknown: equal on every test, not derived
                relations.append(_relation_record(rec))

    # 2. families: screen, then check in full
    aligned = {(a, b): align(variants[a], variants[b])[:2] for group in by_type.values()
               for a, b in itertools.combinations(group, 2)
               if exact.find(a) != exact.find(b) and (variants[a].params or variants[b].params)}
    pairs = [pair for pair, (x, y) in aligned.items() if comparable_aligned(x, y)]
    for k, (a, b) in enumerate(pairs):
        tick("families", k, len(pairs))
        va, vb = variants[a], variants[b]
        x, y = aligned[(a, b)]  # screened as check will compare them: names and sizes unified
        if not plausible(x.term, y.term, trials=SCREEN_TRIALS):
            if not plausible(y.term, x.term, trials=SCREEN_TRIALS):
                continue
            va, vb = vb, va  # only the other way round screens: ask that way, so a ⊑ is stored as found
        rec = check(va, vb, **kw)
        if rec["relation"] in ("reparam-equivalent", "specializes", "generalizes", "equivalent"):
            if rec["relation"] == "generalizes":  # stored one way round: left ⊑ right
                rec = check(vb, va, **kw)
            relations.append(_relation_record(rec))
            if rec["relation"] in ("reparam-equivalent", "equivalent"):
                reparam.join(a, b)

    # 3. ⊑≈, apart
    approximations = []
    for group in by_type.values():
        for a, b in itertools.permutations(group, 2):
            found = approximated_by(variants[a].term, variants[b].term)
            if found:
                approximations.append({"left": a, "right": b, **{k: found[k] for k in
                                       ("theorem", "statement", "source", "reason", "width")}})

    exact_classes = [{"id": f"C{i + 1}", "members": g} for i, g in enumerate(exact.groups())]
    reparam_classes = [{"id": f"R{i + 1}", "members": g} for i, g in enumerate(reparam.groups())]
    of_exact = {n: c["id"] for c in exact_classes for n in c["members"]}
    of_reparam = {n: c["id"] for c in reparam_classes for n in c["members"]}
    variant_records = [{**_variant_record(e), "class": of_exact[e.variant.name],
                        "reparam_class": of_reparam[e.variant.name]} for e in entries]
    components = [{"name": c, "options": [{"name": o.name, "meaning": o.meaning,
                                           "variants": sorted(e.variant.name for e in entries
                                                              if e.components.get(c) == o.name)}
                                          for o in OPTIONS[c].values()]} for c in COMPONENTS]
    record = {"schema": SCHEMA, "variants": variant_records, "components": components,
              "classes": exact_classes, "reparam_classes": reparam_classes,
              "relations": sorted(relations, key=lambda r: (r["left"], r["right"])),
              "approximations": sorted(approximations, key=lambda r: (r["left"], r["right"])),
              "derivations": [], "exploration": None,
              "run": {"variants": len(names), "pairs": len(pairs)}}
    if derivations:
        from .derivations import run_derivations

        record["derivations"] = run_derivations(**kw)
    return record
