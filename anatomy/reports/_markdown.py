"""``report.md``: the taxonomy record as Markdown (the same sections as the HTML, no pictures).

The lattice is given as its list of covering edges; everything else as tables, lists and
fenced definitions. Table cells escape ``|`` and fold newlines, so a cell never breaks the
table. An item that fails to render becomes an error line and the rest is still written.

Main name: :func:`render_markdown`.

Example:
    >>> md = render_markdown({"schema": "anatomy-taxonomy/1", "variants": [{"name": "a", "title": "A"}]})
    >>> md.splitlines()[0], "## Variants" in md
    ('# Anatomy of attention: taxonomy report', True)
"""

from __future__ import annotations

from collections.abc import Callable

from . import _record as rec
from ._evidence import Facts, approximation_facts, evidence_facts, mapping_facts, relation_facts


def render_markdown(record: dict) -> str:
    """The Markdown report of a taxonomy record (schema in ``docs/reference/report.md``)."""
    r = rec.prepare(record)
    parts = ["# Anatomy of attention: taxonomy report", "",
             f"Schema `{rec.SCHEMA}`: {len(r['variants'])} variants, {len(r['relations'])} relations.", ""]
    for build in (_overview, _classes, _lattice, _components, _variants, _relations, _approximations,
                  _derivations, _exploration):
        parts += build(r) + [""]
    return "\n".join(parts).rstrip("\n") + "\n"


def _guard(what: str, build: Callable[[], list[str]]) -> list[str]:
    try:
        return build()
    except Exception as err:  # noqa: BLE001 -- one broken item must not cost the whole report
        return [f"> **could not render {what}:** {_inline(f'{type(err).__name__}: {err}')}"]


