"""Undoing a witness: when A ⊑ B by a witness τ that is *onto*, B ⊑ A too, and A ≅ B.

If A(θ) ≡ B(τ(θ)) for every θ, and σ is a right inverse of τ (τ(σ(φ)) = φ for every φ),
then B(φ) = B(τ(σ(φ))) = A(σ(φ)): σ is a witness for B ⊑ A. τ has a right inverse when
each of B's parameters is an onto image of its own parameters of A — renamed (bijective),
scaled by a nonzero constant (bijective), one slice each of a fused parameter (all slices
taken: bijective), parameters side by side (bijective), or a product of two through a
shared axis k that is no bottleneck (onto when size(d) <= size(k): merge-linear-full). A
parameter of A that τ ignores may take any value in σ (zero). Each move's inverse is its
family rule's verified inverse witness; :func:`anatomy.family.relation` checks the
assembled σ with the oracles as well.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ir.size import SizeCondition
from ..ir.term import Const, Index, Param, Term, Where
from ..ir.traverse import broadcast, params
from .candidates import Choice


def right_inverse(a: Term, picked: Sequence[Choice]) -> tuple[dict[Param, Term] | None, tuple[SizeCondition, ...], str]:
    """σ (A's parameters as terms of B's), its size conditions, and why not when there is none."""
    readers: dict[str, list[Choice]] = {}
    for ch in picked:
        for q in params(ch.term):
            readers.setdefault(q.name, []).append(ch)
    entries: dict[str, list] = {}
    for ch in picked:
        if not ch.inverse:
            return None, (), f"{ch.param.name} := {ch.term} ({ch.rule}) is not onto"
        for e in ch.inverse:
            entries.setdefault(e[1] if e[0] == "slice" else e[0], []).append(e)
    sigma: dict[Param, Term] = {}
    conditions: list[SizeCondition] = []
    for q in params(a):
        found = entries.get(q.name, [])
        if not found:
            if q.name in readers:
                return None, (), f"{q.name} is read by a move that cannot be undone"
            sigma[q] = broadcast(Const(0.0), q.shape)  # τ ignores it: any value will do
            continue
        if found[0][0] == "slice":
            t = found[0][2]
            positions = sorted(e[3] for e in found)
            if positions != list(range(t.size.constant or 0)):
                return None, (), f"the slices of {q.name} along {t.name} are not each used once"
            parts = {e[3]: e[4] for e in found}
            value = parts[positions[-1]]
            for pos in reversed(positions[:-1]):
                value = Where(Index(t).eq(Const(float(pos))), parts[pos], value)
            sigma[q] = broadcast(value, q.shape)
            continue
        if len(found) != 1 or len(readers.get(q.name, ())) > 1:
            return None, (), f"{q.name} feeds more than one parameter (it is tied)"
        sigma[q] = broadcast(found[0][1], q.shape)
        conditions += found[0][2]
    return sigma, tuple(sorted(set(conditions), key=str)), ""
