"""Relations between variants: ``check``, ``classes`` and ``optimize``, as records.

This module puts the e-graph (which discovers) and the verifiers (which check, by
independent code) together and returns plain records that the CLI prints as text or JSON.

``check`` runs every oracle on the two terms themselves (z3 at bounded sizes, float64
random and hypothesis-drawn cases, the finite-field test where it applies), whatever the
e-graph found, and answers:

* ``equivalent`` (≡) — the e-graph joined them (a derivation for all sizes, from rules that
  ``anatomy rules verify`` checks one by one), and no oracle found a difference;
* for variants with learnable parameters that are not ≡, the relation between their
  *families* (:func:`anatomy.family.relation.family_relation`): ``reparam-equivalent`` (≅),
  ``specializes`` or ``generalizes`` (⊑), each by witnesses that the e-graph derived and the
  oracles checked, with strictness and conditions;
* ``distinct`` — an oracle produced a checked counterexample (or the outputs differ in
  type), and neither variant has parameters;
* ``unknown`` — none of these; the record says what each oracle found (z3 may have proved the
  identity at every size up to its bound, which is not a proof for all sizes).

Approximation (⊑≈, by a cited theorem) is reported apart, under ``approximation``.

A join that an oracle refutes, and oracles that contradict each other, are errors
(:class:`~anatomy.errors.OracleConflict`), never answers.

Example:
    >>> from anatomy.examples import load_example
    >>> rec = check(load_example("linear-elu-quadratic"), load_example("linear-elu-linear"))
    >>> rec["relation"], "sum-swap" in rec["evidence"]["rules"], rec["evidence"]["smt"]["verdict"]
    ('equivalent', True, 'proved')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .egraph.cost import cost_sizes, term_cost
from .egraph.engine import Budget, Engine, join, partition
from .errors import AnatomyError, InternalError, OracleConflict
from .family.approx import approximated_by
from .family.relation import family_relation
from .family.search import inputs_differ, plausible
from .ir.syntax.printer import print_with_lets
from .ir.term import Axis, Input, Rename
from .ir.traverse import (axis_names, fresh_name, inputs as term_inputs, params as term_params, rename_everywhere,
                           size_symbols, substitute)
from .ir.unify import Alignment, unify
from .ir.variant import Variant
from .runtime import evaluate, random_values
from .verify.numeric import compare, signature_mismatch
from .verify.oracles import run_oracles
from .verify.smt import BOUND

def _run(run) -> dict:
    # no wall time: the same input gives the same record, byte for byte (benchmarks time runs)
    return {"stop": run.stop, "iterations": run.iterations, "e_nodes": run.nodes}


def align(a: Variant, b: Variant) -> tuple[Variant, Variant, Alignment | None]:
    """The pair made comparable, and how: ``b``'s inputs renamed to the ``a`` inputs they
    stand for and both at the unified sizes (:func:`~anatomy.ir.unify.unify`; None when the
    sizes cannot be unified), then ``b``'s output axes and its inputs' declared axes renamed
    to ``a``'s, position by position, where the sizes agree. Only names move, and sizes where
    the alignment says so (its ``conditions`` then narrow the claim); a size that still
    differs is left for the comparison to report."""
    found = unify(a, b)
    if found is not None and not found.trivial:
        a = _rebuilt(a, found.left(a.term), a.out_axes)
        b = _rebuilt(b, found.right(b.term), b.out_axes)
    return a, _rename_axes(a, b), found


def _rebuilt(v: Variant, term, out_axes) -> Variant:
    if term is v.term:
        return v
    return Variant.from_term(v.name, term, out_axes=out_axes, title=v.title, citation=v.citation, notes=v.notes)


def _rename_axes(a: Variant, b: Variant) -> Variant:
    """``b`` with its inputs' axes and its output axes named as ``a``'s, position by position,
    where the sizes agree: ``b``'s axis names are first made apart from ``a``'s, then renamed
    everywhere (:func:`~anatomy.ir.traverse.rename_everywhere`) where one ``b`` name stands for
    one ``a`` name; an input read along two of ``a``'s names keeps a renaming at the leaf."""
    theirs, mine = axis_names(a.term), axis_names(b.term)
    used = set(theirs | mine)
    apart = {}
    for n in sorted(mine & theirs):
        apart[n] = fresh_name(n, used)
        used.add(apart[n])
    term = rename_everywhere(b.term, apart)
    out_b = tuple(apart.get(x, x) for x in b.out_axes)
    by_name = {x.name: x for x in a.inputs}
    pairs = []
    if len(a.out_axes) == len(out_b):  # the outputs first: an input read along two names keeps a leaf renaming
        sizes_a, sizes_b = a.term.type.sizes, term.type.sizes
        pairs.append((tuple(Axis(x, sizes_a[x]) for x in a.out_axes), tuple(Axis(y, sizes_b[y]) for y in out_b)))
    pairs += [(by_name[leaf.name].shape, leaf.shape) for leaf in term_inputs(term)
              if leaf.name in by_name and len(by_name[leaf.name].shape) == len(leaf.shape)]
    wanted: dict[str, str] = {}
    for shape_a, shape_b in pairs:
        proposed: dict[str, set[str]] = {}
        for x, y in zip(shape_a, shape_b):
            if x.size == y.size and y.name not in wanted and x.name not in wanted.values():
                proposed.setdefault(y.name, set()).add(x.name)
        for y, xs in sorted(proposed.items()):
            if len(xs) == 1 and (x := next(iter(xs))) not in wanted.values():
                wanted[y] = x
    term = rename_everywhere(term, wanted)
    present = axis_names(term)
    keep = {x.name for leaf in a.inputs for x in leaf.shape} | set(a.out_axes)
    back = {new: old for old, new in apart.items() if new in present and old not in present | keep}
    term = rename_everywhere(term, back)
    out_b = tuple(back.get(wanted.get(y, y), wanted.get(y, y)) for y in out_b)
    swaps = {}
    for leaf in term_inputs(term):
        other = by_name.get(leaf.name)
        if other is None or other.shape == leaf.shape or len(other.shape) != len(leaf.shape) \
                or any(x.size != y.size for x, y in zip(other.shape, leaf.shape)):
            continue
        moved = tuple((x.name, y.name) for x, y in zip(other.shape, leaf.shape) if x.name != y.name)
        swaps[leaf] = Rename(Input(leaf.name, other.shape), moved)
    if swaps:
        try:
            term = substitute(term, swaps)
        except AnatomyError:  # one name with two sizes, or a scan along the renamed axis: keep the names
            pass
    if term is b.term:
        return b
    return Variant.from_term(b.name, term, out_axes=out_b, title=b.title, citation=b.citation, notes=b.notes)


