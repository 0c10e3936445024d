"""Deterministic test inputs: small distinct sizes for size symbols, seeded random arrays.

Both functions depend only on sorted names, never on the order in which a traversal
meets the leaves, so the same term, sizes and seed give the same numbers everywhere.

Functions: :func:`default_sizes`, :func:`random_values`.

Example:
    >>> from anatomy.ir.term import Axis, Input, Param
    >>> q = Input("Q", (Axis("i", "n"), Axis("d", "dk")))
    >>> w = Param("W", (Axis("d", "dk"),))
    >>> default_sizes(q * w)
    {'dk': 3, 'n': 4}
    >>> default_sizes(q, sizes={"n": 3})
    {'dk': 4, 'n': 3}
    >>> v = random_values(q * w, sizes={"n": 2, "dk": 3}, seed=0)
    >>> sorted(v), v["Q"].shape, v["Q"].dtype
    (['Q', 'W'], (2, 3), dtype('float64'))
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..errors import UsageError
from ..ir.size import Size
from ..ir.term import Term
from ..ir.traverse import inputs, params
from ..messages import expected
from ._check import check_bindings, check_sizes, check_term, size_symbols


def _symbols(term_or_symbols: Any) -> set[str]:
    if isinstance(term_or_symbols, (Term, Size, str)):
        items: Iterable[Any] = (term_or_symbols,)
    elif isinstance(term_or_symbols, Iterable):
        items = term_or_symbols
    else:
        raise UsageError(expected("a term, a size or an iterable of terms, sizes and size symbols",
                                  f"{type(term_or_symbols).__name__} {term_or_symbols!r}"))
    found: set[str] = set()
    for item in items:
        if isinstance(item, Term):
            found.update(size_symbols(item))
        elif isinstance(item, Size):
            found.update(item.symbols)
        elif isinstance(item, str):
            found.update(Size.of(item).symbols)
        else:
            raise UsageError(expected("terms, sizes or size symbols (strings)", f"{type(item).__name__} {item!r}"))
    return found


def default_sizes(term_or_symbols: Any, *, sizes: Mapping[str, int] | None = None,
                  base: int = 3) -> dict[str, int]:
    """Small distinct sizes for every size symbol, in sorted order: ``base``, ``base+1``, …

    Parameters:
        term_or_symbols: a term, a :class:`Size`, a symbol, or an iterable of them.
        sizes: values the caller fixes; they win, and their values are skipped when
            numbering the rest (so all sizes stay distinct where possible).
        base: the first size handed out (a positive int).

    Distinct sizes make a transposed axis or a swapped operand change the result shape,
    so layout bugs fail loudly instead of passing on square arrays.
    """
    if isinstance(base, bool) or not isinstance(base, numbers.Integral) or base < 1:
        raise UsageError(expected("a positive integer for base", repr(base)))
    fixed = check_bindings({} if sizes is None else sizes)
    out = dict(fixed)
    used = set(fixed.values())
    value = int(base)
    for name in sorted(_symbols(term_or_symbols) - set(fixed)):
        while value in used:
            value += 1
        out[name] = value
        used.add(value)
    return dict(sorted(out.items()))


def random_values(term: Term, *, sizes: Mapping[str, int], seed: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    """A float64 standard-normal array (times ``scale``) for every Input and Param of ``term``.

    Parameters:
        term: the term whose leaves get values.
        sizes: size symbol -> positive int.
        seed: a non-negative int; one ``numpy.random.Generator(PCG64(seed))`` draws the
            arrays in sorted-name order, each laid out in its leaf's declared axis order.
        scale: the standard deviation (a finite real).
    """
    check_term(term)
    lengths = check_sizes(term, sizes)[1]
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise UsageError(expected("a non-negative integer for seed", repr(seed)))
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale):
        raise UsageError(expected("a finite real number for scale", repr(scale)))
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    out: dict[str, np.ndarray] = {}
    for leaf in sorted([*inputs(term), *params(term)], key=lambda x: x.name):
        shape = tuple(lengths[a.name] for a in leaf.shape)
        out[leaf.name] = rng.standard_normal(shape) * float(scale)
    return out
