"""Exhaustive recombination: every well-typed choice of one option per component, classified.

The seed paper recombined its components into new variants. :func:`explore` enumerates the
product of the component options (:data:`~anatomy.taxonomy.components.OPTIONS`) depth-first,
in component order, and prunes a prefix as soon as a builder rejects it (an ill-typed
combination, such as a recurrent scan without a causal mask) — the only filter. Every
complete point is a term over one shared set of axes (the union of the catalogue's
declarations), and is then classified:

* **≡ classes.** Points are grouped by a float64 *fingerprint* (their values on fixed
  random inputs and parameters, by name, at fixed sizes, rounded to 9 significant digits);
  two points in one group are then joined by the e-graph, and only a join counts. A group
  the e-graph does not split or join within its budget is reported as such (``unjoined``).
* **≅ classes.** Two ≡ classes whose representatives have parameters are merged when
  the witness search (:func:`anatomy.family.relation.family_relation`) shows each family
  contains the other; only pairs whose numeric screen passes both ways are tried.
* **Literature.** A point equals a catalogue variant when its fingerprint matches and the
  e-graph joins the two; the remaining classes are *new*.

The record says how many points were enumerated, how many were ill-typed, how many
classes there are, which match literature variants and which are new, with the time and
the peak memory (``tracemalloc``) of the run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from ..egraph.engine import Budget, join
from ..errors import AnatomyError
from ..ir.term import Axis, Term
from ..runtime import evaluate, random_values
from .build import UnionFind
from .catalogue import Entry, load_catalogue
from .components import COMPONENTS, OPTIONS, Parts

BUDGET = Budget(iterations=5, seconds=2.0, nodes=30_000)

CORE = {"projection": ("none",), "position": ("none",),
        "score": ("additive", "bilinear", "cosine", "dot", "elu-feature", "l2-distance", "scaled-dot", "squared-dot"),
        "mask": ("causal", "none"),
        "normaliser": ("identity", "kernel-sum", "relu-over-length", "sigmoid", "softmax", "softmax-plus-one"),
        "aggregation": ("reassociated", "weighted-sum"), "output": ("none",)}
"""The default space: the seed paper's kind of recombination — scores, masks, normalisers and
the order of aggregation over pre-projected queries, keys and values (192 points). The full
product of every option (``restrict=None``) has millions of points."""


@dataclasses.dataclass(frozen=True)
class Point:
    """One well-typed recombination: its options (in component order) and its term."""

    choice: tuple[tuple[str, str], ...]
    term: Term

    @property
    def name(self) -> str:
        return "+".join(option for _, option in self.choice)


def shared_axes(entries: Sequence[Entry]) -> list[Axis]:
    """One axis per name the catalogue declares, with the size most entries give it (ties:
    the smallest in text order), by name."""
    counts: dict[str, dict[str, int]] = {}
    sizes: dict[tuple[str, str], Axis] = {}
    for e in entries:
        for a in e.variant.axes:
            counts.setdefault(a.name, {}).setdefault(str(a.size), 0)
            counts[a.name][str(a.size)] += 1
            sizes[(a.name, str(a.size))] = a
    return [sizes[(n, min(c, key=lambda s: (-c[s], s)))] for n, c in sorted(counts.items())]


def points(axes: Sequence[Axis], *, restrict: dict[str, Sequence[str]] | None = None,
           rejected: list | None = None) -> Iterator[Point]:
    """Every well-typed point of the product, depth-first in component order; a prefix a
    builder rejects is counted in ``rejected`` (with how many points it removed) and pruned."""
    table = {c: [OPTIONS[c][o] for o in (restrict or {}).get(c, sorted(OPTIONS[c]))] for c in COMPONENTS}
    sizes = [len(table[c]) for c in COMPONENTS]

    def below(depth: int) -> int:
        return int(np.prod(sizes[depth:])) if depth < len(sizes) else 1

    def walk(depth: int, parts: Parts, chosen: tuple) -> Iterator[Point]:
        if depth == len(COMPONENTS):
            if parts.out is not None:
                yield Point(chosen, parts.out)
            return
        component = COMPONENTS[depth]
        for opt in table[component]:
            try:
                nxt = opt.build(parts)
            except (AnatomyError, AttributeError, TypeError):  # the options before it leave nothing to build on
                if rejected is not None:
                    rejected.append(below(depth + 1))
                continue
            yield from walk(depth + 1, nxt, chosen + ((component, opt.name),))

    yield from walk(0, Parts(axes={a.name: a for a in axes}), ())


def fingerprint(term: Term, sizes: dict[str, int]) -> str:
    """The term's float64 values on fixed random leaves, rounded, hashed (with its type)."""
    values = random_values(term, sizes=sizes, seed=7)
    with np.errstate(all="ignore"):
        out = evaluate(term, values, sizes=sizes)
    data = np.asarray(out.transpose(tuple(sorted(out.axes))).data, dtype=float).ravel()
    finite = np.isfinite(data)
    scale = float(np.max(np.abs(data[finite]))) if finite.any() else 1.0
    rounded = np.where(finite, np.round(data / (scale or 1.0), 9), data)  # relative to the largest entry
    text = ",".join(repr(float(x)) for x in rounded)
    return hashlib.sha256(f"{term.type}|{text}".encode()).hexdigest()[:16]


