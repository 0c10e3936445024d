"""The seed paper's derivations as checked step sequences.

*On the Anatomy of Attention* (arXiv 2407.02423) derives Vaswani's attention from
Bahdanau's, and linearised attention from softmax attention, one small change at a time.
Each chain below is data: a list of steps between variant files in ``derivations/``. The
engine decides what each step *is* — nothing here states a relation:

* ``check``: :func:`anatomy.relate.check` on the two variants; the label follows its
  relation (``≡`` equivalent, ``≅`` reparam-equivalent, ``⊑`` / ``⊒`` specializes /
  generalizes, ``≠`` distinct, ``?`` unknown);
* ``approximate``: :func:`anatomy.family.approx.approximated_by` of the step's target by
  its source (``⊒≈``: the source approximates the target, by a cited theorem; ``?``
  otherwise);
* ``inputs``: a specialisation by identifying inputs (self-attention reads one sequence
  where cross-attention reads three): the source with its inputs replaced is checked
  against the target, and ``⊒`` (the target specialises the source) is given only when
  that check says equivalent.

Labels read from the step's source to its target: ``A ⊒ B`` means B ⊑ A.

Example:
    >>> steps = {c["name"]: [s["relation"] for s in c["steps"]] for c in run_derivations(examples=0)}
    >>> steps["softmax-to-linear"]
    ['≡', '≠', '≡']
"""

from __future__ import annotations

from pathlib import Path

from ..ir.traverse import inputs, substitute
from ..ir.variant import Variant, load_variant
from ..relate import check
from ..family.approx import approximated_by

DIRECTORY = Path(__file__).parent / "derivations"

CHAINS = (
    ("bahdanau-to-vaswani", "From Bahdanau's additive attention to Vaswani's multi-head attention", (
        ("additive", "bilinear", "approximate"),
        ("bilinear", "projected", "check"),
        ("projected", "scaled", "check"),
        ("scaled", "self", "inputs"),
        ("self", "single-head", "check"),
        ("single-head", "multi-head", "check"),
    )),
    ("softmax-to-linear", "From softmax attention to kernel attention to linearised attention", (
        ("softmax", "exp-kernel", "check"),
        ("exp-kernel", "feature-kernel", "check"),
        ("feature-kernel", "linearised", "check"),
    )),
)
"""Each chain: (name, title, steps); a step is (from file stem, to file stem, how)."""

_LABEL = {"equivalent": "≡", "reparam-equivalent": "≅", "specializes": "⊑", "generalizes": "⊒",
          "distinct": "≠", "unknown": "?"}


def _load(stem: str) -> Variant:
    return load_variant(DIRECTORY / f"{stem}.attn")


def _evidence(rec: dict) -> dict:
    ev = rec["evidence"]
    out = {"rules": ev.get("rules", []), "prepared_by": ev.get("prepared_by", []), "smt": ev.get("smt"),
           "numeric": ev.get("numeric"), "field": ev.get("field"), "strict": rec.get("strict"),
           "conditions": rec.get("conditions", []), "counterexample": rec.get("counterexample")}
    if "witness" in ev:
        out["witness"] = ev["witness"]
    return out


def _identified(general: Variant, special: Variant) -> Variant:
    """``general`` with every input replaced by the one input of ``special`` (axes renamed)."""
    (one,) = special.inputs
    mapping = {}
    for leaf in inputs(general.term):
        pairs = {a.name: b.name for a, b in zip(one.shape, leaf.shape)}
        mapping[leaf] = one.rename(pairs)
    return Variant.from_term(general.name + "-identified", substitute(general.term, mapping),
                             out_axes=general.out_axes, title=general.title)


def _step(a: Variant, b: Variant, how: str, kw: dict) -> dict:
    if how == "approximate":
        found = approximated_by(b.term, a.term)
        if found:
            return {"relation": "⊒≈", "reason": f"{b.name} ⊑≈ {a.name}: {found['reason']}",
                    "evidence": {"theorem": found["theorem"], "source": found["source"],
                                 "statement": found["statement"]}}
        return {"relation": "?", "reason": "no approximation theorem applies", "evidence": {}}
    if how == "inputs":
        rec = check(b, _identified(a, b), **kw)
        if rec["relation"] != "equivalent":
            return {"relation": "?", "reason": f"identifying the inputs does not give {b.name}: {rec['reason']}",
                    "evidence": _evidence(rec)}
        return {"relation": "⊒", "reason": f"{b.name} ⊑ {a.name}: it is {a.name} with its inputs identified "
                f"({', '.join(x.name for x in a.inputs)} := {b.inputs[0].name}); {rec['reason']}",
                "evidence": _evidence(rec)}
    rec = check(a, b, **kw)
    return {"relation": _LABEL[rec["relation"]], "reason": rec["reason"], "evidence": _evidence(rec)}


def run_derivations(**kw) -> list[dict]:
    """Every chain with each step's relation, reason and evidence (keyword arguments go to
    :func:`anatomy.relate.check`)."""
    out = []
    for name, title, steps in CHAINS:
        rows = []
        for src, dst, how in steps:
            a, b = _load(src), _load(dst)
            rows.append({"from": a.name, "to": b.name, "how": how, **_step(a, b, how, kw)})
        out.append({"name": name, "title": title, "steps": rows})
    return out


