"""Exhaustive recombination: every well-typed choice of one option per component, classified.

The seed paper recombined its components into new variants. :func:`explore` enumerates the
product of the component options (:data:`~anatomy.taxonomy.components.OPTIONS`) depth-first,
in component order, and prunes a prefix as soon as a builder rejects it (an ill-typed
combination, such as a recurrent scan without a causal mask); a complete point whose leaves
clash (one name, two shapes) is ill-typed too. Every point is a term over one shared set of
axes (the union of the catalogue's declarations). Then, stage by stage:

1. **Terms.** Terms are interned, so points that build the same term are one class at once
   (no join needed); only the distinct terms go on.
2. **Fingerprints** (:mod:`._exact`): each distinct term's float64 values on fixed random
   leaves (drawn once per leaf name and shape), at fixed small sizes, rounded and hashed.
   A fingerprint only groups.
3. **≡ classes**: the terms of each group with several terms go into a shared e-graph, ten
   groups at a time, and only a join counts. Terms of one group that the e-graph does not
   join within its budget are separate classes, each listing the others as
   ``numerically_equal_not_joined``; so is a term the e-graph's preparation cannot take
   (``egraph_rejected``). The number of distinct functions lies between the number of
   fingerprint groups and the number of ≡ classes.
4. **Literature**: each catalogue variant is aligned to the points' signatures
   (:func:`anatomy.ir.unify.unify`: input names and size symbols), fingerprinted, and put
   into the e-graph of the group it matches; a join makes the class *literature* (with the
   alignment's conditions, e.g. ``m = n``: the variant at equal query and key lengths). The
   other classes are *new*.
5. **≅ classes** (:mod:`._reparam`): classes with parameters are bucketed by necessary
   conditions of ≅ (same type and inputs; the same numeric family profile), and only pairs
   within a bucket go to the witness search, all of them or the first ``reparam_pairs`` in
   a stated order; the record counts the pairs at each step, by kind of swap.

The record states the size of the space, the well-typed and ill-typed points (by the
component that rejected them), the distinct terms, the classes, the literature matches, the
new classes, the ≅ pairs tried, the named subspaces (:data:`SPACES`) the run contains, and the
time and peak resident memory of each stage. The same input gives the same record, apart from
the ``seconds``, ``peak_mb`` and ``workers_peak_mb`` fields, whatever the number of workers.

Example:
    >>> space = dict(CORE, score=("dot", "scaled-dot"), mask=("none",), normaliser=("softmax",),
    ...              aggregation=("weighted-sum",))
    >>> rec = explore(restrict=space)
    >>> rec["size"], rec["points"], rec["classes"], rec["literature"]
    (2, 2, 2, ['scaled-dot-product'])
"""

from __future__ import annotations

import contextlib
import dataclasses
import resource
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

from ..egraph.engine import Budget
from ..errors import AnatomyError
from ..ir.term import Axis, Term
from ..ir.traverse import inputs, params
from ..ir.unify import unify
from ..ir.variant import Variant
from ._exact import (Fingerprints, exact_classes, fingerprint_all, fingerprint_sizes, symbols_of, try_fingerprint,
                     unevaluated_key)
from ._reparam import reparam_classes
from .catalogue import Entry, load_catalogue
from .components import COMPONENTS, OPTIONS, Parts

BUDGET = Budget(iterations=5, seconds=2.0, nodes=30_000)
"""The e-graph budget per fingerprint group (a shared graph gets it times its groups)."""

_CORE_SCORES = ("additive", "bilinear", "cosine", "dot", "elu-feature", "l2-distance", "scaled-dot", "squared-dot")
_CORE_NORMALISERS = ("identity", "kernel-sum", "relu-over-length", "sigmoid", "softmax", "softmax-plus-one")

CORE = {"projection": ("none",), "position": ("none",), "score": _CORE_SCORES, "mask": ("causal", "none"),
        "normaliser": _CORE_NORMALISERS, "aggregation": ("reassociated", "weighted-sum"), "output": ("none",)}
"""The default space: scores, masks, normalisers and the order of aggregation over
pre-projected queries, keys and values (192 points). The full product of every option
(``restrict=None``) has 3,264,000."""