def explore(entries: Sequence[Entry] | None = None, *, restrict: dict[str, Sequence[str]] | None = None,
            budget: Budget = BUDGET, progress: Callable[[str, int, int], None] | None = None) -> dict:
    """The recombination record (see the module docstring)."""
    start = time.perf_counter()
    tracemalloc.start()
    entries = sorted(entries if entries is not None else load_catalogue(), key=lambda e: e.variant.name)
    axes = shared_axes(entries)
    sizes = {s: 2 + k for k, s in enumerate(sorted({str(sym) for a in axes for sym in a.size.symbols}))}
    tick = progress or (lambda stage, done, total: None)
    rejected: list[int] = []
    found = list(points(axes, restrict=restrict, rejected=rejected))
    groups: dict[str, list[Point]] = {}
    failed = 0
    for k, p in enumerate(found):
        tick("fingerprints", k, len(found))
        try:
            groups.setdefault(fingerprint(p.term, sizes), []).append(p)
        except (AnatomyError, ValueError, ArithmeticError):
            failed += 1
    literature: dict[str, list[str]] = {}
    for e in entries:
        try:
            literature.setdefault(fingerprint(e.variant.term, sizes), []).append(e.variant.name)
        except (AnatomyError, ValueError, ArithmeticError):
            continue
    classes, unjoined = [], 0
    for k, (key, members) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][0].name)):
        tick("classes", k, len(groups))
        first = members[0]
        joined = [m for m in members[1:] if join(first.term, m.term, budget, explain=False).joined]
        unjoined += len(members) - 1 - len(joined)
        lit = [n for n in literature.get(key, []) if join(first.term, _entry_term(entries, n), budget,
                                                           explain=False).joined]
        classes.append({"representative": first.name, "choice": dict(first.choice),
                        "members": sorted(m.name for m in [first, *joined]),
                        "numerically_equal_not_joined": sorted(m.name for m in members[1:] if m not in joined),
                        "literature": sorted(lit)})
    reparam = _reparam_classes(classes, {p.name: p.term for p in found}, progress=tick)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = int(np.prod([len((restrict or {}).get(c, OPTIONS[c])) for c in COMPONENTS]))
    return {"space": {c: sorted((restrict or {}).get(c, OPTIONS[c])) for c in COMPONENTS}, "size": total,
            "points": len(found), "ill_typed": sum(rejected), "unevaluated": failed, "classes": len(classes),
            "reparam_classes": len(reparam), "reparam_merged": [g for g in reparam if len(g) > 1],
            "unjoined": unjoined,
            "literature": sorted({n for c in classes for n in c["literature"]}),
            "new": [c["representative"] for c in classes if not c["literature"]],
            "seconds": round(time.perf_counter() - start, 1), "peak_mb": round(peak / 2 ** 20, 1),
            "class_list": classes}


def _reparam_classes(classes: list[dict], terms: dict[str, Term], *, progress) -> list[list[str]]:
    """≡ classes merged into ≅ classes by derived and verified witnesses both ways."""
    from ..family.relation import family_relation
    from ..family.search import plausible
    from ..ir.traverse import params

    reps = [c["representative"] for c in classes]
    union = UnionFind(reps)

    # ≅ between two different functions needs parameters on both sides (a family without
    # parameters is one function, and one with them reaches more unless they do nothing —
    # then the ≡ classes already met)
    pairs = [(a, b) for k, a in enumerate(reps) for b in reps[k + 1:]
             if terms[a].type == terms[b].type and params(terms[a]) and params(terms[b])]
    for k, (a, b) in enumerate(pairs):
        progress("≅ classes", k, len(pairs))
        if union.find(a) == union.find(b) or not (plausible(terms[a], terms[b], trials=50) and plausible(terms[b], terms[a], trials=50)):
            continue
        rel = family_relation(terms[a], terms[b], examples=0, seeds=2, bound=1)
        if rel["relation"] == "reparam-equivalent" and not rel["conditions"]:
            union.join(a, b)
    return union.groups()


def _entry_term(entries: Sequence[Entry], name: str) -> Term:
    return next(e.variant.term for e in entries if e.variant.name == name)
