"""The relation between two families: reparam-equivalent (≅), specializes / generalizes (⊑),
or unknown, with witnesses both ways, conditions and strictness.

* A ⊑ B and B ⊑ A, each by a derived and verified witness: **reparam-equivalent**. A
  direction may also follow from the other by a right inverse (:mod:`.inverse`), checked
  by the oracles in its own right.
* One direction only: **specializes** (A ⊑ B) or **generalizes** (B ⊑ A). When the other
  direction holds only under size conditions (a factored bilinear form is the full one when
  dk >= d), the record says so in ``also``.
* **Strictness** of A ⊑ B: the dimension of each family (:func:`~anatomy.runtime.jacobian.family_rank`)
  at small sizes — where any condition for the converse fails — and a larger rank for B
  shows B ⊄ A there. Otherwise strictness is "not shown".
* Neither direction: **unknown**, with what was tried; a larger dimension on one side is
  reported as a proof that it is not contained in the other.

Example:
    >>> from anatomy.examples import family_case
    >>> a, b = family_case("mqa-vs-gqa").load()
    >>> rec = family_relation(a.term, b.term, examples=0)
    >>> rec["relation"], rec["strict"]["verdict"]
    ('specializes', 'strict')
"""

from __future__ import annotations

from collections.abc import Mapping

from ..egraph.engine import Budget
from ..ir.size import SizeCondition
from ..ir.term import Term
from ..ir.traverse import size_symbols, substitute
from ..runtime import default_sizes
from ..runtime.jacobian import family_rank
from ..verify.oracles import run_oracles
from .inverse import right_inverse
from .search import Inclusion, conditions_hold_always, find_inclusion


def _direction(claim: str, inc: Inclusion) -> dict:
    return {"claim": claim, **inc.to_json()}


def _undo(a: Term, b: Term, forward: Inclusion, *, seeds: int, examples: int, seed: int,
          sizes: Mapping[str, int] | None, bound: int | None) -> Inclusion | None:
    """B ⊑ A from A ⊑ B by a right inverse of its witness, checked by the oracles."""
    sigma, conditions, why = right_inverse(a, forward.choices)
    if sigma is None:
        return None
    kw = {"bound": bound} if bound is not None else {}
    substituted = substitute(a, sigma)
    ev = run_oracles(b, substituted, sizes=sizes, seeds=seeds, examples=examples, seed=seed,
                     conditions=conditions, **kw)
    if ev.verdict in ("refuted", "conflict"):
        return None
    # a factor is undone by merge-linear-full's inverse; every other move by its own rule's
    rules = sorted({"merge-linear-full" if ch.rule == "merge-linear" else ch.rule for ch in forward.choices})
    texts = tuple(str(c) for c in conditions)
    if conditions_hold_always(texts):
        texts = ()
    witness = tuple({"param": q.name, "value": str(t), "rule": "inverse of " + ", ".join(rules),
                     "conditions": list(texts)} for q, t in sorted(sigma.items(), key=lambda kv: kv[0].name))
    how = ev.reason if ev.verdict == "proved" else f"no oracle found a difference (z3: {ev.smt.verdict})"
    return Inclusion(True, witness, texts, forward.rules, forward.prepared_by, ev.to_json(), 0,
                     f"the forward witness is onto ({', '.join(rules)} undone by their inverse witnesses), "
                     f"so B(φ) = A(σ(φ)); and {how}")


def _rank_sizes(a: Term, b: Term, avoid: tuple[str, ...]) -> dict[str, int]:
    """Small distinct sizes from 2 (so that sharing, heads and ranks can differ; the order is
    alphabetical, which puts head sizes such as ``dh`` below model sizes such as ``dm``),
    except that the conditions in ``avoid`` are made to fail."""
    sizes = default_sizes(sorted(set(size_symbols(a)) | set(size_symbols(b))), base=2)
    for text in avoid:
        c = SizeCondition.parse(text)
        if c.holds(sizes) and c.large.is_symbol:
            small = c.small.evaluate(sizes)
            if small >= 2:
                sizes[c.large.symbols[0]] = small - 1
    return sizes


