"""The cost of a term: floating-point operations and bytes written, at concrete sizes.

One table of per-node costs, used both on terms (:func:`term_cost`) and on e-nodes during
extraction (:func:`cost_model`), so the "before" and "after" figures of ``anatomy optimize``
come from one model. Each node costs the elements it computes (a reduction: the elements it
reads), times a weight (softmax: exp, sum and divide); views (rename, split, merge) are
free; every computed element is written once as a float64. Shared sub-terms are counted at
each use (tree cost), the model egglog's extractor optimises.

Example:
    >>> from anatomy.examples import load_example
    >>> sizes = {"n": 4096, "m": 4096, "dk": 64, "dv": 64}
    >>> quad = term_cost(load_example("linear-elu-quadratic").term, sizes)
    >>> lin = term_cost(load_example("linear-elu-linear").term, sizes)
    >>> lin.flops < quad.flops / 10
    True
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping

from ..ir.size import Size
from ..ir.term import Binary, Concat, Input, Merge, Normalize, Param, Reduce, Rename, Scan, Softmax, Split, State, Term, Unary, Where

WEIGHTS = {"unary": 1, "binary": 1, "where": 1, "reduce": 1, "softmax": 4, "normalize": 4, "concat": 0, "scan": 1}
"""FLOPs per element, by node kind; leaves, renames, splits and merges cost nothing."""

TOKEN_SYMBOLS = ("n", "m", "l", "t", "s", "N", "M", "L", "T", "S")
"""Size symbols taken to count tokens when no size is given (4096); others are features (64)."""


@dataclasses.dataclass(frozen=True, order=True)
class Cost:
    """FLOPs and bytes written; ordered by their sum in float64 elements."""

    total: float
    flops: float
    bytes: float

    @classmethod
    def of(cls, flops: float, elements: float) -> "Cost":
        return cls(flops + elements, flops, 8 * elements)

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.total + other.total, self.flops + other.flops, self.bytes + other.bytes)

    def __str__(self) -> str:
        return f"{_human(self.flops)} FLOPs, {_human(self.bytes)}B written"


ZERO = Cost(0.0, 0.0, 0.0)


def _human(x: float) -> str:
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x:.3g} "


def cost_sizes(symbols, given: Mapping[str, int] | None = None) -> dict[str, int]:
    """Concrete sizes for cost estimates: ``given`` first, then 4096 for token-like symbols
    (``n``, ``m``, …) and 64 for the rest."""
    given = dict(given or {})
    return {s: given.get(s, 4096 if s in TOKEN_SYMBOLS else 64) for s in sorted(set(symbols) | set(given))}


@functools.lru_cache(maxsize=4096)
def _size(text: str, sizes: tuple) -> int:
    return Size.parse(text).evaluate(dict(sizes))


def elements(keys, sizes: Mapping[str, int]) -> int:
    """The number of elements of a tensor over the given axis keys (``"j:m"``)."""
    frozen = tuple(sorted(sizes.items()))
    return math.prod(_size(k.partition(":")[2], frozen) for k in keys)


def node_cost(kind: str, out_elements: int, in_elements: int) -> Cost:
    """The cost of one node of ``kind`` computing ``out_elements`` from ``in_elements``."""
    weight = WEIGHTS.get(kind, 0)
    if weight == 0 and kind != "concat":
        return ZERO
    work = in_elements if kind in ("reduce", "softmax", "normalize") else out_elements
    return Cost.of(weight * work, out_elements)


_KINDS = {Unary: "unary", Binary: "binary", Where: "where", Reduce: "reduce", Softmax: "softmax",
          Normalize: "normalize", Concat: "concat", Scan: "scan"}


def term_cost(term: Term, sizes: Mapping[str, int]) -> Cost:
    """The tree cost of ``term`` at ``sizes`` (every size symbol bound)."""
    memo: dict[Term, Cost] = {}

    def keys(t: Term) -> list[str]:
        return [f"{a.name}:{a.size}" for a in t.type.axes]

    def go(t: Term) -> Cost:
        if t not in memo:
            kids = sum((go(c) for c in t.children), ZERO)
            kind = _KINDS.get(type(t), "")
            if isinstance(t, (Input, Param, State, Rename, Split, Merge)) or not kind:
                own = ZERO
            else:
                inner = t.x if isinstance(t, (Reduce, Softmax, Normalize)) else t
                own = node_cost(kind, elements(keys(t), sizes), elements(keys(inner), sizes))
            memo[t] = kids + own
        return memo[t]

    return go(term)
