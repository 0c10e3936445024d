"""``index.html``: the taxonomy record as one self-contained page (inline CSS and SVG, no script).

Sections: an overview of the counts, the ≡ and ≅ classes, the specialisation lattice (a
Hasse diagram over ≅ classes), the components and their options, one card per variant (its
citation, definition, components, omissions and string diagram), every relation with its
conditions and evidence, the approximations (⊑≈, shown apart: not identities), the
derivations step by step, the exploration summary and the run. All text is escaped; an
item that fails to render becomes an error entry and the rest of the page is still written.

Main name: :func:`render_html`.

Example:
    >>> page = render_html({"schema": "anatomy-taxonomy/1", "variants": [{"name": "luong-dot"}]})
    >>> page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..ir.term import Term
from . import _record as rec
from ._diagram import STYLE, TUBE_FILL, diagram_svg
from ._evidence import Facts, approximation_facts, evidence_facts, mapping_facts, relation_facts
from ._hasse import hasse_svg
from ._style import CSS
from ._svg import esc, tag

SECTIONS = (("overview", "Overview"), ("classes", "Classes"), ("lattice", "Lattice"),
            ("components", "Components"), ("variants", "Variants"), ("relations", "Relations"),
            ("approximations", "Approximations ⊑≈"), ("derivations", "Derivations"),
            ("exploration", "Exploration"))
LEGEND = (("input", "input"), ("param", "learned parameter"), ("fixed", "fixed (positions, masks)"),
          ("state", "scan state"), ("op", "operation"), ("norm", "normaliser"), ("reduce", "reduction"))


def render_html(record: dict, *, terms: Mapping[str, Term] | None = None) -> str:
    """The HTML report of a taxonomy record (schema in ``docs/reference/report.md``).

    Parameters:
        record: the taxonomy record.
        terms: variant name -> term to draw, for variants that are neither in the catalogue
            nor among the built-in examples (the others are looked up by name).
    """
    r = rec.prepare(record)
    body = [_overview(r), _classes(r), _lattice(r), _components(r), _variants(r, terms), _relations(r),
            _approximations(r), _derivations(r), _exploration(r)]
    nav = "".join(tag("a", esc(title), href=f"#{key}") for key, title in SECTIONS)
    head = ("<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>anatomy: taxonomy of attention</title>\n"
            f"<style>{CSS}</style>\n</head>")
    top = (f'<header class="top"><h1>Anatomy of attention: taxonomy report</h1>'
           f"<p>{esc(_summary_line(r))}</p><nav>{nav}</nav></header>")
    return "\n".join(["<!DOCTYPE html>", '<html lang="en">', head, "<body>", top, "<main>", *body,
                      "</main>", "</body>", "</html>"]) + "\n"


# -- helpers -----------------------------------------------------------------------------------


def _guard(what: str, build: Callable[[], str]) -> str:
    """``build()``, or an error entry naming ``what`` and the failure (STYLE 47)."""
    try:
        return build()
    except Exception as err:  # noqa: BLE001 -- one broken item must not cost the whole report
        return tag("div", esc(f"could not render {what}: {type(err).__name__}: {err}"), class_="render-error")


def _section(key: str, title: str, parts: list[str]) -> str:
    return tag("section", "\n".join([tag("h2", esc(title)), *parts]), id=key)


def _facts(facts: Facts) -> str:
    if not facts:
        return ""
    rows = []
    for name, text in facts:
        sub = name.startswith(" ")
        rows.append(tag("dt", esc(name.strip()), class_="sub" if sub else None) + tag("dd", esc(text)))
    return tag("dl", "".join(rows), class_="facts")


def _anchor(name: str) -> str:
    return "variant-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in str(name))


def _link(name: str, names: set[str]) -> str:
    return tag("a", esc(name), href=f"#{_anchor(name)}") if name in names else esc(name)


def _names(r: dict) -> set[str]:
    return {v["name"] for v in r["variants"]}


def _table(head: list[str], rows: list[list[str]], class_: str | None = None) -> str:
    """A table; the cells are HTML already (escaped by the caller)."""
    th = "".join(tag("th", esc(h)) for h in head)
    trs = "".join(tag("tr", "".join(tag("td", c) for c in row)) for row in rows)
    return tag("table", tag("thead", tag("tr", th)) + tag("tbody", trs), class_=class_)


def _summary_line(r: dict) -> str:
    run = r.get("run") or {}
    text = f"schema {rec.SCHEMA} · {len(r['variants'])} variants · {len(r['relations'])} relations"
    return text + (f" · {run['seconds']} s" if isinstance(run, dict) and "seconds" in run else "")


# -- sections ----------------------------------------------------------------------------------


def _overview(r: dict) -> str:
    kinds: dict[str, int] = {}
    for x in r["relations"]:
        kinds[str(x.get("relation"))] = kinds.get(str(x.get("relation")), 0) + 1
    counts = [("variants", len(r["variants"])), ("≡ classes", len(r["classes"])),
              ("≅ classes", len(r["reparam_classes"])), ("relations", len(r["relations"])),
              ("approximations ⊑≈", len(r["approximations"])), ("derivations", len(r["derivations"])),
              ("components", len(r["components"]))]
    tiles = "".join(tag("div", tag("b", esc(n)) + tag("span", esc(what)), class_="tile") for what, n in counts)
    parts = [tag("div", tiles, class_="tiles")]
    if kinds:
        parts.append(tag("p", esc("relations by kind: " + " · ".join(f"{rec.SYMBOL.get(k, '')} {k} {kinds[k]}"
                                                                     for k in sorted(kinds))), class_="meta"))
    run = r.get("run")
    if isinstance(run, dict) and run:
        parts.append(tag("p", esc("run: " + ", ".join(f"{k} {rec.fmt(run[k])}" for k in sorted(run))),
                         class_="meta"))
    return _section("overview", "Overview", parts)


def _classes(r: dict) -> str:
    names = _names(r)
    parts = []
    for key, title, what in (("classes", "≡ classes (equivalent: same output for every input and parameter)", "≡"),
                             ("reparam_classes", "≅ classes (the same family of functions as parameters range)",
                              "≅")):
        found = rec.classes(r, key)
        rows = [[_class_id(c), ", ".join(_link(m, names) for m in c["members"]), esc(len(c["members"]))]
                for c in found if len(c["members"]) > 1]
        single = [c for c in found if len(c["members"]) <= 1]
        parts.append(tag("h3", esc(title)))
        parts.append(_table([f"{what} class", "members", "size"], rows) if rows else
                     tag("p", esc(f"No {what} class has more than one member."), class_="meta"))
        if single:
            items = " · ".join(tag("span", _class_id(c) + " " + ", ".join(_link(m, names) for m in c["members"]),
                                   class_="nowrap") for c in single)
            parts.append(tag("p", esc(f"{len(single)} with one member: ") + items, class_="meta"))
    return _section("classes", "Classes", parts)


def _class_id(c: dict) -> str:
    return tag("span", esc(c.get("id", "")), id=f"class-{c.get('id', '')}", class_="mono")


def _lattice(r: dict) -> str:
    def build() -> str:
        nodes, edges, members = rec.lattice(r)
        single = {n: _anchor(m[0]) for n, m in members.items() if len(m) == 1}
        links = {n: f"#{single[n]}" if n in single else f"#class-{n}" for n in nodes}
        svg = hasse_svg(nodes, edges, members, title="Specialisation lattice over ≅ classes", links=links)
        listed = tag("ul", "".join(tag("li", esc(f"{a} ⊑ {b}")) for a, b in edges)) if edges else \
            tag("p", "No ⊑ relation between classes.", class_="meta")
        note = tag("p", esc("An edge A → B (drawn upwards) means every function of A's family is one of B's "
                            "(A ⊑ B). Only covering edges are drawn; ⊑≈ approximations are not part of the "
                            "lattice."), class_="meta")
        return note + tag("div", svg, class_="lattice") + tag("h4", "covering edges") + listed
    return _section("lattice", "Specialisation lattice", [_guard("the lattice", build)])


def _components(r: dict) -> str:
    names = _names(r)
    parts = []
    for comp in rec.components(r):
        used = [o for o in comp["options"] if o["variants"]]
        unused = [o for o in comp["options"] if not o["variants"]]
        rows = [[tag("code", esc(o.get("name", ""))), esc(o.get("meaning", "")),
                 ", ".join(_link(v, names) for v in o["variants"])] for o in used]
        parts += [tag("h3", esc(comp.get("name", ""))),
                  _table(["option", "meaning", "variants"], rows) if rows else tag("p", "no variant", class_="meta")]
        if unused:
            rest = _table(["option", "meaning"], [[tag("code", esc(o.get("name", ""))), esc(o.get("meaning", ""))]
                                                  for o in unused])
            parts.append(tag("details", tag("summary", esc(f"{len(unused)} more options, used by no variant here"))
                             + rest))
    return _section("components", "Anatomical components", parts or [tag("p", "none", class_="meta")])


def _variants(r: dict, terms: Mapping[str, Term] | None) -> str:
    shown = [(STYLE[role][0], text) for role, text in LEGEND] + [(TUBE_FILL, "SIMD tube (axis: size)")]
    legend = tag("p", "".join(tag("span", tag("span", "", class_="swatch", style=f"background:{c}") + esc(t))
                              for c, t in shown), class_="legend")
    cards = [_guard(f"variant {v['name']}", lambda v=v: _card(v, terms)) for v in rec.variants(r)]
    return _section("variants", "Variants", [legend, *cards])


def _card(v: dict, terms: Mapping[str, Term] | None) -> str:
    name = v["name"]
    meta = []
    if v.get("aliases"):
        meta.append("aliases: " + ", ".join(esc(a) for a in v["aliases"]))
    for key, what in (("class", "≡ class"), ("reparam_class", "≅ class")):
        if v.get(key):
            meta.append(f'{what} {tag("a", esc(v[key]), href=f"#class-{v[key]}")}')
    meta += [f"{what}: {tag('code', esc(v[key]))}" for key, what in (("type", "output"),
                                                                    ("decomposition", "decomposition"))
             if v.get(key)]
    head = tag("h3", esc(name)) + (tag("p", esc(v["title"]), class_="subtitle") if v.get("title") else "")
    head += tag("p", " · ".join(meta), class_="meta") if meta else ""
    head += _citation(v.get("citation"))
    left = tag("h4", "definition") + tag("pre", esc(v.get("definition") or "(no definition text)"))
    leaves = rec.leaves_out(v)
    if v.get("inputs") or v.get("params"):
        left += tag("p", esc("inputs: " + ", ".join(map(str, v.get("inputs") or [])) +
                             ("; parameters: " + ", ".join(map(str, v["params"])) if v.get("params") else "")),
                    class_="meta mono")
    right = tag("h4", "components")
    items = rec.component_items(v.get("components") or {})
    right += _table(["component", "option"], [[esc(c), tag("code", esc(o))] for c, o in items]) if items else \
        tag("p", "not in the catalogue's anatomy", class_="meta")
    if leaves:
        right += tag("h4", "leaves out") + tag("ul", "".join(tag("li", esc(x)) for x in leaves))
    diagram = _guard(f"the diagram of {name}", lambda: _diagram(name, terms))
    return tag("article", head + tag("div", tag("div", left) + tag("div", right), class_="two") +
               tag("h4", "string diagram") + diagram, class_="card", id=_anchor(name))


def _citation(c) -> str:
    if not isinstance(c, dict):
        return tag("p", esc(c), class_="meta") if c else ""
    text = esc(rec.citation_text({k: v for k, v in c.items() if k != "arxiv"}))
    if c.get("arxiv"):
        text += " " + tag("a", esc(f"arXiv:{c['arxiv']}"), href=f"https://arxiv.org/abs/{c['arxiv']}")
    elif c.get("url"):
        text += " " + tag("a", esc(c["url"]), href=str(c["url"]))
    return tag("p", text, class_="meta")


def _diagram(name: str, terms: Mapping[str, Term] | None) -> str:
    term = rec.term_for(name, terms)
    if term is None:
        return tag("p", esc("no diagram: the variant is neither in the catalogue nor among the examples"),
                   class_="meta")
    return tag("div", diagram_svg(term, title=name), class_="diagram")


def _relations(r: dict) -> str:
    names = _names(r)
    cards = [_guard(f"relation {x.get('left')} / {x.get('right')}", lambda x=x: _relation(x, names))
             for x in rec.relations(r)]
    return _section("relations", "Relations", cards or [tag("p", "none", class_="meta")])


def _relation(x: dict, names: set[str]) -> str:
    kind = str(x.get("relation"))
    title = (_link(str(x.get("left")), names) + tag("span", esc(rec.SYMBOL.get(kind, "?")), class_="sym") +
             _link(str(x.get("right")), names) + tag("span", esc(kind), class_="rel"))
    css = "".join(c if c.isalnum() or c == "-" else "-" for c in kind)
    return tag("article", tag("h3", title) + _facts(relation_facts(x)), class_=f"card rel-{css}")


def _approximations(r: dict) -> str:
    names = _names(r)
    notice = tag("p", esc("⊑≈ is not an identity: A ⊑≈ B says that B's family approximates A's arbitrarily well "
                          "(uniformly on compact sets) as a width grows, by a cited theorem. It is never mixed "
                          "into ≡, ≅ or ⊑, and no oracle checks it."), class_="notice")
    cards = [_guard(f"approximation {a.get('left')} / {a.get('right')}",
                    lambda a=a: tag("article", tag("h3", _link(str(a.get("left")), names) +
                                                   tag("span", "⊑≈", class_="sym") +
                                                   _link(str(a.get("right")), names) +
                                                   tag("span", "not an identity", class_="rel")) +
                                    _facts(approximation_facts(a)), class_="card approx"))
             for a in rec.approximations(r)]
    return _section("approximations", "Approximations ⊑≈ (not identities)",
                    [notice, *(cards or [tag("p", "none", class_="meta")])])


def _derivations(r: dict) -> str:
    names = _names(r)
    cards = [_guard(f"derivation {d.get('name')}", lambda d=d: _derivation(d, names)) for d in rec.derivations(r)]
    return _section("derivations", "Derivations", cards or [tag("p", "none", class_="meta")])


def _derivation(d: dict, names: set[str]) -> str:
    steps = []
    for s in d.get("steps") or []:
        head = (_link(str(s.get("from")), names) + tag("span", esc(s.get("relation", "?")), class_="sym") +
                _link(str(s.get("to")), names))
        facts = [("how", str(s["how"]))] if s.get("how") else []
        facts += [("reason", str(s["reason"]))] if s.get("reason") else []
        facts += evidence_facts(s["evidence"]) if isinstance(s.get("evidence"), dict) else []
        if s.get("relation") == "⊑≈":
            facts.append(("note", "an approximation by a cited theorem, not an identity"))
        steps.append(tag("li", head + _facts(facts)))
    title = tag("h3", esc(d.get("name", ""))) + (tag("p", esc(d["title"]), class_="subtitle") if d.get("title")
                                                 else "")
    return tag("article", title + tag("ol", "".join(steps), class_="steps"), class_="card")


def _exploration(r: dict) -> str:
    ex = r.get("exploration")
    if not isinstance(ex, dict):
        return _section("exploration", "Exploration", [tag("p", "No recombination was run.", class_="meta")])
    names = _names(r)
    facts = mapping_facts({k: v for k, v in ex.items() if k not in ("literature", "new")})
    parts = [_facts(facts)]
    for key, what in (("literature", "points that are literature variants"), ("new", "new points")):
        if ex.get(key):
            parts.append(tag("h4", esc(what)) + tag("p", ", ".join(_link(str(n), names) for n in ex[key])))
    return _section("exploration", "Exploration (recombination of components)", parts)


__all__ = ["render_html"]
