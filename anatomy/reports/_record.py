"""The taxonomy record: checking it, making it JSON-safe, and reading it in a fixed order.

A report is rendered from one plain dict (schema ``anatomy-taxonomy/1``, documented in
``docs/reference/report.md``). The renderers never iterate over a dict or a set whose
order could vary: every list they show comes from an accessor here, sorted by a canonical
key (names, natural class ids), except a derivation's steps, which are a sequence.

Main names: :data:`SCHEMA`, :func:`prepare`, :func:`json_safe`, :func:`lattice`,
:func:`covering`, :func:`term_for`.

Example:
    >>> json_safe({"x": float("inf"), "y": (1, 2.5), 3: {"b", "a"}})
    {'x': 'inf', 'y': [1, 2.5], '3': ['a', 'b']}
    >>> covering(["a", "b", "c"], [("a", "b"), ("b", "c"), ("a", "c")])
    [('a', 'b'), ('b', 'c')]
    >>> sorted(["C10", "C2", "C1"], key=natural_key)
    ['C1', 'C2', 'C10']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import DOCS, AnatomyError, UsageError
from ..examples import example_names, load_example
from ..ir.term import Term
from ..messages import expected
from ..taxonomy.catalogue import catalogue_names, load_entry
from ..taxonomy.components import COMPONENTS

SCHEMA = "anatomy-taxonomy/1"
DOC = f"{DOCS}/report.md"

SYMBOL = {"equivalent": "≡", "reparam-equivalent": "≅", "specializes": "⊑", "generalizes": "⊒",
          "distinct": "≢", "unknown": "?", "approximated-by": "⊑≈"}
"""The symbol shown for each relation."""

_LISTS = ("variants", "components", "classes", "reparam_classes", "relations", "approximations", "derivations")


def json_safe(value: Any) -> Any:
    """A copy of ``value`` made of JSON types only: non-finite floats become ``"inf"``,
    ``"-inf"`` or ``"nan"``, tuples lists, sets sorted lists, keys strings; an object with a
    ``to_json`` method is converted by it, any other object by ``str``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "to_json"):
        return json_safe(value.to_json())
    return str(value)


def prepare(record: Any) -> dict:
    """The record, JSON-safe, after checking its schema and the type of each section."""
    if not isinstance(record, Mapping):
        raise UsageError(expected("a taxonomy record (a dict)", type(record).__name__), doc=DOC)
    if record.get("schema") != SCHEMA:
        raise UsageError(expected(f"a record with schema {SCHEMA!r}", repr(record.get("schema"))),
                         hint="build the record with the taxonomy engine, or set its 'schema' field", doc=DOC)
    out = json_safe(record)
    for key in _LISTS:
        section = [] if out.get(key) is None else out[key]
        if not isinstance(section, list) or not all(isinstance(x, dict) for x in section):
            raise UsageError(expected(f"a list of objects under {key!r}", type(section).__name__), doc=DOC)
        out[key] = section
    if not all(isinstance(v.get("name"), str) for v in out["variants"]):
        raise UsageError("every variant needs a 'name' string", doc=DOC)
    return out


# -- fixed orders ------------------------------------------------------------------------------


def natural_key(text: str) -> tuple:
    """Sort key that puts ``C2`` before ``C10``."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(text)) if p)


def variants(record: dict) -> list[dict]:
    return sorted(record["variants"], key=lambda v: v["name"])


def classes(record: dict, key: str) -> list[dict]:
    """The ≡ (``classes``) or ≅ (``reparam_classes``) classes by id, members sorted."""
    found = [dict(c, members=sorted(str(m) for m in c.get("members", []))) for c in record[key]]
    return sorted(found, key=lambda c: natural_key(c.get("id", "")))


def relations(record: dict) -> list[dict]:
    return sorted(record["relations"], key=lambda r: (str(r.get("left")), str(r.get("right")),
                                                      str(r.get("relation"))))


def approximations(record: dict) -> list[dict]:
    return sorted(record["approximations"], key=lambda a: (str(a.get("left")), str(a.get("right")),
                                                           str(a.get("theorem"))))


def derivations(record: dict) -> list[dict]:
    return sorted(record["derivations"], key=lambda d: str(d.get("name")))


def components(record: dict) -> list[dict]:
    """Components in the anatomical order (projection … output), others after by name;
    options by name, and each option's variants by name."""
    def rank(c: dict) -> tuple:
        name = str(c.get("name"))
        return (COMPONENTS.index(name), "") if name in COMPONENTS else (len(COMPONENTS), name)

    out = []
    for comp in sorted(record["components"], key=rank):
        options = [dict(o, variants=sorted(str(v) for v in o.get("variants", [])))
                   for o in sorted(comp.get("options", []), key=lambda o: str(o.get("name")))]
        out.append(dict(comp, options=options))
    return out