def strictness(a: Term, b: Term, *, avoid: tuple[str, ...] = (), names: tuple[str, str] = ("left", "right")) -> dict:
    """Whether A ⊑ B is strict: B's family has larger dimension than A's at some sizes
    (``names`` are how the reason calls A and B)."""
    sizes = _rank_sizes(a, b, avoid)
    ra, rb = family_rank(a, sizes=sizes), family_rank(b, sizes=sizes)
    record = {"sizes": sizes, f"{names[0]}_rank": ra.to_json(), f"{names[1]}_rank": rb.to_json()}
    if rb.rank > ra.rank and ra.clear and rb.clear:
        return {"verdict": "strict", "reason": f"at sizes {_show(sizes)} the {names[1]} family has dimension "
                f"{rb.rank} and the {names[0]} {ra.rank} (Jacobian ranks, float64), so the {names[1]} one "
                f"reaches functions the {names[0]} cannot", **record}
    why = ("the ranks are equal" if rb.rank == ra.rank else "the singular values do not separate clearly")
    return {"verdict": "not shown", "reason": f"at sizes {_show(sizes)}: ranks {ra.rank} and {rb.rank}; {why}",
            **record}


def _show(sizes: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sizes.items())


def family_relation(a: Term, b: Term, *, budget: Budget = Budget(), seeds: int = 3, examples: int = 10,
                    seed: int = 0, sizes: Mapping[str, int] | None = None, bound: int | None = None) -> dict:
    """The family relation between ``a`` and ``b`` (JSON schema in docs/reference/cli.md)."""
    kw = dict(budget=budget, seeds=seeds, examples=examples, seed=seed, sizes=sizes, bound=bound)
    forward, backward = find_inclusion(a, b, **kw), find_inclusion(b, a, **kw)
    undo = dict(seeds=seeds, examples=examples, seed=seed, sizes=sizes, bound=bound)
    if forward.holds and not backward.holds:
        backward = _undo(a, b, forward, **undo) or backward
    elif backward.holds and not forward.holds:
        forward = _undo(b, a, backward, **undo) or forward
    fwd, bwd = bool(forward.holds), bool(backward.holds)
    fc = () if conditions_hold_always(forward.conditions) else forward.conditions
    bc = () if conditions_hold_always(backward.conditions) else backward.conditions
    record = {"relation": "unknown", "conditions": [], "also": [], "strict": None,
              "witness": {"forward": _direction("left ⊑ right", forward),
                          "backward": _direction("right ⊑ left", backward)}}
    if fwd and bwd and (not fc or not bc) and (fc or bc):
        # one direction holds for all sizes, the other under conditions
        rel, cond = ("specializes", bc) if not fc else ("generalizes", fc)
        record.update(relation=rel, also=[{"relation": "reparam-equivalent", "conditions": list(cond)}])
    elif fwd and bwd:
        record.update(relation="reparam-equivalent", conditions=sorted(set(fc) | set(bc)))
    elif fwd:
        record.update(relation="specializes", conditions=list(fc))
    elif bwd:
        record.update(relation="generalizes", conditions=list(bc))
    if record["relation"] == "specializes":
        record["strict"] = strictness(a, b, avoid=tuple(bc))
    elif record["relation"] == "generalizes":
        record["strict"] = strictness(b, a, avoid=tuple(fc), names=("right", "left"))
    elif record["relation"] == "unknown":
        s = strictness(a, b)
        if s["verdict"] == "strict":
            record["not_included"] = {"claim": "right ⋢ left", **s}
        else:
            s = strictness(b, a, names=("right", "left"))
            if s["verdict"] == "strict":
                record["not_included"] = {"claim": "left ⋢ right", **s}
    return record