def _inline(text: object) -> str:
    """Text for a table cell or a list item: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return out + ["| " + " | ".join(_inline(c) for c in row) + " |" for row in rows]


def _facts(facts: Facts, indent: str = "") -> list[str]:
    out = []
    for name, text in facts:
        extra = "  " if name.startswith(" ") else ""
        out.append(f"{indent}{extra}- {name.strip()}: {_inline(text)}")
    return out


def _fence(text: str) -> list[str]:
    fence = "~~~" if "```" in text else "```"
    return [fence, text.rstrip("\n"), fence]


def _overview(r: dict) -> list[str]:
    kinds: dict[str, int] = {}
    for x in r["relations"]:
        kinds[str(x.get("relation"))] = kinds.get(str(x.get("relation")), 0) + 1
    rows = [["variants", str(len(r["variants"]))], ["≡ classes", str(len(r["classes"]))],
            ["≅ classes", str(len(r["reparam_classes"]))], ["relations", str(len(r["relations"]))]]
    rows += [[f"relations {rec.SYMBOL.get(k, '')} {k}", str(kinds[k])] for k in sorted(kinds)]
    rows += [["approximations ⊑≈", str(len(r["approximations"]))], ["derivations", str(len(r["derivations"]))],
             ["components", str(len(r["components"]))]]
    run = r.get("run")
    if isinstance(run, dict):
        rows += [[f"run: {k}", rec.fmt(run[k])] for k in sorted(run)]
    return ["## Overview", "", *_table(["", "count"], rows)]


def _classes(r: dict) -> list[str]:
    out = ["## Classes"]
    for key, title in (("classes", "≡ classes (equivalent)"), ("reparam_classes", "≅ classes (same family)")):
        found = rec.classes(r, key)
        out += ["", f"### {title}", ""]
        out += _table(["class", "members"], [[str(c.get("id", "")), ", ".join(c["members"])] for c in found]) \
            if found else ["none"]
    return out


def _lattice(r: dict) -> list[str]:
    def build() -> list[str]:
        nodes, edges, members = rec.lattice(r)
        out = ["Covering edges A ⊑ B between ≅ classes (transitive edges removed; ⊑≈ is not part of it):", ""]
        out += [f"- {a} ⊑ {b}" for a, b in edges] or ["- none"]
        alone = [n for n in nodes if not any(n in e for e in edges)]
        if alone:
            out += ["", "No ⊑ relation found for: " + ", ".join(alone) + "."]
        out += ["", *_table(["node", "members"], [[n, ", ".join(members[n])] for n in nodes])]
        return out
    return ["## Specialisation lattice", "", *_guard("the lattice", build)]


def _components(r: dict) -> list[str]:
    out = ["## Anatomical components"]
    for comp in rec.components(r):
        out += ["", f"### {comp.get('name', '')}", ""]
        out += _table(["option", "meaning", "variants"],
                      [[f"`{o.get('name', '')}`", str(o.get("meaning", "")), ", ".join(o["variants"]) or "—"]
                       for o in comp["options"]])
    return out if len(out) > 1 else out + ["", "none"]


def _variants(r: dict) -> list[str]:
    out = ["## Variants"]
    for v in rec.variants(r):
        out += [""] + _guard(f"variant {v['name']}", lambda v=v: _variant(v))
    return out


def _variant(v: dict) -> list[str]:
    out = [f"### {v['name']}", ""]
    if v.get("title"):
        out += [f"*{_inline(v['title'])}*", ""]
    meta = []
    if v.get("aliases"):
        meta.append("aliases: " + ", ".join(map(str, v["aliases"])))
    for key, what in (("class", "≡ class"), ("reparam_class", "≅ class")):
        if v.get(key):
            meta.append(f"{what} {v[key]}")
    meta += [f"{what}: `{v[key]}`" for key, what in (("type", "output"), ("decomposition", "decomposition"))
             if v.get(key)]
    cite = rec.citation_text(v.get("citation"))
    out += [f"- {_inline(m)}" for m in meta + ([f"citation: {cite}"] if cite else [])]
    if v.get("inputs") or v.get("params"):
        out.append(f"- inputs: {_inline(', '.join(map(str, v.get('inputs') or [])))}" +
                   (f"; parameters: {_inline(', '.join(map(str, v['params'])))}" if v.get("params") else ""))
    out += ["", *_fence(v.get("definition") or "(no definition text)")]
    items = rec.component_items(v.get("components") or {})
    if items:
        out += ["", *_table(["component", "option"], [[c, f"`{o}`"] for c, o in items])]
    leaves = rec.leaves_out(v)
    if leaves:
        out += ["", "Leaves out:", ""] + [f"- {_inline(x)}" for x in leaves]
    return out


def _relations(r: dict) -> list[str]:
    out = ["## Relations"]
    for x in rec.relations(r):
        out += [""] + _guard(f"relation {x.get('left')} / {x.get('right')}", lambda x=x: _relation(x))
    return out if len(out) > 1 else out + ["", "none"]


def _relation(x: dict) -> list[str]:
    kind = str(x.get("relation"))
    return [f"### {x.get('left')} {rec.SYMBOL.get(kind, '?')} {x.get('right')} ({kind})", "",
            *_facts(relation_facts(x))]


def _approximations(r: dict) -> list[str]:
    out = ["## Approximations ⊑≈ (not identities)", "",
           "> ⊑≈ is not an identity: A ⊑≈ B says that B's family approximates A's arbitrarily well "
           "(uniformly on compact sets) as a width grows, by a cited theorem. It is never mixed into ≡, ≅ or ⊑, "
           "and no oracle checks it."]
    for a in rec.approximations(r):
        out += ["", f"### {a.get('left')} ⊑≈ {a.get('right')} (not an identity)", "",
                *_guard("an approximation", lambda a=a: _facts(approximation_facts(a)))]
    return out


def _derivations(r: dict) -> list[str]:
    out = ["## Derivations"]
    for d in rec.derivations(r):
        out += [""] + _guard(f"derivation {d.get('name')}", lambda d=d: _derivation(d))
    return out if len(out) > 1 else out + ["", "none"]


def _derivation(d: dict) -> list[str]:
    out = [f"### {d.get('name', '')}", ""] + ([f"*{_inline(d['title'])}*", ""] if d.get("title") else [])
    for n, s in enumerate(d.get("steps") or [], 1):
        out.append(f"{n}. {s.get('from')} {s.get('relation', '?')} {s.get('to')}")
        facts = [("how", str(s["how"]))] if s.get("how") else []
        facts += [("reason", str(s["reason"]))] if s.get("reason") else []
        facts += evidence_facts(s["evidence"]) if isinstance(s.get("evidence"), dict) else []
        if s.get("relation") == "⊑≈":
            facts.append(("note", "an approximation by a cited theorem, not an identity"))
        out += _facts(facts, indent="   ")
    return out


def _exploration(r: dict) -> list[str]:
    ex = r.get("exploration")
    if not isinstance(ex, dict):
        return ["## Exploration", "", "No recombination was run."]
    out = ["## Exploration (recombination of components)", ""]
    out += _facts(mapping_facts({k: v for k, v in ex.items() if k not in ("literature", "new")}))
    for key, what in (("literature", "Points that are literature variants"), ("new", "New points")):
        if ex.get(key):
            out += ["", f"{what}: " + ", ".join(map(str, ex[key])) + "."]
    return out


__all__ = ["render_markdown"]