def check(a: Variant, b: Variant, *, budget: Budget = Budget(), seeds: int = 3, examples: int = 20, seed: int = 0,
          sizes: Mapping[str, int] | None = None, bound: int = BOUND) -> dict:
    """The relation between two variants, with its evidence (JSON schema in docs/reference/cli.md).

    The two are first aligned (:func:`align`): a claim about variants whose sizes had to be
    unified holds at the unified sizes, and says so in its conditions."""
    a, b, aligned = align(a, b)
    record = _check(a, b, budget=budget, seeds=seeds, examples=examples, seed=seed, sizes=sizes, bound=bound)
    record["alignment"] = aligned.to_json() if aligned is not None else None
    if aligned is not None and aligned.conditions:
        record["conditions"] = [*aligned.conditions, *record["conditions"]]
    return record


def _check(a: Variant, b: Variant, **kw) -> dict:
    record: dict = {"left": a.name, "right": b.name, "relation": "unknown", "conditions": [],
                    "evidence": {"rules": [], "prepared_by": [], "egraph": None, "verdict": None, "reason": None,
                                 "smt": None, "numeric": None, "field": None},
                    "counterexample": None, "reason": ""}
    why = signature_mismatch(a.term, b.term)
    if why is not None and (a.term.type != b.term.type or inputs_differ(a.term, b.term)):
        record.update(relation="distinct", reason=why)
        return record
    if why is not None:  # a parameter name with different axes on each side: only families compare
        record.update(reason=why)
    else:
        _exact(a, b, record, **kw)
    if record["relation"] != "equivalent" and (a.params or b.params):
        return _family(a, b, record, **kw)
    return record


