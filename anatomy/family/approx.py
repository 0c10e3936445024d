"""Approximation (⊑≈): A's family lies in the closure of B's, by a cited theorem.

This is not an identity and never becomes ≡, ≅ or ⊑: it rests on a universal-approximation
theorem (:data:`anatomy.rules.APPROXIMATION`) and holds only in the limit of a growing
width. The matcher is structural: A and B must be the same attention *except for their
score* — replacing each score by one placeholder gives the same term — B's score must be
the theorem's form (``sum_a(v[a] * tanh(…))``: one hidden layer of width ``a`` over the
query and key), and A's score must be a continuous function of the same query and key
rows (built from continuous operations only, reading no more than B's score reads).

Example:
    >>> from anatomy.examples import load_example
    >>> rec = approximated_by(load_example("luong-general-qkv").term, load_example("bahdanau-qkv").term)
    >>> rec["theorem"], rec["width"]
    ('mlp-score', 'a')
"""

from __future__ import annotations

from ..ir.ops import UnaryOp
from ..ir.term import (Binary, Const, Dim, Index, Input, Param, Reduce, ReduceOp, Rename, Softmax, Term, Unary,
                       Where)
from ..ir.traverse import inputs, postorder, rewrite_bottom_up
from ..rules import APPROXIMATION

_CONTINUOUS = (Input, Param, Const, Dim, Index, Unary, Binary, Reduce, Rename)
"""Node kinds of a continuous score (every unary and binary op of the language is
continuous on its domain; ``where`` and ``max`` of masks are not admitted)."""


def _scores(term: Term) -> list[Softmax]:
    return [n for n in postorder(term) if isinstance(n, Softmax)]


def _mlp_width(score: Term) -> str | None:
    """The hidden axis of a score ``sum_a(v[a] * tanh(h[…, a]))``, or None."""
    if not (isinstance(score, Reduce) and score.op is ReduceOp.SUM and isinstance(score.x, Binary)):
        return None
    a = score.axis
    parts = (score.x.a, score.x.b)
    weight = next((p for p in parts if isinstance(p, (Param, Rename)) and p.axes == (a,)), None)
    act = next((p for p in parts if isinstance(p, Unary) and p.op is UnaryOp.TANH and a in p.axes), None)
    return a if weight is not None and act is not None else None


def _continuous(score: Term) -> bool:
    return all(isinstance(n, _CONTINUOUS) and not isinstance(n, Where) for n in postorder(score))


def approximated_by(a: Term, b: Term) -> dict | None:
    """The ⊑≈ record when A's score family is approximated by B's MLP score, else None."""
    if a.type != b.type:
        return None
    for sa in _scores(a):
        for sb in _scores(b):
            if sa.axis != sb.axis or sa.x.type != sb.x.type:
                continue
            width = _mlp_width(sb.x)
            if width is None or not _continuous(sa.x):
                continue
            if not {x.name for x in inputs(sa.x)} <= {x.name for x in inputs(sb.x)}:
                continue
            hole = Input("Score", sa.x.type.axes)
            if rewrite_bottom_up(a, lambda n: Softmax(hole, sa.axis) if n is sa else n) is not \
                    rewrite_bottom_up(b, lambda n: Softmax(hole, sb.axis) if n is sb else n):
                continue
            theorem = APPROXIMATION[0]
            return {"relation": "approximated-by", "theorem": theorem.name, "width": width,
                    "statement": theorem.statement, "source": theorem.source,
                    "left_score": str(sa.x), "right_score": str(sb.x),
                    "reason": f"the two differ only in their score; the right score is a one-hidden-layer tanh "
                              f"network of width {width} over the same query and key, which approximates the "
                              f"left (continuous) score uniformly on compact sets as the width grows"}
    return None

