"""Relations between variants: ``check``, ``classes`` and ``optimize``, as records.

This module puts the e-graph (which discovers) and the numeric oracle (which checks, by
independent code) together and returns plain records that the CLI prints as text or JSON.

``check`` answers ``equivalent`` when the e-graph joins the two terms *and* the float64
random test agrees; ``distinct`` when the random test finds a counterexample (or the
outputs differ in type); ``unknown`` when the e-graph stopped without joining them and no
counterexample was found. A join that the random test contradicts is never reported as
equivalent: it is an error naming the rules, since one of them must be wrong. Until the z3
verifier lands, the evidence is the rule chain and the numeric test, and the records say so.

Example:
    >>> from anatomy.examples import load_example
    >>> rec = check(load_example("linear-elu-quadratic"), load_example("linear-elu-linear"))
    >>> rec["relation"], "sum-swap" in rec["evidence"]["rules"]
    ('equivalent', True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .egraph.cost import cost_sizes, term_cost
from .egraph.engine import Budget, Engine, join, partition
from .errors import InternalError
from .ir.syntax.printer import print_with_lets
from .ir.traverse import size_symbols
from .ir.variant import Variant
from .verify.numeric import compare, signature_mismatch

EVIDENCE_NOTE = ("evidence: the e-graph's rule chain and a float64 random test; "
                 "the z3 verifier is not part of this version")


def _run(run) -> dict:
    # no wall time: the same input gives the same record, byte for byte (benchmarks time runs)
    return {"stop": run.stop, "iterations": run.iterations, "e_nodes": run.nodes}


def check(a: Variant, b: Variant, *, budget: Budget = Budget(), seeds: int = 3,
          sizes: Mapping[str, int] | None = None) -> dict:
    """The relation between two variants, with its evidence (JSON schema in docs/reference/cli.md)."""
    record: dict = {"left": a.name, "right": b.name, "relation": "unknown", "conditions": [],
                    "evidence": {"rules": [], "prepared_by": [], "egraph": None, "numeric": None,
                                 "note": EVIDENCE_NOTE},
                    "counterexample": None, "reason": ""}
    why = signature_mismatch(a.term, b.term)
    if why is not None:
        record.update(relation="distinct", reason=why)
        return record
    joined = join(a.term, b.term, budget)
    numeric = compare(a.term, b.term, seeds=seeds, sizes=sizes)
    ev = record["evidence"]
    ev.update(rules=list(joined.rules), prepared_by=list(joined.prepared_by), egraph=_run(joined.run),
              numeric=numeric.to_json())
    if joined.joined and numeric.verdict == "differ":
        raise InternalError(f"the e-graph joined {a.name} and {b.name}, but they differ numerically "
                            f"(relative RMS error {numeric.max_error:.3g}); one of the rules "
                            f"{', '.join(joined.rules + joined.prepared_by)} is wrong")
    if joined.joined:
        record.update(relation="equivalent", reason="the e-graph joined them and the random test agrees")
    elif numeric.verdict == "differ":
        record.update(relation="distinct", counterexample=numeric.counterexample.to_json(),
                      reason="the random test found inputs where they differ")
    else:
        record.update(reason=f"the e-graph stopped ({joined.run.stop}) without joining them, and "
                             f"{numeric.cases} random cases found no difference")
    return record


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
