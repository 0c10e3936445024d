"""The facts a report shows about a relation, a step or a run, as (label, text) pairs.

Markdown and HTML both render these lists, so the two reports say the same thing in the
same words and neither computes anything the record lacks: each fact is a field of the
record, formatted (STYLE 46). Absent fields give no fact; ``unknown`` is never rounded up.

Main names: :func:`relation_facts`, :func:`evidence_facts`, :func:`approximation_facts`,
:func:`mapping_facts`.

Example:
    >>> evidence_facts({"rules": ["sum-swap"], "smt": {"verdict": "proved", "bound": 2, "reason": "unsat"},
    ...                 "numeric": {"verdict": "agree", "cases": 8, "max_error": 0.0, "tolerance": 1e-9}})
    [('rules', 'sum-swap'), ('SMT (z3)', 'proved, sizes up to 2: unsat'), ('numeric', 'agree: 8 cases, worst relative error 0, tolerance 1e-09')]
"""

from __future__ import annotations

from typing import Any

from ._record import SYMBOL, fmt

Facts = list[tuple[str, str]]


def relation_facts(r: dict) -> Facts:
    """What a report shows about one relation record."""
    facts: Facts = []
    if r.get("error"):
        facts.append(("error", f"this relation could not be computed: {r['error']}"))
    if r.get("conditions"):
        facts.append(("conditions", "; ".join(str(c) for c in r["conditions"])))
    if r.get("reason"):
        facts.append(("reason", str(r["reason"])))
    strict = r.get("strict")
    if isinstance(strict, dict):
        facts.append(("strictness", f"{strict.get('verdict', 'not shown')}: {strict.get('reason', '')}".rstrip(": ")))
    elif r.get("relation") in ("specializes", "generalizes"):
        facts.append(("strictness", "not shown"))
    for also in r.get("also") or []:
        if isinstance(also, dict):
            cond = "; ".join(str(c) for c in also.get("conditions") or []) or "always"
            facts.append(("also", f"{SYMBOL.get(str(also.get('relation')), '')} {also.get('relation')} when {cond}"))
    missing = r.get("not_included")
    if isinstance(missing, dict):
        facts.append(("not included", f"{missing.get('claim', '')} ({missing.get('verdict', '')}): "
                                      f"{missing.get('reason', '')}"))
    ev = r.get("evidence")
    facts += evidence_facts(ev) if isinstance(ev, dict) else []
    cex = r.get("counterexample")
    if isinstance(cex, dict):
        facts.append(("counterexample", counterexample_text(cex)))
    return facts


def evidence_facts(ev: dict) -> Facts:
    """The rule chain, witnesses and the three oracles' verdicts of an evidence object."""
    facts: Facts = []
    if ev.get("rules"):
        facts.append(("rules", ", ".join(str(x) for x in ev["rules"])))
    if ev.get("prepared_by"):
        facts.append(("prepared by", ", ".join(str(x) for x in ev["prepared_by"])))
    witness = ev.get("witness")
    if isinstance(witness, dict):
        for side in ("forward", "backward"):
            if isinstance(witness.get(side), dict):
                facts += _witness(witness[side])
    if ev.get("verdict"):
        facts.append(("oracles", f"{ev['verdict']}" + (f": {ev['reason']}" if ev.get("reason") else "")))
    smt, num, field = ev.get("smt"), ev.get("numeric"), ev.get("field")
    if isinstance(smt, dict):
        facts.append(("SMT (z3)", smt_text(smt)))
    if isinstance(num, dict):
        facts.append(("numeric", numeric_text(num)))
    if isinstance(field, dict):
        facts.append(("finite field", field_text(field)))
    exact = ev.get("exact")
    if isinstance(exact, dict):
        facts.append(("exact check", f"{exact.get('relation')}: {exact.get('reason', '')}"))
    return facts + _step_facts(ev)


def _step_facts(ev: dict) -> Facts:
    """Fields a derivation step's evidence may carry besides the oracles' (a check record keeps
    them at its top level instead)."""
    facts: Facts = []
    if ev.get("conditions"):
        facts.append(("conditions", "; ".join(str(c) for c in ev["conditions"])))
    if isinstance(ev.get("strict"), dict):
        facts.append(("strictness", f"{ev['strict'].get('verdict')}: {ev['strict'].get('reason', '')}"))
    if isinstance(ev.get("counterexample"), dict):
        facts.append(("counterexample", counterexample_text(ev["counterexample"])))
    for key in ("theorem", "statement", "source"):
        if ev.get(key):
            facts.append((key, str(ev[key])))
    return facts


def _witness(w: dict) -> Facts:
    holds = {True: "shown", False: "refuted", None: "not shown"}.get(w.get("holds"), str(w.get("holds")))
    facts = [(f"witness {w.get('claim', '')}", f"{holds}: {w.get('reason', '')}".rstrip(": "))]
    for m in w.get("witness") or []:
        if isinstance(m, dict):
            cond = f" if {'; '.join(str(c) for c in m['conditions'])}" if m.get("conditions") else ""
            facts.append(("  map", f"{m.get('param')} := {m.get('value')} ({m.get('rule')}){cond}"))
    return facts


def smt_text(smt: dict) -> str:
    text = str(smt.get("verdict"))
    if smt.get("bound") is not None:
        text += f", sizes up to {smt['bound']}"
    if smt.get("reason"):
        text += f": {smt['reason']}"
    if smt.get("assumptions"):
        text += f"; assuming {'; '.join(str(a) for a in smt['assumptions'])}"
    if smt.get("opaque"):
        text += f"; opaque: {', '.join(str(o) for o in smt['opaque'])}"
    return text


def numeric_text(num: dict) -> str:
    text = f"{num.get('verdict')}: {num.get('cases')} cases, worst relative error {fmt(num.get('max_error'))}"
    if num.get("tolerance") is not None:
        text += f", tolerance {fmt(num['tolerance'])}"
    if num.get("overflows"):
        text += f", {num['overflows']} overflow case(s)"
    return text


def field_text(field: dict) -> str:
    text = str(field.get("verdict"))
    if field.get("false_pass_bound") is not None:
        text += f", false-pass bound {fmt(field['false_pass_bound'])} ({field.get('bound_method')})"
    if field.get("reason"):
        text += f": {field['reason']}"
    return text


def counterexample_text(cex: dict) -> str:
    where = fmt(cex.get("entry")) if isinstance(cex.get("entry"), dict) else fmt(cex.get("entry"))
    text = f"{cex.get('oracle', 'oracle')}: at {where}, left {fmt(cex.get('left'))}, right {fmt(cex.get('right'))}"
    if isinstance(cex.get("sizes"), dict):
        text += f" (sizes {fmt(cex['sizes'])})"
    if cex.get("replay"):
        text += f"; replay: {cex['replay']}"
    return text


def approximation_facts(a: dict) -> Facts:
    """What a report shows about one ⊑≈ record."""
    facts: Facts = [("theorem", str(a.get("theorem", "")))]
    for key, name in (("statement", "statement"), ("source", "source"), ("width", "width axis"),
                      ("reason", "reason")):
        if a.get(key):
            facts.append((name, str(a[key])))
    return facts


def mapping_facts(m: dict[str, Any]) -> Facts:
    """A flat summary of an object (the exploration or the run), keys sorted."""
    return [(str(k), fmt(m[k])) for k in sorted(m)]


__all__ = ["Facts", "approximation_facts", "counterexample_text", "evidence_facts", "field_text", "mapping_facts",
           "numeric_text", "relation_facts", "smt_text"]