def _exact(a: Variant, b: Variant, record: dict, *, budget: Budget, sizes, seeds: int, examples: int, seed: int,
           bound: int) -> None:
    """Fill ``record`` with the ≡ answer: the e-graph's join and every oracle on the two terms."""
    joined = join(a.term, b.term, budget)
    evidence = run_oracles(a.term, b.term, sizes=sizes, seeds=seeds, examples=examples, seed=seed, bound=bound)
    ev = record["evidence"]
    ev.update(rules=list(joined.rules), prepared_by=list(joined.prepared_by), egraph=_run(joined.run),
              **evidence.to_json())
    conditions = ev.pop("conditions")
    if evidence.verdict == "conflict":
        raise OracleConflict(f"the verifiers disagree on {a.name} and {b.name}: {evidence.reason}")
    if joined.joined and evidence.verdict == "refuted":
        raise OracleConflict(f"the e-graph joined {a.name} and {b.name}, but {evidence.reason}; one of the "
                             f"rules {', '.join(joined.rules + joined.prepared_by)} is wrong")
    if evidence.verdict == "refuted":
        record.update(relation="distinct", counterexample=_counterexample(evidence, a.term), reason=evidence.reason)
    elif joined.joined:
        record.update(relation="equivalent", conditions=conditions, reason="the e-graph joined them, and " + (
            "z3 proved it at every size up to " + str(evidence.smt.bound) if evidence.smt.verdict == "proved"
            else f"no oracle found a difference (z3: {evidence.smt.verdict})"))
    elif evidence.smt.verdict == "proved":
        record.update(reason=f"z3 proved it at every size up to {evidence.smt.bound}, and no oracle found a "
                             f"difference, but the e-graph ({joined.run.stop}) did not derive it for all sizes")
    else:
        record.update(reason=f"the e-graph stopped ({joined.run.stop}) without joining them, no oracle found a "
                             f"difference, and z3 did not settle it ({evidence.smt.reason})")


def _family(a: Variant, b: Variant, exact: dict, **kw) -> dict:
    """The family relation, when the variants are not ≡ and one has parameters."""
    fam = family_relation(a.term, b.term, **{**kw, "examples": min(kw["examples"], 10)})
    direction = fam["witness"]["forward"] if fam["relation"] in ("specializes", "reparam-equivalent") \
        else fam["witness"]["backward"] if fam["relation"] == "generalizes" else None
    ev = (direction or {}).get("evidence") or {}
    record = {"left": a.name, "right": b.name, "relation": fam["relation"], "conditions": fam["conditions"],
              "evidence": {"rules": list((direction or {}).get("rules", [])),
                           "prepared_by": list((direction or {}).get("prepared_by", [])),
                           "egraph": None, "verdict": ev.get("verdict"), "reason": ev.get("reason"),
                           "witness": fam["witness"], "smt": ev.get("smt"), "numeric": ev.get("numeric"),
                           "field": ev.get("field"),
                           "exact": {"relation": exact["relation"], "reason": exact["reason"],
                                     "counterexample": exact["counterexample"]}},
              "strict": fam["strict"], "also": fam["also"], "counterexample": None,
              "approximation": _approximation(a, b)}
    if "not_included" in fam:
        record["not_included"] = fam["not_included"]
    record["reason"] = _family_reason(fam, exact)
    return record


def _approximation(a: Variant, b: Variant) -> dict | None:
    """The ⊑≈ record either way round, saying which side is approximated."""
    for left, right, claim in ((a, b, "left ⊑≈ right"), (b, a, "right ⊑≈ left")):
        found = approximated_by(left.term, right.term)
        if found:
            return {"claim": claim, **found}
    return None