PAPER = {"projection": ("identity", "single"), "position": ("none",), "score": _CORE_SCORES, "mask": ("causal",),
         "normaliser": _CORE_NORMALISERS, "aggregation": ("reassociated", "weighted-sum"), "output": ("none",)}
"""The seed paper's kind of recombination, as reconstructed (its list of 14 variants is
unknown): score × normaliser × no projection (the tokens themselves) vs learned linear
projections, causal as in its language-modelling experiments, both orders of aggregation
(192 points)."""

FULL_REPARAM_PAIRS = 4000
"""The CLI's cap on the pairs the ≅ witness search tries in the full space (``--full``)."""

SPACES = {"core": CORE, "paper": PAPER}
"""Named subspaces; a run reports the classes of each one its space contains."""


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


def space_of(restrict: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """The options of every component in ``restrict`` (every option where it is silent), sorted."""
    return {c: sorted((restrict or {}).get(c, OPTIONS[c])) for c in COMPONENTS}


def points(axes: Sequence[Axis], *, restrict: Mapping[str, Sequence[str]] | None = None,
           rejected: dict[str, int] | None = None, tick: Callable[[int], None] | None = None) -> Iterator[Point]:
    """Every well-typed point of the product, depth-first in component order.

    A prefix that a builder rejects is pruned, and the points it removes are counted in
    ``rejected`` under the rejecting component (``"leaves"``: a complete point that uses one
    leaf name for two shapes). ``tick`` is called with the number of points of the product
    covered so far (yielded or rejected).
    """
    space = space_of(restrict)
    table = {c: [OPTIONS[c][o] for o in space[c]] for c in COMPONENTS}
    sizes = [len(table[c]) for c in COMPONENTS]
    covered = [0]

    def cover(n: int, why: str | None) -> None:
        covered[0] += n
        if why is not None and rejected is not None:
            rejected[why] = rejected.get(why, 0) + n
        if tick is not None:
            tick(covered[0])

    def walk(depth: int, parts: Parts, chosen: tuple) -> Iterator[Point]:
        if depth == len(COMPONENTS):
            try:
                inputs(parts.out)
                params(parts.out)
            except AnatomyError:  # one name for two different tensors
                cover(1, "leaves")
                return
            cover(1, None)
            yield Point(chosen, parts.out)
            return
        component = COMPONENTS[depth]
        for opt in table[component]:
            try:
                nxt = opt.build(parts)
            except (AnatomyError, AttributeError, TypeError):  # the options before it leave nothing to build on
                cover(int(np.prod(sizes[depth + 1:])), component)
                continue
            yield from walk(depth + 1, nxt, chosen + ((component, opt.name),))

    yield from walk(0, Parts(axes={a.name: a for a in axes}), ())


# -- time and memory --------------------------------------------------------------------


def _reset_peak() -> bool:
    """Reset the process's peak resident memory (Linux); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    """The peak resident memory since the last reset (Linux), or of the whole process."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2 ** 20 if sys.platform == "darwin" else peak / 1024


class _Stages:
    """Each stage's wall time and peak resident memory, and a throttled progress callback."""

    def __init__(self, progress: Callable[[str, int, int], None] | None) -> None:
        self.progress = progress
        self.record: dict[str, dict] = {}
        self.per_stage = _reset_peak()

    @contextlib.contextmanager
    def __call__(self, name: str, **counts: int):
        _reset_peak()
        start = time.perf_counter()
        entry = {"seconds": 0.0, "peak_mb": 0.0, **counts}
        self.record[name] = entry
        yield entry
        entry["seconds"] = round(time.perf_counter() - start, 1)
        entry["peak_mb"] = round(_peak_mb(), 1)

    def ticker(self, stage: str, total: int) -> Callable[[int, int], None]:
        """``tick(done, total)`` that reports about 50 times per stage, at multiples of a step
        (what the CLI's progress bar draws), and always the last item."""
        if self.progress is None:
            return lambda done, total=total: None
        report = self.progress
        last = [-1]

        def tick(done: int, total: int = total) -> None:
            step = max(1, total // 50)
            if done + 1 >= total or done // step != last[0]:
                last[0] = done // step
                report(stage, total - 1 if done + 1 >= total else done // step * step, total)
        return tick


# -- the run --------------------------------------------------------------------------


def _literature(entries: Sequence[Entry], reps: Mapping[tuple, Term], fp: Fingerprints) -> list[tuple]:
    """(fingerprint key, entry name, aligned term, conditions) for each catalogue variant
    aligned to each point signature it unifies with (inputs renamed, sizes substituted; the
    point's own term unchanged)."""
    found = []
    for e in entries:
        v = e.variant
        ranks = sorted(len(x.shape) for x in v.inputs)
        for sig, term in reps.items():
            if len(term.axes) != len(v.out_axes) or sorted(len(x.shape) for x in inputs(term)) != ranks:
                continue
            try:
                al = unify(Variant.from_term("point", term), v)
                if al is None or al.left(term) is not term:
                    continue
                aligned = al.right(v.term)
            except AnatomyError:
                continue
            if aligned.type != term.type or _signature(aligned) != sig:
                continue
            got = try_fingerprint(fp, aligned)
            if got is not None:
                found.append((got.key, v.name, aligned, tuple(al.conditions)))
    return found


def _signature(term: Term) -> tuple:
    return (str(term.type), tuple(sorted((x.name, tuple(str(a) for a in x.shape)) for x in inputs(term))))


def explore(entries: Sequence[Entry] | None = None, *, restrict: Mapping[str, Sequence[str]] | None = None,
            budget: Budget = BUDGET, reparam_pairs: int | None = None, workers: int = 1,
            progress: Callable[[str, int, int], None] | None = None) -> dict:
    """The recombination record (see the module docstring).

    Parameters:
        entries: the catalogue variants to match (default: the whole catalogue); they also
            fix the shared axes.
        restrict: component -> the options to use (default: every option of every component).
        budget: the e-graph budget per fingerprint group.
        reparam_pairs: the most same-profile pairs the ≅ witness search tries (None: all);
            the record says which were tried (:func:`._reparam.reparam_classes`).
        workers: processes for the fingerprints and the ≅ stage (the record does not depend
            on it).
        progress: ``progress(stage, done, total)``, called about 50 times per stage.
    """
    start = time.perf_counter()
    stages = _Stages(progress)
    entries = sorted(entries if entries is not None else load_catalogue(), key=lambda e: e.variant.name)
    axes = shared_axes(entries)
    space = space_of(restrict)
    total = int(np.prod([len(space[c]) for c in COMPONENTS]))

    with stages("enumerate", points=0) as st:
        rejected: dict[str, int] = {}
        tick = stages.ticker("enumerate", total)
        found = list(points(axes, restrict=restrict, rejected=rejected, tick=lambda n: tick(n - 1)))
        st["points"] = len(found)

    with stages("terms") as st:
        by_term: dict[Term, list[Point]] = {}
        for p in found:
            by_term.setdefault(p.term, []).append(p)
        terms = sorted(by_term, key=lambda t: min(p.name for p in by_term[t]))
        names = {t: sorted(p.name for p in by_term[t]) for t in terms}
        st["distinct"] = len(terms)

    with stages("fingerprints", terms=len(terms)):
        sizes = fingerprint_sizes(symbols_of(terms) | {s for a in axes for s in a.size.symbols}
                                  | symbols_of(e.variant.term for e in entries))
        fp = Fingerprints(sizes)
        groups: dict[str, list[Term]] = {}
        non_finite, unevaluated = [], []
        got_all = fingerprint_all(fp, terms, workers=workers, tick=stages.ticker("fingerprints", len(terms)))
        for t, got in zip(terms, got_all):
            if got is None:
                unevaluated.append(names[t][0])
                groups.setdefault(unevaluated_key(t), []).append(t)
                continue
            if not got.finite:
                non_finite.append(names[t][0])
            groups.setdefault(got.key, []).append(t)

    with stages("literature", entries=len(entries)) as st:
        reps: dict[tuple, Term] = {}
        for t in terms:
            reps.setdefault(_signature(t), t)
        matches = [m for m in _literature(entries, reps, fp) if m[0] in groups]
        extra: dict[str, list[Term]] = {}
        extra_of: dict[str, list[tuple[str, tuple]]] = {}
        for key, name, term, conditions in matches:
            extra.setdefault(key, []).append(term)
            extra_of.setdefault(key, []).append((name, conditions))
        st["candidates"] = len(matches)

    with stages("classes", groups=len(groups)) as st:
        order = sorted(groups, key=lambda k: names[groups[k][0]][0])
        joinable = sum(1 for k in order if len(groups[k]) + len(extra.get(k, ())) > 1)
        exact = exact_classes({k: groups[k] for k in order}, extra, budget, tick=stages.ticker("classes", joinable))
        classes = _class_records(order, groups, by_term, exact, extra_of)
        st["egraphs"] = len(exact.runs)
        st["stops"] = _count(r["stop"] for r in exact.runs)

    reparam, pairs = reparam_classes(classes, {p.name: p.term for p in found}, pairs=reparam_pairs,
                                     workers=workers, stages=stages,
                                     first=lambda ch: any(all(ch[c] in sub[c] for c in COMPONENTS)
                                                          for sub in SPACES.values()))

    subspaces = _subspaces(space, found, classes, reparam)
    reached = {c: sorted({o for p in found for cc, o in p.choice if cc == c}) for c in COMPONENTS}
    return {"space": space, "size": total, "points": len(found), "ill_typed": sum(rejected.values()),
            "ill_typed_by": dict(sorted(rejected.items())),
            "never_well_typed": {c: [o for o in space[c] if o not in reached[c]] for c in COMPONENTS
                                 if len(reached[c]) < len(space[c])},
            "distinct_terms": len(terms), "same_term": len(found) - len(terms),
            "fingerprint_sizes": sizes, "fingerprint_groups": len(groups),
            "non_finite": len(non_finite), "unevaluated": len(unevaluated),
            "classes": len(classes), "unjoined": len(classes) - len(groups),
            "egraph_conflicts": [list(c) for c in exact.conflicts],
            "egraph_rejected": [{"point": names[groups[k][i]][0], "error": why} for k, i, why in exact.rejected],
            "reparam_classes": len(reparam), "reparam_merged": [g for g in reparam if len(g) > 1],
            "reparam_pairs": pairs,
            "literature": sorted({n for c in classes for n in c["literature"]}),
            "new": [c["representative"] for c in classes if not c["literature"]],
            "subspaces": subspaces, "stages": stages.record,
            "seconds": round(time.perf_counter() - start, 1),
            "peak_mb": round(max((s["peak_mb"] for s in stages.record.values()), default=0.0), 1),
            "class_list": classes}


def _class_records(order: Sequence[str], groups: Mapping[str, list[Term]], by_term: Mapping[Term, list[Point]],
                   exact, extra_of: Mapping[str, list[tuple[str, tuple]]]) -> list[dict]:
    """One record per ≡ class (a part of a fingerprint group), sorted by representative: the
    member with the first name."""
    classes = []
    for key in order:
        members = [sorted(p.name for i in part for p in by_term[groups[key][i]]) for part in exact.parts[key]]
        for part, names in zip(exact.parts[key], members):
            rep = names[0]
            lit = [extra_of[key][n] for n in exact.extra[key].get(part[0], [])]
            point = next(p for i in part for p in by_term[groups[key][i]] if p.name == rep)
            classes.append({"representative": rep, "choice": dict(point.choice), "members": names,
                            "numerically_equal_not_joined": sorted(m[0] for m in members if m[0] != rep),
                            "literature": sorted({name for name, _ in lit}),
                            "conditions": {name: list(cond) for name, cond in sorted(lit) if cond}})
    return sorted(classes, key=lambda c: c["representative"])


def _subspaces(space: Mapping[str, Sequence[str]], found: Sequence[Point], classes: list[dict],
               reparam: list[list[str]]) -> dict:
    """The classes of each named subspace (:data:`SPACES`) that ``space`` contains."""
    class_of = {n: k for k, c in enumerate(classes) for n in c["members"]}
    reparam_of = {n: k for k, g in enumerate(reparam) for r in g for n in classes[class_of[r]]["members"]}
    out = {}
    for label, sub in SPACES.items():
        if all(set(sub[c]) <= set(space[c]) for c in COMPONENTS):
            inside = [p.name for p in found if all(o in sub[c] for c, o in p.choice)]
            out[label] = {"size": int(np.prod([len(sub[c]) for c in COMPONENTS])), "points": len(inside),
                          "classes": len({class_of[n] for n in inside}),
                          "reparam_classes": len({reparam_of[n] for n in inside}),
                          "literature": sorted({v for n in inside for v in classes[class_of[n]]["literature"]})}
    return out


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return dict(sorted(out.items()))
