"""Lowering: sugar nodes to their definitions in the core, one entry per sugar kind.

``softmax_j(x) = exp(x) / sum_j(exp(x))`` and ``normalize_d(x) = x / sqrt(sum_d(x * x))``.
:func:`lower` expands every sugar node; the result uses core node kinds only and denotes
the same function (the runtime evaluates sugar with numerically stable kernels, which is
why sugar is kept as nodes until someone asks for the core).

Example:
    >>> from anatomy.ir.term import Axis, Input, Softmax
    >>> x = Input("s", (Axis("i", "n"), Axis("j", "m")))
    >>> str(lower(Softmax(x, "j")))
    'exp(s[i, j]) / sum_j(exp(s[i, j]))'
"""

from __future__ import annotations

from collections.abc import Callable

from .ops import UnaryOp
from .term import SUGAR_KINDS, Normalize, Softmax, Term, Unary
from .traverse import postorder, rewrite_bottom_up


def _softmax(t: Softmax) -> Term:
    e = Unary(UnaryOp.EXP, t.x)
    return e / e.sum(t.axis)


def _normalize(t: Normalize) -> Term:
    return t.x / Unary(UnaryOp.SQRT, (t.x * t.x).sum(t.axis))


LOWERINGS: dict[type[Term], Callable[..., Term]] = {Softmax: _softmax, Normalize: _normalize}
assert set(LOWERINGS) == set(SUGAR_KINDS)


def lower(term: Term) -> Term:
    """``term`` with every sugar node replaced by its core definition."""
    return rewrite_bottom_up(term, lambda t: LOWERINGS[type(t)](t) if type(t) in LOWERINGS else t)


def is_core(term: Term) -> bool:
    """True when ``term`` uses no sugar node."""
    return not any(isinstance(t, SUGAR_KINDS) for t in postorder(term))