def _family_reason(fam: dict, exact: dict) -> str:
    rel = fam["relation"]
    fwd, bwd = fam["witness"]["forward"], fam["witness"]["backward"]
    if rel == "reparam-equivalent":
        return f"each family contains the other: left ⊑ right ({fwd['reason']}); right ⊑ left ({bwd['reason']})"
    if rel in ("specializes", "generalizes"):
        shown = fwd if rel == "specializes" else bwd
        return f"{shown['claim']}: {shown['reason']}"
    return (f"not equivalent ({exact['reason']}); no family witness either way (left ⊑ right: {fwd['reason']}; "
            f"right ⊑ left: {bwd['reason']})")


def _counterexample(evidence, term) -> dict:
    """The numeric counterexample when there is one (it replays by seed), else z3's, with the
    shape of every input and parameter at its sizes."""
    if evidence.numeric.counterexample is not None:
        found = {"oracle": "float64", **evidence.numeric.counterexample.to_json()}
    elif evidence.smt.counterexample is not None:
        found = {"oracle": "z3", **evidence.smt.counterexample.to_json()}
    else:
        found = {"oracle": "finite-field", **evidence.field.counterexample.to_json()}
    leaves = term_inputs(term) + term_params(term)
    found["shapes"] = {x.name: [a.size.evaluate(found["sizes"]) for a in x.shape] for x in leaves
                       if set(sym for a in x.shape for sym in a.size.symbols) <= set(found["sizes"])}
    return found


def classes(variants: Sequence[Variant], *, budget: Budget = Budget()) -> dict:
    """The partition of ``variants`` into e-classes, with the run that produced it."""
    part = partition([v.term for v in variants], budget)
    groups = [[variants[i].name for i in c] for c in part.classes]
    return {"variants": len(variants), "classes": groups, "run": _run(part.run)}


def optimize(v: Variant, *, sizes: Mapping[str, int] | None = None, budget: Budget = Budget()) -> dict:
    """The cheapest form of ``v`` the e-graph finds at ``sizes``, with costs before and after,
    and a random test of the extracted form against the original."""
    at = cost_sizes(size_symbols(v.term), sizes)
    eng = Engine()
    handle = eng.add(v.term)
    run = eng.run(budget)
    best, after = eng.extract(handle, at)
    before = term_cost(v.term, at)
    if after.total > before.total:  # the original is in its own class: never report a worse form
        best, after = v.term, before
    numeric = compare(v.term, best)
    if numeric.verdict == "differ":
        raise InternalError(f"the extracted form of {v.name} differs numerically from it "
                            f"(relative RMS error {numeric.max_error:.3g})")
    lets, body = print_with_lets(best)
    return {"name": v.name, "sizes": at, "before": _cost(before), "after": _cost(after),
            "speedup": round(before.total / after.total, 3) if after.total else None,
            "term": {"lets": [{"name": n, "axes": list(ax), "term": t} for n, ax, t in lets], "term": body},
            "run": _run(run), "numeric": numeric.to_json()}


def _cost(c) -> dict:
    return {"flops": c.flops, "bytes": c.bytes, "text": str(c)}


def shared_values(terms: Sequence, names: Sequence[str]) -> dict:
    """Each term's output (by name) on random inputs and parameters shared by leaf name, at
    sizes shared by symbol: a screen, where equal values make a pair worth checking and
    nothing more. A term that cannot be evaluated is left out."""
    symbols = sorted({s for t in terms for s in size_symbols(t)})
    sizes = {s: 3 + k % 4 for k, s in enumerate(symbols)}
    out = {}
    for name, term in zip(names, terms):
        try:
            with np.errstate(all="ignore"):
                value = evaluate(term, random_values(term, sizes=sizes, seed=7), sizes=sizes)
        except (AnatomyError, ValueError, ArithmeticError):
            continue
        out[name] = np.asarray(value.transpose(tuple(sorted(value.axes))).data, dtype=float)
    return out


def same_values(x, y) -> bool:
    """Whether two outputs of :func:`shared_values` agree (finite, relative 1e-9)."""
    return x is not None and y is not None and x.shape == y.shape and bool(np.isfinite(x).all()) \
        and bool(np.allclose(x, y, rtol=1e-9, atol=1e-12))


# -- classify ----------------------------------------------------------------------------

_LISTS = {"equivalent": "equivalent", "reparam-equivalent": "reparam_equivalent", "specializes": "specializes",
          "generalizes": "generalizes"}