def component_items(choice: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A variant's (component, option) pairs in the anatomical order."""
    known = [c for c in COMPONENTS if c in choice]
    return [(c, str(choice[c])) for c in known + sorted(set(choice) - set(known))]


def leaves_out(variant: dict) -> list[str]:
    """What a variant's definition omits, as a list (the record may hold a string or a list)."""
    raw = variant.get("leaves_out") or []
    return [raw] if isinstance(raw, str) else [str(x) for x in raw]


def canonical(record: dict) -> dict:
    """The record, JSON-safe, with every list whose order means nothing sorted as the
    renderers show it (a derivation's steps keep their order); sections the record lacks
    stay absent."""
    r = prepare(record)
    out = json_safe(record)
    orders = {"variants": variants, "classes": lambda x: classes(x, "classes"),
              "reparam_classes": lambda x: classes(x, "reparam_classes"), "relations": relations,
              "approximations": approximations, "derivations": derivations, "components": components}
    for key, order in orders.items():
        if out.get(key) is not None:
            out[key] = order(r)
    return out


# -- the lattice -------------------------------------------------------------------------------


def covering(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The covering edges of the order that ``edges`` generate (transitive edges removed),
    sorted. Self-loops are dropped; an edge that would close a cycle is ignored."""
    succ: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in sorted(set(edges)):
        if a == b or a not in succ or b not in succ or _reaches(succ, b, a):
            continue
        succ[a].add(b)
    out = []
    for a in sorted(succ):
        for b in sorted(succ[a]):
            if not any(_reaches(succ, c, b) for c in succ[a] if c != b):
                out.append((a, b))
    return out


def _reaches(succ: dict[str, set[str]], start: str, goal: str) -> bool:
    stack, seen = [start], set()
    while stack:
        n = stack.pop()
        if n == goal:
            return True
        if n not in seen:
            seen.add(n)
            stack.extend(succ[n])
    return False


def lattice(record: dict) -> tuple[list[str], list[tuple[str, str]], dict[str, list[str]]]:
    """The specialisation lattice over ≅ classes: (nodes, covering edges A → B for A ⊑ B,
    members of each node). A variant without a ≅ class is a node of its own."""
    home = {v["name"]: str(v.get("reparam_class") or v["name"]) for v in record["variants"]}
    members: dict[str, list[str]] = {}
    for name in sorted(home):
        members.setdefault(home[name], []).append(name)
    edges = []
    for r in relations(record):
        left, right = home.get(str(r.get("left"))), home.get(str(r.get("right")))
        if left is None or right is None:
            continue
        if r.get("relation") == "specializes":
            edges.append((left, right))
        elif r.get("relation") == "generalizes":
            edges.append((right, left))
    nodes = sorted(members, key=natural_key)
    return nodes, covering(nodes, edges), members


# -- terms and numbers -------------------------------------------------------------------------


def term_for(name: str, terms: Mapping[str, Term] | None = None) -> Term | None:
    """The term to draw for a variant: from ``terms``, else the catalogue, else the built-in
    examples; None when none has it."""
    if terms is not None and name in terms:
        return terms[name]
    try:
        if name in catalogue_names():
            return load_entry(name).variant.term
        if name in example_names():
            return load_example(name).term
    except AnatomyError:
        return None
    return None


def fmt(value: Any) -> str:
    """A number as a report shows it (3 significant digits for floats), anything else as text."""
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    return "—" if value is None else str(value)


def citation_text(c: Any) -> str:
    """A citation as one line: surnames, title, venue year, arXiv id."""
    if not isinstance(c, dict):
        return str(c) if c else ""
    authors = [str(a).split(",")[0].strip() for a in c.get("authors") or []]
    names = ", ".join(authors).replace(", et al.", " et al.")
    text = f"{names}{'' if names.endswith('.') or not names else '.'} {c.get('title', '')}. " \
           f"{c.get('venue', '')} {c.get('year', '')}.".strip()
    return f"{text} arXiv:{c['arxiv']}" if c.get("arxiv") else text


__all__ = ["DOC", "SCHEMA", "SYMBOL", "approximations", "canonical", "citation_text", "classes", "component_items", "components",
           "covering", "derivations", "fmt", "json_safe", "lattice", "leaves_out", "natural_key", "prepare",
           "relations", "term_for", "variants"]