def comparable(a: Variant, b: Variant) -> bool:
    """Once aligned (:func:`align`), the same output type and one variant's inputs among the
    other's: a relation can hold."""
    return comparable_aligned(*align(a, b)[:2])


def comparable_aligned(a: Variant, b: Variant) -> bool:
    """:func:`comparable` for a pair :func:`align` has aligned."""
    na, nb = {x.name for x in a.inputs}, {x.name for x in b.inputs}
    return a.term.type == b.term.type and (na <= nb or nb <= na)


def classify(v: Variant, catalogue: Sequence[Variant], *, budget: Budget = Budget(), seeds: int = 2,
             examples: int = 0, seed: int = 0, bound: int = BOUND) -> dict:
    """Where ``v`` sits among ``catalogue``: its ≡ class, its ≅ class, the variants it
    specialises and generalises (nearest first: one that lies between ``v`` and another is
    kept, the other dropped), and those that approximate it (⊑≈), each with its evidence
    (JSON schema in docs/reference/cli.md). Variants with another output type are skipped.

    Cheap filters choose what to check in full: one e-graph holds ``v`` and every comparable
    variant (a join is a candidate for ≡), equal values on shared random inputs (a candidate
    for ≡ the shared e-graph missed), and the numeric screen of the witness search (a
    passing proposal either way is a candidate for ≅ or ⊑). Each candidate then gets the
    full :func:`check`, whose verdict is the answer."""
    record: dict = {"name": v.name, "equivalent": [], "reparam_equivalent": [], "specializes": [],
                    "generalizes": [], "approximated_by": [], "unknown": [], "compared": 0, "evidence": {}}
    pairs = [(*align(v, o)[:2], o) for o in sorted(catalogue, key=lambda x: x.name)
             if not (o.name == v.name and o.term is v.term)]
    pairs = [p for p in pairs if comparable_aligned(p[0], p[1])]
    record["compared"] = len(pairs)
    eng = Engine()
    inserted: dict = {}

    def handle(term, like: int | None = None) -> int:  # ``v`` aligned the same way is inserted once
        if term not in inserted:
            inserted[term] = eng.add(term, like=like)
        return inserted[term]

    handles = [(h := handle(mine.term), handle(other.term, like=h)) for mine, other, _ in pairs]
    eng.run(budget)
    for (mine, other, given), (left, right) in zip(pairs, handles):
        joined = eng.same(left, right)
        family = (v.params or other.params) and (plausible(mine.term, other.term) or plausible(other.term, mine.term))
        values = shared_values([mine.term, other.term], ["mine", "other"])  # the e-graph's budget is shared
        if joined or family or same_values(values.get("mine"), values.get("other")):
            rec = check(v, given, budget=budget, seeds=seeds, examples=examples, seed=seed, bound=bound)
            rel = rec["relation"]
            if rel in _LISTS:
                record[_LISTS[rel]].append(other.name)
                record["evidence"][other.name] = {k: rec[k] for k in ("relation", "conditions", "reason", "strict",
                                                                      "also", "alignment") if k in rec}
            elif rel == "unknown":
                record["unknown"].append(other.name)
        approx = approximated_by(mine.term, other.term)
        if approx:
            record["approximated_by"].append(other.name)
            record["evidence"].setdefault(other.name, {})["approximation"] = approx
    by_name = {x.name: x for x in catalogue}
    for key, up in (("specializes", True), ("generalizes", False)):
        record[key] = _nearest(record[key], by_name, up, budget)
    return record


def _nearest(names: list[str], by_name: dict, up: bool, budget: Budget) -> list[str]:
    """Drop each name that lies beyond another of ``names`` (above it when ``up``)."""
    from .family.search import find_inclusion

    keep = []
    for n in names:
        beyond = any(find_inclusion(by_name[m].term, by_name[n].term, budget=budget, examples=0).holds if up
                     else find_inclusion(by_name[n].term, by_name[m].term, budget=budget, examples=0).holds
                     for m in names if m != n)
        if not beyond:
            keep.append(n)
    return keep
